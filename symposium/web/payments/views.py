"""Mollie's webhook and the page the payer comes back to. The status is always fetched
from Mollie: neither the webhook call nor the redirect is believed."""

import logging
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_currency
from flask_babel import gettext as _

from symposium.extensions import db, limiter
from symposium.i18n import current_language, format_time
from symposium.orders import online
from symposium.orders.models import HOLDING, Order, OrderStatus
from symposium.payments import service as payments
from symposium.payments.models import Payment, PaymentStatus
from symposium.program.models import Edition
from symposium.security import DEFAULT_POLICY
from symposium.urls import external_url
from symposium.validation import RuleError

log = logging.getLogger(__name__)
bp = Blueprint("payments", __name__)

#: Mollie calls once per change (and again when we did not answer 200); far more from one
#: address is someone making us ask Mollie about payments again and again.
webhook_limit = limiter.limit("120 per minute", methods=["POST"])
#: the payer's return page asks Mollie each time it is opened or its retry is pressed
return_limit = limiter.limit("30 per minute")


def return_url(reference: str) -> str:
    """Where Mollie sends the payer back (`redirect_url` of a payment for `reference`)."""
    return external_url("payments.returned", token=payments.return_token(reference))


def webhook_url() -> str:
    """Where Mollie reports changes (`webhook_url` of every payment)."""
    return external_url("payments.webhook")


def checkout_origin() -> str:
    """Where Mollie's checkout pages live: www.mollie.com for its API, else (the stand-in)
    the API's own address."""
    endpoint = urlsplit(current_app.config["MOLLIE_API_ENDPOINT"])
    if endpoint.hostname == "api.mollie.com":
        return "https://www.mollie.com"
    return f"{endpoint.scheme}://{endpoint.netloc}"


def allow_checkout(response: Response) -> Response:
    """For a page whose form leads on to Mollie's checkout: browsers hold the redirect
    after a form to the page's form-action too, so that allows Mollie's checkout as well."""
    policy = [
        f"form-action 'self' {checkout_origin()}"
        if directive.startswith("form-action")
        else directive
        for directive in DEFAULT_POLICY
    ]
    response.headers["Content-Security-Policy"] = "; ".join(policy)
    return response


def _empty(status: int, **headers: str) -> Response:
    return Response("", status, headers={"Content-Type": "text/plain", **headers})


@bp.route("/payments/webhook", methods=["POST"])
@webhook_limit
def webhook():
    """Mollie says a payment changed: fetch it from Mollie and let its order know."""
    mollie_id = request.form.get("id", "")[:64]
    try:
        payment = payments.refresh(mollie_id)
    except payments.UnknownPayment:
        # Mollie's advice: 200 for an id we do not know, so nobody learns which exist.
        return _empty(200)
    except payments.PaymentError:
        # Mollie could not be asked: not a 200, so Mollie calls again later.
        return _empty(503, **{"Retry-After": "60"})
    try:
        online.settle(payment)
    except RuleError as error:
        log.warning("payment %s changed, its order refused: %s", mollie_id, error)
    return _empty(200)


def order_url(order: Order) -> str:
    return url_for("orders.group", order_id=order.id, secret=order.secret)


def pay(order: Order) -> Response:
    """Send the payer to Mollie to pay the order (a view's answer)."""
    checkout = online.pay(
        order,
        redirect_url=return_url(order.reference),
        webhook_url=webhook_url(),
        locale=current_language(),
    )
    return redirect(checkout, 303)


def _hold_time(order: Order) -> str:
    if order.hold_until is None:
        return ""
    edition = db.session.get(Edition, order.edition_id)
    text = format_time(order.hold_until, edition.timezone)
    return f"{text} uur" if current_language() == "nl" else text


def _payment_or_404(token: str) -> Payment:
    reference = payments.reference_from(token)
    payment = payments.latest_for(reference) if reference else None
    if payment is None:
        abort(404)
    return payment


@bp.route("/payments/<token>")
@return_limit
def returned(token: str):
    """The payer back from Mollie: paid, still being processed, or not paid (try again)."""
    payment = _payment_or_404(token)
    reached = True
    try:
        payment = payments.refresh(payment.mollie_id)
    except payments.PaymentError:
        reached = False
    order = online.settle(payment)
    if order is None:
        abort(404)
    paid = payment.status == PaymentStatus.paid and order.status == OrderStatus.paid
    if paid and not online.places_released(order):
        flash(_("Thank you: we received your payment."), "success")
        return redirect(order_url(order), 303)
    page = render_template(
        "payments/return.html",
        payment=payment,
        order=order,
        order_url=order_url(order),
        token=token,
        reached=reached,
        amount=format_currency(payment.amount, payment.currency),
        can_retry=order.status in HOLDING,
        hold_until=_hold_time(order),
    )
    return allow_checkout(Response(page))


@bp.route("/payments/<token>/retry", methods=["POST"])
@return_limit
def retry(token: str):
    """Pay again after a payment failed, was canceled or expired."""
    payment = _payment_or_404(token)
    order = online.settle(payment)
    if order is None:
        abort(404)
    try:
        return pay(order)
    except RuleError as error:
        flash(str(error.message), "error")
        return redirect(url_for(".returned", token=token), 303)
