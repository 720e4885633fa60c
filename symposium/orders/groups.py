"""What a group's contact does on the group page until the deadline: add a colleague,
hand a place to another colleague (the seats go along), cancel a place.

A cancelled place of an invoiced or paid order gets a credit note; the invoice itself is
never changed. A place added to an invoiced order gets an invoice of its own.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import refuse_conflicts, use_case
from symposium.extensions import db
from symposium.orders import invoicing
from symposium.orders.models import DocumentKind, Invoice, Order, OrderLine, OrderStatus
from symposium.orders.requests import Attendee, OrderError, OrderNotAllowed
from symposium.orders.service import (
    _add_line,
    _locked,
    _voucher,
    finance_of,
    give_back,
    ticket_types,
)
from symposium.program.models import Edition
from symposium.program.service import registration_state
from symposium.registration import notifications
from symposium.registration.models import Registration, RegistrationStatus, new_manage_secret
from symposium.registration.requests import DuplicateRegistration, normalise_email
from symposium.registration.sign_up import _locked as locked_registration
from symposium.validation import Fields, is_email_address

#: the group page changes nothing of an order that expired or was cancelled
CHANGEABLE = (
    OrderStatus.free,
    OrderStatus.invoiced,
    OrderStatus.paid,
    OrderStatus.awaiting_payment,
    OrderStatus.unpaid,
)


def changes_until(order: Order) -> datetime | None:
    """Until when the contact may change the group: the edition's setting, else the close
    of sign-up."""
    finance = finance_of(order.edition_id)
    if finance is not None and finance.changes_until is not None:
        return finance.changes_until
    return db.session.get(Edition, order.edition_id).registration_closes_at


def may_change(order: Order, now: datetime | None = None) -> bool:
    deadline = changes_until(order)
    now = now or datetime.now(UTC)
    return order.status in CHANGEABLE and (deadline is None or now < deadline)


def changeable_place_of(registration_id: int, now: datetime | None = None) -> OrderLine | None:
    """The person's bought place while its group may still change: cancelling it then goes
    through the order (a credit note, a refund), as on the group page."""
    line = db.session.scalar(
        sa.select(OrderLine).where(
            OrderLine.registration_id == registration_id, OrderLine.cancelled_at.is_(None)
        )
    )
    return line if line is not None and may_change(line.order, now) else None


def _changeable(order_id: int, now: datetime) -> Order:
    order = _locked(order_id)
    if not may_change(order, now):
        raise OrderNotAllowed(_l("This group can no longer be changed."))
    return order


def _line(order: Order, line_id: int) -> OrderLine:
    line = next((line for line in order.active_lines if line.id == line_id), None)
    if line is None:
        raise OrderNotAllowed(_l("This person is not (or no longer) in the group."))
    return line


@refuse_conflicts(lambda error: OrderError({"email": [DuplicateRegistration.message]}))
@use_case
def add_person(order_id: int, attendee: Attendee, now: datetime | None = None) -> OrderLine:
    """One more colleague in the group, on the group's terms (and its own invoice)."""
    now = now or datetime.now(UTC)
    order = _changeable(order_id, now)
    edition = db.session.get(Edition, order.edition_id)
    if not registration_state(edition, now).open:
        raise OrderNotAllowed(_l("Sign-up is closed: no one can be added."))
    fields = Fields(OrderError)
    fields.text("first_name", attendee.first_name, 100, _l("Enter a first name."))
    fields.text("last_name", attendee.last_name, 100, _l("Enter a last name."))
    fields.text("email", attendee.email, 254, _l("Enter an e-mail address."))
    fields.raise_if_any()
    tickets = {ticket.id: ticket for ticket in ticket_types(order.edition_id)}
    ticket = tickets.get(attendee.ticket_type_id)
    if finance_of(order.edition_id) is not None and ticket is None:
        raise OrderError({"ticket_type_id": [_l("Choose a ticket.")]})
    voucher = None
    if order.voucher_id is not None:
        voucher = _voucher_of(order, now)
    try:
        line = _add_line(order, edition, ticket, voucher, attendee, 0)
    except OrderError as error:
        raise OrderError(
            {name.removeprefix("attendees.0."): messages for name, messages in error.errors.items()}
        ) from error
    db.session.flush()
    audit.record(
        Actor(None, order.contact_email),
        "order.add_person",
        order,
        after={"person": line.attendee_name, "total": line.total_cents},
        label=order.reference,
    )
    if order.status in (OrderStatus.invoiced, OrderStatus.paid) and line.total_cents:
        if order.status == OrderStatus.paid:
            order.status = OrderStatus.invoiced
        invoicing._issue(order, DocumentKind.invoice, [line], now)
    return line


def _voucher_of(order: Order, now: datetime):
    from symposium.orders.models import Voucher

    voucher = db.session.get(Voucher, order.voucher_id)
    try:
        return _voucher(order.edition_id, voucher.code, now) if voucher else None
    except OrderError:
        return None  # expired since: the new place pays the full price


@use_case
def transfer(
    order_id: int,
    line_id: int,
    first_name: str,
    last_name: str,
    email: str,
    now: datetime | None = None,
) -> Registration:
    """Hand a place to another colleague: their name on the registration, the seats kept,
    a new personal link (the old one stops working) mailed to the new person."""
    now = now or datetime.now(UTC)
    order = _changeable(order_id, now)
    line = _line(order, line_id)
    fields = Fields(OrderError)
    first = fields.text("first_name", first_name, 100, _l("Enter a first name."))
    last = fields.text("last_name", last_name, 100, _l("Enter a last name."))
    address = fields.text("email", email, 254, _l("Enter an e-mail address."))
    if address and fields.ok("email") and not is_email_address(address):
        fields.add("email", _l("Enter an e-mail address like name@example.org."))
    fields.raise_if_any()
    registration = locked_registration(line.registration_id)
    key = normalise_email(address)
    taken = db.session.scalar(
        sa.select(Registration.id).where(
            Registration.edition_id == order.edition_id,
            Registration.email_key == key,
            Registration.id != registration.id,
        )
    )
    if taken is not None:
        raise OrderError({"email": [_l("This person has already signed up.")]})
    before = registration.full_name
    registration.first_name, registration.last_name = first, last
    registration.email, registration.email_key = address, key
    registration.manage_secret = new_manage_secret()
    registration.email_confirmed_at = now
    registration.badge_printed_at = None
    line.attendee_name = registration.full_name
    db.session.flush()
    audit.record(
        Actor(None, order.contact_email),
        "order.transfer",
        order,
        before={"person": before},
        after={"person": registration.full_name},
        label=order.reference,
    )
    if registration.status != RegistrationStatus.cancelled:
        notifications.confirmation(registration, rejoined_at=now)
    return registration


@use_case
def cancel_person(
    order_id: int, line_id: int, now: datetime | None = None, actor: Actor | None = None
) -> Invoice | None:
    """Cancel one place: the seats go to the waiting lists; invoiced, it gets a credit
    note. The credit note, if any."""
    now = now or datetime.now(UTC)
    order = _locked(order_id) if actor is not None else _changeable(order_id, now)
    line = _line(order, line_id)
    give_back(order, line, now)
    audit.record(
        actor or Actor(None, order.contact_email),
        "order.cancel_person",
        order,
        before={"person": line.attendee_name, "total": line.total_cents},
        after={"person": None, "total": 0},
        label=order.reference,
    )
    credit = None
    if order.status in (OrderStatus.invoiced, OrderStatus.paid) and line.total_cents:
        credit = invoicing.credit_places(order, [line], now)
    if not order.active_lines:
        order.status = OrderStatus.cancelled
        order.cancelled_at = now
    return credit
