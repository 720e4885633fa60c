"""A municipality's contact signs up four colleagues with a purchase order number, gets one
invoice (PDF and a UBL file that validates), swaps a colleague for another; an organiser
sees it on the finance page. Every new page passes axe's WCAG 2.1 A and AA rules."""

import re

import pytest
from playwright.sync_api import Page, expect

from symposium.demo.paid import make_paid
from tests.e2e.checks import accessibility_violations, axe_runs_for, readable, screenshot
from tests.e2e.pages import SignInForm
from tests.test_invoices import assert_valid_ubl, pdf_text

pytestmark = pytest.mark.e2e

WORDS = {
    "nl": {
        "title": "Een groep aanmelden",
        "group": "Je groep",
        "your_name": "Je naam",
        "your_email": "Je e-mailadres",
        "first": "Voornaam",
        "last": "Achternaam",
        "email": "E-mailadres",
        "ticket": "Ticket",
        "organisation": "Organisatie",
        "address": "Factuuradres",
        "finance": "E-mailadres voor facturen",
        "po": "Inkoopordernummer",
        "consent": "Ik mag de gegevens",
        "submit": "Deze mensen aanmelden",
        "transfer": "Overdragen aan een collega",
        "transfer_button": "Plaats overdragen",
        "cancel": "Annuleren",
        "problem": "Er is een probleem",
        "finance_page": "Financiën",
    },
    "en": {
        "title": "Sign up a group",
        "group": "Your group",
        "your_name": "Your name",
        "your_email": "Your e-mail address",
        "first": "First name",
        "last": "Last name",
        "email": "E-mail address",
        "ticket": "Ticket",
        "organisation": "Organisation",
        "address": "Invoice address",
        "finance": "E-mail address for invoices",
        "po": "Purchase order number",
        "consent": "I may pass on these people",
        "submit": "Sign up these people",
        "transfer": "Transfer to a colleague",
        "transfer_button": "Transfer the place",
        "cancel": "Cancel",
        "problem": "There is a problem",
        "finance_page": "Finance",
    },
}


def no_violations(page: Page, language: str, name: str) -> None:
    screenshot(page, f"orders-{name}-{language}")
    if axe_runs_for(language, "desktop"):
        violations = accessibility_violations(page)
        assert not violations, f"{name}:\n{readable(violations)}"


def test_a_municipality_signs_up_four_colleagues_and_swaps_one(
    site, mailbox, organiser, organiser_words, language, open_page
):
    w = WORDS[language]
    with site.app.app_context():
        slug = make_paid()
    page = open_page(site)
    page.goto(f"/{slug}/order")
    expect(page.get_by_role("heading", level=1)).to_have_text(w["title"])
    no_violations(page, language, "form")

    page.get_by_role("button", name=w["submit"]).click()  # nothing filled in
    expect(page.get_by_role("heading", name=w["problem"])).to_be_visible()
    no_violations(page, language, "form-errors")

    page.get_by_label(w["your_name"]).fill("Wendy Bakker")
    page.get_by_label(w["your_email"]).fill("w.bakker@amersfoort.example.nl")
    for n in range(4):
        person = page.locator("fieldset.group").nth(n + 1)
        person.get_by_label(w["first"]).fill(f"Collega{n}")
        person.get_by_label(w["last"]).fill("de Wit")
        person.get_by_label(w["email"], exact=True).fill(f"collega{n}@amersfoort.example.nl")
        person.get_by_label(w["ticket"], exact=True).select_option(index=1)
    page.get_by_label(w["organisation"], exact=True).fill("Gemeente Amersfoort")
    page.get_by_label(w["address"]).fill("Stadhuisplein 1\n3811 LM Amersfoort")
    page.get_by_label(w["finance"], exact=True).fill("crediteuren@amersfoort.example.nl")
    page.get_by_label(w["po"], exact=True).fill("PO-AMF-2026-17")
    page.get_by_label(re.compile(w["consent"])).check()
    page.get_by_role("button", name=w["submit"]).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(w["group"])
    for n in range(4):
        expect(page.get_by_role("cell", name=re.compile(f"^Collega{n} de Wit"))).to_be_visible()
    no_violations(page, language, "group")

    mailbox.deliver()
    (invoice_mail,) = mailbox.to("crediteuren@amersfoort.example.nl")
    files = {part.get_filename(): part.get_content() for part in invoice_mail.iter_attachments()}
    pdf = next(content for name, content in files.items() if name.endswith(".pdf"))
    xml = next(content for name, content in files.items() if name.endswith(".xml"))
    assert "PO-AMF-2026-17" in pdf_text(pdf)
    assert_valid_ubl(xml.decode(), "Invoice")
    assert len(mailbox.to("collega2@amersfoort.example.nl")) == 1

    page.get_by_role("link", name=re.compile(f"^{w['transfer']} ?: Collega1 de Wit")).click()
    no_violations(page, language, "transfer")
    page.get_by_label(w["first"]).fill("Noor")
    page.get_by_label(w["last"]).fill("Jansen")
    page.get_by_label(w["email"]).fill("n.jansen@amersfoort.example.nl")
    page.get_by_role("button", name=w["transfer_button"]).click()
    expect(page.get_by_role("cell", name=re.compile("^Noor Jansen"))).to_be_visible()
    expect(page.get_by_text("Collega1 de Wit")).to_have_count(0)
    mailbox.deliver()
    assert len(mailbox.to("n.jansen@amersfoort.example.nl")) == 1

    page.get_by_role("link", name=re.compile(f"^{w['cancel']} ?: Collega3 de Wit")).click()
    no_violations(page, language, "cancel")

    organiser_page = open_page(site)
    organiser_page.goto("/sign-in")
    SignInForm(organiser_page, organiser_words).sign_in(organiser.email, organiser.password)
    expect(organiser_page.get_by_role("heading", level=1)).to_have_text(organiser_words.organisers)
    organiser_page.goto(f"/organiser/{slug}/finance")
    expect(organiser_page.get_by_role("heading", level=1)).to_have_text(w["finance_page"])
    expect(organiser_page.get_by_role("cell", name="Gemeente Amersfoort").first).to_be_visible()
    expect(organiser_page.get_by_role("cell", name="PO-AMF-2026-17")).to_be_visible()
    no_violations(organiser_page, language, "finance")
