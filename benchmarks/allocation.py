"""Ranked-choice allocation: time and outcome of the optimal solver against first come.

Run: .venv/bin/python benchmarks/allocation.py [--people 2000] [--rounds 3] [--sessions 8]

Makes a symposium of N people ranking three sessions per round, with a few sessions far
more popular than the rest, and seats for everyone in total (capacities from 4 % to 20 %
of the people). Prints, for the solver and for first-come greedy on the same data, the
time taken (median of several runs) and the share of first, second and third choices and
of people left without a session. Asserts nothing about time.
"""

import argparse
import statistics
import time

import numpy as np

from symposium.allocation.solver import Ranking, SessionSeats, allocate, first_come


def make_symposium(people: int, rounds: int, per_round: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    sessions, rankings = [], []
    for round_id in range(1, rounds + 1):
        ids = [round_id * 100 + n for n in range(per_round)]
        shares = rng.uniform(0.04, 0.2, per_round)
        capacities = np.maximum(1, np.round(shares / shares.sum() * people * 1.05)).astype(int)
        sessions += [
            SessionSeats(s, round_id, int(c)) for s, c in zip(ids, capacities, strict=True)
        ]
        popularity = 1 / np.arange(1, per_round + 1) ** 1.2  # Zipf-like: a few favourites
        popularity /= popularity.sum()
        for person in range(people):
            picks = rng.choice(ids, size=3, replace=False, p=popularity)
            rankings.append(Ranking(person, round_id, tuple(int(p) for p in picks)))
    return rankings, sessions


def shares(allocation, total: int) -> str:
    return "  ".join(
        f"{label} {100 * allocation.by_rank[rank] / total:5.1f}%"
        for rank, label in ((1, "1st"), (2, "2nd"), (3, "3rd"), (0, "none"))
    )


def timed(run, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    rankings, sessions = make_symposium(args.people, args.rounds, args.sessions)
    total = len(rankings)
    solver_time, optimal = timed(lambda: allocate(rankings, sessions, seed=1), args.repeat)
    greedy_time, greedy = timed(lambda: first_come(rankings, sessions), args.repeat)

    print(
        f"{args.people} people x {args.rounds} rounds x {args.sessions} sessions, "
        f"{sum(s.capacity for s in sessions)} seats, {total} rankings"
    )
    print(f"optimal     {solver_time:7.3f} s   {shares(optimal, total)}")
    print(f"first come  {greedy_time:7.3f} s   {shares(greedy, total)}")
    print(
        f"total rank: optimal {sum(r * c for r, c in optimal.by_rank.items())}, "
        f"first come {sum(r * c for r, c in greedy.by_rank.items())}"
    )


if __name__ == "__main__":
    main()
