"""A sign-up rush: 200 people sign up for one edition at the same moment, on PostgreSQL.

Run it with `.venv/bin/python benchmarks/signup_race.py [--signups 200] [--workers 4]
[--rounds 3] [--json FILE]`.

A throwaway PostgreSQL database with the demo (as `http_load.py` builds it: venue and
session capacities lifted, so every sign-up takes seats), served by gunicorn with four sync
workers. Per round, one thread per person, released together, each posts one JSON sign-up
(`POST /api/v1/editions/<slug>/registrations`, one session per round, the same sessions
for everyone, so they all write the same edition and session rows). Meanwhile a sampler
reads `pg_stat_activity` every few milliseconds: how often a backend of this database
waits for a row lock (`wait_event_type = 'Lock'`), and on which statement.

Prints, medians over the rounds: sign-ups per second (all answered / time until the last
answer), p50 and p99 latency, the share of samples in which at least one backend waited
for a lock, and the statements waited on. Sign-ups of one edition that take turns on a
row lock show as a high share; the target is that they do not take turns ("no
serialisation").

Speed is reported, never judged. The exit status is 1 only when something is broken: a
server that would not start or a sign-up not answered 201.
"""

import argparse
import http.client
import json
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

import http_load  # a sibling script, not a package

SAMPLE_SECONDS = 0.003


def sign_up_at_once(server: http_load.Server, path: str, bodies: list[bytes]) -> dict:
    address = urlsplit(server.url).netloc
    latencies: list[float] = []
    statuses: Counter = Counter()
    lock = threading.Lock()
    start = threading.Barrier(len(bodies) + 1)

    def one(body: bytes) -> None:
        connection = http.client.HTTPConnection(address, timeout=60)
        start.wait()  # not connected before: a sync worker would wait for the request
        began = time.perf_counter()
        try:
            connection.request("POST", path, body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            status = 0
        finally:
            connection.close()
        with lock:
            latencies.append(time.perf_counter() - began)
            statuses[status] += 1

    threads = [threading.Thread(target=one, args=(body,), daemon=True) for body in bodies]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "rate": len(bodies) / seconds,
        "p50": cuts[49] * 1000,
        "p99": cuts[98] * 1000,
        "statuses": statuses,
    }


class LockSampler(threading.Thread):
    """How often a backend of this database waits for a lock, and on what."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        self.database = sa.make_url(url).database
        self.stopping = threading.Event()
        self.samples = 0
        self.waiting_samples = 0
        self.waits: Counter = Counter()

    def run(self) -> None:
        query = sa.text(
            "SELECT query FROM pg_stat_activity "
            "WHERE datname = :database AND wait_event_type = 'Lock'"
        )
        with self.engine.connect() as connection:
            while not self.stopping.is_set():
                rows = connection.execute(query, {"database": self.database}).scalars().all()
                self.samples += 1
                if rows:
                    self.waiting_samples += 1
                    self.waits.update(" ".join(row.split()[:3]) for row in rows)
                time.sleep(SAMPLE_SECONDS)
        self.engine.dispose()

    def stop(self) -> dict:
        self.stopping.set()
        self.join()
        share = self.waiting_samples / self.samples if self.samples else 0.0
        return {"lock_waits": share, "waited_on": dict(self.waits.most_common(3))}


def race(stack: ExitStack, args) -> dict:
    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="symposium-race-")))
    url = http_load.postgres_database(stack)
    if url is None:
        raise http_load.Broken("PostgreSQL is needed for the rush")
    env = os.environ | {
        "SYMPOSIUM_SECRET_KEY": http_load.SECRET_KEY,
        "SYMPOSIUM_RATELIMIT_ENABLED": "false",
    }
    env = http_load.build(url, env)
    server = http_load.serve(
        stack, "PostgreSQL", "wsgi:app", "/api/v1/editions", env, tmp, "sync", args.workers
    )
    editions = server.get_json("/api/v1/editions")["editions"]
    slug = next(e["slug"] for e in editions if e["registration_open"])
    head, tail = http_load.signup_bodies(server.get_json(f"/api/v1/editions/{slug}"))[0]
    path = f"/api/v1/editions/{slug}/registrations"
    # Warm every worker up (imports, connections, caches) before the rush.
    warm = [f"{head}warm-{n}{tail}".encode() for n in range(args.workers * 4)]
    sign_up_at_once(server, path, warm)
    rounds = []
    for number in range(args.rounds):
        tag = secrets.token_hex(3)
        bodies = [f"{head}{tag}-{n}{tail}".encode() for n in range(args.signups)]
        sampler = LockSampler(url)
        sampler.start()
        result = sign_up_at_once(server, path, bodies) | sampler.stop()
        unexpected = {s: n for s, n in result["statuses"].items() if s != 201}
        if unexpected:
            raise http_load.Broken(f"answers other than 201: {unexpected}\n{server.log_tail()}")
        print(
            f"  round {number + 1}/{args.rounds}: {result['rate']:.0f} sign-ups/s, "
            f"p99 {result['p99']:.0f} ms, lock waits in {result['lock_waits']:.0%} of samples",
            file=sys.stderr,
        )
        rounds.append(result)
    waited: Counter = Counter()
    for result in rounds:
        waited.update(result["waited_on"])
    return {
        "signups": args.signups,
        "workers": args.workers,
        "rate": statistics.median(r["rate"] for r in rounds),
        "p50": statistics.median(r["p50"] for r in rounds),
        "p99": statistics.median(r["p99"] for r in rounds),
        "lock_waits": statistics.median(r["lock_waits"] for r in rounds),
        "waited_on": dict(waited.most_common(3)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signups", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    load_average = os.getloadavg()[0]
    try:
        with ExitStack() as stack:
            figures = race(stack, args)
    except http_load.Broken as error:
        print(f"BROKEN: {error}", file=sys.stderr)
        return 1
    figures["load_average"] = load_average
    print(
        f"\n{args.signups} sign-ups at once for one edition on PostgreSQL, gunicorn with "
        f"{args.workers} sync workers; {os.cpu_count()} CPUs, load average {load_average:.1f}"
    )
    print(
        f"  {figures['rate']:.0f} sign-ups/s, p50 {figures['p50']:.0f} ms, "
        f"p99 {figures['p99']:.0f} ms (medians of {args.rounds} rounds)"
    )
    print(f"  a backend waited for a row lock in {figures['lock_waits']:.0%} of samples")
    for statement, count in figures["waited_on"].items():
        print(f"    {count:5d} x {statement} ...")
    if args.json:
        Path(args.json).write_text(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
