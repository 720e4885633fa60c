"""The ranked-choice solver: optimal, within capacity, reproducible."""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symposium.allocation.solver import Ranking, SessionSeats, allocate, first_come
from tests.conftest import examples


def seats(*capacities, round_id=1):
    return [SessionSeats(i + 1, round_id, c) for i, c in enumerate(capacities)]


def test_everyone_gets_their_first_choice_when_it_fits():
    rankings = [Ranking(p, 1, (1, 2, 3)) for p in range(3)]

    result = allocate(rankings, seats(3, 3, 3))

    assert result.by_rank == {1: 3}
    assert set(result.assignment.values()) == {1}


def test_a_popular_session_is_shared_so_that_everyone_gets_a_ranked_choice():
    # Ann only wants A; Bo wants A then B. Giving A to Bo would leave Ann without a session.
    rankings = [Ranking(1, 1, (1,)), Ranking(2, 1, (1, 2))]

    result = allocate(rankings, seats(1, 1), seed=7)

    assert result.assignment == {(1, 1): 1, (2, 1): 2}
    assert result.by_rank == {1: 1, 2: 1}


def test_more_people_served_beats_better_ranks():
    # Three people, two seats in A, one in B. C ranks only B third-ish; serving C matters more.
    rankings = [
        Ranking(1, 1, (2, 1)),
        Ranking(2, 1, (2, 1)),
        Ranking(3, 1, (2,)),
    ]

    result = allocate(rankings, seats(2, 1))

    assert result.assignment[(3, 1)] == 2
    assert result.unassigned == 0
    assert result.by_rank == {1: 1, 2: 2}


def test_the_same_seed_gives_the_same_result_and_rounds_are_independent():
    rankings = [
        Ranking(p, r, (1 + 10 * (r - 1), 2 + 10 * (r - 1))) for p in range(10) for r in (1, 2)
    ]
    sessions = [*seats(3, 3), SessionSeats(11, 2, 3), SessionSeats(12, 2, 3)]

    first = allocate(rankings, sessions, seed=42)
    again = allocate(rankings, sessions, seed=42)

    assert first.assignment == again.assignment
    assert first.by_rank == {1: 6, 2: 6, 0: 8}
    assert all(session in (11, 12) for (_, r), session in first.assignment.items() if r == 2)


def test_first_come_is_the_greedy_baseline():
    rankings = [Ranking(1, 1, (1, 2)), Ranking(2, 1, (1,))]

    result = first_come(rankings, seats(1, 1))

    assert result.assignment == {(1, 1): 1}
    assert result.unassigned == 1


def brute_force(rankings, sessions):
    """The best (served, -total rank) over every possible assignment."""
    options = [(None, *r.sessions) for r in rankings]
    capacity = {s.session_id: s.capacity for s in sessions}
    best = None
    for picks in itertools.product(*options):
        taken = [p for p in picks if p is not None]
        if any(taken.count(s) > capacity[s] for s in set(taken)):
            continue
        served = len(taken)
        total = sum(r.sessions.index(p) + 1 for r, p in zip(rankings, picks, strict=True) if p)
        score = (served, -total)
        best = score if best is None or score > best else best
    return best


small_instances = st.integers(1, 3).flatmap(
    lambda n_sessions: st.tuples(
        st.lists(st.integers(0, 3), min_size=n_sessions, max_size=n_sessions),
        st.lists(
            st.permutations(range(1, n_sessions + 1)).flatmap(
                lambda order: st.integers(1, len(order)).map(lambda k: tuple(order[:k]))
            ),
            min_size=1,
            max_size=6,
        ),
    )
)


@pytest.mark.slow
@settings(max_examples=examples(150), deadline=None)
@given(instance=small_instances, seed=st.integers(0, 1000))
def test_never_over_capacity_never_unranked_never_beaten(instance, seed):
    capacities, wishes = instance
    sessions = seats(*capacities)
    rankings = [Ranking(p, 1, wish) for p, wish in enumerate(wishes)]

    result = allocate(rankings, sessions, seed=seed)

    for session in sessions:
        assert result.fill[session.session_id] <= session.capacity
    for (person, _round), session in result.assignment.items():
        assert session in rankings[person].sessions
    total = sum(rank * count for rank, count in result.by_rank.items() if rank)
    assert (len(result.assignment), -total) == brute_force(rankings, sessions)
