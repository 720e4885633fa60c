"""The worker loop: deliver what is due, run scheduled jobs, stop cleanly on SIGTERM."""

import fcntl
import gc
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app

from symposium import privacy
from symposium.extensions import db
from symposium.mail.delivery import deliver_due
from symposium.mail.lookups import resolve_due as resolve_link_requests

log = logging.getLogger(__name__)


class Stopped(BaseException):
    """Raised by SIGTERM or SIGINT inside a network wait (a stalled SMTP server), so that
    the worker stops now rather than after the timeout; not an Exception, so that no
    `except Exception` takes it for one message's fault."""


class StopFlag:
    """Set by SIGTERM or SIGINT; the worker finishes the message in hand, then stops.

    Inside `interruptible()` (waiting for the SMTP server) the signal also raises
    `Stopped`: what was claimed and not yet sent goes back to the outbox.
    """

    def __init__(self) -> None:
        self.stopped = False
        #: the thread waiting for the SMTP server, while it waits
        self._waiting: int | None = None

    def __call__(self) -> bool:
        return self.stopped

    def stop(self, *_args) -> None:
        """Stop after the message in hand (any thread may call this)."""
        self.stopped = True

    def _on_signal(self, *_args) -> None:
        # Signal handlers run in the main thread, between two bytecodes of what it was
        # doing: when that was waiting for the SMTP server, end the wait.
        self.stop()
        if self._waiting == threading.get_ident():
            self._waiting = None
            raise Stopped

    @contextmanager
    def interruptible(self) -> Iterator[None]:
        if self.stopped:
            raise Stopped
        self._waiting = threading.get_ident()
        try:
            yield
        finally:
            self._waiting = None

    def install(self) -> None:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)


def run(
    scheduled: list[Callable[[datetime], int]],
    stop: StopFlag,
    once: bool = False,
    schedule_every: float = 60.0,
) -> None:
    """Deliver due mail until stopped; run each scheduled job every `schedule_every` seconds,
    when this worker holds the schedule lock (so that N workers do each job once)."""
    config = current_app.config
    scheduled = [*scheduled, *periodic_purge(config.get("PURGE_AFTER_MONTHS"))]
    # What start-up made (the app, its modules and templates) lives as long as the process:
    # kept out of the cyclic collector's full passes, which walked those ~150,000 objects
    # every few hundred messages (0.1-0.25 s each time, a tenth of the worker's time).
    gc.freeze()
    last_schedule = 0.0
    lock = ScheduleLock()
    try:
        while not stop():
            try:
                if time.monotonic() - last_schedule >= schedule_every:
                    last_schedule = time.monotonic()
                    if lock.held():
                        _run_scheduled(scheduled)
                resolve_link_requests()  # "mail me a link": look the addresses up, queue mail
                result = deliver_due(config["MAIL_BATCH_SIZE"], should_stop=stop)
            except (sa.exc.OperationalError, sa.exc.InterfaceError) as error:
                if once:
                    raise
                # The database restarting or out of reach: wait for it, as for the mail server.
                log.warning("database unavailable, trying again: %s", str(error).splitlines()[0])
                db.session.rollback()
                _sleep(max(config["WORKER_POLL_SECONDS"], 1.0), stop)
                continue
            if result.sent or result.retried or result.failed:
                log.info(
                    "sent %d, to retry %d, failed %d", result.sent, result.retried, result.failed
                )
            if once:
                return
            if not (result.sent or result.retried or result.failed):
                _sleep(config["WORKER_POLL_SECONDS"], stop)
    except Stopped:
        log.info("stopped while waiting for the mail server; the message in hand stays queued")
    finally:
        lock.release()


def _run_scheduled(scheduled: list[Callable[[datetime], int]]) -> None:
    for job in scheduled:
        queued = job(datetime.now(UTC))
        if queued:
            log.info("%s queued %d messages", job.__name__, queued)


class ScheduleLock:
    """Which worker does the scheduled work: the one holding this lock, for as long as it
    runs. On PostgreSQL a session-level advisory lock on a connection of its own (released
    by the server when the worker dies); on SQLite an exclusive lock on a file beside the
    database (released by the kernel)."""

    #: the advisory lock's number: "SYMP" in ASCII
    KEY = 0x53594D50

    def __init__(self) -> None:
        self._connection: sa.Connection | None = None
        self._file: int | None = None

    def held(self) -> bool:
        engine = db.engine
        if engine.dialect.name == "postgresql":
            return self._postgresql(engine)
        if engine.dialect.name == "sqlite":
            return self._sqlite(engine.url.database)
        return True

    def _postgresql(self, engine: sa.Engine) -> bool:
        if self._connection is not None:
            try:  # still ours: the connection (and with it the lock) is alive
                self._connection.exec_driver_sql("SELECT 1")
                self._connection.commit()
                return True
            except sa.exc.DBAPIError:
                self._connection.invalidate()
                self._connection = None
        connection = engine.connect()
        try:
            got = connection.scalar(sa.select(sa.func.pg_try_advisory_lock(self.KEY)))
            connection.commit()
        except BaseException:
            connection.close()
            raise
        if got:
            self._connection = connection
            log.info("this worker does the scheduled work")
        else:
            connection.close()
        return bool(got)

    def _sqlite(self, database: str | None) -> bool:
        if self._file is not None:
            return True
        if not database or database == ":memory:":
            return True
        handle = os.open(f"{database}.schedule-lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            return False
        self._file = handle
        return True

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.exec_driver_sql(f"SELECT pg_advisory_unlock({self.KEY})")
                self._connection.commit()
                self._connection.close()
            except sa.exc.DBAPIError:
                self._connection.invalidate()
            self._connection = None
        if self._file is not None:
            os.close(self._file)  # closing the file lets go of the lock
            self._file = None


def periodic_purge(setting: object) -> list[Callable[[datetime], int]]:
    """The purge of editions that ended SYMPOSIUM_PURGE_AFTER_MONTHS months ago, as a
    scheduled job; none when the setting is off. A bad value stops the worker at start."""
    months = privacy.purge_after_months(setting)
    if months is None:
        return []

    def purge_past_editions(now: datetime) -> int:
        for report in privacy.purge_due(now, months):
            log.info("removed the personal data of edition %s", report.slug)
        return 0  # not mail: the loop's own line counts queued messages

    return [purge_past_editions]


def _sleep(seconds: float, stop: StopFlag) -> None:
    deadline = time.monotonic() + seconds
    while not stop() and time.monotonic() < deadline:
        time.sleep(min(0.1, seconds))
