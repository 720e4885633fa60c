"""Organisers and registrations: dashboard, list, one registration's page, changes, exports."""

import csv
import io
from datetime import UTC, datetime

import openpyxl
import pytest
import sqlalchemy as sa

from symposium.accounts import service as accounts
from symposium.audit.models import AuditEntry
from symposium.extensions import db
from symposium.mail import delivery
from symposium.program.models import Edition, Session
from symposium.registration import service
from symposium.registration.models import Choice, ChoiceState, Registration, RegistrationStatus
from tests.test_organiser import PASSWORD, csrf_for, sign_in, text
from tests.test_program_pages import counting_queries

# -- helpers -----------------------------------------------------------------------------


@pytest.fixture
def organiser(app_under_test):
    return accounts.create_organiser("Org@Example.org", "Olga Organiser", PASSWORD)


@pytest.fixture
def org(app_under_test, organiser):
    """A browser with an organiser signed in, on whichever database the test runs."""
    client = app_under_test.test_client()
    assert sign_in(client).status_code == 302
    return client


def post(client, url, **fields):
    return client.post(url, data={"csrf_token": csrf_for(client), **fields})


def fresh(model, id_):
    db.session.rollback()  # a fresh snapshot: the request committed on its own connection
    return db.session.get(model, id_)


def workshops(edition: Edition) -> list[list[Session]]:
    db.session.rollback()
    edition = db.session.get(Edition, edition.id)
    return [sorted(r.sessions, key=lambda s: s.slug) for r in edition.rounds]


def live_choices(registration_id: int) -> dict[int, str]:
    """Session id -> state of a registration's confirmed and waiting choices."""
    db.session.rollback()
    return {
        c.session_id: c.state.value
        for c in db.session.scalars(
            sa.select(Choice).where(
                Choice.registration_id == registration_id, Choice.state != ChoiceState.declined
            )
        )
    }


def audit_actions() -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def deliver() -> None:
    delivery.deliver_due(batch_size=500)


# -- dashboard and list ------------------------------------------------------------------


def test_the_dashboard_shows_seats_as_numbers_and_the_newest_sign_ups(
    sqlite_app, org, make_edition, sign_up
):
    edition = make_edition(rounds=1, capacity=2, venue_capacity=50)
    [[first, _, _]] = workshops(edition)
    for number in range(3):
        sign_up(edition, number, {first.round_id: first.id}, first_name=f"Naam{number}")

    page = text(org.get(f"/organiser/{edition.slug}/dashboard"))

    assert "3 / 50" in page and "aangemeld, van de 50 plaatsen op de locatie" in page
    assert "Workshop 1.1" in page and "2 van 2 plaatsen bezet · vol · 1 op de wachtlijst" in page
    assert "0 van 2 plaatsen bezet · 0 op de wachtlijst" in page
    assert "0 / 3 tot nu toe ingecheckt" in page
    assert page.index("Naam2 Tester") < page.index("Naam0 Tester")  # newest first


def test_the_organisers_start_page_links_to_each_editions_dashboard(sqlite_app, org, make_edition):
    edition = make_edition()

    page = org.get("/organiser/").get_data(as_text=True)

    assert f'href="/organiser/{edition.slug}/dashboard"' in page
    assert f'href="/organiser/{edition.slug}/check-in"' in page


def test_search_and_filters_narrow_the_list(app, org, make_edition, sign_up):
    edition = make_edition(rounds=2, capacity=1)
    [[a1, a2, _], [b1, _, _]] = workshops(edition)
    anna = sign_up(
        edition,
        1,
        {a1.round_id: a1.id},
        first_name="Anna",
        last_name="de Vries",
        organisation="Gemeente Utrecht",
    )
    sign_up(
        edition,
        2,
        {a1.round_id: a1.id, b1.round_id: b1.id},
        first_name="Bram",
        last_name="Jansen",
        organisation="Hogeschool 100%_Sociaal",
        email="bram@wijkteam.nl",
    )
    sign_up(edition, 3, {a1.round_id: a2.id}, first_name="Chloë", last_name="Bakker")
    cancelled = sign_up(edition, 4, first_name="Dirk", last_name="Smit")
    service.cancel(cancelled.id)
    arrived = db.session.get(Registration, anna.id)
    arrived.checked_in_at = datetime.now(UTC)
    db.session.commit()

    def listed(query: str = "") -> list[str]:
        page = text(org.get(f"/organiser/{edition.slug}/registrations{query}"))
        return [
            name
            for name in ("de Vries, Anna", "Jansen, Bram", "Bakker, Chloë", "Smit, Dirk")
            if name in page
        ]

    assert listed() == ["de Vries, Anna", "Jansen, Bram", "Bakker, Chloë", "Smit, Dirk"]
    assert listed("?q=VRIES") == ["de Vries, Anna"]
    assert listed("?q=anna+vries") == ["de Vries, Anna"]
    assert listed("?q=wijkteam") == ["Jansen, Bram"]  # part of the e-mail address
    assert listed("?q=100%25_") == ["Jansen, Bram"]  # % and _ are searched for literally
    assert listed("?q=Chlo%C3%AB") == ["Bakker, Chloë"]
    assert listed("?status=cancelled") == ["Smit, Dirk"]
    assert listed("?checked_in=yes") == ["de Vries, Anna"]
    assert listed(f"?session_id={a1.id}") == ["de Vries, Anna"]
    assert listed(f"?session_id={a1.id}&place=waiting") == ["Jansen, Bram"]
    assert listed(f"?round_id={b1.round_id}") == ["Jansen, Bram"]
    assert listed(f"?round_id={b1.round_id}&place=none&status=confirmed") == [
        "de Vries, Anna",
        "Bakker, Chloë",
    ]
    assert "Geen aanmeldingen gevonden" in text(
        org.get(f"/organiser/{edition.slug}/registrations?q=zzz")
    )
    # Values that are not on offer are no filter at all, never an error.
    assert listed("?status=nonsense&round_id=x&session_id=99999999999&page=-3") == listed()


def test_the_list_pages_by_fifty_at_a_fixed_number_of_queries(sqlite_app, org, make_edition):
    edition = make_edition(rounds=2)
    [[a1, *_], [b1, *_]] = workshops(edition)
    counts = []
    for total in (10, 120):
        for number in range(len(counts) and 10, total):
            service.register(
                edition.id,
                service.RegistrationRequest(
                    first_name=f"P{number:03d}",
                    last_name=f"L{number:03d}",
                    email=f"p{number}@example.org",
                    role="student",
                    consent=True,
                    choices={
                        a1.round_id: service.RoundRequest(session_id=a1.id),
                        b1.round_id: service.RoundRequest(session_id=b1.id),
                    },
                ),
            )
        with counting_queries() as statements:
            response = org.get(f"/organiser/{edition.slug}/registrations?q=P&page=1")
        assert response.status_code == 200
        counts.append(len(statements))

    assert counts[0] == counts[1]
    last_page = text(org.get(f"/organiser/{edition.slug}/registrations?page=3"))
    assert "120 aanmeldingen · 101–120 getoond" in last_page and "Pagina 3 van 3" in last_page
    assert "L119, P119" in last_page and "L099" not in last_page


# -- one registration --------------------------------------------------------------------


def test_a_registrations_page_shows_seats_waiting_places_and_check_in(
    sqlite_app, org, make_edition, sign_up
):
    edition = make_edition(rounds=2, capacity=1)
    [[a1, a2, _], [b1, _, _]] = workshops(edition)
    sign_up(edition, 1, {a1.round_id: a1.id})
    waiter = sign_up(
        edition, 2, {a2.round_id: a2.id, b1.round_id: b1.id}, dietary_needs="Vegetarisch"
    )
    service.join_waitlist(waiter.id, a1.round_id, a1.id)

    page = text(org.get(f"/organiser/registrations/{waiter.id}"))

    assert "Person2 Tester" in page and "Bevestigd" in page and "Vegetarisch" in page
    assert "Workshop 1.2" in page and "Workshop 2.1" in page
    assert "Nummer 1 op de wachtlijst voor Workshop 1.1." in page
    assert "Niet ingecheckt." in page
    assert org.get("/organiser/registrations/999999").status_code == 404


def details(client, **fields):
    return {
        "first_name": "Anna",
        "last_name": "de Vries",
        "email": "anna@example.org",
        "organisation": "Wijkteam Oost",
        "role": "policy_maker",
        "dietary_needs": "",
        "access_needs": "Rolstoel",
        "locale": "en",
        **fields,
    }


def test_correcting_details_saves_them_and_writes_the_audit_log(app, org, make_edition, sign_up):
    edition = make_edition()
    registration = sign_up(edition, 1)

    response = post(org, f"/organiser/registrations/{registration.id}/edit", **details(org))

    assert response.status_code == 302
    saved = fresh(Registration, registration.id)
    assert (saved.first_name, saved.email, saved.email_key) == (
        "Anna",
        "anna@example.org",
        "anna@example.org",
    )
    assert (saved.role, saved.access_needs, saved.locale) == ("policy_maker", "Rolstoel", "en")
    [entry] = db.session.scalars(sa.select(AuditEntry)).all()
    assert entry.action == "registration.details" and entry.actor_email == "org@example.org"
    assert entry.before["first_name"] == "Person1" and entry.after["first_name"] == "Anna"
    assert "role" in entry.after and "newsletter" not in entry.after
    assert "De gegevens zijn opgeslagen." in text(org.get(response.location))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"first_name": "  "}, "Vul je voornaam in."),
        ({"email": "geen-adres"}, "Vul een e-mailadres in zoals naam@example.org."),
        ({"email": "PERSON2@example.org"}, "Een andere aanmelding voor dit symposium gebruikt"),
        ({"organisation": "x" * 201}, "Gebruik maximaal 200 tekens."),
        ({"last_name": "Tab\x07"}, "Haal de stuurtekens uit dit veld."),
        ({"role": "koning"}, "Kies je rol."),
        ({"locale": "fr"}, "Kies een taal."),
    ],
)
def test_bad_details_get_a_message_and_change_nothing(
    app, org, make_edition, sign_up, fields, message
):
    edition = make_edition()
    registration = sign_up(edition, 1)
    sign_up(edition, 2)

    response = post(
        org, f"/organiser/registrations/{registration.id}/edit", **details(org, **fields)
    )

    page = text(response)
    assert response.status_code == 200
    assert page.startswith(" Fout:") and "Er is een probleem" in page and message in page
    assert fresh(Registration, registration.id).first_name == "Person1"
    assert fresh(Registration, registration.id).email == "person1@example.org"
    assert audit_actions() == []


def test_the_same_address_in_another_edition_is_fine(sqlite_app, org, make_edition, sign_up):
    first, second = make_edition(), make_edition()
    sign_up(first, 2)
    registration = sign_up(second, 1)

    post(
        org,
        f"/organiser/registrations/{registration.id}/edit",
        **details(org, email="person2@example.org"),
    )

    assert fresh(Registration, registration.id).email_key == "person2@example.org"


def move(client, registration, round_id, session_id, add_seat=False):
    fields = {"session": str(session_id)}
    if add_seat:
        fields["add_seat"] = "y"
    return post(
        client, f"/organiser/registrations/{registration.id}/rounds/{round_id}/move", **fields
    )


def test_moving_into_a_session_with_room_frees_the_old_seat(app, org, make_edition, sign_up):
    edition = make_edition(rounds=1, capacity=1)
    [[a1, a2, _]] = workshops(edition)
    mover = sign_up(edition, 1, {a1.round_id: a1.id})
    waiter = sign_up(edition, 2, {a1.round_id: a1.id})

    response = move(org, mover, a1.round_id, a2.id)

    assert response.status_code == 302
    assert live_choices(mover.id) == {a2.id: "confirmed"}
    assert live_choices(waiter.id) == {a1.id: "confirmed"}  # the freed seat went on
    assert audit_actions() == ["registration.move"]


def test_a_full_session_takes_someone_only_with_the_explicit_extra_seat(
    app, org, make_edition, sign_up
):
    edition = make_edition(rounds=1, capacity=1)
    [[a1, a2, _]] = workshops(edition)
    sign_up(edition, 1, {a1.round_id: a1.id})
    mover = sign_up(edition, 2, {a1.round_id: a2.id})
    next_in_line = sign_up(edition, 3, {a1.round_id: a2.id})

    refused = move(org, mover, a1.round_id, a1.id)

    assert refused.status_code == 200
    assert "Deze deelsessie is vol" in text(refused) and "Er is een probleem" in text(refused)
    assert live_choices(mover.id) == {a2.id: "confirmed"}
    assert fresh(Session, a1.id).capacity == 1
    assert audit_actions() == []

    moved = move(org, mover, a1.round_id, a1.id, add_seat=True)

    assert moved.status_code == 302
    assert live_choices(mover.id) == {a1.id: "confirmed"}
    assert (fresh(Session, a1.id).capacity, fresh(Session, a1.id).taken) == (2, 2)
    assert live_choices(next_in_line.id) == {a2.id: "confirmed"}
    assert audit_actions() == ["session.capacity", "registration.move"]


def test_a_move_without_a_choice_says_so(sqlite_app, org, make_edition, sign_up):
    edition = make_edition(rounds=1)
    [[a1, _, _]] = workshops(edition)
    registration = sign_up(edition, 1, {a1.round_id: a1.id})
    url = f"/organiser/registrations/{registration.id}/rounds/{a1.round_id}/move"

    response = post(org, url)

    assert response.status_code == 200 and "Kies een deelsessie, of geen deelsessie." in text(
        response
    )
    assert "Kies een deelsessie uit deze ronde." in text(post(org, url, session="999999"))
    assert live_choices(registration.id) == {a1.id: "confirmed"}


def test_promoting_by_hand_adds_a_seat_releases_the_old_one_and_mails(
    app, org, make_edition, sign_up, smtp_server
):
    edition = make_edition(rounds=1, capacity=1)
    [[a1, a2, _]] = workshops(edition)
    sign_up(edition, 1, {a1.round_id: a1.id})
    promoted = sign_up(edition, 2, {a1.round_id: a2.id})
    service.join_waitlist(promoted.id, a1.round_id, a1.id)
    next_in_line = sign_up(edition, 3, {a1.round_id: a2.id})
    waiting = db.session.scalar(
        sa.select(Choice.id).where(
            Choice.registration_id == promoted.id, Choice.state == ChoiceState.waitlisted
        )
    )

    response = post(org, f"/organiser/choices/{waiting}/promote")

    assert response.status_code == 302
    assert live_choices(promoted.id) == {a1.id: "confirmed"}
    assert live_choices(next_in_line.id) == {a2.id: "confirmed"}
    assert (fresh(Session, a1.id).capacity, fresh(Session, a1.id).waiting) == (2, 0)
    assert audit_actions() == ["session.capacity", "registration.promote"]
    assert "Workshop 1.1: de plaats is van hen" in text(org.get(response.location))

    deliver()
    assert smtp_server.to("person2@example.org")[-1]["Subject"] == (
        "Je hebt een plaats in Workshop 1.1"
    )
    assert smtp_server.to("person3@example.org")[-1]["Subject"] == (
        "Je hebt een plaats in Workshop 1.2"
    )
    again = post(org, f"/organiser/choices/{waiting}/promote")
    assert "Deze persoon staat niet meer op deze wachtlijst." in text(org.get(again.location))


def test_cancelling_asks_first_then_frees_the_seat_for_the_next_person(
    app, org, make_edition, sign_up, smtp_server
):
    edition = make_edition(rounds=1, capacity=1)
    [[a1, _, _]] = workshops(edition)
    holder = sign_up(edition, 1, {a1.round_id: a1.id})
    waiter = sign_up(edition, 2, {a1.round_id: a1.id})
    url = f"/organiser/registrations/{holder.id}/cancel"

    question = text(org.get(url))
    assert "De aanmelding van Person1 Tester annuleren?" in question
    assert fresh(Registration, holder.id).status == RegistrationStatus.confirmed

    response = post(org, url)

    assert response.status_code == 302
    assert fresh(Registration, holder.id).status == RegistrationStatus.cancelled
    assert live_choices(waiter.id) == {a1.id: "confirmed"}
    assert audit_actions() == ["registration.cancel"]
    assert "Geannuleerd op" in text(org.get(response.location))
    deliver()
    assert smtp_server.to("person1@example.org")[-1]["Subject"].endswith("is geannuleerd")
    assert smtp_server.to("person2@example.org")[-1]["Subject"] == (
        "Je hebt een plaats in Workshop 1.1"
    )


def test_a_cancelled_registration_is_reinstated_after_a_question_and_audited(
    app, org, make_edition, sign_up, smtp_server
):
    edition = make_edition(rounds=1)
    [[a1, _, _]] = workshops(edition)
    registration = sign_up(edition, 1, {a1.round_id: a1.id})
    service.cancel(registration.id)
    url = f"/organiser/registrations/{registration.id}/reinstate"
    page = text(org.get(f"/organiser/registrations/{registration.id}"))
    assert "Deze aanmelding herstellen" in page

    assert "De aanmelding van Person1 Tester herstellen?" in text(org.get(url))
    assert fresh(Registration, registration.id).status == RegistrationStatus.cancelled

    response = post(org, url)

    assert fresh(Registration, registration.id).status == RegistrationStatus.confirmed
    assert fresh(Edition, edition.id).registered == 1
    assert live_choices(registration.id) == {}
    assert audit_actions() == ["registration.reinstate"]
    assert "De aanmelding is hersteld." in text(org.get(response.location))
    assert "Deze aanmelding is niet geannuleerd" in text(org.get(url))
    deliver()
    subjects = [m["Subject"] for m in smtp_server.to("person1@example.org")]
    assert subjects[-1] == f"Je aanmelding voor {edition.title}"
    assert len(subjects) == 3  # confirmation, cancellation, confirmation again


def test_the_confirmation_can_be_sent_again_once_per_double_click(
    sqlite_app, org, make_edition, sign_up, smtp_server
):
    edition = make_edition()
    registration = sign_up(edition, 1)
    url = f"/organiser/registrations/{registration.id}/resend"

    first = post(org, url)
    post(org, url)
    deliver()

    assert "Er is een nieuwe bevestiging onderweg naar person1@example.org." in text(
        org.get(first.location)
    )
    subjects = [m["Subject"] for m in smtp_server.to("person1@example.org")]
    assert subjects == [f"Je aanmelding voor {edition.title}"] * 2
    assert audit_actions() == ["registration.resend", "registration.resend"]


# -- exports -----------------------------------------------------------------------------


def people_for_export(edition, sign_up):
    [[a1, a2, _], [b1, _, _]] = workshops(edition)
    sign_up(
        edition,
        1,
        {a1.round_id: a1.id, b1.round_id: b1.id},
        first_name='=HYPERLINK("x")',
        last_name="Özdemir",
        organisation="+31 Zorg",
    )
    waiter = sign_up(edition, 2, {a1.round_id: a2.id}, first_name="Zoë", organisation="@home")
    service.join_waitlist(waiter.id, a1.round_id, a1.id)
    sign_up(edition, 3, first_name="Gewoon", last_name="Mens", organisation="-")
    return a1, a2, b1


def test_the_csv_export_opens_as_utf8_with_inert_formulas(sqlite_app, org, make_edition, sign_up):
    edition = make_edition(rounds=2, capacity=1)
    people_for_export(edition, sign_up)

    response = org.get(f"/organiser/{edition.slug}/registrations.csv")

    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="aanmeldingen-{edition.slug}.csv"'
    )
    assert response.data.startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert header[:3] == ["Voornaam", "Achternaam", "E-mailadres"]
    assert header[-4:] == [
        "Round 1: deelsessie",
        "Round 1: wachtlijst",
        "Round 2: deelsessie",
        "Round 2: wachtlijst",
    ]
    by_email = {row[2]: dict(zip(header, row, strict=True)) for row in rows}
    first = by_email["person1@example.org"]
    assert first["Voornaam"] == '\'=HYPERLINK("x")' and first["Organisatie"] == "'+31 Zorg"
    assert first["Achternaam"] == "Özdemir"
    assert first["Round 1: deelsessie"] == "Workshop 1.1"
    assert first["Round 2: deelsessie"] == "Workshop 2.1"
    second = by_email["person2@example.org"]
    assert second["Organisatie"] == "'@home"
    assert second["Round 1: deelsessie"] == "Workshop 1.2"
    assert second["Round 1: wachtlijst"] == "Workshop 1.1 (nummer 1)"
    assert by_email["person3@example.org"]["Organisatie"] == "'-"
    assert by_email["person3@example.org"]["Status"] == "Bevestigd"

    filtered = org.get(f"/organiser/{edition.slug}/registrations.csv?q=Zo%C3%AB")
    assert len(list(csv.reader(io.StringIO(filtered.data.decode("utf-8-sig"))))) == 2


def test_the_english_csv_uses_commas(sqlite_app, org, make_edition, sign_up):
    edition = make_edition()
    sign_up(edition, 1, organisation="Team, Oost")

    response = org.get(f"/organiser/{edition.slug}/registrations.csv?lang=en")

    header, row = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert header[:2] == ["First name", "Last name"] and "Team, Oost" in row


def test_the_xlsx_export_reads_back_with_every_cell_as_text(sqlite_app, org, make_edition, sign_up):
    edition = make_edition(rounds=2, capacity=1)
    people_for_export(edition, sign_up)

    response = org.get(f"/organiser/{edition.slug}/registrations.xlsx?status=confirmed")

    assert response.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    header, *rows = [[cell for cell in row] for row in sheet.iter_rows()]
    titles = [cell.value for cell in header]
    assert titles[:2] == ["Voornaam", "Achternaam"] and "Round 1: wachtlijst" in titles
    assert len(rows) == 3
    cells = [cell for row in rows for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    [risky] = [cell for cell in cells if cell.value == '=HYPERLINK("x")']
    assert risky.data_type == "s" and risky.quotePrefix
    [zoe] = [
        dict(zip(titles, (c.value for c in row), strict=True))
        for row in rows
        if row[0].value == "Zoë"
    ]
    assert zoe["Round 1: deelsessie"] == "Workshop 1.2"
    assert zoe["Round 1: wachtlijst"] == "Workshop 1.1 (nummer 1)"


def test_a_room_host_gets_the_list_of_one_session(sqlite_app, org, make_edition, sign_up):
    edition = make_edition(rounds=1)
    [[a1, a2, _]] = workshops(edition)
    arrived = sign_up(edition, 1, {a1.round_id: a1.id}, organisation="=1+1")
    sign_up(edition, 2, {a1.round_id: a1.id})
    sign_up(edition, 3, {a1.round_id: a2.id})
    registration = db.session.get(Registration, arrived.id)
    registration.checked_in_at = datetime(2030, 5, 1, 7, 45, tzinfo=UTC)
    db.session.commit()

    response = org.get(f"/organiser/{edition.slug}/sessions/{a1.id}/attendees.csv")
    sheet = org.get(f"/organiser/{edition.slug}/sessions/{a1.id}/attendees.xlsx")

    header, *rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert header == [
        "Voornaam",
        "Achternaam",
        "Organisatie",
        "Ingecheckt",
        "Aanwezig in deze deelsessie",
    ]
    assert rows == [
        ["Person1", "Tester", "'=1+1", "2030-05-01 09:45", ""],
        ["Person2", "Tester", "Gemeente Utrecht", "", ""],
    ]
    workbook = openpyxl.load_workbook(io.BytesIO(sheet.data))
    assert workbook.active.title == "Workshop 1.1" and workbook.active.max_row == 3
    other = make_edition()
    assert org.get(f"/organiser/{other.slug}/sessions/{a1.id}/attendees.csv").status_code == 404
