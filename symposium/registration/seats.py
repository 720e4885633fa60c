"""Seats and waiting places: the few writes that every capacity rule is made of.

A seat is claimed by one conditional update whose row count says yes or no
(`UPDATE session SET taken = taken + 1 WHERE id = :id AND taken < capacity`), in the
caller's transaction, beside the choice row it belongs to; the same holds for places at
the venue. On PostgreSQL a session found full is locked and asked again, so that a seat
that frees while someone joins the waiting list is never left empty; SQLite's
`BEGIN IMMEDIATE` already serialises writers. These functions never commit: the use
cases do, once. Nor do they mail: they return what happened (who was promoted), and the
use case hands that to `notifications` in the same transaction.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from symposium.extensions import db
from symposium.program.models import Edition, Session
from symposium.registration.models import Choice, ChoiceState, Registration, RegistrationStatus
from symposium.registration.rows import execute


def lock_session(session_id: int) -> None:
    """Row lock on PostgreSQL; SQLite's `BEGIN IMMEDIATE` already serialises writers.

    FOR NO KEY UPDATE: it waits for whoever changes the seat counters, but not for those
    who merely write a choice of this session (a foreign key's share lock), who may be
    waiting for this transaction in turn.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            sa.select(Session.id).where(Session.id == session_id).with_for_update(key_share=True)
        )


def lock_registration(registration_id: int) -> None:
    """Row lock on PostgreSQL, so that two changes to one person's registration (a cancel
    and a change, or a promotion) take turns, and the second sees what the first did."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            sa.select(Registration.id).where(Registration.id == registration_id).with_for_update()
        )


def claim_seat(session_id: int) -> bool:
    """Take one seat of a session; False when it is full.

    The update locks the row when it takes a seat. When it finds the session full, the row
    is locked (PostgreSQL) and asked once more: from then on a seat freed elsewhere waits
    for this transaction, and so sees the waiting place the caller adds next.
    """
    if _take_seat(session_id):
        return True
    if db.session.get_bind().dialect.name != "postgresql":
        return False  # SQLite's write lock was held all along: it is full
    lock_session(session_id)
    return _take_seat(session_id)


def claim_seats(session_ids: list[int]) -> set[int]:
    """Take one seat in each of these sessions, in one statement; the ids it took one in.

    For the sessions it found full, the caller asks again with `claim_seat`, which locks.
    """
    if not session_ids:
        return set()
    return set(execute(_TAKE_SEATS, {"session_ids": session_ids}).scalars())


_SESSIONS = Session.__table__
_EDITIONS = Edition.__table__
_HAS_SEATS = sa.or_(_SESSIONS.c.capacity.is_(None), _SESSIONS.c.taken < _SESSIONS.c.capacity)
# The statements of a sign-up, built once: building them took longer than running them.
_TAKE_SEAT = (
    sa.update(_SESSIONS)
    .where(_SESSIONS.c.id == sa.bindparam("session_id"), _HAS_SEATS)
    .values(taken=_SESSIONS.c.taken + 1)
)
_TAKE_SEATS = (
    sa.update(_SESSIONS)
    .where(_SESSIONS.c.id.in_(sa.bindparam("session_ids", expanding=True)), _HAS_SEATS)
    .values(taken=_SESSIONS.c.taken + 1)
    .returning(_SESSIONS.c.id)
)
_TAKE_PLACE = (
    sa.update(_EDITIONS)
    .where(
        _EDITIONS.c.id == sa.bindparam("edition_id"),
        sa.or_(
            _EDITIONS.c.venue_capacity.is_(None),
            _EDITIONS.c.registered < _EDITIONS.c.venue_capacity,
        ),
    )
    .values(registered=_EDITIONS.c.registered + 1)
)


def _take_seat(session_id: int) -> bool:
    return execute(_TAKE_SEAT, {"session_id": session_id}).rowcount == 1


def release_seat(session_id: int) -> None:
    db.session.execute(
        sa.update(Session)
        .where(Session.id == session_id, Session.taken > 0)
        .values(taken=Session.taken - 1)
        .execution_options(synchronize_session=False)
    )


def count_waiting(session_id: int, delta: int) -> None:
    db.session.execute(
        sa.update(Session)
        .where(Session.id == session_id)
        .values(waiting=Session.waiting + delta)
        .execution_options(synchronize_session=False)
    )


def claim_venue_place(edition_id: int) -> bool:
    return execute(_TAKE_PLACE, {"edition_id": edition_id}).rowcount == 1


def release_venue_place(edition_id: int) -> None:
    db.session.execute(
        sa.update(Edition)
        .where(Edition.id == edition_id, Edition.registered > 0)
        .values(registered=Edition.registered - 1)
        .execution_options(synchronize_session=False)
    )


def forget_counters() -> None:
    """The counters these statements change are read anew when next asked for: for a use
    case that keeps what it loaded (`use_case(keep_loaded=True)`)."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Session):
            db.session.expire(obj, ["taken", "waiting"])
        elif isinstance(obj, Edition):
            db.session.expire(obj, ["registered"])


def _now() -> datetime:
    return datetime.now(UTC)


def add_choice(
    registration: Registration, round_id: int, session_id: int, state, flush: bool = True
) -> Choice:
    """A new choice; `flush=False` leaves writing it to the caller's next flush (several
    choices then go in one statement)."""
    now = _now()
    choice = Choice(
        round_id=round_id,
        session_id=session_id,
        state=state,
        created_at=now,
        waitlisted_at=now if state == ChoiceState.waitlisted else None,
        decided_at=now if state == ChoiceState.confirmed else None,
    )
    registration.choices.append(choice)
    if state == ChoiceState.waitlisted:
        count_waiting(session_id, +1)
    if flush:
        db.session.flush()
    return choice


def wait_instead(choice: Choice) -> None:
    """A new choice written as a seat that its session had no longer: a waiting place."""
    choice.state = ChoiceState.waitlisted
    choice.waitlisted_at = choice.created_at
    choice.decided_at = None
    count_waiting(choice.session_id, +1)


def decline(choice: Choice) -> None:
    """Give up a held seat or waiting place; the caller fills a freed seat."""
    if choice.state == ChoiceState.confirmed:
        release_seat(choice.session_id)
    elif choice.state == ChoiceState.waitlisted:
        count_waiting(choice.session_id, -1)
    choice.state = ChoiceState.declined
    choice.decided_at = _now()
    db.session.flush()


@dataclass(frozen=True)
class Promotion:
    """Someone waiting got a seat; `released` is the session whose seat they gave up."""

    choice: Choice
    released: Session | None


def fill_freed_seats(session_ids: Iterable[int]) -> list[Promotion]:
    """Give freed seats to the first people waiting, following the chain through rounds.

    Someone promoted into a session gives up the seat they held in that round, which
    goes to the first person waiting for it, and so on. Returns the promotions, in order,
    for the caller to tell each person (`notifications.promotions`).
    """
    worklist = list(session_ids)
    promoted: list[Promotion] = []
    while worklist:
        session_id = worklist.pop(0)
        while True:
            lock_session(session_id)
            first_waiting = db.session.scalars(
                sa.select(Choice)
                .where(Choice.session_id == session_id, Choice.state == ChoiceState.waitlisted)
                .order_by(Choice.waitlisted_at, Choice.id)
                .limit(1)
            ).first()
            if first_waiting is None or not claim_seat(session_id):
                break
            # The seat they hold as it is now: not as a change of theirs in flight left it.
            lock_registration(first_waiting.registration_id)
            held = db.session.scalars(
                sa.select(Choice)
                .where(
                    Choice.registration_id == first_waiting.registration_id,
                    Choice.round_id == first_waiting.round_id,
                    Choice.state == ChoiceState.confirmed,
                )
                .execution_options(populate_existing=True)
            ).first()
            if held is not None:
                decline(held)
                worklist.append(held.session_id)
            count_waiting(session_id, -1)
            first_waiting.state = ChoiceState.confirmed
            first_waiting.decided_at = _now()
            db.session.flush()
            promoted.append(Promotion(first_waiting, held.session if held else None))
    return promoted


def promote_from_venue_waitlist(edition_id: int) -> Registration | None:
    """A freed venue place goes to the first registration on the edition's waiting list;
    the caller tells them (`notifications.venue_promoted`)."""
    first_waiting = db.session.scalars(
        sa.select(Registration)
        .where(
            Registration.edition_id == edition_id,
            Registration.status == RegistrationStatus.waitlisted,
        )
        .order_by(Registration.created_at, Registration.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    if first_waiting is None or not claim_venue_place(edition_id):
        return None
    first_waiting.status = RegistrationStatus.confirmed
    return first_waiting
