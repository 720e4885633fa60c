"""People's rankings in ranked mode: checked and stored for the sign-up and the manage page.

Rankings hold no seat and are on no waiting list; sharing out the seats after the deadline
is `allocation.service`'s work, above this package.
"""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

from symposium.database import utcnow as _now
from symposium.extensions import db
from symposium.program.models import AllocationMode, Edition
from symposium.program.service import registration_state
from symposium.registration.models import Choice, ChoiceState, Registration

#: the most sessions a person ranks in one round
MAX_RANKS = 3


def is_ranked(edition: Edition) -> bool:
    return edition.allocation_mode == AllocationMode.ranked


@dataclass(frozen=True)
class PreferencesState:
    open: bool
    message: str = ""


def preferences_state(edition: Edition, now: datetime | None = None) -> PreferencesState:
    """Whether people can rank sessions now, and if not, why (for people)."""
    now = now or _now()
    if not is_ranked(edition):
        return PreferencesState(False, _l("Seats are given out first come, first served."))
    registration = registration_state(edition, now)
    if not registration.open:
        return PreferencesState(False, registration.message)
    if edition.preferences_close_at is not None and now >= edition.preferences_close_at:
        return PreferencesState(
            False,
            _l(
                "The deadline for preferences has passed. The seats are being shared out; "
                "everyone who gave preferences gets a mail with their seats."
            ),
        )
    return PreferencesState(True)


def deadline_passed(edition: Edition, now: datetime | None = None) -> bool:
    """Ranked mode with its deadline behind it: the seats can be shared out."""
    deadline = edition.preferences_close_at
    return is_ranked(edition) and deadline is not None and (now or _now()) >= deadline


def ranking_problems(ranking: tuple[int, ...], in_round: set[int]) -> list:
    """What is wrong with one round's ranking: at most three distinct sessions of the round."""
    problems = []
    if len(ranking) > MAX_RANKS:
        problems.append(_l("Rank at most %(max)d sessions.", max=MAX_RANKS))
    if any(session_id not in in_round for session_id in ranking):
        problems.append(_l("Choose a session of this round."))
    if len(set(ranking)) != len(ranking):
        problems.append(_l("Choose a different session for each choice."))
    return problems


def store_ranking(registration: Registration, round_id: int, ranking: tuple[int, ...]) -> None:
    """Replace a person's ranking for one round, in the caller's transaction.

    Rankings hold no seat, so the old one is simply removed; the rules were checked by
    the caller (`ranking_problems`, `preferences_state`).
    """
    for choice in [c for c in registration.choices if c.round_id == round_id]:
        if choice.state == ChoiceState.ranked:
            registration.choices.remove(choice)
    now = _now()
    for rank, session_id in enumerate(ranking, start=1):
        registration.choices.append(
            Choice(
                round_id=round_id,
                session_id=session_id,
                rank=rank,
                state=ChoiceState.ranked,
                created_at=now,
            )
        )
    db.session.flush()
