"""Invoices and credit notes: numbered without gaps, issued once, never edited.

A number is taken in the transaction that issues the document, from a counter row per
supplier and year that the taking locks (a conditional UPDATE ... RETURNING): concurrent
invoices wait for each other at that row, and a transaction that rolls back gives its
number back with everything else. So the numbers run 1, 2, 3 without gaps or duplicates,
as Dutch law asks.
"""

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import conflict_insert, use_case
from symposium.extensions import db
from symposium.orders import notifications
from symposium.orders.models import (
    DocumentKind,
    EditionFinance,
    Invoice,
    InvoiceCounter,
    Order,
    OrderLine,
    OrderStatus,
)
from symposium.orders.pricing import rate_text
from symposium.program.models import Edition
from symposium.validation import RuleError


class InvoiceError(RuleError):
    pass


def next_number(supplier: str, year: int) -> int:
    """The next number of this supplier's year, taken in the caller's transaction."""
    dialect = db.session.get_bind().dialect.name
    insert = conflict_insert(dialect, InvoiceCounter)
    db.session.execute(
        insert.values(supplier=supplier, year=year, last=0).on_conflict_do_nothing(
            index_elements=["supplier", "year"]
        )
    )
    return db.session.execute(
        sa.update(InvoiceCounter)
        .where(InvoiceCounter.supplier == supplier, InvoiceCounter.year == year)
        .values(last=InvoiceCounter.last + 1)
        .returning(InvoiceCounter.last)
    ).scalar_one()


def _vat_breakdown(lines: list[dict]) -> list[dict]:
    """Net and VAT per rate (exempt apart), as the invoice must show them."""
    rates: dict[tuple[str, bool], dict] = {}
    for line in lines:
        key = (line["vat_rate"], line["vat_exempt"])
        group = rates.setdefault(
            key,
            {
                "rate": line["vat_rate"],
                "exempt": line["vat_exempt"],
                "exemption_text": line["exemption_text"],
                "net": 0,
                "vat": 0,
            },
        )
        group["net"] += line["net"]
        group["vat"] += line["vat"]
    return sorted(rates.values(), key=lambda group: (group["exempt"], -Decimal(group["rate"])))


def _line_data(line: OrderLine, sign: int, edition: Edition) -> dict:
    ticket = line.ticket_type
    return {
        "description": f"{ticket.name if ticket else ''}: {line.attendee_name}",
        "description_en": f"{(ticket.name_en or ticket.name) if ticket else ''}: "
        f"{line.attendee_name}",
        "attendee": line.attendee_name,
        "ticket": ticket.name if ticket else "",
        "net": sign * line.net_cents,
        "discount": sign * line.discount_cents,
        "vat_rate": rate_text(line.vat_rate),
        "vat_exempt": line.vat_exempt,
        "exemption_text": ticket.exemption_text if ticket and line.vat_exempt else "",
        "vat": sign * line.vat_cents,
        "total": sign * line.total_cents,
    }


def _issue(
    order: Order,
    kind: DocumentKind,
    lines: list[OrderLine],
    now: datetime,
    credits: Invoice | None = None,
) -> Invoice:
    finance = db.session.get(EditionFinance, order.edition_id)
    if finance is None:
        raise InvoiceError(_l("This symposium sends no invoices."))
    edition = db.session.get(Edition, order.edition_id)
    sign = -1 if kind == DocumentKind.credit_note else 1
    line_data = [_line_data(line, sign, edition) for line in lines]
    year = now.year
    sequence = next_number(finance.invoice_prefix, year)
    number = f"{finance.invoice_prefix}-{year}-{sequence:04d}"
    invoice = Invoice(
        edition_id=order.edition_id,
        order_id=order.id,
        kind=kind,
        number=number,
        supplier=finance.invoice_prefix,
        year=year,
        sequence=sequence,
        issued_at=now,
        due_at=now + timedelta(days=finance.payment_days) if sign > 0 else None,
        credits_id=credits.id if credits else None,
        net_cents=sum(line["net"] for line in line_data),
        vat_cents=sum(line["vat"] for line in line_data),
        total_cents=sum(line["total"] for line in line_data),
        data={
            "supplier": {
                "name": finance.supplier_name,
                "address": finance.supplier_address,
                "kvk": finance.kvk_number,
                "vat_number": finance.vat_number,
                "iban": finance.iban,
                "email": finance.supplier_email,
            },
            "buyer": {
                "name": order.organisation or order.contact_name,
                "contact": order.contact_name,
                "address": order.address,
                "email": order.finance_email or order.contact_email,
                "vat_number": order.buyer_vat_number,
                "po_number": order.po_number,
                "cost_centre": order.cost_centre,
            },
            "edition": {"title": edition.title, "starts_at": edition.starts_at.isoformat()},
            "reference": order.reference,
            "credits": credits.number if credits else None,
            "payment_days": finance.payment_days,
            "lines": line_data,
            "vat": _vat_breakdown(line_data),
        },
    )
    db.session.add(invoice)
    db.session.flush()
    audit.record(
        Actor(None, order.contact_email),
        f"{kind.value}.issue",
        invoice,
        after={"number": number, "total": invoice.total_cents},
        label=number,
        edition_id=order.edition_id,
    )
    notifications.invoice_issued(invoice, order)
    return invoice


def issue_invoice(order: Order, now: datetime) -> Invoice:
    """The invoice for every place of the order, in the caller's transaction."""
    return _issue(order, DocumentKind.invoice, order.active_lines, now)


def invoices_of(order_id: int) -> list[Invoice]:
    return list(
        db.session.scalars(
            sa.select(Invoice).where(Invoice.order_id == order_id).order_by(Invoice.id)
        )
    )


def credit_places(order: Order, lines: list[OrderLine], now: datetime) -> Invoice | None:
    """Places cancelled after the invoice was issued: a credit note for them (the invoice
    stays as it was). None when nothing had been invoiced."""
    invoiced = [doc for doc in invoices_of(order.id) if doc.kind == DocumentKind.invoice]
    if not invoiced or not lines:
        return None
    return _issue(order, DocumentKind.credit_note, lines, now, credits=invoiced[-1])


def open_cents(order: Order) -> int:
    """What the buyer still owes on the order's invoices and credit notes."""
    documents = invoices_of(order.id)
    if order.status == OrderStatus.paid:
        return 0
    return sum(doc.total_cents for doc in documents)


@use_case
def mark_paid(invoice_id: int, actor: Actor, now: datetime | None = None) -> Invoice:
    """An organiser saw the money come in: the invoice and its order are paid."""
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None or invoice.kind != DocumentKind.invoice:
        raise InvoiceError(_l("There is no such invoice."))
    if invoice.paid_at is not None:
        return invoice
    _settle(invoice, actor, now or datetime.now(UTC))
    return invoice


def _settle(invoice: Invoice, actor: Actor, now: datetime) -> None:
    order = db.session.scalar(
        sa.select(Order).where(Order.id == invoice.order_id).with_for_update()
    )
    invoice.paid_at = now
    before = order.status
    if order.status in (OrderStatus.invoiced, OrderStatus.awaiting_payment, OrderStatus.unpaid):
        order.status = OrderStatus.paid
        order.paid_at = now
        order.hold_until = None
    audit.record(
        actor,
        "invoice.paid",
        invoice,
        before={"paid": None, "order": before},
        after={"paid": now, "order": order.status},
        label=invoice.number,
    )
    notifications.payment_received(order)


REFERENCE = re.compile(r"\b([A-Z0-9]{1,20}-\d{4}-\d{4,})\b|\border-(\d+)\b", re.IGNORECASE)


@use_case
def import_bank_statement(edition_id: int, text: str, actor: Actor) -> list[str]:
    """A bank statement (CSV with a description and an amount column): each row whose
    description names an open invoice's number (or its order's reference) for its full
    amount marks that invoice paid. The numbers matched."""
    rows = list(csv.DictReader(io.StringIO(text), delimiter=_delimiter(text)))
    matched = []
    for row in rows:
        description = " ".join(
            value for key, value in row.items() if key and value and "amount" not in key.lower()
        )
        amount = _amount(row)
        for found in REFERENCE.finditer(description):
            invoice = _open_invoice(edition_id, found)
            if invoice is not None and amount == invoice.total_cents:
                _settle(invoice, actor, datetime.now(UTC))
                matched.append(invoice.number)
                break
    return matched


def _delimiter(text: str) -> str:
    first = text.splitlines()[0] if text.strip() else ""
    return ";" if first.count(";") > first.count(",") else ","


def _amount(row: dict) -> int | None:
    for key, value in row.items():
        if key and ("amount" in key.lower() or "bedrag" in key.lower()) and value:
            cleaned = value.strip().replace("€", "").replace(" ", "")
            if "," in cleaned and "." in cleaned:
                cleaned = cleaned.replace(".", "").replace(",", ".")
            cleaned = cleaned.replace(",", ".")
            try:
                return int((Decimal(cleaned) * 100).to_integral_value())
            except ArithmeticError:
                return None
    return None


def _open_invoice(edition_id: int, found: re.Match) -> Invoice | None:
    query = sa.select(Invoice).where(
        Invoice.edition_id == edition_id,
        Invoice.kind == DocumentKind.invoice,
        Invoice.paid_at.is_(None),
    )
    if found.group(1):
        query = query.where(Invoice.number == found.group(1).upper())
    else:
        query = query.where(Invoice.order_id == int(found.group(2)))
    return db.session.scalars(query.order_by(Invoice.id.desc())).first()


#: an unpaid invoice past its due date is reminded once a week
REMIND_EVERY_DAYS = 7


def queue_payment_reminders(now: datetime | None = None) -> int:
    """Remind the finance address of each invoiced order whose invoice is past due and
    unpaid, once a week; the number queued."""
    now = now or datetime.now(UTC)
    due = db.session.scalars(
        sa.select(Invoice.id).where(
            Invoice.kind == DocumentKind.invoice,
            Invoice.paid_at.is_(None),
            Invoice.due_at < now,
        )
    ).all()
    db.session.rollback()
    return sum(1 for invoice_id in due if _remind(invoice_id, now))


@use_case
def _remind(invoice_id: int, now: datetime) -> bool:
    invoice = db.session.get(Invoice, invoice_id)
    order = db.session.get(Order, invoice.order_id)
    if invoice.paid_at is not None or order.status != OrderStatus.invoiced:
        return False
    week = (now - invoice.due_at).days // REMIND_EVERY_DAYS
    notifications.payment_reminder(order, f"{invoice.number}:{week}")
    return True
