"""Paying an order online: Mollie's webhook, the payer's return, retries, late payments and
refunds, against the stand-in Mollie."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from symposium.audit.models import AuditEntry
from symposium.extensions import db
from symposium.orders import online, service
from symposium.orders.models import Order, OrderStatus
from symposium.orders.requests import Attendee, OrderRequest
from symposium.payments import service as payments
from symposium.payments.models import PaymentStatus
from symposium.web.payments import views
from tests import mollie_standin, test_orders

mollie = mollie_standin.mollie
paid_edition = test_orders.paid_edition


def student_order(edition, email="student@hu.nl") -> Order:
    student = test_orders.tickets(edition)["Student"]
    return service.place_order(
        edition.id,
        OrderRequest(
            contact_name="Sam Student",
            contact_email=email,
            payment_method="online",
            consent=True,
            attendees=[
                Attendee(
                    first_name="Sam",
                    last_name="Student",
                    email=email,
                    ticket_type_id=student.id,
                    student_confirmed=True,
                    chooses_own=True,
                )
            ],
        ),
    )


def start_paying(order: Order) -> str:
    """What the order form does: off to Mollie; the checkout URL."""
    return online.pay(
        order,
        redirect_url=views.return_url(order.reference),
        webhook_url=views.webhook_url(),
        locale="en",
    )


def path(url: str) -> str:
    return urlsplit(url).path


def webhook(client, mollie_id: str):
    return client.post("/payments/webhook", data={"id": mollie_id})


def order_now(order_id: int) -> Order:
    db.session.rollback()
    return db.session.get(Order, order_id)


def test_a_student_pays_once_failed_then_retried_and_paid(app, client, paid_edition, mollie):
    order = student_order(paid_edition())
    checkout = start_paying(order)
    first = payments.latest_for(order.reference)
    assert checkout == first.checkout_url and first.amount == Decimal("25.00")
    assert mollie.payments[first.mollie_id]["webhookUrl"].endswith("/payments/webhook")

    mollie.settle(first.mollie_id, "failed")
    back = client.get(path(views.return_url(order.reference)), headers={"Accept-Language": "en"})
    page = back.get_data(as_text=True)
    assert back.status_code == 200 and "did not go through" in page
    assert order_now(order.id).status == OrderStatus.unpaid  # the places are still held
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    retry = re.search(r'action="([^"]+/retry)"', page).group(1)

    again = client.post(retry, data={"csrf_token": token})
    second = payments.latest_for(order.reference)
    assert again.status_code == 303 and again.location == second.checkout_url
    assert second.id != first.id and order_now(order.id).status == OrderStatus.awaiting_payment

    mollie.settle(second.mollie_id, "paid")
    assert webhook(client, second.mollie_id).status_code == 200
    assert order_now(order.id).status == OrderStatus.paid
    done = client.get(path(views.return_url(order.reference)))
    assert done.status_code == 303 and f"/orders/{order.id}/" in done.location


def test_the_webhook_believes_mollie_not_the_caller(app, client, paid_edition, mollie):
    order = student_order(paid_edition())
    start_paying(order)
    payment = payments.latest_for(order.reference)

    # someone posts the id of an open payment, hoping: Mollie says open, nothing changes
    assert webhook(client, payment.mollie_id).status_code == 200
    assert order_now(order.id).status == OrderStatus.awaiting_payment
    # ids we do not know, or none: 200 as Mollie advises, and Mollie is not asked
    asked = len(mollie.requests)
    assert webhook(client, "tr_doesnotexist").status_code == 200
    assert client.post("/payments/webhook").status_code == 200
    assert len(mollie.requests) == asked


def test_when_mollie_cannot_be_asked_the_webhook_asks_to_be_called_again(
    app, client, paid_edition, mollie
):
    order = student_order(paid_edition())
    start_paying(order)
    payment = payments.latest_for(order.reference)
    mollie.settle(payment.mollie_id, "paid")
    mollie.mode = "error"

    answer = webhook(client, payment.mollie_id)

    assert answer.status_code == 503 and answer.headers["Retry-After"] == "60"
    assert order_now(order.id).status == OrderStatus.awaiting_payment
    back = client.get(path(views.return_url(order.reference)), headers={"Accept-Language": "en"})
    assert back.status_code == 200 and "cannot check the payment" in back.get_data(as_text=True)
    mollie.mode = "ok"
    assert webhook(client, payment.mollie_id).status_code == 200
    assert order_now(order.id).status == OrderStatus.paid


def test_a_return_address_nobody_signed_finds_nothing(client, paid_edition, mollie):
    order = student_order(paid_edition())
    start_paying(order)
    assert client.get("/payments/forged-token").status_code == 404
    assert client.get(f"/payments/{order.reference}").status_code == 404


def test_places_stay_held_while_a_payment_can_still_be_paid(app, paid_edition, mollie):
    order = student_order(paid_edition())
    start_paying(order)
    payment = payments.latest_for(order.reference)
    held = order_now(order.id).hold_until

    assert held >= payment.expires_at
    assert service.release_expired_holds(payment.expires_at - timedelta(seconds=1)) == 0


def test_a_payment_after_the_places_were_released_is_refunded(app, client, paid_edition, mollie):
    order = student_order(paid_edition())
    start_paying(order)
    payment = payments.latest_for(order.reference)
    assert service.release_expired_holds(datetime.now(UTC) + timedelta(days=1)) == 1

    mollie.settle(payment.mollie_id, "paid")
    assert webhook(client, payment.mollie_id).status_code == 200
    assert webhook(client, payment.mollie_id).status_code == 200  # Mollie calls again

    assert mollie.payments[payment.mollie_id]["amountRemaining"]["value"] == "0.00"
    assert len(mollie.payments[payment.mollie_id]["refunds"]) == 1
    back = client.get(path(views.return_url(order.reference)), headers={"Accept-Language": "en"})
    assert back.status_code == 200 and "came in too late" in back.get_data(as_text=True)


def test_a_cancelled_paid_order_is_refunded_and_the_refund_audited(app, paid_edition, mollie):
    order = student_order(paid_edition())
    start_paying(order)
    payment = payments.latest_for(order.reference)
    mollie.settle(payment.mollie_id, "paid")
    online.settle(payments.refresh(payment.mollie_id))

    refunded = online.refund_cancelled(order_now(order.id), 2500, "Cancelled: Sam Student")

    assert refunded == Decimal("25.00")
    assert online.refund_cancelled(order_now(order.id), 2500, "Again") == Decimal("0.00")
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert actions.count("payment.refund") == 1


def test_the_sweep_asks_mollie_when_a_webhook_never_came(app, paid_edition, mollie):
    mollie.webhooks = False
    mollie.expiry = timedelta(seconds=0)
    order = student_order(paid_edition())
    start_paying(order)
    payment = payments.latest_for(order.reference)
    mollie.expire(payment.mollie_id)

    online.sweep(datetime.now(UTC))
    assert order_now(order.id).status == OrderStatus.unpaid
    assert payments.by_mollie_id(payment.mollie_id).status == PaymentStatus.expired
    online.sweep(datetime.now(UTC) + timedelta(days=1))
    assert order_now(order.id).status == OrderStatus.expired


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_return_page_speaks_the_payers_language(client, paid_edition, mollie, language):
    order = student_order(paid_edition())
    start_paying(order)
    mollie.settle(payments.latest_for(order.reference).mollie_id, "canceled")
    page = client.get(
        path(views.return_url(order.reference)), headers={"Accept-Language": language}
    ).get_data(as_text=True)
    expected = {"nl": "Je betaling is niet gelukt", "en": "Your payment did not go through"}
    assert expected[language] in page and f'lang="{language}"' in page


@pytest.mark.parametrize(
    "form",
    [
        {"id": "tr_" + "x" * 5000},
        {"id": "ré_\u0000\ud7ff"},
        {"id": ["tr_a", "tr_b"]},
        {"other": "1"},
    ],
)
def test_the_webhook_shrugs_off_whatever_it_is_sent(client, mollie, form):
    assert client.post("/payments/webhook", data=form).status_code == 200
    assert client.get("/payments/webhook").status_code == 404  # only Mollie posts there
    assert mollie.requests == []


def test_a_place_cancelled_from_a_paid_online_order_is_refunded(app, paid_edition, mollie):
    order = student_order(paid_edition())
    start_paying(order)
    payment = payments.latest_for(order.reference)
    mollie.settle(payment.mollie_id, "paid")
    online.settle(payments.refresh(payment.mollie_id))
    line_id = order_now(order.id).active_lines[0].id

    assert online.cancel_person(order.id, line_id) == Decimal("25.00")

    assert order_now(order.id).status == OrderStatus.cancelled
    assert mollie.payments[payment.mollie_id]["amountRefunded"]["value"] == "25.00"


def test_when_the_refund_cannot_be_made_the_place_is_still_cancelled(app, paid_edition, mollie):
    order = student_order(paid_edition())
    start_paying(order)
    payment = payments.latest_for(order.reference)
    mollie.settle(payment.mollie_id, "paid")
    online.settle(payments.refresh(payment.mollie_id))
    mollie.mode = "error"

    with pytest.raises(online.RefundNotYetMade):
        online.cancel_person(order.id, order_now(order.id).active_lines[0].id)
    assert order_now(order.id).status == OrderStatus.cancelled
    assert "refunds" not in mollie.payments[payment.mollie_id]


def test_the_webhook_is_rate_limited_per_address(sqlite_app, mollie):
    client = sqlite_app.test_client()
    answers = [
        client.post("/payments/webhook", data={"id": "tr_x"}).status_code for _ in range(121)
    ]
    assert answers[:120] == [200] * 120 and answers[120] == 429


def test_retrying_does_not_hold_places_for_ever(sqlite_app, paid_edition, mollie):
    order = student_order(paid_edition())
    online._hold_until_expired(order.id, datetime.now(UTC) + timedelta(days=1))

    order = order_now(order.id)
    assert order.hold_until == order.created_at + timedelta(minutes=30) + online.LONGEST_EXTENSION


def test_back_before_the_bank_confirmed_the_page_says_so_and_keeps_nothing(
    sqlite_app, paid_edition, mollie
):
    client = sqlite_app.test_client()
    order = student_order(paid_edition())
    start_paying(order)  # the payer comes back while Mollie still says "open"

    back = client.get(path(views.return_url(order.reference)), headers={"Accept-Language": "en"})

    page = back.get_data(as_text=True)
    assert back.status_code == 200 and "Your payment is being processed" in page
    assert "Check again" in page and "no-store" in back.headers["Cache-Control"]
    assert order_now(order.id).status == OrderStatus.awaiting_payment
