"""Who to ask and where it is: the organisers' contact and the venue's address and route,
entered once on the edition and shown on every page, mail and calendar that needs them."""

from dataclasses import asdict

import icalendar
import pytest

from symposium import program_editing as admin
from symposium.accounts import service as accounts
from symposium.extensions import db
from symposium.mail import delivery
from symposium.program.models import Edition
from symposium.registration.personal import manage_token
from tests.test_organiser import PASSWORD, csrf_for, sign_in, text

CONTACT = {
    "organiser_name": "Hogeschool Utrecht, lectoraat Participatie",
    "contact_email": "symposium@hu.example.nl",
    "contact_phone": "030 123 45 67",
    "venue_address": "Heidelberglaan 15\n3584 CS Utrecht",
    "venue_details": "Tram 22 from Utrecht Centraal to Padualaan.\nParking P+R Science Park.",
    "venue_map_url": "https://www.openstreetmap.org/#map=18/52.08/5.17",
}


@pytest.fixture
def organiser(app_under_test):
    return accounts.create_organiser("org@example.org", "Olga Organiser", PASSWORD)


@pytest.fixture
def org(sqlite_app, organiser):
    client = sqlite_app.test_client()
    assert sign_in(client).status_code == 302
    return client


def edit(client, edition: Edition, **changes):
    form = {**asdict(admin.edition_values(edition)), **changes}
    return client.post(
        f"/organiser/{edition.slug}/edit", data={"csrf_token": csrf_for(client), **form}
    )


def test_bad_contact_details_get_a_message_and_change_nothing(sqlite_app, org, make_edition):
    edition = make_edition()

    page = text(
        edit(
            org,
            edition,
            contact_email="not an address",
            contact_phone="call me",
            venue_map_url="javascript:alert(1)",
        )
    )

    assert "Vul een e-mailadres in zoals naam@example.org." in page
    assert "Vul een telefoonnummer in, zoals 030 123 45 67." in page
    assert "Vul een webadres in, zoals https://www.openstreetmap.org/…" in page
    db.session.rollback()
    assert db.session.get(Edition, edition.id).contact_email == ""


def test_contact_and_venue_show_on_the_pages_and_in_the_mail_and_calendar(
    sqlite_app, org, make_edition, sign_up, smtp_server
):
    edition = make_edition(rounds=1)
    visitor = sqlite_app.test_client()
    assert "Zo kom je er" not in text(visitor.get(f"/{edition.slug}/"))  # cached meanwhile
    assert edit(org, edition, **CONTACT).status_code == 302
    db.session.rollback()
    edition = db.session.get(Edition, edition.id)

    program = text(visitor.get(f"/{edition.slug}/"))
    assert "Zo kom je er" in program
    assert "Heidelberglaan 15 3584 CS Utrecht" in program
    assert "Tram 22 from Utrecht Centraal" in program
    assert "De locatie op de kaart" in program
    assert "Georganiseerd door Hogeschool Utrecht, lectoraat Participatie" in program
    assert "symposium@hu.example.nl" in program and "030 123 45 67" in program

    privacy = text(visitor.get(f"/{edition.slug}/privacy"))
    assert (
        "Hogeschool Utrecht, lectoraat Participatie organiseert dit symposium en is "
        "verantwoordelijk voor je persoonsgegevens" in privacy
    )
    assert "symposium@hu.example.nl" in privacy
    missing = visitor.get("/no-such-edition/")
    assert missing.status_code == 404
    assert "symposium@hu.example.nl" in text(missing)

    registration = sign_up(edition, 1)
    delivery.deliver_due(batch_size=50)
    [mail] = smtp_server.to("person1@example.org")
    plain = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    for body in (plain, html):
        assert "Heidelberglaan 15" in body
        assert "Tram 22 from Utrecht Centraal" in body
        assert "symposium@hu.example.nl" in body
    assert "Vragen? Stel ze aan Hogeschool Utrecht, lectoraat Participatie:" in plain
    assert "Je aanmelding bekijken of wijzigen</a>" in html  # the link as a button

    for calendar in (
        visitor.get(f"/r/{manage_token(registration)}/calendar.ics").get_data(as_text=True),
        visitor.get(f"/{edition.slug}/program.ics").get_data(as_text=True),
    ):
        event = icalendar.Calendar.from_ical(calendar).walk("VEVENT")[0]
        assert str(event["location"]).endswith("Utrecht, Heidelberglaan 15, 3584 CS Utrecht")
        assert str(event["organizer"]) == "mailto:symposium@hu.example.nl"
