"""The worker against peers that stall, and beside other workers: it gives up on a mail
server that never answers, stops on SIGTERM even then, and N workers do scheduled work once."""

import signal
import socket
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from symposium import worker
from symposium.documents.parallel import process_count
from symposium.extensions import db
from symposium.mail import delivery
from symposium.mail.models import MessageStatus, OutboxMessage
from symposium.registration import service
from tests.conftest import person
from tests.test_worker import start_worker, wait_for


class StalledServer:
    """A loopback listener that accepts connections and then never answers; with
    `greeting`, it says hello first and then goes silent (a stall mid-conversation)."""

    def __init__(self, greeting: bool = False) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.greeting = greeting
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            if self.greeting:
                connection.sendall(b"220 stall.example ESMTP\r\n")
            self.accepted.append(connection)  # held open, never read, never answered

    def close(self) -> None:
        self.listener.close()
        for connection in self.accepted:
            connection.close()


@pytest.fixture
def stalled_server(app_under_test):
    server = StalledServer()
    app_under_test.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    yield server
    server.close()


def outbox() -> list[OutboxMessage]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.mark.parametrize("greeting", [False, True], ids=["silent", "silent-after-hello"])
def test_a_mail_server_that_never_answers_is_a_temporary_failure(app, make_edition, greeting):
    server = StalledServer(greeting=greeting)
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_CONNECT_TIMEOUT=0.3, MAIL_TIMEOUT=0.3
    )
    edition = make_edition()
    for number in range(3):
        service.register(edition.id, person(number))
    try:
        result = delivery.deliver_due(batch_size=10)
    finally:
        server.close()

    assert (result.sent, result.retried, result.failed) == (0, 3, 0)
    assert len(server.accepted) == 1
    for message in outbox():
        assert message.status == MessageStatus.queued  # tried again later, not lost
        assert message.attempts == 1
        assert "timed out" in message.last_error
        assert message.next_attempt_at > datetime.now(UTC)


@pytest.mark.slow
def test_sigterm_ends_a_worker_stuck_on_a_mail_server_that_never_answers(
    app, database_url, make_edition, stalled_server
):
    edition = make_edition()
    for number in range(3):
        service.register(edition.id, person(number))
    # The default timeouts (10 s to connect and greet, 60 s a command) are far longer than
    # the few seconds stop() waits.
    running = start_worker(app, database_url, lease_seconds=300)
    try:
        wait_for(lambda: len(stalled_server.accepted) >= 1)
        running.send_signal(signal.SIGTERM)
        _, errors = running.communicate(timeout=5)
    finally:
        if running.poll() is None:
            running.kill()
            running.wait()

    assert running.returncode == 0, errors.decode()
    statuses = Counter(message.status for message in outbox())
    assert statuses == {MessageStatus.queued: 3}  # handed back whole, for the next run
    assert all(message.attempts == 0 for message in outbox())


def test_scheduled_work_is_done_by_one_of_several_workers(app):
    """Two workers start at once; the one holding the schedule lock runs the jobs."""
    runs = []
    start = threading.Barrier(2)

    def job(now: datetime) -> int:
        runs.append(now)
        time.sleep(0.5)  # still running when the other worker looks
        return 0

    def work():
        with app.app_context():
            start.wait()
            worker.run([job], worker.StopFlag(), once=True)
            db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(runs) == 1

    with app.app_context():  # the lock is let go when the worker stops
        worker.run([job], worker.StopFlag(), once=True)
    assert len(runs) == 2


@pytest.mark.slow
def test_two_worker_processes_send_one_reminder_batch_once(
    app, database_url, make_edition, smtp_server
):
    if not database_url.startswith("postgresql"):
        pytest.skip("several worker processes share the schedule on PostgreSQL")
    soon = datetime.now(UTC) + timedelta(days=2)
    edition = make_edition(starts=soon, closes_in=timedelta(days=1))
    for number in range(20):
        service.register(edition.id, person(number))
    while delivery.deliver_due(batch_size=100).sent:
        pass  # the confirmations out of the way
    smtp_server.envelopes.clear()

    workers = [start_worker(app, database_url, lease_seconds=300) for _ in range(2)]
    try:
        wait_for(lambda: len(smtp_server.envelopes) >= 20)
        time.sleep(1.0)  # room for a doubled batch to show
    finally:
        logs = [worker_log(running) for running in workers]

    received = smtp_server.keys()  # the X-Symposium-Key of each message, a list
    reminders = Counter(key for key in received if key.startswith("reminder:"))
    assert len(reminders) == 20 and set(reminders.values()) == {1}
    queued_by = [log for log in logs if "reminders queued 20 messages" in log]
    assert len(queued_by) == 1, logs  # one worker made the batch; the other never looked


def worker_log(running) -> str:
    running.send_signal(signal.SIGTERM)
    _, errors = running.communicate(timeout=10)
    return errors.decode()


def test_document_processes_default_to_one_less_than_the_cpus(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert process_count(None) == 7
    assert process_count("3") == 3
    assert process_count(0) == 1
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    assert process_count(None) == 1


def test_only_the_signal_ends_a_wait_for_the_mail_server():
    """stop() (from a benchmark's or a test's thread) only asks; the signal handler, which
    runs in the waiting thread, ends the wait."""
    flag = worker.StopFlag()
    with flag.interruptible():
        flag.stop()  # no exception here: the message in hand is finished
    assert flag()
    with pytest.raises(worker.Stopped), flag.interruptible():
        pass  # once stopped, no new wait begins
    waiting = worker.StopFlag()
    with pytest.raises(worker.Stopped), waiting.interruptible():
        waiting._on_signal(signal.SIGTERM, None)
