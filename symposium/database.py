"""Database engine behaviour: SQLite tuned for concurrent writers, write transactions, retries.

SQLite runs in WAL mode with a busy timeout, and every writing transaction starts with
`BEGIN IMMEDIATE`: a deferred `BEGIN` that later writes cannot wait for the lock and fails
with "database is locked" when another writer got there first. Reads stay deferred so that
pages do not queue behind each other.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from symposium.extensions import db

_writing: ContextVar[bool] = ContextVar("writing", default=False)
T = TypeVar("T")


@contextmanager
def writing() -> Iterator[None]:
    """Transactions begun inside this block take SQLite's write lock at once."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event below decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _writing.get() else "BEGIN")


def _is_retryable(error: DBAPIError) -> bool:
    """PostgreSQL deadlocks and serialisation failures are safe to run again."""
    code = getattr(error.orig, "sqlstate", None)
    return code in {"40001", "40P01"}


def in_transaction(use_case: Callable[[], T], attempts: int = 5) -> T:
    """Run one use case as one writing transaction, committed once, retried on deadlock."""
    for attempt in range(attempts):
        db.session.rollback()
        try:
            with writing():
                result = use_case()
                db.session.commit()
            return result
        except DBAPIError as error:
            db.session.rollback()
            if not _is_retryable(error) or attempt == attempts - 1:
                raise
        except BaseException:
            db.session.rollback()
            raise
    raise AssertionError("unreachable")
