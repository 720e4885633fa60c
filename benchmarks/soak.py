"""Soak: hundreds of concurrent sign-ups, changes and cancellations against the real parts.

Run it with `make soak`, or `.venv/bin/python benchmarks/soak.py [--signups 500]
[--threads 40] [--databases sqlite,postgresql] [--no-faults] [--keep]` (`--keep` leaves
the logs, the databases and the stopped PostgreSQL cluster behind, for a look).

Per database it starts gunicorn (four sync workers on PostgreSQL, two on SQLite) on a
fresh database built from the migrations, two mail workers (`flask --app symposium
worker`) and an aiosmtpd server in a process of its own that notes each message's
X-Symposium-Key and which worker sent it (by envelope sender). One edition has two
rounds of three breakouts, 50 seats in all. Client threads fire the sign-ups at once
through the JSON API (`POST /api/v1/editions/<slug>/registrations`); after about half of
them someone changes a session, joins or leaves a waiting list, gives up a seat or
cancels, through the forms behind their manage link (`/r/<token>`, with its CSRF token).
A sign-up answered 5xx is sent again after half a second, as a person would.

Each database is soaked twice: once clean, then with faults, in this order once mail
flows:

- on PostgreSQL, the database stops (immediate shutdown, like a crash) mid-load and
  comes back a few seconds later; the soak runs its own throwaway cluster (initdb into
  a temporary directory, on a free port), so the shared server is never touched;
- the SMTP server answers 421 (closing) and then 451 (try later) for a few seconds;
- then a burst of ready-made messages is queued (as a mail-out does), and the first mail
  worker is killed with SIGKILL in the middle of a batch, a new one started as a
  supervisor would.

Then it reads the database and the SMTP server's notes and checks: no session over its
capacity, seat and waiting counters equal to the choices, no seat left empty while
someone waits, every waiting list served in order, every sign-up answered confirmed or
waitlisted and stored whole (also when an attempt failed), no 5xx but while the database
was down (counted apart), every message delivered, every promotion mailed once. Mail is
at least once, not exactly once: a message the server accepted just before its worker
was killed, or while the database went down, cannot be marked sent and goes out again;
those are counted apart, any other double fails. It prints the figures; the exit status
is 1 when a check fails. Latencies are reported, never judged.
"""

import argparse
import asyncio
import glob
import http.client
import json
import logging
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "soak-secret-key-not-for-production"
KEY = re.compile(rb"^X-Symposium-Key:[ \t]*(\S+)", re.MULTILINE | re.IGNORECASE)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SLUG = "soak"
RETRIES = 30  # a sign-up answered 5xx is sent again, up to this many times in all
RETRY_PAUSE = 0.5


class Broken(Exception):
    """Something that stops the soak itself (a server that would not start)."""


@dataclass
class Plan:
    """What one soak does; the defaults are `make soak`'s."""

    signups: int = 500
    threads: int = 40
    #: seats per breakout, per round: 50 in all
    capacities: tuple[tuple[int, ...], ...] = ((12, 8, 5), (12, 8, 5))
    #: the chance that a sign-up is followed by a change or cancellation (of anyone's)
    follow_up: float = 0.5
    #: how often a follow-up is a change, joining or leaving a waiting list, or a cancel
    follow_up_weights: tuple[int, int, int, int] = (40, 25, 10, 25)
    web_workers: int = 4
    #: gunicorn imports the app once and forks (create_app opens no connection); quicker to
    #: start, for the test; production and `make soak` import it per worker
    preload: bool = False
    mail_workers: int = 2
    batch_size: int = 20
    #: longer than a batch takes, or a second worker would take over a live batch
    lease_seconds: int = 10
    smtp_delay: float = 0.005
    faults: bool = False
    #: seconds of 421, then as many of 451
    smtp_refusal_seconds: float = 2.0
    #: stop and start the database when this share of the sign-ups is sent (own cluster only)
    restart_database: bool = False
    outage_at: float = 0.35
    down_seconds: float = 3.0
    #: SIGKILL the first mail worker mid-batch, after the refusals: the server takes this long
    #: per message meanwhile, so that a batch lasts
    kill_smtp_delay: float = 0.1
    drain_seconds: float = 180.0
    seed: int = 2027


# -- the SMTP server, in a process of its own --------------------------------------------


def smtp_main(port: int) -> None:
    """`soak.py smtp PORT`: count what arrives; refuse on command. Lines on stdout say what
    happened ("250 <key> <sender> <time>", "refused <code>"); stdin takes "mode
    accept|421|451", "delay <seconds>" and "stop"."""
    from aiosmtpd.controller import Controller

    lock = threading.Lock()

    def say(line: str) -> None:
        with lock:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    class Handler:
        mode = "accept"
        delay = 0.0

        async def handle_MAIL(self, server, session, envelope, address, mail_options):
            if self.mode == "421":
                say("refused 421")
                return "421 4.3.2 Service not available, closing transmission channel"
            envelope.mail_from = address
            envelope.mail_options.extend(mail_options)
            return "250 OK"

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if self.mode == "451":
                say("refused 451")
                return "451 4.3.0 Try again later"
            envelope.rcpt_tos.append(address)
            envelope.rcpt_options.extend(rcpt_options)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            if self.delay:
                await asyncio.sleep(self.delay)
            found = KEY.search(envelope.content.partition(b"\r\n\r\n")[0])
            key = found.group(1).decode() if found else "-"
            say(f"250 {key} {envelope.mail_from or '-'} {time.time():.6f}")
            return "250 OK"

    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    say("ready")
    for line in sys.stdin:
        command, _, argument = line.strip().partition(" ")
        if command == "mode":
            handler.mode = argument
        elif command == "delay":
            handler.delay = float(argument)
        elif command == "stop":
            break
    controller.stop()


@dataclass
class Delivery:
    key: str
    sender: str
    at: float


class SmtpServer:
    """The counting SMTP server's process, and what it has said so far."""

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self._lock = threading.Lock()
        self._deliveries: list[Delivery] = []
        self.refusals: Counter = Counter()
        self._ready = threading.Event()
        with log.open("w") as errors:
            self.process = subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "smtp", str(self.port)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
                bufsize=1,
            )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if not self._ready.wait(30):
            self.stop()
            raise Broken(f"the SMTP server did not start:\n{log.read_text()}")

    def _read(self) -> None:
        for line in self.process.stdout:
            parts = line.split()
            if parts[:1] == ["ready"]:
                self._ready.set()
            elif parts[:1] == ["250"] and len(parts) == 4:
                with self._lock:
                    self._deliveries.append(Delivery(parts[1], parts[2], float(parts[3])))
            elif parts[:1] == ["refused"]:
                with self._lock:
                    self.refusals[parts[1]] += 1
        self.process.stdout.close()

    def command(self, line: str) -> None:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def deliveries(self) -> list[Delivery]:
        with self._lock:
            return list(self._deliveries)

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                self.command("stop")
                self.process.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        self.process.stdin.close()
        self._reader.join(10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# -- a PostgreSQL cluster of our own, free to stop and start ------------------------------


class PostgresCluster:
    """initdb into a temporary directory, on a free port; as root, run as user postgres."""

    def __init__(self, directory: Path) -> None:
        versions = sorted(
            glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
        )
        if not versions:
            raise Broken("no PostgreSQL binaries in /usr/lib/postgresql/*/bin")
        self.bin = Path(versions[-1])
        self.directory = directory
        self.data = directory / "data"
        self.port = free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(directory, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run(
            [*self.as_user, str(self.bin / program), *args],
            capture_output=True,
            text=True,
            cwd=self.directory,
        )
        if done.returncode != 0:
            raise Broken(f"{program} {' '.join(args)} failed:\n{done.stdout}{done.stderr}")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            "-c max_connections=200"
        )
        log = str(self.directory / "postgres.log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def close(self) -> None:
        with suppress(Broken):  # already stopped
            self.stop("immediate")

    def database(self, name: str) -> str:
        engine = sa.create_engine(self.url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        engine.dispose()
        return sa.make_url(self.url).set(database=name).render_as_string(hide_password=False)


# -- the database: migrations and the soak's edition --------------------------------------


@dataclass
class Layout:
    slug: str
    #: round id -> session ids, in order
    rounds: dict[int, list[int]]
    capacity: dict[int, int]


def build_database(url: str, plan: Plan) -> Layout:
    """The migrations, then one edition open for sign-up with the plan's breakouts."""
    import flask_migrate

    from symposium import create_app
    from symposium.extensions import db
    from symposium.program.models import Edition, EditionStatus, Round, Session, SessionKind

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY})
    with app.app_context():
        logging.disable(logging.INFO)  # Alembic's line per migration
        try:
            flask_migrate.upgrade()
        finally:
            logging.disable(logging.NOTSET)
        now = datetime.now(UTC)
        starts = (now + timedelta(days=60)).replace(hour=8, minute=30, second=0, microsecond=0)
        edition = Edition(
            slug=SLUG,
            title="Soak symposium",
            starts_at=starts,
            ends_at=starts + timedelta(hours=8),
            venue="Utrecht",
            registration_opens_at=now - timedelta(days=1),
            registration_closes_at=now + timedelta(days=30),
            status=EditionStatus.published,
            # Seats taken at once: the soak is about seats and mail, not confirmed addresses.
            confirm_email=False,
        )
        db.session.add(edition)
        sessions = []
        for r, capacities in enumerate(plan.capacities):
            round_ = Round(
                edition=edition,
                name=f"Round {r + 1}",
                starts_at=starts + timedelta(hours=2 + 2 * r),
                ends_at=starts + timedelta(hours=3 + 2 * r),
            )
            db.session.add(round_)
            for s, capacity in enumerate(capacities):
                session = Session(
                    edition=edition,
                    round=round_,
                    kind=SessionKind.breakout,
                    title=f"Workshop {r + 1}.{s + 1}",
                    slug=f"workshop-{r + 1}-{s + 1}",
                    room=f"Room {s + 1}",
                    capacity=capacity,
                    starts_at=round_.starts_at,
                    ends_at=round_.ends_at,
                )
                db.session.add(session)
                sessions.append(session)
        db.session.commit()
        layout = Layout(SLUG, defaultdict(list), {})
        for session in sessions:
            layout.rounds[session.round_id].append(session.id)
            layout.capacity[session.id] = session.capacity
        layout.rounds = dict(layout.rounds)
        db.session.remove()
        db.engine.dispose()
    return layout


# -- processes: gunicorn and the mail workers ---------------------------------------------


def app_env(url: str) -> dict:
    return os.environ | {
        "SYMPOSIUM_DATABASE_URL": url,
        "SYMPOSIUM_SECRET_KEY": SECRET_KEY,
        "SYMPOSIUM_RATELIMIT_ENABLED": "false",
    }


def serve(stack: ExitStack, url: str, workers: int, log: Path, preload: bool = False):
    """gunicorn on a socket bound here to port 0, so that the port is free and known at once;
    returns a function that waits until it answers, and then its address."""
    import gunicorn

    listener = socket.create_server(("127.0.0.1", 0), backlog=256)
    command = [sys.executable, "-m", "gunicorn", "--bind", f"fd://{listener.fileno()}"]
    command += ["--workers", str(workers), "--chdir", str(ROOT), "--backlog", "256"]
    command += ["--preload"] if preload else []
    if gunicorn.version_info >= (25, 1):  # one shared control socket would do harm
        command.append("--no-control-socket")
    with listener, log.open("w") as output:
        process = subprocess.Popen(
            [*command, "wsgi:app"],
            env=app_env(url),
            stdout=output,
            stderr=subprocess.STDOUT,
            pass_fds=[listener.fileno()],
        )
        port = listener.getsockname()[1]
    # SIGINT: gunicorn's quick shutdown (TERM waits on its workers); the load is over by then.
    stack.callback(stop_process, process, signal.SIGINT)
    base = f"http://127.0.0.1:{port}"

    def ready() -> str:
        deadline = time.monotonic() + 120  # importing the app takes a while on a busy machine
        while time.monotonic() < deadline and process.poll() is None:
            if call(base, "GET", "/api/v1/editions").status == 200:
                return base
            time.sleep(0.2)
        raise Broken(f"gunicorn did not start:\n{tail(log)}")

    return ready


def start_mail_worker(url: str, smtp: SmtpServer, plan: Plan, name: str, log: Path):
    env = app_env(url) | {
        "SYMPOSIUM_MAIL_SERVER": "127.0.0.1",
        "SYMPOSIUM_MAIL_PORT": str(smtp.port),
        # The SMTP server tells the workers apart by the envelope sender.
        "SYMPOSIUM_MAIL_DEFAULT_SENDER": f"Symposium <{name}@soak.test>",
        "SYMPOSIUM_MAIL_RETRY_SECONDS": "1",
        "SYMPOSIUM_MAIL_LEASE_SECONDS": str(plan.lease_seconds),
        "SYMPOSIUM_MAIL_BATCH_SIZE": str(plan.batch_size),
        "SYMPOSIUM_WORKER_POLL_SECONDS": "0.2",
    }
    with log.open("a") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "symposium", "worker"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def stop_process(process: subprocess.Popen, signum: int = signal.SIGTERM) -> None:
    stop_processes([process], signum)


def stop_processes(processes: list[subprocess.Popen], signum: int = signal.SIGTERM) -> None:
    """Signal them all, then wait for each: a slow one does not hold up the others."""
    running = [process for process in processes if process.poll() is None]
    for process in running:
        process.send_signal(signum)
    for process in running:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


# -- HTTP ----------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int | None  # None: no answer (connection refused, reset, timed out)
    body: bytes = b""
    cookies: dict = field(default_factory=dict)
    location: str = ""


def call(base: str, method: str, path: str, body=None, headers=None) -> Answer:
    """One request on a connection of its own (gunicorn's sync workers close it anyway)."""
    connection = http.client.HTTPConnection(urlsplit(base).netloc, timeout=60)
    try:
        connection.request(method, path, body, headers or {})
        response = connection.getresponse()
        data = response.read()
    except (OSError, http.client.HTTPException):
        return Answer(None)
    finally:
        connection.close()
    cookies = {}
    for header in response.msg.get_all("Set-Cookie") or []:
        name, _, value = header.split(";", 1)[0].partition("=")
        cookies[name.strip()] = value.strip()
    return Answer(response.status, data, cookies, response.getheader("Location", ""))


@dataclass
class Outcome:
    kind: str  # signup, page, change, join, leave, cancel
    status: int | None
    started: float
    ended: float
    number: int | None = None  # the sign-up's number


@dataclass
class SignUp:
    number: int
    email: str
    #: the last attempt's: 201, or 409 when an attempt that failed had got through after all
    status: int | None
    attempts: int = 1
    answer: dict | None = None
    manage: str = ""  # the path of the manage link


class Load:
    """Client threads: every sign-up, each followed now and then by someone's change."""

    def __init__(self, base: str, layout: Layout, plan: Plan, tag: str) -> None:
        self.base = base
        self.layout = layout
        self.plan = plan
        self.tag = tag
        self.lock = threading.Lock()
        self.outcomes: list[Outcome] = []
        self.signups: list[SignUp] = []
        self.answered: list[SignUp] = []  # with a manage link, for follow-ups
        self.next_number = 0
        self.sent = 0

    def run(self) -> None:
        gate = threading.Barrier(self.plan.threads)
        threads = [
            threading.Thread(target=self._client, args=(n, gate), daemon=True)
            for n in range(self.plan.threads)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def _take_number(self) -> int | None:
        with self.lock:
            if self.next_number >= self.plan.signups:
                return None
            self.next_number += 1
            self.sent += 1
            return self.next_number - 1

    def _client(self, thread: int, gate: threading.Barrier) -> None:
        rng = random.Random(self.plan.seed * 1000 + thread)
        gate.wait()
        while (number := self._take_number()) is not None:
            self._sign_up(number, rng)
            if rng.random() < self.plan.follow_up:
                with self.lock:
                    target = rng.choice(self.answered) if self.answered else None
                if target is not None:
                    self._follow_up(target, rng)

    def _record(self, kind: str, answer: Answer, started: float, number=None) -> None:
        with self.lock:
            self.outcomes.append(Outcome(kind, answer.status, started, time.time(), number))

    def _sign_up(self, number: int, rng: random.Random) -> None:
        email = f"soak-{self.tag}-{number}@example.org"
        body = {
            "first_name": "Soak",
            "last_name": f"Person {number}",
            "email": email,
            "organisation": "Soak test",
            "role": "social_worker",
            "consent": True,
            # The first session of a round is wanted most, so its waiting list is longest.
            "choices": {
                str(round_id): rng.choices(sessions, weights=range(len(sessions) + 1, 1, -1))[0]
                for round_id, sessions in self.layout.rounds.items()
            },
        }
        # Like a person, send it again after an error (the database restarting), a while.
        for attempt in range(1, RETRIES + 1):
            started = time.time()
            answer = call(
                self.base,
                "POST",
                f"/api/v1/editions/{self.layout.slug}/registrations",
                json.dumps(body),
                {"Content-Type": "application/json"},
            )
            self._record("signup" if attempt == 1 else "retry", answer, started, number)
            if answer.status is not None and answer.status < 500:
                break
            time.sleep(RETRY_PAUSE)
        signup = SignUp(number, email, answer.status, attempt)
        if answer.status == 201:
            signup.answer = json.loads(answer.body)
            signup.manage = urlsplit(signup.answer["manage_url"]).path
        with self.lock:
            self.signups.append(signup)
            if signup.manage:
                self.answered.append(signup)

    def _follow_up(self, signup: SignUp, rng: random.Random) -> None:
        """One thing a person does on their manage page: a GET for the form, then a POST."""
        kinds = ["change", "join", "leave", "cancel"]
        kind = rng.choices(kinds, weights=self.plan.follow_up_weights)[0]
        round_id = rng.choice(list(self.layout.rounds))
        page = f"{signup.manage}/cancel" if kind == "cancel" else signup.manage
        started = time.time()
        answer = call(self.base, "GET", page)
        self._record("page", answer, started)
        found = CSRF.search(answer.body.decode(errors="replace")) if answer.status == 200 else None
        if found is None:
            return
        form = {"csrf_token": found.group(1)}
        if kind == "change":
            path = f"{signup.manage}/rounds/{round_id}"
            options = [*self.layout.rounds[round_id], "none"]
            form["session"] = str(rng.choices(options, weights=[4] * (len(options) - 1) + [1])[0])
        elif kind == "join":
            path = f"{signup.manage}/rounds/{round_id}/waitlist"
            form["session"] = str(rng.choice(self.layout.rounds[round_id]))
        elif kind == "leave":
            path = f"{signup.manage}/rounds/{round_id}/waitlist/leave"
        else:
            path = f"{signup.manage}/cancel"
        cookie = "; ".join(f"{name}={value}" for name, value in answer.cookies.items())
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
        started = time.time()
        answer = call(self.base, "POST", path, urlencode(form), headers)
        self._record(kind, answer, started, signup.number)


# -- faults --------------------------------------------------------------------------------


@dataclass
class Kill:
    """What a SIGKILL interrupted: the batch the worker held (rows claimed in one UPDATE
    share their lease's end), and which of its messages the server had accepted."""

    at: float = 0.0
    batch: int = 0
    sent_before: int = 0
    left_claimed: list[str] = field(default_factory=list)
    #: accepted by the SMTP server, but the worker died before marking them sent
    accepted_not_marked: list[str] = field(default_factory=list)
    note: str = ""


@dataclass
class Faults:
    outage: tuple[float, float] | None = None  # database down: from, until (time.time())
    kill: Kill | None = None
    notes: list[str] = field(default_factory=list)


class Conductor:
    """Runs beside the load, once mail flows: the database's restart, then SMTP refusals, then
    a worker's SIGKILL while the messages refused meanwhile go out in full batches."""

    def __init__(self, plan, load, smtp, cluster, workers, start_worker, engine) -> None:
        self.plan = plan
        self.load = load
        self.smtp = smtp
        self.cluster = cluster
        self.workers = workers
        self.start_worker = start_worker
        self.engine = engine
        self.faults = Faults()
        self.done = threading.Event()  # the load has finished

    def run(self) -> None:
        try:
            if not self._wait(lambda: self.smtp.deliveries() or self.done.is_set()):
                self.faults.notes.append("no mail was delivered before the faults")
            if self.plan.restart_database and self.cluster is not None:
                self._restart_database()
            self._refuse_mail()
            self._kill_worker()
        except Exception as error:  # the soak must still check and report
            self.faults.notes.append(f"fault conductor stopped: {type(error).__name__}: {error}")

    def _wait(self, condition, timeout: float = 120.0, every: float = 0.01) -> bool:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                return False
            time.sleep(every)
        return True

    def _refuse_mail(self) -> None:
        """Each answer for its seconds, and until it met a message: mail to refuse is queued
        here too, whatever the load is doing."""
        self._burst(self.plan.mail_workers, "refused")
        for code in ("421", "451"):
            self.smtp.command(f"mode {code}")
            until = time.monotonic() + self.plan.smtp_refusal_seconds
            self._wait(
                lambda code=code, until=until: (
                    time.monotonic() >= until and self.smtp.refusals[code] > 0
                ),
                self.plan.drain_seconds,
            )
        self.smtp.command("mode accept")

    def _restart_database(self) -> None:
        wanted = int(self.plan.signups * self.plan.outage_at)
        if not self._wait(lambda: self.load.sent >= wanted or self.done.is_set()):
            return
        began = time.time()
        self.cluster.stop("immediate")
        time.sleep(self.plan.down_seconds)
        self.cluster.start()
        self.faults.outage = (began, time.time())

    def _kill_worker(self) -> None:
        victim = self.workers[0]
        since = time.time()

        def busy() -> bool:
            """worker-1 is sending a batch that still holds a few claimed messages."""
            mine = [d for d in self.smtp.deliveries() if d.sender.startswith("worker-1@")]
            if not mine or mine[-1].at < since:
                return False
            batch = self._batch(mine[-1].key)
            return sum(status == "sending" for _, status in batch) >= 3

        # Full batches whatever the load is doing, each message slower, so that a batch
        # takes a while.
        self.smtp.command(f"delay {self.plan.kill_smtp_delay}")
        self._burst(3 * self.plan.batch_size, "burst")
        caught = self._wait(
            lambda: busy() or victim.poll() is not None, self.plan.drain_seconds, every=0.02
        )
        if not caught:
            self.smtp.command(f"delay {self.plan.smtp_delay}")
            self.faults.notes.append("worker-1 was never caught mid-batch to be killed")
            return
        if victim.poll() is not None:
            self.faults.notes.append(f"worker-1 had died by itself (exit {victim.returncode})")
            return
        # A random moment in its batch, shorter than a message takes: between two messages,
        # while one is on the wire, or just after the server accepted one.
        time.sleep(random.uniform(0, self.plan.kill_smtp_delay))
        victim.kill()
        victim.wait()
        kill = Kill(at=time.time())
        self.smtp.command(f"delay {self.plan.smtp_delay}")
        time.sleep(0.3)  # the server's last lines reach us
        mine = [d for d in self.smtp.deliveries() if d.sender.startswith("worker-1@")]
        self.workers.append(self.start_worker("worker-3"))  # as a supervisor would
        batch = self._batch(mine[-1].key)
        accepted = {d.key for d in mine}
        kill.batch = len(batch)
        kill.sent_before = sum(status == "sent" for _, status in batch)
        kill.left_claimed = [key for key, status in batch if status == "sending"]
        kill.accepted_not_marked = [key for key in kill.left_claimed if key in accepted]
        if not kill.left_claimed:
            kill.note = "the kill fell between two batches"
        self.faults.kill = kill

    def _burst(self, count: int, kind: str) -> None:
        """Ready-made messages straight into the outbox, as a mail-out queues them."""
        from symposium.mail.models import OutboxMessage

        with self.engine.begin() as connection:
            connection.execute(
                sa.insert(OutboxMessage),
                [
                    {
                        "dedupe_key": f"{kind}:{n}",
                        "kind": kind,
                        "recipient": f"{kind}-{n}@example.org",
                        "subject": "Soak",
                        "text_body": "A message the soak queued to meet a fault.",
                        "html_body": "<p>A message the soak queued to meet a fault.</p>",
                        "attachments": [],
                    }
                    for n in range(count)
                ],
            )

    def _batch(self, key: str) -> list:
        """The messages claimed together with this one (in one UPDATE: the same lease end)."""
        from symposium.mail.models import OutboxMessage

        claimed_with = (
            sa.select(OutboxMessage.next_attempt_at)
            .where(OutboxMessage.dedupe_key == key)
            .scalar_subquery()
        )
        with self.engine.connect() as connection:
            return connection.execute(
                sa.select(OutboxMessage.dedupe_key, OutboxMessage.status).where(
                    OutboxMessage.next_attempt_at == claimed_with
                )
            ).all()


# -- checks --------------------------------------------------------------------------------


@dataclass
class Report:
    name: str
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: a few counts, for tests to see that the soak did what it says
    figures: Counter = field(default_factory=Counter)

    def say(self, line: str) -> None:
        self.lines.append(line)

    def problem(self, text: str) -> None:
        self.problems.append(text)


EXPECTED = {
    "signup": {201},
    # After a 5xx: 409 when the failed attempt had been committed all the same.
    "retry": {201, 409},
    "page": {200},
    "change": {302},
    "join": {302},
    "leave": {302},
    "cancel": {302},
}


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def during(outcome: Outcome, outage: tuple[float, float] | None) -> bool:
    return outage is not None and outcome.started <= outage[1] and outcome.ended >= outage[0]


def check_http(load: Load, faults: Faults, report: Report, seconds: float) -> None:
    outcomes = load.outcomes
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_kind[outcome.kind].append(outcome)
    expected_failures = Counter()
    for outcome in outcomes:
        failed = outcome.status is None or outcome.status >= 500
        if failed and during(outcome, faults.outage):
            expected_failures[outcome.status or "no answer"] += 1
        elif outcome.status not in EXPECTED[outcome.kind]:
            report.problem(
                f"{outcome.kind} answered {outcome.status or 'nothing'} "
                f"at +{outcome.started - load_started(load):.1f} s"
            )
    latencies = [1000 * (o.ended - o.started) for o in outcomes]
    report.say(
        f"requests: {len(outcomes)} in {seconds:.1f} s ({len(outcomes) / seconds:.0f}/s), "
        f"p50 {statistics.median(latencies):.0f} ms, p99 {percentile(latencies, 0.99):.0f} ms"
    )
    for kind in EXPECTED:
        if by_kind.get(kind):
            times = [1000 * (o.ended - o.started) for o in by_kind[kind]]
            statuses = Counter(o.status or "no answer" for o in by_kind[kind])
            report.say(
                f"  {kind:<7} {len(times):5d}  p50 {statistics.median(times):5.0f} ms  "
                f"p99 {percentile(times, 0.99):5.0f} ms  "
                + ", ".join(f"{n} x {s}" for s, n in sorted(statuses.items(), key=str))
            )
    unexpected = sum(1 for o in outcomes if o.status not in EXPECTED[o.kind]) - sum(
        expected_failures.values()
    )
    five = sum(1 for o in outcomes if o.status is not None and o.status >= 500)
    report.say(
        f"errors: {unexpected} unexpected answers; {five} x 5xx in all"
        + (
            f"; while the database was down: {sum(expected_failures.values())} "
            f"({', '.join(f'{n} x {s}' for s, n in expected_failures.items())})"
            if faults.outage
            else ""
        )
    )


def load_started(load: Load) -> float:
    return min((o.started for o in load.outcomes), default=0.0)


def check_database(engine, load: Load, layout: Layout, report: Report) -> dict:
    """Seats, waiting lists and registrations as the database has them after the load."""
    from symposium.mail.models import OutboxMessage
    from symposium.program.models import Session
    from symposium.registration.models import Choice, Registration

    with engine.connect() as connection:
        registrations = {
            row.email_key: row
            for row in connection.execute(
                sa.select(Registration.id, Registration.email_key, Registration.status)
            ).all()
        }
        choices = connection.execute(
            sa.select(
                Choice.id,
                Choice.registration_id,
                Choice.round_id,
                Choice.session_id,
                Choice.state,
                Choice.waitlisted_at,
                Choice.decided_at,
            )
        ).all()
        sessions = {
            row.id: row
            for row in connection.execute(
                sa.select(Session.id, Session.capacity, Session.taken, Session.waiting).where(
                    Session.round_id.is_not(None)
                )
            ).all()
        }
        outbox = connection.execute(
            sa.select(
                OutboxMessage.dedupe_key,
                OutboxMessage.kind,
                OutboxMessage.status,
                OutboxMessage.created_at,
            )
        ).all()

    # Sign-ups: every one sent was answered, confirmed or waitlisted, and is in the database.
    signups = load.signups
    created = [s for s in signups if s.status == 201]
    # A 5xx whose transaction was committed all the same: the attempt after it is a 409.
    through_anyway = [s for s in signups if s.status == 409 and s.attempts > 1]
    unanswered = [s for s in signups if s.status not in (201, 409)]
    if unanswered:
        report.problem(
            f"{len(unanswered)} sign-ups never answered 201: "
            f"{Counter(s.status for s in unanswered)} (e.g. {unanswered[0].email})"
        )
    for signup in created:
        answer = signup.answer
        rounds = {c["round_id"] for c in answer["choices"]}
        if answer["status"] not in ("confirmed", "waitlisted") or rounds != set(layout.rounds):
            report.problem(f"sign-up {signup.number} answered {answer}")
        if any(c["state"] not in ("confirmed", "waitlisted") for c in answer["choices"]):
            report.problem(f"sign-up {signup.number}: a choice neither confirmed nor waitlisted")
    for signup in created + through_anyway:
        if signup.email not in registrations:
            report.problem(f"sign-up {signup.number} answered {signup.status}, not in the database")
    keys = {row.dedupe_key for row in outbox}
    rounds_of = defaultdict(set)
    for choice in choices:
        rounds_of[choice.registration_id].add(choice.round_id)
    half_made = []
    for row in registrations.values():
        # One transaction makes the registration, a choice per round and its confirmation.
        if rounds_of[row.id] != set(layout.rounds) or f"confirmation:{row.id}" not in keys:
            half_made.append(row.id)
    if half_made:
        report.problem(f"half-made registrations: {half_made[:20]}")
    ours = {s.email for s in signups}
    strangers = [key for key in registrations if key not in ours]
    if strangers:
        report.problem(f"registrations nobody sent: {strangers[:10]}")
    states = Counter(
        answer_choice["state"] for s in created for answer_choice in s.answer["choices"]
    )
    retried = [s for s in signups if s.attempts > 1]
    report.figures.update(signups=len(signups), answered=len(created) + len(through_anyway))
    report.say(
        f"sign-ups: {len(signups)} sent, {len(created)} answered 201 "
        f"({states['confirmed']} seats, {states['waitlisted']} waiting places), "
        f"{len(retried)} only after sending again ({len(through_anyway)} of them 409: the "
        f"failed attempt had got through), {len(unanswered)} never; "
        f"{len(registrations)} in the database, half-made: {len(half_made)}"
    )
    # A cancellation answered 302 cancelled the registration and queued its mail.
    emails = {s.number: s.email for s in signups}
    for outcome in load.outcomes:
        if outcome.kind == "cancel" and outcome.status == 302:
            row = registrations[emails[outcome.number]]
            # one cancellation mail per cancellation: "cancelled:<id>:<when>"
            mailed = any(key.startswith(f"cancelled:{row.id}:") for key in keys)
            if row.status != "cancelled" or not mailed:
                report.problem(f"registration {row.id}: cancelled (302) but {row.status}")
    cancels = Counter(row.status for row in registrations.values())
    report.say(
        "registrations now: " + ", ".join(f"{n} {status}" for status, n in sorted(cancels.items()))
    )

    # Seats: never over capacity; the counters agree with the choices; no seat left empty
    # while someone waits for it.
    confirmed = Counter(c.session_id for c in choices if c.state == "confirmed")
    waiting = Counter(c.session_id for c in choices if c.state == "waitlisted")
    cancelled_ids = {r.id for r in registrations.values() if r.status == "cancelled"}
    held_by_cancelled = [
        c.id
        for c in choices
        if c.registration_id in cancelled_ids and c.state in ("confirmed", "waitlisted")
    ]
    if held_by_cancelled:
        report.problem(f"cancelled registrations still hold choices {held_by_cancelled[:20]}")
    seat_line = []
    for session_id, session in sorted(sessions.items()):
        holders = confirmed[session_id]
        if session.capacity != layout.capacity[session_id]:
            report.problem(f"session {session_id}: its capacity became {session.capacity}")
        if holders > layout.capacity[session_id]:
            report.problem(f"session {session_id}: {holders} seats taken of {session.capacity}")
        if session.taken != holders or session.waiting != waiting[session_id]:
            report.problem(
                f"session {session_id}: counters say {session.taken} taken and "
                f"{session.waiting} waiting; the choices say {holders} and {waiting[session_id]}"
            )
        if holders < session.capacity and waiting[session_id]:
            report.problem(
                f"session {session_id}: {session.capacity - holders} seats empty while "
                f"{waiting[session_id]} wait"
            )
        seat_line.append(f"{holders}/{session.capacity} (+{waiting[session_id]})")
    total = sum(s.capacity for s in sessions.values())
    report.say(
        f"seats: {sum(confirmed.values())} of {total} taken, per session "
        f"{', '.join(seat_line)} (+waiting)"
    )

    # Waiting lists in order: nobody promoted while someone who joined earlier still waited.
    promoted_at = {}
    for row in outbox:
        if row.kind == "promoted":
            promoted_at[int(row.dedupe_key.rpartition(":")[2])] = row.created_at
    listed = defaultdict(list)
    for choice in choices:
        if choice.waitlisted_at is not None:
            listed[choice.session_id].append(choice)
    passed_over = 0
    for queue in listed.values():
        queue.sort(key=lambda c: (c.waitlisted_at, c.id))
        for position, later in enumerate(queue):
            if later.id not in promoted_at:
                continue
            when = promoted_at[later.id]
            for earlier in queue[:position]:
                left = promoted_at.get(earlier.id) or (
                    earlier.decided_at if earlier.state != "waitlisted" else None
                )
                if left is None or left > when:
                    passed_over += 1
                    if passed_over <= 5:
                        report.problem(
                            f"choice {later.id} promoted in session {later.session_id} while "
                            f"choice {earlier.id}, waiting since earlier, still waited"
                        )
    unmailed = [
        c.id
        for c in choices
        if c.state == "confirmed" and c.waitlisted_at is not None and c.id not in promoted_at
    ]
    if unmailed:
        report.problem(f"promoted without a promotion mail: choices {unmailed[:20]}")
    if passed_over > 5:
        report.problem(f"... {passed_over} waiting places passed over in all")
    report.figures.update(
        waiting_places=sum(len(q) for q in listed.values()), promotions=len(promoted_at)
    )
    report.say(
        f"waiting lists: {sum(len(q) for q in listed.values())} places ever taken, "
        f"{len(promoted_at)} promotions, {passed_over} passed over"
    )
    return {"outbox": outbox, "promotions": set(promoted_at)}


def check_mail(found: dict, smtp: SmtpServer, faults: Faults, report: Report) -> None:
    outbox = found["outbox"]
    statuses = Counter(str(row.status) for row in outbox)
    unsent = [row.dedupe_key for row in outbox if row.status != "sent"]
    if unsent:
        report.problem(f"{len(unsent)} messages not sent: {unsent[:10]}")
    deliveries = smtp.deliveries()
    received = Counter(d.key for d in deliveries)
    doubled = {key: n for key, n in received.items() if n > 1}
    # At least once, never exactly once: a message the server accepted but that could not
    # be marked sent (its worker killed in between, or the database down) goes out again.
    killed = set(faults.kill.accepted_not_marked) if faults.kill else set()
    first = {}
    for delivery in deliveries:
        first.setdefault(delivery.key, delivery.at)
    unmarked = set()
    if faults.outage:
        began, ended = faults.outage
        unmarked = {key for key in doubled if began - 2 <= first[key] <= ended}
    unexplained = {key: n for key, n in doubled.items() if key not in killed | unmarked}
    if unexplained:
        report.problem(f"delivered more than once: {dict(list(unexplained.items())[:10])}")
    queued = {row.dedupe_key for row in outbox}
    lost = [key for key in queued if key not in received]
    if lost:
        report.problem(f"queued but never delivered: {lost[:10]}")
    stray = [key for key in received if key not in queued]
    if stray:
        report.problem(f"delivered but never queued: {stray[:10]}")
    promotions = {f"promotion:{choice_id}" for choice_id in found["promotions"]}
    promotion_mails = Counter(received[key] for key in promotions - killed - unmarked)
    if set(promotion_mails) - {1}:
        report.problem(f"promotions mailed other than once: {dict(promotion_mails)}")
    kinds = Counter(row.kind for row in outbox)
    report.say(
        f"mail: {len(outbox)} queued ({', '.join(f'{n} {k}' for k, n in kinds.most_common())}); "
        f"outbox {dict(statuses)}"
    )
    report.figures.update(
        queued=len(outbox),
        delivered=len(deliveries),
        different=len(received),
        refusals=sum(smtp.refusals.values()),
    )
    senders = Counter(d.sender.partition("@")[0] for d in deliveries)
    refused = ", ".join(f"{n} x {code}" for code, n in sorted(smtp.refusals.items())) or "none"
    report.say(
        f"delivered: {len(deliveries)} messages, {len(received)} different, "
        f"{sum(n - 1 for n in doubled.values())} duplicates, {len(lost)} lost; "
        f"by {', '.join(f'{s} {n}' for s, n in sorted(senders.items()))}; refused {refused}; "
        f"promotions mailed once: {promotion_mails.get(1, 0)} of {len(promotions)}"
    )
    if doubled:
        report.say(
            f"  sent twice, at least once by design: {len(set(doubled) & (killed | unmarked))} "
            f"({len(set(doubled) & killed)} accepted just before the SIGKILL, "
            f"{len(set(doubled) & unmarked)} accepted while the database was going down)"
        )
    if faults.kill is not None and not (smtp.refusals["421"] and smtp.refusals["451"]):
        report.problem(f"the SMTP refusals met too little: {dict(smtp.refusals)}")
    if faults.kill:
        kill = faults.kill
        left = set(kill.left_claimed)
        report.figures["left_claimed_by_killed_worker"] = len(left)
        takers = {
            d.sender.partition("@")[0] for d in deliveries if d.key in left and d.at > kill.at
        }
        report.say(
            f"worker-1 killed mid-batch: batch of {kill.batch}, {kill.sent_before} marked sent "
            f"before the kill, {len(left)} left claimed, then delivered "
            f"{sum(received[k] for k in left)} times by {', '.join(sorted(takers)) or 'nobody'}"
            + (f"; {kill.note}" if kill.note else "")
        )
        if kill.accepted_not_marked:
            report.say(
                f"  accepted by the server but not yet marked sent when killed: "
                f"{len(kill.accepted_not_marked)} (sent again: at least once, by design)"
            )


# -- one soak ------------------------------------------------------------------------------


def soak(name: str, url: str, plan: Plan, tmp: Path, cluster=None) -> Report:
    """Serve `url`, run the load (with faults if planned), drain the outbox, check."""
    report = Report(name)
    began = time.time()
    engine = sa.create_engine(url, pool_pre_ping=True)
    tag = re.sub(r"\W", "", name.lower())
    with ExitStack() as stack:
        stack.callback(engine.dispose)
        # gunicorn imports the app (no connection yet) while the migrations run here.
        gunicorn_log = tmp / f"{tag}-gunicorn.log"
        ready = serve(stack, url, plan.web_workers, gunicorn_log, plan.preload)
        layout = build_database(url, plan)
        smtp = SmtpServer(tmp / f"{tag}-smtp.log")
        stack.callback(smtp.stop)
        smtp.command(f"delay {plan.smtp_delay}")
        worker_log = tmp / f"{tag}-workers.log"

        def start_worker(worker: str) -> subprocess.Popen:
            process = start_mail_worker(url, smtp, plan, worker, worker_log)
            stack.callback(stop_process, process)
            return process

        workers = [start_worker(f"worker-{n + 1}") for n in range(plan.mail_workers)]
        base = ready()
        load = Load(base, layout, plan, tag)
        conductor = Conductor(plan, load, smtp, cluster, workers, start_worker, engine)
        fault_thread = threading.Thread(target=conductor.run, daemon=True)
        started = time.time()
        if plan.faults:
            fault_thread.start()
        load.run()
        seconds = time.time() - started
        conductor.done.set()
        if plan.faults:
            fault_thread.join(plan.drain_seconds)
        drained = drain(engine, smtp, plan.drain_seconds)
        timings = (started - began, seconds, time.time() - started - seconds)
        for process in workers:
            if process.poll() is not None and process.returncode not in (0, -signal.SIGKILL):
                report.problem(
                    f"a mail worker exited by itself ({process.returncode}):\n{tail(worker_log)}"
                )
        stop_processes(workers)
        time.sleep(0.3)  # the server's last lines reach us
        if not drained:
            report.problem(f"the outbox did not drain in {plan.drain_seconds:.0f} s")
        faults = conductor.faults
        for note in faults.notes:
            report.problem(note)
        if plan.faults:
            report.say(
                f"faults: SMTP 421 then 451, each for {plan.smtp_refusal_seconds:g} s at least"
                + (
                    f"; database down {faults.outage[1] - faults.outage[0]:.1f} s "
                    f"from +{faults.outage[0] - started:.1f} s"
                    if faults.outage
                    else ""
                )
                + "; a mail worker killed with SIGKILL"
            )
        check_http(load, faults, report, seconds)
        found = check_database(engine, load, layout, report)
        check_mail(found, smtp, faults, report)
        report.say(
            f"took {timings[0]:.1f} s to build and start, {timings[1]:.1f} s of load, "
            f"{timings[2]:.1f} s more to deliver the mail"
        )
    return report


def drain(engine, smtp: SmtpServer, timeout: float) -> bool:
    """Wait until every message is sent or failed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with engine.connect() as connection:
                waiting = connection.execute(
                    sa.text(
                        "SELECT count(*) FROM outbox_message WHERE status IN ('queued', 'sending')"
                    )
                ).scalar()
        except sa.exc.OperationalError:
            waiting = None
        if waiting == 0:
            return True
        time.sleep(0.5)
    return False


def print_report(report: Report) -> None:
    print(f"\n== {report.name}: {'BROKEN' if report.problems else 'ok'}")
    for line in report.lines:
        print(f"  {line}")
    for problem in report.problems:
        print(f"  PROBLEM: {problem}")
    sys.stdout.flush()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signups", type=int, default=Plan.signups)
    parser.add_argument("--threads", type=int, default=Plan.threads)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--no-faults", action="store_true", help="only the clean soaks")
    parser.add_argument("--keep", action="store_true", help="keep the logs' directory")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the servers are stopped

    started = time.monotonic()
    print(
        f"Soak: {args.signups} sign-ups from {args.threads} threads; "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start"
    )
    reports: list[Report] = []
    broken = []
    labels = [("clean", False)] + ([] if args.no_faults else [("faults", True)])
    with ExitStack() as stack:
        tmp = Path(tempfile.mkdtemp(prefix="symposium-soak-"))
        if args.keep:
            print(f"Logs in {tmp}")
        else:
            stack.callback(shutil.rmtree, tmp, ignore_errors=True)
        for database in args.databases.split(","):
            try:
                cluster = own_cluster(stack, args.keep) if database == "postgresql" else None
            except Broken as error:
                broken.append(f"{database}: {error}")
                continue
            for label, faults in labels:
                plan = Plan(signups=args.signups, threads=args.threads, faults=faults)
                try:
                    if cluster is None:
                        plan.web_workers = 2
                        url = f"sqlite:///{tmp / f'soak-{label}.sqlite'}"
                        name = f"SQLite, 2 gunicorn workers, {label}"
                    else:
                        plan.restart_database = faults
                        url = cluster.database(f"soak_{label}")
                        name = f"PostgreSQL (own cluster), 4 gunicorn workers, {label}"
                    reports.append(soak(name, url, plan, tmp, cluster))
                except Broken as error:
                    broken.append(f"{database} {label}: {error}")
                else:
                    print_report(reports[-1])
    print(f"\nTook {time.monotonic() - started:.0f} s.")
    for problem in broken:
        print(f"\nBROKEN: {problem}", file=sys.stderr)
    return 1 if broken or any(r.problems for r in reports) else 0


def own_cluster(stack: ExitStack, keep: bool = False) -> PostgresCluster:
    """A throwaway cluster, stopped and removed with the stack (in a directory of its own:
    user postgres must be able to enter it)."""
    directory = Path(tempfile.mkdtemp(prefix="symposium-soak-pg-"))
    if keep:
        print(f"PostgreSQL cluster in {directory}")
    else:
        stack.callback(shutil.rmtree, directory, ignore_errors=True)
    cluster = PostgresCluster(directory)
    cluster.start()
    stack.callback(cluster.close)
    return cluster


if __name__ == "__main__":
    if sys.argv[1:2] == ["smtp"]:
        smtp_main(int(sys.argv[2]))
    else:
        sys.path.insert(0, str(ROOT))
        sys.exit(main())
