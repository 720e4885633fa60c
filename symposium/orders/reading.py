"""What the order pages show: the tickets and sessions to choose from, a group with its
people's choices and documents."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

from symposium.extensions import db
from symposium.orders import groups, invoicing
from symposium.orders.models import (
    EditionFinance,
    Invoice,
    Order,
    OrderLine,
    OrderStatus,
    TicketType,
)
from symposium.orders.service import finance_of, ticket_types
from symposium.program.models import Edition
from symposium.program.service import RoundItem, Seats, program_structure, seat_counts
from symposium.registration.models import ChoiceState, Registration

STATUS_LABELS = {
    OrderStatus.free: _l("free of charge"),
    OrderStatus.invoiced: _l("invoiced"),
    OrderStatus.awaiting_payment: _l("awaiting payment"),
    OrderStatus.unpaid: _l("payment failed: try again"),
    OrderStatus.paid: _l("paid"),
    OrderStatus.expired: _l("expired: places released"),
    OrderStatus.cancelled: _l("cancelled"),
}


def status_label(status: OrderStatus) -> str:
    return str(STATUS_LABELS[OrderStatus(status)])


@dataclass(frozen=True)
class OrderPage:
    finance: EditionFinance | None
    tickets: list[TicketType]
    rounds: tuple[RoundItem, ...]
    seats: dict[int, Seats]


def order_page(edition: Edition) -> OrderPage:
    structure = program_structure(edition)
    return OrderPage(
        finance=finance_of(edition.id),
        tickets=ticket_types(edition.id),
        rounds=structure.rounds,
        seats=seat_counts(edition.id),
    )


@dataclass(frozen=True)
class Person:
    line: OrderLine
    registration: Registration | None
    #: per round id: (session title, "confirmed" | "waitlisted")
    choices: dict[int, list[tuple[str, str]]]


@dataclass(frozen=True)
class GroupView:
    edition: Edition
    page: OrderPage
    people: list[Person]
    cancelled: list[OrderLine]
    documents: list[Invoice]
    open_cents: int
    may_change: bool
    changes_until: datetime | None


def group_view(order: Order) -> GroupView:
    edition = db.session.get(Edition, order.edition_id)
    people = []
    for line in order.active_lines:
        registration = (
            db.session.get(Registration, line.registration_id) if line.registration_id else None
        )
        choices: dict[int, list[tuple[str, str]]] = {}
        for choice in registration.choices if registration else []:
            if choice.state in (ChoiceState.confirmed, ChoiceState.waitlisted):
                choices.setdefault(choice.round_id, []).append(
                    (choice.session.title, choice.state.value)
                )
        people.append(Person(line, registration, choices))
    return GroupView(
        edition=edition,
        page=order_page(edition),
        people=people,
        cancelled=[line for line in order.lines if line.cancelled_at is not None],
        documents=invoicing.invoices_of(order.id),
        open_cents=invoicing.open_cents(order),
        may_change=groups.may_change(order),
        changes_until=groups.changes_until(order),
    )


def line_of(order: Order, line_id: int) -> OrderLine | None:
    return next((line for line in order.active_lines if line.id == line_id), None)
