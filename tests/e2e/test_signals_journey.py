"""A signal from the room: someone in a session opens the short link of the projector on a
phone without JavaScript and sends a signal; a second person sends the same thing in other
words; the organiser, as host, approves the first and merges the second into it; the public
harvest shows one signal that one more person recognises, and the first presses "ik herken dit".
Axe checks every new page on the way (and the organisers' and public signal pages).

The demo's upcoming edition is months ahead; the test moves it to today so that the room
form is open, as it is on the day.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from symposium.extensions import db
from symposium.program.models import Edition, Session
from tests.e2e.checks import accessibility_violations, axe_runs_for, readable, scrolls_sideways_by
from tests.e2e.pages import ORGANISER_WORDS, SignInForm

pytestmark = pytest.mark.e2e

SESSION = "kenniscafe-wonen"
FIRST = "Huurders met een kleine schuld horen pas van het wijkteam als de deurwaarder er is."
SECOND = "Het wijkteam hoort te laat van huurschulden."


def on_the_day(site) -> tuple[str, int]:
    """Move the upcoming edition to today; the slug and the session's id."""
    with site.app.app_context():
        edition = db.session.scalars(
            sa.select(Edition).where(Edition.slug == site.upcoming_edition)
        ).one()
        shift = datetime.now(UTC) - timedelta(hours=1) - edition.starts_at
        edition.starts_at += shift
        edition.ends_at += shift
        session = db.session.scalars(
            sa.select(Session).where(Session.edition_id == edition.id, Session.slug == SESSION)
        ).one()
        db.session.commit()
        return edition.slug, session.id


def checked(page: Page, language: str, viewport: str, axe_page: Page | None = None) -> None:
    """Axe (once per page and viewport, see checks.AXE_LANGUAGE) and no sideways scrolling.
    Axe needs JavaScript: for a page opened without it, `axe_page` (with it) opens the same
    address."""
    assert page.locator("html").get_attribute("lang") == language
    if viewport == "phone":
        assert scrolls_sideways_by(page) <= 0, page.url
    if axe_runs_for(language, viewport):
        if axe_page is not None:
            axe_page.goto(page.url)
            page = axe_page
        violations = accessibility_violations(page)
        assert not violations, f"{page.url}\n{readable(violations)}"


def send_from_phone(
    phone: Page, slug: str, session_id: int, text: str, language: str, axe_page: Page
) -> None:
    phone.goto(f"/{slug}/s/{session_id}")
    expect(phone).to_have_url(re.compile(rf"/{slug}/sessions/{SESSION}/signal$"))
    checked(phone, language, "phone", axe_page)
    phone.locator("#text").fill(text)
    phone.locator("main form.signal-form button[type=submit]").click()
    expect(phone).to_have_url(re.compile(r"/signal/thanks$"))
    expect(phone.locator(".panel-confirmation h1")).to_be_visible()


def test_a_signal_from_a_phone_is_approved_merged_and_recognised(
    site, organiser, open_page, language
):
    slug, session_id = on_the_day(site)

    phone = open_page(site, viewport="phone", javascript=False)
    axe_phone = open_page(site, viewport="phone")
    phone.goto(f"/{slug}/sessions/{SESSION}/projector")
    expect(phone.get_by_role("img")).to_have_attribute("src", re.compile(r"/qr\.svg$"))
    expect(phone.locator(".projector-link strong")).to_contain_text(f"/{slug}/s/{session_id}")
    checked(phone, language, "phone", axe_phone)
    send_from_phone(phone, slug, session_id, FIRST, language, axe_phone)
    checked(phone, language, "phone", axe_phone)
    neighbour = open_page(site, viewport="phone", javascript=False)
    send_from_phone(neighbour, slug, session_id, SECOND, language, axe_phone)

    host = open_page(site)
    host.goto("/sign-in")
    SignInForm(host, ORGANISER_WORDS[language]).sign_in(organiser.email, organiser.password)
    expect(host).to_have_url(re.compile(r"/organiser/$"))
    host.goto(f"/{slug}/sessions/{SESSION}/signals/host")
    checked(host, language, "desktop")
    first = host.locator("li.signal", has_text=FIRST)
    first.locator("button[value=approve]").click()
    expect(host.locator("li.signal-approved", has_text=FIRST)).to_be_visible()
    host.locator("li.signal", has_text=SECOND).locator("a.button").click()
    checked(host, language, "desktop")
    host.locator("main form button[type=submit]").click()  # nothing chosen
    expect(host.get_by_role("alert")).to_be_visible()
    checked(host, language, "desktop")
    host.get_by_label(FIRST).check()
    host.locator("main form button[type=submit]").click()
    expect(host.locator("li.signal", has_text=SECOND)).to_have_count(0)

    phone.goto(f"/{slug}/harvest")
    checked(phone, language, "phone", axe_phone)
    signal = phone.locator("li.signal", has_text=FIRST)
    expect(signal.locator(".support-count")).to_contain_text("1")
    expect(phone.locator("main")).not_to_contain_text(SECOND)
    signal.locator("button[type=submit]").click()
    expect(phone.locator("li.signal", has_text=FIRST).locator(".support-count")).to_contain_text(
        "2"
    )

    for path in (
        "/agenda",
        "/2019/harvest",
        f"/organiser/{slug}/signals",
        f"/organiser/{slug}/signals/rapporteurs",
        f"/organiser/{slug}/signals/publish",
        "/organiser/agenda",
        "/organiser/agenda/new",
        f"/{slug}/sessions/{SESSION}/harvest/write",
    ):
        host.goto(path)
        expect(host.get_by_role("heading", level=1)).to_be_visible()
        checked(host, language, "desktop")
