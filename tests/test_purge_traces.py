"""Erased and purged means gone from the disk too, and a purge leaves a trace in the log.

The scans read the files themselves, byte by byte: the database file and SQLite's
write-ahead log (`-wal`) and its index (`-shm`) beside it, and every other file in the
instance folder, the way anyone who copies the folder would.
"""

import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import flask
import pytest
import sqlalchemy as sa

from symposium import create_app, privacy, worker
from symposium.audit.models import AuditEntry
from symposium.documents.models import DocumentJob, DocumentKind, JobStatus
from symposium.documents.service import documents_folder
from symposium.extensions import db
from symposium.mail import delivery
from symposium.registration import organisers as admin
from symposium.registration.personal import manage_token
from tests.conftest import TEST_SETTINGS, _fresh_request_globals
from tests.test_organiser import csrf_for, organiser, sign_in, text  # noqa: F401
from tests.test_personal_data import ACTOR, end, workshops


@pytest.fixture
def instance(tmp_path) -> Path:
    return tmp_path / "instance"


@pytest.fixture
def sqlite_app(instance, sqlite_template):
    """The app as it runs by default: its SQLite database in the instance folder."""
    instance.mkdir()
    database = instance / "symposium.sqlite"
    shutil.copy(sqlite_template, database)
    app = create_app(
        {**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"},
        instance_path=str(instance),
    )
    flask.request_started.connect(_fresh_request_globals, app)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def traces_on_disk(folder: Path, words: list[str]) -> dict[str, list[str]]:
    """Which of these words each file in the folder holds, in any case: {file: words}."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            content = path.read_bytes().lower()
            hits = [word for word in words if word.lower().encode() in content]
            if hits:
                found[path.name] = hits
    return found


def sign_up_people(edition, sign_up, surname: str, count: int, start: int = 0):
    [[workshop, *_]] = workshops(edition)
    return [
        sign_up(
            edition,
            start + n,
            {workshop.round_id: workshop.id},
            first_name=f"Zwaantje{n}",
            last_name=f"{surname}{n}",
            email=f"{surname.lower()}{n}@purge.example",
            organisation=f"Stichting {surname}",
        )
        for n in range(count)
    ]


def test_after_a_purge_no_file_in_the_instance_folder_holds_a_name_or_address(
    sqlite_app, instance, make_edition, sign_up, smtp_server
):
    past, kept = make_edition(rounds=1, capacity=40), make_edition(rounds=1)
    people = sign_up_people(past, sign_up, "Purgewater", 12)
    sign_up_people(kept, sign_up, "Blijvertje", 1, start=100)
    for person in people:  # more versions of their rows in the log
        admin.check_in(person.id, ACTOR)
    delivery.deliver_due(batch_size=100)  # sent mail keeps its row, stripped by the purge
    badges = documents_folder() / "badges-test.pdf"
    badges.write_text(" ".join(f"{p.first_name} {p.last_name}" for p in people))
    db.session.add(
        DocumentJob(
            edition_id=past.id,
            kind=DocumentKind.badges,
            language="nl",
            fingerprint="x",
            status=JobStatus.done,
            file_name=badges.name,
        )
    )
    db.session.commit()
    words = [word for p in people for word in (p.last_name, p.email)] + ["stichting purgewater"]
    before = traces_on_disk(instance, words)
    assert "symposium.sqlite-wal" in before  # the log holds them, as the issue found
    assert badges.name in before
    end(past)

    result = sqlite_app.test_cli_runner().invoke(args=["purge", past.slug])

    assert result.exit_code == 0, result.output
    files = {path.name for path in instance.rglob("*")}
    assert {"symposium.sqlite", "symposium.sqlite-wal", "symposium.sqlite-shm"} <= files
    assert traces_on_disk(instance, words) == {}
    # The scan still sees the people whose data is kept.
    assert "symposium.sqlite" in traces_on_disk(instance, ["blijvertje0@purge.example"])


def test_after_erasing_themselves_a_person_is_in_no_file_of_the_instance_folder(
    sqlite_app, instance, make_edition, sign_up
):
    edition = make_edition(rounds=1, capacity=40)
    leaving, staying = sign_up_people(edition, sign_up, "Wisvogel", 2)
    admin.check_in(leaving.id, ACTOR)
    words = [leaving.last_name, leaving.email, leaving.first_name]
    assert "symposium.sqlite-wal" in traces_on_disk(instance, words)
    client = sqlite_app.test_client()
    token = manage_token(leaving)

    done = client.post(f"/r/{token}/erase", data={"csrf_token": csrf_for(client)})

    assert done.status_code == 302
    assert traces_on_disk(instance, words) == {}
    assert traces_on_disk(instance, [staying.email]) != {}


# -- the purge in the audit log ------------------------------------------------------------


def purge_entries() -> list[AuditEntry]:
    db.session.rollback()
    return list(
        db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.action == "edition.purge")
            .order_by(AuditEntry.id)
        )
    )


def test_the_audit_log_says_who_purged_which_edition_when_and_what_it_removed(
    app,
    make_edition,
    sign_up,
    organiser,  # noqa: F811
):
    edition = make_edition(rounds=1)
    sign_up_people(edition, sign_up, "Logboek", 2)
    end(edition)
    started = datetime.now(UTC) - timedelta(seconds=1)

    result = app.test_cli_runner().invoke(args=["purge", edition.slug])

    assert result.exit_code == 0, result.output
    [entry] = purge_entries()
    assert entry.edition_id == edition.id and entry.target_label == edition.title
    assert started <= entry.at <= datetime.now(UTC)
    assert entry.actor_id is None and entry.actor_email.endswith("(flask purge)")
    printed = dict(
        (name, int(count))
        for name, count in re.findall(r"(\w+) (\d+)", result.output.split(". ")[-1])
    )
    assert printed["anonymise_registrations"] == 2
    assert {k: entry.after[k] for k in printed} == printed
    assert entry.after["ran_by"] == "command_line" and entry.after["again"] is False

    client = app.test_client()
    assert sign_in(client).status_code == 302
    assert "Command line" in text(client.get("/organiser/audit?lang=en"))
    page = text(client.get("/organiser/audit?lang=nl"))
    assert "Opdrachtregel" in page and "edition.purge" in page


def test_the_audit_log_says_when_the_worker_purged_by_the_retention_setting(
    app,
    make_edition,
    sign_up,
    smtp_server,
    organiser,  # noqa: F811
):
    long_ago = make_edition(rounds=1)
    sign_up_people(long_ago, sign_up, "Bewaartermijn", 1)
    end(long_ago, ago=timedelta(days=200))
    app.config["PURGE_AFTER_MONTHS"] = 6

    worker.run([], worker.StopFlag(), once=True)

    [entry] = purge_entries()
    assert entry.edition_id == long_ago.id
    assert entry.actor_email == "SYMPOSIUM_PURGE_AFTER_MONTHS=6"
    assert entry.after["ran_by"] == "retention"
    assert entry.after["anonymise_registrations"] == 1
    client = app.test_client()
    assert sign_in(client).status_code == 302
    assert "The worker, by the retention setting" in text(client.get("/organiser/audit?lang=en"))


def test_an_organiser_who_purges_is_named_in_the_log(app, make_edition, sign_up):
    edition = make_edition(rounds=1)
    sign_up_people(edition, sign_up, "Organisator", 1)
    end(edition)

    report = privacy.purge_edition(edition.id, ACTOR)

    [entry] = purge_entries()
    assert entry.id == report.entry_id
    assert entry.actor_email == ACTOR.email and entry.after["ran_by"] == "organiser"
