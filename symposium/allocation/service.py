"""Ranked preferences, the demand they show, and sharing out the seats after the deadline.

In an edition in ranked mode people do not take seats when they sign up: per round they
rank up to three breakouts, stored as choices in the state `ranked` with their rank, which
hold no seat and are on no waiting list. Until the preferences deadline they can change
their ranking. After it an organiser previews the allocation (the solver in `solver.py`
on the current rankings, nothing saved) and commits it: each ranking the solver met
becomes a confirmed choice through the seat rules of `registration.seats`, every ranking
is declined, each person is mailed their program, and the edition goes over to first
come, first served for the seats that are left, with waiting lists from then on.

The seats shared out are the seats left (capacity minus seats taken): seats held before
the edition went over to ranked mode stay with their holders, and a person who holds a
seat in a round does not rank in it.

Each use case is one transaction (`@use_case`). Storing and checking one person's ranking
lives below, in `registration.rankings`, because the sign-up stores rankings too.
"""

import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased, selectinload

from symposium.allocation.solver import Ranking, SessionSeats, allocate
from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import use_case
from symposium.extensions import db
from symposium.i18n import parse_moment
from symposium.program.models import AllocationMode, Edition, Round, Session, SessionKind
from symposium.program.service import (
    program_structure,
)
from symposium.registration import notifications, seats
from symposium.registration.models import Choice, ChoiceState, Registration, RegistrationStatus
from symposium.registration.personal import active_choice
from symposium.registration.rankings import (  # noqa: F401  (part of this module's face)
    MAX_RANKS,
    deadline_passed,
    is_ranked,
    preferences_state,
    ranking_problems,
    store_ranking,
)
from symposium.validation import RuleError

#: the objective, in words, for the organisers' preview (the solver's docstring says the same)
OBJECTIVE = (
    _l("First, as many people as possible get one of the sessions they ranked."),
    _l(
        "Then, among all ways of doing that, the one with the best choices in total: a first "
        "choice counts 1, a second 2, a third 3, and the total is as low as it can be."
    ),
    _l(
        "What is still equal after that is decided by a random order of the people, drawn "
        "from this edition's seed: the moment someone signed up plays no part, and a "
        "preview and the real allocation give the same result."
    ),
)

# -- errors a person can read ----------------------------------------------------------


class AllocationError(RuleError):
    """A ranking or allocation that the rules refuse."""


class InvalidRanking(AllocationError):
    """Keyed "choices.<round id>", like the sign-up's round errors."""

    message = _l("Your preferences need attention.")


class PreferencesClosed(AllocationError):
    message = _l("Preferences can no longer be changed.")


class InvalidSettings(AllocationError):
    message = _l("Some fields need attention.")


def _now() -> datetime:
    return datetime.now(UTC)


# -- people's rankings -----------------------------------------------------------------


@use_case
def change_ranking(
    registration_id: int, round_id: int, ranking: tuple[int, ...], now: datetime | None = None
) -> None:
    """Rank other sessions in a round, until the preferences deadline."""

    registration = db.session.get(Registration, registration_id)
    # Wait for an allocation being committed; then see the edition as it left it.
    edition = db.session.get(Edition, registration.edition_id, with_for_update=True)
    if registration.status != RegistrationStatus.confirmed:
        raise AllocationError(_l("Only a confirmed registration can rank sessions."))
    state = preferences_state(edition, now)
    if not state.open:
        raise PreferencesClosed(state.message)
    rounds = {round_.id: round_ for round_ in program_structure(edition).rounds}
    key = f"choices.{round_id}"
    if round_id not in rounds:
        raise InvalidRanking({key: [_l("This round is not part of this symposium.")]})
    problems = ranking_problems(ranking, {s.id for s in rounds[round_id].sessions})
    if problems:
        raise InvalidRanking({key: problems})
    if active_choice(registration, round_id, ChoiceState.confirmed) is not None:
        raise AllocationError(_l("You already have a seat in this round."))
    store_ranking(registration, round_id, ranking)


# -- demand ----------------------------------------------------------------------------


@dataclass
class SessionDemand:
    session: Session
    #: how many ranked it first, second, third
    by_rank: Counter = field(default_factory=Counter)

    @property
    def capacity(self) -> int | None:
        return self.session.capacity

    @property
    def first(self) -> int:
        return self.by_rank[1]

    @property
    def overloaded(self) -> bool:
        """First choices alone exceed twice the room: swap rooms, or repeat it in a round."""
        return self.capacity is not None and self.first > 2 * self.capacity


@dataclass
class RoundDemand:
    round: Round
    sessions: list[SessionDemand]
    #: people who ranked something in this round
    people: int = 0


def demand(edition: Edition) -> list[RoundDemand]:
    """Per round and session how many ranked it first, second, third, beside its capacity."""
    counts: dict[int, Counter] = defaultdict(Counter)
    for session_id, rank, number in db.session.execute(
        sa.select(Choice.session_id, Choice.rank, sa.func.count())
        .join(Registration, Registration.id == Choice.registration_id)
        .where(_ranked_in(edition.id))
        .group_by(Choice.session_id, Choice.rank)
    ):
        counts[session_id][rank] += number
    people = dict(
        db.session.execute(
            sa.select(Choice.round_id, sa.func.count(sa.distinct(Choice.registration_id)))
            .join(Registration, Registration.id == Choice.registration_id)
            .where(_ranked_in(edition.id))
            .group_by(Choice.round_id)
        ).all()
    )
    sessions = _breakouts(edition.id)
    return [
        RoundDemand(
            round=round_,
            sessions=[
                SessionDemand(session, counts.get(session.id, Counter()))
                for session in sessions
                if session.round_id == round_.id
            ],
            people=people.get(round_.id, 0),
        )
        for round_ in edition.rounds
    ]


def _ranked_in(edition_id: int):
    """Rankings that count: of confirmed registrations of this edition."""
    return sa.and_(
        Registration.edition_id == edition_id,
        Registration.status == RegistrationStatus.confirmed,
        Choice.state == ChoiceState.ranked,
    )


def _breakouts(edition_id: int) -> list[Session]:
    return list(
        db.session.scalars(
            sa.select(Session)
            .where(Session.edition_id == edition_id, Session.kind == SessionKind.breakout)
            .order_by(Session.starts_at, Session.title, Session.id)
            # seats taken change by the minute: read them as they are now
            .execution_options(populate_existing=True)
        )
    )


# -- the allocation --------------------------------------------------------------------


@dataclass
class SessionFill:
    session: Session
    #: seats left to share out (capacity minus seats already taken)
    seats: int
    #: seats the allocation gives
    given: int
    #: how many ranked it first
    first: int


@dataclass
class Outcome:
    """What an allocation gives: counted per ranking, that is per person and round."""

    seed: int
    rankings: int
    people: int
    #: rankings met with their 1st, 2nd, 3rd choice; 0 counts those met with none
    by_rank: Counter
    fill: list[SessionFill]
    #: (registration id, round id) -> (session id, rank), for those who got a session
    assignment: dict[tuple[int, int], tuple[int, int]]
    #: set by a commit: the mails queued
    mailed: int = 0

    @property
    def none(self) -> int:
        return self.by_rank[0]

    def share(self, rank: int) -> float:
        """Of the rankings, the share met with this choice (0: with none), in per cent."""
        return 100 * self.by_rank[rank] / self.rankings if self.rankings else 0.0


def _rankings(edition_id: int) -> list[Ranking]:
    """The rankings of confirmed people, best first, leaving out rounds where they hold a seat."""
    ranked, held = aliased(Choice, name="ranked"), aliased(Choice, name="held")
    holds_seat = (
        sa.select(held.id)
        .where(
            held.registration_id == ranked.registration_id,
            held.round_id == ranked.round_id,
            held.state == ChoiceState.confirmed,
        )
        .exists()
    )
    rows = db.session.execute(
        sa.select(ranked.registration_id, ranked.round_id, ranked.session_id)
        .join(Registration, Registration.id == ranked.registration_id)
        .where(
            Registration.edition_id == edition_id,
            Registration.status == RegistrationStatus.confirmed,
            ranked.state == ChoiceState.ranked,
            ~holds_seat,
        )
        .order_by(ranked.registration_id, ranked.round_id, ranked.rank, ranked.id)
    )
    wishes: dict[tuple[int, int], list[int]] = {}
    for registration_id, round_id, session_id in rows:
        wishes.setdefault((registration_id, round_id), []).append(session_id)
    return [
        Ranking(person_id=person, round_id=round_id, sessions=tuple(sessions))
        for (person, round_id), sessions in wishes.items()
    ]


def _solve(edition: Edition) -> tuple[Outcome, list[Ranking]]:
    """The solver on the current rankings and seats left; reads, changes nothing."""
    rankings = _rankings(edition.id)
    sessions = _breakouts(edition.id)
    unlimited = len(rankings)
    seats_left = {
        session.id: unlimited if session.capacity is None else session.seats_left
        for session in sessions
    }
    result = allocate(
        rankings,
        [SessionSeats(s.id, s.round_id, seats_left[s.id]) for s in sessions if s.round_id],
        seed=edition.allocation_seed,
    )
    first = Counter(r.sessions[0] for r in rankings if r.sessions)
    wished = {(r.person_id, r.round_id): r.sessions for r in rankings}
    assignment = {
        key: (session_id, wished[key].index(session_id) + 1)
        for key, session_id in result.assignment.items()
    }
    outcome = Outcome(
        seed=edition.allocation_seed,
        rankings=len(rankings),
        people=len({r.person_id for r in rankings}),
        by_rank=Counter(result.by_rank),
        fill=[
            SessionFill(s, seats_left[s.id], result.fill[s.id], first[s.id])
            for s in sessions
            if s.round_id
        ],
        assignment=assignment,
    )
    return outcome, rankings


def preview(edition_id: int) -> Outcome:
    """What the allocation would give now: the figures and the fill per session. Saves nothing."""
    edition = db.session.get(Edition, edition_id)
    if not is_ranked(edition):
        raise AllocationError(_l("This edition gives out seats first come, first served."))
    return _solve(edition)[0]


@use_case
def commit(edition_id: int, actor: Actor, now: datetime | None = None) -> Outcome:
    """Share out the seats after the deadline: assign them, mail everyone who ranked, and go
    over to first come, first served for the seats left."""
    now = now or _now()

    # The edition's row lock keeps rankings from changing while the seats are given.
    edition = db.session.get(Edition, edition_id, with_for_update=True)
    if not is_ranked(edition):
        raise AllocationError(_l("This edition gives out seats first come, first served."))
    if not deadline_passed(edition, now):
        raise AllocationError(
            _l("The seats can be shared out once the deadline for preferences has passed.")
        )
    for session in sorted(_breakouts(edition.id), key=lambda s: s.id):
        seats.lock_session(session.id)
    outcome, rankings = _solve(edition)
    people = {
        registration.id: registration
        for registration in db.session.scalars(
            sa.select(Registration)
            .where(Registration.id.in_({r.person_id for r in rankings}))
            .options(selectinload(Registration.choices))
        )
    }
    for (person, round_id), (session_id, rank) in sorted(outcome.assignment.items()):
        registration = people[person]
        if not seats.claim_seat(session_id):
            raise RuntimeError(f"allocation gave session {session_id} more seats than it has")
        waiting = active_choice(registration, round_id, ChoiceState.waitlisted)
        if waiting is not None and waiting.session_id == session_id:
            seats.decline(waiting)
        choice = seats.add_choice(registration, round_id, session_id, ChoiceState.confirmed)
        choice.rank = rank
    for registration in people.values():
        for choice in registration.choices:
            if choice.state == ChoiceState.ranked:
                choice.state = ChoiceState.declined
                choice.decided_at = now
    db.session.flush()
    # Rankings that did not count (a seat already held, a registration not confirmed).
    db.session.execute(
        sa.update(Choice)
        .where(
            Choice.state == ChoiceState.ranked,
            Choice.registration_id.in_(
                sa.select(Registration.id).where(Registration.edition_id == edition.id)
            ),
        )
        .values(state=ChoiceState.declined, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    edition.allocation_mode = AllocationMode.first_come
    db.session.flush()
    db.session.refresh(edition, ["program_version"])
    for registration in people.values():
        notifications.allocated(registration, str(edition.program_version))
    outcome.mailed = len(people)
    audit.record(
        actor,
        "allocation.commit",
        edition,
        before={"allocation_mode": AllocationMode.ranked},
        after={
            "allocation_mode": AllocationMode.first_come,
            "seed": outcome.seed,
            "rankings": outcome.rankings,
            "first": outcome.by_rank[1],
            "second": outcome.by_rank[2],
            "third": outcome.by_rank[3],
            "none": outcome.none,
        },
    )
    return outcome


# -- the organisers' settings ----------------------------------------------------------


@dataclass
class SettingsData:
    """As typed: the mode ("first_come" or "ranked") and the preferences deadline."""

    allocation_mode: str = AllocationMode.first_come.value
    preferences_close: str = ""


def settings_values(edition: Edition) -> SettingsData:
    """The stored settings as the form shows them, the deadline in the edition's time zone."""
    deadline = edition.preferences_close_at
    local = deadline.astimezone(ZoneInfo(edition.timezone)) if deadline else None
    return SettingsData(
        allocation_mode=edition.allocation_mode.value,
        preferences_close=local.strftime("%Y-%m-%dT%H:%M") if local else "",
    )


@use_case
def change_settings(edition_id: int, data: SettingsData, actor: Actor) -> Edition:
    """Go over to ranked mode with a deadline (a new seed each time), move the deadline, or
    go back to first come; going back drops the rankings given so far."""

    edition = db.session.get(Edition, edition_id, with_for_update=True)
    errors: dict[str, list] = {}
    mode = data.allocation_mode if isinstance(data.allocation_mode, str) else ""
    if mode not in AllocationMode.__members__:
        errors["allocation_mode"] = [_l("Choose how seats are given out.")]
    typed = data.preferences_close.strip() if isinstance(data.preferences_close, str) else ""
    deadline = None
    if typed:
        parsed = parse_moment(typed)
        if parsed is None:
            errors["preferences_close"] = [_l("Enter a date and time, like 01-09-2025 09.00.")]
        else:
            deadline = datetime.combine(*parsed, ZoneInfo(edition.timezone)).astimezone(UTC)
            if deadline >= edition.starts_at:
                errors["preferences_close"] = [_l("Choose a moment before the symposium starts.")]
    elif mode == AllocationMode.ranked:
        errors["preferences_close"] = [
            _l("Enter the deadline for preferences: the seats are shared out after it.")
        ]
    if errors:
        raise InvalidSettings(errors)
    mode = AllocationMode(mode)
    before = {
        "allocation_mode": edition.allocation_mode,
        "preferences_close_at": edition.preferences_close_at,
    }
    if mode == AllocationMode.ranked and edition.allocation_mode != AllocationMode.ranked:
        edition.allocation_seed = secrets.randbelow(2**31)
    if mode == AllocationMode.first_come and edition.allocation_mode == AllocationMode.ranked:
        db.session.execute(
            sa.update(Choice)
            .where(
                Choice.state == ChoiceState.ranked,
                Choice.registration_id.in_(
                    sa.select(Registration.id).where(Registration.edition_id == edition.id)
                ),
            )
            .values(state=ChoiceState.declined, decided_at=_now())
            .execution_options(synchronize_session=False)
        )
    edition.allocation_mode = mode
    edition.preferences_close_at = deadline if mode == AllocationMode.ranked else None
    after = {"allocation_mode": mode, "preferences_close_at": edition.preferences_close_at}
    if before != after:
        audit.record(actor, "edition.allocation", edition, before, after)
    return edition


def ranking_counts(edition: Edition) -> tuple[int, int]:
    """People who ranked something, and their rankings (one per person and round)."""
    per_round = (
        sa.select(Choice.registration_id, Choice.round_id)
        .join(Registration, Registration.id == Choice.registration_id)
        .where(_ranked_in(edition.id))
        .group_by(Choice.registration_id, Choice.round_id)
        .subquery()
    )
    people, rankings = db.session.execute(
        sa.select(sa.func.count(sa.distinct(per_round.c.registration_id)), sa.func.count())
    ).one()
    return people, rankings
