"""What the forms show: stored values written the way people type them."""

from datetime import datetime

from flask_babel import gettext as _

from symposium.program.models import Edition, Person, Round, Session, SessionKind
from symposium.program_editing.common import EditionData, PersonData, RoundData, SessionData, _local

# -- what forms show: stored values as people type them -------------------------------


def _date_text(moment: datetime | None, timezone: str) -> str:
    return _local(moment, timezone).strftime("%Y-%m-%d") if moment else ""


def _time_text(moment: datetime | None, timezone: str) -> str:
    return _local(moment, timezone).strftime("%H:%M") if moment else ""


def _moment_text(moment: datetime | None, timezone: str) -> str:
    return _local(moment, timezone).strftime("%Y-%m-%dT%H:%M") if moment else ""


def edition_values(edition: Edition) -> EditionData:
    tz = edition.timezone
    one_day = _date_text(edition.starts_at, tz) == _date_text(edition.ends_at, tz)
    return EditionData(
        title=edition.title,
        slug=edition.slug,
        starts_on=_date_text(edition.starts_at, tz),
        starts_time=_time_text(edition.starts_at, tz),
        ends_on="" if one_day else _date_text(edition.ends_at, tz),
        ends_time=_time_text(edition.ends_at, tz),
        timezone=tz,
        venue=edition.venue,
        venue_details=edition.venue_details or "",
        venue_address=edition.venue_address or "",
        venue_map_url=edition.venue_map_url or "",
        organiser_name=edition.organiser_name or "",
        contact_email=edition.contact_email or "",
        contact_phone=edition.contact_phone or "",
        venue_capacity="" if edition.venue_capacity is None else str(edition.venue_capacity),
        registration_opens=_moment_text(edition.registration_opens_at, tz),
        registration_closes=_moment_text(edition.registration_closes_at, tz),
        certificate_text=edition.certificate_text or "",
        description=edition.description or "",
        privacy_text=edition.privacy_text or "",
        title_en=edition.title_en or "",
        description_en=edition.description_en or "",
        venue_en=edition.venue_en or "",
        venue_details_en=edition.venue_details_en or "",
        confirm_email="yes" if edition.confirm_email else "no",
        confirm_hours=str(edition.confirm_hours),
    )


def round_values(round_: Round) -> RoundData:
    tz = round_.edition.timezone
    return RoundData(
        name=round_.name,
        name_en=round_.name_en or "",
        day=_date_text(round_.starts_at, tz),
        starts_time=_time_text(round_.starts_at, tz),
        ends_time=_time_text(round_.ends_at, tz),
    )


def new_round_values(edition: Edition) -> RoundData:
    return RoundData(
        name=_("Round %(number)d", number=len(edition.rounds) + 1),
        day=_date_text(edition.starts_at, edition.timezone),
    )


def session_values(session: Session) -> SessionData:
    tz = session.edition.timezone
    return SessionData(
        kind=session.kind.value,
        round_id=str(session.round_id or ""),
        title=session.title,
        title_en=session.title_en or "",
        slug=session.slug,
        abstract=session.abstract or "",
        abstract_en=session.abstract_en or "",
        room=session.room or "",
        day=_date_text(session.starts_at, tz),
        starts_time=_time_text(session.starts_at, tz),
        ends_time=_time_text(session.ends_at, tz),
        capacity="" if session.capacity is None else str(session.capacity),
        speaker_ids=[str(person.id) for person in session.speakers],
    )


def new_session_values(edition: Edition, kind: str, round_id: int | None) -> SessionData:
    """A plenary on the edition's day, or a breakout at its round's time."""
    tz = edition.timezone
    round_ = next((r for r in edition.rounds if r.id == round_id), None)
    if kind == SessionKind.plenary.value or round_ is None:
        plenary = kind == SessionKind.plenary.value or not edition.rounds
        return SessionData(
            kind=(SessionKind.plenary if plenary else SessionKind.breakout).value,
            day=_date_text(edition.starts_at, tz),
        )
    return SessionData(
        kind=SessionKind.breakout.value,
        round_id=str(round_.id),
        day=_date_text(round_.starts_at, tz),
        starts_time=_time_text(round_.starts_at, tz),
        ends_time=_time_text(round_.ends_at, tz),
    )


def person_values(person: Person) -> PersonData:
    return PersonData(
        name=person.name,
        affiliation=person.affiliation or "",
        bio=person.bio or "",
        email=person.email or "",
    )
