"""The worker loop: deliver what is due, run scheduled jobs, stop cleanly on SIGTERM."""

import logging
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime

from flask import current_app

from symposium.mail.delivery import deliver_due

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
    last_schedule = 0.0
    while not stop():
        if time.monotonic() - last_schedule >= schedule_every:
            last_schedule = time.monotonic()
            for job in scheduled:
                queued = job(datetime.now(UTC))
                if queued:
                    log.info("%s queued %d messages", job.__name__, queued)
        result = deliver_due(config["MAIL_BATCH_SIZE"], should_stop=stop)
        if result.sent or result.retried or result.failed:
            log.info("sent %d, to retry %d, failed %d", result.sent, result.retried, result.failed)
        if once:
            return
        if not (result.sent or result.retried or result.failed):
            _sleep(config["WORKER_POLL_SECONDS"], stop)


def _sleep(seconds: float, stop: StopFlag) -> None:
    deadline = time.monotonic() + seconds
    while not stop() and time.monotonic() < deadline:
        time.sleep(min(0.1, seconds))
