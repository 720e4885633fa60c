"""Every speed figure of the project in one table: `make benchmark`.

Runs, one after another (each builds its own throwaway databases and servers):

- `http_load.py`: the program page and JSON sign-ups, req/s against a bare Flask app, on
  SQLite and PostgreSQL (gunicorn, two sync workers, wrk with 16 connections);
- `signup_race.py`: 200 sign-ups at once for one edition on PostgreSQL, four workers;
- `mail_throughput.py`: the mail worker's messages/s against plain smtplib;
- `badges.py`: 1,000 badges against WeasyPrint's 1,000 trivial pages;
- `create_app()` in a fresh process, the median of five (wall clock and CPU time).

Then prints the table: per figure its target, what this run measured (ratios against a
baseline measured in the same run) and the load average when that part started, since
the machine may be shared. `--quick` gives shorter rounds (for a look, not for the record);
`--only NAME,...` runs some parts (page, race, mail, badges, startup).

Speed is reported, never judged: the exit status is 1 only when a part broke.
"""

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PARTS = ("page", "race", "mail", "badges", "startup")

STARTUP = """
import time
began, cpu = time.perf_counter(), time.process_time()
from symposium import create_app
create_app({"SECRET_KEY": "benchmark-secret-key-not-for-production",
            "SQLALCHEMY_DATABASE_URI": "sqlite://"})
print(time.perf_counter() - began, time.process_time() - cpu)
"""


def load() -> float:
    return os.getloadavg()[0]


def run(script: str, *args: str) -> tuple[int, str]:
    """A benchmark script, its output shown as it goes and kept for the table."""
    print(f"\n$ {script} {' '.join(args)}", flush=True)
    process = subprocess.Popen(
        [sys.executable, str(HERE / script), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    for line in process.stdout:
        print(f"  {line}", end="", flush=True)
        lines.append(line)
    return process.wait(), "".join(lines)


def page_and_signups(quick: bool, rows: list, problems: list) -> None:
    started = load()
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        args = ["--json", out.name] + (["--seconds", "2", "--rounds", "1"] if quick else [])
        status, output = run("http_load.py", *args)
        figures = json.loads(Path(out.name).read_text() or "{}") if status == 0 else {}
    if status != 0 or not figures:
        problems.append(f"http_load.py failed:\n{output[-2000:]}")
        return
    for kind, label, target in (
        ("program", "program page /<edition>/, req/s / bare Flask", "≥ 0.3"),
        ("signups", "JSON sign-up, req/s / bare Flask (p99)", "≥ 0.1, p99 < 250 ms"),
    ):
        for database, (_rate, _spread, ratio, _p50, p99, _answers) in figures[kind].items():
            shown = f"{ratio:.3f}" + (f" (p99 {p99:.0f} ms)" if kind == "signups" else "")
            rows.append((f"{label}, {database}", target, shown, started))


def race(quick: bool, rows: list, problems: list) -> None:
    started = load()
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        args = ["--json", out.name] + (["--rounds", "1"] if quick else [])
        status, output = run("signup_race.py", *args)
        figures = json.loads(Path(out.name).read_text() or "{}") if status == 0 else {}
    if not figures:
        problems.append(f"signup_race.py failed:\n{output[-2000:]}")
        return
    shown = (
        f"{figures['rate']:.0f}/s, p99 {figures['p99'] / 1000:.1f} s, "
        f"lock waits in {figures['lock_waits']:.0%} of samples"
    )
    rows.append(("200 sign-ups racing, PostgreSQL, 4 workers", "no serialisation", shown, started))


def mail(quick: bool, rows: list, problems: list) -> None:
    started = load()
    args = ["--messages", "500" if quick else "2000", "--rounds", "1" if quick else "3"]
    args += ["--signups", "50" if quick else "200"]
    status, output = run("mail_throughput.py", *args)
    # The throughput table: "<database> <worker msg/s> <plain msg/s> <worker/plain>".
    found = re.findall(r"^(sqlite|postgresql)\s+[\d.]+\s+[\d.]+\s+([\d.]+)\s*$", output, re.M)
    if status != 0 or not found:
        problems.append(f"mail_throughput.py failed:\n{output[-2000:]}")
        return
    shown = " / ".join(ratio for _, ratio in found)
    names = " / ".join({"sqlite": "SQLite", "postgresql": "PostgreSQL"}[db] for db, _ in found)
    rows.append((f"mail worker msg/s / smtplib, {names}", "≥ 0.7", shown, started))


def badges(quick: bool, rows: list, problems: list) -> None:
    started = load()
    status, output = run("badges.py", "--people", "200" if quick else "1000")
    # "<what>   <seconds> s <rate> badges/s  <ratio> x floor"
    found = re.findall(r"^(.+?)\s+[\d.]+ s\s+[\d.]+ badges/s\s+([\d.]+) x floor", output, re.M)
    if status != 0 or not found:
        problems.append(f"badges.py failed:\n{output[-2000:]}")
        return
    # The figure is what the organiser waits for: the whole command, start-up
    # counted; the best rendering inside one process is shown beside it.
    ratios = {what.strip(): ratio for what, ratio in found}
    command = next((ratio for what, ratio in ratios.items() if "whole command" in what), None)
    best_what, best = min(ratios.items(), key=lambda item: float(item[1]))
    shown = f"{command} (whole command); {best} ({best_what})"
    people = "200" if quick else "1,000"
    rows.append((f"{people} badges / WeasyPrint trivial pages", "≤ 2", shown, started))


def startup(quick: bool, rows: list, problems: list) -> None:
    started = load()
    # Bytecode as an installed package has it (pip compiles it; `make install` too), so
    # that what is measured is start-up and not compiling our sources.
    subprocess.run([sys.executable, "-m", "compileall", "-q", "symposium"], cwd=ROOT, check=True)
    times, cpu = [], []  # CPU time too: on a busy machine the wall clock says little
    for _ in range(3 if quick else 5):
        done = subprocess.run(
            [sys.executable, "-c", STARTUP], cwd=ROOT, capture_output=True, text=True
        )
        if done.returncode != 0:
            problems.append(f"create_app() failed:\n{done.stderr[-2000:]}")
            return
        wall, used = done.stdout.split()[-2:]
        times.append(float(wall))
        cpu.append(float(used))
    shown = f"{statistics.median(times):.2f} s (CPU {statistics.median(cpu):.2f} s)"
    print(f"\ncreate_app() in a fresh process: {', '.join(f'{t:.2f}' for t in times)} s")
    rows.append(("create_app() in a fresh process", "≤ 0.5 s", shown, started))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short rounds, for a look")
    parser.add_argument("--only", default=",".join(PARTS), help=f"some of {','.join(PARTS)}")
    args = parser.parse_args()
    chosen = [part for part in args.only.split(",") if part]
    unknown = set(chosen) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    began = time.monotonic()
    rows: list[tuple[str, str, str, float]] = []
    problems: list[str] = []
    parts = {
        "page": page_and_signups,
        "race": race,
        "mail": mail,
        "badges": badges,
        "startup": startup,
    }
    for part in PARTS:
        if part in chosen:
            parts[part](args.quick, rows, problems)

    width = max((len(row[0]) for row in rows), default=10)
    print(
        f"\n{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; {time.monotonic() - began:.0f} s in all"
        + (" (--quick)" if args.quick else "")
    )
    print(f"\n| {'figure':<{width}} | target | measured | load average |")
    print(f"|{'-' * (width + 2)}|---|---|---|")
    for figure, target, shown, load_average in rows:
        print(f"| {figure:<{width}} | {target} | {shown} | {load_average:.1f} |")
    for problem in problems:
        print(f"\nBROKEN: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
