"""Badges for N attendees as one PDF: seconds, badges per second and peak memory.

Run: .venv/bin/python benchmarks/badges.py [--people 1000]

Measures, in the same run and on the same machine:
- floor: WeasyPrint rendering N trivial A6 pages (one paragraph each) in one document, in
  one process;
- Symposium's badges as `flask badges` and the worker make them (documents.service): one
  badge per page and four-up sheets, in one process and in parallel on every CPU;
- the whole command the organiser waits for, start-up counted: `flask --app symposium
  badges bench --sheets -o ...` in a process of its own on the same database (with the
  default SYMPOSIUM_DOCUMENT_PROCESSES, CPUs - 1), its wall time against the floor.
Prints each against the floor, and peak memory (largest resident set of this process and
of any child process). Asserts nothing about time. `--command-only` measures the floor and
the whole command alone (the figure of issue 16's table), in about a third of the time.
"""

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from weasyprint import HTML

from symposium import create_app
from symposium.documents import service
from symposium.documents.models import DocumentKind
from symposium.documents.parallel import process_count, render_in_parallel
from symposium.extensions import db
from symposium.program.models import (
    Edition,
    EditionStatus,
    Round,
    Session,
    SessionKind,
)
from symposium.registration.models import (
    Choice,
    ChoiceState,
    Registration,
    RegistrationStatus,
)

FIRST = ["Anna", "Mohammed", "Sanne", "Jan-Willem", "Fatima", "Pieter", "Eleni", "Olga", "Wei"]
LAST = ["de Vries", "Jansen", "El Amrani", "Bakker", "Papadopoulou", "Ivanova", "Zhang"]
ORGS = ["Gemeente Utrecht", "Buurtteam Overvecht", "Stichting Wijkwerk Amsterdam-Noord", ""]


def seed(people: int) -> None:
    starts = datetime(2027, 11, 25, 8, 30, tzinfo=UTC)
    edition = Edition(
        slug="bench",
        title="Symposium Sociaal Werk 2027",
        starts_at=starts,
        ends_at=starts + timedelta(hours=8),
        venue="Jaarbeurs, Utrecht",
        status=EditionStatus.published,
    )
    db.session.add(edition)
    sessions_by_round = []
    for number in range(3):
        begin = starts + timedelta(hours=2 + 2 * number)
        round_ = Round(
            edition=edition,
            name=f"Ronde {number + 1}",
            starts_at=begin,
            ends_at=begin + timedelta(hours=1, minutes=15),
        )
        sessions = [
            Session(
                edition=edition,
                round=round_,
                kind=SessionKind.breakout,
                title=f"Workshop {number + 1}.{n + 1}: samen werken aan bestaanszekerheid",
                slug=f"w-{number}-{n}",
                room=f"Zaal {n + 1}",
                capacity=people,
                starts_at=begin,
                ends_at=begin + timedelta(hours=1, minutes=15),
            )
            for n in range(8)
        ]
        db.session.add_all(sessions)
        sessions_by_round.append((round_, sessions))
    db.session.flush()
    rng = random.Random(1)
    for number in range(people):
        registration = Registration(
            edition=edition,
            first_name=rng.choice(FIRST),
            last_name=f"{rng.choice(LAST)} {number}",
            email=f"p{number}@example.org",
            email_key=f"p{number}@example.org",
            organisation=rng.choice(ORGS),
            role="social_worker",
            status=RegistrationStatus.confirmed,
        )
        registration.choices = [
            Choice(
                round_id=round_.id, session_id=rng.choice(sessions).id, state=ChoiceState.confirmed
            )
            for round_, sessions in sessions_by_round
        ]
        db.session.add(registration)
    db.session.commit()


def peak_mib() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def report(label: str, seconds: float, people: int, floor: float | None) -> None:
    ratio = f"{seconds / floor:5.2f} x floor" if floor else " " * 13
    own, children = peak_mib()
    print(
        f"{label:<36}{seconds:7.2f} s {people / seconds:7.1f} badges/s  {ratio}"
        f"  peak RSS: this process {own:.0f} MiB, largest child {children:.0f} MiB"
    )


def whole_command(database_url: str, folder: str, edition: str = "bench") -> float:
    """Wall time of `flask badges --sheets` in a fresh process, start-up included. For an
    edition that does not exist: the command's start-up and first query alone."""
    flask = str(Path(sys.executable).with_name("flask"))
    output = Path(folder) / "command.pdf"
    output.unlink(missing_ok=True)
    env = {
        **os.environ,
        "SYMPOSIUM_DATABASE_URL": database_url,
        "SYMPOSIUM_SECRET_KEY": "bench",
        "SYMPOSIUM_DOCUMENTS_FOLDER": folder,
    }
    command = [flask, "--app", "symposium", "badges", edition, "--sheets", "-o", str(output)]
    start = time.perf_counter()
    finished = subprocess.run(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    seconds = time.perf_counter() - start
    made = output.is_file() and output.read_bytes().startswith(b"%PDF")
    if made != (edition == "bench") or (finished.returncode == 0) != made:
        raise SystemExit(f"flask badges {edition}: exit {finished.returncode}, PDF made: {made}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--command-only", action="store_true")
    arguments = parser.parse_args()
    people = arguments.people
    print(f"{people} badges, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")

    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite", "SECRET_KEY": "x"},
            instance_path=folder,
        )
        with app.app_context():
            db.create_all()
            seed(people)
            edition = db.session.query(Edition).one()

            start = time.perf_counter()
            trivial = "".join(f'<p style="break-after: page">{n}</p>' for n in range(people))
            HTML(string=f"<style>@page {{ size: A6; margin: 0 }}</style>{trivial}").write_pdf()
            floor = time.perf_counter() - start
            report(f"floor: {people} trivial A6 pages", floor, people, None)

            url = app.config["SQLALCHEMY_DATABASE_URI"]
            seconds = whole_command(url, folder)
            report("flask badges --sheets, whole command", seconds, people, floor)
            started = whole_command(url, folder, edition="no-such-edition")
            print(f"{'  of which start-up and first query':<36}{started:7.2f} s")
            if arguments.command_only:
                print(f"load average now {os.getloadavg()[0]:.1f}")
                return

            for kind in (DocumentKind.badges, DocumentKind.badge_sheets):
                # Every CPU, as for the command (process_count() alone keeps one CPU free:
                # on two CPUs that is one process, which made both rows the same).
                for processes in (1, process_count(waited_for=True)):
                    start = time.perf_counter()
                    content = service.plan(edition, kind, {}, "nl")
                    parts = content.chunks()
                    html = (content.to_html(part, "nl") for part in parts)
                    pdf = render_in_parallel(html, content.stylesheet, len(parts), None, processes)
                    seconds = time.perf_counter() - start
                    where = "one process" if processes == 1 else f"{processes} processes"
                    report(f"{kind}, {where}", seconds, people, floor)
                print(f"{'':<36}({len(pdf) >> 10} KiB of PDF)")


if __name__ == "__main__":
    main()
