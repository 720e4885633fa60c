"""Organisers build the program: editions, rounds, sessions, capacities and speakers."""

import re
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from symposium import program_editing as admin
from symposium.accounts import service as accounts
from symposium.audit.models import AuditEntry
from symposium.extensions import db
from symposium.mail import delivery
from symposium.program.models import Edition, EditionStatus, Person, Round, Session
from symposium.registration.models import Choice, ChoiceState, Registration
from tests.test_organiser import PASSWORD, csrf_for, sign_in, text

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def organiser(app_under_test):
    return accounts.create_organiser("org@example.org", "Olga Organiser", PASSWORD)


@pytest.fixture
def client(app_under_test, organiser):
    """An organiser, signed in, reading Dutch."""
    client = app_under_test.test_client()
    assert sign_in(client).status_code == 302
    return client


def post(client, url: str, **fields):
    return client.post(url, data={"csrf_token": csrf_for(client), **fields})


def fresh(model, id_):
    db.session.rollback()
    return db.session.get(model, id_)


def session_form(session: Session, **changes) -> dict:
    """The edit form of a session as the organiser sees it, with some fields changed."""
    return {**asdict(admin.session_values(session)), **changes}


def round_form(round_: Round, **changes) -> dict:
    return {**asdict(admin.round_values(round_)), **changes}


def audit_actions() -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def arrived(inbox, key_prefix: str) -> list:
    """What reached people's mailboxes, of one kind (by the start of its dedupe key)."""
    db.session.rollback()
    delivery.deliver_due(batch_size=500)
    return [m for m in inbox.messages if m["X-Symposium-Key"].startswith(key_prefix)]


def body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def local(moment: datetime) -> datetime:
    return moment.astimezone(AMSTERDAM).replace(tzinfo=None)


def field_html(page: str, name: str) -> str:
    """The tag of one input, select or textarea, by name."""
    return re.search(rf'<(?:input|select|textarea)[^>]*name="{name}"[^>]*>', page).group(0)


# -- editions --------------------------------------------------------------------------


def test_an_edition_is_made_as_a_draft_then_published_and_archived(app, client):
    response = post(
        client,
        "/organiser/editions/new",
        title="Samen werken aan de wijk",
        slug="",
        starts_on="2031-11-24",
        starts_time="09:30",
        ends_time="17:00",
        timezone="Europe/Amsterdam",
        venue="Utrecht",
        venue_capacity="250",
        registration_opens="2031-09-01T09:00",
        registration_closes="2031-11-20T23:59",
    )

    assert response.status_code == 302 and response.location == "/organiser/2031/program"
    db.session.rollback()
    edition = db.session.scalar(sa.select(Edition).where(Edition.slug == "2031"))
    assert edition.status == EditionStatus.draft
    assert local(edition.starts_at) == datetime(2031, 11, 24, 9, 30)
    assert local(edition.registration_closes_at) == datetime(2031, 11, 20, 23, 59)
    assert client.get("/2031/").status_code == 404

    post(client, "/organiser/2031/publish")
    assert "Samen werken aan de wijk" in text(client.get("/2031/"))
    post(client, "/organiser/2031/archive")
    assert fresh(Edition, edition.id).status == EditionStatus.archived
    assert audit_actions() == ["edition.create", "edition.publish", "edition.archive"]


def test_copying_an_edition_moves_every_date_to_the_same_weekday_a_year_on(
    app, client, make_edition, sign_up
):
    # Monday 11 October 2027, 10.00 summer time: the copy is on Monday 9 October 2028,
    # 52 weeks on (a year later would be a Wednesday), at the same wall-clock times.
    source = make_edition(starts=datetime(2027, 10, 11, 8, 0, tzinfo=UTC), slug="2027")
    first = source.rounds[0].sessions[0]
    for number in range(3):
        sign_up(source, number, {first.round_id: first.id})

    form = client.get("/organiser/2027/copy")
    assert 'value="2028"' in form.get_data(as_text=True)
    assert "van maandag 11 oktober 2027 naar maandag 9 oktober 2028" in text(form)
    response = post(client, "/organiser/2027/copy", title="Symposium 2028", slug="2028")

    assert response.status_code == 302
    db.session.rollback()
    copy = db.session.scalar(sa.select(Edition).where(Edition.slug == "2028"))
    source = db.session.get(Edition, source.id)
    assert copy.status == EditionStatus.draft and copy.registered == 0
    assert local(copy.starts_at) == datetime(2028, 10, 9, 10, 0)
    assert local(copy.starts_at).weekday() == local(source.starts_at).weekday() == 0
    weeks = timedelta(weeks=52)
    assert [(r.name, local(r.starts_at), local(r.ends_at)) for r in copy.rounds] == [
        (r.name, local(r.starts_at) + weeks, local(r.ends_at) + weeks) for r in source.rounds
    ]
    assert local(copy.registration_closes_at) == local(source.registration_closes_at) + weeks

    def described(edition):
        return sorted(
            (
                s.title,
                s.slug,
                s.kind,
                s.room,
                s.abstract,
                s.capacity,
                s.round.name if s.round else None,
                tuple(p.name for p in s.speakers),
                local(s.starts_at).time(),
                local(s.starts_at).weekday(),
            )
            for s in edition.sessions
        )

    assert described(copy) == described(source)
    assert {(s.taken, s.waiting) for s in copy.sessions} == {(0, 0)}
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(Registration.edition_id == copy.id)) == 0
    )
    program = text(client.get("/organiser/2028/program"))
    assert "maandag 9 oktober 2028" in program
    assert "2 rondes en 7 sessies, 52 weken later" in program  # what it moved, once
    assert audit_actions()[-1] == "edition.copy"


def test_a_copy_needs_a_free_web_address(sqlite_app, client, make_edition):
    make_edition(slug="2024")
    make_edition(slug="2025")

    response = post(client, "/organiser/2024/copy", title="Symposium 2025", slug="2025")

    page = text(response)
    assert re.search(r"<title>\s*Fout: ", response.get_data(as_text=True))
    assert "Er is een probleem" in page
    assert "Een andere editie gebruikt dit webadres al." in page
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Edition)) == 2


# -- capacities ------------------------------------------------------------------------


def test_a_capacity_below_the_seats_taken_is_refused_and_nothing_changes(
    app, client, make_edition, sign_up
):
    edition = make_edition(capacity=3)
    session = edition.rounds[0].sessions[0]
    for number in range(2):
        sign_up(edition, number, {session.round_id: session.id})
    url = f"/organiser/{edition.slug}/sessions/{session.id}/edit"

    response = post(client, url, **session_form(session, capacity="1", title="Nieuwe titel"))

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r"<title>\s*Fout: ", page)
    assert "Er zijn al 2 plaatsen bezet; de capaciteit kan niet lager zijn." in text(response)
    assert 'href="#capacity"' in page
    assert 'aria-invalid="true"' in field_html(page, "capacity")
    assert 'value="Nieuwe titel"' in field_html(page, "title")
    session = fresh(Session, session.id)
    assert (session.capacity, session.taken, session.title) == (3, 2, "Workshop 1.1")
    assert audit_actions() == []


def test_raising_a_capacity_gives_the_first_person_waiting_a_seat_and_a_mail(
    app, client, make_edition, sign_up, smtp_server
):
    edition = make_edition(capacity=1)
    session = edition.rounds[0].sessions[0]
    for number in range(3):
        sign_up(edition, number, {session.round_id: session.id})
    delivery.deliver_due()
    smtp_server.envelopes.clear()

    response = post(
        client,
        f"/organiser/{edition.slug}/sessions/{session.id}/edit",
        **session_form(session, capacity="2"),
    )

    assert response.status_code == 302
    session = fresh(Session, session.id)
    assert (session.capacity, session.taken, session.waiting) == (2, 2, 1)
    assert db.session.get(Edition, edition.id).program_version == 2
    delivery.deliver_due()
    [mail] = smtp_server.messages
    assert mail["To"] == "person1@example.org"
    assert mail["Subject"] == "Je hebt een plaats in Workshop 1.1"
    assert audit_actions() == ["session.capacity"]


# -- program changes and their mail ----------------------------------------------------


def test_a_new_room_mails_exactly_the_seat_holders_once(
    app, client, make_edition, sign_up, smtp_server
):
    edition = make_edition(capacity=2)
    session, other = edition.rounds[0].sessions[:2]
    for number in range(3):  # two seats, one waiting
        sign_up(edition, number, {session.round_id: session.id})
    sign_up(edition, 9, {other.round_id: other.id})
    url = f"/organiser/{edition.slug}/sessions/{session.id}/edit"

    post(client, url, **session_form(session, room="Aula"))
    post(client, url, **session_form(session, room="Aula"))  # a second save changes nothing
    post(client, url, **session_form(session, room="Aula", title="Andere titel"))

    messages = arrived(smtp_server, "program-change:")
    assert sorted(m["To"] for m in messages) == ["person0@example.org", "person1@example.org"]
    assert all("Zaal: Room 1 → Aula." in body(m) for m in messages)
    assert messages[0]["Subject"].startswith("Wijziging in het programma: ")
    assert audit_actions() == ["session.update", "session.update"]


def test_moving_a_round_moves_its_sessions_and_tells_their_people(
    app, client, make_edition, sign_up, smtp_server
):
    edition = make_edition(starts=datetime(2031, 11, 24, 8, 30, tzinfo=UTC))
    round_ = edition.rounds[0]
    first, second, _third = round_.sessions
    sign_up(edition, 1, {round_.id: first.id})
    sign_up(edition, 2, {round_.id: second.id})

    response = post(
        client,
        f"/organiser/{edition.slug}/rounds/{round_.id}/edit",
        **round_form(round_, starts_time="12:00", ends_time="13:15"),
    )

    assert response.status_code == 302
    db.session.rollback()
    round_ = db.session.get(Round, round_.id)
    assert {
        (local(s.starts_at).time().isoformat(), local(s.ends_at).hour) for s in round_.sessions
    } == {("12:00:00", 13)}
    messages = arrived(smtp_server, "program-change:")
    assert sorted(m["To"] for m in messages) == ["person1@example.org", "person2@example.org"]
    assert "Tijd: 11.30–12.30 uur → 12.00–13.15 uur." in body(messages[0])
    assert audit_actions().count("session.update") == 3


def test_a_round_is_added_and_an_empty_one_deleted(app, client, make_edition):
    edition = make_edition(rounds=1)
    day = admin.edition_values(edition).starts_on

    added = post(
        client,
        f"/organiser/{edition.slug}/rounds/new",
        name="Ronde 2",
        day=day,
        starts_time="15.00",
        ends_time="16.15",
    )
    db.session.rollback()
    new_round = db.session.scalar(sa.select(Round).where(Round.name == "Ronde 2"))
    full_round = db.session.scalar(sa.select(Round).where(Round.name == "Round 1"))
    refused = post(client, f"/organiser/{edition.slug}/rounds/{full_round.id}/delete")
    deleted = post(client, f"/organiser/{edition.slug}/rounds/{new_round.id}/delete")

    assert added.status_code == 302 and local(new_round.starts_at).hour == 15
    assert "Deze ronde heeft nog sessies: verwijder of verplaats ze eerst." in text(refused)
    assert deleted.status_code == 302
    assert fresh(Round, new_round.id) is None and db.session.get(Round, full_round.id)
    assert audit_actions() == ["round.create", "round.delete"]


def test_a_breakout_runs_at_its_rounds_time(sqlite_app, client, make_edition):
    edition = make_edition()
    session = edition.rounds[0].sessions[0]

    page = text(
        post(
            client,
            f"/organiser/{edition.slug}/sessions/{session.id}/edit",
            **session_form(session, starts_time="09:00"),
        )
    )

    assert "Een deelsessie loopt op de tijd van haar ronde: " in page


def test_the_public_program_shows_an_edit_at_once(app, client, make_edition):
    edition = make_edition()
    session = edition.rounds[0].sessions[0]
    assert "Workshop 1.1" in text(client.get(f"/{edition.slug}/"))  # now cached

    post(
        client,
        f"/organiser/{edition.slug}/sessions/{session.id}/edit",
        **session_form(session, title="Wat werkt tegen eenzaamheid?"),
    )

    page = text(client.get(f"/{edition.slug}/"))
    assert "Wat werkt tegen eenzaamheid?" in page and "Workshop 1.1" not in page
    assert fresh(Edition, edition.id).program_version == 2


# -- deleting a session ----------------------------------------------------------------


def test_deleting_a_session_moves_its_people_as_far_as_seats_go(
    app, client, make_edition, sign_up, smtp_server
):
    edition = make_edition(capacities=[3, 2, 5])
    round_ = edition.rounds[0]
    doomed, target, _other = round_.sessions
    for number in range(4):  # three seats and one waiting
        sign_up(edition, number, {round_.id: doomed.id}, first_name=f"Naam{number}")
    sign_up(edition, 8, {round_.id: target.id})
    url = f"/organiser/{edition.slug}/sessions/{doomed.id}/delete"
    assert "3 mensen hebben een plaats in deze sessie." in text(client.get(url))

    page = text(post(client, url, outcome="move", target_session_id=str(target.id)))

    assert "1 persoon verplaatst naar Workshop 1.2" in page
    assert "2 mensen passen niet en staan op de wachtlijst van Workshop 1.2" in page
    assert "Naam0 Tester" in page and "Naam2 Tester" in page
    assert fresh(Session, doomed.id) is None
    target = db.session.get(Session, target.id)
    assert (target.taken, target.waiting) == (2, 2)
    assert db.session.scalar(sa.select(Choice).where(Choice.session_id == doomed.id)) is None
    messages = {m["To"]: body(m) for m in arrived(smtp_server, "program-change:")}
    assert sorted(messages) == [f"person{n}@example.org" for n in range(3)]
    assert "Sessie: Workshop 1.1 → Workshop 1.2." in messages["person0@example.org"]
    assert (
        "Sessie: Workshop 1.1 → geen; je staat op de wachtlijst van Workshop 1.2."
        in messages["person1@example.org"]
    )
    assert audit_actions() == ["registration.move"] * 3 + ["session.delete"]


def test_deleting_a_session_can_release_the_seats(app, client, make_edition, sign_up, smtp_server):
    edition = make_edition()
    round_ = edition.rounds[0]
    doomed = round_.sessions[0]
    registrations = [sign_up(edition, n, {round_.id: doomed.id}) for n in range(2)]

    post(client, f"/organiser/{edition.slug}/sessions/{doomed.id}/delete", outcome="release")

    db.session.rollback()
    for registration in registrations:
        held = db.session.scalars(
            sa.select(Choice).where(
                Choice.registration_id == registration.id,
                Choice.round_id == round_.id,
                Choice.state == ChoiceState.confirmed,
            )
        ).all()
        assert held == []
    assert db.session.get(Session, doomed.id) is None
    messages = arrived(smtp_server, "changed:")
    assert sorted(m["To"] for m in messages) == ["person0@example.org", "person1@example.org"]
    assert "Workshop 1.1" not in body(messages[0])


def test_deleting_asks_what_happens_to_the_people_first(sqlite_app, client, make_edition, sign_up):
    edition = make_edition()
    full, empty = edition.rounds[0].sessions[:2]
    sign_up(edition, 1, {full.round_id: full.id})

    refused = post(client, f"/organiser/{edition.slug}/sessions/{full.id}/delete")
    asked = text(client.get(f"/organiser/{edition.slug}/sessions/{empty.id}/delete"))
    deleted = post(
        client, f"/organiser/{edition.slug}/sessions/{empty.id}/delete", outcome="delete"
    )

    assert refused.status_code == 200
    assert "Kies wat er gebeurt met de mensen met een plaats." in text(refused)
    assert fresh(Session, full.id) is not None
    assert "Ja, verwijder de sessie" in asked
    assert deleted.status_code == 200 and fresh(Session, empty.id) is None


# -- forms -----------------------------------------------------------------------------


def test_a_session_form_with_problems_keeps_what_was_typed(sqlite_app, client, make_edition):
    edition = make_edition()
    round_ = edition.rounds[0]

    response = post(
        client,
        f"/organiser/{edition.slug}/sessions/new",
        kind="breakout",
        round_id=str(round_.id),
        title="",
        room="Zaal 12",
        abstract="Over <b>buurtteams</b>",
        capacity="tien",
        slug="workshop-1-2",
    )

    page = response.get_data(as_text=True)
    words = text(response)
    assert response.status_code == 200 and re.search(r"<title>\s*Fout: ", page)
    for message, name in [
        ("Vul de titel in.", "title"),
        ("Vul een heel getal in, zoals 25.", "capacity"),
        ("Een andere sessie van deze editie gebruikt dit webadres al.", "slug"),
    ]:
        assert message in words
        assert f'href="#{name}"' in page
        assert 'aria-invalid="true"' in field_html(page, name)
    assert 'value="Zaal 12"' in field_html(page, "room")
    assert "Over &lt;b&gt;buurtteams&lt;/b&gt;" in page
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Session)) == 7


def test_a_new_session_gets_a_dutch_friendly_web_address(sqlite_app, client, make_edition):
    edition = make_edition()
    round_ = edition.rounds[1]

    for _ in range(2):
        post(
            client,
            f"/organiser/{edition.slug}/sessions/new",
            kind="breakout",
            round_id=str(round_.id),
            title="Cliënten & één ĳsbaan: wat nu?",
            capacity="20",
        )

    db.session.rollback()
    slugs = db.session.scalars(
        sa.select(Session.slug).where(Session.title.startswith("Cli")).order_by(Session.id)
    ).all()
    assert slugs == ["clienten-en-een-ijsbaan-wat-nu", "clienten-en-een-ijsbaan-wat-nu-2"]
    [entry] = db.session.scalars(sa.select(AuditEntry).limit(1)).all()
    assert entry.action == "session.create" and entry.after["capacity"] == 20


def test_an_edition_form_in_english_with_its_end_before_its_start(sqlite_app, client, make_edition):
    page = post(
        client,
        "/organiser/editions/new?lang=en",
        title="Working together",
        starts_on="24-11-2031",
        starts_time="17.00",
        ends_time="09.00",
        timezone="Europe/Amsterdam",
        venue="",
        venue_capacity="0",
    ).get_data(as_text=True)

    assert re.search(r"<title>\s*Error: ", page)
    words = unescape(page)
    assert "The end must be after the start." in words
    assert "Enter the venue." in words
    assert "Enter a number of at least 1." in words
    assert 'value="24-11-2031"' in field_html(page, "starts_on")


# -- speakers --------------------------------------------------------------------------


def test_a_speakers_new_name_shows_on_the_program_and_in_the_audit_log(app, client, make_edition):
    edition = make_edition()
    speaker = edition.sessions[0].speakers[0]
    old_name = speaker.name

    bad = post(client, f"/organiser/people/{speaker.id}/edit", name="", email="geen-adres")
    good = post(
        client,
        f"/organiser/people/{speaker.id}/edit",
        name="Guido Walraven",
        affiliation="Hogeschool Inholland",
        email="g.walraven@example.org",
        bio="Lector Dynamiek van de Stad.",
    )

    assert "Vul de naam in." in text(bad) and 'value="geen-adres"' in bad.get_data(as_text=True)
    assert good.status_code == 302
    assert "Guido Walraven" in text(client.get(f"/{edition.slug}/"))
    assert fresh(Person, speaker.id).email == "g.walraven@example.org"
    [entry] = db.session.scalars(sa.select(AuditEntry)).all()
    assert (entry.action, entry.actor_email, entry.before["name"], entry.after["name"]) == (
        "person.update",
        "org@example.org",
        old_name,
        "Guido Walraven",
    )


def test_a_new_session_with_a_speaker(sqlite_app, client, make_edition):
    edition = make_edition()
    post(client, "/organiser/people/new", name="Fatima el Amrani", affiliation="Werkplaats")
    db.session.rollback()
    fatima = db.session.scalar(sa.select(Person).where(Person.name == "Fatima el Amrani"))

    response = post(
        client,
        f"/organiser/{edition.slug}/sessions/new?kind=plenary",
        kind="plenary",
        title="Afsluiting",
        day=admin.edition_values(edition).starts_on,
        starts_time="16:30",
        ends_time="17:00",
        room="Foyer",
        speaker_ids=[str(fatima.id)],
    )

    assert response.status_code == 302
    assert "Afsluiting" in text(client.get(f"/{edition.slug}/"))
    assert "Fatima el Amrani" in text(client.get(f"/{edition.slug}/sessions/afsluiting"))


ODD_VALUES = ["", "  ", "\x00", "x" * 5000, "-1", "0001-01-01", "99:99", "٣٣", "<script>", "1e9"]


@pytest.mark.parametrize("odd", ODD_VALUES)
def test_odd_input_on_any_program_form_gets_an_answer_not_an_error(
    sqlite_app, client, make_edition, sign_up, odd
):
    edition = make_edition()
    round_ = edition.rounds[0]
    session = round_.sessions[0]
    sign_up(edition, 1, {round_.id: session.id})
    speaker = session.speakers[0]
    slug = edition.slug
    forms = {
        "/organiser/editions/new": admin.EditionData,
        f"/organiser/{slug}/edit": admin.EditionData,
        f"/organiser/{slug}/copy": admin.CopyData,
        f"/organiser/{slug}/rounds/new": admin.RoundData,
        f"/organiser/{slug}/rounds/{round_.id}/edit": admin.RoundData,
        f"/organiser/{slug}/sessions/new": admin.SessionData,
        f"/organiser/{slug}/sessions/{session.id}/edit": admin.SessionData,
        f"/organiser/{slug}/sessions/{session.id}/delete": admin.DeleteData,
        "/organiser/people/new": admin.PersonData,
        f"/organiser/people/{speaker.id}/edit": admin.PersonData,
    }

    for url, data_class in forms.items():
        fields = {name: odd for name in data_class.__dataclass_fields__}
        response = post(client, url, **fields)
        assert response.status_code in (200, 302), (url, odd, response.status_code)
    db.session.rollback()
    assert db.session.get(Session, session.id).taken == 1
