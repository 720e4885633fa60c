"""Who may act on a session, and what the speakers' rules refuse."""

import enum
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from symposium.accounts.models import Role, User
from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import use_case
from symposium.extensions import db
from symposium.program.models import (
    Edition,
    Person,
    Session,
    SessionKind,
)
from symposium.registration.models import (
    Choice,
    ChoiceState,
    Registration,
    RegistrationStatus,
)
from symposium.validation import RuleError, clean_text

LINK_LIFETIME = timedelta(days=7)
SUMMARY_LENGTH = 50_000
REMARK_LENGTH = 2_000
BIO_LENGTH = 5_000
_LINK_SALT = "symposium.speaker-sign-in"


def _now() -> datetime:
    return datetime.now(UTC)


# -- errors a person can read ----------------------------------------------------------


class SpeakerError(RuleError):
    """Something the speakers' rules refuse."""


class Invalid(SpeakerError):
    message = _l("Some fields need attention.")


class LinkRefused(SpeakerError):
    message = _l("This sign-in link does not work. Ask for a new one below.")


def _text(errors: dict, name: str, value, limit: int, required=None, multiline=False) -> str:
    value, problem = clean_text(value, limit, required, multiline)
    if problem is not None:
        errors.setdefault(name, []).append(problem)
    return value


# -- who may do what -------------------------------------------------------------------


class Act(enum.StrEnum):
    #: see the session in the speaker area: seats, materials, summary state
    view = "view"
    materials = "materials"
    summary = "summary"


def may(user, session: Session, act: Act) -> bool:
    """Organisers on any session; speakers on their own; note-takers see and summarise."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role == Role.organiser:
        return True
    if user.role != Role.speaker or user.person_id is None:
        return False
    if any(person.id == user.person_id for person in session.speakers):
        return True
    return act in (Act.view, Act.summary) and session.summary_note_taker_id == user.person_id


def sessions_for(user: User) -> list[Session]:
    """The sessions a person can open in the speaker area, newest edition first."""
    query = (
        sa.select(Session)
        .join(Session.edition)
        .order_by(Edition.starts_at.desc(), Session.starts_at, Session.title)
    )
    if user.role != Role.organiser:
        if user.person_id is None:
            return []
        query = query.where(
            sa.or_(
                Session.speakers.any(Person.id == user.person_id),
                Session.summary_note_taker_id == user.person_id,
            )
        )
    return list(db.session.scalars(query))


def session(session_id: int) -> Session | None:
    return db.session.get(Session, session_id)


@dataclass(frozen=True)
class Attendee:
    name: str
    organisation: str


def attendees(session_: Session) -> list[Registration]:
    """Confirmed people holding a seat; everyone confirmed for a plenary."""
    query = sa.select(Registration).where(
        Registration.edition_id == session_.edition_id,
        Registration.status == RegistrationStatus.confirmed,
    )
    if session_.kind == SessionKind.breakout:
        query = query.where(
            sa.exists().where(
                Choice.registration_id == Registration.id,
                Choice.session_id == session_.id,
                Choice.state == ChoiceState.confirmed,
            )
        )
    return list(
        db.session.scalars(
            query.order_by(Registration.last_name, Registration.first_name, Registration.id)
        )
    )


@use_case
def set_attendees_visible(edition_id: int, visible: bool, actor: Actor) -> None:
    edition = db.session.get(Edition, edition_id)
    audit.record(
        actor,
        "edition.speakers_see_attendees",
        edition,
        before={"speakers_see_attendees": edition.speakers_see_attendees},
        after={"speakers_see_attendees": visible},
        label=edition.title,
        edition_id=edition.id,
    )
    edition.speakers_see_attendees = visible
