"""Rounds of parallel breakouts."""

from flask_babel import lazy_gettext as _l

from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import use_case
from symposium.extensions import db
from symposium.program.models import Edition, Round, SessionKind
from symposium.program.versions import version_after_changes
from symposium.program_editing import clashes
from symposium.program_editing.common import InvalidProgram, RoundData, _at, _Fields, _local
from symposium.program_editing.records import (
    _program_changes,
    _round_record,
    _session_record,
)
from symposium.registration import service as registration

# -- rounds ----------------------------------------------------------------------------


def _round_fields(edition: Edition, data: RoundData) -> dict:
    fields = _Fields()
    name = fields.text("name", data.name, 100, _l("Enter the name of the round."))
    day = fields.day("day", data.day) or _local(edition.starts_at, edition.timezone).date()
    starts = fields.clock("starts_time", data.starts_time, _l("Enter the start time."))
    ends = fields.clock("ends_time", data.ends_time, _l("Enter the end time."))
    values = {"name": name}
    if fields.ok("day") and starts and ends:
        values["starts_at"] = _at(day, starts, edition.timezone)
        values["ends_at"] = _at(day, ends, edition.timezone)
        if values["ends_at"] <= values["starts_at"]:
            fields.add("ends_time", _l("The end must be after the start."))
    fields.raise_if_any()
    return values


@use_case
def create_round(edition_id: int, data: RoundData, actor: Actor) -> Round:
    edition = db.session.get(Edition, edition_id)
    before = clashes.find_clashes(edition)
    round_ = Round(edition=edition, **_round_fields(edition, data))
    db.session.add(round_)
    db.session.flush()
    clashes.check_new_clashes(edition, before, ("round", round_.id), data.save_anyway == "yes")
    audit.record(
        actor,
        "round.create",
        round_,
        after=_round_record(round_),
        label=round_.name,
    )
    return round_


@use_case
def update_round(round_id: int, data: RoundData, actor: Actor) -> Round:
    """Rename or move a round; its breakouts move along and their attendees are told."""

    round_ = db.session.get(Round, round_id)
    edition = round_.edition
    values = _round_fields(edition, data)
    clashes_before = clashes.find_clashes(edition)
    before = _round_record(round_)
    for name, value in values.items():
        setattr(round_, name, value)
    if _round_record(round_) == before:
        return round_
    version = version_after_changes(edition)
    audit.record(actor, "round.update", round_, before, _round_record(round_), label=round_.name)
    if (before["starts_at"], before["ends_at"]) != (round_.starts_at, round_.ends_at):
        for session in round_.sessions:
            if session.kind != SessionKind.breakout:
                continue
            old = _session_record(session)
            session.starts_at, session.ends_at = round_.starts_at, round_.ends_at
            db.session.flush()
            audit.record(actor, "session.update", session, old, _session_record(session))
            changes = _program_changes(session, old, edition.timezone)
            if changes:
                registration.notify_program_change(session.id, changes, version)
    clashes.check_new_clashes(
        edition, clashes_before, ("round", round_.id), data.save_anyway == "yes"
    )
    return round_


@use_case
def delete_round(round_id: int, actor: Actor) -> None:
    """Remove an empty round; one with sessions is refused."""

    round_ = db.session.get(Round, round_id)
    if round_.sessions:
        raise InvalidProgram(
            {"form": [_l("This round still has sessions: delete or move them first.")]}
        )
    audit.record(actor, "round.delete", round_, before=_round_record(round_), label=round_.name)
    db.session.delete(round_)
