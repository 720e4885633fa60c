"""Personal data in orders: the attendee's name on their place, the contact's name and
addresses. Issued invoices and credit notes keep what they state: the law asks the
supplier to keep them for seven years (art. 52 AWR), which the AVG allows (art. 17(3)(b))."""

from datetime import datetime

import sqlalchemy as sa

from symposium.extensions import db
from symposium.orders.models import Order, OrderLine
from symposium.program.models import Edition
from symposium.registration.models import Registration


def forget_order_places(who: sa.Select, now: datetime) -> int:
    """The name on the places of these people (erasure or purge)."""
    return db.session.execute(
        sa.update(OrderLine)
        .where(OrderLine.registration_id.in_(who), OrderLine.attendee_name != "")
        .values(attendee_name="")
    ).rowcount


def forget_order_contacts(edition: Edition, now: datetime) -> int:
    """The contacts of an edition's orders (purge): name and addresses; the organisation,
    its address and its references stay for the bookkeeping."""
    return db.session.execute(
        sa.update(Order)
        .where(Order.edition_id == edition.id, Order.contact_email != "")
        .values(contact_name="", contact_email="", finance_email="")
    ).rowcount


def place_of(registration: Registration) -> list[dict]:
    """The person's place in an order, for their own copy."""
    lines = db.session.scalars(
        sa.select(OrderLine).where(OrderLine.registration_id == registration.id)
    ).all()
    return [
        {
            "order": line.order.reference,
            "organisation": line.order.organisation,
            "contact": line.order.contact_name,
            "ticket": line.ticket_type.name if line.ticket_type else "",
            "name_on_invoice": line.attendee_name,
            "price_incl_vat_cents": line.total_cents,
            "cancelled_at": line.cancelled_at.isoformat() if line.cancelled_at else None,
        }
        for line in lines
    ]
