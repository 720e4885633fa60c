"""One person's program: what they hold and wait for, their link and their calendar."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app

from symposium.extensions import db
from symposium.program.models import Round, Session, SessionKind
from symposium.registration.models import Choice, ChoiceState, Registration
from symposium.registration.tokens import make_checkin_code, make_manage_token
from symposium.urls import external_url


@dataclass
class RoundPlan:
    round: Round
    held: Session | None
    waiting_for: Session | None
    waiting_position: int | None
    #: in ranked mode, the sessions ranked in this round, best first
    ranking: list[Session] = field(default_factory=list)


@dataclass
class PersonalProgram:
    plenaries: list[Session]
    rounds: list[RoundPlan]

    @property
    def timeline(self) -> list[Session | RoundPlan]:
        """Plenaries and rounds in the order of the day."""
        return sorted(
            [*self.plenaries, *self.rounds],
            key=lambda entry: (
                entry.round.starts_at if isinstance(entry, RoundPlan) else entry.starts_at
            ),
        )

    @property
    def held_sessions(self) -> list[Session]:
        return [plan.held for plan in self.rounds if plan.held is not None]

    @property
    def key(self) -> tuple:
        """What tells two programs of one edition apart: mail writes the program once for
        everyone in a batch who holds, waits for and ranks the same (`shared_part`)."""
        return (
            tuple(session.id for session in self.plenaries),
            tuple(
                (
                    plan.round.id,
                    plan.held.id if plan.held else None,
                    plan.waiting_for.id if plan.waiting_for else None,
                    plan.waiting_position,
                    tuple(session.id for session in plan.ranking),
                )
                for plan in self.rounds
            ),
        )


def active_choice(registration: Registration, round_id: int, state: ChoiceState) -> Choice | None:
    for choice in registration.choices:
        if choice.round_id == round_id and choice.state == state:
            return choice
    return None


def personal_program(registration: Registration) -> PersonalProgram:
    """Plenaries, and per round the session held, the waiting list joined with its place,
    and the sessions ranked."""
    edition = registration.edition
    plans = []
    for round_ in edition.rounds:
        held = active_choice(registration, round_.id, ChoiceState.confirmed)
        waiting = active_choice(registration, round_.id, ChoiceState.waitlisted)
        ranked = sorted(
            (
                c
                for c in registration.choices
                if c.round_id == round_.id and c.state == ChoiceState.ranked
            ),
            key=lambda choice: (choice.rank, choice.id),
        )
        plans.append(
            RoundPlan(
                round=round_,
                held=held.session if held else None,
                waiting_for=waiting.session if waiting else None,
                waiting_position=waitlist_position(waiting) if waiting else None,
                ranking=[choice.session for choice in ranked],
            )
        )
    plenaries = [s for s in edition.sessions if s.kind == SessionKind.plenary]
    return PersonalProgram(plenaries=plenaries, rounds=plans)


def waitlist_position(choice: Choice) -> int:
    ahead = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Choice)
        .where(
            Choice.session_id == choice.session_id,
            Choice.state == ChoiceState.waitlisted,
            sa.or_(
                Choice.waitlisted_at < choice.waitlisted_at,
                sa.and_(Choice.waitlisted_at == choice.waitlisted_at, Choice.id < choice.id),
            ),
        )
    )
    return ahead + 1


def manage_token(registration: Registration) -> str:
    return make_manage_token(current_app.secret_key, registration.id, registration.manage_secret)


def manage_url(registration: Registration) -> str:
    """The absolute manage link, for pages and mail."""
    return external_url("registration.manage", token=manage_token(registration))


def checkin_code(registration: Registration) -> str:
    return make_checkin_code(current_app.secret_key, registration.id)
