"""Filling in an evaluation through the personal link, on a phone, without JavaScript."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from symposium.evaluations import service
from symposium.evaluations.results import option_texts
from symposium.web.attendee.registration import registration_or_404
from symposium.web.common import edition_or_404

bp = Blueprint("evaluation_forms", __name__)


def _render(registration, token, to_fill, given, errors):
    return render_template(
        "evaluations/fill.html",
        edition=registration.edition,
        registration=registration,
        token=token,
        to_fill=to_fill,
        given=given,
        errors=errors,
        option_texts=option_texts,
    )


@bp.route("/r/<token>/evaluation/<form>", methods=["GET", "POST"])
def fill(token: str, form: str):
    """One evaluation form (a session's, or "day"), with the person's earlier answers."""
    registration = registration_or_404(token)
    try:
        to_fill = service.open_form(registration.id, form)
    except service.FormNotOpen as error:
        # Not yet or no longer open: a page that says so; not theirs at all: 403.
        return render_template(
            "evaluations/not_open.html",
            edition=registration.edition,
            token=token,
            message=error.message,
        ), 403 if error.not_theirs else 200
    if request.method == "GET":
        return _render(registration, token, to_fill, to_fill.answers, {})
    given = {key: value for key, value in request.form.items() if key.startswith("q")}
    try:
        first = service.answer(registration.id, form, given)
    except service.FormNotOpen as error:
        flash(error.message, "error")
        return redirect(url_for("registration.manage", token=token))
    except service.EvaluationError as error:
        return _render(registration, token, to_fill, given, error.errors)
    flash(
        _("Thank you: your answers are saved.") if first else _("Your answers are changed."),
        "success",
    )
    return redirect(url_for("registration.manage", token=token, _anchor="evaluation"))


@bp.route("/<slug>/evaluation/<session_slug>")
def room(slug: str, session_slug: str):
    """Where a room's QR code leads: the form is on the personal page."""
    edition = edition_or_404(slug)
    session = service.sessions_by_slug(edition).get(session_slug)
    if session is None:
        abort(404)
    return render_template("evaluations/room.html", edition=edition, session=session)
