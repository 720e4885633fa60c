"""A student pays with iDEAL against the stand-in Mollie, in both languages, from the
order's pay page (`demo --paid`'s student ticket): the first
payment fails, the return page offers to try again, the second is paid and the order page
says so. The return page and the stand-in's checkout pass axe-core's WCAG 2.1 AA rules."""

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from symposium.demo.paid import make_paid
from symposium.extensions import db
from symposium.orders import service as orders
from symposium.orders.models import Order, OrderStatus
from symposium.orders.requests import Attendee, OrderRequest
from symposium.payments.standin import MollieStandIn
from symposium.program.service import edition_by_slug
from tests.e2e.checks import accessibility_violations, readable, screenshot, scrolls_sideways_by
from tests.e2e.conftest import LiveSite

pytestmark = pytest.mark.e2e

WORDS = {
    "nl": {
        "pay": "Betalen met iDEAL of een creditcard",
        "failed": "Mislukt",
        "paid": "Betaald",
        "continue": "Doorgaan",
        "not_through": "Je betaling is niet gelukt",
        "again": "Opnieuw € 45,00 betalen",
        "thanks": "Dank je wel: we hebben je betaling ontvangen.",
    },
    "en": {
        "pay": "Pay with iDEAL or a card",
        "failed": "Failed",
        "paid": "Paid",
        "continue": "Continue",
        "not_through": "Your payment did not go through",
        "again": "Pay €45.00 again",
        "thanks": "Thank you: we received your payment.",
    },
}


@pytest.fixture
def mollie(site: LiveSite) -> Iterator[MollieStandIn]:
    with MollieStandIn() as standin:
        site.app.config.update(MOLLIE_API_KEY="test_standin", MOLLIE_API_ENDPOINT=standin.base_url)
        yield standin


def student_order(site: LiveSite, language: str) -> tuple[int, str]:
    """The demo's paid edition (`demo --paid`) and a student's order to pay online, as the
    order form leaves it: the order, and its pay page."""
    with site.app.app_context():
        make_paid()
        edition = edition_by_slug(site.upcoming_edition)
        student = next(t for t in orders.ticket_types(edition.id) if t.name == "Student")
        email = "sam.student@hu.nl"
        order = orders.place_order(
            edition.id,
            OrderRequest(
                contact_name="Sam Student",
                contact_email=email,
                payment_method="online",
                consent=True,
                locale=language,
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
        return order.id, f"/orders/{order.id}/{order.secret}/pay"


def order_status(site: LiveSite, order_id: int) -> OrderStatus:
    with site.app.app_context():
        return db.session.scalar(sa.select(Order.status).where(Order.id == order_id))


def test_a_student_pays_with_ideal_once_failed_then_paid(site, mollie, open_page, language):
    words = WORDS[language]
    order_id, pay_page = student_order(site, language)
    page = open_page(site, viewport="phone" if language == "en" else "desktop")

    page.goto(pay_page)
    assert not (found := accessibility_violations(page)), readable(found)
    page.get_by_role("button", name=words["pay"]).click()
    assert page.url.startswith(f"{mollie.base_url}/checkout/")
    assert page.locator("html").get_attribute("lang") == language
    assert not (found := accessibility_violations(page)), readable(found)
    page.get_by_label(words["failed"], exact=True).check()
    page.get_by_role("button", name=words["continue"]).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(words["not_through"])
    assert page.url.startswith(f"{site.url}/payments/")
    assert order_status(site, order_id) == OrderStatus.unpaid  # the places are still held
    assert not (found := accessibility_violations(page)), readable(found)
    assert scrolls_sideways_by(page) <= 0
    screenshot(page, f"payment-failed-{language}")

    page.get_by_role("button", name=words["again"]).click()
    assert page.url.startswith(f"{mollie.base_url}/checkout/")
    page.get_by_label(words["paid"], exact=True).check()
    page.get_by_role("button", name=words["continue"]).click()

    expect(page.get_by_role("status")).to_contain_text(words["thanks"])
    assert f"/orders/{order_id}/" in page.url
    assert order_status(site, order_id) == OrderStatus.paid
    paid = [p for p in mollie.payments.values() if p["status"] == "paid"]
    assert [p["amount"]["value"] for p in paid] == ["45.00"]
    assert [status for _id, status, _answer in mollie.webhook_calls] == ["failed", "paid"]
    assert all(answer == 200 for _id, _status, answer in mollie.webhook_calls)
