"""Personal data as the law asks: the privacy statement, a person's own copy, erasure,
the purge of past editions, and the log of who looked at whose data."""

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from symposium import privacy, worker
from symposium import program_editing as program_admin
from symposium.accounts import service as accounts
from symposium.accounts.models import User
from symposium.audit import service as audit
from symposium.audit.models import AccessEntry, AuditEntry
from symposium.audit.service import Actor
from symposium.extensions import db
from symposium.mail import delivery
from symposium.mail.models import MessageStatus, OutboxMessage
from symposium.program.models import Edition, Person, Session, SummaryStatus
from symposium.registration import mailouts, questions, service
from symposium.registration import organisers as admin
from symposium.registration.models import Choice, ChoiceState, Registration, RegistrationStatus
from symposium.registration.personal import manage_token
from symposium.speakers import service as speakers
from symposium.speakers.models import Material
from tests.test_organiser import PASSWORD, csrf_for, sign_in, text
from tests.test_speakers import pdf_bytes

ACTOR = Actor(None, "flask test")


@pytest.fixture
def organiser(app_under_test):
    return accounts.create_organiser("Org@Example.org", "Olga Organiser", PASSWORD)


@pytest.fixture
def org(app_under_test, organiser):
    client = app_under_test.test_client()
    assert sign_in(client).status_code == 302
    return client


def post(client, url, **fields):
    return client.post(url, data={"csrf_token": csrf_for(client), **fields})


def fresh(model, id_):
    db.session.rollback()  # the request committed on its own connection
    return db.session.get(model, id_)


def workshops(edition: Edition) -> list[list[Session]]:
    db.session.rollback()
    edition = db.session.get(Edition, edition.id)
    return [sorted(r.sessions, key=lambda s: s.slug) for r in edition.rounds]


def end(edition: Edition, ago: timedelta = timedelta(days=1)) -> None:
    """Move an edition into the past, after people signed up while it was open."""
    ends = datetime.now(UTC) - ago
    db.session.execute(
        sa.update(Edition)
        .where(Edition.id == edition.id)
        .values(
            starts_at=ends - timedelta(hours=8),
            ends_at=ends,
            registration_opens_at=ends - timedelta(days=60),
            registration_closes_at=ends - timedelta(days=1),
        )
    )
    db.session.commit()


def statuses(edition_id: int) -> dict[str, int]:
    db.session.rollback()
    return dict(
        db.session.execute(
            sa.select(Registration.status, sa.func.count())
            .where(Registration.edition_id == edition_id)
            .group_by(Registration.status)
        ).all()
    )


def everything_stored() -> str:
    """Every text and JSON value in every table, lower-cased: what a scan for names reads."""
    db.session.rollback()
    found = []
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            for row in connection.execute(sa.select(table)):
                for value in row:
                    if isinstance(value, str):
                        found.append(value)
                    elif isinstance(value, dict | list):
                        found.append(json.dumps(value, ensure_ascii=False))
    return "\n".join(found).lower()


def files_under(*folders: Path) -> str:
    return "\n".join(
        path.read_bytes().decode("utf-8", "replace")
        for folder in folders
        if folder.exists()
        for path in folder.rglob("*")
        if path.is_file()
    ).lower()


# -- the privacy statement ---------------------------------------------------------------


def test_without_a_text_of_its_own_the_statement_says_what_why_how_long_and_who(
    sqlite_app, make_edition
):
    edition = make_edition()
    client = sqlite_app.test_client()

    dutch = text(client.get("/privacy"))
    english = text(client.get(f"/{edition.slug}/privacy?lang=en"))

    assert "Privacyverklaring" in dutch and edition.title in dutch
    for heading in ("What we keep, and why", "Who sees it", "How long", "Your rights"):
        assert heading in english
    assert "download everything we keep about you, and have it erased" in english

    sqlite_app.config["PURGE_AFTER_MONTHS"] = 6
    assert "We erase your personal data 6 months after the symposium." in text(
        client.get(f"/{edition.slug}/privacy?lang=en")
    )


def test_the_editions_own_statement_is_markdown_shown_safely_under_the_pages_heading(
    sqlite_app, make_edition
):
    current = make_edition()
    other = make_edition()
    for edition, words in ((current, "Dit jaar"), (other, "Volgend jaar")):
        edition.privacy_text = f"# {words} bewaren wij\n\nAlleen je naam. <script>alert(1)</script>"
    db.session.commit()
    client = sqlite_app.test_client()

    page = client.get(f"/{other.slug}/privacy").get_data(as_text=True)
    current_page = text(client.get("/privacy"))

    assert "<h2>Volgend jaar bewaren wij</h2>" in page and "<script>" not in page
    assert "&lt;script&gt;" in page and "What we keep" not in page
    assert "Dit jaar bewaren wij" in current_page and "Volgend jaar" not in current_page
    assert client.get("/no-such-edition/privacy").status_code == 404


def test_organisers_write_the_statement_on_the_edition_form(sqlite_app, org, make_edition):
    edition = make_edition()
    form = text(org.get(f"/organiser/{edition.slug}/edit"))
    assert "Privacyverklaring" in form

    values = vars(program_admin.edition_values(edition)) | {
        "privacy_text": "## Bewaren\n\nTot 1 januari."
    }
    response = post(org, f"/organiser/{edition.slug}/edit", **values)

    assert response.status_code == 302
    assert fresh(Edition, edition.id).privacy_text == "## Bewaren\n\nTot 1 januari."
    assert "Tot 1 januari." in text(org.get(f"/{edition.slug}/privacy"))


# -- a person's own copy -------------------------------------------------------------------


def test_a_person_downloads_everything_kept_about_them_as_json(
    app, make_edition, sign_up, smtp_server
):
    edition = make_edition(rounds=1, capacity=1)
    [[full, other, _]] = workshops(edition)
    question = questions.add(
        edition.id, questions.QuestionDraft(label="Wat wil je leren?", kind="text"), ACTOR
    )
    sign_up(edition, 1, {full.round_id: full.id})
    anna = sign_up(
        edition,
        2,
        {full.round_id: other.id},
        first_name="Anna",
        last_name="de Vries",
        dietary_needs="Glutenvrij",
        answers={question.id: "Samenwerken met de wijk"},
    )
    delivery.deliver_due()
    service.join_waitlist(anna.id, full.round_id, full.id)
    admin.check_in(anna.id, ACTOR)

    response = app.test_client().get(f"/r/{manage_token(anna)}/my-data.json")

    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["registration"]["first_name"] == "Anna"
    assert data["registration"]["email"] == "person2@example.org"
    assert data["registration"]["dietary_needs"] == "Glutenvrij"
    assert data["registration"]["checked_in_at"] is not None
    assert data["answers"] == [
        {"question": "Wat wil je leren?", "answer": "Samenwerken met de wijk"}
    ]
    states = {(c["session"], c["state"]) for c in data["choices"]}
    assert states == {(other.title, "confirmed"), (full.title, "waitlisted")}
    kinds = {(m["kind"], m["status"]) for m in data["mail"]}
    assert ("confirmation", "sent") in kinds and ("waitlist_joined", "queued") in kinds
    confirmation = next(m for m in data["mail"] if m["kind"] == "confirmation")
    assert "Anna" in confirmation["text"] and confirmation["to"] == "person2@example.org"
    assert [c["action"] for c in data["changes_by_organisers"]] == ["registration.check_in"]
    assert "person1@example.org" not in json.dumps(data)


# -- erasure at the person's request -------------------------------------------------------


def test_erasing_asks_first_then_frees_the_seat_for_the_waiting_list_and_forgets_the_person(
    app, make_edition, sign_up
):
    edition = make_edition(rounds=1, capacity=1)
    [[full, other, _]] = workshops(edition)
    zoe = sign_up(
        edition,
        1,
        {full.round_id: full.id},
        first_name="Zoë",
        last_name="Wisselaar",
        organisation="Buurtteam Zuid",
        access_needs="Rolstoel",
    )
    waiting = sign_up(edition, 2, {full.round_id: other.id})
    service.join_waitlist(waiting.id, full.round_id, full.id)
    admin.update_details(
        zoe.id,
        admin.DetailsChange(
            first_name="Zoë",
            last_name="Wisselaar-Jansen",
            email="person1@example.org",
            organisation="Buurtteam Zuid",
            role="social_worker",
            access_needs="Rolstoel",
            locale="nl",
        ),
        ACTOR,
    )
    audit.record_access(ACTOR, "registration.view", fresh(Registration, zoe.id))
    token = manage_token(zoe)
    client = app.test_client()

    manage = client.get(f"/r/{token}?lang=en").get_data(as_text=True)
    assert f'href="/r/{token}/my-data.json"' in manage and f'href="/r/{token}/erase"' in manage
    assert client.post(f"/r/{token}/erase").status_code == 400  # no CSRF token: nothing done
    confirm = client.get(f"/r/{token}/erase?lang=en")
    assert confirm.status_code == 200
    page = text(confirm)
    assert "Are you sure you want to erase your data?" in page
    assert "your seats go to people on the waiting lists" in page
    assert fresh(Registration, zoe.id).first_name == "Zoë"  # asking changes nothing

    done = client.post(f"/r/{token}/erase", data={"csrf_token": csrf_for(client)})

    assert done.status_code == 302
    gone = fresh(Registration, zoe.id)
    assert gone.erased_at is not None and gone.status == RegistrationStatus.cancelled
    assert (gone.first_name, gone.last_name, gone.email, gone.organisation) == ("", "", "", "")
    assert gone.access_needs == "" and gone.answers == {}
    promoted = db.session.scalars(
        sa.select(Choice).where(Choice.registration_id == waiting.id, Choice.session_id == full.id)
    ).one()
    assert promoted.state == ChoiceState.confirmed  # exactly as with a cancellation
    assert db.session.get(Session, full.id).taken == 1
    promoted_mail = db.session.scalars(
        sa.select(OutboxMessage.kind).where(OutboxMessage.registration_id == waiting.id)
    ).all()
    assert "promoted" in promoted_mail
    assert (
        db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.registration_id == zoe.id)
        ).all()
        == []
    )
    stored = everything_stored()
    for trace in ("zoë", "wisselaar", "person1@example.org", "buurtteam zuid", "rolstoel"):
        assert trace not in stored, trace
    assert "person2@example.org" in stored  # the others are untouched

    after = client.get(f"/r/{token}?lang=en")
    assert after.status_code == 410
    assert "This link no longer works" in text(after)
    assert "Your personal data has been erased." in text(after)
    assert client.get(f"/r/{token}/my-data.json").status_code == 410
    assert client.get("/r/not-a-token").status_code == 404


def test_erasing_after_the_symposium_keeps_the_attendance_figures_true(app, make_edition, sign_up):
    edition = make_edition(rounds=1, capacity=5)
    [[session, _, _]] = workshops(edition)
    person = sign_up(edition, 1, {session.round_id: session.id})
    choice = person.choices[0]
    admin.check_in(person.id, ACTOR)
    admin.mark_attended(choice.id, ACTOR)
    end(edition)

    privacy.erase(person.id)

    gone = fresh(Registration, person.id)
    assert gone.erased_at is not None and gone.email == "" and gone.first_name == ""
    assert gone.status == RegistrationStatus.confirmed and gone.checked_in_at is not None
    assert db.session.get(Choice, choice.id).attended_at is not None
    assert db.session.get(Session, session.id).taken == 1


# -- the purge of a past edition -------------------------------------------------------------


def test_purge_refuses_an_edition_that_has_not_ended(sqlite_app, make_edition, sign_up):
    edition = make_edition()
    sign_up(edition, 1, first_name="Blijft")

    result = sqlite_app.test_cli_runner().invoke(args=["purge", edition.slug])

    assert result.exit_code != 0 and edition.slug in result.output
    assert "nog niet" in result.output or "not ended" in result.output
    assert db.session.scalars(sa.select(Registration.first_name)).all() == ["Blijft"]
    unknown = sqlite_app.test_cli_runner().invoke(args=["purge", "1899"])
    assert unknown.exit_code != 0 and "1899" in unknown.output


def test_purge_leaves_nothing_personal_in_any_table_or_file_and_keeps_the_counts(
    app, make_edition, sign_up, smtp_server, tmp_path, monkeypatch
):
    app.config["MATERIALS_FOLDER"] = str(tmp_path / "materials")
    past, future = make_edition(rounds=1, capacity=1), make_edition(rounds=1)
    [[full, other, _]] = workshops(past)
    question = questions.add(
        past.id, questions.QuestionDraft(label="Wat neem je mee?", kind="text"), ACTOR
    )
    people = [
        ("Zwaantje", "Purgewater", "zwaantje@purge.example", "Purgebedrijf BV"),
        ("Barend", "Wachtpurge", "barend@purge.example", "Wijkteam Purgedorp"),
        ("Cato", "Afmeldpurge", "cato@purge.example", "Stichting Purgerust"),
    ]
    signed = [
        sign_up(
            past,
            number,
            {full.round_id: full.id if number == 0 else other.id},
            first_name=first,
            last_name=last,
            email=email,
            organisation=organisation,
            dietary_needs=f"Geen noten voor {first}",
            answers={question.id: f"De hond van {last}"},
        )
        for number, (first, last, email, organisation) in enumerate(people)
    ]
    zwaantje, barend, cato = signed
    service.join_waitlist(barend.id, full.round_id, full.id)
    service.cancel(cato.id)
    admin.check_in(zwaantje.id, ACTOR)
    admin.mark_attended(fresh(Registration, zwaantje.id).choices[0].id, ACTOR)
    admin.update_details(
        barend.id,
        admin.DetailsChange(
            first_name="Barend",
            last_name="Wachtpurge-Smit",
            email="barend@purge.example",
            organisation="Wijkteam Purgedorp",
            role="researcher",
            locale="nl",
        ),
        ACTOR,
    )
    audit.record_access(ACTOR, "registration.view", fresh(Registration, zwaantje.id))
    mailouts.send(
        mailouts.MailoutDraft(past.id, "Tot morgen, {first_name}", "Hoi {first_name}", "confirmed"),
        None,
    )
    # A speaker of this edition only, and one who comes back next year.
    [once] = fresh(Edition, past.id).sessions[0].speakers
    once.email = "spreker.eenmalig@purge.example"
    returning = Person(name="Spreker Terugkeer", email="terugkeer@example.org")
    db.session.add(returning)
    db.session.get(Session, full.id).speakers.append(returning)
    db.session.get(Edition, future.id).sessions[0].speakers.append(returning)
    db.session.get(Session, full.id).summary = "Wat we leerden over de wijk."
    db.session.commit()
    account = speakers.invite(once.id, "nl", ACTOR)
    speakers.invite(returning.id, "nl", ACTOR)
    speakers.publish_summary(full.id, send=True, actor=ACTOR, early=True)
    slides = speakers.add_material(
        full.id,
        speakers.MaterialData("slides", "public"),
        speakers.Upload(io.BytesIO(pdf_bytes()), "slides.pdf"),
        account,
    )
    delivery.deliver_due(batch_size=500)
    service.send_manage_link(past.id, "zwaantje@purge.example")  # queued, never sent
    documents = Path(app.instance_path) / "documents" / str(past.id)

    def purge_documents(edition: Edition) -> int:
        """What the documents feature hooks in: its files for the edition."""
        removed = 0
        for path in (Path(app.instance_path) / "documents" / str(edition.id)).glob("*"):
            path.unlink()
            removed += 1
        return removed

    monkeypatch.setattr(privacy, "FILE_STEPS", [purge_documents])
    documents.mkdir(parents=True, exist_ok=True)
    (documents / "badges.txt").write_text("Zwaantje Purgewater, Purgebedrijf BV")
    taken_before = {s.id: s.taken for s in workshops(past)[0]}
    statuses_before = statuses(past.id)
    sent_before = db.session.scalar(
        sa.select(sa.func.count()).where(OutboxMessage.status == MessageStatus.sent)
    )
    assert "purgewater" in everything_stored()  # the scan sees what is there
    link = f"/r/{manage_token(zwaantje)}"
    end(past)

    try:
        result = app.test_cli_runner().invoke(args=["purge", past.slug])
        assert result.exit_code == 0, result.output
        assert f"Edition {past.slug}: personal data removed" in result.output

        stored = everything_stored()
        traces = [part.lower() for person in people for part in person]
        traces += ["geen noten", "de hond van", "spreker.eenmalig@purge.example"]
        files = files_under(documents, tmp_path / "materials")
        for trace in traces:
            assert trace not in stored, trace
            assert trace not in files, trace
        assert list(documents.glob("*")) == []  # the documents hook ran, after the commit
        assert "%pdf" in files  # the slides stay
    finally:
        for path in documents.glob("*"):
            path.unlink()

    # What remains: counts, statuses, attendance, the program, summaries, public speakers.
    assert {s.id: s.taken for s in workshops(past)[0]} == taken_before
    assert statuses(past.id) == statuses_before
    assert db.session.scalar(sa.select(sa.func.count()).where(Choice.attended_at.is_not(None))) == 1
    assert db.session.get(Session, full.id).summary == "Wat we leerden over de wijk."
    assert db.session.get(Session, full.id).summary_status == SummaryStatus.published
    assert db.session.get(Person, once.id).name == once.name
    assert db.session.get(Person, once.id).email is None
    assert db.session.scalars(sa.select(User).where(User.person_id == once.id)).all() == []
    assert db.session.get(Person, returning.id).email == "terugkeer@example.org"
    assert db.session.get(Material, slides.id).filename == "slides.pdf"
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(OutboxMessage.status == MessageStatus.sent)
        )
        == sent_before
    )
    assert fresh(Edition, past.id).purged_at is not None
    assert app.test_client().get(link).status_code == 410

    again = app.test_cli_runner().invoke(args=["purge", past.slug])
    assert again.exit_code == 0 and "purged before" in again.output


def test_the_worker_purges_editions_that_ended_more_than_the_set_months_ago(
    app, make_edition, sign_up, smtp_server
):
    long_ago, recent = make_edition(), make_edition()
    sign_up(long_ago, 1, first_name="Oudjaar")
    sign_up(recent, 2, first_name="Vorigemaand")
    end(long_ago, ago=timedelta(days=200))
    end(recent, ago=timedelta(days=100))
    app.config["PURGE_AFTER_MONTHS"] = 6

    worker.run([], worker.StopFlag(), once=True)

    db.session.rollback()
    assert db.session.scalars(
        sa.select(Registration.first_name).order_by(Registration.id)
    ).all() == ["", "Vorigemaand"]
    assert db.session.get(Edition, long_ago.id).purged_at is not None
    assert db.session.get(Edition, recent.id).purged_at is None


@pytest.mark.parametrize("setting", ["zes", "-1", True, "1.5"])
def test_a_purge_setting_that_is_not_a_number_of_months_stops_the_worker_with_a_reason(
    sqlite_app, setting
):
    sqlite_app.config["PURGE_AFTER_MONTHS"] = setting

    with pytest.raises(ValueError, match="PURGE_AFTER_MONTHS"):
        worker.run([], worker.StopFlag(), once=True)


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (datetime(2026, 3, 31, 12, tzinfo=UTC), 1, datetime(2026, 2, 28, 12, tzinfo=UTC)),
        (datetime(2028, 3, 31, 12, tzinfo=UTC), 1, datetime(2028, 2, 29, 12, tzinfo=UTC)),
        (datetime(2026, 1, 15, tzinfo=UTC), 13, datetime(2024, 12, 15, tzinfo=UTC)),
        (datetime(2026, 7, 1, tzinfo=UTC), 0, datetime(2026, 7, 1, tzinfo=UTC)),
    ],
)
def test_months_are_counted_on_the_calendar(moment, months, expected):
    assert privacy.months_before(moment, months) == expected


# -- who looked at whose data ----------------------------------------------------------------


def test_organisers_pages_and_exports_of_personal_data_are_logged_and_changes_stay_apart(
    app, org, make_edition, sign_up
):
    edition = make_edition(rounds=1)
    [[session, _, _]] = workshops(edition)
    person = sign_up(edition, 1, {session.round_id: session.id}, last_name="Kijkgeval")
    message = db.session.scalars(sa.select(OutboxMessage)).first()
    slug = edition.slug

    for url in (
        f"/organiser/{slug}/dashboard",
        f"/organiser/{slug}/registrations?q=Kijkgeval&status=confirmed",
        f"/organiser/{slug}/registrations.csv?q=Kijkgeval",
        f"/organiser/{slug}/registrations.xlsx",
        f"/organiser/{slug}/sessions/{session.id}/attendees.csv",
        f"/organiser/registrations/{person.id}",
        f"/organiser/registrations/{person.id}/edit",
        f"/organiser/{slug}/check-in?q=Kijkgeval",
        f"/organiser/{slug}/sessions/{session.id}/attendance",
        "/organiser/outbox",
        f"/organiser/outbox/{message.id}",
    ):
        assert org.get(url).status_code == 200, url
    org.get(f"/organiser/{slug}/check-in/count")  # the door's refresh is not a page

    db.session.rollback()
    entries = db.session.scalars(sa.select(AccessEntry).order_by(AccessEntry.id)).all()
    assert [e.action for e in entries] == [
        "registrations.dashboard",
        "registrations.list",
        "registrations.export",
        "registrations.export",
        "session.attendees_export",
        "registration.view",
        "registration.view",
        "checkin.door",
        "session.attendance",
        "outbox.list",
        "outbox.message",
    ]
    assert {e.actor_email for e in entries} == {"org@example.org"}
    assert all(e.at is not None for e in entries)
    listing, csv_export = entries[1], entries[2]
    assert listing.details["status"] == "confirmed" and listing.details["searched"] is True
    assert csv_export.details["format"] == "csv"
    assert entries[5].target_id == person.id and "Kijkgeval" in entries[5].target_label
    assert "kijkgeval" not in json.dumps([e.details for e in entries]).lower()
    # Looking is not changing: a registration's history of changes stays empty.
    assert db.session.scalars(sa.select(AuditEntry)).all() == []

    log = text(org.get("/organiser/audit/access"))
    assert "registration.view: Person1 Kijkgeval" in log and "org@example.org" in log
    assert "Who looked at personal data" in text(org.get("/organiser/audit?lang=en"))
