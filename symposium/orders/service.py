"""Orders: a person or a group's contact buys places; paying online; holds that run out.

The seats come from the registration rules (`sign_up.enrol`), one registration per person
in the order's own transaction, so an order is all or nothing: a sold-out ticket type or a
refused address leaves nothing behind. Ticket quotas and code uses are counted with one
conditional update each, like seats.
"""

import hmac
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import refuse_conflicts, use_case
from symposium.extensions import db
from symposium.orders import invoicing, notifications
from symposium.orders.models import (
    HOLDING,
    Availability,
    EditionFinance,
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    TicketType,
    Voucher,
)
from symposium.orders.pricing import covers, price
from symposium.orders.requests import (
    Attendee,
    OrderError,
    OrderNotAllowed,
    OrderRequest,
    PaymentsUnavailable,
)
from symposium.program.models import Edition, EditionStatus
from symposium.registration.models import Registration, RegistrationStatus
from symposium.registration.requests import (
    DuplicateRegistration,
    RegistrationError,
    RegistrationRequest,
)
from symposium.registration.sign_up import enrol, withdraw
from symposium.text import has_control_characters
from symposium.validation import Fields, is_email_address

#: a group larger than this is an event of its own: the organisers take it by mail
MAX_ATTENDEES = 50


def _now() -> datetime:
    return datetime.now(UTC)


def finance_of(edition_id: int) -> EditionFinance | None:
    """The edition's invoicing settings; None for a free edition."""
    return db.session.get(EditionFinance, edition_id)


#: built once: the edition a sign-up is for, and whether it sells its places
_EDITION_FOR_SIGN_UP = (
    sa.select(Edition, EditionFinance.edition_id)
    .outerjoin(EditionFinance, EditionFinance.edition_id == Edition.id)
    .where(Edition.slug == sa.bindparam("slug"), Edition.status != EditionStatus.draft)
)


def edition_for_sign_up(slug: str) -> tuple[Edition | None, bool]:
    """A public edition by its address (as `edition_by_slug`), and whether its places are
    bought through an order (as `finance_of`): the first two questions of a JSON sign-up,
    in one query rather than two."""
    if has_control_characters(slug):
        return None, False  # no web address has them (and PostgreSQL refuses NUL in a query)
    row = db.session.execute(_EDITION_FOR_SIGN_UP, {"slug": slug}).first()
    return (None, False) if row is None else (row[0], row[1] is not None)


def ticket_types(edition_id: int) -> list[TicketType]:
    return list(
        db.session.scalars(
            sa.select(TicketType)
            .where(TicketType.edition_id == edition_id)
            .order_by(TicketType.position, TicketType.id)
        )
    )


def order_by_secret(order_id: int, secret: str) -> Order | None:
    order = db.session.get(Order, order_id)
    if order is None or not hmac.compare_digest(order.secret, secret):
        return None
    return order


# -- placing an order -------------------------------------------------------------------


def _check_order(finance: EditionFinance | None, request: OrderRequest) -> Fields:
    fields = Fields(OrderError)
    fields.text("contact_name", request.contact_name, 200, _l("Enter your name."))
    _email(fields, "contact_email", request.contact_email, required=True)
    fields.text("organisation", request.organisation, 200)
    fields.text("address", request.address, 500, multiline=True)
    fields.text("po_number", request.po_number, 60)
    fields.text("cost_centre", request.cost_centre, 60)
    fields.text("buyer_vat_number", request.buyer_vat_number, 20)
    fields.text("voucher_code", request.voucher_code, 40)
    if request.consent is not True:
        fields.add("consent", _l("Confirm that you may pass on these people's details."))
    if not request.attendees:
        fields.add("attendees", _l("Add at least one person."))
    elif len(request.attendees) > MAX_ATTENDEES:
        fields.add("attendees", _l("At most %(n)d people per order.", n=MAX_ATTENDEES))
    seen: set[str] = set()
    for number, attendee in enumerate(request.attendees):
        key = f"attendees.{number}."
        fields.text(key + "first_name", attendee.first_name, 100, _l("Enter a first name."))
        fields.text(key + "last_name", attendee.last_name, 100, _l("Enter a last name."))
        address = _email(fields, key + "email", attendee.email, required=True)
        if address and address in seen:
            fields.add(key + "email", _l("Each person needs an e-mail address of their own."))
        seen.add(address)
        if finance is not None and attendee.ticket_type_id is None:
            fields.add(key + "ticket_type_id", _l("Choose a ticket."))
    return fields


def _check_invoice_details(finance: EditionFinance, request: OrderRequest, fields: Fields):
    if not request.organisation.strip():
        fields.add("organisation", _l("Enter the organisation that pays."))
    if not request.address.strip():
        fields.add("address", _l("Enter the address for the invoice."))
    _email(fields, "finance_email", request.finance_email, required=True)
    if finance.po_number_required and not request.po_number.strip():
        fields.add("po_number", _l("Enter your purchase order number."))


def _email(fields: Fields, name: str, value, required: bool) -> str:
    text = fields.text(name, value, 254, _l("Enter an e-mail address.") if required else None)
    if text and fields.ok(name) and not is_email_address(text):
        fields.add(name, _l("Enter an e-mail address like name@example.org."))
    return text.lower()


def _voucher(edition_id: int, code: str, now: datetime) -> Voucher | None:
    if not code.strip():
        return None
    voucher = db.session.scalar(
        sa.select(Voucher).where(
            Voucher.edition_id == edition_id, Voucher.code == code.strip().upper()
        )
    )
    if voucher is None or (voucher.valid_until is not None and voucher.valid_until < now):
        raise OrderError({"voucher_code": [_l("This code is unknown or no longer valid.")]})
    return voucher


def _claim(model, row_id: int, count_column, limit_column, places: int) -> bool:
    """Count `places` more against a limit in one conditional update: yes or no."""
    return (
        db.session.execute(
            sa.update(model)
            .where(
                model.id == row_id,
                sa.or_(limit_column.is_(None), count_column + places <= limit_column),
            )
            .values({count_column: count_column + places})
        ).rowcount
        == 1
    )


@refuse_conflicts(lambda error: OrderError({"attendees": [DuplicateRegistration.message]}))
@use_case
def place_order(edition_id: int, request: OrderRequest, now: datetime | None = None) -> Order:
    """Sign up everyone in the order and settle what it costs: nothing, an invoice mailed
    to the finance address, or a payment to start (the places are held meanwhile)."""
    now = now or _now()
    edition = db.session.get(Edition, edition_id)
    finance = finance_of(edition_id)
    fields = _check_order(finance, request)
    fields.raise_if_any()
    voucher = _voucher(edition_id, request.voucher_code, now) if finance else None
    tickets = {ticket.id: ticket for ticket in ticket_types(edition_id)}
    for number, attendee in enumerate(request.attendees):
        ticket = tickets.get(attendee.ticket_type_id) if finance else None
        key = f"attendees.{number}."
        if finance is None:
            continue
        if ticket is None:
            fields.add(key + "ticket_type_id", _l("Choose a ticket."))
        elif ticket.availability == Availability.with_code and not (
            voucher and voucher.ticket_type_ids and covers(voucher, ticket)
        ):
            fields.add(key + "ticket_type_id", _l("This ticket needs a code."))
        elif ticket.availability == Availability.student and not attendee.student_confirmed:
            fields.add(key + "student_confirmed", _l("Confirm that this person studies."))
    fields.raise_if_any()

    order = Order(
        edition_id=edition_id,
        status=OrderStatus.free,
        payment_method=PaymentMethod.none,
        contact_name=request.contact_name.strip(),
        contact_email=request.contact_email.strip(),
        organisation=request.organisation.strip(),
        address=request.address.strip(),
        finance_email=request.finance_email.strip(),
        po_number=request.po_number.strip(),
        cost_centre=request.cost_centre.strip(),
        buyer_vat_number=request.buyer_vat_number.strip(),
        voucher_id=voucher.id if voucher else None,
        locale=request.locale if request.locale in ("nl", "en") else "nl",
        created_at=now,
        lines=[],
    )
    db.session.add(order)
    for number, attendee in enumerate(request.attendees):
        _add_line(order, edition, tickets.get(attendee.ticket_type_id), voucher, attendee, number)
    if voucher is not None and not _claim(
        Voucher, voucher.id, Voucher.used, Voucher.max_uses, len(request.attendees)
    ):
        raise OrderError({"voucher_code": [_l("This code has been used up.")]})
    if order.total_cents > 0:
        fields = Fields(OrderError)
        if request.payment_method == "online":
            order.payment_method = PaymentMethod.online
            order.status = OrderStatus.awaiting_payment
            order.hold_until = now + timedelta(minutes=finance.hold_minutes)
        else:
            _check_invoice_details(finance, request, fields)
            fields.raise_if_any()
            order.payment_method = PaymentMethod.invoice
            order.status = OrderStatus.invoiced
    db.session.flush()
    audit.record(
        Actor(None, order.contact_email),
        "order.place",
        order,
        after={"status": order.status, "total": order.total_cents, "places": len(order.lines)},
        label=order.reference,
    )
    notifications.order_confirmation(order)
    if order.status == OrderStatus.invoiced:
        invoicing.issue_invoice(order, now)
    return order


def _add_line(
    order: Order,
    edition: Edition,
    ticket: TicketType | None,
    voucher: Voucher | None,
    attendee: Attendee,
    number: int,
) -> OrderLine:
    """Sign one person up and add their place to the order."""
    key = f"attendees.{number}."
    if ticket is not None and not _claim(
        TicketType, ticket.id, TicketType.sold, TicketType.quota, 1
    ):
        raise OrderError({key + "ticket_type_id": [_l("This ticket is sold out.")]})
    request = RegistrationRequest(
        first_name=attendee.first_name,
        last_name=attendee.last_name,
        email=attendee.email,
        organisation=order.organisation,
        role=attendee.role,
        consent=True,  # given by the contact for them
        choices={} if attendee.chooses_own else attendee.choices,
        locale=attendee.locale or order.locale,
    )
    try:
        registration = enrol(edition.id, request, order.created_at)
    except DuplicateRegistration as error:
        raise OrderError({key + "email": [error.message]}) from error
    except RegistrationError as error:
        errors = {key + name: messages for name, messages in error.errors.items()}
        raise OrderError(errors or {key + "email": [error.message]}) from error
    # The contact vouches for the address; a paid place must not lapse unconfirmed.
    registration.email_confirmed_at = order.created_at
    cost = price(ticket, voucher) if ticket is not None else None
    if cost is not None and registration.status == RegistrationStatus.waitlisted:
        # Nobody pays for a place on the waiting list: the order is refused instead.
        raise OrderError({key + "email": [_l("The symposium is full: there is no place left.")]})
    line = OrderLine(
        registration_id=registration.id,
        ticket_type_id=ticket.id if ticket else None,
        attendee_name=registration.full_name,
        net_cents=cost.net_cents if cost else 0,
        discount_cents=cost.discount_cents if cost else 0,
        vat_rate=Decimal(0) if ticket is None or ticket.vat_exempt else ticket.vat_rate,
        vat_exempt=bool(ticket and ticket.vat_exempt),
        vat_cents=cost.vat_cents if cost else 0,
        total_cents=cost.total_cents if cost else 0,
        chooses_own=attendee.chooses_own,
        student_confirmed=attendee.student_confirmed,
    )
    order.lines.append(line)
    return line


# -- paying online (the payment itself is symposium.payments') --------------------------


def start_online_payment(order: Order, *, redirect_url: str, webhook_url: str, locale: str) -> str:
    """Start (or start again) the payment of an order held for it; the checkout URL."""
    try:
        from symposium.payments import service as payments
    except ImportError as error:  # the payments package is not there (yet)
        raise PaymentsUnavailable() from error
    opened = _reopen(order.id)
    payment = payments.start_payment(
        amount=Decimal(opened) / 100,
        description=f"{order.reference}",
        reference=order.reference,
        redirect_url=redirect_url,
        webhook_url=webhook_url,
        locale=locale,
    )
    return payment.checkout_url


@use_case
def _reopen(order_id: int, now: datetime | None = None) -> int:
    """The order awaits a payment again (after a failed one); its amount in cents."""
    order = _locked(order_id)
    if (
        order.status not in HOLDING
        or order.hold_until is None
        or order.hold_until < (now or _now())
    ):
        raise OrderNotAllowed(_l("This order can no longer be paid: its places were released."))
    order.status = OrderStatus.awaiting_payment
    return order.total_cents


def _locked(order_id: int) -> Order:
    order = db.session.scalar(sa.select(Order).where(Order.id == order_id).with_for_update())
    db.session.refresh(order)
    return order


@use_case
def payment_changed(payment, now: datetime | None = None) -> Order | None:
    """What Mollie said about a payment (fetched, never taken from a redirect), applied to
    its order: paid settles it; failed, expired or canceled leaves it unpaid, its places
    held until `hold_until` for another try."""
    reference = getattr(payment, "reference", "") or ""
    if not reference.startswith("order-") or not reference[6:].isdigit():
        return None
    order = db.session.get(Order, int(reference[6:]))
    if order is None:
        return None
    order = _locked(order.id)
    status = str(getattr(payment.status, "value", payment.status))
    before = order.status
    if status == "paid" and order.status in (*HOLDING, OrderStatus.expired):
        order.status = OrderStatus.paid
        order.paid_at = now or _now()
        order.hold_until = None
        notifications.payment_received(order)
    elif (
        status in ("failed", "expired", "canceled") and order.status == OrderStatus.awaiting_payment
    ):
        order.status = OrderStatus.unpaid
    elif status in ("open", "pending", "authorized") and order.status == OrderStatus.unpaid:
        order.status = OrderStatus.awaiting_payment
    if order.status != before:
        audit.record(
            Actor(None, "mollie"),
            "order.payment",
            order,
            before={"status": before},
            after={"status": order.status, "payment": str(getattr(payment, "id", ""))},
            label=order.reference,
        )
    return order


def release_expired_holds(now: datetime | None = None) -> int:
    """Orders whose payment did not come in time: their places go back. The count."""
    now = now or _now()
    due = db.session.scalars(
        sa.select(Order.id).where(Order.status.in_(HOLDING), Order.hold_until < now)
    ).all()
    db.session.rollback()
    released = sum(1 for order_id in due if _release(order_id, now))
    return released


@use_case
def _release(order_id: int, now: datetime) -> bool:
    order = _locked(order_id)
    if order.status not in HOLDING or order.hold_until is None or order.hold_until >= now:
        return False
    for line in order.active_lines:
        give_back(order, line, now)
    order.status = OrderStatus.expired
    audit.record(
        Actor(None, "system"),
        "order.expire",
        order,
        before={"status": OrderStatus.awaiting_payment},
        after={"status": OrderStatus.expired},
        label=order.reference,
    )
    return True


def give_back(order: Order, line: OrderLine, now: datetime, actor: Actor | None = None) -> None:
    """A place leaves the order: the person's registration is cancelled (their seats go to
    the waiting lists), the ticket and the code's use are counted back."""
    line.cancelled_at = now
    # The ticket before the seats, in the order `place_order` takes them: the other order
    # deadlocks against a sign-up under load.
    if line.ticket_type_id is not None:
        db.session.execute(
            sa.update(TicketType)
            .where(TicketType.id == line.ticket_type_id)
            .values(sold=TicketType.sold - 1)
        )
    if line.registration_id is not None:
        withdraw(line.registration_id, actor)
    if order.voucher_id is not None:
        db.session.execute(
            sa.update(Voucher).where(Voucher.id == order.voucher_id).values(used=Voucher.used - 1)
        )


def registration_of(line: OrderLine) -> Registration | None:
    return db.session.get(Registration, line.registration_id) if line.registration_id else None
