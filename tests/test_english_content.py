"""The program's own texts in English for English readers (Dutch when none is written),
24-hour times in both languages, and mail in the language each person signed up in."""

import re

import sqlalchemy as sa

from symposium.extensions import db
from symposium.mail import delivery
from symposium.mail.models import Mailout
from symposium.program.models import Session
from symposium.registration import mailouts
from tests.test_organiser import text


def translate(edition):
    """English texts for the edition, its first round and one of its sessions."""
    edition.title_en = "Working together"
    edition.venue_en = "Utrecht (the Netherlands)"
    edition.rounds[0].name_en = "First round"
    workshop = db.session.scalar(
        sa.select(Session).where(Session.edition_id == edition.id, Session.slug == "workshop-1-1")
    )
    workshop.title_en = "Residents as partners"
    workshop.abstract_en = "How to plan with residents."
    db.session.commit()
    return workshop


def test_english_readers_get_the_english_texts_and_dutch_where_none_is_written(
    sqlite_app, make_edition
):
    edition = make_edition(rounds=2)
    translate(edition)
    client = sqlite_app.test_client()

    english = text(client.get(f"/{edition.slug}/?lang=en"))
    dutch = text(client.get(f"/{edition.slug}/?lang=nl"))

    assert "Working together" in english and "Residents as partners" in english
    assert "First round" in english
    assert "Round 2" in english and "Workshop 1.2" in english  # no English: the Dutch
    assert "Workshop 1.1" not in english
    assert "Symposium 1" in dutch and "Workshop 1.1" in dutch and "Residents" not in dutch
    assert re.search(r"\b09:30–10:30\b", english)  # 24 hours, not 9:30 am
    assert " am" not in english and " pm" not in english
    assert "9.30–10.30 uur" in dutch

    form = text(client.get(f"/{edition.slug}/register?lang=en"))
    assert "Residents as partners" in form and "How to plan with residents." in form


def test_an_english_registrant_gets_every_mail_and_calendar_in_english(
    sqlite_app, make_edition, sign_up, smtp_server
):
    edition = make_edition(rounds=1)
    workshop = translate(edition)
    sign_up(edition, 1, {workshop.round_id: workshop.id}, locale="en")
    sign_up(edition, 2, {workshop.round_id: workshop.id})

    delivery.deliver_due(batch_size=50)

    [english] = smtp_server.to("person1@example.org")
    [dutch] = smtp_server.to("person2@example.org")
    assert english["Subject"] == "Your registration for Working together"
    assert dutch["Subject"] == "Je aanmelding voor Symposium 1"
    plain = english.get_body(preferencelist=("plain",)).get_content()
    assert "Residents as partners" in plain and "First round" in plain
    assert "09:30–10:30" in plain
    [calendar] = list(english.iter_attachments())
    assert "SUMMARY:Residents as partners" in calendar.get_content()


def test_a_mail_out_in_both_languages_goes_to_each_person_in_theirs(
    sqlite_app, make_edition, sign_up, smtp_server
):
    edition = make_edition(rounds=1)
    sign_up(edition, 1, locale="en", first_name="Ann")
    sign_up(edition, 2, first_name="Anna")
    draft = mailouts.MailoutDraft(
        edition_id=edition.id,
        subject="Praktische informatie",
        body="Hallo {first_name},\n\nTot morgen.",
        segment="confirmed",
        subject_en="Practical information",
        body_en="Hello {first_name},\n\nSee you tomorrow.",
    )
    assert mailouts.check(draft) == {}
    half = mailouts.MailoutDraft(**{**draft.__dict__, "subject_en": ""})
    assert list(mailouts.check(half)) == ["subject_en"]

    mailouts.send(draft, None)
    delivery.deliver_due(batch_size=50)

    *_, english = smtp_server.to("person1@example.org")  # after the confirmation
    *_, dutch = smtp_server.to("person2@example.org")
    assert english["Subject"] == "Practical information"
    assert english.get_body(preferencelist=("plain",)).get_content().startswith("Hello Ann,")
    assert dutch["Subject"] == "Praktische informatie"
    assert dutch.get_body(preferencelist=("plain",)).get_content().startswith("Hallo Anna,")
    assert db.session.scalar(sa.select(Mailout.body_en)) == draft.body_en
