"""Sessions: plenaries and breakouts, their seats, and deleting one with people in it."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import refuse_conflicts, use_case
from symposium.extensions import db
from symposium.program import versions
from symposium.program.models import Edition, Person, Session, SessionKind
from symposium.program.versions import version_after_changes
from symposium.program_editing import clashes, rooms
from symposium.program_editing.common import (
    SESSION_SLUG_LENGTH,
    DeleteData,
    InvalidProgram,
    SessionData,
    _at,
    _Fields,
    _local,
    _session_slug,
)
from symposium.program_editing.reading import _has_registrations, _holders, _waiting
from symposium.program_editing.records import (
    _program_changes,
    _session_record,
    _slug_taken,
    _time_text_for_people,
)
from symposium.registration import notifications, seats
from symposium.registration import service as registration
from symposium.registration.models import Choice, ChoiceState, Registration
from symposium.registration.personal import active_choice

# -- sessions --------------------------------------------------------------------------


def _session_fields(edition: Edition, data: SessionData, session: Session | None) -> dict:
    """Every problem with a session's form, or the values to store (speakers as people)."""
    fields = _Fields()
    tz = edition.timezone
    kinds = {kind.value: kind for kind in SessionKind}
    kind = kinds.get(data.kind if isinstance(data.kind, str) else "")
    if kind is None:
        fields.add("kind", _l("Choose plenary or breakout session."))
    round_ = None
    if kind == SessionKind.breakout:
        rounds = {str(r.id): r for r in edition.rounds}
        round_ = rounds.get(data.round_id.strip() if isinstance(data.round_id, str) else "")
        if round_ is None:
            fields.add(
                "round_id",
                _l("Choose the round of this breakout session.")
                if rounds
                else _l("Add a round first: a breakout session runs in a round."),
            )
    title = fields.text("title", data.title, 300, _l("Enter the title."))
    slug = _session_slug(
        fields,
        fields.text("slug", data.slug, SESSION_SLUG_LENGTH * 2).lower(),
        title,
        edition.id,
        session.id if session else None,
    )

    default_day = _local((round_ or edition).starts_at, tz).date()
    day = fields.day("day", data.day) or default_day
    if kind == SessionKind.breakout and round_ is not None:
        # A breakout runs exactly when its round does; empty times mean "the round's".
        starts = fields.clock("starts_time", data.starts_time)
        ends = fields.clock("ends_time", data.ends_time)
        starts = starts or _local(round_.starts_at, tz).time()
        ends = ends or _local(round_.ends_at, tz).time()
    else:
        starts = fields.clock("starts_time", data.starts_time, _l("Enter the start time."))
        ends = fields.clock("ends_time", data.ends_time, _l("Enter the end time."))
    values = {
        "kind": kind,
        "round_id": round_.id if round_ else None,
        "title": title,
        "slug": slug,
        "abstract": fields.text("abstract", data.abstract, 10_000, multiline=True),
        "room": fields.text("room", data.room, 120),
    }
    if fields.ok("day", "starts_time", "ends_time") and starts and ends:
        values["starts_at"] = _at(day, starts, tz)
        values["ends_at"] = _at(day, ends, tz)
        if values["ends_at"] <= values["starts_at"]:
            fields.add("ends_time", _l("The end must be after the start."))
        elif round_ is not None:
            times = (values["starts_at"], values["ends_at"])
            if times != (round_.starts_at, round_.ends_at):
                wrong = "day" if day != _local(round_.starts_at, tz).date() else "starts_time"
                if wrong == "starts_time" and values["starts_at"] == round_.starts_at:
                    wrong = "ends_time"
                fields.add(
                    wrong,
                    _l(
                        "A breakout session runs at its round's time: %(time)s.",
                        time=_time_text_for_people(round_.starts_at, round_.ends_at, tz, True),
                    ),
                )

    room = rooms.room_named(edition, values["room"]) if fields.ok("room") else None
    blank = not (isinstance(data.capacity, str) and data.capacity.strip())
    if kind == SessionKind.breakout and blank and room is not None and room.capacity:
        values["capacity"] = room.capacity  # the room's seats, unless another number is given
    elif kind == SessionKind.breakout:
        values["capacity"] = fields.whole_number(
            "capacity",
            data.capacity,
            _l("Enter the number of seats, or choose a room with a capacity."),
        )
        capacity = values["capacity"]
        if session is not None and capacity is not None and capacity < session.taken:
            fields.add(
                "capacity",
                _l("%(taken)d seats are taken; the capacity cannot be lower.", taken=session.taken),
            )
    else:
        values["capacity"] = None
        if isinstance(data.capacity, str) and data.capacity.strip():
            fields.add("capacity", _l("Everyone attends a plenary session: leave this empty."))

    wanted = {value for value in data.speaker_ids if isinstance(value, str)}
    speakers = list(
        db.session.scalars(
            sa.select(Person).where(
                Person.id.in_([int(v) for v in wanted if v.isdecimal() and len(v) < 10])
            )
        )
    )
    if len(speakers) != len(wanted):
        fields.add("speaker_ids", _l("Choose speakers from the list."))
    values["speakers"] = sorted(speakers, key=lambda p: p.name)

    if session is not None and kind is not None and _has_registrations(session.id):
        if kind != session.kind:
            fields.add(
                "kind",
                _l("People have signed up for this session, so it stays a breakout session."),
            )
        elif values["round_id"] != session.round_id and round_ is not None:
            fields.add(
                "round_id",
                _l(
                    "People have signed up for this session, so it stays in %(round)s.",
                    round=session.round.name,
                ),
            )
    fields.raise_if_any()
    return values


def _session_slug_taken(error: IntegrityError) -> Exception:
    return _slug_taken(error, _l("Another session of this edition already uses this web address."))


@refuse_conflicts(_session_slug_taken)
@use_case
def create_session(edition_id: int, data: SessionData, actor: Actor) -> Session:
    edition = db.session.get(Edition, edition_id)
    values = _session_fields(edition, data, None)
    before = clashes.find_clashes(edition)
    session = Session(edition=edition, **values)
    db.session.add(session)
    db.session.flush()
    clashes.check_new_clashes(edition, before, ("session", session.id), data.save_anyway == "yes")
    rooms.remember(edition, session.room)
    audit.record(actor, "session.create", session, after=_session_record(session))
    return session


@refuse_conflicts(_session_slug_taken)
@use_case
def update_session(session_id: int, data: SessionData, actor: Actor) -> Session:
    """Change a session in one transaction. A new capacity goes through the seat rules,
    which promote people waiting when it grows. Seat holders hear of a new time or room."""

    session = db.session.get(Session, session_id)
    edition = session.edition
    values = _session_fields(edition, data, session)
    new_capacity = values["capacity"] is not None and values["capacity"] != session.capacity
    if new_capacity:
        try:
            registration.set_capacity(session_id, values["capacity"], actor=actor)
        except registration.NotAllowed as refused:
            raise InvalidProgram({"capacity": [refused.message]}) from refused
    before = _session_record(session)
    clashes_before = clashes.find_clashes(edition)
    for name, value in values.items():
        setattr(session, name, value)
    db.session.flush()
    db.session.refresh(session, ["round"])
    clashes.check_new_clashes(
        edition, clashes_before, ("session", session.id), data.save_anyway == "yes"
    )
    rooms.remember(edition, session.room)
    after = _session_record(session)
    if before == after:
        return session
    version = version_after_changes(edition)
    audit.record(actor, "session.update", session, before, after)
    changes = _program_changes(session, before, edition.timezone)
    if changes:
        registration.notify_program_change(session.id, changes, version)
    return session


@dataclass
class DeleteResult:
    title: str
    target_title: str = ""
    #: names, in the order they held their seats
    moved: list[str] = field(default_factory=list)
    waitlisted: list[str] = field(default_factory=list)
    without_session: list[str] = field(default_factory=list)
    released: list[str] = field(default_factory=list)
    waiting_removed: int = 0


@use_case
def delete_session(session_id: int, choice: DeleteData, actor: Actor) -> DeleteResult:
    """Remove a session. Its seat holders are moved to another session of the round (those
    who do not fit go on its waiting list) or released, and each is mailed the change once.
    Its waiting list is removed."""

    session = db.session.get(Session, session_id)
    seats.lock_session(session_id)
    holders = _holders(session_id)
    outcome = choice.outcome if isinstance(choice.outcome, str) else ""
    target = None
    if holders:
        if outcome not in ("move", "release"):
            raise InvalidProgram(
                {"outcome": [_l("Choose what happens to the people with a seat.")]}
            )
        if outcome == "move":
            target = _move_target(session, choice.target_session_id)

    # The mail about it carries the version the deletion below gives the program.
    versions.changing(session.edition)
    version = version_after_changes(session.edition)
    result = DeleteResult(title=session.title, target_title=target.title if target else "")
    for waiting in _waiting(session_id):
        seats.decline(waiting)
        result.waiting_removed += 1
    for held in holders:
        person_ = held.registration
        seats.decline(held)
        placed = "none" if target is None else _move(person_, held.round_id, target)
        if placed == "seat":
            result.moved.append(person_.full_name)
        elif placed == "waiting":
            result.waitlisted.append(person_.full_name)
        elif target is None:
            result.released.append(person_.full_name)
        else:
            result.without_session.append(person_.full_name)
        _tell_moved(person_, session, target, placed, version)
        audit.record(
            actor,
            "registration.move",
            person_,
            before={"round": held.round_id, "session": session.title},
            after={
                "round": held.round_id,
                "session": target.title if placed == "seat" else None,
            },
        )

    audit.record(
        actor,
        "session.delete",
        session,
        before=_session_record(session),
        after={
            "outcome": outcome if holders else "delete",
            "moved_to": result.target_title or None,
            "moved": len(result.moved),
            "waitlisted": len(result.waitlisted),
            "without_session": len(result.without_session) + len(result.released),
        },
    )
    db.session.execute(
        sa.delete(Choice)
        .where(Choice.session_id == session_id)
        .execution_options(synchronize_session=False)
    )
    db.session.delete(session)
    return result


def _move_target(session: Session, target_id) -> Session:
    target_id = target_id.strip() if isinstance(target_id, str) else ""
    target = (
        db.session.get(Session, int(target_id))
        if target_id.isdecimal() and len(target_id) < 10
        else None
    )
    if (
        target is None
        or target.id == session.id
        or target.round_id != session.round_id
        or target.kind != SessionKind.breakout
        or session.round_id is None
    ):
        raise InvalidProgram(
            {"target_session_id": [_l("Choose another session of this round to move them to.")]}
        )
    return target


def _move(person_: Registration, round_id: int, target: Session) -> str:
    """A seat in the target if one is free ("seat"), else its waiting list ("waiting").

    Someone already waiting for another session of the round keeps that waiting place and
    gets no session ("none"), as a person waits for one session per round.
    """
    waiting = active_choice(person_, round_id, ChoiceState.waitlisted)
    if seats.claim_seat(target.id):
        if waiting is not None and waiting.session_id == target.id:
            seats.decline(waiting)
        seats.add_choice(person_, round_id, target.id, ChoiceState.confirmed)
        return "seat"
    if waiting is None:
        seats.add_choice(person_, round_id, target.id, ChoiceState.waitlisted)
        return "waiting"
    return "waiting" if waiting.session_id == target.id else "none"


def _tell_moved(person_: Registration, deleted: Session, target, placed: str, version: int):
    """One mail about their new place. Messages are written when they are sent, after the
    deleted session is gone, so they refer to the session people were moved to, if any."""
    if placed == "none":
        notifications.choice_changed(person_, f"deleted-{deleted.id}")
        return
    now = (
        target.title
        if placed == "seat"
        else _("none; you are on the waiting list of %(title)s", title=target.title)
    )
    notifications.program_changed(
        person_, target, [(_("Session"), deleted.title, now)], str(version)
    )
