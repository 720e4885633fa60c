"""`flask --app symposium demo --paid`: the upcoming edition as a paid symposium, with a
regular, a student and a free partner ticket, a partner code, and a municipality that
signed up four colleagues on one invoice with its purchase order number."""

from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa

from symposium.extensions import db
from symposium.orders import service
from symposium.orders.models import (
    Availability,
    EditionFinance,
    TicketType,
    Voucher,
    VoucherKind,
)
from symposium.orders.requests import Attendee, OrderRequest
from symposium.program.models import Edition, EditionStatus

PARTNER_CODE = "PARTNER2026"


def upcoming() -> Edition | None:
    return db.session.scalar(
        sa.select(Edition)
        .where(Edition.status == EditionStatus.published, Edition.starts_at > datetime.now(UTC))
        .order_by(Edition.starts_at)
    )


def make_paid() -> str | None:
    """Give the upcoming edition its tickets and one invoiced group; its slug, or None when
    it had them already (or there is no upcoming edition)."""
    edition = upcoming()
    if edition is None or db.session.get(EditionFinance, edition.id) is not None:
        return None
    db.session.add(
        EditionFinance(
            edition_id=edition.id,
            supplier_name="Stichting Symposium Sociaal Werk",
            supplier_address="Oudegracht 100\n3511 AX Utrecht",
            kvk_number="87654321",
            vat_number="NL862345678B01",
            iban="NL20INGB0001234567",
            supplier_email="facturen@symposium.example.org",
            invoice_prefix="SSW",
            po_number_required=True,
            payment_days=30,
            cancellation_terms=(
                "Kosteloos annuleren tot vier weken voor het symposium; daarna is het volle "
                "bedrag verschuldigd. Een collega in uw plaats kan altijd."
            ),
        )
    )
    regular = TicketType(
        edition_id=edition.id,
        position=1,
        name="Regulier",
        name_en="Regular",
        price_cents=19500,
        price_includes_vat=False,
        vat_rate=Decimal("21"),
        quota=None,
    )
    student = TicketType(
        edition_id=edition.id,
        position=2,
        name="Student",
        name_en="Student",
        price_cents=4500,
        price_includes_vat=True,
        vat_exempt=True,
        exemption_text="Vrijgesteld van btw op grond van artikel 11 lid 1 onder o Wet OB",
        availability=Availability.student,
        quota=40,
    )
    partner = TicketType(
        edition_id=edition.id,
        position=3,
        name="Partner",
        name_en="Partner",
        price_cents=0,
        availability=Availability.with_code,
        quota=20,
    )
    db.session.add_all([regular, student, partner])
    db.session.flush()
    db.session.add(
        Voucher(
            edition_id=edition.id,
            code=PARTNER_CODE,
            kind=VoucherKind.fixed,
            amount=0,
            max_uses=20,
            ticket_type_ids=[partner.id],
        )
    )
    db.session.commit()
    service.place_order(
        edition.id,
        OrderRequest(
            contact_name="Fatima el Amrani",
            contact_email="f.elamrani@utrecht.example.nl",
            organisation="Gemeente Utrecht",
            address="Stadsplateau 1\n3521 AZ Utrecht",
            finance_email="facturen@utrecht.example.nl",
            po_number="4500123456",
            cost_centre="MO-Wijkteams",
            consent=True,
            payment_method="invoice",
            attendees=[
                Attendee(
                    first_name=first,
                    last_name=last,
                    email=email,
                    ticket_type_id=regular.id,
                    chooses_own=True,
                )
                for first, last, email in (
                    ("Joost", "van Dijk", "j.vandijk@utrecht.example.nl"),
                    ("Samira", "Bouzid", "s.bouzid@utrecht.example.nl"),
                    ("Petra", "de Graaf", "p.degraaf@utrecht.example.nl"),
                    ("Kees", "Hoekstra", "k.hoekstra@utrecht.example.nl"),
                )
            ],
        ),
    )
    return edition.slug
