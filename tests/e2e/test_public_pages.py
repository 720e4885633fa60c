"""The program, a session, the language switcher and a broken link, as a visitor sees them."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import session_card

pytestmark = pytest.mark.e2e

#: the 2019 edition, as people write its day and times in each language
DAY_2019 = {
    "nl": "maandag 25 november 2019 · 9.30–17.00 uur · Utrecht",
    "en": "Monday 25 November 2019 · 09:30–17:00 · Utrecht",
}
ROUND_1_2019 = {
    "nl": "maandag 25 november 2019, 13.30–14.45 uur (Ronde 1)",
    "en": "Monday 25 November 2019, 13:30–14:45 (Ronde 1)",
}
CLOSED = {
    "nl": "De aanmelding voor dit symposium is gesloten.",
    "en": "Registration for this symposium is closed.",
}
OTHER = {"nl": ("en", "English"), "en": ("nl", "Nederlands")}


def test_a_past_edition_shows_its_program_with_sign_up_closed(
    shared_site, language, words, open_page
):
    page = open_page(shared_site)
    page.goto("/2019/")

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "De waarde van werken in het sociaal domein"
    )
    expect(page.get_by_text(DAY_2019[language], exact=True)).to_be_visible()
    expect(page.get_by_text(CLOSED[language], exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=words.sign_up, exact=True)).to_have_count(0)

    page.get_by_role("link", name="De politiserende kracht van sociaal professionals").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "De politiserende kracht van sociaal professionals"
    )
    facts = page.get_by_role("main")
    expect(facts).to_contain_text(ROUND_1_2019[language])
    expect(facts).to_contain_text("Zaal 1")
    expect(facts).to_contain_text(
        "Guido Walraven (Hogeschool Inholland, lector Dynamiek van de Stad)"
    )
    expect(facts).not_to_contain_text(words.seats(40))  # a past edition has no seats left
    expect(page.get_by_role("link", name=words.sign_up, exact=True)).to_have_count(0)

    # Who is Guido Walraven? The speakers page, with his sessions.
    facts.get_by_role("link", name="Guido Walraven").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words.speakers)
    speaker = page.get_by_role("region", name="Guido Walraven")
    expect(speaker).to_contain_text("Hogeschool Inholland")
    expect(
        speaker.get_by_role("link", name="De politiserende kracht van sociaal professionals")
    ).to_be_visible()

    # and the edition among the earlier ones
    page.get_by_role("contentinfo").get_by_role("link", name=words.earlier_editions).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words.earlier_editions)
    expect(
        page.get_by_role("link", name="De waarde van werken in het sociaal domein")
    ).to_be_visible()


def test_a_session_page_of_the_upcoming_edition_leads_to_sign_up(shared_site, words, open_page):
    page = open_page(shared_site)
    page.goto("/")
    title = "Kenniscafé: wonen en huisuitzettingen"
    session_card(page, title).get_by_role("link", name=title).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Kenniscafé: wonen en huisuitzettingen"
    )
    expect(page.get_by_role("main")).to_contain_text(words.full)
    page.get_by_role("link", name=words.sign_up, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words.sign_up)
    expect(page).to_have_url(re.compile(rf"/{shared_site.upcoming_edition}/register$"))


def test_a_visitor_switches_language_and_the_choice_sticks(shared_site, language, words, open_page):
    other, other_name = OTHER[language]
    page = open_page(shared_site)
    page.goto("/2019/")
    switcher = page.get_by_role("navigation", name=words.language_navigation)
    link = switcher.get_by_role("link", name=other_name)
    expect(link).to_have_attribute("hreflang", other)
    expect(link).to_have_attribute("lang", other)

    link.click()
    expect(page.locator("html")).to_have_attribute("lang", other)
    expect(page.get_by_text(DAY_2019[other], exact=True)).to_be_visible()

    page.goto("/privacy")  # a page reached without ?lang= keeps the choice
    expect(page.locator("html")).to_have_attribute("lang", other)


def test_a_broken_personal_link_says_the_page_was_not_found(shared_site, words, open_page):
    page = open_page(shared_site)
    response = page.goto("/r/not-a-real-link")

    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text(words.page_not_found)
    page.get_by_role("link", name=words.go_to_program).click()
    expect(page).to_have_url(re.compile(rf"/{shared_site.upcoming_edition}/$"))
