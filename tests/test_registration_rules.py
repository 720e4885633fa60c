"""The capacity rules, each proven on SQLite and on PostgreSQL."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa

from symposium.extensions import db
from symposium.program.models import Edition, Session
from symposium.registration import service
from symposium.registration.models import Choice, ChoiceState, Registration, RegistrationStatus
from symposium.registration.personal import manage_token
from tests.conftest import person


def breakouts(edition: Edition) -> list[list[Session]]:
    """Sessions per round, in round order."""
    db.session.rollback()  # a fresh snapshot: other connections have committed since
    edition = db.session.get(Edition, edition.id)
    return [sorted(r.sessions, key=lambda s: s.slug) for r in edition.rounds]


def states(registration_id: int) -> dict[int, str]:
    """Session id -> state of the registration's live choices."""
    db.session.rollback()
    return {
        c.session_id: c.state.value
        for c in db.session.scalars(
            sa.select(Choice).where(
                Choice.registration_id == registration_id, Choice.state != ChoiceState.declined
            )
        )
    }


def seats(session_id: int) -> tuple[int, int]:
    db.session.rollback()  # a fresh snapshot: other connections have committed since
    session = db.session.get(Session, session_id)
    return session.taken, session.waiting


def test_fifty_people_racing_for_five_seats_leave_exactly_five_confirmed(app, make_edition):
    edition = make_edition(rounds=1, sessions_per_round=1, capacity=5)
    [[workshop]] = breakouts(edition)
    edition_id, round_id, session_id = edition.id, workshop.round_id, workshop.id
    start = threading.Barrier(50)

    def sign_up(number: int) -> str:
        with app.app_context():
            start.wait()
            registration = service.register(edition_id, person(number, {round_id: session_id}))
            return registration.choices[0].state.value

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(sign_up, range(50)))

    assert results.count("confirmed") == 5
    assert results.count("waitlisted") == 45
    assert seats(session_id) == (5, 45)


def test_a_full_session_puts_the_next_person_on_its_waiting_list(app, make_edition, sign_up):
    edition = make_edition(rounds=1, capacity=1)
    [[first, _, _]] = breakouts(edition)
    holder = sign_up(edition, 1, {first.round_id: first.id})
    waiter = sign_up(edition, 2, {first.round_id: first.id})

    assert states(holder.id) == {first.id: "confirmed"}
    assert states(waiter.id) == {first.id: "waitlisted"}
    assert seats(first.id) == (1, 1)


def test_waiting_for_a_full_session_keeps_another_seat_meanwhile(app, make_edition, sign_up):
    edition = make_edition(rounds=1, capacity=1)
    [[full, other, _]] = breakouts(edition)
    sign_up(edition, 1, {full.round_id: full.id})
    request = person(2)
    request.choices = {
        full.round_id: service.RoundRequest(session_id=other.id, waitlist_session_id=full.id)
    }

    registration = service.register(edition.id, request)

    assert states(registration.id) == {full.id: "waitlisted", other.id: "confirmed"}


def test_cancelling_gives_the_seat_to_the_first_person_waiting(app, make_edition, sign_up):
    edition = make_edition(rounds=1, capacity=1)
    [[workshop, _, _]] = breakouts(edition)
    holder = sign_up(edition, 1, {workshop.round_id: workshop.id})
    first_waiting = sign_up(edition, 2, {workshop.round_id: workshop.id})
    second_waiting = sign_up(edition, 3, {workshop.round_id: workshop.id})

    service.cancel(holder.id)

    assert states(first_waiting.id) == {workshop.id: "confirmed"}
    assert states(second_waiting.id) == {workshop.id: "waitlisted"}
    assert seats(workshop.id) == (1, 1)
    assert db.session.get(Registration, holder.id).status == RegistrationStatus.cancelled


def test_promotion_follows_the_chain_through_a_round(app, make_edition, sign_up):
    """A freed seat in A goes to Bea, whose seat in B goes to Cas, whose seat in C goes to Dirk."""
    edition = make_edition(rounds=1, sessions_per_round=4, capacity=1)
    [[a, b, c, d]] = breakouts(edition)
    round_id = a.round_id

    def waiting_for(number, held, wanted):
        request = person(number)
        request.choices = {
            round_id: service.RoundRequest(session_id=held, waitlist_session_id=wanted)
        }
        return service.register(edition.id, request)

    ann = sign_up(edition, 1, {round_id: a.id})
    bea = waiting_for(2, b.id, a.id)
    cas = waiting_for(3, c.id, b.id)
    dirk = waiting_for(4, d.id, c.id)
    assert states(dirk.id) == {d.id: "confirmed", c.id: "waitlisted"}

    promoted = service.cancel(ann.id)

    assert len(promoted) == 3
    assert states(bea.id) == {a.id: "confirmed"}
    assert states(cas.id) == {b.id: "confirmed"}
    assert states(dirk.id) == {c.id: "confirmed"}
    # Dirk's old seat in D is free again; nobody is left waiting anywhere.
    assert [seats(s.id) for s in (a, b, c, d)] == [(1, 0), (1, 0), (1, 0), (0, 0)]


def test_changing_takes_the_new_seat_before_freeing_the_old(app, make_edition, sign_up):
    edition = make_edition(rounds=1, capacity=1)
    [[mine, full, free]] = breakouts(edition)
    me = sign_up(edition, 1, {mine.round_id: mine.id})
    sign_up(edition, 2, {full.round_id: full.id})
    waiter = sign_up(edition, 3, {mine.round_id: mine.id})

    with pytest.raises(service.SessionFull):
        service.change_choice(me.id, mine.round_id, full.id)
    assert states(me.id) == {mine.id: "confirmed"}
    assert seats(mine.id) == (1, 1)

    service.change_choice(me.id, mine.round_id, free.id)

    assert states(me.id) == {free.id: "confirmed"}
    assert states(waiter.id) == {mine.id: "confirmed"}


def test_raising_a_capacity_promotes_people_waiting(app, make_edition, sign_up):
    edition = make_edition(rounds=1, capacity=1)
    [[workshop, _, _]] = breakouts(edition)
    sign_up(edition, 1, {workshop.round_id: workshop.id})
    waiters = [sign_up(edition, n, {workshop.round_id: workshop.id}) for n in (2, 3, 4)]

    service.change_capacity(workshop.id, 3)

    assert [states(w.id)[workshop.id] for w in waiters] == ["confirmed", "confirmed", "waitlisted"]
    with pytest.raises(service.NotAllowed):
        service.change_capacity(workshop.id, 2)


def test_joining_and_leaving_a_waiting_list(app, make_edition, sign_up):
    edition = make_edition(rounds=1, capacity=1)
    [[full, mine, _]] = breakouts(edition)
    sign_up(edition, 1, {full.round_id: full.id})
    me = sign_up(edition, 2, {mine.round_id: mine.id})

    with pytest.raises(service.NotAllowed):
        service.join_waitlist(me.id, mine.round_id, mine.id)
    service.join_waitlist(me.id, full.round_id, full.id)
    assert states(me.id) == {full.id: "waitlisted", mine.id: "confirmed"}

    service.leave_waitlist(me.id, full.round_id)
    assert states(me.id) == {mine.id: "confirmed"}
    assert seats(full.id) == (1, 0)


def test_same_address_signs_up_once_whatever_its_case_and_spaces(app, make_edition, sign_up):
    edition = make_edition()
    sign_up(edition, 1, email="Anna@Example.org")

    with pytest.raises(service.DuplicateRegistration):
        sign_up(edition, 2, email="  anna@example.ORG ")

    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1


def test_someone_who_cancelled_signs_up_again_with_new_choices_and_the_seat_rules(
    app, make_edition, sign_up
):
    edition = make_edition(rounds=1, capacity=1)
    [[mine, other, _]] = breakouts(edition)
    me = sign_up(edition, 1, {mine.round_id: mine.id}, organisation="Old Org")
    service.cancel(me.id)
    sign_up(edition, 2, {mine.round_id: mine.id})  # my old seat is taken meanwhile

    request = person(1, organisation="New Org", email="PERSON1@example.org")
    request.choices = {
        mine.round_id: service.RoundRequest(session_id=other.id, waitlist_session_id=mine.id)
    }
    again = service.register(edition.id, request)

    assert again.id == me.id
    db.session.rollback()
    registration = db.session.get(Registration, me.id)
    assert registration.status == RegistrationStatus.confirmed
    assert registration.organisation == "New Org"
    assert registration.cancelled_at is None
    assert states(me.id) == {mine.id: "waitlisted", other.id: "confirmed"}
    assert seats(mine.id) == (1, 1)
    assert db.session.get(Edition, edition.id).registered == 2
    with pytest.raises(service.DuplicateRegistration):
        sign_up(edition, 1)


def test_a_full_venue_puts_people_on_its_waiting_list_and_promotes_them(app, make_edition, sign_up):
    edition = make_edition(venue_capacity=1)
    [[workshop, *_], _] = breakouts(edition)
    first = sign_up(edition, 1, {workshop.round_id: workshop.id})
    second = sign_up(edition, 2, {workshop.round_id: workshop.id})

    assert second.status == RegistrationStatus.waitlisted
    assert states(second.id) == {}

    service.cancel(first.id)

    assert db.session.get(Registration, second.id).status == RegistrationStatus.confirmed
    assert db.session.get(Edition, edition.id).registered == 1


@pytest.mark.parametrize(
    ("opens_in", "closes_in", "message"),
    [
        (timedelta(days=1), timedelta(days=30), "nog niet open"),
        (timedelta(days=-30), timedelta(days=-1), "gesloten"),
    ],
)
def test_sign_up_outside_the_window_is_refused(
    app, make_edition, sign_up, opens_in, closes_in, message
):
    edition = make_edition(opens_in=opens_in, closes_in=closes_in)

    with pytest.raises(service.RegistrationClosed, match=message):
        sign_up(edition, 1)

    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0


def test_a_second_seat_in_one_round_is_refused_by_the_database(app, make_edition, sign_up):
    edition = make_edition(rounds=1)
    [[one, two, _]] = breakouts(edition)
    me = sign_up(edition, 1, {one.round_id: one.id})

    db.session.add(
        Choice(
            registration_id=me.id,
            round_id=one.round_id,
            session_id=two.id,
            state=ChoiceState.confirmed,
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_manage_tokens_are_signed(app, make_edition, sign_up):
    edition = make_edition()
    registration = sign_up(edition, 1)
    token = manage_token(registration)

    assert service.find_by_token(token, app.secret_key).id == registration.id
    changed = token[:5] + ("A" if token[5] != "A" else "B") + token[6:]
    assert service.find_by_token(changed, app.secret_key) is None
    assert service.find_by_token(token, "another-key") is None
    assert service.find_by_token("nonsense", app.secret_key) is None


def test_organisers_changes_are_audited_and_a_full_session_gets_an_explicit_seat(
    app, make_edition, sign_up
):
    from symposium.audit.models import AuditEntry
    from symposium.audit.service import Actor

    organiser = Actor(id=None, email="org@example.org")
    edition = make_edition(rounds=1, capacity=1)
    [[full, mine, _]] = breakouts(edition)
    sign_up(edition, 1, {full.round_id: full.id})
    me = sign_up(edition, 2, {mine.round_id: mine.id})

    with pytest.raises(service.SessionFull):
        service.change_choice(me.id, full.round_id, full.id, actor=organiser)
    service.change_choice(me.id, full.round_id, full.id, actor=organiser, add_seat_if_full=True)
    service.change_capacity(mine.id, 5, actor=organiser)

    assert seats(full.id) == (2, 0)
    db.session.rollback()
    log = [
        (e.action, e.target_label, e.before, e.after, e.actor_email)
        for e in db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))
    ]
    assert log == [
        ("session.capacity", full.title, {"capacity": 1}, {"capacity": 2}, "org@example.org"),
        (
            "registration.move",
            "Person2 Tester",
            {"session": mine.title},
            {"session": full.title},
            "org@example.org",
        ),
        ("session.capacity", mine.title, {"capacity": 1}, {"capacity": 5}, "org@example.org"),
    ]


def test_a_venue_limit_set_during_a_sign_up_still_holds(app, make_edition):
    # The sign-up starts from the edition as the page loaded it: no venue limit yet.
    edition = make_edition(rounds=1, capacity=5)
    [[workshop, *_]] = breakouts(edition)
    loaded = db.session.get(Edition, edition.id)
    assert loaded.venue_capacity is None
    with db.engine.begin() as organiser:  # meanwhile the venue turns out to be full
        organiser.execute(
            sa.update(Edition).where(Edition.id == edition.id).values(venue_capacity=0)
        )

    registration = service.register(edition.id, person(1, {workshop.round_id: workshop.id}))

    assert registration.status == RegistrationStatus.waitlisted
    assert states(registration.id) == {}
    assert seats(workshop.id) == (0, 0)
