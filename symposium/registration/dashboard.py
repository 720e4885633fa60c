"""The organisers' dashboard: how an edition fills up."""

from dataclasses import dataclass

import sqlalchemy as sa

from symposium.extensions import db
from symposium.program.models import Edition, Session, SessionKind
from symposium.registration.listing import RoundOption, rounds_with_sessions
from symposium.registration.models import Registration, RegistrationStatus

# -- the dashboard ---------------------------------------------------------------------


@dataclass(frozen=True)
class SessionFill:
    id: int
    title: str
    room: str
    capacity: int | None
    taken: int
    waiting: int

    @property
    def full(self) -> bool:
        return self.capacity is not None and self.taken >= self.capacity


@dataclass(frozen=True)
class RoundFill:
    round: RoundOption
    sessions: list[SessionFill]


@dataclass
class Dashboard:
    edition: Edition
    #: registrations per status
    counts: dict[RegistrationStatus, int]
    checked_in: int
    rounds: list[RoundFill]
    newest: list[Registration]

    @property
    def confirmed(self) -> int:
        return self.counts.get(RegistrationStatus.confirmed, 0)


def dashboard(edition: Edition, newest: int = 10) -> Dashboard:
    """Registrations against the venue, seats per session, the newest sign-ups, check-ins."""
    counts: dict[RegistrationStatus, int] = {}
    checked_in = 0
    for status, number, arrived in db.session.execute(
        sa.select(
            Registration.status,
            sa.func.count(Registration.id),
            sa.func.count(Registration.checked_in_at),
        )
        .where(Registration.edition_id == edition.id)
        .group_by(Registration.status)
    ):
        counts[status] = number
        if status == RegistrationStatus.confirmed:
            checked_in = arrived
    fills = {
        row.id: SessionFill(row.id, row.title, row.room, row.capacity, row.taken, row.waiting)
        for row in db.session.execute(
            sa.select(
                Session.id,
                Session.title,
                Session.room,
                Session.capacity,
                Session.taken,
                Session.waiting,
            ).where(Session.edition_id == edition.id, Session.kind == SessionKind.breakout)
        )
    }
    rounds = [
        RoundFill(round_, [fills[s.id] for s in round_.sessions])
        for round_ in rounds_with_sessions(edition.id)
    ]
    latest = db.session.scalars(
        sa.select(Registration)
        .where(Registration.edition_id == edition.id)
        .order_by(Registration.created_at.desc(), Registration.id.desc())
        .limit(newest)
    ).all()
    return Dashboard(edition, counts, checked_in, rounds, list(latest))
