"""Messages are marked sent a few at a time: whatever ends a batch (a server hanging up, a
stop), every message the server accepted is marked sent; a worker killed outright sends
again at most the few it had not marked, as the same message."""

import signal
from collections import Counter, defaultdict

import pytest

from symposium.mail import delivery
from symposium.mail.models import MessageStatus
from symposium.registration import service
from tests.conftest import Inbox, free_port, person
from tests.test_worker import sent_keys, start_worker, statuses, stop, wait_for


class HangingUp(Inbox):
    """Accepts `accept` messages, then hangs up on the next one (until `accept` is raised)."""

    def __init__(self, port: int, accept: int) -> None:
        super().__init__(port)
        self.accept = accept

    async def handle_DATA(self, server, session, envelope):
        if len(self.envelopes) >= self.accept:
            server.transport.close()
            return "421 closing"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def hanging_up(app):
    inbox = HangingUp(free_port(), accept=13)
    inbox.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=inbox.port, MAIL_RETRY_SECONDS=0)
    yield inbox
    inbox.stop()


@pytest.fixture
def thirty_sign_ups(app, make_edition):
    edition = make_edition(rounds=1, capacity=100)
    for number in range(30):
        service.register(edition.id, person(number))
    return {f"confirmation:{r}" for r in range(1, 31)}


@pytest.fixture
def marks_by_ten(monkeypatch):
    """Marks written only every ten messages, however long they take: what is left when
    the batch ends must be written then."""
    monkeypatch.setattr(delivery, "MARK_AT_MOST", 10)
    monkeypatch.setattr(delivery, "MARK_WITHIN", 3600.0)


def test_a_server_hanging_up_mid_batch_leaves_every_accepted_message_marked_sent(
    app, thirty_sign_ups, hanging_up, marks_by_ten
):
    result = delivery.deliver_due(batch_size=100)

    assert (result.sent, result.retried) == (13, 17)
    assert sent_keys() == set(hanging_up.keys())  # 10 marked together, 3 when it hung up
    assert statuses()[MessageStatus.sending] == 0

    hanging_up.accept = 1000
    while delivery.deliver_due(batch_size=100).sent:
        pass
    assert Counter(hanging_up.keys()) == Counter(thirty_sign_ups)  # each once


def test_a_stop_mid_batch_leaves_every_accepted_message_marked_sent(
    app, thirty_sign_ups, smtp_server, marks_by_ten
):
    result = delivery.deliver_due(
        batch_size=100, should_stop=lambda: len(smtp_server.envelopes) >= 13
    )

    assert result.sent == 13
    assert sent_keys() == set(smtp_server.keys())
    assert statuses()[MessageStatus.sending] == 0  # the rest handed back
    while delivery.deliver_due(batch_size=100).sent:
        pass
    assert Counter(smtp_server.keys()) == Counter(thirty_sign_ups)


@pytest.mark.slow
def test_a_worker_killed_while_sending_fast_sends_again_at_most_its_unmarked_messages(
    app, database_url, make_edition, smtp_server
):
    edition = make_edition(rounds=1, capacity=500)
    for number in range(400):
        service.register(edition.id, person(number))
    everyone = {f"confirmation:{r}" for r in range(1, 401)}
    worker = start_worker(app, database_url, lease_seconds=1)
    wait_for(lambda: len(smtp_server.envelopes) >= 50)

    stop(worker, signal.SIGKILL)
    marked_sent = sent_keys()

    replacement = start_worker(app, database_url, lease_seconds=1)
    try:
        wait_for(lambda: sent_keys() == everyone, timeout=60)
    finally:
        stop(replacement, signal.SIGTERM)

    received = Counter(smtp_server.keys())
    assert set(received) == everyone  # nothing lost
    doubled = {key for key, count in received.items() if count > 1}
    assert not doubled & marked_sent  # nothing marked sent went out again
    # at most the unmarked ones, and the one on the wire when the worker died
    assert len(doubled) <= delivery.MARK_AT_MOST + 1
    copies = defaultdict(set)
    for message in smtp_server.messages:
        copies[message["X-Symposium-Key"]].add(message["Message-ID"])
    assert all(len(copies[key]) == 1 for key in doubled)  # recognisably the same message
