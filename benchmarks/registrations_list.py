"""How long the organisers' registrations list takes with 5,000 registrations.

Run it with `.venv/bin/python benchmarks/registrations_list.py [--registrations 5000]
[--requests 50]`.

It builds throwaway databases from the migrations (SQLite in a temporary directory and,
when it can connect, PostgreSQL under a random name, dropped at the end; the server is
taken from SYMPOSIUM_BENCHMARK_POSTGRES_URL, default postgres@127.0.0.1:5432), makes an
edition with three rounds of six breakouts, and writes N registrations straight into the
tables in bulk (signing up through the service would spend minutes rendering mail that
this benchmark does not look at): each person holds a seat in most rounds, some wait
for a full session, a few are cancelled or checked in, the counters on the sessions and
the edition match the rows.

Then an organiser signs in through `app.test_client()` and each page is asked for
--requests times after a warm-up: the list without a filter, a search, a session filter,
the last page, and (fewer times) the CSV and XLSX exports of everyone. Per page: the
median and p95 in milliseconds, the number of SQL statements one request costs, and the
size of the answer.

Speed is reported, never judged. The exit status is 1 only when something is broken: an
answer other than 200, or a page that does not show what it should.
"""

import argparse
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import flask
import flask_migrate
import sqlalchemy as sa
from flask_wtf.csrf import generate_csrf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from symposium import create_app
from symposium.accounts import service as accounts
from symposium.extensions import db
from symposium.program.models import (
    Edition,
    EditionStatus,
    Round,
    Session,
    SessionKind,
)
from symposium.registration.models import (
    ROLES,
    Choice,
    ChoiceState,
    Registration,
    RegistrationStatus,
)

POSTGRES_URL = os.environ.get(
    "SYMPOSIUM_BENCHMARK_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
PASSWORD = "benchmark-wachtwoord-42"
FIRST_NAMES = [
    "Anna",
    "Bram",
    "Chloë",
    "Daan",
    "Eva",
    "Fatima",
    "Gert",
    "Hanna",
    "Iris",
    "Joris",
    "Kees",
    "Lotte",
    "Mohamed",
    "Noor",
    "Olga",
    "Pieter",
    "Quinten",
    "Romy",
    "Sanne",
    "Thijs",
    "Umut",
    "Vera",
    "Willem",
    "Yara",
    "Zoë",
]
LAST_NAMES = [
    "de Vries",
    "Jansen",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "Yılmaz",
    "Çelik",
    "El Amrani",
]
ORGANISATIONS = [
    "Gemeente Utrecht",
    "Wijkteam Oost",
    "Hogeschool Utrecht",
    "Movisie",
    "Leger des Heils",
    "Buurtzorg",
    "GGD regio Utrecht",
    "Sociaal Werk Nederland",
    "Stichting Humanitas",
    "Zelfstandig",
]


# -- databases ---------------------------------------------------------------------------


@contextmanager
def postgres_database() -> Iterator[str | None]:
    """A new database with a random name, dropped at the end; None when unreachable."""
    server = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"symposium_bench_{secrets.token_hex(4)}"
    try:
        with server.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as error:
        print(f"PostgreSQL skipped: {str(error.orig).splitlines()[0]}")
        server.dispose()
        yield None
        return
    try:
        yield sa.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


def make_app(url: str, instance: str) -> flask.Flask:
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False},
        instance_path=instance,
    )
    with app.app_context():
        flask_migrate.upgrade()
    return app


# -- data --------------------------------------------------------------------------------


def make_edition() -> tuple[Edition, list[list[int]]]:
    """An open edition with three rounds of six breakouts: the edition and session ids."""
    now = datetime.now(UTC)
    starts = (now + timedelta(days=60)).replace(hour=8, minute=30, second=0, microsecond=0)
    edition = Edition(
        slug="bench",
        title="Symposium Benchmark",
        starts_at=starts,
        ends_at=starts + timedelta(hours=8),
        venue="Utrecht",
        registration_opens_at=now - timedelta(days=30),
        registration_closes_at=now + timedelta(days=30),
        status=EditionStatus.published,
    )
    db.session.add(edition)
    rounds = []
    for r in range(3):
        round_ = Round(
            edition=edition,
            name=f"Ronde {r + 1}",
            starts_at=starts + timedelta(hours=2 + 2 * r),
            ends_at=starts + timedelta(hours=3 + 2 * r),
        )
        sessions = [
            Session(
                edition=edition,
                round=round_,
                kind=SessionKind.breakout,
                title=f"Deelsessie {r + 1}.{s + 1}",
                slug=f"deelsessie-{r + 1}-{s + 1}",
                room=f"Zaal {s + 1}",
                # The first session of each round is small, so that it fills and has a queue.
                capacity=150 if s == 0 else 1200,
                starts_at=round_.starts_at,
                ends_at=round_.ends_at,
            )
            for s in range(6)
        ]
        db.session.add_all(sessions)
        rounds.append(sessions)
    db.session.commit()
    return edition, [[s.id for s in sessions] for sessions in rounds]


def fill(edition: Edition, rounds: list[list[int]], number: int) -> None:
    """N registrations and their choices, with the counters to match, in a few bulk inserts."""
    generator = random.Random(2019)
    now = datetime.now(UTC)
    round_ids = [db.session.get(Session, sessions[0]).round_id for sessions in rounds]
    registrations, choices = [], []
    taken: dict[int, int] = {}
    waiting: dict[int, int] = {}
    capacity = {s.id: s.capacity for s in db.session.scalars(sa.select(Session))}
    for n in range(1, number + 1):
        first, last = generator.choice(FIRST_NAMES), generator.choice(LAST_NAMES)
        email = f"{first}.{last}.{n}@example.org".lower().replace(" ", "")
        status = RegistrationStatus.cancelled if n % 40 == 0 else RegistrationStatus.confirmed
        created = now - timedelta(minutes=number - n)
        arrived = status == RegistrationStatus.confirmed and n % 5 == 0
        registrations.append(
            {
                "id": n,
                "edition_id": edition.id,
                "first_name": first,
                "last_name": last,
                "email": email,
                "email_key": email,
                "organisation": generator.choice(ORGANISATIONS),
                "role": generator.choice(ROLES),
                "dietary_needs": "vegetarisch" if n % 7 == 0 else "",
                "access_needs": "",
                "newsletter": n % 3 == 0,
                "consent_at": created,
                "locale": "nl",
                "status": status,
                "manage_secret": secrets.token_urlsafe(24),
                "created_at": created,
                "cancelled_at": now if status == RegistrationStatus.cancelled else None,
                "checked_in_at": now if arrived else None,
            }
        )
        for round_id, sessions in zip(round_ids, rounds, strict=True):
            if status == RegistrationStatus.cancelled or generator.random() < 0.1:
                continue
            wanted = generator.choice(sessions[:1] * 3 + sessions)  # the small one is popular
            if taken.get(wanted, 0) < capacity[wanted]:
                held = wanted
            else:
                # Full: wait for it, and meanwhile hold a seat in another session.
                waiting[wanted] = waiting.get(wanted, 0) + 1
                choices.append(choice(n, round_id, wanted, ChoiceState.waitlisted, created))
                held = generator.choice(sessions[1:])
            taken[held] = taken.get(held, 0) + 1
            choices.append(choice(n, round_id, held, ChoiceState.confirmed, created))
    db.session.execute(sa.insert(Registration), registrations)
    db.session.execute(sa.insert(Choice), choices)
    for session_id in capacity:
        db.session.execute(
            sa.update(Session)
            .where(Session.id == session_id)
            .values(taken=taken.get(session_id, 0), waiting=waiting.get(session_id, 0))
        )
    confirmed = sum(1 for r in registrations if r["status"] == RegistrationStatus.confirmed)
    db.session.execute(sa.update(Edition).values(registered=confirmed))
    if db.engine.dialect.name == "postgresql":
        # Rows were written with their ids; the sequences must continue after them.
        for table in ("registration", "choice"):
            db.session.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            )
    db.session.commit()
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()


def choice(registration_id: int, round_id: int, session_id: int, state, at: datetime) -> dict:
    return {
        "registration_id": registration_id,
        "round_id": round_id,
        "session_id": session_id,
        "rank": 1,
        "state": state,
        "created_at": at,
        "waitlisted_at": at if state == ChoiceState.waitlisted else None,
        "decided_at": at if state == ChoiceState.confirmed else None,
    }


# -- measuring ---------------------------------------------------------------------------


def signed_in_client(app: flask.Flask):
    """A test client with an organiser signed in; each request has its own app context."""
    with app.app_context():
        accounts.create_organiser("organiser@example.org", "Olga Organiser", PASSWORD)
    client = app.test_client()
    with client:
        client.get("/sign-in")
        token = generate_csrf()
    answer = client.post(
        "/sign-in",
        data={"csrf_token": token, "email": "organiser@example.org", "password": PASSWORD},
    )
    if answer.status_code != 302:
        raise SystemExit(f"could not sign in: {answer.status_code}")
    return client


@contextmanager
def counting_statements(engine: sa.Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if not statement.startswith(("BEGIN", "PRAGMA", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(client, engine, path: str, requests: int, expect: str, problems: list[str]) -> tuple:
    for _ in range(3):  # warm-up: templates compiled, caches and pools filled
        client.get(path)
    with counting_statements(engine) as statements:
        answer = client.get(path)
    if answer.status_code != 200:
        problems.append(f"{path}: {answer.status_code}")
    if expect and expect.encode() not in answer.data:
        problems.append(f"{path}: {expect!r} not in the answer")
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
    return (
        statistics.median(timings),
        percentile(timings, 0.95),
        len(statements),
        len(answer.data),
    )


def benchmark(name: str, url: str, args, problems: list[str]) -> None:
    with tempfile.TemporaryDirectory() as instance:
        app = make_app(url, instance)
        with app.app_context():
            started = time.perf_counter()
            edition, rounds = make_edition()
            fill(edition, rounds, args.registrations)
            filled = time.perf_counter() - started
            total = db.session.scalar(sa.select(sa.func.count()).select_from(Registration))
            slug, engine = edition.slug, db.engine
        client = signed_in_client(app)
        base = f"/organiser/{slug}/registrations"
        pages = -(-total // 50)
        small = rounds[0][0]
        cases = [
            ("no filter", base, args.requests, f"{total} aanmeldingen"),
            ("search 'jansen'", f"{base}?q=jansen", args.requests, "Jansen"),
            ("session filter", f"{base}?session_id={small}", args.requests, "Pagina 1"),
            ("session, waiting", f"{base}?session_id={small}&place=waiting", args.requests, ""),
            (f"last page ({pages})", f"{base}?page={pages}", args.requests, f"Pagina {pages}"),
            ("dashboard", f"/organiser/{slug}/dashboard", args.requests, "Overzicht"),
            ("CSV export, everyone", f"/organiser/{slug}/registrations.csv", args.exports, ""),
            ("XLSX export, everyone", f"/organiser/{slug}/registrations.xlsx", args.exports, ""),
        ]
        print(f"\n{name}: {total} registrations written in {filled:.1f} s")
        print(f"{'page':<24}{'median ms':>11}{'p95 ms':>9}{'queries':>9}{'bytes':>11}{'n':>5}")
        for label, path, requests, expect in cases:
            median, p95, queries, size = measure(client, engine, path, requests, expect, problems)
            print(f"{label:<24}{median:>11.1f}{p95:>9.1f}{queries:>9}{size:>11}{requests:>5}")
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--exports", type=int, default=5, help="requests per export")
    args = parser.parse_args()
    problems: list[str] = []
    print(f"Python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as directory:
        benchmark("SQLite", f"sqlite:///{directory}/bench.sqlite", args, problems)
    with postgres_database() as url:
        if url:
            benchmark("PostgreSQL", url, args, problems)
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
