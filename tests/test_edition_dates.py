"""An edition moved to another day takes its program along; a copy lands on the same weekday."""

import re
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from symposium import program_editing as admin
from symposium.accounts import service as accounts
from symposium.extensions import db
from symposium.mail.models import OutboxMessage
from symposium.program.models import Edition, Session
from symposium.program_editing.dates import days_to_next_year, shift_days
from symposium.registration import service
from tests.test_organiser import PASSWORD, sign_in, text
from tests.test_organiser_program import arrived, audit_actions, body, local, post

#: Monday 3 November 2031, 9.30 in Amsterdam (winter time)
MONDAY = datetime(2031, 11, 3, 8, 30, tzinfo=UTC)


@pytest.fixture
def org(app_under_test):
    """An organiser, signed in, reading Dutch."""
    accounts.create_organiser("org@example.org", "Olga Organiser", PASSWORD)
    client = app_under_test.test_client()
    assert sign_in(client).status_code == 302
    return client


def edition_form(edition: Edition, **changes) -> dict:
    """The edition's edit form as the organiser sees it, with some fields changed."""
    return {**asdict(admin.edition_values(edition)), **changes}


def program_times(edition_id: int) -> dict[str, tuple[datetime, datetime]]:
    """Every round and session by name, at its local wall-clock start and end."""
    db.session.rollback()
    edition = db.session.get(Edition, edition_id)
    return {
        f"{type(item).__name__} {getattr(item, 'name', None) or item.title}": (
            local(item.starts_at),
            local(item.ends_at),
        )
        for item in [*edition.rounds, *edition.sessions]
    }


def confirmation_token(page: str) -> str:
    return unescape(re.search(r'name="confirm_move"[^>]*value="([^"]*)"', page).group(1))


def test_a_new_date_with_people_signed_up_asks_first_then_moves_the_program_and_mails_them(
    app, org, make_edition, sign_up, smtp_server
):
    edition = make_edition(starts=MONDAY)
    [first, *_], [second, *_] = (r.sessions for r in edition.rounds)
    sign_up(edition, 1, {first.round_id: first.id, second.round_id: second.id})
    sign_up(edition, 2, {first.round_id: first.id}, locale="en")
    leaving = sign_up(edition, 3)
    service.cancel(leaving.id)
    before = program_times(edition.id)
    db.session.rollback()
    edition = db.session.get(Edition, edition.id)
    form = edition_form(edition, starts_on="2031-11-10")
    url = f"/organiser/{edition.slug}/edit"

    asked = post(org, url, **form)

    assert asked.status_code == 200
    page = text(asked)
    assert "Het programma verplaatsen naar de nieuwe datum?" in page
    assert (
        "2 rondes en 7 sessies, 1 week later: van maandag 3 november 2031 naar "
        "maandag 10 november 2031, elk op dezelfde tijd van de dag." in page
    )
    assert "2 mensen zijn aangemeld" in page
    assert program_times(edition.id) == before  # asking changes nothing
    assert local(db.session.get(Edition, edition.id).starts_at).day == 3
    token = confirmation_token(asked.get_data(as_text=True))
    assert token == "2031-11-03>2031-11-10"

    # A different date than the one confirmed asks again.
    again = post(org, url, **{**form, "starts_on": "2031-11-17", "confirm_move": token})
    assert again.status_code == 200 and confirmation_token(again.get_data(as_text=True)) != token
    assert program_times(edition.id) == before

    done = post(org, url, **{**form, "confirm_move": token})

    assert done.status_code == 302
    moved = program_times(edition.id)
    week = timedelta(days=7)
    assert moved == {name: (starts + week, ends + week) for name, (starts, ends) in before.items()}
    assert moved["Session Opening"] == (
        datetime(2031, 11, 10, 9, 30),
        datetime(2031, 11, 10, 10, 30),
    )
    shown = text(org.get(done.location))
    assert "Het programma is meeverhuisd." in shown
    assert "2 rondes en 7 sessies, 1 week later" in shown
    assert "2 mensen die zich hebben aangemeld krijgen een e-mail over de wijziging." in shown

    messages = arrived(smtp_server, "program-change:edition-")
    assert sorted(m["To"] for m in messages) == ["person1@example.org", "person2@example.org"]
    dutch = next(m for m in messages if m["To"] == "person1@example.org")
    assert dutch["Subject"] == f"Wijziging in het programma: {edition.title}"
    assert (
        f"{edition.title} verhuist naar een andere dag: maandag 3 november 2031 → "
        "maandag 10 november 2031. Elke sessie houdt haar tijd van de dag." in body(dutch)
    )
    assert "maandag 10 november 2031" in body(dutch).split("Je programma")[1]
    english = next(m for m in messages if m["To"] == "person2@example.org")
    assert english["Subject"] == f"Change in the program: {edition.title}"
    assert "moves to another day: Monday 3 November 2031 → Monday 10 November 2031" in body(english)
    assert "Monday 10 November 2031" in body(english).split("Your program")[1]
    assert audit_actions()[-2:] == ["edition.update", "edition.move"]


def test_without_people_signed_up_a_new_date_moves_the_program_at_once(app, org, make_edition):
    edition = make_edition(starts=MONDAY, rounds=1)
    before = program_times(edition.id)

    done = post(
        org, f"/organiser/{edition.slug}/edit", **edition_form(edition, starts_on="30-10-2031")
    )

    assert done.status_code == 302
    four_days = timedelta(days=-4)
    assert program_times(edition.id) == {
        name: (starts + four_days, ends + four_days) for name, (starts, ends) in before.items()
    }
    assert "4 dagen eerder" in text(org.get(done.location))
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_a_new_time_on_the_same_day_moves_nothing_and_asks_nothing(
    sqlite_app, org, make_edition, sign_up
):
    edition = make_edition(starts=MONDAY, rounds=1)
    sign_up(edition, 1)
    before = program_times(edition.id)

    done = post(
        org, f"/organiser/{edition.slug}/edit", **edition_form(edition, starts_time="09:00")
    )

    assert done.status_code == 302
    assert program_times(edition.id) == before


def test_a_session_outside_the_editions_date_is_flagged_on_the_overview(
    sqlite_app, org, make_edition
):
    edition = make_edition(starts=MONDAY, rounds=1)
    url = f"/organiser/{edition.slug}/program"
    assert "buiten de datum van de editie" not in text(org.get(url))
    opening = db.session.scalar(sa.select(Session).where(Session.title == "Opening"))
    opening.starts_at += timedelta(days=1)
    opening.ends_at += timedelta(days=1)
    db.session.commit()

    page = text(org.get(url))

    assert "1 sessie valt buiten de datum van de editie." in page
    assert "Buiten de datum van de editie: dinsdag 4 november 2031" in page
    assert page.count("Buiten de datum van de editie:") == 1  # the round's breakouts are fine


@pytest.mark.parametrize(
    ("day", "copy"),
    [
        (date(2027, 10, 11), date(2028, 10, 9)),  # Monday, the example
        (date(2028, 2, 29), date(2029, 2, 27)),  # Tuesday
        (date(2025, 11, 24), date(2026, 11, 23)),  # Monday
    ],
)
def test_a_copy_lands_on_the_same_weekday_nearest_one_year_later(day, copy):
    days = days_to_next_year(day)
    assert day + timedelta(days=days) == copy
    assert copy.weekday() == day.weekday() and days % 7 == 0


def test_moving_by_days_keeps_the_wall_clock_time_across_summer_time():
    # Monday 20 October 2031 10.00 summer time; a week later winter time has begun.
    summer = datetime(2031, 10, 20, 8, 0, tzinfo=UTC)
    winter = shift_days(summer, 7, "Europe/Amsterdam")
    assert winter == datetime(2031, 10, 27, 9, 0, tzinfo=UTC)
    assert local(winter) == datetime(2031, 10, 27, 10, 0)
