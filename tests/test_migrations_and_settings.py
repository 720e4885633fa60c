"""Migrations match the models on both databases; settings need no hand work in development."""

import shutil

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from symposium import create_app
from symposium.extensions import db
from tests.conftest import build_app


def test_migrations_build_exactly_the_models_and_come_down_again(database_url):
    app = build_app(database_url)
    with app.app_context():
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert differences == []

        flask_migrate.downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        flask_migrate.upgrade()
        assert "registration" in sa.inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(sqlite_app):
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_development_makes_a_secret_key_once_and_keeps_it(tmp_path, monkeypatch):
    monkeypatch.delenv("SYMPOSIUM_SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    settings = {"SQLALCHEMY_DATABASE_URI": "sqlite://"}

    first = create_app(settings, instance_path=instance).secret_key
    second = create_app(settings, instance_path=instance).secret_key
    shutil.rmtree(instance)
    third = create_app(settings, instance_path=instance).secret_key

    assert len(first) >= 40 and first == second != third


def test_production_refuses_to_start_without_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SYMPOSIUM_SECRET_KEY", raising=False)

    with pytest.raises(RuntimeError, match=r"SYMPOSIUM_SECRET_KEY is not set.*token_urlsafe"):
        create_app({"PRODUCTION": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}, tmp_path)
