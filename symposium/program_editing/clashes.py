"""Clashes in a program: what an organiser may have done by mistake, or on purpose.

Two rounds at the same time, one room used by two sessions at once, a speaker in two
sessions at once, a breakout outside its round's time. Saving a change that makes a new
clash asks first (`check_new_clashes`); the overview lists every clash of the edition.
"""

from dataclasses import dataclass
from itertools import combinations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from symposium.extensions import db
from symposium.program.models import Edition, Round, Session, SessionKind
from symposium.program_editing.common import InvalidProgram


@dataclass(frozen=True)
class Clash:
    #: "rounds", "room", "speaker" or "outside"
    kind: str
    message: str
    #: ("round", id) and ("session", id) of what clashes, to tell which a change is about
    parts: frozenset[tuple[str, int]]


def _overlap(a, b) -> bool:
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


def _room_key(room: str) -> str:
    return " ".join((room or "").casefold().split())


def find_clashes(edition: Edition) -> list[Clash]:
    """Every clash in the edition's program, in the order of the program."""
    db.session.flush()
    rounds = db.session.scalars(
        sa.select(Round).where(Round.edition_id == edition.id).order_by(Round.starts_at, Round.id)
    ).all()
    sessions = db.session.scalars(
        sa.select(Session)
        .where(Session.edition_id == edition.id)
        .options(selectinload(Session.speakers), selectinload(Session.round))
        .order_by(Session.starts_at, Session.id)
    ).all()
    found: list[Clash] = []
    for a, b in combinations(rounds, 2):
        if _overlap(a, b):
            found.append(
                Clash(
                    "rounds",
                    _l("%(a)s and %(b)s overlap in time.", a=a.name, b=b.name),
                    frozenset({("round", a.id), ("round", b.id)}),
                )
            )
    for session in sessions:
        round_ = session.round
        if (
            session.kind == SessionKind.breakout
            and round_ is not None
            and (session.starts_at < round_.starts_at or session.ends_at > round_.ends_at)
        ):
            found.append(
                Clash(
                    "outside",
                    _l(
                        "%(session)s is not within the time of %(round)s.",
                        session=session.title,
                        round=round_.name,
                    ),
                    frozenset({("session", session.id), ("round", round_.id)}),
                )
            )
    for a, b in combinations(sessions, 2):
        if not _overlap(a, b):
            continue
        parts = frozenset({("session", a.id), ("session", b.id)})
        if _room_key(a.room) and _room_key(a.room) == _room_key(b.room):
            found.append(
                Clash(
                    "room",
                    _l(
                        "%(room)s is used by %(a)s and %(b)s at the same time.",
                        room=a.room,
                        a=a.title,
                        b=b.title,
                    ),
                    parts,
                )
            )
        for speaker in sorted(
            {p.id: p for p in a.speakers if p in b.speakers}.values(), key=lambda p: p.name
        ):
            found.append(
                Clash(
                    "speaker",
                    _l(
                        "%(speaker)s speaks in %(a)s and %(b)s at the same time.",
                        speaker=speaker.name,
                        a=a.title,
                        b=b.title,
                    ),
                    parts,
                )
            )
    return found


def check_new_clashes(
    edition: Edition, before: list[Clash], part: tuple[str, int], save_anyway: bool
) -> None:
    """Refuse a change that made a clash about `part` that was not there before, unless the
    organiser said to save anyway (two sessions sharing a room on purpose, say)."""
    if save_anyway:
        return
    known = {(clash.kind, clash.parts) for clash in before}
    new = [
        clash
        for clash in find_clashes(edition)
        if part in clash.parts and (clash.kind, clash.parts) not in known
    ]
    if new:
        raise InvalidProgram({"save_anyway": [clash.message for clash in new]})
