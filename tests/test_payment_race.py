"""50 orders race for the last 10 places on PostgreSQL, with payments completing, failing
and expiring while holds run out: no place sold twice, no payment lost."""

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from symposium.extensions import db
from symposium.orders import online, service
from symposium.orders.models import Order, OrderLine, OrderStatus, TicketType
from symposium.orders.requests import Attendee, OrderError, OrderRequest
from symposium.payments.models import Payment
from symposium.validation import RuleError
from symposium.web.payments import views
from tests import conftest, mollie_standin, test_orders

mollie = mollie_standin.mollie
paid_edition = test_orders.paid_edition
PEOPLE = 50
PLACES = 10


@pytest.fixture
def app(postgres_url):
    """PostgreSQL only: what SQLite's one writer at a time cannot show."""
    conftest._empty_postgres(postgres_url)
    yield from conftest._app_for(postgres_url)


@pytest.fixture
def served(app):
    """The app on a real port, so that the stand-in's webhook calls reach it."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    yield app
    server.shutdown()
    thread.join()


def order_request(edition_id: int, ticket_id: int, number: int) -> OrderRequest:
    email = f"person{number}@example.org"
    return OrderRequest(
        contact_name=f"Person {number}",
        contact_email=email,
        payment_method="online",
        consent=True,
        attendees=[
            Attendee(
                first_name="Person",
                last_name=str(number),
                email=email,
                ticket_type_id=ticket_id,
                chooses_own=True,
            )
        ],
    )


def test_fifty_orders_for_ten_places_with_payments_coming_and_going(served, paid_edition, mollie):
    app = served
    edition = paid_edition()
    ticket = test_orders.tickets(edition)["Regulier"]
    ticket.quota = PLACES
    db.session.commit()
    edition_id, ticket_id = edition.id, ticket.id
    outcomes = random.Random(23).choices(["paid", "failed", "expired", "canceled"], k=PEOPLE)
    start = threading.Barrier(PEOPLE + 1)
    between = threading.Barrier(PEOPLE)
    stop_sweeping = threading.Event()

    def attempt(number: int, outcome: str) -> str:
        try:
            order = service.place_order(edition_id, order_request(edition_id, ticket_id, number))
            checkout = online.pay(
                order,
                redirect_url=views.return_url(order.reference),
                webhook_url=views.webhook_url(),
                locale="nl",
            )
        except OrderError:
            return "refused"
        except RuleError:
            return "released before paying"
        mollie.settle(checkout.rsplit("/", 1)[1], outcome)  # Mollie calls the webhook
        return outcome

    def buyer(number: int) -> str:
        """Order and pay (or not); once refused, try again in the second round."""
        with app.app_context():
            start.wait()
            result = attempt(number, outcomes[number])
            between.wait()
            if result == "refused":
                result = attempt(number + 100, "paid")
            return result

    def sweeper() -> None:
        """Holds running out all the while (the clock a day ahead), racing the payments."""
        with app.app_context():
            start.wait()
            while not stop_sweeping.is_set():
                online.sweep(datetime.now(UTC) + timedelta(days=1))

    with ThreadPoolExecutor(max_workers=PEOPLE + 1) as pool:
        sweeping = pool.submit(sweeper)
        buyers = [pool.submit(buyer, number) for number in range(PEOPLE)]
        try:
            results = [b.result(timeout=120) for b in buyers]
        finally:
            stop_sweeping.set()
        sweeping.result(timeout=60)

    db.session.rollback()
    online.sweep(datetime.now(UTC) + timedelta(days=1))
    db.session.rollback()
    active = db.session.scalar(
        sa.select(sa.func.count(OrderLine.id)).where(
            OrderLine.ticket_type_id == ticket_id, OrderLine.cancelled_at.is_(None)
        )
    )
    sold = db.session.get(TicketType, ticket_id).sold
    # no overbooking: never more places than there are, and the count agrees with the lines
    assert active == sold <= PLACES
    assert results.count("refused") < PEOPLE - PLACES  # released places were sold again

    # no lost payment: every payment Mollie took is an order with its places, or refunded
    for payment in db.session.scalars(sa.select(Payment)):
        at_mollie = mollie.payments[payment.mollie_id]
        order = db.session.get(Order, int(payment.reference.removeprefix("order-")))
        assert payment.status == at_mollie["status"], payment.reference
        if at_mollie["status"] != "paid":
            continue
        kept = order.status == OrderStatus.paid and order.active_lines
        refunded = at_mollie["amountRemaining"]["value"] == "0.00"
        assert bool(kept) != refunded, (payment.reference, order.status, at_mollie)
    # every order that holds places is paid (the sweep released all the others)
    holders = db.session.scalars(
        sa.select(Order).join(OrderLine).where(OrderLine.cancelled_at.is_(None))
    ).all()
    assert {order.status for order in holders} <= {OrderStatus.paid}
