"""An invoice or credit note as a PDF for people and as UBL 2.1 (SI-UBL 2.0, the Dutch
Peppol format) for the buyer's bookkeeping, both made from what the document stored when
it was issued, so they say the same thing every time."""

import re
from datetime import datetime

from flask import render_template
from flask_babel import force_locale

from symposium.documents.rendering import render_pdf
from symposium.i18n import format_day
from symposium.orders.models import DocumentKind, Invoice
from symposium.orders.pricing import euros, money

#: SI-UBL 2.0: EN 16931 with the Dutch rules; Peppol BIS Billing 3.0 as the process
CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0"
PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
POSTCODE = re.compile(r"^\s*(\d{4}\s?[A-Za-z]{2})\s+(.+)$")


def address_parts(text: str) -> dict:
    """ "Oudegracht 1\\n3511 AA Utrecht" -> street, postcode, city (Dutch addresses)."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    street = lines[0] if lines else ""
    city, postcode = (lines[-1] if len(lines) > 1 else ""), ""
    if match := POSTCODE.match(city):
        postcode, city = match.group(1).upper(), match.group(2)
    return {"street": street, "postcode": postcode, "city": city, "lines": lines}


def filename(invoice: Invoice, extension: str) -> str:
    return f"{invoice.number}.{extension}"


def invoice_html(invoice: Invoice, locale: str) -> str:
    with force_locale(locale):
        return render_template(
            "orders/invoice.html",
            invoice=invoice,
            data=invoice.data,
            credit=invoice.kind == DocumentKind.credit_note,
            euros=money,
            issued=format_day(invoice.issued_at, "Europe/Amsterdam"),
            due=format_day(invoice.due_at, "Europe/Amsterdam") if invoice.due_at else "",
            language=locale,
        )


def invoice_pdf(invoice: Invoice, locale: str = "nl") -> bytes:
    """The invoice or credit note as a PDF, in the buyer's language."""
    return render_pdf(invoice_html(invoice, locale), "invoice.css")


def invoice_ubl(invoice: Invoice) -> str:
    """The invoice (or credit note) as UBL 2.1 XML."""
    data = invoice.data
    credit = invoice.kind == DocumentKind.credit_note
    sign = -1 if credit else 1
    return render_template(
        "orders/invoice_ubl.xml",
        invoice=invoice,
        data=data,
        credit=credit,
        customization=CUSTOMIZATION,
        profile=PROFILE,
        issue_date=_date(invoice.issued_at),
        due_date=_date(invoice.due_at) if invoice.due_at else "",
        supplier_address=address_parts(data["supplier"]["address"]),
        buyer_address=address_parts(data["buyer"]["address"]),
        amount=lambda cents: euros(sign * cents),
        vat=[group for group in data["vat"]],
        digits=lambda text: re.sub(r"\D", "", text or ""),
    )


def _date(moment: datetime) -> str:
    return moment.date().isoformat()
