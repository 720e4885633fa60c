"""The public program: what people see, in Dutch and English, and how many queries it costs."""

import re
from contextlib import contextmanager
from datetime import UTC, datetime
from html import unescape

import pytest
import sqlalchemy as sa

from symposium import demo
from symposium.extensions import db
from symposium.program.models import Edition, EditionStatus, Round, Session, SessionKind


@pytest.fixture
def client(sqlite_app):
    return sqlite_app.test_client()


def text(response) -> str:
    without_tags = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", unescape(without_tags))


@pytest.fixture
def demo_editions(sqlite_app):
    demo.load(today=datetime(2026, 11, 28).date())
    return {e.slug: e for e in db.session.scalars(sa.select(Edition))}


def test_the_front_page_sends_people_to_the_upcoming_edition(client, demo_editions):
    response = client.get("/")

    assert response.status_code == 302
    assert response.location == "/2027/"


def test_the_2019_program_in_dutch(client, demo_editions):
    page = text(client.get("/2019/"))

    assert "De waarde van werken in het sociaal domein" in page
    assert "maandag 25 november 2019" in page
    assert "13.30–14.45 uur" in page  # 12:30 UTC shown in Europe/Amsterdam
    assert "De politiserende kracht van sociaal professionals" in page
    assert "Guido Walraven" in page


def test_the_2019_program_in_english(client, demo_editions):
    page = text(client.get("/2019/?lang=en"))

    assert "Monday 25 November 2019" in page
    assert "1:30 pm–2:45 pm" in page
    assert 'lang="en"' in client.get("/2019/").get_data(as_text=True)  # the choice is kept


def test_the_browser_language_is_used_when_nothing_was_chosen(client, demo_editions):
    english = client.get("/2019/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    dutch = client.get("/2019/", headers={"Accept-Language": "de-DE"})

    assert "Monday 25 November 2019" in text(english)
    assert "maandag 25 november 2019" in text(dutch)


def test_the_upcoming_program_shows_seats_left_and_waiting_lists(client, demo_editions):
    page = text(client.get("/2027/"))

    assert "Eenzaamheid onder jongeren Zaal 2 · Fatima el Amrani nog 1 plaats" in page
    assert (
        "Kenniscafé: wonen en huisuitzettingen Zaal 2 · Guido Walraven vol · 2 op de wachtlijst"
        in page
    )
    assert "Aanmelden" in page
    english = text(client.get("/2027/?lang=en"))
    assert "1 seat left" in english and "full · 2 on the waiting list" in english


def test_a_session_has_its_own_page(client, demo_editions):
    page = text(client.get("/2019/sessions/politiserende-kracht"))

    assert "De politiserende kracht van sociaal professionals" in page
    assert "Guido Walraven (Hogeschool Inholland, lector Dynamiek van de Stad)" in page
    assert "Zaal 1" in page and "plaatsen" not in page  # 2019 is over: no seats left
    assert client.get("/2019/sessions/nope").status_code == 404


def test_loading_the_demo_twice_changes_nothing(sqlite_app, demo_editions):
    counts = [
        db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in (Edition, Session)
    ]

    assert demo.load(today=datetime(2026, 11, 28).date()) == []

    assert [
        db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in (Edition, Session)
    ] == counts


def test_draft_editions_are_not_shown(client, make_edition):
    edition = make_edition(status=EditionStatus.draft)

    assert client.get(f"/{edition.slug}/").status_code == 404


@contextmanager
def counting_queries():
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if not statement.startswith(("BEGIN", "PRAGMA", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def edition_with_sessions(number: int) -> Edition:
    start = datetime(2030, 5, 1, 8, tzinfo=UTC)
    edition = Edition(
        slug=f"q{number}",
        title="Q",
        starts_at=start,
        ends_at=start,
        venue="Utrecht",
        status=EditionStatus.published,
    )
    round_ = Round(edition=edition, name="R", starts_at=start, ends_at=start)
    for n in range(number):
        edition.sessions.append(
            Session(
                round=round_,
                kind=SessionKind.breakout,
                title=f"S{n}",
                slug=f"s{n}",
                capacity=10,
                starts_at=start,
                ends_at=start,
            )
        )
    db.session.add(edition)
    db.session.commit()
    return edition


@pytest.mark.parametrize("cached", [True, False])
def test_the_program_costs_the_same_queries_for_10_or_100_sessions(sqlite_app, cached):
    sqlite_app.config["PROGRAM_CACHE"] = cached
    client = sqlite_app.test_client()
    counts = []
    for number in (10, 100):
        edition = edition_with_sessions(number)
        client.get(f"/{edition.slug}/")  # warm the cache, when there is one
        with counting_queries() as statements:
            assert client.get(f"/{edition.slug}/").status_code == 200
        counts.append(len(statements))

    assert counts[0] == counts[1]
    assert counts[0] <= (2 if cached else 5)


def test_seats_left_are_exact_even_with_the_cache(client, make_edition, sign_up):
    edition = make_edition(rounds=1, capacity=3)
    workshop = edition.rounds[0].sessions[0]
    assert "nog 3 plaatsen" in text(client.get(f"/{edition.slug}/"))

    sign_up(edition, 1, {workshop.round_id: workshop.id})

    assert "nog 2 plaatsen" in text(client.get(f"/{edition.slug}/"))


def test_unknown_pages_say_so_in_the_visitors_language(client):
    assert "Pagina niet gevonden" in text(client.get("/nope/"))
    assert "Page not found" in text(client.get("/nope/?lang=en"))


@contextmanager
def rendering():
    """The templates rendered meanwhile."""
    from flask import template_rendered

    rendered: list[str] = []

    def note(app, template, context, **extra):
        rendered.append(template.name)

    template_rendered.connect(note)
    try:
        yield rendered
    finally:
        template_rendered.disconnect(note)


def test_a_repeat_visit_reads_one_row_set_and_renders_nothing(client, demo_editions):
    first = client.get("/2027/")
    with counting_queries() as statements, rendering() as rendered:
        again = client.get("/2027/")
        unchanged = client.get("/2027/", headers={"If-None-Match": first.headers["ETag"]})

    assert again.get_data() == first.get_data()
    assert unchanged.status_code == 304
    assert len(statements) == 2  # the page's state, once per request
    assert rendered == []


def test_a_kept_page_shows_an_organisers_change_at_once(client, demo_editions):
    first = client.get("/2027/")
    edition = db.session.get(Edition, demo_editions["2027"].id)
    edition.title = "Symposium Sociaal Werk 2027 (nieuwe titel)"
    db.session.commit()

    changed = client.get("/2027/", headers={"If-None-Match": first.headers["ETag"]})

    assert changed.status_code == 200
    assert "Symposium Sociaal Werk 2027 (nieuwe titel)" in text(changed)
