"""Security headers on every answer, secrets in production, and rate limits on the doors
that anyone can knock on: sign-up (form and API), "send my link", and both sign-ins."""

import io
import re
from pathlib import Path

import flask
import pytest
import sqlalchemy as sa

from symposium import create_app
from symposium.extensions import db
from symposium.mail.models import OutboxMessage
from symposium.registration.models import Registration
from symposium.registration.personal import manage_token
from symposium.security import content_security_policy
from symposium.speakers import service as speakers
from tests import test_speakers
from tests.conftest import _fresh_request_globals, build_app
from tests.test_api import body
from tests.test_organiser import csrf_for, sign_in, text
from tests.test_sign_up_pages import form_for
from tests.test_speakers import pdf_bytes

cast = test_speakers.cast
file_store = test_speakers.file_store
organiser = test_speakers.organiser

ROOT = Path(__file__).resolve().parent.parent


def _app(url: str, **settings):
    app = build_app(url, **settings)
    flask.request_started.connect(_fresh_request_globals, app)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def limited(sqlite_url):
    """Rate limits on, whatever the environment says."""
    yield from _app(sqlite_url, RATELIMIT_ENABLED=True)


@pytest.fixture
def limited_on_both(database_url):
    yield from _app(database_url, RATELIMIT_ENABLED=True)


@pytest.fixture
def switched_off(sqlite_url, monkeypatch):
    """Rate limits off as an operator switches them off: SYMPOSIUM_RATELIMIT_ENABLED=false."""
    monkeypatch.setenv("SYMPOSIUM_RATELIMIT_ENABLED", "false")
    yield from _app(sqlite_url)


@pytest.fixture
def app_under_test(request):
    """The factories (make_edition, cast...) work in whichever app the test asked for."""
    for name in ("limited", "limited_on_both", "switched_off", "app", "sqlite_app"):
        if name in request.fixturenames:
            return request.getfixturevalue(name)
    return request.getfixturevalue("sqlite_app")


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    parts = [part.strip() for part in policy.split(";") if part.strip()]
    return {part.split()[0]: part.partition(" ")[2] for part in parts}


# -- headers -----------------------------------------------------------------------------


def test_every_page_gets_a_strict_policy_and_the_other_headers(sqlite_app, make_edition):
    edition = make_edition()
    client = sqlite_app.test_client()

    for url in ("/", f"/{edition.slug}/", f"/{edition.slug}/register", "/sign-in", "/nope"):
        response = client.get(url, follow_redirects=True)
        policy = directives(response)
        assert policy["script-src"] == "'self'", url
        assert policy["style-src"] == "'self'", url
        assert policy["frame-ancestors"] == "'self'", url
        assert policy["object-src"] == "'none'" and policy["base-uri"] == "'self'", url
        assert "unsafe-inline" not in response.headers["Content-Security-Policy"], url
        assert response.headers["X-Content-Type-Options"] == "nosniff", url
        assert response.headers["Referrer-Policy"] == "same-origin", url
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN", url
        # Plain HTTP at an http:// address: no HSTS.
        assert "Strict-Transport-Security" not in response.headers, url


def test_https_gets_hsts(sqlite_app):
    response = sqlite_app.test_client().get("/privacy", base_url="https://localhost")

    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


@pytest.fixture
def https_address(sqlite_url):
    """Served over plain HTTP behind a TLS proxy that this app does not know about."""
    yield from _app(sqlite_url, BASE_URL="https://symposium.example.nl")


def test_an_https_base_url_gets_hsts_even_when_the_request_looks_plain(https_address):
    response = https_address.test_client().get("/privacy")

    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_pages_that_set_their_own_headers_keep_them(sqlite_app, cast, sign_up):
    """Downloads stay sandboxed, the calendar keeps no-referrer, the embed its frame list."""
    registration = sign_up(cast.edition, 1, {cast.mine.round_id: cast.mine.id})
    material = speakers.add_material(
        cast.mine.id,
        speakers.MaterialData("slides", "public"),
        speakers.Upload(io.BytesIO(pdf_bytes()), "dias.pdf"),
        cast.me,
    )
    client = sqlite_app.test_client()
    edition = cast.edition.slug

    with client.get(f"/{edition}/sessions/{cast.mine.slug}/materials/{material.id}") as download:
        assert download.status_code == 200
        policy = download.headers["Content-Security-Policy"]
    calendar = client.get(f"/r/{manage_token(registration)}/calendar.ics")
    embed = client.get(f"/{edition}/embed")

    assert policy.startswith("default-src 'none'; sandbox")
    assert "script-src" not in policy  # nothing of the page policy loosens it
    assert calendar.headers["Referrer-Policy"] == "no-referrer"
    embed_policy = directives(embed)
    assert embed_policy["default-src"] == "'none'" and embed_policy["form-action"] == "'none'"
    assert embed_policy["frame-ancestors"] == "'self'"  # SYMPOSIUM_EMBED_FRAME_ANCESTORS
    assert embed.headers["X-Content-Type-Options"] == "nosniff"


def test_only_the_outbox_preview_may_style_inline(sqlite_app, organiser, sign_up, make_edition):
    """Mail needs style attributes; the sandboxed frame that shows it takes the page's policy."""
    sign_up(make_edition(), 1)
    message_id = db.session.scalar(sa.select(OutboxMessage.id))
    client = sqlite_app.test_client()
    sign_in(client)

    preview = client.get(f"/organiser/outbox/{message_id}")
    listing = client.get("/organiser/outbox")

    assert preview.status_code == 200 and 'sandbox srcdoc="' in preview.get_data(as_text=True)
    assert directives(preview)["style-src"] == "'self' 'unsafe-inline'"
    assert directives(preview)["script-src"] == "'self'"
    assert directives(listing)["style-src"] == "'self'"


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|<[^>]*\sstyle\s*=", re.IGNORECASE)


def is_page(name: str, source: str) -> bool:
    """Mail and the PDFs' sources (WeasyPrint) are never shown under the site's policy."""
    if name.startswith("templates/mail/"):
        return False
    return not name.startswith("templates/documents/") or '{% extends "base.html" %}' in source


def test_no_template_has_inline_script_or_style():
    """What the policy would block: inline scripts, on*= handlers, javascript: links, and
    style blocks or attributes."""
    problems = []
    for path in sorted((ROOT / "templates").rglob("*.html")) + sorted(
        (ROOT / "static").rglob("*.html")
    ):
        source = path.read_text()
        name = str(path.relative_to(ROOT))
        for pattern in (INLINE_SCRIPT, HANDLER, JS_URL):
            problems += [f"{name}: {found}" for found in pattern.findall(source)]
        if is_page(name, source):
            problems += [f"{name}: {found}" for found in INLINE_STYLE.findall(source)]

    assert problems == [], "move scripts to static/js/ and styles to static/css/"
    # The patterns do find what they look for.
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/js/x.js" defer></script>')
    assert HANDLER.search('<button type="button" onclick="go()">')
    assert JS_URL.search('<a href="javascript:go()">')
    assert INLINE_STYLE.search('<p style="color:red">')


def test_pdfs_shown_in_the_browser_get_only_a_frame_policy():
    """Chrome shows a PDF in an <embed> of its own, which object-src 'none' would block."""
    assert content_security_policy("", "documents.badges", "application/pdf") == (
        "frame-ancestors 'self'"
    )
    assert "object-src 'none'" in content_security_policy("", "program.index", "text/html")


# -- secrets -----------------------------------------------------------------------------


def test_production_takes_its_secret_key_from_the_environment_only(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMPOSIUM_PRODUCTION", "true")
    monkeypatch.delenv("SYMPOSIUM_SECRET_KEY", raising=False)
    # A development key left in the instance folder is not used in production.
    (tmp_path / "secret_key").write_text("made-for-development")
    settings = {"SQLALCHEMY_DATABASE_URI": "sqlite://"}

    with pytest.raises(RuntimeError, match="SYMPOSIUM_SECRET_KEY is not set"):
        create_app(settings, tmp_path)
    monkeypatch.setenv("SYMPOSIUM_SECRET_KEY", "")
    with pytest.raises(RuntimeError, match="SYMPOSIUM_SECRET_KEY is not set"):
        create_app(settings, tmp_path)
    monkeypatch.setenv("SYMPOSIUM_SECRET_KEY", "k" * 48)
    assert create_app(settings, tmp_path).secret_key == "k" * 48


# -- rate limits -------------------------------------------------------------------------


def test_an_office_signs_up_its_team_from_one_address_until_the_limit(
    limited_on_both, make_edition
):
    """Sixty sign-ups a minute from one address, through the form and the API together."""
    edition = make_edition(capacity=100)
    client = limited_on_both.test_client()
    url = f"/{edition.slug}/register"
    api = f"/api/v1/editions/{edition.slug}/registrations"
    no_choices = {str(r.id): None for r in edition.rounds}

    answers = [
        client.post(url, data=form_for(client, edition, email=f"form{n}@example.org")).status_code
        for n in range(30)
    ] + [
        client.post(
            api, json=body(edition, email=f"api{n}@example.org", choices=no_choices)
        ).status_code
        for n in range(30)
    ]
    page = client.post(url, data=form_for(client, edition, email="one-too-many@example.org"))
    json = client.post(api, json=body(edition, email="api-too-many@example.org"))

    assert answers == [302] * 30 + [201] * 30
    assert page.status_code == 429 and json.status_code == 429
    assert "Te veel pogingen" in text(page) and "Wacht een minuut" in text(page)
    assert json.get_json() == {
        "error": "Too Many Requests",
        "message": "Wacht een minuut en probeer het opnieuw.",
    }
    assert int(json.headers["Retry-After"]) > 0
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 60
    # Another edition open at the same time has counts of its own.
    other = make_edition()
    again = client.post(
        f"/{other.slug}/register", data=form_for(client, other, email="next@example.org")
    )
    assert again.status_code == 302


def _sign_up_form(client, edition):
    return form_for(client, edition, email="", consent="")  # refused, but it counts


def _link_form(client, edition):
    return {"csrf_token": csrf_for(client), "email": "someone@example.org"}


def _sign_in_form(client, edition):
    return {"csrf_token": csrf_for(client), "email": "org@example.org", "password": "wrong"}


DOORS = {
    "sign-up form": ("/{slug}/register", 60, _sign_up_form),
    "send my link": ("/{slug}/link", 30, _link_form),
    "organiser sign-in": ("/sign-in", 10, _sign_in_form),
    "speaker sign-in": ("/speaker/sign-in", 10, _link_form),
}


@pytest.mark.parametrize("door", DOORS)
def test_each_door_answers_429_in_the_visitors_language_past_its_limit(limited, make_edition, door):
    path, limit, form = DOORS[door]
    edition = make_edition()
    client = limited.test_client()
    url = path.format(slug=edition.slug)
    data = form(client, edition)

    answers = {client.post(url, data=data).status_code for _ in range(limit)}
    dutch = client.post(url, data=data)
    english = client.post(url, data=data, headers={"Accept-Language": "en"})

    assert 429 not in answers
    assert dutch.status_code == 429 and english.status_code == 429
    assert "Te veel pogingen" in text(dutch)
    assert "Too many attempts" in text(english) and "Wait a minute" in text(english)
    assert '<html lang="en">' in english.get_data(as_text=True)


def test_the_api_says_too_many_in_json(limited, make_edition):
    edition = make_edition()
    client = limited.test_client()
    url = f"/api/v1/editions/{edition.slug}/registrations"

    for _ in range(60):
        client.post(url, json={})
    response = client.post(url, json={}, headers={"Accept-Language": "en"})

    assert response.status_code == 429 and response.is_json
    assert response.get_json()["message"] == "Wait a minute and try again."


@pytest.mark.parametrize("door", DOORS)
def test_switched_off_no_door_is_ever_closed(switched_off, make_edition, door):
    path, limit, form = DOORS[door]
    edition = make_edition()
    client = switched_off.test_client()
    url = path.format(slug=edition.slug)
    data = form(client, edition)

    answers = {client.post(url, data=data).status_code for _ in range(limit + 5)}

    assert 429 not in answers and answers <= {200, 302}


@pytest.fixture
def behind_a_proxy(sqlite_url):
    yield from _app(sqlite_url, RATELIMIT_ENABLED=True, TRUSTED_PROXIES=1)


def test_behind_a_trusted_proxy_limits_count_per_visitor_not_per_proxy(behind_a_proxy):
    client = behind_a_proxy.test_client()
    data = _sign_in_form(client, None)

    def post(address, proto="http"):
        headers = {"X-Forwarded-For": address, "X-Forwarded-Proto": proto}
        if proto == "https":  # Flask-WTF wants a Referer from this site over HTTPS
            headers["Referer"] = "https://localhost/sign-in"
        return client.post("/sign-in", data=data, headers=headers)

    first = [post("203.0.113.5").status_code for _ in range(11)]
    second = post("198.51.100.7", proto="https")

    assert first[:10] == [200] * 10 and first[10] == 429
    assert second.status_code == 200
    assert second.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_without_a_trusted_proxy_a_forwarded_address_changes_nothing(limited):
    client = limited.test_client()
    data = _sign_in_form(client, None)

    answers = [
        client.post("/sign-in", data=data, headers={"X-Forwarded-For": f"192.0.2.{n}"})
        for n in range(11)
    ]

    assert [a.status_code for a in answers][-1] == 429
