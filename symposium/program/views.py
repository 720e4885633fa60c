"""Public pages: the program of an edition, one session, the privacy statement."""

from flask import Blueprint, abort, redirect, render_template, url_for

from symposium.program import service
from symposium.program.models import Edition

bp = Blueprint("program", __name__)


def edition_or_404(slug: str) -> Edition:
    edition = service.edition_by_slug(slug)
    if edition is None:
        abort(404)
    return edition


@bp.route("/")
def index():
    """Send people to the current edition."""
    edition = service.current_edition()
    if edition is None:
        return render_template("program/no_edition.html")
    return redirect(url_for(".program", slug=edition.slug))


@bp.route("/<slug>/")
def program(slug: str):
    """The program: plenaries, and per round its breakouts with seats left."""
    edition = edition_or_404(slug)
    return render_template(
        "program/program.html",
        edition=edition,
        program=service.program(edition),
        registration=service.registration_state(edition),
        venue_full=service.venue_is_full(edition),
    )


@bp.route("/<slug>/sessions/<session_slug>")
def session(slug: str, session_slug: str):
    """One session: abstract, speakers, room, time and seats."""
    edition = edition_or_404(slug)
    found = service.session_by_slug(edition, session_slug)
    if found is None:
        abort(404)
    return render_template(
        "program/session.html",
        edition=edition,
        session=found,
        seats=service.session_seats(found),
        registration=service.registration_state(edition),
    )


@bp.route("/privacy")
def privacy():
    """What we keep about people who sign up, and why."""
    return render_template("pages/privacy.html")
