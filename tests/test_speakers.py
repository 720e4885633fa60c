"""Speakers: invited by mail, signed in by link, acting on their own sessions only; the
summary from draft to published and mailed to the attendees."""

import io
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from itsdangerous.timed import TimestampSigner

from symposium.accounts import service as accounts
from symposium.accounts.models import Role, User
from symposium.audit.service import Actor
from symposium.demo import demo_pdf
from symposium.extensions import db
from symposium.mail import delivery, lookups
from symposium.mail.models import OutboxMessage
from symposium.program.models import Person, Session, SummaryStatus
from symposium.registration.models import Registration
from symposium.speakers import service
from symposium.speakers.models import Material, SignInLink
from tests.test_organiser import PASSWORD, csrf_for, sign_in, text

ACTOR = Actor(None, "test@example.org")


@pytest.fixture(autouse=True)
def file_store(request, tmp_path):
    """Uploaded files go to the test's own folder."""
    folder = tmp_path / "materials"
    for name in ("app", "sqlite_app"):
        if name in request.fixturenames:
            request.getfixturevalue(name).config["MATERIALS_FOLDER"] = str(folder)
    return folder


@pytest.fixture
def organiser(app_under_test):
    return accounts.create_organiser("org@example.org", "Olga Organiser", PASSWORD)


@pytest.fixture
def organiser_client(app_under_test, organiser):
    client = app_under_test.test_client()
    assert sign_in(client).status_code == 302
    return client


@dataclass
class Cast:
    """Two speakers, each with a breakout session of their own, in one edition."""

    edition: object
    mine: Session
    theirs: Session
    me: User
    them: User
    my_person: Person
    their_person: Person


@pytest.fixture
def cast(app_under_test, make_edition) -> Cast:
    edition = make_edition()
    mine, theirs = edition.rounds[0].sessions[0], edition.rounds[0].sessions[1]
    ana = Person(name="Ana de Spreker", affiliation="Hogeschool Utrecht", email="Ana@Example.org")
    bo = Person(name="Bo van Praat", affiliation="Werkplaats Noord", email="bo@example.org")
    mine.speakers = [ana]
    theirs.speakers = [bo]
    db.session.commit()
    me = service.invite(ana.id, "nl", ACTOR)
    them = service.invite(bo.id, "nl", ACTOR)
    return Cast(edition, mine, theirs, me, them, ana, bo)


def as_user(client, user: User):
    """A client signed in as `user`, as Flask-Login keeps it."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client


def post(client, url: str, **fields):
    return client.post(url, data={"csrf_token": csrf_for(client), **fields})


def delivered(inbox, key_prefix: str) -> list:
    db.session.rollback()
    lookups.resolve_due()  # the worker's step before delivering
    delivery.deliver_due(batch_size=500)
    return [m for m in inbox.messages if m["X-Symposium-Key"].startswith(key_prefix)]


def plain(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_part(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def link_in(message) -> str:
    """The path of the sign-in link in a mail."""
    found = re.search(r"https?://\S+/speaker/sign-in/\S+", plain(message))
    return urlsplit(found.group(0)).path


def fresh(model, id_):
    db.session.rollback()
    return db.session.get(model, id_)


def pdf_bytes() -> bytes:
    return demo_pdf("Dia's", ["Een regel"])


# -- getting in ------------------------------------------------------------------------


def test_an_invited_speaker_signs_in_from_the_mailed_link(
    app, organiser_client, make_edition, smtp_server
):
    edition = make_edition()
    session = edition.rounds[0].sessions[0]
    person = Person(name="Dr. Ana de Spreker", email="ana@example.org")
    session.speakers = [person]
    db.session.commit()

    response = post(organiser_client, f"/organiser/people/{person.id}/invite", locale="nl")
    assert "De uitnodiging aan ana@example.org staat in het postvak uit." in text(
        organiser_client.get(response.location)
    )

    (mail,) = delivered(smtp_server, "speaker-invitation:")
    assert mail["To"] == "ana@example.org"
    assert mail["Subject"] == f"Je sprekerspagina voor {edition.title}"
    assert "Workshop 1.1" in plain(mail) and "7 dagen, één keer" in plain(mail)
    assert "/speaker/sign-in/" in html_part(mail)
    assert plain(mail).startswith("Beste Ana,")  # by first name, like every other mail

    speaker = app.test_client()
    path = link_in(mail)
    page = speaker.get(path)
    assert page.status_code == 200 and "Welkom, Dr. Ana de Spreker" in text(page)
    assert db.session.scalar(sa.select(SignInLink.used_at)) is None  # opening is not using

    signed_in = post(speaker, path)
    assert signed_in.location == "/speaker/"
    assert "Workshop 1.1" in text(speaker.get("/speaker/"))
    account = db.session.scalar(sa.select(User).where(User.email == "ana@example.org"))
    assert account.role == Role.speaker and account.person_id == person.id
    assert account.password_hash is None


def test_a_sign_in_link_works_once(app, cast, smtp_server):
    (mail,) = [m for m in delivered(smtp_server, "speaker-invitation:") if "ana" in m["To"]]
    path = link_in(mail)

    first = app.test_client()
    assert post(first, path).status_code == 302
    again = post(app.test_client(), path)
    opened_again = app.test_client().get(path)

    assert again.status_code == 400 and opened_again.status_code == 400
    assert "Deze inloglink is al gebruikt" in text(again)
    assert app.test_client().get("/speaker/").status_code == 302


def test_the_same_link_spent_twice_at_once_lets_one_sign_in_through(app, cast):
    link = db.session.scalar(sa.select(SignInLink).where(SignInLink.user_id == cast.me.id))
    token = service.link_token(link)

    service.use_link(token)
    with pytest.raises(service.LinkRefused):
        service.use_link(token)


def test_ten_tabs_opening_the_same_link_at_once_sign_in_once(app, cast):
    link = db.session.scalar(sa.select(SignInLink).where(SignInLink.user_id == cast.me.id))
    token = service.link_token(link)
    start = threading.Barrier(10)

    def use(_number: int) -> str:
        with app.app_context():
            start.wait()
            try:
                service.use_link(token)
            except service.LinkRefused:
                return "refused"
            return "signed in"

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(use, range(10)))

    assert results.count("signed in") == 1 and results.count("refused") == 9


def test_an_expired_link_is_refused(app, cast, smtp_server, monkeypatch):
    # The link was written eight days ago ...
    eight_days_ago = int((datetime.now(UTC) - timedelta(days=8)).timestamp())
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: eight_days_ago)
    mails = delivered(smtp_server, "speaker-invitation:")
    monkeypatch.undo()

    response = app.test_client().get(link_in(mails[0]))

    assert response.status_code == 400
    assert "Deze inloglink is verlopen: links werken 7 dagen." in text(response)


def test_a_link_older_than_seven_days_in_the_database_is_refused(app, cast):
    link = db.session.scalar(sa.select(SignInLink).where(SignInLink.user_id == cast.me.id))
    link.created_at = datetime.now(UTC) - timedelta(days=7, minutes=1)
    db.session.commit()

    with pytest.raises(service.LinkRefused, match=r"verlopen|expired"):
        service.use_link(service.link_token(link))


def _with_signature_changed(token: str) -> str:
    """The signature's first character changed: always other bytes (its last characters
    may carry padding bits only, or may happen to be what a fixed edit writes)."""
    start = token.rindex(".") + 1
    other = "A" if token[start] != "A" else "B"
    return token[:start] + other + token[start + 1 :]


@pytest.mark.parametrize(
    "tampered",
    ["", "nonsense", "WzEsIm5vbmNlIl0.Zk0.invalid"],
)
def test_a_tampered_link_is_refused(sqlite_app, cast, tampered):
    link = db.session.scalar(sa.select(SignInLink).where(SignInLink.user_id == cast.me.id))
    token = tampered or _with_signature_changed(service.link_token(link))

    response = post(sqlite_app.test_client(), f"/speaker/sign-in/{token}")

    assert response.status_code == 400
    assert "Deze inloglink werkt niet" in text(response)


def test_a_link_needs_the_signature_not_just_the_nonce(sqlite_app, cast):
    link = db.session.scalar(sa.select(SignInLink).where(SignInLink.user_id == cast.me.id))
    forged = service.URLSafeTimedSerializer("another-key", salt="symposium.speaker-sign-in")

    response = sqlite_app.test_client().get(
        f"/speaker/sign-in/{forged.dumps([cast.me.id, link.nonce])}"
    )

    assert response.status_code == 400


def test_using_a_link_retires_the_older_ones(app, cast):
    older = db.session.scalar(sa.select(SignInLink).where(SignInLink.user_id == cast.me.id))
    service.request_link("ana@example.org", "nl")
    lookups.resolve_due()
    newer = db.session.scalars(
        sa.select(SignInLink).where(SignInLink.user_id == cast.me.id).order_by(SignInLink.id.desc())
    ).first()

    service.use_link(service.link_token(newer))

    with pytest.raises(service.LinkRefused):
        service.use_link(service.link_token(older))


def test_asking_for_a_link_answers_the_same_for_anyone(app, cast, smtp_server):
    client = app.test_client()
    delivered(smtp_server, "speaker-invitation:")

    known = post(client, "/speaker/sign-in", email=" ANA@example.org ")
    known_page = text(client.get(known.location))
    unknown = post(client, "/speaker/sign-in", email="nobody@example.org")
    unknown_page = text(client.get(unknown.location))
    organiser = post(client, "/speaker/sign-in", email="org@example.org")

    message = "Als dit adres van een spreker is, is er een mail met een inloglink onderweg."
    assert message in known_page and message in unknown_page
    assert known.status_code == unknown.status_code == organiser.status_code == 302
    mails = delivered(smtp_server, "speaker-sign-in:")
    assert [m["To"] for m in mails] == ["ana@example.org"]
    assert mails[0]["Subject"] == "Je inloglink voor de sprekerspagina's"
    assert post(app.test_client(), link_in(mails[0])).location == "/speaker/"


def test_a_double_click_sends_one_link(app, cast, smtp_server):
    now = datetime(2026, 3, 2, 10, 1, tzinfo=UTC)
    service.request_link("ana@example.org", "nl", now)
    service.request_link("ana@example.org", "nl", now + timedelta(minutes=1))

    assert len(delivered(smtp_server, "speaker-sign-in:")) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("no_email", "Vul eerst een e-mailadres in voor deze spreker."),
        ("no_session", "Koppel deze spreker eerst aan een sessie"),
        ("organiser_address", "Dit adres is van een organisator"),
        ("address_taken", "Een andere spreker, Ana de Spreker, logt al in met dit adres."),
    ],
)
def test_an_invitation_that_cannot_go_says_why_and_sends_nothing(
    sqlite_app, cast, organiser, organiser_client, change, message
):
    person = Person(name="Carla Nieuw", email="carla@example.org")
    db.session.add(person)
    cast.mine.speakers.append(person)
    if change == "no_email":
        person.email = None
    elif change == "no_session":
        cast.mine.speakers.remove(person)
    elif change == "organiser_address":
        person.email = "ORG@example.org"
    else:
        person.email = "ana@example.org"
    db.session.commit()
    before = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))

    response = post(organiser_client, f"/organiser/people/{person.id}/invite", locale="nl")

    assert message in text(organiser_client.get(response.location))
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == before
    assert db.session.scalar(sa.select(User).where(User.person_id == person.id)) is None


def test_an_invitation_is_written_in_the_language_chosen(app, cast, smtp_server):
    service.invite(cast.their_person.id, "en", ACTOR)

    mails = [
        m for m in delivered(smtp_server, "speaker-invitation:") if m["To"] == "bo@example.org"
    ]

    assert mails[-1]["Subject"] == f"Your speaker's page for {cast.edition.title}"
    assert "Sign in with this link. It works for 7 days, once:" in plain(mails[-1])


# -- the speaker area ------------------------------------------------------------------


def test_a_speaker_sees_their_sessions_with_seats_and_waiting_list(
    app, cast, sign_up, make_edition
):
    session = cast.mine
    for number in range(3):
        sign_up(cast.edition, number, {session.round_id: session.id}, organisation=f"Org {number}")
    client = as_user(app.test_client(), cast.me)

    overview = text(client.get("/speaker/"))
    page = text(client.get(f"/speaker/sessions/{session.id}"))

    assert "Workshop 1.1" in overview and "3 van 10" in overview
    assert "Workshop 1.2" not in overview  # Bo's session
    assert "3 van 10" in page and "0 personen" in page and "Room 1" in page
    assert "De organisatoren hebben de namen van de deelnemers" in page
    assert "Person0" not in page


def test_attendees_names_show_when_the_edition_allows_it_never_their_addresses(
    app, cast, sign_up, organiser, organiser_client
):
    session = cast.mine
    sign_up(cast.edition, 1, {session.round_id: session.id}, organisation="Gemeente Zeist")
    sign_up(cast.edition, 2)  # no seat in this session
    post(organiser_client, f"/organiser/{cast.edition.slug}/speakers/attendees", visible="y")

    page = text(as_user(app.test_client(), cast.me).get(f"/speaker/sessions/{session.id}"))

    assert "Person1 Tester" in page and "Gemeente Zeist" in page
    assert "Person2" not in page
    assert "@" not in page.split("Wie er komt")[1].split("Verslag")[0]
    assert "person1@example.org" not in page


def test_a_speaker_signs_out_to_the_speakers_sign_in_page(sqlite_app, cast):
    client = as_user(sqlite_app.test_client(), cast.me)
    assert client.get("/speaker/").status_code == 200
    assert client.get("/organiser/").status_code == 403

    response = post(client, "/sign-out")

    assert response.location == "/speaker/sign-in"
    assert client.get("/speaker/").status_code == 302


def test_anonymous_people_are_sent_to_ask_for_a_link(sqlite_app, cast):
    client = sqlite_app.test_client()
    rules = [
        r
        for r in sqlite_app.url_map.iter_rules()
        if r.rule.startswith("/speaker") and not r.rule.startswith("/speaker/sign-in")
    ]
    values = {"session_id": cast.mine.id, "material_id": 1}

    for rule in rules:
        url = rule.build({k: values[k] for k in rule.arguments})[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": csrf_for(client)} if method == "POST" else None
            response = client.open(url, method=method, data=data)
            assert response.status_code == 302, (method, url)
            assert response.location == "/speaker/sign-in"


def _walk(app, client, values: dict) -> dict[tuple[str, str], int]:
    """Every speaker route that acts on a session, each method: its status code."""
    rules = [
        r
        for r in app.url_map.iter_rules()
        if r.rule.startswith("/speaker") and "session_id" in r.arguments
    ]
    assert len(rules) >= 6
    answers = {}
    for rule in rules:
        url = rule.build({k: values[k] for k in rule.arguments})[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": csrf_for(client)} if method == "POST" else None
            with client.open(url, method=method, data=data) as response:
                answers[(method, url)] = response.status_code
    return answers


def _their_material(cast) -> Material:
    return service.add_material(
        cast.theirs.id,
        service.MaterialData("slides", "organisers"),
        service.Upload(io.BytesIO(pdf_bytes()), "bo.pdf"),
        cast.them,
    )


def test_a_speaker_gets_403_on_another_speakers_session_for_every_speaker_route(app, cast):
    material = _their_material(cast)
    service.save_summary(cast.theirs.id, "Bo's draft", submit=False, by=cast.them)
    client = as_user(app.test_client(), cast.me)

    answers = _walk(app, client, {"session_id": cast.theirs.id, "material_id": material.id})

    assert set(answers.values()) == {403}, answers
    assert fresh(Material, material.id) is not None
    assert fresh(Session, cast.theirs.id).summary == "Bo's draft"


def test_a_speaker_can_use_every_route_on_their_own_session(sqlite_app, cast):
    material = service.add_material(
        cast.mine.id,
        service.MaterialData("slides", "public"),
        service.Upload(io.BytesIO(pdf_bytes()), "ana.pdf"),
        cast.me,
    )
    client = as_user(sqlite_app.test_client(), cast.me)

    answers = _walk(sqlite_app, client, {"session_id": cast.mine.id, "material_id": material.id})

    assert set(answers.values()) <= {200, 302}, answers


def test_an_organiser_can_do_all_a_speaker_can_on_any_session(
    sqlite_app, cast, organiser, organiser_client
):
    material = _their_material(cast)

    answers = _walk(
        sqlite_app, organiser_client, {"session_id": cast.theirs.id, "material_id": material.id}
    )

    assert set(answers.values()) <= {200, 302}, answers
    assert "Alle sessies" in text(organiser_client.get("/speaker/"))


def test_a_note_taker_writes_the_summary_but_leaves_the_materials_to_the_speakers(
    sqlite_app, cast, organiser, organiser_client
):
    taker = Person(name="Nora Notulist", email="nora@example.org")
    db.session.add(taker)
    db.session.commit()
    post(
        organiser_client,
        f"/organiser/{cast.edition.slug}/sessions/{cast.mine.id}/note-taker",
        person_id=str(taker.id),
    )
    account = service.invite(taker.id, "nl", ACTOR)
    client = as_user(sqlite_app.test_client(), account)

    assert "Workshop 1.1" in text(client.get("/speaker/"))
    written = post(
        client,
        f"/speaker/sessions/{cast.mine.id}/summary",
        summary="## Wat is er besproken?\n\nVeel.",
        action="submit",
    )
    upload = client.post(
        f"/speaker/sessions/{cast.mine.id}/materials",
        data={"csrf_token": csrf_for(client), "file": (io.BytesIO(pdf_bytes()), "n.pdf")},
    )

    assert written.status_code == 302
    assert fresh(Session, cast.mine.id).summary_status == SummaryStatus.submitted
    assert upload.status_code == 403


# -- summaries -------------------------------------------------------------------------


def test_writing_previewing_and_handing_in_a_summary(app, cast):
    client = as_user(app.test_client(), cast.me)
    url = f"/speaker/sessions/{cast.mine.id}/summary"

    start = client.get(url).get_data(as_text=True)
    preview = post(client, url, summary="## Signalen\n\n- **Schulden** groeien", action="preview")
    saved = post(client, url, summary="## Signalen\n\n- Schulden groeien", action="save")

    assert "## Wat is er besproken" in start and "## Signalen uit de praktijk" in start
    assert "<h3>Signalen</h3>" in preview.get_data(as_text=True)
    assert "<strong>Schulden</strong>" in preview.get_data(as_text=True)
    assert fresh(Session, cast.mine.id).summary_status == SummaryStatus.draft
    assert saved.status_code == 302

    empty = post(client, url, summary="## Wat is er besproken?\n\n## Signalen", action="submit")
    assert "Schrijf het verslag voordat je het inlevert." in text(empty)
    assert fresh(Session, cast.mine.id).summary_status == SummaryStatus.draft

    post(client, url, summary="## Signalen\n\n- Schulden groeien", action="submit")
    assert fresh(Session, cast.mine.id).summary_status == SummaryStatus.submitted
    locked = post(client, url, summary="Stiekem anders", action="save")
    assert "kan hier niet meer worden gewijzigd" in text(client.get(url))
    assert locked.status_code == 200
    assert fresh(Session, cast.mine.id).summary == "## Signalen\n\n- Schulden groeien"


def test_an_organiser_sends_a_summary_back_with_a_remark(app, cast, organiser, organiser_client):
    service.save_summary(cast.mine.id, "Kort verslag", submit=True, by=cast.me)
    base = f"/organiser/{cast.edition.slug}/sessions/{cast.mine.id}/summary"

    no_remark = post(organiser_client, f"{base}/return", remark="  ")
    returned = post(organiser_client, f"{base}/return", remark="Graag de afspraken erbij.")

    assert "Schrijf wat er moet veranderen." in text(no_remark)
    assert returned.status_code == 302
    session = fresh(Session, cast.mine.id)
    assert session.summary_status == SummaryStatus.draft
    page = text(as_user(app.test_client(), cast.me).get(f"/speaker/sessions/{session.id}"))
    assert "Graag de afspraken erbij." in page
    service.save_summary(session.id, "Kort verslag met afspraken", submit=True, by=cast.me)
    assert fresh(Session, session.id).summary_remark == ""


def test_publishing_mails_each_attendee_once_with_the_session_and_its_materials(
    app, cast, sign_up, organiser, organiser_client, smtp_server
):
    session = cast.mine
    sign_up(cast.edition, 1, {session.round_id: session.id}, first_name="Fenna")
    sign_up(cast.edition, 2, {session.round_id: session.id}, locale="en", first_name="Finn")
    sign_up(cast.edition, 3)  # elsewhere
    service.add_material(
        session.id,
        service.MaterialData("slides", "public"),
        service.Upload(io.BytesIO(pdf_bytes()), "dia's.pdf"),
        cast.me,
    )
    service.save_summary(session.id, "## Afspraken\n\nWe gaan door.", submit=True, by=cast.me)
    base = f"/organiser/{cast.edition.slug}/sessions/{session.id}/summary"

    # The session is still to come: publishing asks to confirm that first.
    refused = post(organiser_client, f"{base}/publish", send="y")
    assert "Deze sessie heeft nog niet plaatsgevonden." in text(
        organiser_client.get(refused.location)
    )
    assert fresh(Session, session.id).summary_status == SummaryStatus.submitted
    response = post(organiser_client, f"{base}/publish", send="y", early="y")
    assert "2 deelnemers krijgen het per mail." in text(organiser_client.get(response.location))
    again = post(organiser_client, f"{base}/send")
    assert "al naar de deelnemers gestuurd" in text(organiser_client.get(again.location))
    mails = delivered(smtp_server, "summary:")
    assert sorted(m["To"] for m in mails) == ["person1@example.org", "person2@example.org"]
    dutch = next(m for m in mails if m["To"] == "person1@example.org")
    english = next(m for m in mails if m["To"] == "person2@example.org")
    assert dutch["Subject"] == "Verslag van Workshop 1.1"
    assert english["Subject"] == "Summary of Workshop 1.1"
    assert "Beste Fenna" in plain(dutch) and "We gaan door." in plain(dutch)
    assert "<h3>Afspraken</h3>" in html_part(dutch)
    session_url = f"/{cast.edition.slug}/sessions/{session.slug}"
    assert session_url in plain(dutch)
    material_url = re.search(rf"http\S+{session_url}/materials/\d+", plain(english)).group(0)

    reader = app.test_client()
    page = text(reader.get(session_url))
    assert "Verslag" in page and "We gaan door." in page
    with reader.get(urlsplit(material_url).path) as download:
        assert download.status_code == 200 and download.data == pdf_bytes()


def test_a_summary_withdrawn_before_its_mail_went_out_sends_nothing(
    app, cast, sign_up, smtp_server
):
    session = cast.mine
    sign_up(cast.edition, 1, {session.round_id: session.id})
    service.save_summary(session.id, "Tekst", submit=True, by=cast.me)
    service.publish_summary(session.id, send=True, actor=ACTOR, early=True)
    service.return_summary(session.id, "Toch nog niet.", ACTOR)

    assert delivered(smtp_server, "summary:") == []
    assert "Tekst" not in text(
        app.test_client().get(f"/{cast.edition.slug}/sessions/{session.slug}")
    )


SCRIPTS = (
    "<script>alert('x')</script>\n\n"
    '<img src=x onerror="alert(1)">\n\n'
    "[klik](javascript:alert(1)) en [ook](JaVaScRiPt:alert(2)) "
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)\n\n"
    '<a href="javascript:alert(3)" onclick="alert(4)">link</a>\n\n'
    "<iframe src=//evil.example></iframe><svg onload=alert(5)>\n\n"
    "[goed](https://example.org) en **vet**"
)


class Tags(HTMLParser):
    """Every tag of a piece of HTML with its attributes: what a browser would act on."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_a_summary_full_of_script_is_made_harmless(app, cast, organiser, organiser_client):
    client = as_user(app.test_client(), cast.me)
    url = f"/speaker/sessions/{cast.mine.id}/summary"

    preview = post(client, url, summary=SCRIPTS, action="preview").get_data(as_text=True)
    post(client, url, summary=SCRIPTS, action="submit")
    service.publish_summary(cast.mine.id, send=False, actor=ACTOR, early=True)
    page = app.test_client().get(f"/{cast.edition.slug}/sessions/{cast.mine.slug}")
    published = page.get_data(as_text=True)

    assert "Je tekst bevat HTML. Die wordt niet gebruikt" in unescape(preview)
    for summary in (
        preview.split('id="preview-title"')[1].split("</section>")[0],
        published.split('id="summary-title"')[1].split("</section>")[0],
    ):
        tags = Tags(summary).tags
        assert {tag for tag, _ in tags} <= {"h2", "p", "a", "strong", "em"}, tags
        attributes = [(name, value) for _, attrs in tags for name, value in attrs.items()]
        assert not [name for name, _ in attributes if name.startswith("on")]
        hrefs = [value for name, value in attributes if name == "href"]
        assert hrefs == ["https://example.org"]
        assert "&lt;script&gt;alert" in summary  # shown as text, never run
        assert "<strong>vet</strong>" in summary


@pytest.mark.parametrize(
    ("summary", "message"),
    [
        ("Tekst met een NUL\x00", "Haal de stuurtekens uit het verslag."),
        ("x" * 50_001, "Gebruik maximaal 50000 tekens."),
    ],
)
def test_a_summary_that_cannot_be_kept_says_why_and_keeps_the_old_text(
    sqlite_app, cast, summary, message
):
    service.save_summary(cast.mine.id, "Oud", submit=False, by=cast.me)
    client = as_user(sqlite_app.test_client(), cast.me)

    response = post(client, f"/speaker/sessions/{cast.mine.id}/summary", summary=summary)

    assert message in text(response)
    assert fresh(Session, cast.mine.id).summary == "Oud"


def test_published_summaries_are_listed_for_the_booklet(app, cast):
    service.save_summary(cast.theirs.id, "Bo", submit=True, by=cast.them)
    service.save_summary(cast.mine.id, "Ana", submit=True, by=cast.me)
    service.publish_summary(cast.mine.id, send=False, actor=ACTOR, early=True)

    assert [s.summary for s in service.published_summaries(cast.edition)] == ["Ana"]


def test_publishing_needs_something_written(sqlite_app, cast, organiser, organiser_client):
    response = post(
        organiser_client,
        f"/organiser/{cast.edition.slug}/sessions/{cast.mine.id}/summary/publish",
        send="y",
    )

    assert "Er is nog geen verslag om te publiceren." in text(
        organiser_client.get(response.location)
    )
    assert fresh(Session, cast.mine.id).summary_status == SummaryStatus.draft


# -- profile ---------------------------------------------------------------------------

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa75\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_a_speaker_shows_their_profile_on_the_session_page(sqlite_app, cast, file_store):
    client = as_user(sqlite_app.test_client(), cast.me)

    response = client.post(
        "/speaker/profile",
        data={
            "csrf_token": csrf_for(client),
            "name": "Ana de Spreker",
            "affiliation": "Lector, Hogeschool Utrecht",
            "bio": "Ana onderzoekt buurtteams.",
            "photo": (io.BytesIO(PNG), "ana.svg", "image/svg+xml"),
        },
    )
    page = sqlite_app.test_client().get(f"/{cast.edition.slug}/sessions/{cast.mine.slug}")
    photo_url = re.search(r'src="(/people/\d+/photo[^"]*)"', page.get_data(as_text=True))
    with sqlite_app.test_client().get(photo_url.group(1).replace("&amp;", "&")) as photo:
        photo_data = photo.data

    assert response.status_code == 302
    assert "Ana onderzoekt buurtteams." in text(page) and "Lector, Hogeschool Utrecht" in text(page)
    assert photo.status_code == 200 and photo_data == PNG
    assert photo.mimetype == "image/png" and photo.headers["X-Content-Type-Options"] == "nosniff"


def test_a_photo_that_is_not_an_image_is_refused(sqlite_app, cast, file_store):
    client = as_user(sqlite_app.test_client(), cast.me)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'

    response = client.post(
        "/speaker/profile",
        data={
            "csrf_token": csrf_for(client),
            "name": "Ana",
            "photo": (io.BytesIO(svg), "ana.png", "image/png"),
        },
    )

    assert "“ana.png” kan niet worden gebruikt" in text(response)
    assert "PNG, JPEG" in text(response)
    assert fresh(Person, cast.my_person.id).photo_sha256 is None
    assert fresh(Person, cast.my_person.id).name == "Ana de Spreker"
    assert not any(p.is_file() for p in file_store.rglob("*"))


# -- the whole journey, in both languages ----------------------------------------------

JOURNEY = {
    "nl": {
        "invitation": "Je sprekerspagina voor",
        "welcome": "Welkom, Ana de Spreker",
        "uploaded": "“dias ana.pdf” is geüpload.",
        "handed_in": "Het verslag is ingeleverd.",
        "published": "Het verslag is gepubliceerd. 1 deelnemer krijgt het per mail.",
        "summary_mail": "Verslag van Workshop 1.1",
        "summary_heading": "Verslag",
        "materials": "Dia's en hand-outs",
    },
    "en": {
        "invitation": "Your speaker's page for",
        "welcome": "Welcome, Ana de Spreker",
        "uploaded": "“dias ana.pdf” is uploaded.",
        "handed_in": "The summary is handed in.",
        "published": "The summary is published. 1 attendee gets it by mail.",
        "summary_mail": "Summary of Workshop 1.1",
        "summary_heading": "Summary",
        "materials": "Slides and hand-outs",
    },
}


@pytest.mark.parametrize("language", ["nl", "en"])
def test_from_invitation_to_an_attendee_downloading_the_slides(
    app, organiser, make_edition, sign_up, smtp_server, language
):
    words = JOURNEY[language]
    edition = make_edition()
    session = edition.rounds[0].sessions[0]
    ana = Person(name="Ana de Spreker", email="ana@example.org")
    session.speakers = [ana]
    db.session.commit()
    attendee = sign_up(edition, 1, {session.round_id: session.id}, locale=language)
    organiser_client = app.test_client()
    sign_in(organiser_client)
    organiser_client.get(f"/organiser/?lang={language}")

    # The organiser invites Ana; she signs in from the mail.
    post(organiser_client, f"/organiser/people/{ana.id}/invite", locale=language)
    (invitation,) = delivered(smtp_server, "speaker-invitation:")
    assert invitation["Subject"].startswith(words["invitation"])
    speaker = app.test_client()
    speaker.get(f"/speaker/sign-in?lang={language}")
    assert words["welcome"] in text(speaker.get(link_in(invitation)))
    post(speaker, link_in(invitation))

    # She uploads her slides and hands in the summary.
    uploaded = speaker.post(
        f"/speaker/sessions/{session.id}/materials",
        data={
            "csrf_token": csrf_for(speaker),
            "file": (io.BytesIO(pdf_bytes()), "dias ana.pdf"),
            "kind": "slides",
            "visibility": "public",
        },
    )
    assert words["uploaded"] in text(speaker.get(uploaded.location))
    handed_in = post(
        speaker,
        f"/speaker/sessions/{session.id}/summary",
        summary="## Afspraken\n\nDe werkplaats gaat verder met het thema.",
        action="submit",
    )
    assert words["handed_in"] in text(speaker.get(handed_in.location))

    # The organiser publishes it and mails it to the attendees.
    (handed_in_mail,) = delivered(smtp_server, "summary_submitted:")
    assert handed_in_mail["To"] == "org@example.org"
    assert handed_in_mail["Subject"] == "Verslag ingeleverd: Workshop 1.1"  # her language
    assert f"/organiser/{edition.slug}/sessions/{session.id}/summary" in plain(handed_in_mail)

    # The organiser publishes it before the session, confirming that, and mails it.
    published = post(
        organiser_client,
        f"/organiser/{edition.slug}/sessions/{session.id}/summary/publish",
        send="y",
        early="y",
    )
    assert words["published"] in text(organiser_client.get(published.location))
    (mail,) = delivered(smtp_server, "summary:")
    assert mail["To"] == attendee.email and mail["Subject"] == words["summary_mail"]

    # The attendee reads it on the session page and downloads the slides.
    reader = app.test_client()
    page_url = re.search(r"http\S+/sessions/workshop-1-1\b", plain(mail)).group(0)
    page = reader.get(f"{urlsplit(page_url).path}?lang={language}")
    assert words["summary_heading"] in text(page) and words["materials"] in text(page)
    assert "De werkplaats gaat verder met het thema." in text(page)
    href = re.search(r'href="([^"]+/materials/\d+)"', page.get_data(as_text=True)).group(1)
    with reader.get(href) as slides:
        assert slides.status_code == 200 and slides.data == pdf_bytes()
        assert slides.headers["Content-Disposition"] == 'attachment; filename="dias ana.pdf"'
    assert db.session.scalar(sa.select(Registration.id)) == attendee.id


# -- the demo --------------------------------------------------------------------------


def test_the_demos_2019_edition_shows_what_an_edition_looks_like_afterwards(sqlite_app, file_store):
    from symposium import demo

    demo.load(today=datetime(2026, 11, 28).date())
    client = sqlite_app.test_client()

    published = db.session.scalars(
        sa.select(Session.slug).where(Session.summary_status == SummaryStatus.published)
    ).all()
    assert "politiserende-kracht" in published and len(published) >= 2
    for slug in published:
        page = client.get(f"/2019/sessions/{slug}")
        html = page.get_data(as_text=True)
        assert "Verslag" in text(page) and "Signalen uit de praktijk" in text(page)
        href = re.search(r'href="(/2019/sessions/[^"]+/materials/\d+)"', html).group(1)
        with client.get(href) as download:
            pdf = download.data
            assert download.mimetype == "application/pdf"
        assert_a_well_formed_pdf(pdf)


def assert_a_well_formed_pdf(pdf: bytes) -> None:
    """Each cross-reference entry points at its object, and startxref at the table."""
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    startxref = int(pdf.rsplit(b"startxref", 1)[1].split()[0])
    assert pdf[startxref:].startswith(b"xref")
    table = pdf[startxref:].split(b"trailer")[0].splitlines()[3:]
    for number, entry in enumerate(table, start=1):
        offset = int(entry.split()[0])
        assert pdf[offset:].startswith(b"%d 0 obj" % number)
    length = int(re.search(rb"/Length (\d+)", pdf).group(1))
    stream = pdf.split(b"stream\n", 1)[1]
    assert stream[length:].startswith(b"\nendstream")


def test_a_summary_sent_back_reaches_its_writers_by_mail_with_the_remark(
    app, cast, organiser, smtp_server
):
    session = cast.mine
    service.save_summary(session.id, "Kort.", submit=True, by=cast.me)

    service.return_summary(session.id, "Graag de afspraken erbij.\nEn de namen.", ACTOR)

    (mail,) = delivered(smtp_server, "summary_returned:")
    assert mail["To"] == "ana@example.org" and "Workshop 1.1" in mail["Subject"]
    assert "Beste Ana de Spreker" in plain(mail)
    assert "Graag de afspraken erbij.\r\nEn de namen." in plain(mail)
    assert f"/speaker/sessions/{session.id}/summary" in plain(mail)
    assert delivered(smtp_server, "summary_submitted:")[0]["To"] == "org@example.org"
