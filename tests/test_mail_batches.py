"""Mail written a batch at a time: each message still says what its own recipient holds, in
their language, with a calendar file that calendar apps read back exactly."""

import sqlalchemy as sa
from icalendar import Calendar

from symposium.extensions import db
from symposium.mail import delivery, outbox
from symposium.mail.models import MessageStatus, OutboxMessage
from symposium.registration import service
from tests.conftest import person


def events(message) -> dict[str, dict]:
    [attachment] = list(message.iter_attachments())
    calendar = Calendar.from_ical(attachment.get_content())
    return {str(event["summary"]): event for event in calendar.walk("VEVENT")}


def test_one_batch_writes_each_message_for_its_own_recipient(app, make_edition, smtp_server):
    edition = make_edition()
    first_round, second_round = edition.rounds
    for number in range(6):
        choices = {
            first_round.id: first_round.sessions[number % 3].id,
            second_round.id: second_round.sessions[(number + 1) % 3].id,
        }
        locale = "en" if number % 2 else "nl"
        service.register(edition.id, person(number, choices, locale=locale))

    assert delivery.deliver_due(batch_size=100).sent == 6

    for number in range(6):
        [message] = smtp_server.to(f"person{number}@example.org")
        english = number % 2
        assert message["Subject"].startswith("Your registration" if english else "Je aanmelding")
        held = {
            first_round.sessions[number % 3].title,
            second_round.sessions[(number + 1) % 3].title,
        }
        assert set(events(message)) == {"Opening", *held}
        text = message.get_body(preferencelist=("plain",)).get_content()
        assert all(title in text for title in held)
    db.session.rollback()
    stored = db.session.scalars(sa.select(OutboxMessage)).all()
    assert {m.status for m in stored} == {MessageStatus.sent}
    assert all(m.text_body and "Person" in m.text_body for m in stored)  # kept as sent


def test_the_calendar_file_keeps_titles_with_commas_semicolons_and_long_accents(
    app, make_edition, smtp_server
):
    edition = make_edition(rounds=1)
    session = edition.rounds[0].sessions[0]
    session.title = "Zorg, welzijn; en \\ de wijk: " + " ".join(["één gesprek over geld"] * 5)
    session.room = "Zaal 1, eerste verdieping"
    db.session.commit()
    service.register(edition.id, person(1, {edition.rounds[0].id: session.id}))

    delivery.deliver_due(batch_size=10)

    [message] = smtp_server.messages
    found = events(message)
    assert session.title in found, list(found)
    event = found[session.title]
    assert str(event["location"]) == f"{session.room}, {edition.venue}"
    assert event.decoded("dtstart") == session.starts_at
    assert "/r/" in str(event["url"])


def test_parts_written_once_per_batch_say_what_each_message_alone_says(
    app, make_edition, smtp_server
):
    """The program is written once for everyone in a batch with the same one: each message
    must still say exactly what it says when written on its own (another waiting place,
    another language, another choice is another program)."""
    edition = make_edition(capacities=[1, 100, 100])
    first_round, second_round = edition.rounds
    full = first_round.sessions[0]
    for number in range(8):
        choices = {second_round.id: second_round.sessions[1 + number % 2].id}
        if number == 0:
            choices[first_round.id] = full.id
        registration = service.register(
            edition.id, person(number, choices, locale="en" if number % 3 else "nl")
        )
        if number:
            service.join_waitlist(registration.id, first_round.id, full.id)  # places 1-7

    assert delivery.deliver_due(batch_size=100).sent == 15  # 8 confirmations, 7 waiting

    db.session.rollback()
    sent = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    for message in sent:
        alone = OutboxMessage(id=message.id, kind=message.kind, refs=message.refs)
        said = outbox.content(alone)
        assert (said.subject, said.text, said.html) == (
            message.subject,
            message.text_body,
            message.html_body,
        ), message.dedupe_key
    waiting = [m.text_body for m in sent if m.kind == "waitlist_joined"]
    assert len(set(waiting)) == 7  # each its own place, though the programs look alike
