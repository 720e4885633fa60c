"""The money of an edition for its organisers: orders, invoices and credit notes, what is
open, per ticket type and per organisation; and the same as rows for bookkeeping."""

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from symposium.extensions import db
from symposium.orders.models import (
    DocumentKind,
    Invoice,
    Order,
    OrderLine,
    OrderStatus,
)

#: orders whose places count as sold
LIVE = (
    OrderStatus.free,
    OrderStatus.invoiced,
    OrderStatus.awaiting_payment,
    OrderStatus.unpaid,
    OrderStatus.paid,
)


@dataclass
class Tally:
    places: int = 0
    net_cents: int = 0
    vat_cents: int = 0
    total_cents: int = 0
    open_cents: int = 0

    def add(self, line: OrderLine) -> None:
        self.places += 1
        self.net_cents += line.net_cents
        self.vat_cents += line.vat_cents
        self.total_cents += line.total_cents


@dataclass
class OrderRow:
    order: Order
    places: int
    total_cents: int
    invoiced_cents: int
    open_cents: int


@dataclass
class Finance:
    orders: list[OrderRow]
    documents: list[Invoice]
    per_ticket: dict[str, Tally] = field(default_factory=dict)
    per_organisation: dict[str, Tally] = field(default_factory=dict)
    total: Tally = field(default_factory=Tally)


def _open(order: Order, documents: list[Invoice]) -> int:
    if order.status == OrderStatus.paid:
        return 0
    if order.status in (OrderStatus.awaiting_payment, OrderStatus.unpaid):
        return order.total_cents
    return sum(doc.total_cents for doc in documents if doc.paid_at is None or doc.total_cents < 0)


def finance(edition_id: int) -> Finance:
    """Everything on the finance page, in three queries."""
    orders = db.session.scalars(
        sa.select(Order)
        .where(Order.edition_id == edition_id)
        .options(selectinload(Order.lines).selectinload(OrderLine.ticket_type))
        .order_by(Order.id)
    ).all()
    documents = db.session.scalars(
        sa.select(Invoice).where(Invoice.edition_id == edition_id).order_by(Invoice.id)
    ).all()
    by_order: dict[int, list[Invoice]] = defaultdict(list)
    for doc in documents:
        by_order[doc.order_id].append(doc)
    result = Finance(orders=[], documents=list(documents))
    per_ticket: dict[str, Tally] = defaultdict(Tally)
    per_organisation: dict[str, Tally] = defaultdict(Tally)
    for order in orders:
        open_cents = _open(order, by_order[order.id])
        result.orders.append(
            OrderRow(
                order=order,
                places=len(order.active_lines),
                total_cents=order.total_cents,
                invoiced_cents=sum(doc.total_cents for doc in by_order[order.id]),
                open_cents=open_cents,
            )
        )
        if order.status not in LIVE:
            continue
        organisation = per_organisation[order.organisation or order.contact_name]
        organisation.open_cents += open_cents
        result.total.open_cents += open_cents
        for line in order.active_lines:
            per_ticket[line.ticket_type.name if line.ticket_type else "-"].add(line)
            organisation.add(line)
            result.total.add(line)
    result.per_ticket = dict(sorted(per_ticket.items()))
    result.per_organisation = dict(sorted(per_organisation.items()))
    return result


EXPORT_COLUMNS = (
    "number",
    "kind",
    "issued",
    "due",
    "order",
    "buyer",
    "po_number",
    "cost_centre",
    "net",
    "vat",
    "total",
    "paid",
)


def export_rows(edition_id: int) -> list[list]:
    """One row per invoice and credit note, for the bookkeeping (amounts in euros)."""
    rows = []
    for doc in db.session.scalars(
        sa.select(Invoice).where(Invoice.edition_id == edition_id).order_by(Invoice.id)
    ):
        buyer = doc.data.get("buyer", {})
        rows.append(
            [
                doc.number,
                "credit note" if doc.kind == DocumentKind.credit_note else "invoice",
                doc.issued_at.date().isoformat(),
                doc.due_at.date().isoformat() if doc.due_at else "",
                doc.data.get("reference", ""),
                buyer.get("name", ""),
                buyer.get("po_number", ""),
                buyer.get("cost_centre", ""),
                doc.net_cents / 100,
                doc.vat_cents / 100,
                doc.total_cents / 100,
                doc.paid_at.date().isoformat() if doc.paid_at else "",
            ]
        )
    return rows
