"""The worker loop: deliver what is due, run scheduled jobs, stop cleanly on SIGTERM."""

import logging
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app

from symposium import privacy
from symposium.extensions import db
from symposium.mail.delivery import deliver_due
from symposium.mail.lookups import resolve_due as resolve_link_requests

log = logging.getLogger(__name__)


class StopFlag:
    """Set by SIGTERM or SIGINT; the worker finishes the message in hand, then stops."""

    def __init__(self) -> None:
        self.stopped = False

    def __call__(self) -> bool:
        return self.stopped

    def stop(self, *_args) -> None:
        self.stopped = True

    def install(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)


def run(
    scheduled: list[Callable[[datetime], int]],
    stop: StopFlag,
    once: bool = False,
    schedule_every: float = 60.0,
) -> None:
    """Deliver due mail until stopped; run each scheduled job every `schedule_every` seconds."""
    config = current_app.config
    scheduled = [*scheduled, *periodic_purge(config.get("PURGE_AFTER_MONTHS"))]
    last_schedule = 0.0
    while not stop():
        try:
            if time.monotonic() - last_schedule >= schedule_every:
                last_schedule = time.monotonic()
                for job in scheduled:
                    queued = job(datetime.now(UTC))
                    if queued:
                        log.info("%s queued %d messages", job.__name__, queued)
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
            log.info("sent %d, to retry %d, failed %d", result.sent, result.retried, result.failed)
        if once:
            return
        if not (result.sent or result.retried or result.failed):
            _sleep(config["WORKER_POLL_SECONDS"], stop)


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
