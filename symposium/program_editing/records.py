"""What a change looks like in the audit log and in the mail it causes."""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from symposium.i18n import format_short_day, format_time_range
from symposium.program.models import Edition, Person, Round, Session
from symposium.program_editing.common import InvalidProgram
from symposium.program_editing.form_values import _date_text

# -- changes and the mail they cause ---------------------------------------------------


def _time_text_for_people(starts: datetime, ends: datetime, timezone: str, with_day: bool) -> str:
    text = format_time_range(starts, ends, timezone)
    return f"{format_short_day(starts, timezone)}, {text}" if with_day else text


def _program_changes(session: Session, before: dict, timezone: str) -> list[tuple[str, str, str]]:
    """(what, before, after) for the attendees, in the organiser's language."""
    changes = []
    if (before["starts_at"], before["ends_at"]) != (session.starts_at, session.ends_at):
        other_day = _date_text(before["starts_at"], timezone) != _date_text(
            session.starts_at, timezone
        )
        changes.append(
            (
                _("Time"),
                _time_text_for_people(before["starts_at"], before["ends_at"], timezone, other_day),
                _time_text_for_people(session.starts_at, session.ends_at, timezone, other_day),
            )
        )
    if before["room"] != session.room:
        changes.append((_("Room"), before["room"] or "–", session.room or "–"))
    return changes


def _session_record(session: Session) -> dict:
    return {
        "title": session.title,
        "title_en": session.title_en,
        "slug": session.slug,
        "kind": session.kind,
        "round": session.round.name if session.round else None,
        "room": session.room,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "capacity": session.capacity,
        "abstract": session.abstract,
        "abstract_en": session.abstract_en,
        "speakers": [p.name for p in session.speakers],
    }


def _edition_record(edition: Edition) -> dict:
    return {
        "title": edition.title,
        "title_en": edition.title_en,
        "description_en": edition.description_en,
        "venue_en": edition.venue_en,
        "venue_details_en": edition.venue_details_en,
        "slug": edition.slug,
        "starts_at": edition.starts_at,
        "ends_at": edition.ends_at,
        "timezone": edition.timezone,
        "venue": edition.venue,
        "venue_details": edition.venue_details,
        "venue_address": edition.venue_address,
        "venue_map_url": edition.venue_map_url,
        "organiser_name": edition.organiser_name,
        "contact_email": edition.contact_email,
        "contact_phone": edition.contact_phone,
        "venue_capacity": edition.venue_capacity,
        "registration_opens_at": edition.registration_opens_at,
        "registration_closes_at": edition.registration_closes_at,
        "certificate_text": edition.certificate_text,
        "description": edition.description,
        "privacy_text": edition.privacy_text,
        "confirm_email": edition.confirm_email,
        "confirm_hours": edition.confirm_hours,
        "status": edition.status,
    }


def _round_record(round_: Round) -> dict:
    return {
        "name": round_.name,
        "name_en": round_.name_en,
        "starts_at": round_.starts_at,
        "ends_at": round_.ends_at,
    }


def _person_record(person_: Person) -> dict:
    return {
        "name": person_.name,
        "affiliation": person_.affiliation,
        "bio": person_.bio,
        "email": person_.email,
    }


def _slug_taken(error: IntegrityError, message) -> Exception:
    """Two organisers saved the same web address at once; the unique index let one through."""
    if "slug" in str(error.orig).lower():
        return InvalidProgram({"slug": [message]})
    return error
