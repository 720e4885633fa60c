"""Share out seats among ranked choices, optimally. Plain data in, plain data out.

The objective, per round (rounds are independent, so the sum over rounds is optimal too):

1. maximise the number of people who get one of the sessions they ranked;
2. among those assignments, minimise the total rank (1 for a first choice, 2 for a
   second, 3 for a third);
3. remaining ties are broken by a random order of the people drawn from `seed`, so a run
   can be repeated exactly and nobody is favoured by when they signed up.

It is solved as a transportation problem, a linear program (scipy's HiGHS): a variable per
person and ranked session, costing its rank, and a "no session" variable per person,
costing more than any total of ranks can save, which makes objective 1 come first. Each
person takes exactly one of their variables; each session at most its capacity. The
constraint matrix is totally unimodular, so the simplex optimum is whole: an assignment.
The seeded order of objective 3 enters as a perturbation of each cost, smaller in total
than one rank, so it only ever decides between otherwise equal assignments.
"""

from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Ranking:
    """One person's wishes in one round: session ids, best first."""

    person_id: int
    round_id: int
    sessions: tuple[int, ...]


@dataclass(frozen=True)
class SessionSeats:
    session_id: int
    round_id: int
    capacity: int


@dataclass
class Allocation:
    #: (person id, round id) -> session id, for everyone who got a session
    assignment: dict[tuple[int, int], int] = field(default_factory=dict)
    #: how many rankings were met with their 1st, 2nd, 3rd... choice; 0 counts "none"
    by_rank: Counter = field(default_factory=Counter)
    #: session id -> seats given
    fill: Counter = field(default_factory=Counter)

    @property
    def unassigned(self) -> int:
        return self.by_rank[0]


def allocate(rankings: list[Ranking], sessions: list[SessionSeats], seed: int = 0) -> Allocation:
    """The optimal assignment of seats to rankings (see the module's docstring)."""
    import numpy as np  # imported when used: only an allocation run needs it

    result = Allocation()
    rng = np.random.default_rng(seed)
    for round_id in sorted({ranking.round_id for ranking in rankings}):
        in_round = [r for r in rankings if r.round_id == round_id and r.sessions]
        seats = [s for s in sessions if s.round_id == round_id]
        _allocate_round(in_round, seats, rng, result)
    return result


def _allocate_round(rankings, sessions, rng, result: Allocation) -> None:
    # scipy takes a second to import: only an allocation run needs it, not every process.
    import numpy as np
    from scipy import sparse
    from scipy.optimize import linprog

    if not rankings:
        return
    capacity = {s.session_id: max(s.capacity, 0) for s in sessions}
    pairs = [
        (person, session_id, rank)
        for person, ranking in enumerate(rankings)
        for rank, session_id in enumerate(ranking.sessions, start=1)
        if capacity.get(session_id, 0) > 0
    ]
    people, sessions_in_round = len(rankings), sorted(capacity)
    no_session = 3 * people + 2 + max(len(r.sessions) for r in rankings) * people
    ties = rng.random(len(pairs)) / (people + 1)
    cost = np.concatenate(
        [np.array([rank for _, _, rank in pairs], dtype=float) + ties, np.full(people, no_session)]
    )
    variables = len(pairs) + people
    person_of = np.array([person for person, _, _ in pairs] + list(range(people)))
    one_each = sparse.csr_matrix(
        (np.ones(variables), (person_of, np.arange(variables))), shape=(people, variables)
    )
    column = {session_id: index for index, session_id in enumerate(sessions_in_round)}
    within_capacity = sparse.csr_matrix(
        (
            np.ones(len(pairs)),
            ([column[session_id] for _, session_id, _ in pairs], np.arange(len(pairs))),
        ),
        shape=(len(sessions_in_round), variables),
    )
    solution = linprog(
        cost,
        A_ub=within_capacity,
        b_ub=[capacity[session_id] for session_id in sessions_in_round],
        A_eq=one_each,
        b_eq=np.ones(people),
        bounds=(0, 1),
        method="highs-ds",
    )
    if not solution.success or np.abs(solution.x - np.round(solution.x)).max() > 1e-6:
        raise RuntimeError(f"allocation failed: {solution.message}")
    taken = solution.x[: len(pairs)] > 0.5
    served = set()
    for (person, session_id, rank), chosen in zip(pairs, taken, strict=True):
        if chosen:
            ranking = rankings[person]
            result.assignment[(ranking.person_id, ranking.round_id)] = session_id
            result.by_rank[rank] += 1
            result.fill[session_id] += 1
            served.add(person)
    if len(served) < people:
        result.by_rank[0] += people - len(served)


def first_come(rankings: list[Ranking], sessions: list[SessionSeats]) -> Allocation:
    """The baseline: in the order given, each person gets their best choice with a seat left."""
    result = Allocation()
    left = {s.session_id: s.capacity for s in sessions}
    for ranking in rankings:
        for rank, session_id in enumerate(ranking.sessions, start=1):
            if left.get(session_id, 0) > 0:
                left[session_id] -= 1
                result.assignment[(ranking.person_id, ranking.round_id)] = session_id
                result.by_rank[rank] += 1
                result.fill[session_id] += 1
                break
        else:
            if ranking.sessions:
                result.by_rank[0] += 1
    return result
