"""Public pages of what the symposia yield: an edition's harvest, the regional agenda, and
the harvest as JSON."""

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _

from symposium.program.service import edition_by_slug
from symposium.signals import agenda, harvest, publishing, service
from symposium.signals.labels import AGENDA_STATUSES, KINDS, PERSPECTIVES
from symposium.web.attendee.registration import registration_or_404
from symposium.web.common import ServiceForm, edition_or_404
from symposium.web.signals.room import SUPPORT_COOKIE

bp = Blueprint("signals_public", __name__)


@bp.route("/<slug>/harvest", endpoint="harvest")
def harvest_page(slug: str):
    """Oogst: per theme the approved signals and the agenda items they fed."""
    edition = edition_or_404(slug)
    found = harvest.harvest(edition)
    ids = [s.id for group in found.themes for s in group.signals]
    return render_template(
        "signals/harvest.html",
        edition=edition,
        harvest=found,
        supported=service.supported_by(request.cookies.get(SUPPORT_COOKIE), ids),
        kinds=KINDS,
        perspectives=PERSPECTIVES,
        statuses=AGENDA_STATUSES,
        signal_count=harvest.signal_count,
        afterwards_open=service.afterwards_open(edition),
    )


@bp.route("/agenda", endpoint="agenda")
def agenda_page():
    """The regional knowledge agenda across editions, each item's history as a timeline."""
    items = agenda.public_items()
    return render_template(
        "signals/agenda.html",
        items=items,
        per_status=agenda.per_status(items),
        statuses=AGENDA_STATUSES,
        perspectives_of=harvest.perspectives_of,
        signal_count=harvest.signal_count,
        timeline=agenda.timeline,
        long_date=format_date,
    )


@bp.route("/<slug>/signals.json")
def signals_json(slug: str):
    """The approved signals per theme, with the agenda items (see openapi.json)."""
    edition = edition_by_slug(slug)
    if edition is None:
        return jsonify(error="No public edition with this address."), 404
    response = jsonify(harvest.as_json(edition))
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.post("/r/<token>/harvest-mail")
def harvest_mail(token: str):
    """Ask for, or stop, the mail that comes when the edition's harvest is published."""
    registration = registration_or_404(token)
    if ServiceForm().validate_on_submit():
        wanted = request.form.get("wanted") == "yes"
        publishing.subscribe(registration.id, wanted)
        flash(
            _("You will get a mail when the harvest is published.")
            if wanted
            else _("You will not get a mail about the harvest."),
            "success",
        )
    return redirect(url_for("registration.manage", token=token) + "#harvest-mail")
