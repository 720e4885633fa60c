"""Accreditation, end to end: an organiser makes the upcoming edition's pending
Registerplein accreditation granted, an attendee gives their number at sign-up, is checked in
and out at the door, and the organiser corrects the presence, downloads the presence list,
sends to a stand-in for PE-online, sees an accepted and a rejected row, corrects the number
and sends that row again. axe checks each new page."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from symposium.accreditation import service as accreditation
from symposium.accreditation.models import Register
from symposium.audit.service import Actor
from symposium.extensions import db
from symposium.registration import organisers
from symposium.registration.models import Registration
from tests import pe_online_standin
from tests.e2e.checks import accessibility_violations, axe_runs_for, readable
from tests.e2e.pages import SignInForm, SignUpForm

pytestmark = pytest.mark.e2e

TEXTS = {
    "nl": {
        "accreditation": "Accreditatie",
        "change": "Wijzigen",
        "activity": "Activiteitnummer",
        "granted": "Accreditatie toegekend",
        "save": "Wijzigingen opslaan",
        "saved": "De accreditatie is opgeslagen.",
        "number": "Je Registerplein-nummer (optioneel)",
        "bad_number": "Een Registerplein-nummer begint met 4610",
        "check_in": "Inchecken",
        "check_out": "Uitchecken",
        "presence": "Aanwezigheid en lijsten",
        "decision": "Besluit",
        "reason": "Reden",
        "qualifies": "Komt in aanmerking",
        "save_correction": "Correctie opslaan",
        "pdf": "Presentielijst (pdf, om te tekenen)",
        "send": "Naar PE-online versturen",
        "user_id": "PE-online gebruikers-ID",
        "user_key": "PE-online gebruikerssleutel",
        "org_id": "PE-online organisatie-ID",
        "send_all": "Iedereen die in aanmerking komt versturen",
        "send_again": "Afgewezen regels opnieuw versturen",
        "accepted": "Geaccepteerd",
        "rejected": "Afgewezen",
        "number_of": "Registernummer van {name}",
        "one_of_two": "PE-online heeft 1 van de 2 regels geaccepteerd.",
        "one_of_one": "PE-online heeft 1 van de 1 regels geaccepteerd.",
        "my_numbers": "Je registernummers voor accreditatiepunten",
        "numbers_heading": "Je registernummers",
    },
    "en": {
        "accreditation": "Accreditation",
        "change": "Change",
        "activity": "Activity ID",
        "granted": "Accreditation granted",
        "save": "Save changes",
        "saved": "The accreditation has been saved.",
        "number": "Your Registerplein number (optional)",
        "bad_number": "A Registerplein number starts with 4610",
        "check_in": "Check in",
        "check_out": "Check out",
        "presence": "Presence and reports",
        "decision": "Decision",
        "reason": "Reason",
        "qualifies": "Qualifies",
        "save_correction": "Save correction",
        "pdf": "Presence list (PDF, to sign)",
        "send": "Send to PE-online",
        "user_id": "PE-online user ID",
        "user_key": "PE-online user key",
        "org_id": "PE-online organisation ID",
        "send_all": "Send everyone who qualifies",
        "send_again": "Send the rejected rows again",
        "accepted": "Accepted",
        "rejected": "Rejected",
        "number_of": "Register number of {name}",
        "one_of_two": "PE-online accepted 1 of 2 rows.",
        "one_of_one": "PE-online accepted 1 of 1 rows.",
        "my_numbers": "Your register numbers for accreditation points",
        "numbers_heading": "Your register numbers",
    },
}
ATTENDEE = {"nl": ("Noor", "Bakker"), "en": ("Nora", "Baker")}
OTHER = "Sanne de Vries"  # signed up in the demo; given a number the stand-in does not know


def axe(page: Page, language: str) -> None:
    if axe_runs_for(language, "desktop"):
        violations = accessibility_violations(page)
        assert not violations, f"{page.url}\n{readable(violations)}"


@pytest.fixture
def standin(site):
    state, server = pe_online_standin.start()
    site.app.config["PE_ONLINE_URL"] = state.url
    state.unknown = {"461000999"}
    yield state
    server.shutdown()
    server.server_close()


def test_from_accreditation_to_pe_online(site, organiser, language, words, open_page, standin):
    t = TEXTS[language]
    slug = site.upcoming_edition
    with site.app.app_context():  # someone signed up earlier, arrived, gave a number
        other = db.session.scalar(
            sa.select(Registration).where(Registration.email_key == "sanne.devries@example.org")
        )
        accreditation.save_numbers(other.id, {Register.registerplein: "461000999"})
        organisers.check_in(other.id, Actor(None, "door@example.org"))

    org = open_page(site)
    org.goto("/sign-in")
    ow = organiser_words_for(language)
    SignInForm(org, ow).sign_in(organiser.email, organiser.password)
    expect(org.get_by_role("heading", level=1)).to_have_text(ow.organisers)
    org.goto(f"/organiser/{slug}/accreditation")
    axe(org, language)
    org.get_by_role("link", name=re.compile(rf"^{t['change']}\W+Registerplein$")).click()
    axe(org, language)
    org.get_by_label(t["activity"], exact=True).fill("9471")
    org.get_by_label(t["granted"]).check()
    org.get_by_role("button", name=t["save"]).click()
    expect(org.get_by_role("status")).to_contain_text(t["saved"])

    first, last = ATTENDEE[language]
    attendee = open_page(site)
    attendee.goto(f"/{slug}/register")
    form = SignUpForm(attendee, words)
    form.fill_in_details(first, last, f"{first.lower()}@example.org")
    form.choose("Ronde 1", "Schulden en bestaanszekerheid")
    form.choose("Ronde 2", "Digitale ongelijkheid")
    number = attendee.get_by_label(t["number"])
    number.fill("12345")
    form.agree_to_privacy_statement()
    form.submit()
    expect(attendee.get_by_role("main")).to_contain_text(t["bad_number"])
    expect(attendee.get_by_label(t["number"])).to_have_attribute("aria-invalid", "true")
    attendee.get_by_label(t["number"]).fill("4610 00001")
    form.agree_to_privacy_statement()
    form.submit()
    expect(attendee.get_by_role("heading", level=1)).to_have_text(words.you_are_signed_up)
    attendee.get_by_role("link", name=t["my_numbers"]).click()
    expect(attendee.get_by_role("heading", level=1)).to_have_text(t["numbers_heading"])
    expect(attendee.get_by_label(t["number"])).to_have_value("461000001")
    axe(attendee, language)

    name = f"{first} {last}"
    org.goto(f"/organiser/{slug}/check-in?q={first}")
    org.get_by_role("button", name=f"{t['check_in']} {name}").click()
    org.get_by_role("button", name=f"{t['check_out']} {name}").first.click()

    org.goto(f"/organiser/{slug}/accreditation")
    org.get_by_role("link", name=re.compile(rf"^{t['presence']}\W+Registerplein$")).click()
    axe(org, language)
    row = org.get_by_role("row").filter(has=org.get_by_role("rowheader", name=name))
    row.get_by_label(re.compile(rf"^{t['decision']}")).select_option(label=t["qualifies"])
    row.get_by_label(re.compile(rf"^{t['reason']}")).fill("Stond op de papieren lijst")
    row.get_by_role("button", name=re.compile(rf"^{t['save_correction']}")).click()
    expect(row).to_contain_text("Stond op de papieren lijst")
    with org.expect_download() as download:
        org.get_by_role("link", name=t["pdf"]).click()
    assert download.value.suggested_filename.endswith(".pdf")

    org.get_by_role("link", name=t["send"]).click()
    org.get_by_label(t["user_id"]).fill("symposium")
    org.get_by_label(t["user_key"]).fill("geheim")
    org.get_by_label(t["org_id"]).fill("42")
    org.get_by_role("button", name=t["send_all"]).click()
    expect(org.get_by_role("status")).to_contain_text(t["one_of_two"])
    results = org.get_by_role("table")
    expect(results.get_by_role("row").filter(has_text=name)).to_contain_text(t["accepted"])
    expect(results.get_by_role("row").filter(has_text=OTHER)).to_contain_text(t["rejected"])
    axe(org, language)

    org.get_by_label(t["number_of"].format(name=OTHER)).fill("461000998")
    org.get_by_label(t["user_id"]).fill("symposium")
    org.get_by_label(t["user_key"]).fill("geheim")
    org.get_by_label(t["org_id"]).fill("42")
    org.get_by_role("button", name=t["send_again"]).click()
    expect(org.get_by_role("status")).to_contain_text(t["one_of_one"])
    expect(results.get_by_role("row").filter(has_text=OTHER)).to_contain_text(t["accepted"])
    assert "461000998" in standin.received[-1] and "4610000001" not in standin.received[-1]
    assert not site.crashes


def organiser_words_for(language):
    from tests.e2e.pages import ORGANISER_WORDS

    return ORGANISER_WORDS[language]
