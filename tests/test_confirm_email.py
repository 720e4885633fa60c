"""Seats held by real addresses: held until the mailed link is opened, then released."""

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from symposium.extensions import db
from symposium.mail import delivery
from symposium.registration import holds
from symposium.registration.models import ChoiceState, Registration, RegistrationStatus
from tests.test_api import body


def api_sign_up(client, edition, email, session):
    data = body(edition, email=email)
    data["choices"] = {str(r.id): None for r in edition.rounds} | {
        str(session.round_id): session.id
    }
    return client.post(f"/api/v1/editions/{edition.slug}/registrations", json=data)


def registration(email: str) -> Registration:
    db.session.rollback()
    return db.session.scalar(sa.select(Registration).where(Registration.email == email))


def test_a_sign_up_holds_its_seat_until_the_mailed_link_is_opened(app, make_edition, smtp_server):
    edition = make_edition(capacity=1, confirm_email=True)
    session = edition.rounds[0].sessions[0]
    client = app.test_client()

    answer = api_sign_up(client, edition, "real@example.org", session)
    delivery.deliver_due()

    assert answer.status_code == 201
    assert answer.get_json()["status"] == "pending_confirmation"
    seats = client.get(f"/api/v1/editions/{edition.slug}").get_json()
    assert seats["rounds"][0]["sessions"][0]["seats_left"] == 0  # held
    [mail] = smtp_server.to("real@example.org")
    text = mail.get_body(("plain",)).get_content()
    assert "binnen 2 uur" in text
    confirm = re.search(r"http://127\.0\.0\.1:5000(/r/\S+/confirm)", text).group(1)
    opened = client.get(confirm)
    assert opened.status_code == 302 and opened.location.endswith(confirm[: -len("/confirm")])
    assert registration("real@example.org").email_confirmed_at is not None
    assert holds.release_unconfirmed(datetime.now(UTC) + timedelta(hours=3)) == 0


def test_an_unconfirmed_hold_goes_to_the_waiting_list_with_a_mail(
    app, make_edition, sign_up, smtp_server
):
    edition = make_edition(capacity=1, confirm_email=True)
    session = edition.rounds[0].sessions[0]
    client = app.test_client()
    api_sign_up(client, edition, "script@example.org", session)
    waiting = api_sign_up(client, edition, "waiting@example.org", session)
    assert [c["state"] for c in waiting.get_json()["choices"]] == ["waitlisted"]
    holds.confirm_email(registration("waiting@example.org").id)

    assert holds.release_unconfirmed(datetime.now(UTC) + timedelta(minutes=119)) == 0
    assert holds.release_unconfirmed(datetime.now(UTC) + timedelta(hours=2, minutes=1)) == 1

    assert registration("script@example.org").status == RegistrationStatus.cancelled
    states = [c.state for c in registration("waiting@example.org").choices]
    assert ChoiceState.confirmed in states
    delivery.deliver_due()
    [*_, cancelled] = smtp_server.to("script@example.org")
    assert "niet op tijd bevestigd" in cancelled.get_body(("plain",)).get_content()


def test_organisers_see_unconfirmed_sign_ups_apart(sqlite_app, make_edition, sign_up):
    from symposium.accounts import service as accounts
    from tests.test_organiser import PASSWORD, sign_in

    edition = make_edition(confirm_email=True)
    sign_up(edition, 1, first_name="Onbevestigd")
    confirmed = sign_up(edition, 2, first_name="Bevestigd")
    holds.confirm_email(confirmed.id)
    accounts.create_organiser("org@example.org", "Olga", PASSWORD)
    client = sqlite_app.test_client()
    sign_in(client)

    page = client.get(f"/organiser/{edition.slug}/dashboard").get_data(as_text=True)

    unconfirmed = page[page.index('id="unconfirmed"') :]
    assert "Onbevestigd" in unconfirmed and "Bevestigd Tester" not in unconfirmed


def test_editions_without_the_setting_confirm_nothing(app, make_edition, sign_up):
    edition = make_edition(confirm_email=False)
    signed = sign_up(edition, 1)

    assert not registration(signed.email).awaiting_confirmation
    assert holds.release_unconfirmed(datetime.now(UTC) + timedelta(days=1)) == 0


def test_organisers_switch_the_setting_and_earlier_sign_ups_keep_their_seats(
    sqlite_app, make_edition, sign_up
):
    from symposium.audit.service import Actor
    from symposium.program_editing import edition_values, update_edition

    edition = make_edition(confirm_email=False)
    earlier = sign_up(edition, 1)
    data = edition_values(edition)
    assert data.confirm_email == "no"
    data.confirm_email, data.confirm_hours = "yes", "6"

    update_edition(edition.id, data, Actor(None, "org@example.org"))

    assert registration(earlier.email).awaiting_confirmation is False
    later = sign_up(edition, 2)
    assert registration(later.email).awaiting_confirmation is True
    assert registration(later.email).edition.confirm_hours == 6
