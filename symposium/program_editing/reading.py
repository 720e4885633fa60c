"""Reading the program the way organisers see it, before they change it."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from symposium.extensions import db
from symposium.program.models import Edition, Person, Round, Session, SessionKind
from symposium.program_editing.dates import outside_the_edition
from symposium.registration.models import Choice, ChoiceState, Registration, RegistrationStatus

# -- reading the program, for organisers -----------------------------------------------


@dataclass
class RoundOverview:
    round: Round
    sessions: list[Session]


@dataclass
class Overview:
    edition: Edition
    plenaries: list[Session]
    rounds: list[RoundOverview]
    #: ids of the sessions and rounds that fall outside the edition's day(s), to flag
    outside_sessions: set[int] = field(default_factory=set)
    outside_rounds: set[int] = field(default_factory=set)


def overview(edition: Edition) -> Overview:
    """Plenaries and rounds with their sessions, speakers and seat counts."""
    sessions = db.session.scalars(
        sa.select(Session)
        .where(Session.edition_id == edition.id)
        .options(selectinload(Session.speakers))
        .order_by(Session.starts_at, Session.title)
    ).all()
    rounds = db.session.scalars(
        sa.select(Round).where(Round.edition_id == edition.id).order_by(Round.starts_at, Round.id)
    ).all()
    return Overview(
        edition=edition,
        plenaries=[s for s in sessions if s.kind == SessionKind.plenary],
        rounds=[
            RoundOverview(
                round=r,
                sessions=[
                    s for s in sessions if s.round_id == r.id and s.kind == SessionKind.breakout
                ],
            )
            for r in rounds
        ],
        outside_sessions=_outside(edition, sessions),
        outside_rounds=_outside(edition, rounds),
    )


def _outside(edition: Edition, items) -> set[int]:
    flags = outside_the_edition(edition, [(item.starts_at, item.ends_at) for item in items])
    return {item.id for item, outside in zip(items, flags, strict=True) if outside}


def round_of(edition: Edition, round_id: int) -> Round | None:
    round_ = db.session.get(Round, round_id)
    return round_ if round_ is not None and round_.edition_id == edition.id else None


def session_of(edition: Edition, session_id: int) -> Session | None:
    session = db.session.get(Session, session_id)
    return session if session is not None and session.edition_id == edition.id else None


def person(person_id: int) -> Person | None:
    return db.session.get(Person, person_id)


def people() -> list[Person]:
    return list(
        db.session.scalars(
            sa.select(Person)
            .options(selectinload(Person.sessions).selectinload(Session.edition))
            .order_by(Person.name)
        )
    )


def _holders(session_id: int) -> list[Choice]:
    """Confirmed seats in a session, first come first."""
    return list(
        db.session.scalars(
            sa.select(Choice)
            .join(Registration, Registration.id == Choice.registration_id)
            .where(
                Choice.session_id == session_id,
                Choice.state == ChoiceState.confirmed,
                Registration.status == RegistrationStatus.confirmed,
            )
            .order_by(Choice.decided_at, Choice.id)
        )
    )


def _waiting(session_id: int) -> list[Choice]:
    return list(
        db.session.scalars(
            sa.select(Choice).where(
                Choice.session_id == session_id, Choice.state == ChoiceState.waitlisted
            )
        )
    )


def _has_registrations(session_id: int) -> bool:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Choice)
            .where(
                Choice.session_id == session_id,
                Choice.state.in_([ChoiceState.confirmed, ChoiceState.waitlisted]),
            )
        )
        > 0
    )


@dataclass
class DeletePreview:
    session: Session
    #: people holding a seat, and people on its waiting list
    holders: int
    waiting: int
    #: where the holders can be moved: the other sessions of its round
    targets: list[Session]


def delete_preview(session: Session) -> DeletePreview:
    targets = []
    if session.kind == SessionKind.breakout and session.round is not None:
        targets = [
            other
            for other in session.round.sessions
            if other.id != session.id and other.kind == SessionKind.breakout
        ]
    return DeletePreview(
        session=session,
        holders=len(_holders(session.id)),
        waiting=len(_waiting(session.id)),
        targets=targets,
    )
