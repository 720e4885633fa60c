"""A sign-up with answers missing says what is wrong, where, and keeps what was typed."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import SignUpForm

pytestmark = pytest.mark.e2e


def test_a_sign_up_with_missing_answers_points_to_each_field_and_keeps_what_was_typed(
    site, words, open_page
):
    page = open_page(site)
    page.goto(f"/{site.upcoming_edition}/register")
    form = SignUpForm(page, words)
    first_name = page.get_by_label(words.first_name, exact=True)
    last_name = page.get_by_label(words.last_name, exact=True)
    email = page.get_by_label(words.email, exact=True)
    organisation = page.get_by_label(words.organisation, exact=True)
    dietary_needs = page.get_by_label(words.dietary_needs, exact=True)
    consent = page.get_by_role("checkbox", name=words.agree_to_privacy)
    round_2 = form.round("Ronde 2")

    first_name.fill("Zoë")
    organisation.fill("Wijkteam Noord · 北区")
    dietary_needs.fill("Geen noten,\ngraag halal")
    form.choose("Ronde 1", "Samen agenderen in de wijk")
    form.submit()

    expect(page).to_have_title(re.compile(rf"^{re.escape(words.error_prefix)}"))
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text(words.there_is_a_problem)
    for message, field, described in [
        (words.enter_last_name, last_name, last_name),
        (words.enter_email, email, email),
        (words.agree_message, consent, consent),
        (words.choose_a_round, round_2.get_by_role("radio").first, round_2),
    ]:
        link = summary.get_by_role("link", name=message)
        expect(field).to_have_attribute("id", link.get_attribute("href").removeprefix("#"))
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(described).to_have_accessible_description(re.compile(re.escape(message)))
    for radio in round_2.get_by_role("radio").all():
        expect(radio).to_have_attribute("aria-invalid", "true")
    expect(first_name).not_to_have_attribute("aria-invalid", "true")

    expect(first_name).to_have_value("Zoë")
    expect(organisation).to_have_value("Wijkteam Noord · 北区")
    expect(dietary_needs).to_have_value("Geen noten,\ngraag halal")
    expect(
        form.round("Ronde 1").get_by_role("radio", name="Samen agenderen in de wijk")
    ).to_be_checked()

    summary.get_by_role("link", name=words.enter_last_name).click()
    expect(last_name).to_be_focused()
    page.keyboard.type("Çelik")
    expect(last_name).to_have_value("Çelik")
