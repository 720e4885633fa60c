"""Door lists: who holds a seat in a session, to sign on the way in."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale

from symposium.documents.badges import checkin_qr
from symposium.extensions import db
from symposium.i18n import format_day, format_time_range
from symposium.program.models import Edition, Session, SessionKind
from symposium.registration.listing import BY_NAME
from symposium.registration.models import Choice, ChoiceState, Registration, RegistrationStatus
from symposium.urls import external_url


@dataclass(frozen=True)
class DoorList:
    edition_title: str
    title: str
    round_name: str
    day: str
    time: str
    room: str
    #: (full name, organisation), by last name
    people: tuple[tuple[str, str], ...]
    #: the short link to the session's room form for signals, and its QR code (data: URL)
    signal_url: str = ""
    signal_qr: str = ""


def session_of(edition: Edition, session_id: int) -> Session | None:
    session = db.session.get(Session, session_id)
    return session if session is not None and session.edition_id == edition.id else None


def door_list(edition: Edition, session: Session, language: str) -> DoorList:
    """Everyone with a seat; for a plenary everyone with a place at the symposium."""
    query = (
        sa.select(Registration.first_name, Registration.last_name, Registration.organisation)
        .where(
            Registration.edition_id == edition.id,
            Registration.status == RegistrationStatus.confirmed,
        )
        .order_by(*BY_NAME)
    )
    if session.kind != SessionKind.plenary:
        query = query.join(Choice, Choice.registration_id == Registration.id).where(
            Choice.session_id == session.id, Choice.state == ChoiceState.confirmed
        )
    tz = edition.timezone
    with force_locale(language):
        return DoorList(
            edition_title=edition.title,
            title=session.title,
            round_name=session.round.name if session.round else "",
            day=format_day(session.starts_at, tz),
            time=format_time_range(session.starts_at, session.ends_at, tz),
            room=session.room,
            people=tuple(
                (f"{first} {last}", organisation)
                for first, last, organisation in db.session.execute(query)
            ),
            signal_url=(url := signal_link(edition, session)),
            signal_qr=checkin_qr(url),
        )


def signal_link(edition: Edition, session: Session) -> str:
    """The short link of the room form for signals (symposium.signals), as on the projector."""
    return external_url("signals.short", slug=edition.slug, session_id=session.id)


def door_list_html(door: DoorList, language: str) -> str:
    with force_locale(language):
        return render_template("documents/door_list.html", door=door, language=language)
