"""Badges: name, organisation, the day's personal program and a check-in QR code."""

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from symposium.documents import layout
from symposium.documents.parallel import RenderingProcesses, process_count
from symposium.documents.rendering import qr_address
from symposium.extensions import db
from symposium.i18n import each_in_own_language, format_day, format_time_range, localized
from symposium.program.models import Edition
from symposium.registration.listing import BY_NAME
from symposium.registration.models import Choice, ChoiceState, Registration, RegistrationStatus
from symposium.registration.personal import checkin_code
from symposium.text import without_emoji
from symposium.urls import external_url

#: the text area of a badge: 105 mm less 8 mm padding either side
NAME_WIDTH_MM = 89
#: a session title longer than this is cut short with an ellipsis: a badge has room for
#: about two lines of it per round, and a title is not worth pushing the QR code off the page
PROGRAM_TITLE_CHARACTERS = 90


@dataclass(frozen=True)
class ProgramLine:
    time: str
    title: str
    room: str


@dataclass(frozen=True)
class Badge:
    registration_id: int
    first_name: str
    last_name: str
    organisation: str
    first_name_pt: int
    last_name_pt: int
    organisation_pt: int
    edition_title: str
    when_and_where: str
    program: tuple[ProgramLine, ...]
    #: what the QR code says; drawn by the process that renders the badge
    checkin_url: str
    qr_label: str

    @property
    def program_text(self) -> str:
        """The program as lines of text, two a session (when and where, then the title),
        printed as one paragraph: a paragraph a line would cost WeasyPrint a box each."""
        lines = []
        for line in self.program:
            lines.append(f"{line.time} · {line.room}" if line.room else line.time)
            lines.append(line.title)
        return "\n".join(lines)


@dataclass(frozen=True)
class BadgeSelection:
    """Which confirmed attendees get a badge; None means no restriction."""

    round_id: int | None = None
    session_id: int | None = None
    not_yet_printed: bool = False

    @classmethod
    def of(cls, selection: dict) -> "BadgeSelection":
        """From a document job's selection (a dict, as stored)."""
        return cls(
            round_id=selection.get("round_id"),
            session_id=selection.get("session_id"),
            not_yet_printed=bool(selection.get("not_yet_printed")),
        )


def checkin_qr(url: str) -> str:
    """The QR code's image address: drawn by the process that renders the badge (see
    documents.rendering)."""
    return qr_address(url)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def badge_for(registration: Registration, edition: Edition) -> Badge:
    """One badge in the current language (the caller picks it with force_locale)."""
    tz = edition.timezone
    sessions = {session.id: session for session in edition.sessions}
    held = {
        choice.round_id: sessions.get(choice.session_id)
        for choice in registration.choices
        if choice.state == ChoiceState.confirmed
    }
    program = []
    for round_ in edition.rounds:
        session = held.get(round_.id)
        if session is None:
            continue
        program.append(
            ProgramLine(
                time=format_time_range(session.starts_at, session.ends_at, tz),
                # one line each: the program is printed with its line breaks kept
                title=_short(_one_line(localized(session, "title")), PROGRAM_TITLE_CHARACTERS),
                room=_one_line(session.room or ""),
            )
        )
    url = external_url("organiser_checkin.check_in_by_code", code=checkin_code(registration))
    # The badge fonts have no emoji: print the name without them rather than with a box.
    first_name = without_emoji(registration.first_name)
    last_name = without_emoji(registration.last_name)
    organisation_name = without_emoji(registration.organisation)
    first = layout.fit_text(first_name, NAME_WIDTH_MM, 36, 14, max_lines=2)
    last = layout.fit_text(last_name, NAME_WIDTH_MM, 20, 11, max_lines=2)
    organisation = layout.fit_text(organisation_name, NAME_WIDTH_MM, 12, 7, max_lines=3)
    return Badge(
        registration_id=registration.id,
        first_name=first_name,
        last_name=last_name,
        organisation=organisation_name,
        first_name_pt=first.size_pt,
        last_name_pt=last.size_pt,
        organisation_pt=organisation.size_pt,
        edition_title=localized(edition, "title"),
        when_and_where=f"{format_day(edition.starts_at, tz)} · {localized(edition, 'venue')}",
        program=tuple(program),
        checkin_url=url,
        qr_label=_("Check-in"),
    )


def _selected(edition: Edition, selection: BadgeSelection) -> sa.Select:
    query = sa.select(Registration).where(
        Registration.edition_id == edition.id,
        Registration.status == RegistrationStatus.confirmed,
        Registration.erased_at.is_(None),
    )
    if selection.session_id is not None or selection.round_id is not None:
        held = sa.select(Choice.registration_id).where(Choice.state == ChoiceState.confirmed)
        if selection.session_id is not None:
            held = held.where(Choice.session_id == selection.session_id)
        if selection.round_id is not None:
            held = held.where(Choice.round_id == selection.round_id)
        query = query.where(Registration.id.in_(held))
    if selection.not_yet_printed:
        query = query.where(Registration.badge_printed_at.is_(None))
    return query


def selected_registrations(edition: Edition, selection: BadgeSelection) -> list[Registration]:
    """Confirmed attendees, by last name, with their choices loaded."""
    query = (
        _selected(edition, selection).options(selectinload(Registration.choices)).order_by(*BY_NAME)
    )
    return list(db.session.scalars(query))


def selected_count(edition: Edition, selection: BadgeSelection) -> int:
    """How many badges `selected_registrations` gives, in one cheap query."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(_selected(edition, selection).subquery())
    )


def badges_html(badges: Sequence[Badge], sheets: bool, language: str) -> str:
    with force_locale(language):
        html = render_template(
            "documents/badges.html",
            pages=layout.in_sheets(list(badges)) if sheets else badges,
            sheets=sheets,
            slots=layout.sheet_slots(),
            cut_marks="data:image/svg+xml;base64,"
            + base64.b64encode(layout.cut_marks_svg().encode()).decode(),
            qr=checkin_qr,
            language=language,
        )
    # Badges never need the whitespace between tags, and WeasyPrint would make a box of
    # every run of it: a tenth of the time on a thousand badges.
    return re.sub(r">\s+<", "><", html)


def badges(
    edition: Edition,
    registrations: Sequence[Registration],
    language: str,
    own_languages: bool = False,
) -> list[Badge]:
    """Badges in `language`, or with `own_languages` each in its person's language (the
    sheets an organiser prints: an English registrant reads their badge in English)."""
    if own_languages:
        return each_in_own_language(registrations, lambda r: badge_for(r, edition), language)
    with force_locale(language):
        return [badge_for(registration, edition) for registration in registrations]


#: badges per chunk rendered by one process: small enough to show progress often, large
#: enough that starting a chunk costs little; a multiple of four, so sheets stay whole
CHUNK = 48


def renderers(count: int, waited_for: bool = False) -> RenderingProcesses:
    """Rendering processes for `count` badges, as many as `service.render_plan` would use:
    entered before the badges are collected (`badges`), they start meanwhile."""
    processes = process_count(current_app.config.get("DOCUMENT_PROCESSES"), waited_for)
    return RenderingProcesses("badges.css", min(processes, -(-count // CHUNK)))
