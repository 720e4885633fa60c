"""Online payments through Mollie's Payments API: start one, learn its status, refund it.

The status is always fetched from Mollie (on the webhook, on the payer's return), never
read from a redirect. Mollie is called outside any transaction of ours where we can: a
call that fails (a time-out, a 5xx, an answer that is not a payment) raises
`PaymentError` and stores nothing. Knows amounts, descriptions and references only: what a
payment is for is the caller's business.
"""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, URLSafeSerializer

from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import in_transaction, is_writing, utcnow
from symposium.extensions import db
from symposium.payments.models import PROGRESS, Payment, PaymentRefund, PaymentStatus
from symposium.validation import RuleError

log = logging.getLogger(__name__)
T = TypeVar("T")
CENT = Decimal("0.01")
MOLLIE_ID = re.compile(r"tr_[A-Za-z0-9]{1,60}")


class PaymentError(RuleError):
    """Mollie could not be reached, or answered with something that is not what we asked."""

    message = _l(
        "The payment service cannot be reached right now. Nothing was charged; please try "
        "again in a few minutes."
    )


class PaymentsOff(PaymentError):
    message = _l("Paying online is not possible for this symposium.")


class UnknownPayment(PaymentError):
    message = _l("We know no such payment.")


class RefundRefused(PaymentError):
    message = _l("This payment cannot be refunded by that amount.")


@dataclass(frozen=True)
class MollieState:
    """What Mollie said about one payment, checked field by field."""

    id: str
    status: PaymentStatus
    amount: Decimal
    currency: str
    checkout_url: str | None
    expires_at: datetime | None
    paid_at: datetime | None
    method: str | None


# -- use cases ---------------------------------------------------------------------------


def start_payment(
    *,
    amount: Decimal,
    description: str,
    reference: str,
    redirect_url: str,
    webhook_url: str,
    locale: str,
) -> Payment:
    """A new open payment at Mollie, stored here; send the payer to its `checkout_url`."""
    amount = money(amount)
    if amount <= 0:
        raise PaymentError(_l("There is nothing to pay."))
    data = {
        "amount": {"currency": "EUR", "value": f"{amount:.2f}"},
        "description": description[:255],
        "redirectUrl": redirect_url,
        "webhookUrl": webhook_url,
        "locale": mollie_locale(locale),
        "metadata": {"reference": reference},
    }
    state = _read(_call(lambda client: client.payments.create(data)))
    if state.amount != amount or state.currency != "EUR" or state.checkout_url is None:
        raise _malformed("the new payment is not the one asked for", state)

    def store() -> Payment:
        payment = Payment(
            reference=reference,
            description=description[:255],
            amount=amount,
            currency=state.currency,
            mollie_id=state.id,
            status=state.status,
            checkout_url=state.checkout_url,
            expires_at=state.expires_at,
            paid_at=state.paid_at,
            method=state.method,
        )
        db.session.add(payment)
        db.session.flush()
        return payment

    return _in_transaction(store)


def refresh(mollie_id: str) -> Payment:
    """Fetch the payment's status from Mollie and store it. Safe to call any number of
    times, in any order: a status never moves back (an old answer arriving late is kept
    out), and a final one (paid, failed, canceled, expired) stays."""
    if not isinstance(mollie_id, str) or not MOLLIE_ID.fullmatch(mollie_id):
        raise UnknownPayment()  # not even the shape of Mollie's ids: never ours
    known = db.session.scalar(sa.select(Payment.id).where(Payment.mollie_id == mollie_id))
    if known is None:
        raise UnknownPayment()
    state = _read(_call(lambda client: client.payments.get(mollie_id)))
    if state.id != mollie_id:
        raise _malformed("asked for one payment, got another", state)
    return _in_transaction(lambda: _store_state(known, state))


def refund(
    payment: Payment, amount: Decimal, description: str, actor: Actor | None = None
) -> PaymentRefund:
    """Send (part of) a paid payment back to the payer through Mollie; in the audit log."""
    from mollie.api.objects.payment import Payment as MolliePayment

    amount = money(amount)
    payment_id, mollie_id = payment.id, payment.mollie_id
    db.session.refresh(payment)
    already = payment.amount_refunded
    if payment.status != PaymentStatus.paid or amount <= 0 or amount > payment.amount - already:
        raise RefundRefused()
    data = {"amount": {"currency": payment.currency, "value": f"{amount:.2f}"}}
    data["description"] = description[:140]
    # The same refund asked twice (a time-out, then again) is made once at Mollie.
    key = f"symposium-refund-{mollie_id}-{len(payment.refunds)}-{amount:.2f}"
    answer = _call(
        lambda client: MolliePayment({"id": mollie_id}, client).refunds.create(
            data, idempotency_key=key
        )
    )
    try:
        refund_id, status = str(answer["id"]), str(answer["status"])
        refunded = money(answer["amount"]["value"])
    except (KeyError, TypeError, ValueError, InvalidOperation) as error:
        raise _malformed(f"refund answer: {error!r}", answer) from error
    if not refund_id.startswith("re_") or refunded != amount:
        raise _malformed("the refund is not the one asked for", answer)

    def store() -> PaymentRefund:
        made = db.session.scalar(
            sa.select(PaymentRefund).where(PaymentRefund.mollie_id == refund_id)
        )
        if made is None:
            made = PaymentRefund(
                payment_id=payment_id,
                mollie_id=refund_id,
                amount=amount,
                description=description[:255],
                status=status,
            )
            db.session.add(made)
            db.session.flush()
            audit.record(
                actor or Actor(None, "system"),
                "payment.refund",
                made,
                after={"payment": mollie_id, "amount": f"{amount:.2f}", "refund": refund_id},
                label=description[:200],
            )
        return made

    return _in_transaction(store)


def refresh_overdue(limit: int = 100) -> list[Payment]:
    """Ask Mollie about open payments past their expiry time (a webhook that never came):
    the ones whose status changed. For the worker; a failing call is left for next time."""
    now = utcnow()
    overdue = db.session.scalars(
        sa.select(Payment.mollie_id)
        .where(
            Payment.status.in_([PaymentStatus.open, PaymentStatus.pending]),
            Payment.expires_at < now,
        )
        .order_by(Payment.expires_at)
        .limit(limit)
    ).all()
    db.session.rollback()
    changed = []
    for mollie_id in overdue:
        try:
            payment = refresh(mollie_id)
        except PaymentError as error:
            log.warning("could not refresh payment %s: %s", mollie_id, error)
            continue
        if payment.status not in (PaymentStatus.open, PaymentStatus.pending):
            changed.append(payment)
    return changed


# -- reading -----------------------------------------------------------------------------


def payments_for(reference: str) -> list[Payment]:
    """Every payment made for this reference, the newest first."""
    return list(
        db.session.scalars(
            sa.select(Payment).where(Payment.reference == reference).order_by(Payment.id.desc())
        )
    )


def latest_for(reference: str) -> Payment | None:
    payments = payments_for(reference)
    return payments[0] if payments else None


def by_mollie_id(mollie_id: str) -> Payment | None:
    return db.session.scalar(sa.select(Payment).where(Payment.mollie_id == mollie_id))


_SALT = "symposium.payment-return"


def return_token(reference: str) -> str:
    """What the payer's return address carries: the reference, signed (nobody reads
    another's payment by guessing)."""
    return URLSafeSerializer(current_app.secret_key, salt=_SALT).dumps(reference)


def reference_from(token: str) -> str | None:
    try:
        reference = URLSafeSerializer(current_app.secret_key, salt=_SALT).loads(token)
    except (BadData, TypeError, ValueError):
        return None
    return reference if isinstance(reference, str) else None


def enabled() -> bool:
    """Whether online payments are set up (an API key)."""
    return bool(current_app.config.get("MOLLIE_API_KEY"))


# -- helpers -----------------------------------------------------------------------------


def money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def mollie_locale(locale: str) -> str:
    """Mollie's checkout in the payer's language."""
    return {"nl": "nl_NL", "en": "en_US"}.get((locale or "nl")[:2].lower(), "nl_NL")


def _store_state(payment_id: int, state: MollieState) -> Payment:
    query = sa.select(Payment).where(Payment.id == payment_id).with_for_update()
    payment = db.session.scalars(query).one()
    if payment.status != state.status:
        if payment.status.final or PROGRESS[state.status] < PROGRESS[payment.status]:
            log.info("kept %s %s over %s", payment.mollie_id, payment.status, state.status)
            return payment
        payment.status = state.status
    payment.paid_at = state.paid_at or payment.paid_at
    payment.method = state.method or payment.method
    payment.expires_at = state.expires_at or payment.expires_at
    db.session.flush()
    return payment


def _in_transaction(step: Callable[[], T]) -> T:
    """Inside the caller's use case: part of its transaction; else one of its own."""
    if is_writing():
        return step()
    return in_transaction(step)


def _client():
    from mollie.api.client import Client

    config = current_app.config
    if not config.get("MOLLIE_API_KEY"):
        raise PaymentsOff()
    timeout = float(config["MOLLIE_TIMEOUT"])
    # No retries of our own: a create that timed out may have been made.
    client = Client(api_endpoint=config["MOLLIE_API_ENDPOINT"], timeout=timeout, retry=0)
    client.set_api_key(config["MOLLIE_API_KEY"])
    return client


def _call(request: Callable[[Any], T]) -> T:
    from mollie.api.error import Error as MollieError

    client = _client()
    try:
        return request(client)
    except MollieError as error:
        log.warning("Mollie: %s: %s", type(error).__name__, error)
        raise PaymentError() from error


def _malformed(why: str, answer: Any) -> PaymentError:
    log.warning("Mollie answered something we cannot use (%s): %.500r", why, answer)
    return PaymentError()


def _read(answer: Any) -> MollieState:
    """The fields we use, each checked; anything else is a malformed answer."""
    try:
        links = answer.get("_links") or {}
        checkout = (links.get("checkout") or {}).get("href")
        state = MollieState(
            id=_text(answer["id"], "tr_"),
            status=PaymentStatus(answer["status"]),
            amount=money(answer["amount"]["value"]),
            currency=_text(answer["amount"]["currency"]),
            checkout_url=_text(checkout) if checkout is not None else None,
            expires_at=_moment(answer.get("expiresAt")),
            paid_at=_moment(answer.get("paidAt")),
            method=_text(answer["method"]) if answer.get("method") else None,
        )
    except (KeyError, TypeError, ValueError, AttributeError, InvalidOperation) as error:
        raise _malformed(repr(error), answer) from error
    return state


def _text(value: Any, prefix: str = "") -> str:
    if not isinstance(value, str) or not value.startswith(prefix) or len(value) > 500:
        raise ValueError(f"unexpected value {value!r}")
    return value


def _moment(value: Any) -> datetime | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(_text(value))
    if moment.tzinfo is None:
        raise ValueError(f"a time without a zone: {value!r}")
    return moment
