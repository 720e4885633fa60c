"""Organiser accounts that hold: sessions end on the server, strong passwords, resets."""

import pytest

from symposium.accounts import service as accounts
from symposium.audit.service import Actor
from tests.test_organiser import PASSWORD, csrf_for, sign_in

EXPORT = "/organiser/{slug}/registrations.csv"


@pytest.fixture
def organiser(app_under_test):
    return accounts.create_organiser("org@example.org", "Olga Organiser", PASSWORD)


def copy_of(client, app):
    """Another browser with the same session cookie, as someone who copied it would have."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_a_cookie_copied_before_sign_out_opens_nothing_after(app, organiser, make_edition):
    edition = make_edition()
    client = app.test_client()
    assert sign_in(client).status_code == 302
    thief = copy_of(client, app)
    assert thief.get("/organiser/").status_code == 200
    assert thief.get(EXPORT.format(slug=edition.slug)).status_code == 200

    client.post("/sign-out", data={"csrf_token": csrf_for(client)})

    assert thief.get("/organiser/").status_code == 302
    export = thief.get(EXPORT.format(slug=edition.slug))
    assert export.status_code == 302 and export.location.startswith("/sign-in")
    assert sign_in(client).status_code == 302  # signing in again works
    assert client.get("/organiser/").status_code == 200


def test_switching_an_account_off_ends_its_sessions_for_good(sqlite_app, organiser):
    other = accounts.create_organiser("two@example.org", "Tom", PASSWORD)
    client = sqlite_app.test_client()
    assert sign_in(client, "two@example.org").status_code == 302
    thief = copy_of(client, sqlite_app)
    actor = Actor(organiser.id, organiser.email)

    accounts.set_active(other.id, False, actor)
    accounts.set_active(other.id, True, actor)

    assert client.get("/organiser/").status_code == 302
    assert thief.get("/organiser/").status_code == 302
