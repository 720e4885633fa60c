""" "Mail me a link" does the same work for a known and an unknown address: nothing to
learn by timing. The worker looks the address up afterwards."""

from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from symposium.extensions import db
from symposium.mail import lookups
from symposium.mail.models import LinkRequest, OutboxMessage
from tests import test_speakers
from tests.test_speakers import post

cast = test_speakers.cast


@contextmanager
def statements():
    """The SQL the app sends meanwhile, without its values."""
    seen: list[str] = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", remember)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", remember)


def requests() -> list[tuple[str, str]]:
    db.session.rollback()
    return [
        tuple(row) for row in db.session.execute(sa.select(LinkRequest.kind, LinkRequest.email))
    ]


def outbox_keys() -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(OutboxMessage.dedupe_key)))


@pytest.mark.parametrize("who", ["speaker", "attendee"])
def test_known_and_unknown_addresses_run_the_same_queries_and_queue_the_same_row(
    app, cast, sign_up, who
):
    edition = cast.edition
    sign_up(edition, 1, email="known@example.org")
    known = "ana@example.org" if who == "speaker" else "known@example.org"
    url = "/speaker/sign-in" if who == "speaker" else f"/{edition.slug}/link"
    kind = "speaker_sign_in" if who == "speaker" else "manage_link"
    client = app.test_client()
    post(client, url, email="warm-up@example.org")  # first-request work out of the way
    before = outbox_keys()

    db.session.rollback()  # both requests start without a transaction open
    with statements() as for_known:
        known_answer = post(client, url, email=known)
    db.session.rollback()
    with statements() as for_unknown:
        unknown_answer = post(client, url, email="nobody@example.org")

    assert for_known == for_unknown
    assert any(s.startswith("INSERT INTO link_request") for s in for_known)
    assert known_answer.location == unknown_answer.location
    assert requests()[-2:] == [(kind, known), (kind, "nobody@example.org")]
    assert outbox_keys() == before  # nothing decided while the visitor waits

    assert lookups.resolve_due() == 3
    assert requests() == []
    new = [key for key in outbox_keys() if key not in before]
    prefix = "speaker-sign-in:" if who == "speaker" else "link:"
    assert len(new) == 1 and new[0].startswith(prefix)
