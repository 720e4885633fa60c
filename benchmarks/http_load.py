"""HTTP load: the program page and JSON sign-ups under gunicorn, against a bare Flask app.

Run it with `make benchmark`, or `.venv/bin/python benchmarks/http_load.py [--seconds 5]
[--rounds 3] [--client auto|wrk|python] [--worker-class sync|gthread]`.

It builds throwaway databases (SQLite in a temporary directory and, when it can connect,
PostgreSQL under a random name, dropped at the end; the server is taken from
SYMPOSIUM_BENCHMARK_POSTGRES_URL, default postgres@127.0.0.1:5432), runs `flask db
upgrade` and `flask demo` on each, lifts the venue's and the sessions' capacities so
that every sign-up takes seats, and serves each with gunicorn next to `bare_app.py`: two sync
workers, 16 concurrent connections. Sync rather than gthread: a gthread worker keeps each
keep-alive connection it accepted, and gunicorn shares them out unevenly (16/0 to 8/8),
which swings the figures two- to threefold from run to run; a sync worker answers one
request per connection, so the free worker always takes the next one. With two cores
gthread without keep-alive was no faster. `--worker-class gthread` measures it anyway.

Two tables, each from alternating rounds after a warm-up: the upcoming edition's program
page (`GET /<slug>/`) and sign-ups (`POST /api/v1/editions/<slug>/registrations`, every
one with a new address, choices spread over the sessions), each against the bare app.
Per row: the medians over the rounds of requests/s, p50 and p99 latency, the lowest and
highest requests/s, the ratio to the bare app's requests/s, the CPU the server's processes
used per request (gunicorn's, and PostgreSQL's backends for that database: a figure that
other work on the machine skews far less than requests/s), and the answers counted; then
how full the sessions and waiting lists are.
The load comes from wrk when it is installed, else from Python threads with one
http.client connection each, kept alive where the server allows (these threads then
compete with the servers for the CPU); the header says which, and the machine's load
average at the start, as other work skews every figure.

Speed is reported, never judged. The exit status is 1 only when something is broken: a
server that would not start, connection errors, or any answer other than the expected
one (200 for pages, 201 for sign-ups).
"""

import argparse
import http.client
import json
import math
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import gunicorn
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
CONNECTIONS = 16
WORKERS = 2
THREADS = 4
WARM_UP_SECONDS = 1
SECRET_KEY = "benchmark-secret-key-not-for-production"
POSTGRES_URL = os.environ.get(
    "SYMPOSIUM_BENCHMARK_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
MARK = "LOCALPART"  # where each sign-up's unique e-mail address goes in a body


class Broken(Exception):
    """Something that makes the figures meaningless: exit non-zero."""


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen
    log: Path

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def get(self, path: str) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection(urlsplit(self.url).netloc, timeout=30)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def get_json(self, path: str) -> dict:
        status, body = self.get(path)
        if status != 200:
            raise Broken(f"{self.name}: GET {path} answered {status}")
        return json.loads(body)


@dataclass
class Load:
    name: str
    server: Server
    path: str
    expect: int
    bodies: list[tuple[str, str]] = field(default_factory=list)  # JSON around MARK; POST
    #: the PostgreSQL database the server uses: its backends' CPU is counted too
    database: str | None = None


@dataclass
class Result:
    requests: int
    seconds: float
    p50: float  # milliseconds
    p99: float
    statuses: Counter
    errors: int
    #: CPU seconds the server's processes (gunicorn, and PostgreSQL's backends) used
    server_cpu: float = 0.0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


# -- servers and databases ---------------------------------------------------------------


def serve(
    stack: ExitStack,
    name: str,
    app: str,
    ready: str,
    env: dict,
    tmp: Path,
    worker_class: str,
    workers: int = WORKERS,
) -> Server:
    """gunicorn on a socket bound here to port 0, so that the port is free and known at once."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=1024)  # rushes of hundreds
    log = tmp / f"{name}.log"
    command = [sys.executable, "-m", "gunicorn", "--bind", f"fd://{listener.fileno()}"]
    command += ["--workers", str(workers), "--worker-class", worker_class, "--chdir", str(ROOT)]
    if gunicorn.version_info >= (25, 1):  # one shared control socket would do harm
        command.append("--no-control-socket")
    command += ["--threads", str(THREADS), app] if worker_class == "gthread" else [app]
    with listener, log.open("w") as output:
        process = subprocess.Popen(
            command,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            pass_fds=[listener.fileno()],
        )
        port = listener.getsockname()[1]
    stack.callback(stop, process)
    server = Server(name, f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if server.get(ready)[0] == 200:
                return server
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.2)
    raise Broken(f"{name}: gunicorn did not start\n{server.log_tail()}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def flask(env: dict, *command: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "symposium", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise Broken(f"flask {' '.join(command)} failed:\n{done.stdout}{done.stderr}")


def build(url: str, env: dict) -> dict:
    """A database with the demo, for one gunicorn; the environment to serve it with. The
    venue and session capacities are lifted, so that every sign-up takes seats."""
    env = env | {"SYMPOSIUM_DATABASE_URL": url}
    flask(env, "db", "upgrade")
    flask(env, "demo")
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE edition SET venue_capacity = NULL"))
        connection.execute(
            sa.text("UPDATE session SET capacity = 1000000 WHERE capacity IS NOT NULL")
        )
    engine.dispose()
    return env


def postgres_database(stack: ExitStack) -> str | None:
    """A new database with a random name, dropped when the stack closes; None if unreachable."""
    admin = sa.make_url(POSTGRES_URL)
    name = f"symposium_bench_{secrets.token_hex(4)}"
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        engine.dispose()
        print(f"PostgreSQL skipped: cannot create a database ({error.orig})", file=sys.stderr)
        return None

    def drop() -> None:
        with engine.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()

    stack.callback(drop)
    return admin.set(database=name).render_as_string(hide_password=False)


# -- load generators ---------------------------------------------------------------------


def run_wrk(load: Load, seconds: int, tag: str) -> Result:
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "30s"]
    command += ["-s", str(Path(__file__).with_name("wrk.lua")), load.server.url + load.path]
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as bodies:
        bodies.write("".join(f"{head}\n{tail}\n" for head, tail in load.bodies))
        bodies.flush()
        args = [tag, bodies.name] if load.bodies else [tag]
        done = subprocess.run([*command, "--", *args], capture_output=True, text=True)
    for line in done.stdout.splitlines():
        if line.startswith("WRK_RESULT "):
            data = json.loads(line.removeprefix("WRK_RESULT "))
            statuses = Counter({int(status): n for status, n in data.pop("statuses").items()})
            return Result(statuses=statuses, **data)
    raise Broken(f"wrk gave no result:\n{done.stdout}{done.stderr}")


def run_python(load: Load, seconds: int, tag: str) -> Result:
    """CONNECTIONS threads, each with one keep-alive connection, until the time is up."""
    address = urlsplit(load.server.url).netloc
    headers = {"Content-Type": "application/json"} if load.bodies else {}
    latencies: list[float] = []
    statuses: Counter = Counter()
    errors = [0]
    finished: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(CONNECTIONS + 1)
    clock = {}

    def connection_loop(number: int) -> None:
        connection = http.client.HTTPConnection(address, timeout=30)
        mine, counts, failed, sent = [], Counter(), 0, 0
        start.wait()
        while (began := time.perf_counter()) < clock["end"]:
            body = None
            if load.bodies:
                head, tail = load.bodies[sent % len(load.bodies)]
                body = f"{head}{tag}-{number}-{sent}{tail}".encode()
            sent += 1
            try:
                connection.request("POST" if body else "GET", load.path, body, headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                failed += 1
                connection.close()
                continue
            mine.append(time.perf_counter() - began)
            counts[response.status] += 1
        connection.close()
        with lock:
            latencies.extend(mine)
            statuses.update(counts)
            errors[0] += failed
            finished.append(time.perf_counter())

    threads = [
        threading.Thread(target=connection_loop, args=(n,), daemon=True) for n in range(CONNECTIONS)
    ]
    for thread in threads:
        thread.start()
    clock["start"] = time.perf_counter()
    clock["end"] = clock["start"] + seconds
    start.wait()
    for thread in threads:
        thread.join()
    cuts = statistics.quantiles(latencies, n=100, method="inclusive") if latencies else [0] * 99
    return Result(
        requests=len(latencies),
        seconds=max(finished) - clock["start"],
        p50=cuts[49] * 1000,
        p99=cuts[98] * 1000,
        statuses=statuses,
        errors=errors[0],
    )


# -- server CPU: what a request costs whatever else runs on the machine --------------------

TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pids) -> dict[int, float]:
    """CPU seconds (user and system) each process has used so far."""
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone, or no /proc here
        used[pid] = (int(fields[11]) + int(fields[12])) / TICKS
    return used


def server_pids(load: Load) -> list[int]:
    """gunicorn's master and workers; the PostgreSQL backends serving its database."""
    pid = load.server.process.pid
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    pids = [pid, *map(int, children)]
    if load.database:
        engine = sa.create_engine(POSTGRES_URL)
        try:
            with engine.connect() as connection:
                pids += connection.execute(
                    sa.text("SELECT pid FROM pg_stat_activity WHERE datname = :name"),
                    {"name": load.database},
                ).scalars()
        finally:
            engine.dispose()
    return pids


def with_server_cpu(run):
    """`run`, and how much CPU the server used meanwhile."""

    def measured(load: Load, seconds: int, tag: str) -> Result:
        before = process_cpu(server_pids(load))
        result = run(load, seconds, tag)
        after = process_cpu(server_pids(load))
        result.server_cpu = sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())
        return result

    return measured


# -- measuring and reporting -------------------------------------------------------------


def check(load: Load, result: Result, problems: list[str]) -> None:
    unexpected = {status: n for status, n in result.statuses.items() if status != load.expect}
    if unexpected or result.errors or not result.requests:
        problems.append(
            f"{load.name}: {result.requests} answers, unexpected {unexpected or 'none'}, "
            f"{result.errors} connection errors\n{load.server.log_tail()}"
        )


def measure(loads: list[Load], run, args, problems: list[str]) -> list[tuple]:
    """Warm every load up, then alternate them round by round; a row of medians per load."""
    results: dict[str, list[Result]] = {load.name: [] for load in loads}
    for round_number in range(args.rounds + 1):
        for load in loads:
            seconds = args.seconds if round_number else WARM_UP_SECONDS
            result = run(load, seconds, f"b{secrets.token_hex(4)}")
            check(load, result, problems)
            if round_number:
                results[load.name].append(result)
            label = f"round {round_number}/{args.rounds}" if round_number else "warm-up"
            print(f"  {label:<11} {load.name:<28} {result.rate:8.1f} req/s", file=sys.stderr)
    baseline = statistics.median(r.rate for r in results[loads[0].name])
    rows = []
    for load in loads:
        rounds = results[load.name]
        rate = statistics.median(r.rate for r in rounds)
        cpu = statistics.median(1000 * r.server_cpu / max(r.requests, 1) for r in rounds)
        SERVER_CPU[load.name] = cpu
        spread = f"{min(r.rate for r in rounds):.0f}-{max(r.rate for r in rounds):.0f}"
        answers = sum((r.statuses for r in rounds), Counter())
        rows.append(
            (
                load.name,
                rate,
                spread,
                rate / baseline,
                statistics.median(r.p50 for r in rounds),
                statistics.median(r.p99 for r in rounds),
                ", ".join(f"{n} x {status}" for status, n in sorted(answers.items())),
            )
        )
    return rows


#: per load, the median server CPU of a request in milliseconds (gunicorn, PostgreSQL)
SERVER_CPU: dict[str, float] = {}


def print_table(title: str, rows: list[tuple]) -> None:
    print(f"\n{title}")
    print(
        f"{'':<27} {'req/s':>7} {'rounds':>11} {'ratio':>6} {'p50 ms':>7} {'p99 ms':>7}"
        f" {'CPU ms':>7}  answers"
    )
    for name, rate, spread, ratio, p50, p99, answers in rows:
        cpu = SERVER_CPU.get(name, 0.0)
        print(
            f"{name:<27} {rate:7.1f} {spread:>11} {ratio:6.3f} {p50:7.1f} {p99:7.1f}"
            f" {cpu:7.3f}  {answers}"
        )


def signup_bodies(program: dict) -> list[tuple[str, str]]:
    """Bodies that cycle through every session of every round, split around MARK."""
    rounds = [(str(r["id"]), [s["id"] for s in r["sessions"]]) for r in program["rounds"]]
    bodies = []
    for n in range(math.lcm(*(len(sessions) for _, sessions in rounds))):
        body = {
            "first_name": "Bench",
            "last_name": f"Mark {n}",
            "email": f"{MARK}@example.org",
            "organisation": "Benchmark",
            "role": "social_worker",
            "consent": True,
            "choices": {round_id: sessions[n % len(sessions)] for round_id, sessions in rounds},
        }
        head, tail = json.dumps(body).split(MARK)
        bodies.append((head, tail))
    return bodies


def seats_summary(server: Server, slug: str) -> str:
    program = server.get_json(f"/api/v1/editions/{slug}")
    sessions = [s for r in program["rounds"] for s in r["sessions"]]
    full = sum(s["seats_left"] == 0 for s in sessions)
    waiting = sum(s["waitlist_length"] for s in sessions)
    return f"{server.name}: {full} of {len(sessions)} sessions full, {waiting} waiting places"


def benchmark(stack: ExitStack, args, problems: list[str]) -> None:
    load_average = os.getloadavg()[0]  # other work on the machine skews every figure
    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="symposium-bench-")))
    env = os.environ | {"SYMPOSIUM_SECRET_KEY": SECRET_KEY, "SYMPOSIUM_RATELIMIT_ENABLED": "false"}
    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk"))
    run = with_server_cpu(run_wrk if use_wrk else run_python)

    databases = {"SQLite": f"sqlite:///{tmp / 'symposium.sqlite'}"}
    if url := postgres_database(stack):
        databases["PostgreSQL"] = url
    bare = serve(stack, "bare app", "benchmarks.bare_app:app", "/", env, tmp, args.worker_class)
    apps = [
        serve(stack, name, "wsgi:app", "/api/v1/editions", build(url, env), tmp, args.worker_class)
        for name, url in databases.items()
    ]
    editions = apps[0].get_json("/api/v1/editions")["editions"]
    slug = next((e["slug"] for e in editions if e["registration_open"]), None)
    if slug is None:
        raise Broken("the demo has no edition open for sign-up")
    bodies = signup_bodies(apps[0].get_json(f"/api/v1/editions/{slug}"))

    client = "wrk (2 threads)" if use_wrk else "Python threads with http.client"
    workers = f"{WORKERS} {args.worker_class} workers"
    workers += f" x {THREADS} threads" if args.worker_class == "gthread" else ""
    print(f"Program page: upcoming edition {slug}", file=sys.stderr)
    # PostgreSQL's backends do part of each request's work: their CPU counts too.
    database = {
        "SQLite": None,
        "PostgreSQL": sa.make_url(databases.get("PostgreSQL", "x://")).database,
    }
    pages = measure(
        [Load("bare app GET /", bare, "/", 200)]
        + [
            Load(f"program page ({app.name})", app, f"/{slug}/", 200, database=database[app.name])
            for app in apps
        ],
        run,
        args,
        problems,
    )
    print("Sign-ups", file=sys.stderr)
    path = f"/api/v1/editions/{slug}/registrations"
    signups = measure(
        [Load("bare app POST /", bare, "/", 200, bodies)]
        + [
            Load(f"sign-ups ({app.name})", app, path, 201, bodies, database=database[app.name])
            for app in apps
        ],
        run,
        args,
        problems,
    )

    print(
        f"\ngunicorn, {workers}; {CONNECTIONS} connections from {client}; "
        f"{os.cpu_count()} CPUs, load average {load_average:.1f} at the start\n"
        f"Medians of {args.rounds} rounds of {args.seconds} s; 'rounds' is the lowest and "
        "highest req/s; 'CPU ms' what the server's processes (gunicorn, and PostgreSQL's "
        "backends) used per request, which other work on the machine skews less"
    )
    print_table(f"Program page GET /{slug}/ against the bare app", pages)
    print_table(f"Sign-ups POST {path} against the bare app", signups)
    print("\nAfter the sign-ups:")
    for app in apps:
        print(f"  {seats_summary(app, slug)}")
    if args.json:
        figures = {
            "load_average": load_average,
            "program": {name.split("(")[-1].rstrip(")"): row for name, *row in pages[1:]},
            "signups": {name.split("(")[-1].rstrip(")"): row for name, *row in signups[1:]},
        }
        Path(args.json).write_text(json.dumps(figures))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="per round (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="per load (default 3)")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--worker-class", choices=("sync", "gthread"), default="sync")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the servers are stopped

    started = time.monotonic()
    problems: list[str] = []
    try:
        with ExitStack() as stack:
            benchmark(stack, args, problems)
    except Broken as error:
        problems.append(str(error))
    print(f"\nTook {time.monotonic() - started:.0f} s.")
    for problem in problems:
        print(f"\nBROKEN: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
