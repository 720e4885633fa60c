"""A sign-up's rows, written by statements built once (registration/rows.py), on SQLite and
on PostgreSQL: what the caller gets back is what a fresh read finds, nothing is written
twice, and the unique index still lets one sign-up per address through."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session as OrmSession

from symposium.extensions import db
from symposium.mail.models import OutboxMessage
from symposium.program.models import Edition, Session
from symposium.registration import rows, service
from symposium.registration.models import Choice, ChoiceState, Registration, RegistrationStatus
from tests.conftest import person


def columns(obj) -> dict:
    return {column.key: getattr(obj, column.key) for column in sa.inspect(type(obj)).column_attrs}


def test_a_sign_up_hands_back_what_a_fresh_read_finds(app, make_edition):
    edition = make_edition(capacity=1)
    first, second = edition.rounds
    full = first.sessions[0]
    service.register(edition.id, person(1, {full.round_id: full.id}))
    wanted = person(2, {first.id: full.id, second.id: second.sessions[1].id})
    wanted.answers = {}

    registration = service.register(edition.id, wanted)

    state = sa.inspect(registration)
    assert state.persistent and not state.expired_attributes
    assert not (db.session.new or db.session.dirty)
    seen = []
    sa.event.listen(db.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    kept = columns(registration), [columns(choice) for choice in registration.choices]
    db.session.flush()
    assert seen == []  # nothing left to write, nothing to read again
    with OrmSession(db.engine) as fresh:
        again = fresh.get(Registration, registration.id)
        assert kept == (columns(again), [columns(choice) for choice in again.choices])
        assert [(c.session_id, c.state) for c in again.choices] == [
            (full.id, ChoiceState.waitlisted),
            (second.sessions[1].id, ChoiceState.confirmed),
        ]


def test_a_row_missing_a_column_of_its_model_is_refused(app, make_edition):
    edition = make_edition()
    registration = service.register(edition.id, person(1))
    values = columns(registration)
    del values["badge_printed_at"]

    with pytest.raises(ValueError, match="badge_printed_at"):
        rows.as_loaded(Registration, values | {"id": registration.id + 1})


def test_one_address_racing_itself_signs_up_once(app, make_edition):
    edition = make_edition(rounds=1, capacity=10)
    [workshop, *_] = edition.rounds[0].sessions
    edition_id, round_id, session_id = edition.id, workshop.round_id, workshop.id
    start = threading.Barrier(8)

    def sign_up(number: int) -> str:
        with app.app_context():
            request = person(number, {round_id: session_id}, email="Same@example.org")
            start.wait()
            try:
                service.register(edition_id, request)
            except service.DuplicateRegistration:
                return "duplicate"
            return "signed up"

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(sign_up, range(8)))

    assert sorted(results) == ["duplicate"] * 7 + ["signed up"]
    db.session.rollback()
    count = sa.select(sa.func.count())
    assert db.session.scalar(count.select_from(Registration)) == 1
    assert db.session.scalar(count.select_from(Choice)) == 1
    assert db.session.scalar(count.select_from(OutboxMessage)) == 1
    assert db.session.get(Session, session_id).taken == 1
    assert db.session.get(Edition, edition_id).registered == 1


def test_someone_who_cancelled_comes_back_for_a_seat_only(app, make_edition):
    edition = make_edition(rounds=1)
    [old, new, _] = edition.rounds[0].sessions
    me = service.register(edition.id, person(1, {old.round_id: old.id}))
    service.cancel(me.id)

    again = service.register(edition.id, person(1, {new.round_id: new.id}))

    assert again.id == me.id
    assert again.status == RegistrationStatus.confirmed
    assert [(c.session_id, c.state) for c in again.choices] == [
        (old.id, ChoiceState.declined),
        (new.id, ChoiceState.confirmed),
    ]
    db.session.rollback()
    assert [(c.session_id, c.state) for c in db.session.get(Registration, me.id).choices] == [
        (old.id, ChoiceState.declined),
        (new.id, ChoiceState.confirmed),
    ]
    assert (db.session.get(Session, old.id).taken, db.session.get(Session, new.id).taken) == (0, 1)


def test_a_json_sign_up_writes_each_row_in_one_statement_and_reads_little(client, make_edition):
    edition = make_edition()
    first, second = edition.rounds
    body = {
        "first_name": "Anna",
        "last_name": "de Vries",
        "email": "anna@example.org",
        "role": "researcher",
        "consent": True,
        "choices": {str(first.id): first.sessions[0].id, str(second.id): second.sessions[2].id},
    }
    seen: list[str] = []
    sa.event.listen(db.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))

    response = client.post(f"/api/v1/editions/{edition.slug}/registrations", json=body)

    assert response.status_code == 201
    words = [" ".join(statement.split()[:3]) for statement in seen]
    assert words.count("INSERT INTO registration") == 1
    assert words.count("INSERT INTO choice") == 1
    assert words.count("INSERT INTO outbox_message") == 1
    # The edition and whether it sells places in one read; no registration read first.
    reads = [statement for statement in seen if statement.startswith("SELECT")]
    assert [statement for statement in reads if "FROM edition" in statement] == reads[:1]
    assert not any("FROM registration" in statement for statement in reads)


def test_a_sign_up_run_again_leaves_nothing_of_its_first_run_in_the_session(
    app, make_edition, monkeypatch
):
    # The edition as the page loaded it: no venue limit, so the place is claimed last...
    edition = make_edition(rounds=1, capacity=5)
    [workshop, *_] = edition.rounds[0].sessions
    db.session.get(Edition, edition.id)
    with db.engine.begin() as organiser:  # ...and meanwhile the venue turns out to be full
        organiser.execute(
            sa.update(Edition).where(Edition.id == edition.id).values(venue_capacity=0)
        )
    made = []  # held on to, as anything might: the first run's rows are rolled back
    as_loaded = rows.as_loaded
    monkeypatch.setattr(rows, "as_loaded", lambda *args: made.append(as_loaded(*args)) or made[-1])

    registration = service.register(edition.id, person(1, {workshop.round_id: workshop.id}))

    assert registration.status == RegistrationStatus.waitlisted
    first_run = [obj for obj in made if obj is not registration]
    assert [type(obj) for obj in first_run] == [Registration, Choice]
    assert not any(obj in db.session for obj in first_run)
    assert sa.inspect(registration).persistent
