"""What a first organiser missed: one navigation per edition, reports for the venue and the
caterer, names in the Dutch order, spreadsheets with real dates, the list of mail-outs."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import flask_migrate
import openpyxl
import pytest
import sqlalchemy as sa

from symposium.accounts import service as accounts
from symposium.extensions import db
from symposium.mail.models import OutboxMessage
from symposium.program.models import Edition
from symposium.registration import mailouts
from symposium.registration.models import Registration
from tests.conftest import build_app
from tests.test_organiser import PASSWORD, csrf_for, sign_in, text


@pytest.fixture
def organiser(app_under_test):
    return accounts.create_organiser("Org@Example.org", "Olga Organiser", PASSWORD)


@pytest.fixture
def org(app_under_test, organiser):
    """A browser with an organiser signed in."""
    client = app_under_test.test_client()
    assert sign_in(client).status_code == 302
    return client


# -- one navigation for an edition -------------------------------------------------------

EDITION_PAGES = {
    "program": "/organiser/{slug}/program",
    "rooms": "/organiser/{slug}/rooms",
    "dashboard": "/organiser/{slug}/dashboard",
    "registrations": "/organiser/{slug}/registrations",
    "reports": "/organiser/{slug}/reports",
    "questions": "/organiser/{slug}/questions",
    "allocation": "/organiser/{slug}/allocation",
    "speakers": "/organiser/{slug}/speakers",
    "mail-outs": "/organiser/{slug}/mailouts",
    "check-in": "/organiser/{slug}/check-in",
    "attendance": "/organiser/{slug}/attendance",
    "printing": "/organiser/{slug}/documents",
    "evaluation": "/organiser/{slug}/evaluations",
    "accreditation": "/organiser/{slug}/accreditation",
    "finance": "/organiser/{slug}/finance",
    "signals": "/organiser/{slug}/signals",
}


def edition_nav(html: str) -> str:
    [nav] = re.findall(r'<nav class="edition-nav".*?</nav>', html, re.S)
    return nav


def test_every_page_of_an_edition_reaches_every_other_and_says_which_it_is(
    sqlite_app, org, make_edition
):
    edition = make_edition()
    wanted = {url.format(slug=edition.slug) for url in EDITION_PAGES.values()}
    # Pages below a section: a session's form under the program, a new mail-out.
    below = {
        f"/organiser/{edition.slug}/sessions/new?kind=plenary": "/organiser/{slug}/program",
        f"/organiser/{edition.slug}/mailouts/new": "/organiser/{slug}/mailouts",
    }

    for url in [*wanted, *below]:
        response = org.get(url)
        assert response.status_code == 200, url
        nav = edition_nav(response.get_data(as_text=True))
        links = set(re.findall(r'href="([^"]+)"', nav))
        assert links == wanted, url
        current = re.findall(r'href="([^"]+)" aria-current="(page|true)"', nav)
        if url in below:
            assert current == [(below[url].format(slug=edition.slug), "true")]
        else:
            assert current == [(url, "page")], url


def test_the_navigation_is_in_dutch_and_english(sqlite_app, org, make_edition):
    edition = make_edition()

    dutch = text(org.get(f"/organiser/{edition.slug}/questions?lang=nl"))
    english = text(org.get(f"/organiser/{edition.slug}/questions?lang=en"))

    assert "Programma" in dutch and "Vragen" in dutch and "Mailings" in dutch
    assert "Program" in english and "Questions" in english and "Mail-outs" in english


# -- reports for the venue and the caterer -----------------------------------------------


def test_the_report_counts_needs_organisations_roles_and_newsletter_opt_ins(
    sqlite_app, org, make_edition, sign_up
):
    edition = make_edition(rounds=0)
    sign_up(edition, 1, dietary_needs="Vegetarisch", newsletter=True, organisation="GGD")
    sign_up(edition, 2, dietary_needs="vegetarisch.", organisation="ggd", role="researcher")
    sign_up(edition, 3, dietary_needs="Geen noten", access_needs="Rolstoel, lift nodig")
    sign_up(edition, 4, newsletter=True, organisation="")

    page = text(org.get(f"/organiser/{edition.slug}/reports?lang=nl"))

    assert "4 komen" in page
    assert "3 met dieetwensen" in page and "1 met toegankelijkheidswensen" in page
    assert "2 aanmeldingen voor de nieuwsbrief" in page
    assert "Vegetarisch 2" in page and "Geen noten 1" in page
    assert "Rolstoel, lift nodig 1" in page
    assert "GGD 2" in page and "Gemeente Utrecht 1" in page and "(niet ingevuld) 1" in page
    assert "Onderzoeker 1" in page

    workbook = openpyxl.load_workbook(
        io.BytesIO(org.get(f"/organiser/{edition.slug}/registrations.xlsx?lang=nl").data)
    )
    assert workbook.sheetnames[0] == "Aanmeldingen"
    dietary = workbook["Dieetwensen"]
    assert [[c.value for c in row] for row in dietary.iter_rows()] == [
        ["Dieetwensen", "Aantal"],
        ["Vegetarisch", 2],
        ["Geen noten", 1],
    ]
    wanted = text(org.get(f"/organiser/{edition.slug}/registrations?newsletter=yes&lang=nl"))
    assert "Person1" in wanted and "Person4" in wanted and "Person2" not in wanted
    opted_in = org.get(f"/organiser/{edition.slug}/registrations.csv?newsletter=yes")
    assert opted_in.data.decode("utf-8-sig").count("@example.org") == 2
    registrations = workbook["Aanmeldingen"]
    header = [c.value for c in registrations[1]]
    newsletter = header.index("Nieuwsbrief")
    assert sorted(row[newsletter].value for row in registrations.iter_rows(min_row=2)) == [
        "Ja",
        "Ja",
        "Nee",
        "Nee",
    ]


# -- names in the Dutch order ------------------------------------------------------------

NAMES = [
    ("Sanne", "de Vries"),
    ("Anna", "van den Bergh"),
    ("Ayşe", "Çelik"),
    ("Bram", "Bakker"),
    ("Daan", "Dekker"),
    ("Victor", "Visser"),
]
DUTCH_ORDER = [
    "Bram Bakker",
    "Anna van den Bergh",
    "Ayşe Çelik",
    "Daan Dekker",
    "Victor Visser",
    "Sanne de Vries",
]


def test_lists_and_exports_file_names_the_dutch_way(app, org, make_edition, sign_up):
    edition = make_edition(rounds=0)
    for number, (first, last) in enumerate(NAMES, 1):
        sign_up(edition, number, first_name=first, last_name=last)

    listed = text(org.get(f"/organiser/{edition.slug}/registrations"))
    exported = list(
        csv.reader(
            io.StringIO(
                org.get(f"/organiser/{edition.slug}/registrations.csv").data.decode("utf-8-sig")
            ),
            delimiter=";",
        )
    )[1:]

    as_listed = [f"{last}, {first}" for first, last in (n.split(" ", 1) for n in DUTCH_ORDER)]
    positions = [listed.index(name) for name in as_listed]
    assert positions == sorted(positions), listed
    assert [f"{row[0]} {row[1]}" for row in exported] == DUTCH_ORDER


def test_a_corrected_name_is_filed_anew(sqlite_app, make_edition, sign_up):
    edition = make_edition(rounds=0)
    registration = db.session.get(Registration, sign_up(edition, 1, last_name="Zomer").id)

    registration.last_name = "van Aalst"
    db.session.commit()

    assert (registration.sort_last, registration.sort_first) == ("aalst", "person1 van")


# -- spreadsheets and mail-outs ----------------------------------------------------------


def test_the_xlsx_has_date_cells_filter_buttons_and_a_frozen_header(
    sqlite_app, org, make_edition, sign_up
):
    edition = make_edition(rounds=0)
    registration = db.session.get(Registration, sign_up(edition, 1).id)
    registration.created_at = datetime(2030, 5, 1, 7, 45, tzinfo=UTC)
    db.session.commit()

    workbook = openpyxl.load_workbook(
        io.BytesIO(org.get(f"/organiser/{edition.slug}/registrations.xlsx?lang=en").data)
    )
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    signed_up = sheet.cell(row=2, column=header.index("Signed up") + 1)

    assert signed_up.is_date and signed_up.value == datetime(2030, 5, 1, 9, 45)  # Amsterdam
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref.startswith("A1:") and sheet.auto_filter.ref.endswith("2")
    csv_row = list(
        csv.reader(
            io.StringIO(
                org.get(f"/organiser/{edition.slug}/registrations.csv?lang=en").data.decode(
                    "utf-8-sig"
                )
            )
        )
    )[1]
    assert "2030-05-01 09:45" in csv_row


def test_past_mail_outs_are_listed_with_their_recipients_and_status(
    sqlite_app,
    org,
    make_edition,
    sign_up,
    organiser,
):
    edition = make_edition(rounds=0)
    sign_up(edition, 1)
    sign_up(edition, 2)
    mailouts.send(
        mailouts.MailoutDraft(edition.id, "Parkeren bij de zaal", "Het kan.", "confirmed"),
        organiser.id,
    )

    page = text(org.get(f"/organiser/{edition.slug}/mailouts?lang=nl"))

    assert "Parkeren bij de zaal" in page
    assert re.search(r"Parkeren bij de zaal 2 bezig: 0 van 2 verstuurd", page), page


def test_the_outbox_says_when_each_message_was_sent(sqlite_app, org, make_edition, sign_up):
    edition = make_edition(rounds=0)
    sign_up(edition, 1)
    db.session.execute(
        sa.update(OutboxMessage).values(created_at=datetime(2030, 5, 1, 7, 45, tzinfo=UTC))
    )
    db.session.commit()

    page = text(org.get("/organiser/outbox?lang=nl"))

    assert "Datum Ontvanger" in page and re.search(r"1 mei 2030 0?9[.:]45 person1@", page)
    assert "Bevestiging (wordt geschreven bij verzenden)" in page  # no English in Dutch


# -- past editions and Dutch words -------------------------------------------------------


def test_a_past_edition_shows_no_seats_left(sqlite_app, client, make_edition):
    past = make_edition(rounds=1, starts=datetime(2020, 10, 12, 7, 30, tzinfo=UTC))
    coming = make_edition(rounds=1)

    then = text(client.get(f"/{past.slug}/?lang=en"))
    session = text(client.get(f"/{past.slug}/sessions/workshop-1-1?lang=en"))
    embedded = text(client.get(f"/{past.slug}/embed?lang=en"))

    assert "Workshop 1.1" in then and "Workshop 1.1" in embedded
    assert "seats left" not in then + session + embedded
    assert "10 seats left" in text(client.get(f"/{coming.slug}/?lang=en"))


def test_dutch_texts_use_the_words_of_the_dutch_menu():
    catalogue = (
        Path(__file__).parent.parent / "translations/nl/LC_MESSAGES/messages.po"
    ).read_text()
    translations = " ".join(
        " ".join(re.findall(r'"(.*)"', block))
        for block in re.findall(r'^msgstr(?:\[\d\])? (".*"(?:\n".*")*)', catalogue, re.M)
    )

    for english in ("worker", "outbox", "mail-out", "mailout"):
        assert english not in translations.lower(), english


# -- clashes and rooms -------------------------------------------------------------------


def post(client, url: str, **fields):
    return client.post(url, data={"csrf_token": csrf_for(client), **fields})


def test_a_room_used_twice_in_a_round_is_a_warning_that_can_be_overruled(
    sqlite_app, org, make_edition
):
    edition = make_edition(rounds=1)
    round_ = edition.rounds[0]
    form = {
        "kind": "breakout",
        "round_id": str(round_.id),
        "title": "Buurtteams",
        "room": "room 1",  # Workshop 1.1's room, typed in lower case
        "capacity": "12",
    }

    warned = post(org, f"/organiser/{edition.slug}/sessions/new?lang=en", **form)
    saved = post(org, f"/organiser/{edition.slug}/sessions/new", save_anyway="yes", **form)
    overview = text(org.get(f"/organiser/{edition.slug}/program?lang=en"))

    assert warned.status_code == 200
    assert "Room 1 is used by Workshop 1.1 and Buurtteams at the same time." in text(warned)
    assert 'href="#save_anyway"' in warned.get_data(as_text=True)
    assert saved.status_code == 302
    assert "Room 1 is used by Workshop 1.1 and Buurtteams at the same time." in overview
    assert "clashes in the program" in overview or "clash in the program" in overview


def test_a_speaker_in_two_sessions_at_once_and_overlapping_rounds_are_warned_of(
    sqlite_app, org, make_edition
):
    edition = make_edition(rounds=1)
    speaker = edition.sessions[0].speakers[0]
    opening = edition.starts_at.astimezone(ZoneInfo("Europe/Amsterdam"))
    round_starts = edition.rounds[0].starts_at.astimezone(ZoneInfo("Europe/Amsterdam"))
    day = opening.date()

    plenary = post(
        org,
        f"/organiser/{edition.slug}/sessions/new?lang=en",
        kind="plenary",
        title="Keynote",
        room="Grote zaal",
        day=day.isoformat(),
        starts_time=(opening + timedelta(minutes=30)).strftime("%H:%M"),  # in the opening
        ends_time=(opening + timedelta(minutes=90)).strftime("%H:%M"),
        speaker_ids=str(speaker.id),
    )
    overlapping = post(
        org,
        f"/organiser/{edition.slug}/rounds/new?lang=en",
        name="Round 2",
        day=day.isoformat(),
        starts_time=(round_starts - timedelta(minutes=30)).strftime("%H:%M"),
        ends_time=(round_starts + timedelta(minutes=30)).strftime("%H:%M"),
    )

    assert f"{speaker.name} speaks in Opening and Keynote at the same time." in text(plenary)
    assert "Grote zaal is used by Opening and Keynote at the same time." in text(plenary)
    assert "Round 2 and Round 1 overlap in time." in text(overlapping)
    db.session.rollback()
    assert [r.name for r in db.session.get(Edition, edition.id).rounds] == ["Round 1"]


def test_rooms_are_a_list_per_edition_and_a_session_takes_its_rooms_capacity(
    sqlite_app, org, make_edition
):
    edition = make_edition(rounds=1)
    round_ = edition.rounds[0]

    added = post(
        org,
        f"/organiser/{edition.slug}/rooms",
        name="Aula",
        capacity="120",
        accessibility="Drempelvrij, ringleiding",
    )
    session = post(
        org,
        f"/organiser/{edition.slug}/sessions/new",
        kind="breakout",
        round_id=str(round_.id),
        title="Grote workshop",
        room="Aula",
        capacity="",
    )
    rooms = text(org.get(f"/organiser/{edition.slug}/rooms?lang=nl"))
    form = org.get(f"/organiser/{edition.slug}/sessions/new").get_data(as_text=True)

    assert added.status_code == 302 and session.status_code == 302
    db.session.rollback()
    [created] = [
        s for s in db.session.get(Edition, edition.id).sessions if s.title == "Grote workshop"
    ]
    assert created.capacity == 120
    assert "Aula 120 Drempelvrij, ringleiding" in rooms
    assert '<option value="Aula">' in form and 'list="rooms"' in form
    copied = post(org, f"/organiser/{edition.slug}/copy", title="Volgend jaar", slug="volgend")
    assert copied.status_code == 302
    assert "Aula 120 Drempelvrij, ringleiding" in text(org.get("/organiser/volgend/rooms"))


def test_the_migration_keeps_the_rooms_sessions_named_and_files_names_the_dutch_way(sqlite_url):
    app = build_app(sqlite_url)
    with app.app_context():
        flask_migrate.downgrade(revision="0011")
        db.session.execute(
            sa.text(
                "INSERT INTO edition (id, slug, title, starts_at, ends_at, venue, venue_details,"
                " timezone, registered, allocation_mode, allocation_seed, status,"
                " certificate_text, description, program_version, speakers_see_attendees,"
                " privacy_text) VALUES (1, '2031', 'S', '2031-01-01 09:00:00',"
                " '2031-01-01 17:00:00', 'Utrecht', '', 'Europe/Amsterdam', 0, 'first_come',"
                " 0, 'published', '', '', 1, 0, '')"
            )
        )
        for number, room in enumerate(["Zaal 3", "Zaal 3", "Aula, begane grond", ""], 1):
            db.session.execute(
                sa.text(
                    "INSERT INTO session (edition_id, kind, title, slug, abstract, room,"
                    " starts_at, ends_at, taken, waiting, summary, summary_status,"
                    " summary_remark) VALUES (1, 'plenary', :t, :t, '', :room,"
                    " '2031-01-01 09:00:00', '2031-01-01 10:00:00', 0, 0, '', 'draft', '')"
                ),
                {"t": f"s{number}", "room": room},
            )
        db.session.execute(
            sa.text(
                "INSERT INTO registration (edition_id, first_name, last_name, email, email_key,"
                " organisation, role, dietary_needs, access_needs, newsletter, answers,"
                " consent_at, locale, status, manage_secret, created_at) VALUES (1, 'Sanne',"
                " 'de Vries', 'a@b.nl', 'a@b.nl', '', 'other', '', '', 0, '{}',"
                " '2030-01-01 00:00:00', 'nl', 'confirmed', 'x', '2030-01-01 00:00:00')"
            )
        )
        db.session.commit()

        flask_migrate.upgrade()

        rooms = db.session.execute(sa.text("SELECT name FROM room ORDER BY name")).scalars()
        assert list(rooms) == ["Aula, begane grond", "Zaal 3"]
        keys = db.session.execute(sa.text("SELECT sort_last, sort_first FROM registration"))
        assert list(keys) == [("vries", "sanne de")]
        db.engine.dispose()
