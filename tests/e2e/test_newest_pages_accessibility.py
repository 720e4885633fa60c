"""The newest pages pass axe-core's WCAG 2.1 A and AA rules in both languages, at desktop
and phone widths, and do not scroll sideways on a phone (down to 320 px): the organisers'
accounts, the ranked seat allocation, the speakers' area and the organisers' speaker pages,
with their error states. Full-page screenshots go to artifacts/newest-*.png.

The module's site gets, in a fixture: a second organiser (so the accounts table has a
switch), a speaker invited to two sessions of the upcoming edition with slides, a draft
summary and a handed-in one, and a copy of the upcoming edition in ranked mode whose
deadline has passed, with people's preferences in it. The organiser signs in once with the
form; the speaker signs in once with a sign-in link, as from the mail.
"""

import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from symposium import program_editing as admin
from symposium.accounts.service import create_organiser
from symposium.allocation import service as allocation
from symposium.audit.service import Actor
from symposium.demo import DEMO_PEOPLE, demo_pdf
from symposium.extensions import db
from symposium.program.models import Edition, EditionStatus, Person, Session
from symposium.program.service import edition_by_slug
from symposium.registration import service as registrations
from symposium.speakers import service as speakers
from symposium.speakers.models import SignInLink
from tests.e2e.checks import (
    accessibility_violations,
    axe_runs_for,
    readable,
    screenshot,
    scrolls_sideways_by,
)
from tests.e2e.conftest import VIEWPORTS, LiveSite
from tests.e2e.pages import ORGANISER_WORDS, SignInForm

pytestmark = pytest.mark.e2e

ACTOR = Actor(None, "e2e@example.org")
SPEAKER = "Marieke Verbeek"
SPEAKER_EMAIL = "marieke.verbeek@example.org"
OPENING = "opening"
HANDED_IN = "kenniscafe-wonen"  # a breakout with attendees and a waiting list
SLIDES = "opening-dias.pdf"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
_slugs = count(1)


@dataclass(frozen=True)
class Cast:
    """What the pages show, by id."""

    ranked: str
    speaker_person_id: int
    speaker_user_id: int
    opening_id: int
    handed_in_id: int
    material_id: int


def ranked_copy(site: LiveSite, slug: str) -> str:
    """A copy of the upcoming edition in ranked mode, open for sign-up, with eight people's
    preferences, and its deadline just passed: ready to preview and share out."""
    with site.app.app_context():
        source = edition_by_slug(site.upcoming_edition)
        copy = admin.copy_edition(
            source.id, admin.CopyData(title="Symposium met voorkeuren", slug=slug), ACTOR
        )
        admin.set_status(copy.id, EditionStatus.published, ACTOR)
        db.session.execute(
            sa.update(Edition)
            .where(Edition.id == copy.id)
            .values(registration_opens_at=datetime.now(UTC) - timedelta(days=1))
        )
        db.session.commit()
        deadline = datetime.now(AMSTERDAM) + timedelta(days=7)
        allocation.change_settings(
            copy.id,
            allocation.SettingsData("ranked", deadline.strftime("%Y-%m-%dT%H:%M")),
            ACTOR,
        )
        edition = db.session.get(Edition, copy.id)
        for number, (first, last) in enumerate(DEMO_PEOPLE[:8]):
            choices = {}
            for round_ in edition.rounds:
                ids = [session.id for session in round_.sessions]
                turned = ids[number % len(ids) :] + ids[: number % len(ids)]
                choices[round_.id] = registrations.RoundRequest(ranking=tuple(turned[:3]))
            registrations.register(
                edition.id,
                registrations.RegistrationRequest(
                    first_name=first,
                    last_name=last,
                    email=f"{first}.{last}@example.org".lower().replace(" ", ""),
                    organisation="Voorbeeldorganisatie",
                    role="researcher",
                    consent=True,
                    choices=choices,
                ),
            )
        db.session.execute(
            sa.update(Edition)
            .where(Edition.id == copy.id)
            .values(preferences_close_at=datetime.now(UTC) - timedelta(minutes=1))
        )
        db.session.commit()
    return slug


@pytest.fixture(scope="module")
def cast(shared_site) -> Cast:
    site = shared_site
    with site.app.app_context():
        create_organiser("tweede.organisator@example.org", "Bram Bakker", "Acht-achtige-apen-88")
        edition = edition_by_slug(site.upcoming_edition)
        by_slug = {session.slug: session for session in edition.sessions}
        opening, handed_in = by_slug[OPENING], by_slug[HANDED_IN]
        marieke = db.session.scalars(sa.select(Person).where(Person.name == SPEAKER)).one()
        marieke.email = SPEAKER_EMAIL
        handed_in.speakers.append(marieke)
        db.session.commit()
        speakers.set_attendees_visible(edition.id, True, ACTOR)
        user = speakers.invite(marieke.id, "nl", ACTOR)
        material = speakers.add_material(
            opening.id,
            speakers.MaterialData(),
            speakers.Upload(io.BytesIO(demo_pdf("Wat werkt", ["Een regel"])), SLIDES),
            user,
        )
        speakers.save_summary(
            opening.id, "## Wat we bespraken\n\nDe wijk als werkplaats.", submit=False, by=user
        )
        speakers.save_summary(
            handed_in.id,
            "## Wat we bespraken\n\nHuisuitzettingen voorkomen.\n\n- Vroeg signaleren",
            submit=True,
            by=user,
        )
        cast = Cast(
            ranked=ranked_copy(site, "voorkeuren"),
            speaker_person_id=marieke.id,
            speaker_user_id=user.id,
            opening_id=opening.id,
            handed_in_id=handed_in.id,
            material_id=material.id,
        )
    return cast


def sign_in_link(site: LiveSite, user_id: int) -> str:
    """A fresh link, as the mail would carry it."""
    with site.app.app_context():
        link = SignInLink(user_id=user_id)
        db.session.add(link)
        db.session.commit()
        return f"/speaker/sign-in/{speakers.link_token(link)}"


@pytest.fixture(scope="module")
def organiser_cookies(shared_site, shared_organiser, browser) -> list[dict]:
    context = browser.new_context(base_url=shared_site.url, locale="nl-NL")
    page = context.new_page()
    page.goto("/sign-in")
    SignInForm(page, ORGANISER_WORDS["nl"]).sign_in(
        shared_organiser.email, shared_organiser.password
    )
    expect(page).to_have_url(re.compile(r"/organiser/$"))
    cookies = context.cookies()
    context.close()
    return cookies


@pytest.fixture(scope="module")
def speaker_cookies(shared_site, cast, browser) -> list[dict]:
    context = browser.new_context(base_url=shared_site.url, locale="nl-NL")
    page = context.new_page()
    page.goto(sign_in_link(shared_site, cast.speaker_user_id))
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/speaker/$"))
    cookies = context.cookies()
    context.close()
    return cookies


# -- the pages -------------------------------------------------------------------------


def at(path: str):
    """Visit an address; {upcoming}, {ranked} and the cast's ids are filled in."""

    def visit(page: Page, site: LiveSite, cast: Cast) -> None:
        page.goto(
            path.format(
                upcoming=site.upcoming_edition,
                ranked=cast.ranked,
                opening=cast.opening_id,
                handed_in=cast.handed_in_id,
                material=cast.material_id,
                person=cast.speaker_person_id,
            )
        )

    return visit


def submit(page: Page, form: str = "main form[novalidate]", button: str = "") -> None:
    """Press a form's button, and wait for the error summary it is expected to bring."""
    page.locator(f"{form} button[type=submit]{button}").first.click()
    expect(page.get_by_role("alert")).to_be_visible()


def then(visit, *steps):
    def run(page: Page, site: LiveSite, cast: Cast) -> None:
        visit(page, site, cast)
        for step in steps:
            step(page)

    return run


def clear(selector: str):
    return lambda page: page.locator(selector).fill("")


def press(form: str = "main form[novalidate]", button: str = ""):
    return lambda page: submit(page, form, button)


def choose_ranked_without_a_deadline(page: Page) -> None:
    page.locator("#allocation_mode-ranked").check()
    page.locator("#preferences_close").fill("")


def preview_the_summary(page: Page) -> None:
    page.locator("#summary").fill("## Wat we bespraken\n\n- **Vroeg** signaleren\n- Samenwerken")
    page.locator("button[value=preview]").click()
    expect(page.locator("#preview-title")).to_be_visible()


def committed(page: Page, site: LiveSite, cast: Cast) -> None:
    """Share out the seats of an edition of its own: that can be done once."""
    page.goto(f"/organiser/{ranked_copy(site, f'gedeeld-{next(_slugs)}')}/allocation/commit")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".panel-confirmation")).to_be_visible()


def upload_too_large(page: Page, site: LiveSite, cast: Cast) -> None:
    """An upload over the limit, made small for this one upload."""
    at("/speaker/sessions/{opening}")(page, site, cast)
    limit = site.app.config["MAX_CONTENT_LENGTH"]
    site.app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    try:
        page.locator("#file").set_input_files(
            files=[
                {
                    "name": "groot.pdf",
                    "mimeType": "application/pdf",
                    "buffer": b"%PDF-1.4\n" + b"0" * 256 * 1024,
                }
            ]
        )
        page.locator('main form[enctype="multipart/form-data"] button[type=submit]').click()
        expect(page).to_have_url(re.compile(r"/materials$"))
        expect(page.get_by_role("heading", level=1)).not_to_have_text(re.compile("Opening"))
    finally:
        site.app.config["MAX_CONTENT_LENGTH"] = limit


def follow_link(page: Page, site: LiveSite, cast: Cast) -> None:
    page.goto(sign_in_link(site, cast.speaker_user_id))


ORGANISER = "organiser"
SPEAKER_ROLE = "speaker"
NOBODY = "nobody"

PAGES = {
    # the organisers' accounts
    "accounts": (ORGANISER, at("/organiser/accounts")),
    "accounts-errors": (ORGANISER, then(at("/organiser/accounts"), press())),
    # ranked seat allocation
    "allocation": (ORGANISER, at("/organiser/{ranked}/allocation")),
    "allocation-first-come": (ORGANISER, at("/organiser/{upcoming}/allocation")),
    "allocation-errors": (
        ORGANISER,
        then(at("/organiser/{ranked}/allocation"), choose_ranked_without_a_deadline, press()),
    ),
    "allocation-demand": (ORGANISER, at("/organiser/{ranked}/allocation/demand")),
    "allocation-preview": (ORGANISER, at("/organiser/{ranked}/allocation/preview")),
    "allocation-commit": (ORGANISER, at("/organiser/{ranked}/allocation/commit")),
    "allocation-committed": (ORGANISER, committed),
    # the organisers' speaker pages
    "speakers-overview": (ORGANISER, at("/organiser/{upcoming}/speakers")),
    "speaker-invite": (ORGANISER, at("/organiser/people/{person}/invite")),
    "summary-review": (ORGANISER, at("/organiser/{upcoming}/sessions/{handed_in}/summary")),
    "summary-review-errors": (
        ORGANISER,
        then(
            at("/organiser/{upcoming}/sessions/{handed_in}/summary"),
            press('main form[action$="/summary/return"]'),
        ),
    ),
    # the speakers' area
    "speaker-sign-in": (NOBODY, at("/speaker/sign-in")),
    "speaker-sign-in-errors": (NOBODY, then(at("/speaker/sign-in"), press())),
    "speaker-follow-link": (NOBODY, follow_link),
    "speaker-link-refused": (NOBODY, at("/speaker/sign-in/niet-meer-geldig")),
    "speaker-sessions": (SPEAKER_ROLE, at("/speaker/")),
    "speaker-session": (SPEAKER_ROLE, at("/speaker/sessions/{opening}")),
    "speaker-upload-errors": (
        SPEAKER_ROLE,
        then(at("/speaker/sessions/{opening}"), press('main form[enctype="multipart/form-data"]')),
    ),
    "speaker-upload-too-large": (SPEAKER_ROLE, upload_too_large),
    "speaker-handed-in": (SPEAKER_ROLE, at("/speaker/sessions/{handed_in}/summary")),
    "speaker-summary": (SPEAKER_ROLE, at("/speaker/sessions/{opening}/summary")),
    "speaker-summary-preview": (
        SPEAKER_ROLE,
        then(at("/speaker/sessions/{opening}/summary"), preview_the_summary),
    ),
    "speaker-summary-errors": (
        SPEAKER_ROLE,
        then(
            at("/speaker/sessions/{opening}/summary"),
            clear("#summary"),
            press(button="[value=submit]"),
        ),
    ),
    "speaker-material": (
        SPEAKER_ROLE,
        at("/speaker/sessions/{opening}/materials/{material}/edit"),
    ),
    "speaker-material-delete": (
        SPEAKER_ROLE,
        at("/speaker/sessions/{opening}/materials/{material}/delete"),
    ),
    "speaker-profile": (SPEAKER_ROLE, at("/speaker/profile")),
    "speaker-profile-errors": (
        SPEAKER_ROLE,
        then(at("/speaker/profile"), clear("#name"), press()),
    ),
}


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
@pytest.mark.parametrize("name", PAGES)
def test_the_newest_pages_have_no_accessibility_violations_and_fit_the_screen(
    name, viewport, language, shared_site, cast, open_page, request
):
    who, visit = PAGES[name]
    page = open_page(shared_site, viewport=viewport)
    if who != NOBODY:
        page.context.add_cookies(request.getfixturevalue(f"{who}_cookies"))
    visit(page, shared_site, cast)
    expect(page.locator("html")).to_have_attribute("lang", language)
    if who != NOBODY:  # the page itself, not a sign-in form it would send us to
        expect(page).not_to_have_url(re.compile(r"/sign-in"))
    expect(page.get_by_role("heading", level=1)).to_have_count(1)

    screenshot(page, f"newest-{name}-{language}-{viewport}")

    violations = accessibility_violations(page) if axe_runs_for(language, viewport) else []
    assert not violations, (
        f"axe found {len(violations)} problem(s) on {name} ({language}, {viewport}, "
        f"{page.url}):\n{readable(violations)}"
    )

    overflow = scrolls_sideways_by(page)
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {viewport} width"
    if viewport == "phone":  # and on the narrowest phones (or 1280 px at 400 % zoom)
        page.set_viewport_size(VIEWPORTS["narrow"])
        overflow = scrolls_sideways_by(page)
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at 320px wide"


def test_the_cast_is_on_its_pages(shared_site, cast):
    """The fixture's data is what the pages show: a ranked edition past its deadline, and a
    speaker with a draft, a handed-in summary and slides."""
    with shared_site.app.app_context():
        ranked = edition_by_slug(cast.ranked)
        assert allocation.is_ranked(ranked) and allocation.deadline_passed(ranked)
        assert allocation.ranking_counts(ranked)[0] == 8
        opening = db.session.get(Session, cast.opening_id)
        assert [m.filename for m in speakers.materials_of(opening)] == [SLIDES]
