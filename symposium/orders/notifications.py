"""The mail about orders: confirmation to the contact, the invoice or credit note to the
finance address (PDF and UBL attached), payment received, payment reminder.

Queued as references in the transaction that causes them; written (and the PDF made)
when the worker sends them, in the order's language.
"""

import base64

from flask_babel import gettext as _

from symposium.extensions import db
from symposium.i18n import localized
from symposium.mail.outbox import Attachment, Mail, builder, queue_later
from symposium.orders.models import DocumentKind, Invoice, Order
from symposium.orders.pricing import money
from symposium.program.models import Edition
from symposium.urls import external_url


def group_url(order: Order) -> str:
    return external_url("orders.group", order_id=order.id, secret=order.secret)


def order_confirmation(order: Order) -> None:
    queue_later("order_confirmation", f"order:{order.id}", order.contact_email, {"order": order.id})


def payment_received(order: Order) -> None:
    queue_later(
        "payment_received", f"order-paid:{order.id}", order.contact_email, {"order": order.id}
    )


def payment_reminder(order: Order, key: str) -> None:
    recipient = order.finance_email or order.contact_email
    queue_later(
        "payment_reminder", f"order-reminder:{order.id}:{key}", recipient, {"order": order.id}
    )


def invoice_issued(invoice: Invoice, order: Order) -> None:
    kind = "credit_note" if invoice.kind == DocumentKind.credit_note else "invoice"
    queue_later(
        kind,
        f"{kind}:{invoice.number}",
        order.finance_email or order.contact_email,
        {"order": order.id, "invoice": invoice.id},
    )


SUBJECTS = {
    "order_confirmation": lambda o, e, i: _(
        "Your order for %(title)s (%(ref)s)", title=localized(e, "title"), ref=o.reference
    ),
    "payment_received": lambda o, e, i: _(
        "Payment received for %(title)s (%(ref)s)", title=localized(e, "title"), ref=o.reference
    ),
    "payment_reminder": lambda o, e, i: _(
        "Reminder: payment for %(title)s (%(ref)s)", title=localized(e, "title"), ref=o.reference
    ),
    "invoice": lambda o, e, i: _(
        "Invoice %(number)s: %(title)s", number=i.number, title=localized(e, "title")
    ),
    "credit_note": lambda o, e, i: _(
        "Credit note %(number)s: %(title)s", number=i.number, title=localized(e, "title")
    ),
}


def _build(kind: str, refs: dict) -> Mail | None:
    from symposium.orders import documents, invoicing

    order = db.session.get(Order, refs["order"])
    if order is None:
        return None
    edition = db.session.get(Edition, order.edition_id)
    invoice = db.session.get(Invoice, refs["invoice"]) if refs.get("invoice") else None
    attachments = []
    if invoice is not None:
        pdf = documents.invoice_pdf(invoice, order.locale)
        attachments = [
            Attachment(
                filename=f"{invoice.number}.pdf",
                content_type="application/pdf",
                content=base64.b64encode(pdf).decode(),
                encoding="base64",
            ),
            Attachment(
                filename=f"{invoice.number}.xml",
                content_type="application/xml",
                content=documents.invoice_ubl(invoice),
            ),
        ]
    recipient = order.contact_email
    if kind in ("invoice", "credit_note", "payment_reminder"):
        recipient = order.finance_email or order.contact_email
    return Mail(
        kind=kind,
        dedupe_key="",
        recipient=recipient,
        locale=order.locale,
        subject=lambda: SUBJECTS[kind](order, edition, invoice),
        context={
            "order": order,
            "edition": edition,
            "invoice": invoice,
            "group_url": group_url(order),
            "open_cents": invoicing.open_cents(order),
            "money": money,
        },
        attachments=attachments,
    )


for _kind in SUBJECTS:
    builder(_kind)(lambda refs, kind=_kind: _build(kind, refs))
