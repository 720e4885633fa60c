"""An organiser signs in, moves a session to another room, and checks someone in at the door.

The demo's upcoming edition has "Schulden en bestaanszekerheid" in Zaal 3 and 13 people
signed up, none of them checked in yet; Sanne de Vries is one of them.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import DoorPage, SignInForm, session_card

pytestmark = pytest.mark.e2e

UPCOMING_TITLE = "Samen sterker in het sociaal domein"
SESSION = "Schulden en bestaanszekerheid"
NEW_ROOM = {"nl": "Aula, begane grond", "en": "Auditorium 0.12 · 礼堂"}
ATTENDEE = "Sanne de Vries"
SIGNED_UP = 13


def test_an_organiser_moves_a_session_to_another_room_and_the_program_shows_it(
    site, organiser, language, words, organiser_words, open_page
):
    ow = organiser_words
    page = open_page(site)
    page.goto("/sign-in")
    SignInForm(page, ow).sign_in(organiser.email, organiser.password)
    expect(page.get_by_role("heading", level=1)).to_have_text(ow.organisers)

    page.get_by_role("link", name=f"{ow.program} {UPCOMING_TITLE}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(UPCOMING_TITLE)
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=SESSION))
    expect(row).to_contain_text("Zaal 3")
    row.get_by_role("link", name=f"{ow.edit} {SESSION}").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(ow.edit_session)
    expect(page.get_by_label(ow.title, exact=True)).to_have_value(SESSION)
    room = page.get_by_label(ow.room, exact=True)
    expect(room).to_have_value("Zaal 3")
    room.fill(NEW_ROOM[language])
    page.get_by_role("button", name=ow.save_changes).click()

    expect(page.get_by_role("status")).to_have_text(ow.session_saved)
    expect(page.get_by_role("heading", level=1)).to_have_text(UPCOMING_TITLE)
    expect(row).to_contain_text(NEW_ROOM[language])
    expect(row).not_to_contain_text("Zaal 3")

    visitor = open_page(site)  # someone else, not signed in, reading the program
    visitor.goto(f"/{site.upcoming_edition}/")
    expect(session_card(visitor, SESSION)).to_contain_text(NEW_ROOM[language])
    expect(session_card(visitor, SESSION)).not_to_contain_text("Zaal 3")
    expect(session_card(visitor, "Samen agenderen in de wijk")).to_contain_text("Zaal 1")
    visitor.get_by_role("link", name=SESSION, exact=True).click()
    expect(visitor.get_by_role("main")).to_contain_text(NEW_ROOM[language])

    # Every page of the edition is one keyboard step away, and the menu says where you are.
    edition_pages = page.get_by_role("navigation", name=ow.pages_of.format(title=UPCOMING_TITLE))
    here = edition_pages.get_by_role("link", name=ow.program, exact=True)
    expect(here).to_have_attribute("aria-current", "page")
    edition_pages.get_by_role("link", name=ow.questions, exact=True).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(ow.questions_page)
    expect(edition_pages.get_by_role("link", name=ow.questions, exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    expect(here).not_to_have_attribute("aria-current", "page")


def test_an_organiser_checks_someone_in_at_the_door_with_a_phone_and_undoes_it(
    site, organiser, organiser_words, open_page
):
    ow = organiser_words
    phone = open_page(site, viewport="phone")
    phone.goto(f"/organiser/{site.upcoming_edition}/check-in")  # sent to sign in first
    expect(phone.get_by_role("status")).to_have_text(ow.sign_in_to_see)
    SignInForm(phone, ow).sign_in(organiser.email, organiser.password)

    door = DoorPage(phone, ow)
    expect(phone.get_by_role("heading", level=1)).to_have_text(ow.check_in_page)
    expect(phone).to_have_url(re.compile(rf"/organiser/{site.upcoming_edition}/check-in$"))
    expect(door.count()).to_have_text(ow.counted(0, SIGNED_UP))

    door.search("sanne")
    expect(phone.get_by_role("heading", name=ow.found)).to_be_visible()
    check_in = door.check_in_button(ATTENDEE)
    expect(check_in).to_be_in_viewport()
    box = check_in.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300, f"a small target for a thumb: {box}"

    check_in.click()
    expect(phone.get_by_role("status")).to_have_text(ow.is_checked_in.format(name=ATTENDEE))
    expect(door.count()).to_have_text(ow.counted(1, SIGNED_UP))
    expect(door.person(ATTENDEE).first).to_contain_text(
        re.compile(re.escape(ow.checked_in_at.format(time="")) + r"\d")
    )
    expect(door.check_in_button(ATTENDEE)).to_have_count(0)
    expect(phone.get_by_role("searchbox", name=ow.name)).to_have_value("sanne")

    door.undo_button(ATTENDEE).first.click()
    expect(phone.get_by_role("status")).to_have_text(ow.no_longer_checked_in.format(name=ATTENDEE))
    expect(door.count()).to_have_text(ow.counted(0, SIGNED_UP))
    expect(door.check_in_button(ATTENDEE)).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
