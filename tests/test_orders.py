"""Orders: groups signed up by one contact, tickets, codes, invoices without gaps."""

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from symposium.extensions import db
from symposium.orders import invoicing, service
from symposium.orders.models import (
    Availability,
    EditionFinance,
    Order,
    OrderStatus,
    TicketType,
)
from symposium.orders.requests import Attendee, OrderError, OrderRequest
from symposium.registration.models import ChoiceState, Registration, RegistrationStatus
from symposium.registration.requests import RoundRequest


def paid_editions(make_edition):
    """Makes editions with a regular (incl. 21 % VAT), a student (exempt) and a partner
    ticket, invoiced by a supplier of their own."""

    def make(**settings):
        edition = make_edition(**settings)
        make_paid(edition)
        return edition

    return make


def make_paid(edition):
    """Give an edition a supplier and three ticket types (regular, student, partner)."""
    db.session.add(
        EditionFinance(
            edition_id=edition.id,
            supplier_name="Stichting Sociaal Werk Symposium",
            supplier_address="Oudegracht 1\n3511 AA Utrecht",
            kvk_number="12345678",
            vat_number="NL001234567B01",
            iban="NL91ABNA0417164300",
            invoice_prefix=f"S{edition.id}",
            po_number_required=True,
        )
    )
    db.session.add_all(
        [
            TicketType(
                edition_id=edition.id,
                name="Regulier",
                name_en="Regular",
                price_cents=12100,
                vat_rate=Decimal("21"),
                quota=None,
                position=1,
            ),
            TicketType(
                edition_id=edition.id,
                name="Student",
                price_cents=2500,
                availability=Availability.student,
                vat_exempt=True,
                exemption_text="Vrijgesteld van btw (art. 11 lid 1 onder o Wet OB)",
                quota=None,
                position=2,
            ),
            TicketType(
                edition_id=edition.id,
                name="Partner",
                price_cents=0,
                availability=Availability.with_code,
                quota=None,
                position=3,
            ),
        ]
    )
    db.session.commit()


def an_invoiced_group(edition) -> dict:
    """A paid edition's order of two colleagues, invoiced: the values the route walks need."""
    make_paid(edition)
    order = service.place_order(edition.id, group_request(edition, people=2))
    (invoice,) = invoicing.invoices_of(order.id)
    return {
        "order_id": order.id,
        "secret": order.secret,
        "line_id": order.lines[0].id,
        "invoice_id": invoice.id,
        "kind": "pdf",
        "transfer_first": "Nieuwe",
        "transfer_last": "Collega",
        "transfer_email": "nieuwe.collega@utrecht.nl",
    }


@pytest.fixture
def paid_edition(make_edition):
    return paid_editions(make_edition)


def tickets(edition):
    return {t.name: t for t in service.ticket_types(edition.id)}


def group_request(edition, people=4, **fields):
    regular = tickets(edition)["Regulier"]
    first_round = edition.rounds[0]
    return OrderRequest(
        contact_name=fields.pop("contact_name", "Ineke de Boer"),
        contact_email=fields.pop("contact_email", "inkoop@utrecht.nl"),
        organisation="Gemeente Utrecht",
        address="Stadsplateau 1\n3521 AZ Utrecht",
        finance_email="facturen@utrecht.nl",
        po_number=fields.pop("po_number", "PO-2026-0042"),
        cost_centre="KP-7710",
        consent=True,
        attendees=[
            Attendee(
                first_name=f"Collega{n}",
                last_name="Jansen",
                email=f"collega{n}@utrecht.nl",
                ticket_type_id=regular.id,
                choices={first_round.id: RoundRequest(session_id=first_round_session(edition))},
                chooses_own=n == 3,
            )
            for n in range(people)
        ],
        **fields,
    )


def first_round_session(edition):
    return next(s.id for s in edition.sessions if s.round_id == edition.rounds[0].id)


def test_a_contact_signs_up_four_colleagues_on_one_invoice(app, paid_edition):
    edition = paid_edition()

    order = service.place_order(edition.id, group_request(edition))

    assert order.status == OrderStatus.invoiced
    people = db.session.scalars(sa.select(Registration).order_by(Registration.id)).all()
    assert [p.status for p in people] == [RegistrationStatus.confirmed] * 4
    seated = [p for p in people if any(c.state == ChoiceState.confirmed for c in p.choices)]
    assert len(seated) == 3  # the fourth chooses for themselves
    (invoice,) = invoicing.invoices_of(order.id)
    assert invoice.total_cents == 4 * 12100
    assert invoice.net_cents == 4 * 10000 and invoice.vat_cents == 4 * 2100
    assert invoice.data["buyer"]["po_number"] == "PO-2026-0042"
    assert invoice.number == f"S{edition.id}-{invoice.year}-0001"


def test_a_missing_po_number_is_refused_and_nobody_is_signed_up(sqlite_app, paid_edition):
    edition = paid_edition()

    with pytest.raises(OrderError) as refused:
        service.place_order(edition.id, group_request(edition, po_number=""))

    assert "po_number" in refused.value.errors
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0


def test_a_purge_forgets_the_names_in_orders_but_keeps_the_invoices(sqlite_app, paid_edition):
    from symposium import privacy
    from symposium.audit.service import Actor

    edition = paid_edition()
    order = service.place_order(edition.id, group_request(edition, people=2))
    person = db.session.get(Registration, order.lines[0].registration_id)
    copy = privacy.personal_data(person)
    assert copy["order"][0]["order"] == order.reference
    edition.starts_at = datetime.now(UTC) - timedelta(days=3)
    edition.ends_at = edition.starts_at + timedelta(hours=8)
    db.session.commit()

    privacy.purge_edition(edition.id, Actor(None, "org@example.org"))

    db.session.rollback()
    order = db.session.get(Order, order.id)
    assert [line.attendee_name for line in order.lines] == ["", ""]
    assert order.contact_email == "" and order.finance_email == ""
    (invoice,) = invoicing.invoices_of(order.id)
    assert invoice.data["buyer"]["po_number"] == "PO-2026-0042"  # kept for the tax office


def race(app, jobs) -> tuple[list, list]:
    """Run the jobs at once, each on a connection of its own; (results, errors)."""
    results, errors = [], []
    barrier = threading.Barrier(len(jobs))

    def run(job):
        with app.app_context():
            barrier.wait()
            try:
                result = job()
                results.append(getattr(result, "id", result))
            except OrderError as error:
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors
