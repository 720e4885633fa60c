"""At the symposium: check-in at the door and attendance per session."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import use_case
from symposium.extensions import db
from symposium.program.models import Session
from symposium.registration.listing import BY_NAME, _now, _search
from symposium.registration.models import Choice, ChoiceState, Registration, RegistrationStatus
from symposium.registration.requests import NotAllowed

# -- check-in at the door --------------------------------------------------------------


@dataclass(frozen=True)
class CheckInCount:
    checked_in: int
    expected: int


def check_in_count(edition_id: int) -> CheckInCount:
    """Confirmed registrations checked in so far, of all confirmed ones, in one query."""
    expected, checked_in = db.session.execute(
        sa.select(sa.func.count(Registration.id), sa.func.count(Registration.checked_in_at)).where(
            Registration.edition_id == edition_id,
            Registration.status == RegistrationStatus.confirmed,
        )
    ).one()
    return CheckInCount(checked_in=checked_in, expected=expected)


def door_search(edition_id: int, search: str, limit: int = 25) -> list[Registration]:
    """People whose first or last name holds every word typed, by last name."""
    if not search.strip():
        return []
    return list(
        db.session.scalars(
            sa.select(Registration)
            .where(
                Registration.edition_id == edition_id,
                *_search(search, Registration.first_name, Registration.last_name),
            )
            .order_by(*BY_NAME)
            .limit(limit)
        )
    )


def recent_check_ins(edition_id: int, limit: int = 5) -> list[Registration]:
    """The last people checked in, so that a wrong tap is quickly undone."""
    return list(
        db.session.scalars(
            sa.select(Registration)
            .where(Registration.edition_id == edition_id, Registration.checked_in_at.is_not(None))
            .order_by(Registration.checked_in_at.desc(), Registration.id.desc())
            .limit(limit)
        )
    )


def _toggle(column, row_id: int, moment: datetime | None) -> bool:
    """Set a moment (check-in, attendance) that is not set, or clear one that is, in one
    conditional update: two phones tapping the same person change it once. True when
    this call changed it."""
    table = column.class_
    already = column.is_(None) if moment is not None else column.is_not(None)
    result = db.session.execute(
        sa.update(table)
        .where(table.id == row_id, already)
        .values({column.key: moment})
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


_NOT_CHECKED_IN = {
    RegistrationStatus.cancelled: _l("This registration is cancelled: not checked in."),
    RegistrationStatus.waitlisted: _l(
        "This person is on the waiting list for the venue and has no place: not checked in."
    ),
}


def check_in_refusal(registration: Registration):
    """Why this person cannot be checked in; None when they can."""
    if registration.status == RegistrationStatus.confirmed:
        return None
    return _NOT_CHECKED_IN.get(registration.status, _l("This person cannot be checked in."))


@use_case
def check_in(registration_id: int, actor: Actor, now: datetime | None = None) -> bool:
    """Mark someone as arrived; True when this call did it, False when they already were."""

    registration = db.session.get(Registration, registration_id)
    if registration.status != RegistrationStatus.confirmed:
        raise NotAllowed(check_in_refusal(registration))
    moment = now or _now()
    done = _toggle(Registration.checked_in_at, registration_id, moment)
    if done:
        audit.record(
            actor,
            "registration.check_in",
            registration,
            before={"checked_in_at": None},
            after={"checked_in_at": moment},
        )
    db.session.refresh(registration)
    return done


@use_case
def undo_check_in(registration_id: int, actor: Actor) -> bool:
    """Take back a check-in (and a check-out after it); True when there was one."""

    registration = db.session.get(Registration, registration_id)
    was, left = registration.checked_in_at, registration.checked_out_at
    done = _toggle(Registration.checked_in_at, registration_id, None)
    if done:
        if left is not None:
            _toggle(Registration.checked_out_at, registration_id, None)
        audit.record(
            actor,
            "registration.undo_check_in",
            registration,
            before={"checked_in_at": was, "checked_out_at": left},
            after={"checked_in_at": None, "checked_out_at": None},
        )
    db.session.refresh(registration)
    return done


@use_case
def check_out(registration_id: int, actor: Actor, now: datetime | None = None) -> bool:
    """Mark someone checked in as leaving (scanned again on the way out); True when this
    call did it, False when they had already left or never came in."""

    registration = db.session.get(Registration, registration_id)
    if registration.checked_in_at is None:
        raise NotAllowed(_l("Only someone checked in can be checked out."))
    moment = now or _now()
    done = _toggle(Registration.checked_out_at, registration_id, moment)
    if done:
        audit.record(
            actor,
            "registration.check_out",
            registration,
            before={"checked_out_at": None},
            after={"checked_out_at": moment},
        )
    db.session.refresh(registration)
    return done


@use_case
def undo_check_out(registration_id: int, actor: Actor) -> bool:
    """Take back a check-out made by mistake: the person is still here."""

    registration = db.session.get(Registration, registration_id)
    was = registration.checked_out_at
    done = _toggle(Registration.checked_out_at, registration_id, None)
    if done:
        audit.record(
            actor,
            "registration.undo_check_out",
            registration,
            before={"checked_out_at": was},
            after={"checked_out_at": None},
        )
    db.session.refresh(registration)
    return done


# -- attendance per session ------------------------------------------------------------


@dataclass
class Attendee:
    choice_id: int
    registration: Registration
    attended_at: datetime | None


@dataclass
class Waiting:
    choice_id: int
    registration: Registration
    position: int


@dataclass
class SessionAttendance:
    session: Session
    attendees: list[Attendee]
    waiting: list[Waiting]

    @property
    def present(self) -> int:
        return sum(1 for attendee in self.attendees if attendee.attended_at is not None)


def session_attendance(session: Session) -> SessionAttendance:
    """The people holding a seat in a session, by last name, and its waiting list in order."""
    held = db.session.execute(
        sa.select(Choice.id, Choice.attended_at, Registration)
        .join(Registration, Registration.id == Choice.registration_id)
        .where(
            Choice.session_id == session.id,
            Choice.state == ChoiceState.confirmed,
            Registration.status == RegistrationStatus.confirmed,
        )
        .order_by(*BY_NAME)
    ).all()
    waiting = db.session.execute(
        sa.select(Choice.id, Registration)
        .join(Registration, Registration.id == Choice.registration_id)
        .where(Choice.session_id == session.id, Choice.state == ChoiceState.waitlisted)
        .order_by(Choice.waitlisted_at, Choice.id)
    ).all()
    return SessionAttendance(
        session=session,
        attendees=[Attendee(row[0], row[2], row[1]) for row in held],
        waiting=[Waiting(row[0], row[1], number) for number, row in enumerate(waiting, 1)],
    )


def _attendance_label(choice: Choice) -> str:
    return f"{choice.registration.full_name} · {choice.session.title}"


@use_case
def mark_attended(choice_id: int, actor: Actor, now: datetime | None = None) -> bool:
    """Tick someone as present in the session they hold a seat in; True when this call did it."""

    choice = db.session.get(Choice, choice_id)
    if (
        choice.state != ChoiceState.confirmed
        or choice.registration.status != RegistrationStatus.confirmed
    ):
        raise NotAllowed(_l("Only someone with a seat in this session can be ticked."))
    moment = now or _now()
    done = _toggle(Choice.attended_at, choice_id, moment)
    if done:
        audit.record(
            actor,
            "choice.attended",
            choice,
            before={"attended_at": None},
            after={"attended_at": moment},
            label=_attendance_label(choice),
            edition_id=choice.registration.edition_id,
        )
    return done


@use_case
def undo_attended(choice_id: int, actor: Actor) -> bool:
    choice = db.session.get(Choice, choice_id)
    was = choice.attended_at
    done = _toggle(Choice.attended_at, choice_id, None)
    if done:
        audit.record(
            actor,
            "choice.undo_attended",
            choice,
            before={"attended_at": was},
            after={"attended_at": None},
            label=_attendance_label(choice),
            edition_id=choice.registration.edition_id,
        )
    return done


def get_choice(choice_id: int) -> Choice | None:
    return db.session.get(Choice, choice_id)
