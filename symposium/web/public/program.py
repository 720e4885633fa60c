"""Public pages: the program of an edition, one session, the privacy statement."""

import re
import threading
from collections import OrderedDict

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    url_for,
)
from flask_babel import get_translations
from markupsafe import Markup, escape

from symposium import privacy as personal_data
from symposium.i18n import current_language, describe_seats
from symposium.program import service
from symposium.program.models import SummaryStatus
from symposium.speakers import service as speakers
from symposium.speakers.models import Visibility
from symposium.web.common import edition_or_404
from symposium.web.http_cache import conditional, shows_personal_parts, tag

bp = Blueprint("program", __name__)


@bp.route("/")
def index():
    """Send people to the current edition."""
    edition = service.current_edition()
    if edition is None:
        return render_template("program/no_edition.html")
    return redirect(url_for(".program", slug=edition.slug))


_SEAT_SLOT = re.compile("\x00([cs])(\\d+)\x00")


def _slot(kind: str, session_id: int) -> Markup:
    return Markup(f"\x00{kind}{session_id}\x00")  # a letter and an int  # nosec B704


def _timeline(edition, structure: service.ProgramStructure, seats: dict, past: bool) -> Markup:
    """The program's timeline: rendered once per version and language, seats filled in now
    (none once the edition has taken place)."""
    rendered = service.versioned(
        "timeline",
        edition,
        current_language(),
        lambda: render_template(
            "program/_timeline.html", edition=edition, structure=structure, slot=_slot
        ),
    )

    translations = get_translations()

    def fill(match: re.Match) -> str:
        if past:
            return ""
        session_seats = seats[int(match[2])]
        if match[1] == "c":
            return " is-full" if session_seats.full else ""
        return str(escape(describe_seats(session_seats, translations)))

    return Markup(_SEAT_SLOT.sub(fill, rendered))  # our template; fills escaped  # nosec B704


def _page(slug: str, state: service.PageState) -> str:
    edition = edition_or_404(slug)
    structure = service.program_structure(edition)
    return render_template(
        "program/program.html",
        edition=edition,
        timeline=_timeline(edition, structure, state.seats, state.past),
        registration=state.registration,
        venue_full=state.venue_full,
        has_summaries=structure.has_summaries,
    )


#: whole pages kept per process; the oldest is forgotten past this many
_PAGES_KEPT = 64
_pages_lock = threading.Lock()


def _cached_page(slug: str, state: service.PageState, key: tuple) -> Response:
    """The page for this state and language, rendered once per process."""
    if not current_app.config["PROGRAM_CACHE"]:
        return Response(_page(slug, state), mimetype="text/html")
    pages: OrderedDict = current_app.extensions.setdefault("symposium.program_pages", OrderedDict())
    body = pages.get(key)
    if body is None:
        body = _page(slug, state).encode()
        with _pages_lock:
            pages[key] = body
            while len(pages) > _PAGES_KEPT:
                pages.popitem(last=False)
    return Response(body, mimetype="text/html")


@bp.route("/<slug>/")
def program(slug: str):
    """The program: plenaries, and per round its breakouts with seats left."""
    # Asked before rendering: showing a flash message takes it out of the session.
    personal = shows_personal_parts()
    state = service.page_state(slug)
    if state is None:
        abort(404)
    if personal:
        return _page(slug, state)
    language = current_language()
    key = ("program", language, *state.key())
    return conditional(
        lambda: _cached_page(slug, state, key),
        ("program", state.edition_id, language),
        tag(*key),
        private=True,
    )


@bp.route("/<slug>/sessions/<session_slug>")
def session(slug: str, session_slug: str):
    """One session: abstract, speakers, room, time, seats, materials and its summary."""
    edition = edition_or_404(slug)
    found = service.session_by_slug(edition, session_slug)
    if found is None:
        abort(404)
    return render_template(
        "program/session.html",
        edition=edition,
        session=found,
        seats=None if service.has_taken_place(edition) else service.session_seats(found),
        registration=service.registration_state(edition),
        materials=speakers.materials_of(found, [Visibility.public]),
        summary=speakers.render_summary(found.summary)
        if found.summary_status == SummaryStatus.published
        else None,
    )


@bp.route("/privacy")
@bp.route("/<slug>/privacy")
def privacy(slug: str | None = None):
    """What we keep about people who sign up, why, for how long and who sees it: the
    edition's own statement, or the standard one; /privacy is the current edition's."""
    edition = edition_or_404(slug) if slug else service.current_edition()
    try:
        months = personal_data.purge_after_months(current_app.config.get("PURGE_AFTER_MONTHS"))
    except ValueError:
        months = None  # the worker refuses to start with it; the page still answers
    return render_template(
        "pages/privacy.html",
        edition=edition,
        statement=personal_data.statement(edition),
        purge_after_months=months,
    )
