"""The worker as a real process: stops cleanly, survives being killed, shares the outbox."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from symposium.extensions import db
from symposium.mail import delivery
from symposium.mail.models import MessageStatus, OutboxMessage
from symposium.registration import service
from tests.conftest import person

FLASK = str(Path(sys.executable).with_name("flask"))


def start_worker(app, database_url: str, lease_seconds: int = 1) -> subprocess.Popen:
    env = {
        **os.environ,
        "SYMPOSIUM_DATABASE_URL": database_url,
        "SYMPOSIUM_SECRET_KEY": app.secret_key,
        "SYMPOSIUM_MAIL_SERVER": "127.0.0.1",
        "SYMPOSIUM_MAIL_PORT": str(app.config["MAIL_PORT"]),
        "SYMPOSIUM_MAIL_LEASE_SECONDS": str(lease_seconds),
        "SYMPOSIUM_MAIL_BATCH_SIZE": "20",
    }
    return subprocess.Popen(
        [FLASK, "--app", "symposium", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def stop(worker: subprocess.Popen, signum: int) -> tuple[int, str]:
    worker.send_signal(signum)
    _, errors = worker.communicate(timeout=10)
    return worker.returncode, errors.decode()


def wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


def statuses() -> Counter:
    db.session.rollback()
    return Counter(db.session.scalars(sa.select(OutboxMessage.status)))


def sent_keys() -> set[str]:
    db.session.rollback()
    return set(
        db.session.scalars(
            sa.select(OutboxMessage.dedupe_key).where(OutboxMessage.status == MessageStatus.sent)
        )
    )


@pytest.fixture
def sixty_sign_ups(app, make_edition):
    edition = make_edition(rounds=1, capacity=100)
    for number in range(60):
        service.register(edition.id, person(number))
    return {f"confirmation:{r}" for r in range(1, 61)}


@pytest.mark.slow
def test_sigterm_stops_the_worker_after_the_message_in_hand(
    app, database_url, sixty_sign_ups, smtp_server
):
    smtp_server.delay = 0.02
    worker = start_worker(app, database_url)
    wait_for(lambda: len(smtp_server.envelopes) >= 10)

    returncode, errors = stop(worker, signal.SIGTERM)

    assert returncode == 0, errors
    received = Counter(smtp_server.keys())
    assert max(received.values()) == 1
    assert set(received) == sent_keys()
    assert statuses()[MessageStatus.sending] == 0  # what it had claimed is handed back
    while delivery.deliver_due(batch_size=100).sent:
        pass
    assert Counter(smtp_server.keys()) == Counter(sixty_sign_ups)


@pytest.mark.slow
def test_a_killed_worker_loses_nothing_and_doubles_nothing_marked_sent(
    app, database_url, sixty_sign_ups, smtp_server
):
    smtp_server.delay = 0.02
    worker = start_worker(app, database_url, lease_seconds=1)
    wait_for(lambda: len(smtp_server.envelopes) >= 10)

    stop(worker, signal.SIGKILL)
    marked_sent = sent_keys()
    received_before = len(smtp_server.envelopes)

    replacement = start_worker(app, database_url, lease_seconds=1)
    try:
        wait_for(lambda: sent_keys() == sixty_sign_ups)
    finally:
        stop(replacement, signal.SIGTERM)

    received = Counter(smtp_server.keys())
    assert set(received) == sixty_sign_ups  # nothing lost
    doubled = {key for key, count in received.items() if count > 1}
    assert not doubled & marked_sent  # nothing marked sent went out again
    # At most the message on the wire when the worker died: a message takes the server
    # longer than MARK_WITHIN here, so each is marked as soon as it is accepted (with a fast
    # server a few are marked together: tests/test_mail_marks.py).
    assert len(doubled) <= 1
    assert received_before >= 10


@pytest.mark.slow
def test_several_workers_share_the_outbox_without_doubles(
    app, database_url, sixty_sign_ups, smtp_server
):
    if not database_url.startswith("postgresql"):
        pytest.skip("several workers share the outbox on PostgreSQL; on SQLite one is enough")
    start = threading.Barrier(3)

    def work():
        with app.app_context():
            start.wait()
            while delivery.deliver_due(batch_size=7).sent:
                pass

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Counter(smtp_server.keys()) == Counter(sixty_sign_ups)
