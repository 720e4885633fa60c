"""Paying an order online: the payment's life (symposium.payments) joined to the order's
held places, so that nobody pays for places they do not get and no place is sold twice.

- While a payment can still be paid at Mollie, its order's places stay held: starting a
  payment holds them until a minute past the payment's expiry at the least.
- A payment that comes in for an order whose places were released meanwhile (a bank that
  confirmed late) is refunded in full: the money goes back, the places stay released.
- Open payments past their expiry are asked about (a webhook that never arrived) before
  the holds that ran out are released.
"""

import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from symposium.audit.service import Actor
from symposium.database import use_case
from symposium.extensions import db
from symposium.orders import groups, service
from symposium.orders.models import HOLDING, Order, OrderLine, OrderStatus, PaymentMethod
from symposium.payments import service as payments
from symposium.payments.models import Payment, PaymentStatus
from symposium.validation import RuleError

log = logging.getLogger(__name__)


class RefundNotYetMade(RuleError):
    message = _l(
        "The place has been cancelled, but the payment service could not be reached to "
        "refund it. The organisers will see to the refund."
    )


#: a payment's places stay held this long past the moment Mollie lets it expire
MARGIN = timedelta(minutes=1)
#: how far past the edition's hold time retries may stretch an order's hold
LONGEST_EXTENSION = timedelta(minutes=30)


def pay(order: Order, *, redirect_url: str, webhook_url: str, locale: str) -> str:
    """Start (or start again) the order's payment; the checkout URL to send the payer to."""
    checkout = service.start_online_payment(
        order, redirect_url=redirect_url, webhook_url=webhook_url, locale=locale
    )
    payment = payments.latest_for(order.reference)
    if payment is not None and payment.expires_at is not None:
        _hold_until_expired(order.id, payment.expires_at + MARGIN)
    return checkout


@use_case
def _hold_until_expired(order_id: int, until: datetime) -> None:
    order = service._locked(order_id)
    finance = service.finance_of(order.edition_id)
    # Retrying again and again does not hold places for ever: past this, a payment that
    # still comes in is refunded (`settle`).
    latest = order.created_at + timedelta(minutes=finance.hold_minutes if finance else 30)
    until = min(until, latest + LONGEST_EXTENSION)
    if order.status in HOLDING and order.hold_until is not None and order.hold_until < until:
        order.hold_until = until


def settle(payment: Payment) -> Order | None:
    """Apply a payment's status (fetched from Mollie) to its order; a payment that came in
    for places already released is sent back."""
    order = service.payment_changed(payment)
    if order is None or payment.status != PaymentStatus.paid:
        return order
    if places_released(order) and payment.amount_refunded < payment.amount:
        log.warning("%s paid after its places were released: refunded", order.reference)
        payments.refund(
            payment,
            payment.amount - payment.amount_refunded,
            f"{order.reference}: places released before the payment came in",
        )
    return order


def places_released(order: Order) -> bool:
    """The order's hold ran out before it was paid: it has no places any more."""
    return order.status in (OrderStatus.expired, OrderStatus.paid) and not order.active_lines


def cancel_person(order_id: int, line_id: int, actor: Actor | None = None) -> Decimal:
    """Cancel one place (`groups.cancel_person`: seats to the waiting lists, a credit note)
    and, when the order was paid online, send that place's price back through Mollie. The
    edition's terms decide when a contact may still cancel (the group page's deadline); an
    organiser cancels on their own judgement. What was refunded."""
    line = db.session.get(OrderLine, line_id)
    cents = line.total_cents if line is not None and line.order_id == order_id else 0
    groups.cancel_person(order_id, line_id, actor=actor)
    order = db.session.get(Order, order_id)
    if order.payment_method != PaymentMethod.online or not cents:
        return Decimal("0.00")
    description = f"{order.reference}: {line.attendee_name}"
    try:
        return refund_cancelled(order, cents, description, actor=actor)
    except payments.PaymentError as error:
        log.warning("%s: place %s cancelled, refund not made: %s", order.reference, line_id, error)
        raise RefundNotYetMade() from error


def refund_cancelled(
    order: Order, cents: int, description: str, actor: Actor | None = None
) -> Decimal:
    """Send back `cents` of what the order paid online (a cancellation, as the edition's
    terms allow), spread over its paid payments; what was refunded."""
    left = Decimal(cents) / 100
    refunded = Decimal("0.00")
    for payment in payments.payments_for(order.reference):
        room = payment.amount - payment.amount_refunded
        if left <= 0 or payment.status != PaymentStatus.paid or room <= 0:
            continue
        amount = min(room, left)
        payments.refund(payment, amount, description, actor=actor)
        left -= amount
        refunded += amount
    return refunded


def sweep(now: datetime | None = None) -> int:
    """For the worker: ask Mollie about open payments past their expiry, then release the
    holds that ran out. How many orders changed."""
    changed = 0
    for payment in payments.refresh_overdue():
        changed += settle(payment) is not None
    return changed + service.release_expired_holds(now or datetime.now(UTC))
