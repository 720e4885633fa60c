"""Fixtures: apps on real SQLite and PostgreSQL databases built from the migrations."""

import asyncio
import email
import email.policy
import os
import shutil
import socket
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import flask
import flask_migrate
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from hypothesis import settings

from symposium import create_app
from symposium.extensions import db
from symposium.program.models import Edition, EditionStatus, Person, Round, Session, SessionKind
from symposium.registration import service
from symposium.registration.service import RegistrationRequest, RoundRequest

pytest_plugins = ["pytester", "tests.skips"]

POSTGRES_URL = os.environ.get("SYMPOSIUM_TEST_POSTGRES_URL")

#: `make test` runs property tests with `ci`: the example counts each test names; by hand
#: they run with `dev`, a fifth of those, unless SYMPOSIUM_HYPOTHESIS_PROFILE says `ci`.
HYPOTHESIS_PROFILE = os.environ.get("SYMPOSIUM_HYPOTHESIS_PROFILE", "dev")
settings.register_profile("ci", max_examples=100, deadline=None, database=None)
settings.register_profile("dev", max_examples=20, deadline=None, database=None)
settings.load_profile(HYPOTHESIS_PROFILE)


def examples(ci: int) -> int:
    """How many examples a property test tries: `ci` in the ci profile, a fifth in dev."""
    return ci if HYPOTHESIS_PROFILE == "ci" else max(5, ci // 5)


TEST_SETTINGS = {
    "SECRET_KEY": "test-secret-key",
    "TESTING": True,
    # Enough connections for the race tests' fifty threads.
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 10, "max_overflow": 60, "pool_timeout": 60},
}


def build_app(database_url: str, **settings):
    return create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": database_url, **settings})


def migrate_to_head(database_url: str) -> None:
    app = build_app(database_url)
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """One SQLite file built from the migrations; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    migrate_to_head(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url():
    """A database of our own on the PostgreSQL server, built from the migrations, dropped after."""
    if not POSTGRES_URL:
        pytest.skip("SYMPOSIUM_TEST_POSTGRES_URL is not set: no PostgreSQL to test against")
    server = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"symposium_test_{uuid.uuid4().hex[:12]}"
    with server.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        migrate_to_head(url)
        yield url
    finally:
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


def _empty_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    tables = ", ".join(
        f'"{table.name}"' for table in db.metadata.sorted_tables if table.name != "alembic_version"
    )
    with engine.begin() as connection:
        connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, sqlite_template) -> str:
    """Each rule is proven on both databases."""
    if request.param == "sqlite":
        path = tmp_path / "symposium.sqlite"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    _empty_postgres(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path, sqlite_template) -> str:
    path = tmp_path / "symposium.sqlite"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def _fresh_request_globals(sender, **extra):
    # Test requests share the test's app context, so `g` (where Flask-Babel keeps the
    # language and Flask-Login the user) would outlive a request; a real server gives every
    # request its own context.
    vars(flask.g).clear()


def _app_for(url: str):
    app = build_app(url)
    flask.request_started.connect(_fresh_request_globals, app)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(database_url):
    """The app on each database in turn, CSRF protection on."""
    yield from _app_for(database_url)


@pytest.fixture
def sqlite_app(sqlite_url):
    """The app on SQLite only, for pages whose rules are proven elsewhere on both databases."""
    yield from _app_for(sqlite_url)


@pytest.fixture
def client(app):
    return app.test_client()


# -- factories ---------------------------------------------------------------------------


@pytest.fixture
def make_edition(app_under_test):
    """An edition open for sign-up, with rounds of breakouts and a plenary."""
    counter = iter(range(1, 1000))

    def make(
        *,
        rounds: int = 2,
        sessions_per_round: int = 3,
        capacity: int = 10,
        capacities: list[int] | None = None,
        venue_capacity: int | None = None,
        opens_in: timedelta = timedelta(days=-1),
        closes_in: timedelta = timedelta(days=30),
        starts: datetime | None = None,
        status: EditionStatus = EditionStatus.published,
        slug: str | None = None,
        confirm_email: bool = False,
    ) -> Edition:
        number = next(counter)
        now = datetime.now(UTC)
        starts = starts or (now + timedelta(days=60)).replace(
            hour=8, minute=30, second=0, microsecond=0
        )
        edition = Edition(
            slug=slug or f"{2030 + number}",
            title=f"Symposium {number}",
            starts_at=starts,
            ends_at=starts + timedelta(hours=8),
            venue="Utrecht",
            registration_opens_at=now + opens_in,
            registration_closes_at=now + closes_in,
            venue_capacity=venue_capacity,
            status=status,
            confirm_email=confirm_email,
        )
        db.session.add(edition)
        speaker = Person(name=f"Speaker {number}", affiliation="Hogeschool")
        db.session.add(
            Session(
                edition=edition,
                kind=SessionKind.plenary,
                title="Opening",
                slug="opening",
                room="Grote zaal",
                starts_at=starts,
                ends_at=starts + timedelta(hours=1),
                speakers=[speaker],
            )
        )
        for r in range(rounds):
            round_ = Round(
                edition=edition,
                name=f"Round {r + 1}",
                starts_at=starts + timedelta(hours=2 + 2 * r),
                ends_at=starts + timedelta(hours=3 + 2 * r),
            )
            db.session.add(round_)
            for s in range(sessions_per_round):
                db.session.add(
                    Session(
                        edition=edition,
                        round=round_,
                        kind=SessionKind.breakout,
                        title=f"Workshop {r + 1}.{s + 1}",
                        slug=f"workshop-{r + 1}-{s + 1}",
                        room=f"Room {s + 1}",
                        capacity=capacities[s] if capacities else capacity,
                        starts_at=round_.starts_at,
                        ends_at=round_.ends_at,
                        speakers=[speaker],
                    )
                )
        db.session.commit()
        return edition

    return make


@pytest.fixture
def app_under_test(request):
    """Whichever app the test asked for: `app` (both databases) or `sqlite_app`."""
    for name in ("app", "sqlite_app"):
        if name in request.fixturenames:
            return request.getfixturevalue(name)
    return request.getfixturevalue("app")


def person(number: int, choices: dict[int, int | None] | None = None, **fields):
    """A valid sign-up request for person `number`, with session ids per round id."""
    return RegistrationRequest(
        first_name=fields.pop("first_name", f"Person{number}"),
        last_name=fields.pop("last_name", "Tester"),
        email=fields.pop("email", f"person{number}@example.org"),
        organisation=fields.pop("organisation", "Gemeente Utrecht"),
        role=fields.pop("role", "social_worker"),
        consent=fields.pop("consent", True),
        choices={
            round_id: RoundRequest(session_id=session_id)
            for round_id, session_id in (choices or {}).items()
        },
        **fields,
    )


@pytest.fixture
def sign_up():
    """Register person `number` for the given {round id: session id}."""

    def sign(edition: Edition, number: int, choices=None, **fields):
        return service.register(edition.id, person(number, choices, **fields))

    return sign


# -- mail --------------------------------------------------------------------------------


class Inbox:
    """What a real SMTP server on loopback received, parsed."""

    def __init__(self, port: int) -> None:
        self.envelopes = []
        self.delay = 0.0
        self.port = port
        self.controller = None

    def start(self) -> None:
        """Listen (again): aiosmtpd controllers cannot be restarted, so make a new one."""
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        """An outage: connections are refused until start()."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        self.envelopes.append(envelope)
        return "250 OK"

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(e.original_content or e.content, policy=email.policy.default)
            for e in self.envelopes
        ]

    def keys(self) -> list[str]:
        return [m["X-Symposium-Key"] for m in self.messages]

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(app_under_test):
    """An aiosmtpd server on a free port; the app's mail goes there."""
    inbox = Inbox(free_port())
    inbox.start()
    app_under_test.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=inbox.port)
    yield inbox
    inbox.stop()
