"""Mail throughput of the outbox worker against plain smtplib, and sign-up latency beside it.

Run it with `.venv/bin/python benchmarks/mail_throughput.py [--messages 2000] [--rounds 3]
[--signups 200] [--slow-seconds 2] [--profile]`.

It builds throwaway databases from the migrations (SQLite in a temporary directory and,
when it can connect, PostgreSQL under a random name, dropped at the end; the server is
taken from SYMPOSIUM_BENCHMARK_POSTGRES_URL, default postgres@127.0.0.1:5432), makes an
edition with two rounds of breakouts and signs up N people through `service.register`,
which queues N confirmation mails; the worker writes each (text, HTML and a calendar
file) when it sends it.

Mail goes to an aiosmtpd server on a free loopback port, in a process of its own so that
it does not take the GIL from the code being measured; its handler only notes each
message's X-Symposium-Key. Two tables, medians over the rounds:

1. Messages per second delivered by `delivery.deliver_due` called in a loop (before each
   round the outbox is reset to queued and unwritten), against plain `smtplib.SMTP`
   sending the same N messages over one connection, written and built beforehand with
   `delivery.build_email` (`send_message`, which flattens each); and the ratio
   worker/plain. Beside it the CPU time of this process per message, which a shared
   machine skews less. When the worker is below 0.7 of plain, one more round times each
   step of `deliver_due` and prints where the time goes.
2. p50 and p99 of `POST /api/v1/editions/<slug>/registrations` through the test client
   (not with `--signups 0`) while the real worker loop (`worker.run`) delivers a backlog in
   a thread of the same process: with no worker, with a fast SMTP server and with one that waits
   --slow-seconds per message; and the ratio slow/fast.

`--profile` adds the step timings whatever the ratio, and a worker round under cProfile
(the top functions by own time).

Speed is reported, never judged. The exit status is 1 only when something is broken: a
message lost or delivered twice, a failed delivery or a sign-up not answered 201.
"""

import argparse
import asyncio
import cProfile
import gc
import multiprocessing
import os
import pstats
import re
import smtplib
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import flask_migrate
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from symposium import create_app, worker
from symposium.extensions import db
from symposium.mail import delivery, outbox
from symposium.mail.models import MessageStatus, OutboxMessage
from symposium.program.models import Edition, EditionStatus, Person, Round, Session, SessionKind
from symposium.registration import service
from symposium.registration.service import RegistrationRequest, RoundRequest

POSTGRES_URL = os.environ.get(
    "SYMPOSIUM_BENCHMARK_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
TARGET = 0.7  # worker/plain below this: show where the worker's time goes
KEY = re.compile(rb"^X-Symposium-Key:[ \t]*(\S+)", re.MULTILINE | re.IGNORECASE)


class Broken(Exception):
    """Something that makes the figures meaningless: exit non-zero."""


# -- the SMTP server, in a process of its own ---------------------------------------------


class CountingHandler:
    def __init__(self) -> None:
        self.keys: list[str] = []
        self.delay = 0.0

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        found = KEY.search(envelope.content.partition(b"\r\n\r\n")[0])
        self.keys.append(found.group(1).decode() if found else "")
        return "250 OK"


def _serve(port: int, pipe) -> None:
    handler = CountingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    pipe.send("ready")
    while (command := pipe.recv()) != "stop":
        if command == "take":
            keys, handler.keys = handler.keys, []
            pipe.send(keys)
        else:
            handler.delay = float(command)
            pipe.send("ok")
    controller.stop()


class SmtpServer:
    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.pipe, child = multiprocessing.get_context("fork").Pipe()
        self.process = multiprocessing.get_context("fork").Process(
            target=_serve, args=(self.port, child), daemon=True
        )
        self.process.start()
        child.close()  # so that a server that died is an EOFError here, not a hang
        self.pipe.recv()

    def take(self) -> list[str]:
        """The keys of the messages received since the last take."""
        self.pipe.send("take")
        return self.pipe.recv()

    def set_delay(self, seconds: float) -> None:
        self.pipe.send(seconds)
        self.pipe.recv()

    def stop(self) -> None:
        self.pipe.send("stop")
        self.process.join(10)


# -- databases and data ---------------------------------------------------------------------


@contextmanager
def postgres_database():
    """A migrated database under a random name, dropped afterwards; None when unreachable."""
    server = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"symposium_bench_{uuid.uuid4().hex[:12]}"
    try:
        with server.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as error:
        print(f"PostgreSQL skipped: {str(error.orig).splitlines()[0]}")
        yield None
        return
    try:
        yield sa.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


def make_app(url: str, port: int, instance: str):
    app = create_app(
        {
            # DATABASE_URL too: a SYMPOSIUM_DATABASE_URL in the environment would win otherwise.
            "DATABASE_URL": url,
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": port,
            "MAIL_USE_TLS": False,
            "MAIL_USE_SSL": False,
            "MAIL_USERNAME": None,
            "WORKER_POLL_SECONDS": 0.1,
            # Hundreds of sign-ups from one test client: the per-address limit would refuse them.
            "RATELIMIT_ENABLED": False,
        },
        instance_path=instance,
    )
    with app.app_context():
        flask_migrate.upgrade()
    return app


def make_edition() -> tuple[str, int, dict[int, list[int]]]:
    """An open edition without a venue limit: slug, id and {round id: session ids}."""
    now = datetime.now(UTC)
    starts = (now + timedelta(days=60)).replace(hour=8, minute=30, second=0, microsecond=0)
    edition = Edition(
        slug="bench",
        title="Symposium Benchmark",
        starts_at=starts,
        ends_at=starts + timedelta(hours=8),
        venue="Utrecht",
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now + timedelta(days=30),
        status=EditionStatus.published,
    )
    speaker = Person(name="Speaker", affiliation="Hogeschool")
    opening = {"starts_at": starts, "ends_at": starts + timedelta(hours=1)}
    db.session.add(
        Session(
            edition=edition,
            kind=SessionKind.plenary,
            title="Opening",
            slug="opening",
            room="Grote zaal",
            speakers=[speaker],
            **opening,
        )
    )
    for r in range(2):
        at = {key: value + timedelta(hours=2 + 2 * r) for key, value in opening.items()}
        round_ = Round(edition=edition, name=f"Round {r + 1}", **at)
        for s in range(3):
            db.session.add(
                Session(
                    edition=edition,
                    round=round_,
                    kind=SessionKind.breakout,
                    title=f"Workshop {r + 1}.{s + 1}",
                    slug=f"workshop-{r + 1}-{s + 1}",
                    room=f"Room {s + 1}",
                    capacity=500,
                    speakers=[speaker],
                    **at,
                )
            )
    db.session.commit()
    sessions: dict[int, list[int]] = {}
    for session in sorted(edition.sessions, key=lambda s: s.id):
        if session.round_id:
            sessions.setdefault(session.round_id, []).append(session.id)
    return edition.slug, edition.id, sessions


def person(number: int, sessions: dict[int, list[int]]) -> dict:
    return {
        "first_name": f"Person{number}",
        "last_name": "Bench",
        "email": f"person{number}@example.org",
        "organisation": "Gemeente Utrecht",
        "role": "social_worker",
        "consent": True,
        "choices": {
            round_id: ids[(number + r) % len(ids)]
            for r, (round_id, ids) in enumerate(sessions.items())
        },
    }


def sign_up(edition_id: int, count: int, sessions) -> None:
    for number in range(count):
        fields = person(number, sessions)
        choices = {k: RoundRequest(session_id=v) for k, v in fields.pop("choices").items()}
        service.register(edition_id, RegistrationRequest(**fields, choices=choices))


def requeue() -> set[str]:
    """Every outbox message queued and due again, as if new; their keys.

    Messages queued as references (kinds with a builder) are written when sent, and
    what was sent is kept: that is forgotten again, so that every round writes them.
    """
    db.session.execute(
        sa.update(OutboxMessage).values(
            status=MessageStatus.queued,
            attempts=0,
            next_attempt_at=datetime.now(UTC) - timedelta(seconds=1),
            sent_at=None,
            last_error=None,
        )
    )
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.kind.in_(list(outbox.BUILDERS)))
        .values(subject=None, text_body=None, html_body=None, attachments=[])
    )
    db.session.commit()
    return set(db.session.scalars(sa.select(OutboxMessage.dedupe_key)))


def check(received: list[str], expected: set[str], what: str) -> None:
    doubled = len(received) - len(set(received))
    if doubled or set(received) != expected:
        raise Broken(
            f"{what}: {len(received)} received, {doubled} doubled, "
            f"{len(expected - set(received))} lost of {len(expected)}"
        )


# -- 1. throughput ----------------------------------------------------------------------------


def worker_round(app, server: SmtpServer) -> tuple[float, float]:
    """Messages per second, and this process's CPU seconds per message."""
    with app.app_context():
        keys = requeue()
        start, cpu = time.perf_counter(), time.process_time()
        while True:
            result = delivery.deliver_due(app.config["MAIL_BATCH_SIZE"])
            if result.retried or result.failed:
                raise Broken(f"worker: {result.retried} to retry, {result.failed} failed")
            if not result.sent:
                break
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        db.session.remove()
    check(server.take(), keys, "worker")
    return len(keys) / elapsed, cpu / len(keys)


def plain_round(emails, sender: str, server: SmtpServer) -> tuple[float, float]:
    start, cpu = time.perf_counter(), time.process_time()
    with smtplib.SMTP("127.0.0.1", server.port) as smtp:
        for recipient, email in emails:
            smtp.send_message(email, from_addr=sender, to_addrs=[recipient])
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    check(server.take(), {email["X-Symposium-Key"] for _, email in emails}, "plain smtplib")
    return len(emails) / elapsed, cpu / len(emails)


STEPS = {
    "claim a batch": (delivery, "_claim_batch"),
    "write the batch (outbox.contents)": (delivery, "contents"),
    "MIME bytes (email_bytes)": (delivery, "email_bytes"),
    "SMTP sendmail": (smtplib.SMTP, "sendmail"),
    "record each sent (commit)": (delivery.SentMarks, "sent"),
    "release the rest": (delivery, "_release"),
}


def where_time_goes(app, server: SmtpServer) -> None:
    """One more worker round with each step of deliver_due timed by the wall clock."""
    spent: Counter[str] = Counter()

    def timed(label, function):
        def run(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[label] += time.perf_counter() - start

        return run

    originals = {label: getattr(owner, name) for label, (owner, name) in STEPS.items()}
    for label, (owner, name) in STEPS.items():
        setattr(owner, name, timed(label, originals[label]))
    try:
        rate, _ = worker_round(app, server)
    finally:
        for label, (owner, name) in STEPS.items():
            setattr(owner, name, originals[label])
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)))
    total = count / rate
    spent["the rest (session.get, rollbacks, connect)"] = total - sum(spent.values())
    print(f"  where the worker's time goes ({rate:.0f} msg/s), per message:")
    for label, seconds in spent.items():
        print(f"    {label:<44}{seconds / count * 1e6:>7.0f} µs {seconds / total:>6.0%}")


def throughput(app, server: SmtpServer, rounds: int) -> dict[str, float]:
    """Medians over the rounds: msg/s and CPU seconds a message of this process, for the
    worker and for plain smtplib (the SMTP server's own time is in neither CPU figure)."""
    with app.app_context():
        sender = app.config["MAIL_DEFAULT_SENDER"]
        messages = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        emails = [(m.recipient, delivery.build_email(m, sender)) for m in messages]
        db.session.remove()
    gc.freeze()  # as `worker.run` does once started (plain smtplib runs in this process too)
    worker, plain = [], []
    for _ in range(rounds):
        worker.append(worker_round(app, server))
        plain.append(plain_round(emails, sender, server))
    return {
        "worker": statistics.median(rate for rate, _ in worker),
        "plain": statistics.median(rate for rate, _ in plain),
        "worker_cpu": statistics.median(cpu for _, cpu in worker),
        "plain_cpu": statistics.median(cpu for _, cpu in plain),
    }


# -- 2. sign-up latency while the worker delivers -------------------------------------------


def latency_round(app, server, slug, sessions, numbers, delay) -> tuple[list[float], int]:
    """Sign-up durations while the worker delivers a backlog; how many mails went out."""
    server.set_delay(delay or 0.0)
    with app.app_context():
        requeue()
    stop, errors = worker.StopFlag(), []

    def work():
        with app.app_context():
            try:
                worker.run([], stop)
            except Exception as error:
                errors.append(error)
            db.session.remove()

    thread = threading.Thread(target=work)
    if delay is not None:
        thread.start()
    client, durations = app.test_client(), []
    try:
        for number in numbers:
            start = time.perf_counter()
            response = client.post(
                f"/api/v1/editions/{slug}/registrations", json=person(number, sessions)
            )
            durations.append(time.perf_counter() - start)
            if response.status_code != 201:
                raise Broken(f"sign-up answered {response.status_code}: {response.get_data()!r}")
    finally:
        stop.stop()
        if thread.is_alive():
            thread.join()
    if errors:
        raise Broken(f"the worker beside the sign-ups failed: {errors[0]!r}")
    received = server.take()
    with app.app_context():
        sent = set(
            db.session.scalars(
                sa.select(OutboxMessage.dedupe_key).where(
                    OutboxMessage.status == MessageStatus.sent
                )
            )
        )
        db.session.remove()
    check(received, sent, f"worker beside sign-ups (delay {delay})")
    return durations, len(received)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def latency(app, server, slug, sessions, first, args) -> dict[str, tuple[float, float, int]]:
    slow = f"slow SMTP ({args.slow_seconds:g} s)"
    modes = {"no worker": None, "fast SMTP": 0.0, slow: args.slow_seconds}
    figures: dict[str, list[tuple[float, float, int]]] = {mode: [] for mode in modes}
    for _ in range(args.rounds):
        for mode, delay in modes.items():
            numbers = range(first, first + args.signups)
            first += args.signups
            durations, sent = latency_round(app, server, slug, sessions, numbers, delay)
            figures[mode].append(
                (percentile(durations, 0.5) * 1000, percentile(durations, 0.99) * 1000, sent)
            )
    server.set_delay(0.0)
    return {
        mode: tuple(statistics.median(column) for column in zip(*rows, strict=True))
        for mode, rows in figures.items()
    }


# -- running it -------------------------------------------------------------------------------


def measure(name: str, url: str, server: SmtpServer, instance: str, args) -> dict:
    started = time.perf_counter()
    app = make_app(url, server.port, instance)
    with app.app_context():
        slug, edition_id, sessions = make_edition()
        sign_up(edition_id, args.messages, sessions)
        db.session.remove()
    print(f"{name}: {args.messages} sign-ups queued in {time.perf_counter() - started:.1f} s")
    figures = throughput(app, server, args.rounds)
    worker_rate, plain_rate = figures["worker"], figures["plain"]
    print(f"{name}: worker {worker_rate:.0f} msg/s, plain smtplib {plain_rate:.0f} msg/s")
    if worker_rate / plain_rate < TARGET or args.profile:
        where_time_goes(app, server)
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(worker_round, app, server)
        pstats.Stats(profile).sort_stats("tottime").print_stats(12)
    signups = latency(app, server, slug, sessions, args.messages, args) if args.signups else {}
    with app.app_context():
        db.engine.dispose()
    return {
        "throughput": figures,
        "latency": signups,
        "batch": app.config["MAIL_BATCH_SIZE"],
    }


def report(results: dict[str, dict], args) -> None:
    print(
        f"\nMail throughput: {args.messages} confirmation mails, batches of "
        f"{next(iter(results.values()))['batch']}, medians of {args.rounds} rounds"
    )
    print(f"{'database':<12}{'worker msg/s':>14}{'plain msg/s':>14}{'worker/plain':>14}")
    for name, result in results.items():
        worker_rate, plain_rate = result["throughput"]["worker"], result["throughput"]["plain"]
        print(f"{name:<12}{worker_rate:>14.0f}{plain_rate:>14.0f}{worker_rate / plain_rate:>14.2f}")
    print(
        "\nCPU time of this process per message (less noisy than the rates on a shared "
        "machine;\nthe SMTP server's own time is in neither)"
    )
    print(f"{'database':<12}{'worker µs':>14}{'plain µs':>14}")
    for name, result in results.items():
        figures = result["throughput"]
        print(f"{name:<12}{figures['worker_cpu'] * 1e6:>14.0f}{figures['plain_cpu'] * 1e6:>14.0f}")
    if not args.signups:
        return
    print(
        f"\nSign-up latency: POST /api/v1/editions/<slug>/registrations, {args.signups} per "
        f"round, medians of {args.rounds}"
    )
    print(f"{'database':<12}{'worker delivering to':<24}{'p50 ms':>9}{'p99 ms':>9}{'mails':>8}")
    for name, result in results.items():
        for mode, (p50, p99, sent) in result["latency"].items():
            print(f"{name:<12}{mode:<24}{p50:>9.1f}{p99:>9.1f}{sent:>8.0f}")
        _, fast, slow = result["latency"].values()
        print(f"{'':<12}{'ratio slow/fast':<24}{slow[0] / fast[0]:>9.2f}{slow[1] / fast[1]:>9.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--signups", type=int, default=200, help="0: no latency rounds")
    parser.add_argument("--slow-seconds", type=float, default=2.0)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    started, load_before = time.perf_counter(), os.getloadavg()[0]
    server = SmtpServer()  # forked first, before any thread or database connection
    results = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/bench.sqlite"
            results["sqlite"] = measure("sqlite", url, server, tmp, args)
            with postgres_database() as url:
                if url:
                    results["postgresql"] = measure("postgresql", url, server, tmp, args)
    except Broken as error:
        print(f"BROKEN: {error}", file=sys.stderr)
        return 1
    finally:
        server.stop()
    report(results, args)
    loads = " → ".join(f"{load:.1f}" for load in (load_before, os.getloadavg()[0]))
    print(
        f"\nRun time {time.perf_counter() - started:.0f} s; load average {loads} on "
        f"{os.cpu_count()} CPUs (other work on the machine skews the figures)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
