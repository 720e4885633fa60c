"""An attendee finds the program, signs up, changes a session, downloads the badge and cancels,
in a browser."""

import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.pages import PersonalProgram, SignUpForm, session_card

pytestmark = pytest.mark.e2e

UPCOMING_TITLE = "Samen sterker in het sociaal domein"
#: names in other scripts and with diacritics, as people really have them
NAMES = {"nl": ("Zoë", "Ağaoğlu-de Wit"), "en": ("小龙", "李")}


def test_an_attendee_signs_up_changes_a_session_downloads_the_badge_and_cancels(
    site, language, words, open_page
):
    page = open_page(site)
    first_name, last_name = NAMES[language]

    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("heading", level=1)).to_have_text(UPCOMING_TITLE)
    expect(session_card(page, "Schulden en bestaanszekerheid")).to_contain_text(words.seats(40))
    expect(page.get_by_text(re.compile(rf"^{words.sign_up_until}"))).to_be_visible()
    page.get_by_role("link", name=words.sign_up, exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(words.sign_up)
    form = SignUpForm(page, words)
    form.fill_in_details(first_name, last_name, f"attendee.{language}@example.org")
    form.choose("Ronde 1", "Schulden en bestaanszekerheid")
    form.choose("Ronde 2", "Digitale ongelijkheid")
    with page.context.expect_page() as new_tab:
        page.get_by_role(
            "link", name=re.compile(rf"^{re.escape(words.privacy_statement.lower())} \(")
        ).click()
    expect(new_tab.value.get_by_role("heading", level=1)).to_have_text(words.privacy_statement)
    new_tab.value.close()
    form.agree_to_privacy_statement()
    form.submit()

    expect(page.get_by_role("heading", level=1)).to_have_text(words.you_are_signed_up)
    plan = PersonalProgram(page, words)
    expect(page.get_by_text("Opening: wat werkt in de wijk?")).to_be_visible()
    expect(plan.held_in("Ronde 1")).to_contain_text("Schulden en bestaanszekerheid")
    expect(plan.held_in("Ronde 2")).to_contain_text("Digitale ongelijkheid")
    expect(page.get_by_text(f"{first_name} {last_name}", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=words.your_personal_link)).to_be_visible()
    manage_link = plan.manage_link()
    expect(manage_link).to_have_text(re.compile(rf"^{re.escape(site.url)}/r/\S+$"))

    manage_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words.your_registration)
    expect(plan.held_in("Ronde 2")).to_contain_text("Digitale ongelijkheid")

    plan.change_session("Ronde 2", "Moreel beraad in het sociaal domein")
    expect(page.get_by_role("status")).to_have_text(words.change_saved)
    expect(plan.held_in("Ronde 2")).to_contain_text("Moreel beraad in het sociaal domein")
    expect(plan.held_in("Ronde 2")).not_to_contain_text("Digitale ongelijkheid")
    expect(plan.held_in("Ronde 1")).to_contain_text("Schulden en bestaanszekerheid")

    # A typo in the organisation, corrected before the badge is printed.
    page.get_by_role("link", name=words.change_your_details).click()
    page.get_by_label(words.organisation, exact=True).fill("Gemeente Utrecht, Wijkteam Oost")
    page.get_by_role("button", name=words.save_your_details).click()
    expect(page.get_by_role("status")).to_have_text(words.details_saved)
    expect(page.get_by_text("Gemeente Utrecht, Wijkteam Oost", exact=True)).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name=words.download_badge).click()
    badge = PdfReader(download.value.path()).pages[0].extract_text()
    for printed in (first_name, last_name, "Schulden en bestaanszekerheid", "Moreel beraad"):
        assert printed in badge

    plan.cancel_registration()
    expect(page.get_by_text(words.cancelled, exact=True)).to_be_visible()
    expect(plan.held_in("Ronde 1")).to_have_count(0)
    expect(page.get_by_role("link", name=words.cancel_registration)).to_have_count(0)

    # Changed their mind: the same address signs up again, with other choices.
    page.get_by_role("link", name=words.sign_up_again).click()
    form.fill_in_details(first_name, last_name, f"attendee.{language}@example.org")
    form.choose("Ronde 1", "Eenzaamheid onder jongeren")
    form.choose("Ronde 2", words.no_session)
    form.agree_to_privacy_statement()
    form.submit()
    expect(page.get_by_role("heading", level=1)).to_have_text(words.you_are_signed_up)
    expect(plan.held_in("Ronde 1")).to_contain_text("Eenzaamheid onder jongeren")
    plan.cancel_registration()  # and the seat counts below are as before

    page.goto(f"/{site.upcoming_edition}/")
    for title, seats in [
        ("Schulden en bestaanszekerheid", 40),
        ("Digitale ongelijkheid", 25),
        ("Moreel beraad in het sociaal domein", 18),
    ]:
        expect(session_card(page, title)).to_contain_text(words.seats(seats))
