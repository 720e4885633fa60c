"""Full sessions offer their waiting list, and a freed seat goes to the first person waiting.

In the demo's upcoming edition "Eenzaamheid onder jongeren" (round 1) has one seat left
and nobody waiting; "Kenniscafé: wonen en huisuitzettingen" (round 2) is full, held by
Sanne de Vries, Mohamed Yilmaz and Lotte Visser, with Daan Mulder and Noor Hendriks
waiting in that order.
"""

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import PersonalProgram, SignUpForm, session_card

pytestmark = pytest.mark.e2e

NEARLY_FULL = "Eenzaamheid onder jongeren"
FULL = "Kenniscafé: wonen en huisuitzettingen"


def test_a_freed_seat_goes_to_the_person_waiting_for_it(site, words, open_page):
    holder = open_page(site)
    holder.goto("/")
    expect(session_card(holder, NEARLY_FULL)).to_contain_text(words.seats(1))
    SignUpForm(holder, words).sign_up(
        "Holder",
        "Lastseat",
        "holder@example.org",
        sessions={"Ronde 1": NEARLY_FULL, "Ronde 2": "Digitale ongelijkheid"},
    )
    holders_link = PersonalProgram(holder, words).manage_link().inner_text()

    waiter = open_page(site)
    waiter.goto("/")
    expect(session_card(waiter, NEARLY_FULL)).to_contain_text(words.full)
    waiter.get_by_role("link", name=words.sign_up, exact=True).click()
    form = SignUpForm(waiter, words)
    expect(form.round("Ronde 1").get_by_role("radio", name=NEARLY_FULL)).to_have_count(0)
    form.fill_in_details("Wendy", "Wachter-Ünal", "waiter@example.org")
    form.choose("Ronde 1", "Samen agenderen in de wijk")
    form.join_waiting_list("Ronde 1", NEARLY_FULL)
    form.choose("Ronde 2", "Mensenrechten in het sociaal werk")
    form.agree_to_privacy_statement()
    form.submit()

    waiters_plan = PersonalProgram(waiter, words)
    expect(waiter.get_by_role("heading", level=1)).to_have_text(words.you_are_signed_up)
    expect(waiters_plan.held_in("Ronde 1")).to_contain_text("Samen agenderen in de wijk")
    expect(waiters_plan.waiting_place(1, NEARLY_FULL)).to_be_visible()
    waiters_link = waiters_plan.manage_link().inner_text()

    holder.goto(holders_link)
    PersonalProgram(holder, words).cancel_registration()
    expect(holder.get_by_text(words.cancelled, exact=True)).to_be_visible()

    waiter.goto(waiters_link)
    expect(waiters_plan.held_in("Ronde 1")).to_contain_text(NEARLY_FULL)
    expect(waiters_plan.held_in("Ronde 1")).not_to_contain_text("Samen agenderen in de wijk")
    expect(waiters_plan.waiting_place(1, NEARLY_FULL)).to_have_count(0)
    expect(waiters_plan.held_in("Ronde 2")).to_contain_text("Mensenrechten in het sociaal werk")

    waiter.goto(f"/{site.upcoming_edition}/")
    expect(session_card(waiter, NEARLY_FULL)).to_contain_text(words.full)
    expect(session_card(waiter, "Samen agenderen in de wijk")).to_contain_text(words.seats(30))


def test_people_who_waited_longer_get_a_freed_seat_first(site, words, open_page):
    newcomer = open_page(site)
    newcomer.goto("/")
    SignUpForm(newcomer, words).sign_up(
        "Nina",
        "Nieuw",
        "nina@example.org",
        sessions={"Ronde 1": "Schulden en bestaanszekerheid", "Ronde 2": "Digitale ongelijkheid"},
        waiting_lists={"Ronde 2": FULL},
    )
    newcomers_plan = PersonalProgram(newcomer, words)
    expect(newcomers_plan.waiting_place(3, FULL)).to_be_visible()
    expect(newcomers_plan.held_in("Ronde 2")).to_contain_text("Digitale ongelijkheid")
    newcomers_link = newcomer.url

    sanne = open_page(site)
    sanne.goto(site.manage_path("sanne.devries@example.org"))
    expect(PersonalProgram(sanne, words).held_in("Ronde 2")).to_contain_text(FULL)
    PersonalProgram(sanne, words).cancel_registration()
    expect(sanne.get_by_text(words.cancelled, exact=True)).to_be_visible()

    daan = open_page(site)
    daan.goto(site.manage_path("daan.mulder@example.org"))
    expect(PersonalProgram(daan, words).held_in("Ronde 2")).to_contain_text(FULL)

    newcomer.goto(newcomers_link)
    expect(newcomers_plan.waiting_place(2, FULL)).to_be_visible()
    expect(newcomers_plan.held_in("Ronde 2")).to_contain_text("Digitale ongelijkheid")


def test_an_attendee_joins_and_leaves_a_waiting_list_from_their_page(site, words, open_page):
    # Eva Bos has a seat in round 1 and no session in round 2.
    page = open_page(site)
    page.goto(site.manage_path("eva.bos@example.org"))
    plan = PersonalProgram(page, words)
    round_2 = plan.round("Ronde 2")
    expect(plan.held_in("Ronde 2")).to_have_text(words.no_session)

    round_2.get_by_role("button", name=words.join_waiting_list_for.format(title=FULL)).click()
    expect(page.get_by_role("status")).to_have_text(words.joined_waiting_list)
    expect(plan.waiting_place(3, FULL)).to_be_visible()
    expect(
        round_2.get_by_role("button", name=words.join_waiting_list_for.format(title=FULL))
    ).to_have_count(0)

    round_2.get_by_role("button", name=words.leave_waiting_list).click()
    expect(page.get_by_role("status")).to_have_text(words.left_waiting_list)
    expect(plan.waiting_place(3, FULL)).to_have_count(0)
    expect(plan.held_in("Ronde 2")).to_have_text(words.no_session)
