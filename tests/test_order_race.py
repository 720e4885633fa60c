"""Orders racing for the last places while payments complete and expire: no overbooking,
no payment lost."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from symposium.database import in_transaction
from symposium.extensions import db
from symposium.orders import service
from symposium.orders.models import Order, OrderStatus
from symposium.orders.requests import Attendee, OrderRequest
from symposium.program.models import Edition
from symposium.registration.models import Registration, RegistrationStatus
from tests.test_orders import make_paid, race


def online_order(edition_id: int, ticket_id: int, number: int) -> OrderRequest:
    return OrderRequest(
        contact_name=f"Student {number}",
        contact_email=f"student{number}@example.org",
        consent=True,
        payment_method="online",
        attendees=[
            Attendee(
                first_name="Student",
                last_name=f"Nummer{number}",
                email=f"student{number}@example.org",
                ticket_type_id=ticket_id,
                chooses_own=True,
            )
        ],
    )


def payment(order_id: int, status: str):
    """What the payments package hands over after asking Mollie."""
    return SimpleNamespace(id=f"tr_{order_id}", reference=f"order-{order_id}", status=status)


@pytest.mark.slow
def test_fifty_orders_race_for_the_last_ten_places_while_payments_settle(app, make_edition):
    edition = make_edition(venue_capacity=10, capacity=100)
    make_paid(edition)
    ticket = service.ticket_types(edition.id)[0].id
    edition_id = edition.id

    placed, refused = race(
        app,
        [
            (lambda n=n: service.place_order(edition_id, online_order(edition_id, ticket, n)))
            for n in range(50)
        ],
    )
    assert len(placed) == 10 and len(refused) == 40

    # Five pay; five let their payment expire and their hold run out, while twenty more
    # people try for the places that come free.
    held = sorted(placed)
    paying, lapsing = held[:5], held[5:]
    in_transaction(
        lambda: db.session.execute(
            sa.update(Order)
            .where(Order.id.in_(lapsing))
            .values(hold_until=datetime.now(UTC) - timedelta(minutes=1))
        )
    )
    jobs = [(lambda o=o: service.payment_changed(payment(o, "paid"))) for o in paying]
    jobs += [(lambda o=o: service.payment_changed(payment(o, "expired"))) for o in lapsing]
    jobs += [lambda: service.release_expired_holds()]
    jobs += [
        (lambda n=n: service.place_order(edition_id, online_order(edition_id, ticket, n)))
        for n in range(100, 120)
    ]
    race(app, jobs)
    service.release_expired_holds()  # whatever lapsed after the racing sweep looked

    db.session.rollback()
    statuses = {o.id: o.status for o in db.session.scalars(sa.select(Order))}
    assert all(statuses[o] == OrderStatus.paid for o in paying)  # no payment lost
    assert all(statuses[o] == OrderStatus.expired for o in lapsing)
    confirmed = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Registration)
        .where(Registration.status == RegistrationStatus.confirmed)
    )
    live = [s for s in statuses.values() if s in (OrderStatus.paid, OrderStatus.awaiting_payment)]
    assert confirmed == len(live) <= 10  # no overbooking, every held place has its order
    assert db.session.get(Edition, edition_id).registered == confirmed
