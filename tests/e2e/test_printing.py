"""An organiser prints every badge as four-up sheets and watches the worker make them.

The demo's upcoming edition has 13 people signed up, Sanne de Vries among them.
"""

import threading

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from symposium.documents import service as documents
from tests.e2e.checks import accessibility_violations, readable, screenshot, scrolls_sideways_by
from tests.e2e.pages import SignInForm

pytestmark = pytest.mark.e2e

UPCOMING_TITLE = "Samen sterker in het sociaal domein"
WORDS = {
    "nl": {
        "printing": "Afdrukken: badges, deurlijsten, certificaten",
        "heading": "Afdrukken",
        "sheets": "Vier op een A4-vel, met snijtekens",
        "whose": "Wiens badges",
        "everyone": "Iedereen met een plek",
        "make": "Badges maken",
        "job": "Badgevellen, vier per A4",
        "waiting": "Wacht tot de achtergrondtaak begint.",
        "download": "Download de pdf",
        "ready": "Klaar: 13 badges.",
        "check_again": "Opnieuw kijken",
    },
    "en": {
        "printing": "Printing: badges, door lists, certificates",
        "heading": "Printing",
        "sheets": "Four to an A4 sheet, with cut marks",
        "whose": "Whose badges",
        "everyone": "Everyone with a place",
        "make": "Make the badges",
        "job": "Badge sheets, four per A4",
        "waiting": "Waiting for the worker to start.",
        "download": "Download the PDF",
        "ready": "Ready: 13 badges.",
        "check_again": "Check again",
    },
}


def test_an_organiser_prints_all_badges_as_sheets_and_sees_the_progress(
    site, organiser, language, organiser_words, open_page
):
    words = WORDS[language]
    page = open_page(site)
    page.goto("/sign-in")
    SignInForm(page, organiser_words).sign_in(organiser.email, organiser.password)
    page.get_by_role("link", name=f"{organiser_words.program} {UPCOMING_TITLE}").click()
    page.get_by_role("link", name=words["printing"]).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(words["heading"])
    expect(page.get_by_label(words["sheets"])).to_be_checked()
    page.get_by_label(words["whose"]).select_option(label=words["everyone"])
    assert accessibility_violations(page) == [], readable(accessibility_violations(page))
    page.get_by_role("button", name=words["make"]).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(words["job"])
    expect(page.get_by_role("status").filter(has_text=words["waiting"])).to_be_visible()
    expect(page.get_by_role("progressbar")).to_be_visible()
    assert accessibility_violations(page) == [], readable(accessibility_violations(page))
    screenshot(page, f"printing-waiting-{language}")

    # The worker starts; the page notices by itself and offers the file.
    stop = threading.Event()
    worker = threading.Thread(target=documents.run_forever, args=(site.app, stop.is_set))
    worker.start()
    try:
        expect(page.get_by_role("link", name=words["download"])).to_be_visible(timeout=60_000)
    finally:
        stop.set()
        worker.join(timeout=30)
    expect(page.get_by_text(words["ready"])).to_be_visible()
    screenshot(page, f"printing-ready-{language}")

    with page.expect_download() as download:
        page.get_by_role("link", name=words["download"]).click()
    reader = PdfReader(download.value.path())
    assert len(reader.pages) == 4  # 13 badges, four to a sheet
    assert round(float(reader.pages[0].mediabox.width)) == 595  # A4
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Sanne" in text and "de Vries" in text


def test_the_printing_page_on_a_phone(site, organiser, language, organiser_words, open_page):
    page = open_page(site, viewport="phone")
    page.goto("/sign-in")
    SignInForm(page, organiser_words).sign_in(organiser.email, organiser.password)
    page.goto(f"/organiser/{site.upcoming_edition}/documents")

    expect(page.get_by_role("heading", level=1)).to_have_text(WORDS[language]["heading"])
    assert accessibility_violations(page) == [], readable(accessibility_violations(page))
    assert scrolls_sideways_by(page) <= 0
    screenshot(page, f"printing-phone-{language}")


def test_printing_without_javascript(site, organiser, language, organiser_words, open_page):
    words = WORDS[language]
    page = open_page(site, javascript=False)
    page.goto("/sign-in")
    SignInForm(page, organiser_words).sign_in(organiser.email, organiser.password)
    page.goto(f"/organiser/{site.upcoming_edition}/documents")
    page.get_by_role("button", name=words["make"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["job"])

    # Without JavaScript the page does not follow the worker; "check again" does.
    with site.app.app_context():
        documents.run_pending()
    page.get_by_role("link", name=words["check_again"]).click()
    expect(page.get_by_role("link", name=words["download"])).to_be_visible()
