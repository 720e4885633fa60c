"""Check-in at the door, by a badge's QR code, and per session for the room hosts."""

import pytest
import sqlalchemy as sa

from symposium.accounts import service as accounts
from symposium.accounts.models import Role, User
from symposium.audit.models import AuditEntry
from symposium.extensions import db
from symposium.program.models import Edition, Session
from symposium.registration import service
from symposium.registration.models import Choice, ChoiceState, Registration
from symposium.registration.personal import checkin_code
from tests.test_organiser import PASSWORD, csrf_for, sign_in, text


@pytest.fixture
def organiser(app_under_test):
    return accounts.create_organiser("Org@Example.org", "Olga Organiser", PASSWORD)


@pytest.fixture
def org(app_under_test, organiser):
    client = app_under_test.test_client()
    assert sign_in(client).status_code == 302
    return client


def post(client, url, **fields):
    return client.post(url, data={"csrf_token": csrf_for(client), **fields})


def checked_in_at(registration_id: int):
    db.session.rollback()
    return db.session.get(Registration, registration_id).checked_in_at


def audit_actions() -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def workshops(edition: Edition) -> list[list[Session]]:
    db.session.rollback()
    edition = db.session.get(Edition, edition.id)
    return [sorted(r.sessions, key=lambda s: s.slug) for r in edition.rounds]


# -- the door ----------------------------------------------------------------------------


def test_the_door_finds_people_by_name_checks_in_with_one_tap_and_undoes(
    app, org, make_edition, sign_up
):
    edition = make_edition()
    jansen = sign_up(edition, 1, first_name="Fatima", last_name="Jansen")
    sign_up(edition, 2, first_name="Gert", last_name="Janssen-de Wit")
    sign_up(edition, 3, first_name="Hans", last_name="Kok", organisation="Jansen BV")
    door = f"/organiser/{edition.slug}/check-in"

    found = org.get(f"{door}?q=jans")
    page = text(found)
    assert "0 / 3 ingecheckt" in page
    assert "Fatima Jansen" in page and "Gert Janssen-de Wit" in page
    assert "Hans Kok" not in page  # the door searches names only
    assert f'action="{door}/{jansen.id}"' in found.get_data(as_text=True)
    assert text(org.get(f"{door}?q=fatima+jansen")).count("Inchecken Fatima Jansen") == 1

    tapped = post(org, f"{door}/{jansen.id}", q="jans")

    assert tapped.status_code == 302
    assert tapped.location == f"{door}?q=jans#registration-{jansen.id}"
    assert checked_in_at(jansen.id) is not None
    after = text(org.get(tapped.location))
    assert "Fatima Jansen is ingecheckt." in after and "1 / 3 ingecheckt" in after
    assert "Ingecheckt om" in after and "Net ingecheckt" in after

    first_time = checked_in_at(jansen.id)
    again = text(org.get(post(org, f"{door}/{jansen.id}", q="jans").location))
    assert "Fatima Jansen was al ingecheckt." in again and "1 / 3 ingecheckt" in again
    assert checked_in_at(jansen.id) == first_time

    undone = text(org.get(post(org, f"{door}/{jansen.id}/undo", q="jans").location))
    assert "Fatima Jansen is niet meer ingecheckt." in undone and "0 / 3 ingecheckt" in undone
    assert checked_in_at(jansen.id) is None
    assert audit_actions() == ["registration.check_in", "registration.undo_check_in"]


def test_the_door_page_needs_no_script_and_its_count_can_be_refreshed(
    sqlite_app, org, make_edition, sign_up
):
    edition = make_edition()
    registration = sign_up(edition, 1)
    post(org, f"/organiser/{edition.slug}/check-in/{registration.id}")
    sign_up(edition, 2)

    page = org.get(f"/organiser/{edition.slug}/check-in").get_data(as_text=True)
    count = org.get(f"/organiser/{edition.slug}/check-in/count").get_json()

    assert '<form method="get"' in page and 'name="q"' in page and 'type="search"' in page
    assert 'name="viewport" content="width=device-width' in page
    assert "js/checkin-count.js" in page and " defer" in page
    assert count == {"checked_in": 1, "expected": 2}


def test_someone_cancelled_is_not_checked_in(app, org, make_edition, sign_up):
    edition = make_edition()
    registration = sign_up(edition, 1)
    service.cancel(registration.id)

    response = post(org, f"/organiser/{edition.slug}/check-in/{registration.id}")

    assert "Deze aanmelding is geannuleerd: niet ingecheckt." in text(org.get(response.location))
    assert checked_in_at(registration.id) is None
    assert audit_actions() == []


def test_a_registration_of_another_edition_is_not_found_at_this_door(
    sqlite_app, org, make_edition, sign_up
):
    edition, other = make_edition(), make_edition()
    registration = sign_up(other, 1)

    response = post(org, f"/organiser/{edition.slug}/check-in/{registration.id}")

    assert response.status_code == 404 and checked_in_at(registration.id) is None


# -- badges' QR codes --------------------------------------------------------------------


def test_a_badge_shows_its_person_and_checks_in_once_by_the_button(app, org, make_edition, sign_up):
    edition = make_edition(rounds=2)
    [[a1, *_], [b1, *_]] = workshops(edition)
    registration = sign_up(
        edition, 1, {a1.round_id: a1.id, b1.round_id: b1.id}, first_name="Mirjam"
    )
    url = f"/organiser/check-in/{checkin_code(registration)}"

    opened = text(org.get(url))
    assert "Mirjam Tester" in opened and "Inchecken" in opened
    assert "Workshop 1.1 · Room 1" in opened and "Workshop 2.1 · Room 1" in opened
    assert checked_in_at(registration.id) is None

    first = post(org, url)
    second = post(org, url)

    assert first.status_code == second.status_code == 302
    assert "Al ingecheckt om" in text(org.get(url))
    assert checked_in_at(registration.id) is not None
    assert audit_actions() == ["registration.check_in"]


@pytest.mark.parametrize(
    ("on_scan", "fetch_site", "checks_in"),
    [
        (False, "same-origin", False),
        (True, "cross-site", False),
        (True, "same-site", False),
        (True, None, False),
        (True, "same-origin", True),
    ],
)
def test_opening_a_badge_checks_in_only_from_this_site_when_switched_on(
    sqlite_app, org, make_edition, sign_up, on_scan, fetch_site, checks_in
):
    sqlite_app.config["CHECK_IN_ON_SCAN"] = on_scan
    edition = make_edition()
    registration = sign_up(edition, 1, first_name="Mirjam")
    headers = {"Sec-Fetch-Site": fetch_site} if fetch_site else {}

    page = text(org.get(f"/organiser/check-in/{checkin_code(registration)}", headers=headers))

    assert "Mirjam Tester" in page
    assert (checked_in_at(registration.id) is not None) is checks_in
    assert ("Ingecheckt." in page) is checks_in


def test_a_badge_post_without_the_form_token_checks_in_nobody(
    sqlite_app, org, make_edition, sign_up
):
    edition = make_edition()
    registration = sign_up(edition, 1)

    response = org.post(f"/organiser/check-in/{checkin_code(registration)}")

    assert response.status_code == 400
    assert checked_in_at(registration.id) is None


@pytest.mark.parametrize("who", ["anonymous", "speaker"])
def test_a_badge_opened_by_anyone_else_checks_in_nobody_and_shows_nothing(
    app, make_edition, sign_up, who
):
    edition = make_edition()
    registration = sign_up(edition, 1, first_name="Mirjam")
    client = app.test_client()
    if who == "speaker":
        speaker = User(email="speaker@example.org", role=Role.speaker)
        db.session.add(speaker)
        db.session.commit()
        with client.session_transaction() as session:
            session["_user_id"] = speaker.get_id()
            session["_fresh"] = True

    response = client.get(f"/organiser/check-in/{checkin_code(registration)}")

    assert response.status_code == {"anonymous": 302, "speaker": 403}[who]
    if who == "anonymous":
        assert response.location.startswith("/sign-in?next=")
    assert "Mirjam" not in response.get_data(as_text=True)
    assert checked_in_at(registration.id) is None
    assert audit_actions() == []


def test_a_forged_or_unknown_badge_code_is_not_found(sqlite_app, org, make_edition, sign_up):
    edition = make_edition()
    registration = sign_up(edition, 1)
    code = checkin_code(registration)

    assert org.get(f"/organiser/check-in/{code[:-2]}xx").status_code == 404
    assert org.get("/organiser/check-in/MTIzNDU2").status_code == 404
    assert checked_in_at(registration.id) is None


def test_a_badge_of_a_cancelled_registration_says_so(sqlite_app, org, make_edition, sign_up):
    edition = make_edition()
    registration = sign_up(edition, 1)
    service.cancel(registration.id)

    url = f"/organiser/check-in/{checkin_code(registration)}"
    response = org.get(url)
    post(org, url)

    assert "Deze aanmelding is geannuleerd: niet ingecheckt." in text(response)
    assert "check-in-now" not in response.get_data(as_text=True)  # no button
    assert checked_in_at(registration.id) is None


# -- attendance per session --------------------------------------------------------------


def attended(choice_id: int):
    db.session.rollback()
    return db.session.get(Choice, choice_id).attended_at


def seat_of(registration_id: int, session_id: int) -> int:
    return db.session.scalar(
        sa.select(Choice.id).where(
            Choice.registration_id == registration_id, Choice.session_id == session_id
        )
    )


def test_a_room_host_ticks_who_is_present_and_can_undo(app, org, make_edition, sign_up):
    edition = make_edition(rounds=1, capacity=2)
    [[a1, a2, _]] = workshops(edition)
    anna = sign_up(edition, 1, {a1.round_id: a1.id}, first_name="Anna", last_name="Aalders")
    sign_up(edition, 2, {a1.round_id: a1.id}, first_name="Bob", last_name="Bos")
    sign_up(edition, 3, {a1.round_id: a1.id}, first_name="Cas", last_name="Claes")  # waits
    sign_up(edition, 4, {a1.round_id: a2.id}, first_name="Dewi", last_name="Dekker")
    page_url = f"/organiser/{edition.slug}/sessions/{a1.id}/attendance"
    choice = seat_of(anna.id, a1.id)

    page = text(org.get(page_url))
    assert "0 / 2 aanwezig" in page and "Anna Aalders" in page and "Bob Bos" in page
    assert "Dewi Dekker" not in page
    assert "1. Cas Claes" in page  # the waiting list, in order

    ticked = post(org, f"/organiser/{edition.slug}/attendance/{choice}")

    assert ticked.location == f"{page_url}#choice-{choice}"
    assert attended(choice) is not None
    after = text(org.get(ticked.location))
    assert "Anna Aalders is aanwezig." in after and "1 / 2 aanwezig" in after
    assert "Aanwezig, afgevinkt om" in after

    post(org, f"/organiser/{edition.slug}/attendance/{choice}/undo")
    assert attended(choice) is None
    assert audit_actions() == ["choice.attended", "choice.undo_attended"]
    entry = db.session.scalars(sa.select(AuditEntry)).first()
    assert entry.target_label == "Anna Aalders · Workshop 1.1" and entry.edition_id == edition.id


def test_only_someone_holding_the_seat_can_be_ticked(app, org, make_edition, sign_up):
    edition = make_edition(rounds=1, capacity=1)
    [[a1, a2, _]] = workshops(edition)
    holder = sign_up(edition, 1, {a1.round_id: a1.id})
    waiter = sign_up(edition, 2, {a1.round_id: a1.id})
    service.change_choice(holder.id, a1.round_id, a2.id)  # the old seat is declined
    waiting = db.session.scalar(
        sa.select(Choice.id).where(
            Choice.registration_id == holder.id, Choice.state == ChoiceState.declined
        )
    )

    response = post(org, f"/organiser/{edition.slug}/attendance/{waiting}")

    assert "Alleen iemand met een plaats in deze deelsessie" in text(org.get(response.location))
    assert attended(waiting) is None
    assert audit_actions() == []
    assert seat_of(waiter.id, a1.id)  # the waiter got the seat and can be ticked
    post(org, f"/organiser/{edition.slug}/attendance/{seat_of(waiter.id, a1.id)}")
    assert attended(seat_of(waiter.id, a1.id)) is not None


def test_the_attendance_index_lists_every_session(sqlite_app, org, make_edition, sign_up):
    edition = make_edition(rounds=2)
    [[a1, *_], _] = workshops(edition)
    sign_up(edition, 1, {a1.round_id: a1.id})

    page = org.get(f"/organiser/{edition.slug}/attendance").get_data(as_text=True)

    assert f'href="/organiser/{edition.slug}/sessions/{a1.id}/attendance"' in page
    assert "1 deelnemer" in text(org.get(f"/organiser/{edition.slug}/attendance"))
