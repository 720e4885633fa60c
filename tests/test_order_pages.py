"""The order pages in the browser's place: a contact signs up a group, sees it, swaps and
cancels a colleague; organisers see the money."""

import re
from html import unescape

import pytest
import sqlalchemy as sa
from flask_wtf.csrf import generate_csrf

from symposium.accounts import service as accounts
from symposium.extensions import db
from symposium.mail import delivery
from symposium.orders import service
from symposium.orders.models import Invoice, Order
from symposium.registration.models import Registration, RegistrationStatus
from tests.test_orders import paid_editions

PASSWORD = "lange-zin-met-koffie-42"


@pytest.fixture
def paid_edition(make_edition):
    return paid_editions(make_edition)


def csrf_for(client) -> str:
    with client:
        client.get("/sign-in")
        return generate_csrf()


def order_form(edition, people=4, **fields):
    regular = service.ticket_types(edition.id)[0]
    data = {
        "people": str(people),
        "contact_name": "Ineke de Boer",
        "contact_email": "inkoop@gemeente.example.nl",
        "organisation": "Gemeente Utrecht",
        "address": "Stadsplateau 1\r\n3521 AZ Utrecht",
        "finance_email": "facturen@gemeente.example.nl",
        "po_number": "PO-77",
        "cost_centre": "KP-1",
        "payment_method": "invoice",
        "consent": "yes",
    }
    for n in range(people):
        data |= {
            f"attendees.{n}.first_name": f"Collega{n}",
            f"attendees.{n}.last_name": "Visser",
            f"attendees.{n}.email": f"collega{n}@gemeente.example.nl",
            f"attendees.{n}.ticket_type_id": str(regular.id),
        }
    return data | fields


def place(client, edition, **fields):
    data = order_form(edition, **fields) | {"csrf_token": csrf_for(client)}
    return client.post(f"/{edition.slug}/order", data=data)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_group_form_shows_tickets_and_rounds_in_both_languages(
    sqlite_app, paid_edition, language
):
    edition = paid_edition()
    client = sqlite_app.test_client()

    page = client.get(f"/{edition.slug}/order", headers={"Accept-Language": language})

    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert ("Een groep aanmelden" if language == "nl" else "Sign up a group") in text
    assert ("Regulier" if language == "nl" else "Regular") in text and "Round 1" in text
    assert text.count('name="attendees.') >= 4 * 4


def test_a_contact_signs_up_four_colleagues_and_lands_on_the_group_page(
    sqlite_app, paid_edition, smtp_server
):
    edition = paid_edition()
    client = sqlite_app.test_client()

    answer = place(client, edition)

    assert answer.status_code == 302
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    for n in range(4):
        assert f"Collega{n} Visser" in page
    assert "PO-77" in page and "€ 484,00" in page
    pdf_link = re.search(r'href="([^"]+\.pdf)"', page).group(1)
    pdf = client.get(unescape(pdf_link))
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    delivery.deliver_due(batch_size=500)
    assert len(smtp_server.to("facturen@gemeente.example.nl")) == 1


def test_a_missing_purchase_order_number_is_shown_at_its_field(sqlite_app, paid_edition):
    edition = paid_edition()
    client = sqlite_app.test_client()

    answer = place(client, edition, po_number="", **{"attendees.2.email": "not-an-address"})

    text = answer.get_data(as_text=True)
    assert answer.status_code == 200 and text.startswith("<!doctype html>")
    assert text.count('aria-invalid="true"') == 1  # the person's address first
    assert 'href="#attendees.2.email"' in text
    assert 'value="Collega3"' in text  # what was typed stays
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0


def test_the_contact_transfers_a_place_and_cancels_another(sqlite_app, paid_edition, smtp_server):
    edition = paid_edition()
    client = sqlite_app.test_client()
    group = place(client, edition).headers["Location"]
    order = db.session.scalars(sa.select(Order)).one()
    first, second = order.lines[0], order.lines[1]
    delivery.deliver_due(batch_size=500)

    answer = client.post(
        f"{group}/people/{first.id}/transfer",
        data={
            "csrf_token": csrf_for(client),
            "first_name": "Nieuwe",
            "last_name": "Collega",
            "email": "nieuw@gemeente.example.nl",
        },
    )
    assert answer.status_code == 302
    question = client.get(f"{group}/people/{second.id}/cancel")
    assert "Ja, deze plaats annuleren" in question.get_data(as_text=True)
    client.post(f"{group}/people/{second.id}/cancel", data={"csrf_token": csrf_for(client)})

    db.session.rollback()
    moved = db.session.get(Registration, first.registration_id)
    assert moved.full_name == "Nieuwe Collega"
    assert db.session.get(Registration, second.registration_id).status == (
        RegistrationStatus.cancelled
    )
    kinds = sorted(i.kind.value for i in db.session.scalars(sa.select(Invoice)))
    assert kinds == ["credit_note", "invoice"]
    delivery.deliver_due(batch_size=500)
    assert len(smtp_server.to("nieuw@gemeente.example.nl")) == 1
    page = client.get(group).get_data(as_text=True)
    assert "Nieuwe Collega" in page and "Collega0 Visser" not in page


def test_organisers_see_the_money_and_mark_an_invoice_paid(sqlite_app, paid_edition):
    edition = paid_edition()
    client = sqlite_app.test_client()
    place(client, edition)
    accounts.create_organiser("org@example.org", "Olga Organiser", PASSWORD)
    organiser = sqlite_app.test_client()
    organiser.post(
        "/sign-in",
        data={"csrf_token": csrf_for(organiser), "email": "org@example.org", "password": PASSWORD},
    )

    page = organiser.get(f"/organiser/{edition.slug}/finance").get_data(as_text=True)
    invoice = db.session.scalars(sa.select(Invoice)).one()
    organiser.post(
        f"/organiser/{edition.slug}/finance/invoices/{invoice.id}/paid",
        data={"csrf_token": csrf_for(organiser)},
    )
    export = organiser.get(f"/organiser/{edition.slug}/finance.csv")

    assert "Gemeente Utrecht" in page and invoice.number in page and "Regulier" in page
    db.session.rollback()
    assert db.session.get(Invoice, invoice.id).paid_at is not None
    assert invoice.number in export.get_data(as_text=True)
    assert organiser.get(f"/organiser/{edition.slug}/finance.xlsx").status_code == 200
    assert client.get(f"/organiser/{edition.slug}/finance").status_code in (302, 401, 403)


def test_a_paid_edition_sends_the_sign_up_form_to_the_order_form(sqlite_app, paid_edition):
    edition = paid_edition()
    client = sqlite_app.test_client()

    answer = client.get(f"/{edition.slug}/register")
    page = client.get(answer.headers["Location"]).get_data(as_text=True)

    assert answer.status_code == 302 and "/order?people=1" in answer.headers["Location"]
    assert "<h1>Aanmelden</h1>" in page and page.count('name="attendees.') >= 4


def test_the_json_sign_up_of_a_paid_edition_points_to_the_order_form(sqlite_app, paid_edition):
    edition = paid_edition()
    client = sqlite_app.test_client()
    body = {"first_name": "Gratis", "last_name": "Poging", "email": "gratis@example.org"}

    answer = client.post(f"/api/v1/editions/{edition.slug}/registrations", json=body)

    assert answer.status_code == 409
    assert f"/{edition.slug}/order" in answer.get_json()["error"]
    assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 0


def test_cancelling_a_bought_place_from_ones_own_link_credits_the_buyer(sqlite_app, paid_edition):
    from symposium.orders.models import OrderLine
    from symposium.registration.personal import manage_token

    edition = paid_edition()
    client = sqlite_app.test_client()
    assert place(client, edition).status_code == 302
    line = db.session.scalars(sa.select(OrderLine).order_by(OrderLine.id)).first()
    token = manage_token(db.session.get(Registration, line.registration_id))

    client.post(f"/r/{token}/cancel", data={"csrf_token": csrf_for(client)})

    db.session.rollback()
    assert db.session.get(Registration, line.registration_id).status == (
        RegistrationStatus.cancelled
    )
    assert db.session.get(OrderLine, line.id).cancelled_at is not None
    kinds = sorted(i.kind.value for i in db.session.scalars(sa.select(Invoice)))
    assert kinds == ["credit_note", "invoice"]
    assert db.session.get(Order, line.order_id).total_cents == 3 * line.total_cents
