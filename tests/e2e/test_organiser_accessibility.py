"""The organisers' pages pass axe-core's WCAG 2.1 A and AA rules too, in both languages, at
desktop and phone widths, and none of them scrolls sideways on a phone, down to 320 px: a
wide table scrolls inside a region of its own. Full-page screenshots go to
artifacts/organiser-*.png.

One organiser signs in once for the module (the sign-in form allows ten tries a minute);
each page is opened in a fresh browser that carries that sign-in's cookie.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.checks import (
    accessibility_violations,
    axe_runs_for,
    readable,
    screenshot,
    scrolls_sideways_by,
)
from tests.e2e.conftest import ORGANISER, VIEWPORTS
from tests.e2e.pages import ORGANISER_WORDS, DoorPage, SignInForm

pytestmark = pytest.mark.e2e

SESSION = "Schulden en bestaanszekerheid"
FULL = "Kenniscafé: wonen en huisuitzettingen"


@pytest.fixture(scope="module")
def organiser_cookies(shared_site, shared_organiser, browser) -> list[dict]:
    """Sign in once, and leave something on every page to look at: a question on the
    sign-up form, someone checked in, and a check-in undone in the audit log."""
    words = ORGANISER_WORDS["nl"]
    context = browser.new_context(base_url=shared_site.url, locale="nl-NL")
    page = context.new_page()
    page.goto("/sign-in")
    SignInForm(page, words).sign_in(shared_organiser.email, shared_organiser.password)
    expect(page.get_by_role("heading", level=1)).to_have_text(words.organisers)

    page.goto(f"/organiser/{shared_site.upcoming_edition}/questions")
    page.get_by_label(words.question, exact=True).fill("Wat hoop je mee te nemen naar je werk?")
    page.get_by_role("button", name=words.add_question).click()
    expect(page.get_by_role("status")).to_have_text(words.question_added)

    page.goto(f"/organiser/{shared_site.upcoming_edition}/check-in")
    door = DoorPage(page, words)
    for name in ("Mohamed Yilmaz", "Sanne de Vries"):
        door.search(name)
        door.check_in_button(name).click()
        expect(page.get_by_role("status")).to_have_text(words.is_checked_in.format(name=name))
    door.undo_button("Sanne de Vries").first.click()
    expect(door.count()).to_have_text(words.counted(1, 13))

    cookies = context.cookies()
    context.close()
    return cookies


def at(path: str):
    """Visit a fixed address; {upcoming} is the upcoming edition's slug."""
    return lambda page, site, words, ow: page.goto(path.format(upcoming=site.upcoming_edition))


def sign_in_with_an_error(page: Page, site, words, ow) -> None:
    page.goto("/sign-in")
    SignInForm(page, ow).sign_in(ORGANISER.email, "")  # no password
    expect(page.get_by_role("alert")).to_contain_text(words.there_is_a_problem)
    expect(page.get_by_label(ow.password, exact=True)).to_have_attribute("aria-invalid", "true")


def outbox_message(page: Page, site, words, ow) -> None:
    page.goto("/organiser/outbox")
    page.get_by_role("table", name=ow.messages).get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text(ow.outbox)


def session_form(page: Page, site, words, ow) -> None:
    page.goto(f"/organiser/{site.upcoming_edition}/program")
    page.get_by_role("link", name=f"{ow.edit} {SESSION}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ow.edit_session)


def session_form_with_an_error(page: Page, site, words, ow) -> None:
    session_form(page, site, words, ow)
    page.get_by_label(ow.title, exact=True).fill("")
    page.get_by_role("button", name=ow.save_changes).click()
    expect(page.get_by_role("alert")).to_contain_text(ow.enter_the_title)


def registration(page: Page, site, words, ow) -> None:
    page.goto(f"/organiser/{site.upcoming_edition}/registrations")
    page.get_by_role("link", name="de Vries, Sanne").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sanne de Vries")


def move_form(page: Page, site, words, ow) -> None:
    registration(page, site, words, ow)
    page.get_by_role("link", name=f"{ow.move_to_another_session} (Ronde 2)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ow.move_to_another_session)


def door(page: Page, site, words, ow) -> None:
    page.goto(f"/organiser/{site.upcoming_edition}/check-in")
    DoorPage(page, ow).search("de")
    expect(page.get_by_role("heading", name=ow.found)).to_be_visible()


def session_attendance(page: Page, site, words, ow) -> None:
    page.goto(f"/organiser/{site.upcoming_edition}/attendance")
    page.get_by_role("link", name=FULL).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(FULL)


def mailout_preview(page: Page, site, words, ow) -> None:
    page.goto(f"/organiser/{site.upcoming_edition}/mailouts/new")
    page.get_by_label(ow.subject, exact=True).fill("Praktische informatie · 実用情報")
    page.get_by_label(ow.message, exact=True).fill(
        "Beste {first_name},\n\nDe zaal is **open vanaf 9.00 uur**.\n\n"
        "- Neem je badge mee\n- Je link: {manage_link}"
    )
    page.get_by_role("button", name=ow.preview).click()
    preview_heading = re.compile(rf"^{re.escape(ow.preview_for.format(name=''))}")
    expect(page.get_by_role("heading", name=preview_heading)).to_be_visible()


PAGES = {
    "sign-in": at("/sign-in"),
    "sign-in-errors": sign_in_with_an_error,
    "index": at("/organiser/"),
    "outbox": at("/organiser/outbox"),
    "outbox-message": outbox_message,
    "audit-log": at("/organiser/audit"),
    "program": at("/organiser/{upcoming}/program"),
    "session-form": session_form,
    "session-form-errors": session_form_with_an_error,
    "new-edition": at("/organiser/editions/new"),
    "speakers": at("/organiser/people"),
    "questions": at("/organiser/{upcoming}/questions"),
    "dashboard": at("/organiser/{upcoming}/dashboard"),
    "registrations": at("/organiser/{upcoming}/registrations"),
    "registration": registration,
    "move": move_form,
    "door": door,
    "attendance": session_attendance,
    "mailout-preview": mailout_preview,
    "mailouts": at("/organiser/{upcoming}/mailouts"),
    "reports": at("/organiser/{upcoming}/reports"),
}
#: the pages one sees before signing in
SIGNED_OUT = {"sign-in", "sign-in-errors"}


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
@pytest.mark.parametrize("name", PAGES)
def test_the_organisers_page_has_no_accessibility_violations_and_fits_the_screen(
    name, viewport, language, words, organiser_words, shared_site, open_page, request
):
    page = open_page(shared_site, viewport=viewport)
    if name not in SIGNED_OUT:
        page.context.add_cookies(request.getfixturevalue("organiser_cookies"))
    PAGES[name](page, shared_site, words, organiser_words)
    expect(page.locator("html")).to_have_attribute("lang", language)
    if name not in SIGNED_OUT:  # the page itself, not the sign-in form it would send us to
        expect(page).not_to_have_url(re.compile(r"/sign-in"))

    screenshot(page, f"organiser-{name}-{language}-{viewport}")

    violations = accessibility_violations(page) if axe_runs_for(language, viewport) else []
    assert not violations, (
        f"axe found {len(violations)} problem(s) on {name} ({language}, {viewport}, "
        f"{page.url}):\n{readable(violations)}"
    )

    overflow = scrolls_sideways_by(page)
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {viewport} width"
    if viewport == "phone":  # and on the narrowest phones (or 1280 px at 400 % zoom)
        page.set_viewport_size(VIEWPORTS["narrow"])
        overflow = scrolls_sideways_by(page)
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at 320px wide"


def test_a_wide_table_on_a_phone_scrolls_inside_its_region_with_the_keyboard(
    organiser_words, shared_site, open_page, request
):
    ow = organiser_words
    page = open_page(shared_site, viewport="phone")
    page.context.add_cookies(request.getfixturevalue("organiser_cookies"))
    page.goto(f"/organiser/{shared_site.upcoming_edition}/program")
    region = page.get_by_role("region", name=ow.breakout_sessions_in.format(round="Ronde 1"))
    last_edit = region.get_by_role("link", name=f"{ow.edit} {SESSION}")
    expect(last_edit).not_to_be_in_viewport()

    for _ in range(60):  # Tab to the table's region, as a keyboard user would
        page.keyboard.press("Tab")
        if region.evaluate("element => element === document.activeElement"):
            break
    expect(region).to_be_focused()
    for _ in range(20):
        page.keyboard.press("ArrowRight")
    assert region.evaluate("element => element.scrollLeft") > 0
    expect(last_edit).to_be_in_viewport()
    assert scrolls_sideways_by(page) <= 0
