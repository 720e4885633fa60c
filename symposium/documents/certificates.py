"""Certificates of attendance: who attended, the edition's accreditation text, and the
workshops the person was at."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from symposium.accreditation.presence import EarnedPoints, earned_points
from symposium.extensions import db
from symposium.i18n import (
    current_language,
    each_in_own_language,
    format_day,
    format_time_range,
    localized,
)
from symposium.program.models import Edition, Session
from symposium.registration.listing import BY_NAME
from symposium.registration.models import Choice, ChoiceState, Registration, RegistrationStatus
from symposium.text import without_emoji


@dataclass(frozen=True)
class AttendedSession:
    title: str
    when: str
    room: str
    speakers: str


@dataclass(frozen=True)
class Certificate:
    registration_id: int
    name: str
    organisation: str
    edition_title: str
    day: str
    venue: str
    #: the edition's own words: accreditation registry, number, hours
    text: str
    sessions: tuple[AttendedSession, ...]
    #: the certificate's own words, in the person's language
    language: str = "nl"
    heading: str = ""
    intro: str = ""
    statement: str = ""
    workshops_heading: str = ""
    signature: str = ""
    #: per register the person asked points in: register, number, activity ID, points
    points: tuple[EarnedPoints, ...] = ()
    points_heading: str = ""


class NotYetAvailable(Exception):
    """A certificate exists once the symposium has begun and the person was checked in."""


def available(registration: Registration, now: datetime | None = None) -> bool:
    now = now or datetime.now(UTC)
    return (
        registration.status == RegistrationStatus.confirmed
        and registration.checked_in_at is not None
        and registration.edition.starts_at <= now
    )


def sessions_with_attendance(edition_id: int) -> set[int]:
    """Sessions where someone recorded who came: there only those marked count."""
    return set(
        db.session.scalars(
            sa.select(Choice.session_id)
            .join(Session, Session.id == Choice.session_id)
            .where(Session.edition_id == edition_id, Choice.attended_at.is_not(None))
            .distinct()
        )
    )


def attended(registration: Registration, edition: Edition, counted: set[int]) -> list[Session]:
    """The breakouts a person attended: per-session check-in where the session has it, else
    the seat they held."""
    sessions = {session.id: session for session in edition.sessions}
    found = [
        sessions[choice.session_id]
        for choice in registration.choices
        if choice.state == ChoiceState.confirmed
        and choice.session_id in sessions
        and (choice.session_id not in counted or choice.attended_at is not None)
    ]
    return sorted(found, key=lambda session: session.starts_at)


def certificate_for(
    registration: Registration,
    edition: Edition,
    counted: set[int],
    earned: Sequence[EarnedPoints] = (),
) -> Certificate:
    """One certificate in the current language (the caller picks it with force_locale)."""
    tz = edition.timezone
    title, day, venue = (
        localized(edition, "title"),
        format_day(edition.starts_at, tz),
        localized(edition, "venue"),
    )
    return Certificate(
        registration_id=registration.id,
        name=without_emoji(registration.full_name),
        organisation=registration.organisation,
        edition_title=title,
        day=day,
        venue=venue,
        language=current_language(),
        heading=_("Certificate of attendance"),
        intro=_("This is to certify that"),
        statement=_(
            "attended %(event)s on %(day)s at %(venue)s.", event=title, day=day, venue=venue
        ),
        workshops_heading=_("Workshops attended"),
        signature=_("On behalf of the organisers of %(event)s", event=title),
        text=edition.certificate_text.strip(),
        points=tuple(earned),
        points_heading=_("Accreditation points"),
        sessions=tuple(
            AttendedSession(
                title=localized(session, "title"),
                when=format_time_range(session.starts_at, session.ends_at, tz),
                room=session.room,
                speakers=", ".join(person.name for person in session.speakers),
            )
            for session in attended(registration, edition, counted)
        ),
    )


def checked_in(edition: Edition) -> list[Registration]:
    """Everyone who was checked in, by last name: the bulk certificates."""
    return list(
        db.session.scalars(
            sa.select(Registration)
            .where(
                Registration.edition_id == edition.id,
                Registration.status == RegistrationStatus.confirmed,
                Registration.checked_in_at.is_not(None),
                Registration.erased_at.is_(None),
            )
            .options(selectinload(Registration.choices))
            .order_by(*BY_NAME)
        )
    )


def certificates(
    edition: Edition,
    registrations: Sequence[Registration],
    language: str,
    own_languages: bool = False,
) -> list[Certificate]:
    """Certificates in `language`, or with `own_languages` each in its person's language."""
    counted = sessions_with_attendance(edition.id)
    earned = earned_points(edition.id)

    def one(registration: Registration) -> Certificate:
        return certificate_for(registration, edition, counted, earned.get(registration.id, ()))

    if own_languages:
        return each_in_own_language(registrations, one, language)
    with force_locale(language):
        return [one(registration) for registration in registrations]


def certificates_html(items: Sequence[Certificate], language: str) -> str:
    with force_locale(language):
        return render_template("documents/certificates.html", certificates=items, language=language)
