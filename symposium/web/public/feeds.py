"""The program for other software and other sites: calendar feed, frab schedule, embed.

Feeds are made once per program version and language (`service.versioned`) and answer a
repeated request with 304. Their links use the site's configured address (BASE_URL), not
the address a request happened to use, so that one cached feed serves everyone.

This blueprint also says who may show the site's pages in a frame: the embed page whoever
the organisers allow (EMBED_FRAME_ANCESTORS), every other page the site itself only.
"""

import re
from collections.abc import Callable
from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, render_template
from flask_babel import gettext as _
from flask_babel import ngettext

from symposium.i18n import current_language
from symposium.program import feeds, service
from symposium.program.models import Edition
from symposium.urls import external_url
from symposium.web.common import edition_or_404
from symposium.web.http_cache import conditional, program_etag, tag

bp = Blueprint("feeds", __name__)

# -- who may frame what ----------------------------------------------------------------

_SOURCE = re.compile(
    r"'self'|'none'|[a-z][a-z0-9+.-]*:"  # keywords and schemes ("https:")
    r"|(?:[a-z][a-z0-9+.-]*://)?(?:\*|(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*)"  # hosts
    r"(?::(?:[0-9]{1,5}|\*))?(?:/[a-z0-9._~%!$&()*+=:@/-]*)?",  # port, path
    re.IGNORECASE,
)


def embed_frame_ancestors(value: object) -> str:
    """The frame-ancestors sources from the setting; a ValueError says what is wrong."""
    sources = " ".join(value) if isinstance(value, list | tuple) else str(value)
    # Spaces only: a line break or a tab in a header value is an injection, not a separator.
    parts = [part for part in sources.split(" ") if part]
    bad = [part for part in parts if not _SOURCE.fullmatch(part)]
    if not parts or bad:
        raise ValueError(
            "SYMPOSIUM_EMBED_FRAME_ANCESTORS must be CSP frame-ancestors sources separated "
            "by spaces, like \"'self' https://www.example.nl\"; "
            f"not understood: {' '.join(bad) or '(empty)'}"
        )
    return " ".join(parts)


@bp.record_once
def _check_settings(state) -> None:
    """A mistyped setting stops the app at start-up rather than at the first embed."""
    embed_frame_ancestors(state.app.config["EMBED_FRAME_ANCESTORS"])


@bp.after_app_request
def _frame_policy(response: Response) -> Response:
    """Pages that set no frame-ancestors of their own may be framed by this site only."""
    policy = response.headers.get("Content-Security-Policy", "")
    if "frame-ancestors" not in policy:
        own = "frame-ancestors 'self'"
        response.headers["Content-Security-Policy"] = f"{policy}; {own}" if policy else own
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    return response


# -- building the feeds ----------------------------------------------------------------


def site_url(endpoint: str, **values) -> str:
    """An absolute URL at the site's configured address (BASE_URL)."""
    return external_url(endpoint, **values)


def _feed_edition(edition: Edition, feed_endpoint: str, made_at: datetime) -> feeds.FeedEdition:
    return feeds.FeedEdition(
        slug=edition.slug,
        title=edition.title,
        venue=edition.venue,
        timezone=edition.timezone,
        starts_at=edition.starts_at,
        ends_at=edition.ends_at,
        version=edition.program_version,
        site=current_app.config["BASE_URL"].rstrip("/"),
        program_url=site_url("program.program", slug=edition.slug),
        feed_url=site_url(feed_endpoint, slug=edition.slug),
        made_at=made_at,
    )


def _feed_sessions(edition: Edition, structure: service.ProgramStructure) -> feeds.FeedSessions:
    items = [*structure.plenaries, *(i for r in structure.rounds for i in r.sessions)]
    return feeds.FeedSessions(
        urls={
            item.id: site_url("program.session", slug=edition.slug, session_slug=item.slug)
            for item in items
        },
        abstracts=service.session_abstracts(edition),
    )


def _words() -> feeds.Words:
    return feeds.Words(
        plenary=_("Plenary"),
        speaker=ngettext("Speaker", "Speakers", 1),
        speakers=ngettext("Speaker", "Speakers", 2),
        session_page=_("Session page"),
    )


Builder = Callable[
    [feeds.FeedEdition, service.ProgramStructure, feeds.FeedSessions, feeds.Words], str
]


def _feed(
    name: str, edition: Edition, endpoint: str, build: Builder, mimetype: str, weak: bool = False
) -> Response:
    """One feed, made once per program version and language, with its cache headers."""
    language = current_language()

    def make() -> str:
        structure = service.program_structure(edition)
        return build(
            _feed_edition(edition, endpoint, datetime.now(UTC).replace(microsecond=0)),
            structure,
            _feed_sessions(edition, structure),
            _words(),
        )

    response = Response(
        service.versioned(f"feed.{name}", edition, language, make), mimetype=mimetype
    )
    # Conference apps in a browser read the schedule from another site: it is public.
    response.access_control_allow_origin = "*"
    etag = tag(name, edition.id, edition.program_version, language, current_app.config["BASE_URL"])
    return conditional(response, (name, edition.id, language), etag, weak=weak)


@bp.route("/<slug>/program.ics")
def program_calendar(slug: str):
    """The whole program as a calendar to subscribe to, one event per session."""
    edition = edition_or_404(slug)
    response = _feed(
        "ics",
        edition,
        "feeds.program_calendar",
        feeds.program_calendar,
        "text/calendar",
        weak=True,  # each process stamps the events (DTSTAMP) with the time it made them
    )
    response.headers["Content-Disposition"] = f'inline; filename="symposium-{edition.slug}.ics"'
    return response


@bp.route("/<slug>/schedule.xml")
def schedule_xml(slug: str):
    """The program in the frab schedule XML that conference apps read."""
    edition = edition_or_404(slug)
    return _feed(
        "frab-xml",
        edition,
        "feeds.schedule_xml",
        feeds.frab_xml,
        "application/xml",
    )


@bp.route("/<slug>/schedule.json")
def schedule_json(slug: str):
    """The program in the frab schedule JSON that conference apps read."""
    edition = edition_or_404(slug)
    return _feed(
        "frab-json",
        edition,
        "feeds.schedule_json",
        feeds.frab_json,
        "application/json",
    )


# -- the embeddable program ------------------------------------------------------------


@bp.route("/<slug>/embed")
def embed(slug: str):
    """A small program with seats left, for the organisers' website to show in a frame."""
    edition = edition_or_404(slug)
    program = service.program(edition)
    state = service.registration_state(edition)
    venue_full = service.venue_is_full(edition)
    language = current_language()
    response = Response(
        render_template(
            "program/embed.html",
            edition=edition,
            program=program,
            registration=state,
            venue_full=venue_full,
            past=service.has_taken_place(edition),
        )
    )
    ancestors = embed_frame_ancestors(current_app.config["EMBED_FRAME_ANCESTORS"])
    response.headers["Content-Security-Policy"] = (
        f"frame-ancestors {ancestors}; default-src 'none'; style-src 'self'; "
        "img-src 'self'; base-uri 'none'; form-action 'none'"
    )
    etag = program_etag(
        "embed",
        program,
        language,
        state.open,
        str(state.message),
        venue_full,
        service.has_taken_place(edition),
    )
    return conditional(response, ("embed", edition.id, language), etag, private=True)
