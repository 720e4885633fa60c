"""Organiser accounts that hold: sessions end on the server, strong passwords, resets."""

from datetime import datetime

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


@pytest.mark.parametrize(
    "weak", ["Password123!", "symposium2027", "welkom123456", "Zomer2026!!!", "123456789012"]
)
def test_common_passwords_are_refused(sqlite_app, weak):
    with pytest.raises(accounts.AccountError) as refused:
        accounts.create_organiser("new@example.org", "New", weak)

    assert refused.value.field == "password"


def change(client, current, new, again=None):
    return client.post(
        "/organiser/password",
        data={
            "csrf_token": csrf_for(client),
            "current_password": current,
            "password": new,
            "password_again": new if again is None else again,
        },
    )


NEW_PASSWORD = "een-nieuwe-zin-over-thee-7"


def test_changing_the_password_keeps_this_session_and_ends_the_others(app, organiser, make_edition):
    client = app.test_client()
    sign_in(client)
    thief = copy_of(client, app)

    wrong = change(client, "not it at all", NEW_PASSWORD)
    weak = change(client, PASSWORD, "Password123!")
    changed = change(client, PASSWORD, NEW_PASSWORD)

    assert "Het huidige wachtwoord klopt niet" in wrong.get_data(as_text=True)
    assert "te makkelijk te raden" in weak.get_data(as_text=True)
    assert changed.status_code == 302
    assert client.get("/organiser/").status_code == 200
    assert thief.get("/organiser/").status_code == 302
    assert accounts.authenticate("org@example.org", NEW_PASSWORD) is not None
    assert accounts.authenticate("org@example.org", PASSWORD) is None
    assert "account.password_change" in audit_actions()


def audit_actions() -> list[str]:
    import sqlalchemy as sa

    from symposium.audit.models import AuditEntry
    from symposium.extensions import db

    db.session.rollback()
    return list(db.session.scalars(sa.select(AuditEntry.action)))


def ask_for_reset(client, email):
    return client.post("/sign-in/forgot", data={"csrf_token": csrf_for(client), "email": email})


def test_a_mailed_link_resets_the_password_once_and_ends_every_session(app, organiser, smtp_server):
    import re

    from symposium.mail import delivery

    signed_in = app.test_client()
    sign_in(signed_in)
    client = app.test_client()

    asked = ask_for_reset(client, "Org@Example.org")
    ask_for_reset(client, "nobody@example.org")
    delivery.deliver_due()

    assert asked.status_code == 302
    [mail] = smtp_server.messages
    assert mail["To"] == "org@example.org"
    link = re.search(
        r"http://127\.0\.0\.1:5000(/sign-in/reset/\S+)", mail.get_body(("plain",)).get_content()
    )
    path = link.group(1)
    assert "Kies een nieuw wachtwoord" in client.get(path).get_data(as_text=True)
    done = client.post(
        path,
        data={
            "csrf_token": csrf_for(client),
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )
    assert done.status_code == 302
    assert accounts.authenticate("org@example.org", NEW_PASSWORD) is not None
    assert signed_in.get("/organiser/").status_code == 302
    assert "Deze link is verlopen of al gebruikt" in client.get(path).get_data(as_text=True)
    assert "account.password_reset" in audit_actions()


def test_a_reset_link_expires_after_an_hour(sqlite_app, organiser, smtp_server, monkeypatch):
    import re

    from symposium.accounts import passwords
    from symposium.mail import delivery

    client = sqlite_app.test_client()
    ask_for_reset(client, "org@example.org")
    delivery.deliver_due()
    [mail] = smtp_server.messages
    path = re.search(r"(/sign-in/reset/\S+)", mail.get_body(("plain",)).get_content()).group(1)
    monkeypatch.setattr(passwords, "RESET_LIFETIME", passwords.timedelta(seconds=-1))

    assert "Deze link is verlopen" in client.get(path).get_data(as_text=True)


def code_for(secret: str, steps_ahead: int = 0) -> str:
    import pyotp

    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(datetime.now()) + steps_ahead)


def test_a_second_factor_is_asked_after_the_password_once_it_is_on(sqlite_app, organiser):
    client = sqlite_app.test_client()
    sign_in(client)
    thief = copy_of(client, sqlite_app)
    page = client.get("/organiser/two-factor").get_data(as_text=True)
    assert 'src="/organiser/two-factor/qr.svg"' in page
    assert client.get("/organiser/two-factor/qr.svg").mimetype == "image/svg+xml"
    with client.session_transaction() as session:
        secret = session["totp_pending"]

    wrong = client.post(
        "/organiser/two-factor",
        data={"csrf_token": csrf_for(client), "action": "on", "code": "000000"},
    )
    on = client.post(
        "/organiser/two-factor",
        data={"csrf_token": csrf_for(client), "action": "on", "code": code_for(secret)},
    )

    assert "Deze code klopt niet" in wrong.get_data(as_text=True)
    assert on.status_code == 302
    assert client.get("/organiser/").status_code == 200
    assert thief.get("/organiser/").status_code == 302
    browser = sqlite_app.test_client()
    assert sign_in(browser).location.startswith("/sign-in/code")
    assert browser.get("/organiser/").status_code == 302  # the password alone opens nothing
    used = code_for(secret, 1)
    answer = browser.post("/sign-in/code", data={"csrf_token": csrf_for(browser), "code": used})
    assert answer.status_code == 302 and browser.get("/organiser/").status_code == 200
    again = sqlite_app.test_client()
    sign_in(again)
    replay = again.post("/sign-in/code", data={"csrf_token": csrf_for(again), "code": used})
    assert "Deze code klopt niet" in replay.get_data(as_text=True)  # a code works once
    assert {"account.two_factor_on"} <= set(audit_actions())


def test_a_second_factor_required_for_all_sends_others_to_set_one_up(sqlite_app, organiser):
    from symposium.accounts import two_factor

    other = accounts.create_organiser("two@example.org", "Tom", PASSWORD)
    secret = two_factor.new_secret()
    with pytest.raises(accounts.AccountError):
        two_factor.require_for_all(organiser.id, True)  # not without one's own
    two_factor.turn_on(organiser.id, secret, code_for(secret))
    two_factor.require_for_all(organiser.id, True)
    client = sqlite_app.test_client()
    sign_in(client, other.email)

    answer = client.get("/organiser/")

    assert answer.status_code == 302 and answer.location == "/organiser/two-factor"
    assert client.get("/organiser/two-factor").status_code == 200
    assert "account.two_factor_required" in audit_actions()
