"""Database engine behaviour: SQLite tuned for concurrent writers, write transactions, retries.

SQLite runs in WAL mode with a busy timeout, and every writing transaction starts with
`BEGIN IMMEDIATE`: a deferred `BEGIN` that later writes cannot wait for the lock and fails
with "database is locked" when another writer got there first. Reads stay deferred so that
pages do not queue behind each other.
"""

import collections
import functools
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from symposium.extensions import db

log = logging.getLogger(__name__)
_writing: ContextVar[bool] = ContextVar("writing", default=False)
T = TypeVar("T")
P = ParamSpec("P")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on SQLite as on PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store times as aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@contextmanager
def writing() -> Iterator[None]:
    """Transactions begun inside this block take SQLite's write lock at once."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


def is_writing() -> bool:
    """Whether this runs inside a use case's writing transaction."""
    return _writing.get()


def configure_engine(engine: Engine, ping_after_idle: float | None = None) -> None:
    if engine.dialect.name != "sqlite":
        if ping_after_idle is not None:
            _ping_after_idle(engine, ping_after_idle)
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
        # Deleted and overwritten rows are zeroed in the file, not just marked free: erased
        # personal data must not stay readable (most builds have it on; some do not).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def on_begin(connection):
        if _one_statement.get():
            return  # one SELECT is atomic by itself: no BEGIN (see one_statement_read)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _writing.get() else "BEGIN")


_IDLE_SINCE = "symposium.idle_since"


def _ping_after_idle(engine: Engine, seconds: float) -> None:
    """Test a pooled connection (SELECT 1) before use only when it sat unused for longer
    than `seconds`: a database restart, a firewall or a network hiccup most likely broke
    it then. Pinging every checkout (`pool_pre_ping`) cost a round trip per request. A
    connection that broke while in steady use fails at its first statement instead; the
    whole pool is then renewed, and the request (symposium.web.operations) or use case
    (`in_transaction`) runs again on a new connection, as both do for any lost one."""

    @sa.event.listens_for(engine, "connect")
    def on_connect(_dbapi_connection, record):
        record.info[_IDLE_SINCE] = time.monotonic()

    @sa.event.listens_for(engine, "checkin")
    def on_checkin(_dbapi_connection, record):
        record.info[_IDLE_SINCE] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def on_checkout(dbapi_connection, record, _proxy):
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is None or time.monotonic() - idle_since <= seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # As pool_pre_ping does: this connection, and every other one as old, is
            # replaced by a new one.
            raise sa.exc.InvalidatePoolError() from error


_one_statement: ContextVar[bool] = ContextVar("one_statement", default=False)


@contextmanager
def one_statement_read() -> Iterator[sa.Connection]:
    """A connection of its own for one reading statement, outside any transaction: no
    BEGIN and ROLLBACK round trips on PostgreSQL, no BEGIN on SQLite. Only where the
    request holds no transaction of its own (its session would see its own writes)."""
    engine = db.engine
    if engine.dialect.name != "sqlite":
        with engine.connect() as connection:
            # What execution_options(isolation_level="AUTOCOMMIT") does, without its
            # bookkeeping on the way out and back (a twentieth of the page's time): the
            # driver's own switch, turned back before the connection returns to the pool.
            driver = connection.connection.dbapi_connection
            driver.autocommit = True
            try:
                yield connection
            finally:
                if not connection.invalidated:
                    driver.autocommit = False
        return
    # AUTOCOMMIT would reset pysqlite's isolation_level on return (configure_engine sets
    # it to None); skipping our BEGIN has the same effect.
    token = _one_statement.set(True)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        _one_statement.reset(token)


def one_row(statement: sa.Select, parameters: dict) -> Any:
    """The first row of one reading statement, outside any transaction (see
    `one_statement_read`). On PostgreSQL through the driver's cursor on a pooled connection,
    with the statement compiled once: SQLAlchemy's Connection and result around it took
    about half of the program page's read (70 of 150 µs of CPU). The row's values are
    converted by the columns' own types, as SQLAlchemy does; a lost connection is
    reported as SQLAlchemy reports it (`lost_connection`), so the request runs again."""
    engine = db.engine
    if engine.dialect.name == "sqlite":
        with one_statement_read() as connection:
            return connection.execute(statement, parameters).first()
    read = _driver_read(statement, engine.dialect)
    values = read.parameters(parameters)
    fairy = engine.raw_connection()
    try:
        driver = fairy.driver_connection
        driver.autocommit = True
        try:
            with driver.cursor() as cursor:
                cursor.execute(read.sql, values)
                row = cursor.fetchone()
        finally:
            if not driver.closed:
                driver.autocommit = False
    except engine.dialect.loaded_dbapi.Error as error:
        lost = engine.dialect.is_disconnect(error, driver, None)
        if lost:
            fairy.invalidate(error)
            engine.dispose(close=False)  # as SQLAlchemy does: every pooled one is suspect
        raise DBAPIError.instance(
            read.sql, values, error, engine.dialect.loaded_dbapi.Error, connection_invalidated=lost
        ) from error
    finally:
        fairy.close()
    return None if row is None else read.row(row)


class _DriverRead:
    """A statement compiled for one dialect, with its parameters' and columns' conversions."""

    def __init__(self, statement: sa.Select, dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        self._compiled = compiled
        self._binds = {
            name: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for name, bind in compiled.binds.items()
        }
        columns = list(statement.selected_columns)
        self._results = [
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        ]
        self._row = collections.namedtuple("Row", [column.key for column in columns])

    def parameters(self, given: dict) -> dict:
        values = self._compiled.construct_params(given)
        return {
            name: (self._binds[name](value) if self._binds.get(name) else value)
            for name, value in values.items()
        }

    def row(self, values: tuple) -> Any:
        return self._row(
            *(
                convert(value) if convert else value
                for convert, value in zip(self._results, values, strict=True)
            )
        )


@functools.cache  # statements are built once, at import, and so is each one's read
def _driver_read(statement: sa.Select, dialect) -> _DriverRead:
    return _DriverRead(statement, dialect)


class TryAgain(Exception):
    """Raised by a use case whose quick way did not hold (say, a limit set meanwhile): its
    transaction is rolled back and the use case run again, with everything read anew."""


def truncate_write_ahead_log(engine: Engine) -> bool:
    """SQLite: copy the write-ahead log into the database file and cut the log to nothing,
    so that the row versions it held (erased names, say) are gone from the disk too. Call
    it after the commit, outside any transaction of one's own: it runs on a connection of
    its own and waits (the busy timeout) for readers still on older versions. True when the
    log is empty; on PostgreSQL there is no such file of ours (see the README)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return True
    with closing(sqlite3.connect(database, timeout=30, isolation_level=None)) as connection:
        busy, _frames, _copied = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    if busy:
        log.warning("the write-ahead log of %s could not be emptied: still in use", database)
    return not busy


def _is_retryable(error: DBAPIError) -> bool:
    """PostgreSQL deadlocks and serialisation failures are safe to run again."""
    code = getattr(error.orig, "sqlstate", None)
    return code in {"40001", "40P01"}


def _end_reads() -> None:
    """End what the request read before (on a connection that may have been dropped since:
    the next attempt takes a fresh one)."""
    try:
        db.session.rollback()
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        db.session.rollback()


def _end_reading() -> None:
    """End the read transaction of the request so far, keeping what it loaded.

    SQLite must: a deferred transaction that starts writing cannot wait for the write lock.
    PostgreSQL reads committed rows statement by statement, so the transaction goes on.
    """
    session = db.session()
    if not session.in_transaction():
        return
    if session.new or session.dirty or session.deleted:
        _end_reads()  # half-made changes are no part of this use case
    elif session.get_bind().dialect.name == "sqlite":
        session.expire_on_commit = False
        try:
            session.commit()  # nothing written: this only ends the read
        finally:
            session.expire_on_commit = True


_NOTHING: Any = object()


def in_transaction(use_case: Callable[[], T], attempts: int = 5, keep_loaded: bool = False) -> T:
    """Run one use case as one writing transaction, committed once, run again on a deadlock,
    a serialisation failure or a connection that broke (a database restarted, a backend
    terminated): nothing of that attempt was kept, so running it again is safe. When the
    connection broke during the commit itself, PostgreSQL is asked whether that transaction
    committed (txid_status): if it did, the use case is done; if not, it runs again.

    `keep_loaded`: what the request loaded before stays loaded, unexpired, during the use
    case, and what it names with `keep_after_commit` also after the commit, which saves
    reading them again; only for a use case that locks nothing it reads through those
    objects (see `use_case`).
    """
    for attempt in range(attempts):
        if keep_loaded and attempt == 0:
            _end_reading()
        else:
            _end_reads()
        xid, done = None, _NOTHING
        try:
            with writing():
                xid = _transaction_id()
                done = use_case()
                if keep_loaded:
                    _commit_keeping_loaded()
                else:
                    db.session.commit()
            db.session.info["committed"] = True
            return done
        except DBAPIError as error:
            _end_reads()
            lost_at_commit = error.connection_invalidated and done is not _NOTHING
            if lost_at_commit and xid is not None and _committed(xid):
                db.session.info["committed"] = True
                return done
            again = _is_retryable(error) or error.connection_invalidated
            if not again or attempt == attempts - 1:
                raise
        except TryAgain:
            db.session.rollback()
            if attempt == attempts - 1:
                raise
        except BaseException:
            db.session.rollback()
            raise
        finally:
            db.session.info.pop(_KEPT, None)
    raise AssertionError("unreachable")


def lost_connection(error: BaseException) -> bool:
    """The database connection broke (restart, terminated backend, network)."""
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


def start_counting_commits() -> None:
    # Without a session yet nothing was committed; making one only to say so cost every
    # request that reads nothing through it (the program page) a Session.
    if db.session.registry.has():
        db.session.info["committed"] = False


def committed_anything() -> bool:
    """Whether a use case committed since `start_counting_commits`."""
    return db.session.registry.has() and bool(db.session.info.get("committed"))


def _transaction_id() -> int | None:
    """PostgreSQL: this transaction's id, to ask after a lost commit whether it committed."""
    if db.session.get_bind().dialect.name != "postgresql":
        return None
    return db.session.execute(sa.text("SELECT txid_current()")).scalar_one()


def _committed(xid: int) -> bool:
    """Did transaction `xid` commit? Asked on a fresh connection."""
    with db.engine.connect() as connection:
        status = connection.execute(sa.text("SELECT txid_status(:xid)"), {"xid": xid}).scalar()
    return status == "committed"


_KEPT = "symposium.kept_after_commit"


def keep_after_commit(*objects: object) -> None:
    """In a `use_case(keep_loaded=True)`: these objects stay as they are after the commit
    (the answer reads them); every other object is read anew when next used, as usual."""
    db.session.info.setdefault(_KEPT, []).extend(objects)


def _commit_keeping_loaded() -> None:
    session = db.session()
    kept = {id(obj) for obj in session.info.pop(_KEPT, [])}
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
    for obj in list(session.identity_map.values()):
        if id(obj) not in kept:
            session.expire(obj)


def use_case(function: Callable[P, T] | None = None, *, keep_loaded: bool = False):
    """The function runs as one writing transaction, committed once, retried on deadlock or
    a lost connection (so its body must be safe to run again).

    `@use_case(keep_loaded=True)` keeps the objects the request loaded before as they
    were read, and those the use case names with `keep_after_commit` as they were written:
    no second read of them in the use case nor after it. Only for a use case that reads
    nothing through such objects that another transaction may have changed meanwhile in a
    way that matters (it locks rows and reads them with statements of its own instead).
    """

    def decorate(function: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(function)
        def run(*args: P.args, **kwargs: P.kwargs) -> T:
            return in_transaction(lambda: function(*args, **kwargs), keep_loaded=keep_loaded)

        return run

    return decorate(function) if function is not None else decorate


def refuse_conflicts(refusal: Callable[[IntegrityError], BaseException]):
    """A unique index that refused what another transaction wrote meanwhile (two people
    saving the same address at once) becomes `refusal(error)`, a refusal people can read."""

    def decorate(function: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(function)
        def run(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return function(*args, **kwargs)
            except IntegrityError as error:
                raise refusal(error) from error

        return run

    return decorate


def conflict_insert(dialect: str, table) -> sa.Insert:
    """The INSERT of `dialect` ("postgresql" or "sqlite"), which knows ON CONFLICT."""
    return (postgresql if dialect == "postgresql" else sqlite).insert(table)
