"""The organisers' finance page of an edition: orders, invoices, credit notes and what is
open; marking invoices paid, a bank statement, exports for the bookkeeping."""

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from symposium.i18n import current_language
from symposium.orders import finance, invoicing
from symposium.orders.models import Invoice
from symposium.registration import exports
from symposium.registration.tables import Table
from symposium.validation import RuleError
from symposium.web.access import current_actor
from symposium.web.common import edition_or_404, found_or_404
from symposium.web.orders.views import document_response
from symposium.web.organiser.blueprint import organiser_blueprint

bp = organiser_blueprint("organiser_finance", __name__)

#: a bank statement larger than this is not one edition's
STATEMENT_LIMIT = 2_000_000


@bp.route("/<slug>/finance")
def finance_page(slug: str):
    """Orders, invoices, credit notes, open amounts; per ticket type and per organisation."""
    edition = edition_or_404(slug, include_drafts=True)
    return render_template(
        "orders/finance.html", edition=edition, money_page=finance.finance(edition.id)
    )


@bp.post("/<slug>/finance/invoices/<int:invoice_id>/paid")
def mark_paid(slug: str, invoice_id: int):
    """The money for an invoice came in."""
    edition = edition_or_404(slug, include_drafts=True)
    invoice = found_or_404(_invoice_of(edition, invoice_id))
    try:
        invoicing.mark_paid(invoice.id, current_actor())
    except RuleError as error:
        flash(error.message, "error")
    else:
        flash(_("Invoice %(number)s is marked paid.", number=invoice.number), "success")
    return redirect(url_for(".finance_page", slug=slug))


@bp.post("/<slug>/finance/statement")
def bank_statement(slug: str):
    """A bank statement (CSV): the rows naming an open invoice for its amount pay it."""
    edition = edition_or_404(slug, include_drafts=True)
    upload = request.files.get("statement")
    content = upload.read(STATEMENT_LIMIT + 1) if upload else b""
    if not content or len(content) > STATEMENT_LIMIT:
        flash(_("Choose a bank statement as a CSV file."), "error")
        return redirect(url_for(".finance_page", slug=slug))
    text = content.decode("utf-8-sig", errors="replace")
    matched = invoicing.import_bank_statement(edition.id, text, current_actor())
    flash(
        _("%(count)d invoices marked paid from the bank statement.", count=len(matched)),
        "success",
    )
    return redirect(url_for(".finance_page", slug=slug))


@bp.route("/<slug>/finance/documents/<int:invoice_id>.<any(pdf, xml):kind>")
def document(slug: str, invoice_id: int, kind: str):
    """An invoice or credit note as PDF or UBL."""
    edition = edition_or_404(slug, include_drafts=True)
    invoice = found_or_404(_invoice_of(edition, invoice_id))
    return document_response(invoice, kind, current_language())


def _invoice_of(edition, invoice_id: int) -> Invoice | None:
    from symposium.extensions import db

    invoice = db.session.get(Invoice, invoice_id)
    return invoice if invoice is not None and invoice.edition_id == edition.id else None


@bp.route("/<slug>/finance.csv")
def export_csv(slug: str):
    """Every invoice and credit note as CSV rows for the bookkeeping."""
    return _export(slug, "csv")


@bp.route("/<slug>/finance.xlsx")
def export_xlsx(slug: str):
    """Every invoice and credit note as an Excel sheet for the bookkeeping."""
    return _export(slug, "xlsx")


def _export(slug: str, kind: str) -> Response:
    edition = edition_or_404(slug, include_drafts=True)
    table = Table(
        title=_("Invoices"),
        header=[
            _("Invoice number"),
            _("Kind"),
            _("Date"),
            _("Due date"),
            _("Reference"),
            _("Buyer"),
            _("Purchase order number"),
            _("Cost centre"),
            _("Excl. VAT"),
            _("VAT"),
            _("Total"),
            _("Paid on"),
        ],
        rows=finance.export_rows(edition.id),
    )
    if kind == "csv":
        delimiter = ";" if current_language() == "nl" else ","
        content, mimetype = exports.write_csv(table, delimiter), exports.CSV_TYPE
    else:
        content, mimetype = exports.write_xlsx(table), exports.XLSX_TYPE
    return Response(
        content,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{_("invoices")}-{edition.slug}.{kind}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )
