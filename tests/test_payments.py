"""Payments through Mollie's API, against the stand-in: start, status, refund, failures."""

import re
import time
from datetime import timedelta
from decimal import Decimal

import pytest
import requests
import sqlalchemy as sa

from symposium.database import use_case
from symposium.extensions import db
from symposium.payments import service
from symposium.payments.models import Payment, PaymentRefund, PaymentStatus
from tests import mollie_standin

mollie = mollie_standin.mollie


def start(amount="25.00", reference="order:1", locale="nl") -> Payment:
    return service.start_payment(
        amount=Decimal(amount),
        description="Symposium 2031: 1 ticket",
        reference=reference,
        redirect_url="http://127.0.0.1:9/return",
        webhook_url="http://127.0.0.1:9/webhook",
        locale=locale,
    )


def stored() -> list[Payment]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(Payment)))


def test_a_new_payment_is_open_with_a_checkout_and_what_mollie_was_told(app, mollie):
    payment = start(locale="en")

    assert payment.status == PaymentStatus.open
    assert payment.amount == Decimal("25.00") and payment.currency == "EUR"
    assert payment.checkout_url == f"{mollie.base_url}/checkout/{payment.mollie_id}"
    assert payment.reference == "order:1" and payment.expires_at is not None
    at_mollie = mollie.payments[payment.mollie_id]
    assert at_mollie["amount"] == {"currency": "EUR", "value": "25.00"}
    assert at_mollie["redirectUrl"] == "http://127.0.0.1:9/return"
    assert at_mollie["webhookUrl"] == "http://127.0.0.1:9/webhook"
    assert at_mollie["metadata"] == {"reference": "order:1"} and at_mollie["locale"] == "en_US"


@pytest.mark.parametrize("outcome", ["paid", "failed", "canceled", "expired"])
def test_the_status_comes_from_mollie_and_asking_again_changes_nothing(app, mollie, outcome):
    payment = start()
    mollie.settle(payment.mollie_id, outcome)

    first = service.refresh(payment.mollie_id)
    again = service.refresh(payment.mollie_id)

    assert first.status == again.status == PaymentStatus(outcome)
    assert (again.paid_at is not None) == (outcome == "paid")
    assert [p.status for p in stored()] == [PaymentStatus(outcome)]


def test_a_late_answer_never_moves_a_payment_back(app, mollie):
    payment = start()
    mollie.settle(payment.mollie_id, "paid")
    service.refresh(payment.mollie_id)
    # Mollie's record as an older answer had it: still open
    mollie.payments[payment.mollie_id]["status"] = "open"

    assert service.refresh(payment.mollie_id).status == PaymentStatus.paid


@pytest.mark.parametrize("mode", ["timeout", "error", "malformed"])
def test_mollie_failing_is_a_clear_error_and_nothing_half_stored(app, mollie, mode):
    app.config["MOLLIE_TIMEOUT"] = 0.3
    payment = start()
    mollie.settle(payment.mollie_id, "paid")
    payment = service.refresh(payment.mollie_id)
    mollie.mode = mode

    with pytest.raises(service.PaymentError) as error:
        start(reference="order:2")
    assert "niets afgeschreven" in str(error.value.message)  # "nothing was charged"
    with pytest.raises(service.PaymentError):
        service.refresh(payment.mollie_id)
    with pytest.raises(service.PaymentError):
        service.refund(payment, Decimal("5.00"), "Cancelled")

    assert [(p.reference, p.status) for p in stored()] == [("order:1", PaymentStatus.paid)]
    assert db.session.scalar(sa.select(sa.func.count(PaymentRefund.id))) == 0


def test_an_answer_that_is_json_but_not_a_payment_is_refused(app, mollie):
    payment = start()
    mollie.payments[payment.mollie_id]["status"] = "beautiful"

    with pytest.raises(service.PaymentError):
        service.refresh(payment.mollie_id)
    assert stored()[0].status == PaymentStatus.open


def test_a_payment_started_inside_a_use_case_goes_with_that_use_case(app, mollie):
    @use_case
    def order_and_fail():
        start()
        raise RuntimeError("the order could not be saved")

    with pytest.raises(RuntimeError):
        order_and_fail()
    assert stored() == []


def test_unknown_payments_are_not_asked_about(app, mollie):
    with pytest.raises(service.UnknownPayment):
        service.refresh("tr_unknown")
    assert mollie.requests == []


def test_without_an_api_key_there_are_no_online_payments(app, mollie):
    app.config["MOLLIE_API_KEY"] = None
    with pytest.raises(service.PaymentsOff):
        start()
    assert stored() == [] and not service.enabled()


def test_refunds_go_through_mollie_up_to_what_was_paid(app, mollie):
    payment = start("25.00")
    with pytest.raises(service.RefundRefused):
        service.refund(payment, Decimal("5.00"), "Not paid yet")
    mollie.settle(payment.mollie_id, "paid")
    payment = service.refresh(payment.mollie_id)

    made = service.refund(payment, Decimal("10.00"), "Cancelled: Ann")
    assert made.mollie_id.startswith("re_") and made.amount == Decimal("10.00")
    with pytest.raises(service.RefundRefused):
        service.refund(payment, Decimal("15.01"), "Too much")
    service.refund(payment, Decimal("15.00"), "Cancelled: Bo")

    assert mollie.payments[payment.mollie_id]["amountRemaining"]["value"] == "0.00"
    assert stored()[0].amount_refunded == Decimal("25.00")


def test_the_stand_in_checkout_lets_the_payer_choose_and_calls_the_webhook(app, mollie):
    payment = start()
    page = requests.get(payment.checkout_url, timeout=5)
    assert page.status_code == 200 and 'lang="nl"' in page.text
    assert all(f'value="{o}"' in page.text for o in ("paid", "failed", "canceled", "expired"))

    answer = requests.post(
        payment.checkout_url,
        data={"outcome": "failed", "method": "ideal"},
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code == 303 and answer.headers["Location"] == "http://127.0.0.1:9/return"
    # nobody listens on port 9: the call was made and got no answer
    assert mollie.webhook_calls == [(payment.mollie_id, "failed", None)]
    assert service.refresh(payment.mollie_id).status == PaymentStatus.failed
    assert "already completed" not in requests.get(payment.checkout_url, timeout=5).text


def test_open_payments_expire_at_the_stand_in_and_the_worker_notices(app, mollie):
    mollie.expiry = timedelta(seconds=0)
    payment = start()
    for _ in range(50):
        if mollie.payments[payment.mollie_id]["status"] == "expired":
            break
        time.sleep(0.1)

    changed = service.refresh_overdue()
    assert [(p.mollie_id, p.status) for p in changed] == [
        (payment.mollie_id, PaymentStatus.expired)
    ]
    assert service.refresh_overdue() == []


def test_the_stand_in_wants_an_api_key_and_a_valid_amount(sqlite_app, mollie):
    url = f"{mollie.base_url}/v2/payments"
    assert requests.post(url, json={}, timeout=5).status_code == 401
    bad = requests.post(
        url,
        json={
            "amount": {"currency": "EUR", "value": "1"},
            "description": "x",
            "redirectUrl": "http://x",
        },
        headers={"Authorization": "Bearer test_x"},
        timeout=5,
    )
    assert bad.status_code == 422 and bad.json()["field"] == "amount.value"
    assert re.match(
        r"^mode timeout",
        requests.post(f"{mollie.base_url}/_standin/mode", data={"mode": "timeout"}, timeout=5).text,
    )
