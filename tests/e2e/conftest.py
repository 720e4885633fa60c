"""Browser tests: a real Symposium server on a loopback port, driven by Debian's Chromium.

Each journey gets a server of its own, on a copy of a database built once per test process
from the migrations with the demo data, so that the seat counts it relies on are the demo's.
Chromium is found at /usr/bin/chromium (or on PATH, or wherever SYMPOSIUM_CHROMIUM says);
without it these tests skip, unless SYMPOSIUM_REQUIRE_BROWSER=1 asks them to fail.
Playwright's own browser download is never used.

Mail goes to a real SMTP server (aiosmtpd) on a free loopback port: the `mailbox` fixture
delivers the outbox there as the worker would, and reads back what arrived. Organisers'
pages are reached by signing in with an account made in a fixture.
"""

import email.message
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, got_request_exception, url_for
from playwright.sync_api import Page, sync_playwright
from werkzeug.serving import make_server

import symposium
from symposium import demo
from symposium.accounts.service import create_organiser
from symposium.extensions import db
from symposium.mail.delivery import BatchResult, deliver_due
from symposium.registration.models import Registration
from symposium.registration.tokens import make_manage_token
from tests.conftest import Inbox, free_port
from tests.e2e.pages import ORGANISER_WORDS, WORDS, OrganiserWords, Words

PROJECT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 375, "height": 740},
    "narrow": {"width": 320, "height": 640},  # also what 1280 px at 400 % zoom leaves
}
LOCALES = {"nl": "nl-NL", "en": "en-GB"}


# -- finding the browser ----------------------------------------------------------------


def _chromium() -> str | None:
    """SYMPOSIUM_CHROMIUM if set, else Debian's /usr/bin/chromium, else one on PATH."""
    chosen = os.environ.get("SYMPOSIUM_CHROMIUM")
    candidates = [chosen] if chosen else ["/usr/bin/chromium", "chromium", "chromium-browser"]
    for candidate in candidates:
        found = shutil.which(candidate)
        if found:
            return found
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("SYMPOSIUM_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (SYMPOSIUM_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    chromium = _chromium()
    if chromium is None:
        _unavailable("no Chromium found: apt-get install chromium (or set SYMPOSIUM_CHROMIUM)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


# -- the translations the site will speak -----------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def compiled_translations() -> None:
    """Compile catalogues that are missing or older than their .po, as `make install` does."""
    for po in PROJECT.glob("translations/*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalogue = read_po(source)
        partial = mo.with_suffix(f".mo.{os.getpid()}")
        with partial.open("wb") as target:
            write_mo(target, catalogue)
        partial.replace(mo)


# -- the site under test ----------------------------------------------------------------


def _site_app(directory: Path) -> Flask:
    return symposium.create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory / 'e2e.sqlite'}", "SECRET_KEY": "test"},
        instance_path=directory / "instance",
    )


@dataclass(frozen=True)
class DemoTemplate:
    """A folder with a database built from the migrations, the demo loaded, and the
    demo's files in its instance folder: each site starts from a copy."""

    directory: Path
    upcoming_edition: str


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> DemoTemplate:
    """Migrations and the demo once per test process, instead of once per journey."""
    directory = tmp_path_factory.mktemp("demo-template")
    app = _site_app(directory)
    with app.app_context():
        flask_migrate.upgrade()
        created = demo.load()
        db.session.remove()
        db.engine.dispose()  # the last connection folds SQLite's log into the file
    upcoming = next(slug for slug in created if slug != "2019")
    return DemoTemplate(directory, upcoming)


def _whole_answers(app: Flask):
    """The app with each answer read into memory before it is sent.

    When a browser drops a connection (a favicon request cut off by the next page), the
    development server's clean-up fails before it closes the answer, and a static file stays
    open until the garbage collector warns about it in whichever test runs then.
    """

    def wsgi(environ, start_response):
        answer = app(environ, start_response)
        try:
            return [b"".join(answer)]
        finally:
            if hasattr(answer, "close"):
                answer.close()

    return wsgi


class LiveSite:
    """Symposium on a free loopback port, with its own copy of the demo's database and files."""

    def __init__(self, directory: Path, template: DemoTemplate):
        shutil.copytree(template.directory, directory, dirs_exist_ok=True)
        self.app = _site_app(directory)
        self.past_edition = "2019"
        self.upcoming_edition = template.upcoming_edition
        self.crashes: list[BaseException] = []
        got_request_exception.connect(self._crashed, self.app, weak=False)
        self._server = make_server("127.0.0.1", 0, _whole_answers(self.app), threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self.app.config["BASE_URL"] = self.url  # links in mail written outside a request
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def _crashed(self, _sender, exception: BaseException, **_extra) -> None:
        self.crashes.append(exception)

    def manage_path(self, email: str) -> str:
        """The personal link of a registration, as its confirmation mail would carry it."""
        with self.app.test_request_context():
            registration = db.session.scalars(
                sa.select(Registration).where(Registration.email_key == email.lower())
            ).one()
            token = make_manage_token(
                self.app.secret_key, registration.id, registration.manage_secret
            )
            return url_for("registration.manage", token=token)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
        with self.app.app_context():
            db.engine.dispose()


def _serve(directory: Path, template: DemoTemplate) -> Iterator[LiveSite]:
    site = LiveSite(directory, template)
    try:
        yield site
    finally:
        site.stop()
    assert not site.crashes, f"the server failed while serving pages: {site.crashes!r}"


@pytest.fixture
def site(tmp_path, demo_template) -> Iterator[LiveSite]:
    """A fresh site for one journey: the demo's seat counts, nobody else's sign-ups."""
    yield from _serve(tmp_path, demo_template)


@pytest.fixture(scope="module")
def shared_site(tmp_path_factory, demo_template) -> Iterator[LiveSite]:
    """One site for a module of tests that only look (or add what they need)."""
    yield from _serve(tmp_path_factory.mktemp("site"), demo_template)


# -- mail -------------------------------------------------------------------------------


class Mailbox:
    """A real SMTP server on loopback that a site's mail is delivered to, as the worker does."""

    def __init__(self, site: LiveSite):
        self.site = site
        self.inbox = Inbox(free_port())

    def deliver(self) -> BatchResult:
        """Send what is due now, in the server's own app, and wait until it has arrived."""
        with self.site.app.app_context():
            result = deliver_due()
        assert result.retried == result.failed == 0, f"mail was not delivered: {result}"
        return result

    def to(self, address: str, subject: str | None = None) -> list[email.message.EmailMessage]:
        """What arrived for an address, oldest first; only with this subject, if given."""
        return [
            message
            for message in self.inbox.to(address)
            if subject is None or message["Subject"] == subject
        ]


@pytest.fixture
def mailbox(site) -> Iterator[Mailbox]:
    """The fresh site's mail goes to an aiosmtpd server on a free loopback port."""
    box = Mailbox(site)
    box.inbox.start()
    site.app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=box.inbox.port)
    yield box
    box.inbox.stop()


# -- organisers -------------------------------------------------------------------------


@dataclass(frozen=True)
class Organiser:
    email: str
    password: str
    name: str


ORGANISER = Organiser("ilse.organisator@example.org", "Zeven-zoute-zeeuwen-77", "Ilse Ağaoğlu")


def _add_organiser(site: LiveSite) -> Organiser:
    with site.app.app_context():
        create_organiser(ORGANISER.email, ORGANISER.name, ORGANISER.password)
    return ORGANISER


@pytest.fixture
def organiser(site) -> Organiser:
    """An organiser's account on the fresh site."""
    return _add_organiser(site)


@pytest.fixture(scope="module")
def shared_organiser(shared_site) -> Organiser:
    """An organiser's account on the module's shared site."""
    return _add_organiser(shared_site)


@pytest.fixture
def organiser_words(language) -> OrganiserWords:
    return ORGANISER_WORDS[language]


# -- the visitor's side -----------------------------------------------------------------


@pytest.fixture(params=["nl", "en"])
def language(request) -> str:
    return request.param


@pytest.fixture
def words(language) -> Words:
    return WORDS[language]


@pytest.fixture
def open_page(browser, language) -> Iterator[Callable[..., Page]]:
    """Open a fresh browser (own cookies) on a site, in the test's language.

    `open_page(site, viewport="phone", javascript=False)` returns a Playwright page. The
    test fails when the server crashed behind any page it showed, even a friendly one.
    """
    contexts = []
    sites: list[LiveSite] = []

    def open_(site: LiveSite, viewport: str = "desktop", javascript: bool = True) -> Page:
        context = browser.new_context(
            base_url=site.url,
            locale=LOCALES[language],
            viewport=VIEWPORTS[viewport],
            java_script_enabled=javascript,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        sites.append(site)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()
    crashes = [crash for site in sites for crash in site.crashes]
    for site in sites:
        site.crashes.clear()
    if crashes:
        pytest.fail(f"the server failed while serving pages: {crashes!r}", pytrace=False)
