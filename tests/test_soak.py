"""A small soak through the real parts: gunicorn, two mail workers and an SMTP server.

The same soak as `make soak` (benchmarks/soak.py), a few dozen requests instead of
hundreds: concurrent sign-ups, changes and cancellations over HTTP, the SMTP server
refusing for a while and a mail worker killed mid-batch; then every check of the full
soak (seats, waiting lists, answers, mail delivered once). No database restarts here:
the full soak does those on a PostgreSQL cluster of its own.

Below it, the two faults the full soak found, in small: a cancel racing a change of the
same person (on PostgreSQL both acted on what they read before the other committed: a
seat freed twice, a cancelled registration holding a seat), and a mail worker that
stopped for good when the database went away.
"""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from benchmarks import soak
from symposium import worker
from symposium.extensions import db
from symposium.mail.delivery import BatchResult
from symposium.program.models import Session
from symposium.registration import service
from symposium.registration.models import Choice, ChoiceState, Registration, RegistrationStatus
from tests.conftest import POSTGRES_URL, person

pytestmark = pytest.mark.slow  # hundreds of sign-ups under gunicorn with faults

SMALL = soak.Plan(
    signups=30,
    threads=8,
    # 12 seats for 30 people: waiting lists; every sign-up followed by someone's change,
    # often a cancel, so that seats come free and people are promoted.
    capacities=((3, 2, 1), (3, 2, 1)),
    follow_up=1.0,
    follow_up_weights=(30, 20, 10, 40),
    web_workers=2,
    preload=True,
    mail_workers=2,
    batch_size=10,
    lease_seconds=2,
    faults=True,
    smtp_refusal_seconds=0.75,
    drain_seconds=45.0,
)


@pytest.fixture
def fresh_postgres():
    """A database of its own on the shared server, dropped afterwards; never a restart."""
    if not POSTGRES_URL:
        pytest.skip("SYMPOSIUM_TEST_POSTGRES_URL is not set: no PostgreSQL to soak")
    server = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"symposium_soak_{uuid.uuid4().hex[:12]}"
    with server.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_small_soak_with_faults_overbooks_nothing_and_loses_or_doubles_no_mail(
    database, tmp_path, request
):
    if database == "sqlite":
        url = f"sqlite:///{tmp_path / 'soak.sqlite'}"
    else:
        url = request.getfixturevalue("fresh_postgres")

    report = soak.soak(f"small soak on {database}", url, SMALL, tmp_path)

    assert report.problems == [], "\n".join(report.lines + report.problems)
    figures = report.figures
    # Everyone was answered, and the soak met what it is about.
    assert figures["answered"] == figures["signups"] == SMALL.signups
    assert figures["waiting_places"] > 0 and figures["promotions"] > 0
    assert figures["refusals"] > 0
    assert figures["left_claimed_by_killed_worker"] > 0
    # Each message at least once; twice only where the kill fell between the server's
    # acceptance and the worker's record of it, which the soak allows and reports.
    assert figures["different"] == figures["queued"]
    assert figures["delivered"] - figures["different"] <= 1


def test_a_cancel_racing_a_change_of_the_same_person_leaves_no_seat_behind(app, make_edition):
    edition = make_edition(rounds=1, sessions_per_round=2, capacity=20)
    [round_] = edition.rounds
    old, new = sorted(round_.sessions, key=lambda s: s.slug)
    edition_id, round_id, old_id, new_id = edition.id, round_.id, old.id, new.id
    people = [service.register(edition_id, person(n, {round_id: old_id})).id for n in range(10)]
    start = threading.Barrier(2 * len(people))

    def act(job: tuple[str, int]) -> str:
        kind, registration_id = job
        with app.app_context():
            start.wait()
            try:
                if kind == "cancel":
                    service.cancel(registration_id)
                else:
                    service.change_choice(registration_id, round_id, new_id)
            except service.NotAllowed:
                return "refused: cancelled first"
            return "done"

    with ThreadPoolExecutor(max_workers=2 * len(people)) as pool:
        list(pool.map(act, [(kind, r) for r in people for kind in ("cancel", "change")]))

    db.session.rollback()
    for session_id in (old_id, new_id):
        held = db.session.scalar(
            sa.select(sa.func.count()).where(
                Choice.session_id == session_id, Choice.state == ChoiceState.confirmed
            )
        )
        assert db.session.get(Session, session_id).taken == held == 0
    assert set(db.session.scalars(sa.select(Registration.status))) == {RegistrationStatus.cancelled}


def test_the_mail_worker_waits_for_a_database_that_went_away(sqlite_app, monkeypatch):
    stop = worker.StopFlag()
    batches = []

    def deliver_due(batch_size, should_stop):
        batches.append(batch_size)
        if len(batches) == 1:
            raise sa.exc.OperationalError("SELECT 1", {}, OSError("server closed the connection"))
        stop.stop()
        return BatchResult()

    monkeypatch.setattr(worker, "deliver_due", deliver_due)
    sqlite_app.config["WORKER_POLL_SECONDS"] = 0.01

    worker.run([], stop)

    assert len(batches) == 2  # it tried again, rather than stopping with the error
