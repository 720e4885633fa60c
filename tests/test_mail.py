"""Mail goes through the outbox and arrives at a real SMTP server, once, in the right words."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from symposium.extensions import db
from symposium.mail import delivery, lookups
from symposium.mail.models import MessageStatus, OutboxMessage
from symposium.registration import service
from tests.conftest import person


def deliver():
    db.session.rollback()
    lookups.resolve_due()  # the worker's step before delivering
    return delivery.deliver_due(batch_size=500)


def outbox() -> list[OutboxMessage]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def body(message, subtype="plain") -> str:
    return message.get_body(preferencelist=(subtype,)).get_content()


def test_the_confirmation_arrives_with_program_link_and_calendar(app, make_edition, smtp_server):
    edition = make_edition()
    first_round, second_round = edition.rounds
    one, two = first_round.sessions[0], second_round.sessions[2]
    service.register(
        edition.id, person(1, {first_round.id: one.id, second_round.id: two.id}, first_name="Zoë")
    )

    assert deliver().sent == 1

    [message] = smtp_server.messages
    assert message["To"] == "person1@example.org"
    assert message["Subject"] == f"Je aanmelding voor {edition.title}"
    text, html = body(message), body(message, "html")
    for part in (text, html):
        assert "Beste Zoë" in part
        assert one.title in part and two.title in part and one.room in part
        assert "http://127.0.0.1:5000/r/" in part
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    calendar = Calendar.from_ical(attachment.get_content())
    summaries = {str(event["summary"]) for event in calendar.walk("VEVENT")}
    assert summaries == {"Opening", one.title, two.title}


def test_mail_is_in_the_language_the_person_used(app, make_edition, smtp_server):
    edition = make_edition()
    service.register(edition.id, person(1, locale="en", first_name="Ann"))

    deliver()

    [message] = smtp_server.messages
    assert message["Subject"] == f"Your registration for {edition.title}"
    assert "Dear Ann" in body(message)


def test_changes_cancellations_and_promotions_are_each_mailed(app, make_edition, smtp_server):
    edition = make_edition(rounds=1, capacity=1)
    a, b, c = edition.rounds[0].sessions
    round_id = a.round_id
    holder = service.register(edition.id, person(1, {round_id: a.id}))
    waiter = service.register(edition.id, person(2, {round_id: b.id}))
    service.join_waitlist(waiter.id, round_id, a.id)
    service.change_choice(holder.id, round_id, c.id)  # frees A: the waiter moves up, frees B

    deliver()

    subjects = [m["Subject"] for m in smtp_server.to("person2@example.org")]
    assert subjects == [
        f"Je aanmelding voor {edition.title}",
        f"Je staat op de wachtlijst voor {a.title}",
        f"Je hebt een plaats in {a.title}",
    ]
    promotion = smtp_server.to("person2@example.org")[-1]
    assert f"Je hebt je plaats in {b.title} opgegeven" in body(promotion)
    assert "wachtlijst" not in body(promotion)  # nobody waited for B
    assert [m["Subject"] for m in smtp_server.to("person1@example.org")][-1] == (
        f"Je programma voor {edition.title} is gewijzigd"
    )

    service.cancel(holder.id)
    deliver()
    cancelled = smtp_server.to("person1@example.org")[-1]
    assert cancelled["Subject"] == f"Je aanmelding voor {edition.title} is geannuleerd"
    for part in (body(cancelled), body(cancelled, "html")):
        assert "wijzig of annuleer" not in part and "opnieuw aanmelden" in part


def test_plain_text_parts_keep_one_blank_line_between_paragraphs(app, make_edition, smtp_server):
    edition = make_edition(rounds=1)
    edition.venue_details = "Tram 22 naar de Uithof.\n\nParkeren op P+R Science Park."
    db.session.commit()
    service.register(edition.id, person(1))

    deliver()

    text = body(smtp_server.messages[0]).replace("\r\n", "\n")
    paragraphs = text.split("\n\n")
    assert paragraphs[0] == "Beste Person1,"
    assert any(p.startswith("Je bent aangemeld voor") for p in paragraphs)
    assert any(p.startswith("Je programma") for p in paragraphs)
    assert "Tram 22 naar de Uithof." in paragraphs and "Parkeren op P+R Science Park." in text
    assert any(p.startswith("Bekijk, wijzig of annuleer") for p in paragraphs)
    assert "\n\n\n" not in text


def test_a_freed_venue_place_is_mailed(app, make_edition, smtp_server):
    edition = make_edition(venue_capacity=1)
    first = service.register(edition.id, person(1))
    service.register(edition.id, person(2))
    service.cancel(first.id)

    deliver()

    subjects = [m["Subject"] for m in smtp_server.to("person2@example.org")]
    assert subjects == [
        f"Je staat op de wachtlijst voor {edition.title}",
        f"Er is een plaats vrijgekomen: je bent aangemeld voor {edition.title}",
    ]


def test_the_link_is_sent_again_on_request_once_per_double_click(app, make_edition, smtp_server):
    edition = make_edition()
    service.register(edition.id, person(1))
    client = app.test_client()
    with client:
        client.get(f"/{edition.slug}/link")
        from flask_wtf.csrf import generate_csrf

        token = generate_csrf()

    answers = [
        client.post(f"/{edition.slug}/link", data={"csrf_token": token, "email": address})
        for address in (" PERSON1@example.org", "person1@example.org", "nobody@example.org")
    ]

    assert {(a.status_code, a.location) for a in answers} == {(302, f"/{edition.slug}/link")}
    deliver()
    links = [m for m in smtp_server.messages if m["Subject"].startswith("Je link voor")]
    assert len(links) == 1 and links[0]["To"] == "person1@example.org"
    assert smtp_server.to("nobody@example.org") == []


def test_a_duplicate_sign_up_mails_the_link_to_the_address(app, make_edition, smtp_server):
    edition = make_edition()
    service.register(edition.id, person(1))
    with pytest.raises(service.DuplicateRegistration):
        service.register(edition.id, person(2, email="person1@example.org"))
    service.send_manage_link(edition.id, "person1@example.org")

    deliver()

    assert [m["Subject"] for m in smtp_server.to("person1@example.org")][-1].startswith(
        "Je link voor"
    )


def test_reminders_go_out_once_when_the_event_is_near(app, make_edition, smtp_server):
    soon = datetime.now(UTC) + timedelta(days=2)
    edition = make_edition(starts=soon, closes_in=timedelta(days=1))
    edition.venue_details = "Lopen vanaf Utrecht Centraal: tien minuten."
    db.session.commit()
    later = make_edition()
    service.register(edition.id, person(1))
    service.register(later.id, person(2))

    assert service.queue_due_reminders(datetime.now(UTC), days_before=3) == 1
    assert service.queue_due_reminders(datetime.now(UTC), days_before=3) == 0
    deliver()

    [reminder] = [m for m in smtp_server.messages if m["Subject"].startswith("Tot snel")]
    assert reminder["To"] == "person1@example.org"
    assert "Lopen vanaf Utrecht Centraal" in body(reminder)


def test_a_program_change_is_mailed_to_the_people_holding_a_seat(app, make_edition, smtp_server):
    edition = make_edition(rounds=1)
    moved, other, _ = edition.rounds[0].sessions
    service.register(edition.id, person(1, {moved.round_id: moved.id}))
    service.register(edition.id, person(2, {moved.round_id: other.id}))

    service.notify_program_change(moved.id, [("Zaal", "Room 1", "Aula")], version=2)
    db.session.commit()
    deliver()

    [notice] = [m for m in smtp_server.messages if m["Subject"].startswith("Wijziging")]
    assert notice["To"] == "person1@example.org"
    assert "Zaal: Room 1 → Aula" in body(notice)


def test_one_event_queues_one_message(app, make_edition):
    edition = make_edition()
    registration = service.register(edition.id, person(1))
    from symposium.registration import notifications

    for _ in range(3):
        notifications.confirmation(registration)
    db.session.commit()

    assert [m.dedupe_key for m in outbox()] == [f"confirmation:{registration.id}"]


def test_long_lines_are_encoded_so_smtp_servers_accept_them(app, make_edition, smtp_server):
    paragraph = "Neem de tram naar de Jaarbeurs en loop langs het water. " * 150
    edition = make_edition(
        starts=datetime.now(UTC) + timedelta(days=1), closes_in=timedelta(hours=1)
    )
    edition.venue_details = paragraph
    db.session.commit()
    service.register(edition.id, person(1))
    service.queue_due_reminders(datetime.now(UTC), days_before=3)

    assert deliver().sent == 2

    for envelope in smtp_server.envelopes:
        assert max(len(line) for line in envelope.original_content.splitlines()) <= 998
    [reminder] = [m for m in smtp_server.messages if m["Subject"].startswith("Tot snel")]
    assert paragraph.strip() in body(reminder)
    assert paragraph.strip() in body(reminder, "html")


def test_while_the_mail_server_is_down_sign_ups_succeed_and_mail_waits(
    app, make_edition, smtp_server
):
    smtp_server.stop()
    app.config["MAIL_RETRY_SECONDS"] = 0
    edition = make_edition(rounds=1, capacity=300)
    for number in range(200):
        service.register(edition.id, person(number))

    outage = deliver()
    assert (outage.sent, outage.retried) == (0, 200)
    assert all(m.status == MessageStatus.queued and m.last_error for m in outbox())

    smtp_server.start()
    while deliver().sent:
        pass

    keys = smtp_server.keys()
    assert len(keys) == len(set(keys)) == 200
    assert {m.status for m in outbox()} == {MessageStatus.sent}


def test_a_message_that_keeps_failing_is_marked_failed_and_can_be_retried(
    app, make_edition, smtp_server
):
    smtp_server.stop()
    app.config.update(MAIL_RETRY_SECONDS=0, MAIL_MAX_ATTEMPTS=3)
    edition = make_edition()
    service.register(edition.id, person(1))

    for _ in range(3):
        deliver()

    [message] = outbox()
    assert (message.status, message.attempts) == (MessageStatus.failed, 3)
    assert "Connection refused" in message.last_error or "Errno" in message.last_error
    assert deliver().sent == 0

    smtp_server.start()
    delivery.retry(message.id)
    assert deliver().sent == 1
    assert len(smtp_server.messages) == 1


def test_retries_back_off_exponentially(app, make_edition, smtp_server):
    smtp_server.stop()
    app.config["MAIL_RETRY_SECONDS"] = 10
    edition = make_edition()
    service.register(edition.id, person(1))
    waits = []
    for _ in range(3):
        db.session.execute(sa.update(OutboxMessage).values(next_attempt_at=datetime.now(UTC)))
        db.session.commit()
        before = datetime.now(UTC)
        deliver()
        after = datetime.now(UTC)
        # The wait counts from the failed attempt, somewhere between before and after: a
        # slow machine must not blur 20 s into 21.
        next_attempt = outbox()[0].next_attempt_at
        waits.append(
            [
                wait
                for wait in (10, 20, 40, 80)
                if before + timedelta(seconds=wait)
                <= next_attempt
                <= after + timedelta(seconds=wait)
            ]
        )

    assert waits == [[10], [20], [40]]
    smtp_server.start()


def test_an_address_outside_ascii_gets_its_mail(app, make_edition, smtp_server):
    edition = make_edition()
    service.register(edition.id, person(1, email="zoë.çelik@example.org", first_name="Zoë"))
    service.register(edition.id, person(2))

    assert deliver().sent == 2

    assert {m["To"] for m in smtp_server.messages} == {
        "zoë.çelik@example.org",
        "person2@example.org",
    }


def test_a_message_that_cannot_be_written_does_not_hold_up_the_others(
    app, make_edition, smtp_server
):
    app.config["MAIL_RETRY_SECONDS"] = 0
    edition = make_edition()
    service.register(edition.id, person(1))
    service.register(edition.id, person(2))
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.recipient == "person1@example.org")
        .values(kind="no-such-kind")
    )
    db.session.commit()

    result = deliver()

    assert (result.sent, result.retried) == (1, 1)
    broken = next(m for m in outbox() if m.recipient == "person1@example.org")
    assert broken.status == MessageStatus.queued and "KeyError" in broken.last_error


def test_a_message_no_attempt_can_send_fails_at_once_and_stays_failed(
    app, make_edition, smtp_server
):
    """A line break in a subject would start a header of its own: never retried."""
    from symposium.database import use_case
    from symposium.mail.outbox import Mail, queue

    use_case(queue)(
        Mail(
            kind="mailout",
            dedupe_key="mailout:broken",
            recipient="someone@example.org",
            locale="nl",
            subject="Hallo\r\nBcc: iedereen@example.org",
            context={"body_text": "x", "body_html": "x"},
        )
    )

    first = deliver()
    again = deliver()

    [message] = outbox()
    assert (first.failed, again.failed, again.retried) == (1, 0, 0)
    assert (message.status, message.attempts) == (MessageStatus.failed, 1)
    assert message.last_error.startswith("cannot be sent")
    assert smtp_server.messages == []
