"""Buying places: the order form for a group (or one person), and the group page behind
the contact's link where people are added, swapped and cancelled."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from symposium.i18n import current_language
from symposium.orders import documents, groups, invoicing, online, reading, service
from symposium.orders.models import Order
from symposium.orders.pricing import money
from symposium.orders.requests import Attendee, OrderError, OrderRequest
from symposium.program.service import registration_state
from symposium.registration.requests import RoundRequest
from symposium.security import sign_up_limit
from symposium.validation import RuleError
from symposium.web.common import edition_or_404
from symposium.web.payments import views as payment_pages

bp = Blueprint("orders", __name__)
bp.add_app_template_filter(reading.status_label, "order_status")
bp.add_app_template_global(money, "money")

#: rows on a new form; "One more person" adds a row without JavaScript
FIRST_ROWS = 4
MAX_ROWS = service.MAX_ATTENDEES


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _rows() -> int:
    rows = _int(request.values.get("people")) or FIRST_ROWS
    if "more" in request.form:
        rows += 1
    return max(1, min(rows, MAX_ROWS))


def _attendee(form, prefix: str, rounds) -> Attendee:
    choices = {}
    for round_ in rounds:
        session_id = _int(form.get(f"{prefix}choices.{round_.id}"))
        if session_id is not None:
            choices[round_.id] = RoundRequest(session_id=session_id)
    return Attendee(
        first_name=form.get(prefix + "first_name", ""),
        last_name=form.get(prefix + "last_name", ""),
        email=form.get(prefix + "email", ""),
        ticket_type_id=_int(form.get(prefix + "ticket_type_id")),
        choices=choices,
        chooses_own=not choices,
        student_confirmed=form.get(prefix + "student_confirmed") == "yes",
    )


def _order_request(rows: int, rounds) -> OrderRequest:
    form = request.form
    attendees = [_attendee(form, f"attendees.{n}.", rounds) for n in range(rows)]
    # Rows left empty are not people.
    attendees = [a for a in attendees if a.first_name.strip() or a.last_name.strip() or a.email]
    return OrderRequest(
        **{
            name: form.get(name, "")
            for name in (
                "contact_name",
                "contact_email",
                "organisation",
                "address",
                "finance_email",
                "po_number",
                "cost_centre",
                "buyer_vat_number",
                "voucher_code",
                "payment_method",
            )
        },
        consent=form.get("consent") == "yes",
        locale=current_language(),
        attendees=attendees,
    )


@bp.route("/<slug>/order", methods=["GET", "POST"])
@sign_up_limit
def new_order(slug: str):
    """Sign up several people at once, as their contact; pay on invoice or online."""
    edition = edition_or_404(slug)
    state = registration_state(edition)
    page = reading.order_page(edition)
    rows, errors = _rows(), {}
    if request.method == "POST" and "more" not in request.form and state.open:
        try:
            order = service.place_order(edition.id, _order_request(rows, page.rounds))
        except RuleError as error:
            errors = error.errors or {"form": [error.message]}
        else:
            if order.status.value == "awaiting_payment":
                return redirect(url_for(".pay", order_id=order.id, secret=order.secret))
            flash(_("Your order is in. Everyone gets a mail with their own link."), "success")
            return redirect(url_for(".group", order_id=order.id, secret=order.secret))
    return render_template(
        "orders/new_order.html",
        edition=edition,
        page=page,
        state=state,
        rows=rows,
        form=request.form,
        errors=errors,
    ), 200


def _line_or_404(order: Order, line_id: int):
    line = reading.line_of(order, line_id)
    if line is None:
        abort(404)
    return line


def _order_or_404(order_id: int, secret: str) -> Order:
    order = service.order_by_secret(order_id, secret)
    if order is None:
        abort(404)
    return order


@bp.route("/orders/<int:order_id>/<secret>")
def group(order_id: int, secret: str):
    """The contact's page: everyone in the order, their choices, invoices and what is open."""
    order = _order_or_404(order_id, secret)
    return _group_page(order, {})


def _group_page(order: Order, errors: dict, status: int = 200):
    return render_template(
        "orders/group.html",
        order=order,
        group=reading.group_view(order),
        form=request.form,
        errors=errors,
    ), status


@bp.post("/orders/<int:order_id>/<secret>/people")
def add_person(order_id: int, secret: str):
    """Add a colleague to the group."""
    order = _order_or_404(order_id, secret)
    rounds = reading.order_page(order_edition(order)).rounds
    try:
        groups.add_person(order.id, _attendee(request.form, "new.", rounds))
    except OrderError as error:
        return _group_page(order, {f"new.{k}": v for k, v in error.errors.items()})
    except RuleError as error:
        return _group_page(order, {"form": [error.message]})
    flash(_("The person has been added and gets a mail with their own link."), "success")
    return redirect(url_for(".group", order_id=order.id, secret=secret))


def order_edition(order: Order):
    from symposium.extensions import db
    from symposium.program.models import Edition

    return db.session.get(Edition, order.edition_id)


@bp.route("/orders/<int:order_id>/<secret>/people/<int:line_id>/transfer", methods=["GET", "POST"])
def transfer(order_id: int, secret: str, line_id: int):
    """Hand a person's place to a colleague: the seats go along."""
    order = _order_or_404(order_id, secret)
    line = _line_or_404(order, line_id)
    errors = {}
    if request.method == "POST":
        form = request.form
        try:
            groups.transfer(
                order.id,
                line.id,
                form.get("first_name", ""),
                form.get("last_name", ""),
                form.get("email", ""),
            )
        except OrderError as error:
            errors = error.errors
        except RuleError as error:
            errors = {"form": [error.message]}
        else:
            flash(_("The place has been handed over; the new person gets a mail."), "success")
            return redirect(url_for(".group", order_id=order.id, secret=secret))
    return render_template(
        "orders/transfer.html", order=order, line=line, form=request.form, errors=errors
    ), 200


@bp.route("/orders/<int:order_id>/<secret>/people/<int:line_id>/cancel", methods=["GET", "POST"])
def cancel(order_id: int, secret: str, line_id: int):
    """Cancel one person's place, after asking once more."""
    order = _order_or_404(order_id, secret)
    line = _line_or_404(order, line_id)
    if request.method == "POST":
        try:
            online.cancel_person(order.id, line.id)  # paid online: refunded too
        except RuleError as error:
            flash(error.message, "error")
        else:
            flash(
                _("The place of %(name)s has been cancelled.", name=line.attendee_name), "success"
            )
        return redirect(url_for(".group", order_id=order.id, secret=secret))
    return render_template("orders/cancel.html", order=order, line=line)


@bp.route("/orders/<int:order_id>/<secret>/pay", methods=["GET", "POST"])
def pay(order_id: int, secret: str):
    """Pay an order held for an online payment (again, after a failed try)."""
    order = _order_or_404(order_id, secret)
    if request.method == "POST":
        try:
            # Mollie's return and webhook addresses, its checkout: symposium.web.payments
            return payment_pages.pay(order)
        except RuleError as error:
            flash(error.message, "error")
    page = render_template("orders/pay.html", order=order, group=reading.group_view(order))
    return payment_pages.allow_checkout(Response(page))


@bp.route("/orders/<int:order_id>/<secret>/documents/<int:invoice_id>.<any(pdf, xml):kind>")
def document(order_id: int, secret: str, invoice_id: int, kind: str):
    """An invoice or credit note of the order, as PDF or UBL."""
    order = _order_or_404(order_id, secret)
    invoice = next((i for i in invoicing.invoices_of(order.id) if i.id == invoice_id), None)
    if invoice is None:
        abort(404)
    return document_response(invoice, kind, current_language())


def document_response(invoice, kind: str, language: str) -> Response:
    if kind == "pdf":
        body, mimetype = documents.invoice_pdf(invoice, language), "application/pdf"
    else:
        body, mimetype = documents.invoice_ubl(invoice), "application/xml"
    response = Response(body, mimetype=mimetype)
    name = documents.filename(invoice, kind)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
