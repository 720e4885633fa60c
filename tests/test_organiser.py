"""The organisers' area: accounts, access by role, the outbox and mail-outs."""

import re
from html import unescape

import pytest
import sqlalchemy as sa
from flask_wtf.csrf import generate_csrf

from symposium.accounts import service as accounts
from symposium.accounts.models import Role, User
from symposium.accreditation import service as accreditation_service
from symposium.audit.service import Actor
from symposium.documents import service as documents
from symposium.documents.models import DocumentKind
from symposium.extensions import db
from symposium.mail import delivery
from symposium.mail.models import Mailout, MessageStatus, OutboxMessage
from symposium.program.models import Room
from symposium.registration import questions, service
from symposium.registration.personal import checkin_code
from symposium.signals.models import AgendaItem, Signal
from tests.conftest import person
from tests.evaluation_values import evaluation_values
from tests.test_orders import an_invoiced_group

PASSWORD = "lange-zin-met-koffie-42"


def text(response) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


@pytest.fixture
def organiser(app_under_test):
    return accounts.create_organiser("Org@Example.org", "Olga Organiser", PASSWORD)


def csrf_for(client) -> str:
    with client:
        client.get("/sign-in")
        return generate_csrf()


def sign_in(client, email="org@example.org", password=PASSWORD):
    return client.post(
        "/sign-in", data={"csrf_token": csrf_for(client), "email": email, "password": password}
    )


@pytest.fixture
def organiser_client(sqlite_app, organiser):
    client = sqlite_app.test_client()
    assert sign_in(client).status_code == 302
    return client


def test_create_organiser_asks_twice_and_refuses_weak_passwords(sqlite_app):
    runner = sqlite_app.test_cli_runner()

    weak = runner.invoke(args=["create-organiser", "a@example.org"], input="kort\nkort\n")
    strong = runner.invoke(
        args=["create-organiser", "a@example.org"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )

    assert weak.exit_code != 0 and "12" in weak.output
    assert strong.exit_code == 0, strong.output
    user = db.session.scalar(sa.select(User))
    assert user.role == Role.organiser and user.password_hash.startswith("scrypt:")


def test_unknown_address_and_wrong_password_get_the_same_answer(sqlite_app, organiser):
    client = sqlite_app.test_client()

    wrong_password = text(sign_in(client, password="niet-het-wachtwoord"))
    unknown = text(sign_in(client, email="nobody@example.org"))

    message = "Het e-mailadres of wachtwoord klopt niet."
    assert message in wrong_password and message in unknown
    assert client.get("/organiser/").status_code == 302


def test_signing_in_and_out(sqlite_app, organiser):
    client = sqlite_app.test_client()

    response = sign_in(client)

    assert response.location == "/organiser/"
    assert "Organisatoren" in text(client.get("/organiser/"))
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    client.post("/sign-out", data={"csrf_token": csrf_for(client)})
    assert client.get("/organiser/").status_code == 302


def test_sign_in_is_rate_limited(sqlite_app, organiser):
    client = sqlite_app.test_client()
    answers = [sign_in(client, password="fout").status_code for _ in range(11)]

    assert answers[:10] == [200] * 10
    assert answers[10] == 429


def example_values(
    edition, registration, mailout_id, message_id, question_id, user_id, job_id=None
) -> dict:
    """A real value for every kind of URL argument an organiser route may take."""
    round_ = edition.rounds[0]
    session = round_.sessions[0]
    choice = registration.choices[0]
    room = Room(edition_id=edition.id, name="Zaal 9", capacity=30)
    db.session.add(room)
    signal = Signal(edition_id=edition.id, session_id=session.id, text="Signaal", status="approved")
    item = AgendaItem(title="Vraag voor de regio", signals=[signal])
    db.session.add(item)
    db.session.commit()
    accreditation = accreditation_service.create(
        edition.id,
        accreditation_service.AccreditationDraft(register="registerplein", items={session.id: ""}),
        Actor(None, "o@x.org"),
    )
    return {
        "accreditation_id": accreditation.id,
        "kind": "paste",
        "room_id": room.id,
        "signal_id": signal.id,
        "item_id": item.id,
        "slug": edition.slug,
        "edition_id": edition.id,
        "round_id": round_.id,
        "session_id": session.id,
        "session_slug": session.slug,
        "person_id": session.speakers[0].id,
        "registration_id": registration.id,
        "choice_id": choice.id,
        "code": checkin_code(registration),
        "mailout_id": mailout_id,
        "message_id": message_id,
        "question_id": question_id,
        "user_id": user_id,
        "job_id": job_id,
        **evaluation_values(edition),
        **an_invoiced_group(edition),
    }


@pytest.mark.parametrize("who", ["anonymous", "speaker", "organiser"])
def test_every_organiser_route_is_for_organisers_only(
    sqlite_app, make_edition, organiser, who, tmp_path
):
    edition = make_edition()
    first = edition.rounds[0].sessions[0]
    registration = service.register(edition.id, person(1, {first.round_id: first.id}))
    message_id = db.session.scalar(sa.select(OutboxMessage.id))
    mailout = Mailout(edition_id=edition.id, subject="S", body="B", segment="confirmed")
    db.session.add(mailout)
    if who == "speaker":
        db.session.add(User(email="speaker@example.org", role=Role.speaker))
    db.session.commit()
    client = sqlite_app.test_client()
    if who == "organiser":
        sign_in(client)
    elif who == "speaker":
        with client.session_transaction() as session:
            speaker = db.session.scalar(sa.select(User).where(User.role == Role.speaker))
            session["_user_id"] = speaker.get_id()
            session["_fresh"] = True
    question = questions.add(
        edition.id, questions.QuestionDraft(label="Lunch?", kind="yes_no"), Actor(None, "o@x.org")
    )
    sqlite_app.config["DOCUMENTS_FOLDER"] = str(tmp_path)
    job = documents.request_document(edition, DocumentKind.badge_sheets)
    documents.run_pending()
    values = example_values(
        edition, registration, mailout.id, message_id, question.id, organiser.id, job.id
    )
    rules = [r for r in sqlite_app.url_map.iter_rules() if r.rule.startswith("/organiser")]
    assert len(rules) >= 6

    for rule in rules:
        url = rule.build({k: values[k] for k in rule.arguments})[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": csrf_for(client)} if method == "POST" else None
            response = client.open(url, method=method, data=data)
            expected = {"anonymous": {302}, "speaker": {403}, "organiser": {200, 302}}[who]
            assert response.status_code in expected, (who, method, url, response.status_code)
            if who == "anonymous":
                assert response.location.startswith("/sign-in?next=")


def test_the_outbox_shows_each_message_and_retries_failed_ones(
    sqlite_app, organiser_client, make_edition
):
    edition = make_edition()
    service.register(edition.id, person(1, first_name="Fenna"))
    db.session.execute(
        sa.update(OutboxMessage).values(
            status=MessageStatus.failed, attempts=8, last_error="550 mailbox unavailable"
        )
    )
    db.session.commit()
    message = db.session.scalar(sa.select(OutboxMessage))

    listing = text(organiser_client.get("/organiser/outbox?status=failed"))
    page = organiser_client.get(f"/organiser/outbox/{message.id}").get_data(as_text=True)

    assert "person1@example.org" in listing and "550 mailbox unavailable" in listing
    assert "Beste Fenna" in unescape(page) and "srcdoc=" in page and "sandbox" in page
    organiser_client.post(
        f"/organiser/outbox/{message.id}/retry", data={"csrf_token": csrf_for(organiser_client)}
    )
    db.session.rollback()
    assert db.session.get(OutboxMessage, message.id).status == MessageStatus.queued


def mailout_form(client, **fields):
    return {
        "csrf_token": csrf_for(client),
        "subject": "Praktische informatie voor {voornaam}",
        "body": "Hallo {first_name},\n\nNeem **je badge** mee. Je link: {manage_link}",
        "segment": "confirmed",
        "session_id": "",
        "action": "preview",
        **fields,
    }


def test_a_mailout_is_previewed_then_sent_to_each_person_once(
    sqlite_app, organiser_client, make_edition, smtp_server
):
    edition = make_edition()
    for number in range(3):
        service.register(edition.id, person(number, first_name=f"Naam{number}"))
    url = f"/organiser/{edition.slug}/mailouts/new"

    preview = text(organiser_client.post(url, data=mailout_form(organiser_client)))
    assert "Voorbeeld voor Naam0 Tester" in preview
    assert "Hallo Naam0," in preview and "Verstuur naar 3 personen" in preview
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mailout)) == 0

    body = "Hallo {first_name},\n\nNeem **je badge** mee.\nJe link: {manage_link}"
    sent = organiser_client.post(url, data=mailout_form(organiser_client, action="send", body=body))
    progress = text(organiser_client.get(sent.location))
    assert "0 van 3 verstuurd" in progress

    delivery.deliver_due()
    assert "3 van 3 verstuurd" in text(organiser_client.get(sent.location))
    mailouts = [m for m in smtp_server.messages if m["Subject"].startswith("Praktische")]
    assert sorted(m["Subject"] for m in mailouts) == [
        f"Praktische informatie voor Naam{n}" for n in range(3)
    ]
    html = mailouts[0].get_body(preferencelist=("html",)).get_content()
    assert "<strong>je badge</strong>" in html and 'href="http://127.0.0.1:5000/r/' in html
    assert "mee.<br" in html  # a single line break stays one
    assert ">Je aanmelding bekijken of wijzigen</a>" in html  # the link as a button
    plain = mailouts[0].get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    assert plain.startswith("Hallo Naam") and ",\n\nNeem **je badge** mee.\nJe link: " in plain


@pytest.mark.parametrize(
    ("fields", "field_message"),
    [
        ({"body": "Hallo {naam}"}, "Onbekende plaatshouder: {naam}"),
        ({"body": "Klik <script>alert(1)</script>"}, "HTML en scripts zijn niet toegestaan"),
        ({"segment": "checked_in"}, "Niemand zit in deze groep"),
        ({"subject": ""}, "Vul een onderwerp in"),
        ({"subject": "Hallo\r\nBcc: iedereen@example.org"}, "Houd het onderwerp op één regel"),
        ({"body": "Hallo\x00"}, "Haal de stuurtekens uit het bericht"),
    ],
)
def test_a_mailout_with_a_problem_says_so_and_sends_nothing(
    sqlite_app, organiser_client, make_edition, fields, field_message
):
    edition = make_edition()
    service.register(edition.id, person(1))
    before = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))

    response = organiser_client.post(
        f"/organiser/{edition.slug}/mailouts/new",
        data=mailout_form(organiser_client, action="send", **fields),
    )

    assert field_message in text(response)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mailout)) == 0


def test_organisers_add_and_switch_off_accounts(sqlite_app, organiser_client):
    url = "/organiser/accounts"
    weak = organiser_client.post(
        url,
        data={
            "csrf_token": csrf_for(organiser_client),
            "email": "nieuw@example.org",
            "password": "kort",
            "password_again": "kort",
        },
    )
    assert "Gebruik minstens 12 tekens" in text(weak)
    assert 'value="nieuw@example.org"' in weak.get_data(as_text=True)

    organiser_client.post(
        url,
        data={
            "csrf_token": csrf_for(organiser_client),
            "email": "nieuw@example.org",
            "name": "Nina",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    )
    newcomer = sqlite_app.test_client()
    assert sign_in(newcomer, "nieuw@example.org").status_code == 302

    nina = db.session.scalar(sa.select(User).where(User.email == "nieuw@example.org"))
    organiser_client.post(
        f"{url}/{nina.id}/active", data={"csrf_token": csrf_for(organiser_client), "active": "0"}
    )
    assert newcomer.get("/organiser/").status_code == 302  # signed out at once
    assert "klopt niet" in text(sign_in(sqlite_app.test_client(), "nieuw@example.org"))

    me = db.session.scalar(sa.select(User).where(User.email == "org@example.org"))
    organiser_client.post(
        f"{url}/{me.id}/active", data={"csrf_token": csrf_for(organiser_client), "active": "0"}
    )
    db.session.rollback()
    assert db.session.get(User, me.id).active
    assert "account.create" in text(organiser_client.get("/organiser/audit"))
