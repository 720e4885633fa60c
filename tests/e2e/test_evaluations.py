"""The evaluation in the browser: an attendee who was there gets the mail, answers a
session's form and the day's on a phone without JavaScript and changes an answer; the
organiser compares the 2019 sessions with charts, a small session shows nothing; a speaker
reads their results and the comments meant for them; axe finds nothing on the new pages,
in both languages."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from symposium.audit.service import Actor
from symposium.evaluations import notifications
from symposium.extensions import db
from symposium.program.models import Edition, EditionStatus, Person, Round, Session, SessionKind
from symposium.registration import service as registrations
from symposium.registration.models import Registration
from symposium.registration.requests import RegistrationRequest, RoundRequest
from symposium.speakers import service as speakers
from symposium.speakers.models import SignInLink
from tests.e2e.checks import (
    accessibility_violations,
    axe_runs_for,
    readable,
    screenshot,
    scrolls_sideways_by,
)
from tests.e2e.pages import ORGANISER_WORDS, SignInForm
from tests.e2e.test_speaker_journey import SPEAKER_WORDS

pytestmark = pytest.mark.e2e

WORDS = {
    "nl": {
        "subject": "Wat vond je van Evaluatiedag?",
        "save": "Antwoorden opslaan",
        "saved": "Dank je wel: je antwoorden zijn bewaard.",
        "changed": "Je antwoorden zijn gewijzigd.",
        "relevance": "Relevantie voor mijn werk",
        "recommend": "Hoe waarschijnlijk is het dat je deze dag aanraadt aan een collega?",
        "for_speaker": "Een opmerking voor de spreker(s)",
        "change": "Wijzig je antwoorden over Gesprekken in de wijk",
        "compared": "Sessies vergeleken",
        "too_few": "Te weinig antwoorden om resultaten te tonen",
        "overall": "Totaal",
    },
    "en": {
        "subject": "What did you think of Evaluation day?",
        "save": "Save my answers",
        "saved": "Thank you: your answers are saved.",
        "changed": "Your answers are changed.",
        "relevance": "Relevance for my work",
        "recommend": "How likely are you to recommend this day to a colleague?",
        "for_speaker": "A comment for the speaker(s)",
        "change": "Change your answers about Conversations in the neighbourhood",
        "compared": "Sessions compared",
        "too_few": "Too few answers to show results",
        "overall": "Overall",
    },
}


def held_yesterday(site, language: str) -> str:
    """An edition held yesterday with one workshop, and an attendee who was checked in;
    their address."""
    address = f"evaluatie-{language}@example.org"
    with site.app.app_context():
        now = datetime.now(UTC).replace(microsecond=0)
        starts = now - timedelta(days=1)
        edition = Edition(
            slug=f"evaluatie-{language}",
            title="Evaluatiedag",
            title_en="Evaluation day",
            starts_at=starts,
            ends_at=starts + timedelta(hours=6),
            venue="Utrecht",
            registration_opens_at=now - timedelta(days=30),
            registration_closes_at=now + timedelta(days=1),
            status=EditionStatus.published,
            confirm_email=False,
        )
        round_ = Round(
            edition=edition,
            name="Ronde 1",
            starts_at=starts + timedelta(hours=1),
            ends_at=starts + timedelta(hours=2),
        )
        workshop = Session(
            edition=edition,
            round=round_,
            kind=SessionKind.breakout,
            title="Gesprekken in de wijk",
            title_en="Conversations in the neighbourhood",
            slug="gesprekken",
            room="Zaal 1",
            capacity=20,
            starts_at=round_.starts_at,
            ends_at=round_.ends_at,
            speakers=[Person(name="Ana de Spreker")],
        )
        db.session.add_all([edition, round_, workshop])
        db.session.commit()
        registrations.register(
            edition.id,
            RegistrationRequest(
                first_name="Noor",
                last_name="Vos",
                email=address,
                organisation="Wijkteam",
                role="social_worker",
                consent=True,
                choices={round_.id: RoundRequest(session_id=workshop.id)},
                locale=language,
            ),
        )
        db.session.execute(
            sa.update(Registration)
            .where(Registration.email_key == address)
            .values(checked_in_at=starts + timedelta(minutes=10))
        )
        db.session.commit()
    return address


def check_accessibility(page: Page, language: str, viewport: str) -> None:
    assert scrolls_sideways_by(page) <= 0
    name = urlsplit(page.url).path.strip("/").replace("/", "-")[-60:]
    screenshot(page, f"evaluation-{viewport}-{language}-{name}")
    if axe_runs_for(language, viewport):
        violations = accessibility_violations(page)
        assert not violations, f"{page.url}\n{readable(violations)}"


def test_an_attendee_answers_on_a_phone_without_javascript_and_changes_an_answer(
    site, mailbox, open_page, language
):
    words = WORDS[language]
    address = held_yesterday(site, language)
    with site.app.app_context():
        assert notifications.queue_due_mails(datetime.now(UTC)) >= 1
    mailbox.deliver()
    (mail,) = mailbox.to(address, words["subject"])
    body = mail.get_body(preferencelist=("plain",)).get_content()
    session_link, day_link = re.findall(r"https?://\S+/evaluation/\S+", body)

    page = open_page(site, viewport="phone", javascript=False)
    page.goto(urlsplit(session_link).path)
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.get_by_role("group", name=words["relevance"]).get_by_label("4", exact=True).check()
    page.get_by_label(words["for_speaker"]).fill("Heel bruikbaar")
    page.get_by_role("button", name=words["save"]).click()
    expect(page.get_by_role("status")).to_contain_text(words["saved"])

    page.get_by_role("link", name=words["change"]).click()
    expect(
        page.get_by_role("group", name=words["relevance"]).get_by_label("4", exact=True)
    ).to_be_checked()
    page.get_by_role("group", name=words["relevance"]).get_by_label("2", exact=True).check()
    page.get_by_role("button", name=words["save"]).click()
    expect(page.get_by_role("status")).to_contain_text(words["changed"])

    page.goto(urlsplit(day_link).path)
    page.get_by_role("group", name=words["recommend"]).get_by_label("9", exact=True).check()
    page.get_by_role("button", name=words["save"]).click()
    expect(page.get_by_role("status")).to_contain_text(words["saved"])

    # axe needs scripts: the same pages again in a browser that runs them
    checking = open_page(site, viewport="phone")
    for link in (session_link, day_link):
        checking.goto(urlsplit(link).path)
        check_accessibility(checking, language, "phone")


def test_the_organiser_compares_sessions_with_charts_and_a_small_session_shows_nothing(
    shared_site, shared_organiser, open_page, language
):
    words = WORDS[language]
    page = open_page(shared_site)
    page.goto("/sign-in")
    SignInForm(page, ORGANISER_WORDS[language]).sign_in(
        shared_organiser.email, shared_organiser.password
    )
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    page.goto("/organiser/2019/evaluations")
    expect(page.get_by_role("heading", name=words["compared"])).to_be_visible()
    expect(page.locator("svg.small-bar").first).to_be_attached()
    check_accessibility(page, language, "desktop")
    page.get_by_role("link", name=words["overall"], exact=True).click()
    expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "descending")

    page.goto("/organiser/2019/evaluations/sessions/zelfredzaamheid-jongeren")
    expect(page.get_by_role("main")).to_contain_text(words["too_few"])
    check_accessibility(page, language, "desktop")

    for path in (
        "/organiser/2019/evaluations/sessions/politiserende-kracht",
        "/organiser/2019/evaluations/day",
        "/organiser/2019/evaluations/questions/session",
        "/organiser/2019/evaluations/settings",
        "/organiser/2019/evaluations/rooms",
    ):
        page.goto(path)
        check_accessibility(page, language, "desktop")
    page.goto("/organiser/2019/evaluations/day")
    assert page.get_by_role("img").count() >= 4

    pdf = page.request.get(f"{shared_site.url}/organiser/2019/evaluations/report.pdf")
    assert pdf.ok and pdf.body()[:4] == b"%PDF"


def test_a_speaker_reads_the_results_and_comments_meant_for_them(shared_site, open_page, language):
    with shared_site.app.test_request_context():
        edition = db.session.scalars(sa.select(Edition).where(Edition.slug == "2019")).one()
        session = next(s for s in edition.sessions if s.slug == "politiserende-kracht")
        person = session.speakers[0]
        person.email = f"walraven-{language}@example.org"
        db.session.commit()
        user = speakers.invite(person.id, language, Actor(None, "e2e@example.org"))
        link = db.session.scalars(
            sa.select(SignInLink)
            .where(SignInLink.user_id == user.id)
            .order_by(SignInLink.id.desc())
        ).first()
        path, session_id = f"/speaker/sign-in/{speakers.link_token(link)}", session.id

    sw = SPEAKER_WORDS[language]
    page = open_page(shared_site, viewport="phone")
    page.goto(path)
    page.get_by_role("main").get_by_role("button", name=sw.sign_in, exact=True).click()
    expect(page.get_by_role("status")).to_have_text(sw.signed_in)
    page.goto(f"/speaker/sessions/{session_id}/evaluation")
    main = page.get_by_role("main")
    expect(main).to_contain_text(WORDS[language]["for_speaker"])
    expect(main).to_contain_text("Heldere voorbeelden uit de praktijk")
    expect(main).not_to_contain_text("De zaal was te warm")  # for the organisers only
    assert main.get_by_role("img").count() >= 3
    check_accessibility(page, language, "phone")
