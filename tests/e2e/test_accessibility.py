"""Every public page passes axe-core's WCAG 2.1 A and AA rules, in both languages, at desktop
and phone widths, and fits the screen down to 320 px. Full-page screenshots go to artifacts/.
"""

import itertools

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.checks import (
    accessibility_violations,
    axe_runs_for,
    readable,
    screenshot,
    scrolls_sideways_by,
)
from tests.e2e.pages import WORDS, PersonalProgram, SignUpForm

pytestmark = pytest.mark.e2e

_emails = itertools.count()


def _sign_up_in_dutch(site, browser, email: str) -> tuple:
    context = browser.new_context(base_url=site.url, locale="nl-NL")
    page = context.new_page()
    page.goto("/")
    SignUpForm(page, WORDS["nl"]).sign_up(
        "Zoë",
        "李",
        email,
        sessions={"Ronde 1": "Samen agenderen in de wijk", "Ronde 2": "Digitale ongelijkheid"},
        waiting_lists={"Ronde 2": "Kenniscafé: wonen en huisuitzettingen"},
    )
    return context, page


@pytest.fixture(scope="module")
def attendee_link(shared_site, browser) -> str:
    """The personal page of someone with a seat in each round, waiting for a full session."""
    context, page = _sign_up_in_dutch(shared_site, browser, "looking@example.org")
    context.close()
    return page.url


@pytest.fixture(scope="module")
def cancelled_link(shared_site, browser) -> str:
    """The personal page of someone who cancelled."""
    context, page = _sign_up_in_dutch(shared_site, browser, "cancelled@example.org")
    PersonalProgram(page, WORDS["nl"]).cancel_registration()
    expect(page.get_by_text(WORDS["nl"].cancelled)).to_be_visible()
    context.close()
    return page.url


def at(path: str):
    """Visit a fixed address; {upcoming} is the upcoming edition's slug."""
    return lambda page, site, words, request: page.goto(path.format(upcoming=site.upcoming_edition))


def sign_up_form_with_errors(page: Page, site, words, request) -> None:
    page.goto(f"/{site.upcoming_edition}/register")
    page.get_by_label(words.first_name, exact=True).fill("Zoë")
    SignUpForm(page, words).submit()
    expect(page.get_by_role("alert")).to_contain_text(words.there_is_a_problem)


def confirmation(page: Page, site, words, request) -> None:
    page.goto("/")
    SignUpForm(page, words).sign_up(
        "Lotte",
        "Ağaoğlu",
        f"confirmation.{next(_emails)}@example.org",
        sessions={"Ronde 1": "Schulden en bestaanszekerheid", "Ronde 2": "Digitale ongelijkheid"},
    )


def manage_page(page: Page, site, words, request) -> None:
    page.goto(request.getfixturevalue("attendee_link"))
    for summary in page.locator("summary").all():  # show the forms to change a session
        summary.click()
    expect(page.locator("details:not([open])")).to_have_count(0)


def cancel_page(page: Page, site, words, request) -> None:
    page.goto(request.getfixturevalue("attendee_link"))
    page.get_by_role("link", name=words.cancel_registration).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words.are_you_sure)


def cancelled_page(page: Page, site, words, request) -> None:
    page.goto(request.getfixturevalue("cancelled_link"))
    expect(page.get_by_text(words.cancelled, exact=True)).to_be_visible()


def own_details_page(page: Page, site, words, request) -> None:
    page.goto(request.getfixturevalue("attendee_link"))
    page.get_by_role("link", name=words.change_your_details).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words.change_your_details)


def not_found(page: Page, site, words, request) -> None:
    response = page.goto("/no-such-edition/sessions/nothing")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text(words.page_not_found)


PAGES = {
    "program-upcoming": at("/{upcoming}/"),
    "program-2019": at("/2019/"),
    "session": at("/{upcoming}/sessions/kenniscafe-wonen"),
    "session-2019": at("/2019/sessions/politiserende-kracht"),
    "sign-up": at("/{upcoming}/register"),
    "sign-up-errors": sign_up_form_with_errors,
    "confirmation": confirmation,
    "manage": manage_page,
    "cancel": cancel_page,
    "cancelled": cancelled_page,
    "privacy": at("/privacy"),
    "not-found": not_found,
    "speakers-2019": at("/2019/speakers"),
    "archive": at("/archive"),
    "own-details": own_details_page,
}


def open_(name: str, viewport: str, shared_site, open_page, words, request) -> Page:
    page = open_page(shared_site, viewport=viewport)
    PAGES[name](page, shared_site, words, request)
    return page


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
@pytest.mark.parametrize("name", PAGES)
def test_the_page_has_no_accessibility_violations_and_fits_the_screen(
    name, viewport, language, words, shared_site, open_page, request
):
    page = open_(name, viewport, shared_site, open_page, words, request)
    expect(page.locator("html")).to_have_attribute("lang", language)

    screenshot(page, f"{name}-{language}-{viewport}")

    violations = accessibility_violations(page) if axe_runs_for(language, viewport) else []
    assert not violations, (
        f"axe found {len(violations)} problem(s) on {name} ({language}, {viewport}, "
        f"{page.url}):\n{readable(violations)}"
    )

    overflow = scrolls_sideways_by(page)
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {viewport} width"


@pytest.mark.parametrize("name", PAGES)
def test_the_page_is_readable_320_pixels_wide(name, words, shared_site, open_page, request):
    page = open_(name, "narrow", shared_site, open_page, words, request)
    overflow = scrolls_sideways_by(page)
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at 320px wide"
