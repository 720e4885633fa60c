"""Accreditation points: setting up per register, numbers at sign-up, hours present from
check-in and check-out, who qualifies, the reports and PE-online's web service."""

import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from symposium import privacy
from symposium.accounts import service as accounts
from symposium.accreditation import numbers, pe_online, presence, reports, service
from symposium.accreditation.models import Accreditation, Register, RegisterNumber
from symposium.audit.models import AuditEntry
from symposium.audit.service import Actor
from symposium.extensions import db
from symposium.program.models import Edition
from symposium.registration import organisers
from symposium.registration.personal import manage_token
from tests import pe_online_standin
from tests.test_organiser import PASSWORD, csrf_for, sign_in, text

ACTOR = Actor(None, "org@example.org")


@pytest.fixture
def org(app_under_test):
    accounts.create_organiser("Org@Example.org", "Olga Organiser", PASSWORD)
    client = app_under_test.test_client()
    assert sign_in(client).status_code == 302
    return client


def post(client, url, **fields):
    return client.post(url, data={"csrf_token": csrf_for(client), **fields})


def workshops(edition) -> list[int]:
    return sorted(s.id for s in db.session.get(Edition, edition.id).sessions if s.round_id)


def accredit(edition, register="registerplein", **fields) -> Accreditation:
    draft = service.AccreditationDraft(
        register=register,
        activity_id=fields.pop("activity_id", "9471"),
        granted=fields.pop("granted", True),
        items=fields.pop("items", None) or dict.fromkeys(workshops(edition), ""),
        **fields,
    )
    return service.create(edition.id, draft, ACTOR)


# -- register numbers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("register", "typed", "kept", "fine"),
    [
        ("registerplein", "4610 123 45", "461012345", True),
        ("registerplein", "123456789", "123456789", False),
        ("skj", "100012345", "100012345", True),
        ("skj", "12-34", "1234", False),
        ("kwaliteitsregister_vv", "1234567", "1234567", True),
        ("big_gaia", "19012345618", "19012345618", True),
        ("big_gaia", "19012345619", "19012345619", False),
        ("big_gaia", "1901234560", "1901234560", False),
        ("other", "AB-12", "AB12", True),
        ("registerplein", "", "", True),
    ],
)
def test_register_numbers_are_cleaned_and_checked_per_register(register, typed, kept, fine):
    number, problem = numbers.clean(Register(register), typed)
    assert number == kept
    assert (problem is None) is fine


def test_the_big_number_check_is_a_weighted_eleven_test():
    assert numbers.eleven_test("19012345618")
    assert not any(numbers.eleven_test(f"1901234561{d}") for d in "012345679")


# -- setting up ----------------------------------------------------------------------------


def test_organiser_sets_up_changes_and_removes_an_accreditation(sqlite_app, org, make_edition):
    edition = make_edition()
    base = f"/organiser/{edition.slug}/accreditation"

    overview = text(org.get(base))
    assert "Netto inhoudsuren van het programma" in overview
    assert "Opening" in overview and "Workshop 1.1" in overview
    form = org.get(f"{base}/new").get_data(as_text=True)
    opening = next(s for s in db.session.get(Edition, edition.id).sessions if s.slug == "opening")
    assert f'id="item-{opening.id}" name="items" value="{opening.id}">' in form  # not ticked
    assert f'value="{workshops(edition)[0]}" checked' in form

    refused = post(
        org, f"{base}/new", register="registerplein", granted="y", min_presence_percent="120"
    )
    page = text(refused)
    assert refused.status_code == 200 and page.startswith(" Fout: ")
    assert "Een toegekende accreditatie heeft een activiteitnummer." in page
    assert "Geef een heel percentage van 0 tot 100." in page
    assert "Kies ten minste één programmaonderdeel dat meetelt." in page
    assert db.session.scalar(sa.select(sa.func.count(Accreditation.id))) == 0

    added = post(
        org,
        f"{base}/new",
        register="registerplein",
        activity_id="9471",
        granted="y",
        min_presence_percent="80",
        items=[str(i) for i in workshops(edition)],
    )
    assert added.status_code == 302
    listed = text(org.get(base))
    assert "Registerplein 9471 2 Toegekend" in listed  # two rounds of one hour: 2 points

    db.session.rollback()
    accreditation = db.session.scalars(sa.select(Accreditation)).one()
    edit = f"{base}/{accreditation.id}"
    assert 'value="9471"' in org.get(edit).get_data(as_text=True)
    assert (
        post(
            org,
            edit,
            register="registerplein",
            activity_id="9471",
            points="3,5",
            min_presence_percent="75",
            items=[str(workshops(edition)[0])],
        ).status_code
        == 302
    )
    db.session.rollback()
    accreditation = db.session.get(Accreditation, accreditation.id)
    assert (str(accreditation.points), accreditation.min_presence_percent) == ("3.5", 75)
    assert not accreditation.granted and len(accreditation.items) == 1

    assert "Accreditatie voor Registerplein verwijderen?" in text(org.get(f"{edit}/delete"))
    assert post(org, f"{edit}/delete").status_code == 302
    db.session.rollback()
    assert db.session.get(Accreditation, accreditation.id) is None
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert {"accreditation.add", "accreditation.update", "accreditation.remove"} <= set(actions)


def test_one_accreditation_per_register(sqlite_app, make_edition):
    edition = make_edition()
    accredit(edition)
    with pytest.raises(service.InvalidAccreditation) as refused:
        accredit(edition)
    assert "register" in refused.value.errors


# -- numbers at sign-up and from the link -----------------------------------------------


def sign_up_form(edition, **fields):
    round_ids = [r.id for r in db.session.get(Edition, edition.id).rounds]
    return {
        "first_name": "Fatima",
        "last_name": "Jansen",
        "email": "fatima@example.org",
        "organisation": "Wijkteam",
        "role": "social_worker",
        "consent": "y",
        **{f"round-{rid}": "none" for rid in round_ids},
        **fields,
    }


def test_the_sign_up_form_asks_register_numbers_only_when_accredited(sqlite_app, make_edition):
    edition = make_edition()
    client = sqlite_app.test_client()
    assert "Registerplein" not in text(client.get(f"/{edition.slug}/register"))
    accredit(edition)
    accredit(edition, "skj", granted=False, activity_id="")
    page = text(client.get(f"/{edition.slug}/register"))
    assert "Accreditatiepunten" in page and "Je Registerplein-nummer" in page

    wrong = client.post(
        f"/{edition.slug}/register",
        data={
            "csrf_token": csrf_for(client),
            **sign_up_form(edition, **{"register-registerplein": "12345"}),
        },
    )
    assert "Een Registerplein-nummer begint met 4610" in text(wrong)
    assert db.session.scalar(sa.select(sa.func.count(RegisterNumber.id))) == 0

    done = client.post(
        f"/{edition.slug}/register",
        data={
            "csrf_token": csrf_for(client),
            **sign_up_form(edition, **{"register-registerplein": "4610 12345", "register-skj": ""}),
        },
    )
    assert done.status_code == 302
    db.session.rollback()
    row = db.session.scalars(sa.select(RegisterNumber)).one()
    assert (row.register, row.number) == (Register.registerplein, "461012345")

    own = done.location.replace("/r/", "/r/", 1) + "/register-numbers"
    assert 'value="461012345"' in client.get(own).get_data(as_text=True)
    bad = client.post(own, data={"csrf_token": csrf_for(client), "register-skj": "12"})
    assert "Een SKJ-registratienummer heeft 6 tot 9 cijfers" in text(bad)
    assert (
        client.post(
            own,
            data={
                "csrf_token": csrf_for(client),
                "register-registerplein": "",
                "register-skj": "100012345",
            },
        ).status_code
        == 302
    )
    db.session.rollback()
    assert service.numbers_of(row.registration_id) == {Register.skj: "100012345"}


# -- presence --------------------------------------------------------------------------


@pytest.fixture
def day_after(make_edition, sign_up):
    """An edition that was yesterday: Anna stayed all day, Bram left after the first round,
    Cas never came; all three gave a Registerplein number."""
    starts = (datetime.now(UTC) - timedelta(days=1)).replace(hour=8, minute=0, microsecond=0)
    edition = make_edition(starts=starts, opens_in=timedelta(days=-30), closes_in=timedelta(0))
    edition = db.session.get(Edition, edition.id)
    first, second = (sorted(r.sessions, key=lambda s: s.slug)[0] for r in edition.rounds)
    choices = {first.round_id: first.id, second.round_id: second.id}
    with_open_sign_up(edition)
    people = [
        sign_up(edition, n, choices, first_name=name, last_name="Tester")
        for n, name in enumerate(("Anna", "Bram", "Cas"), start=1)
    ]
    for person, number in zip(people, ("461000001", "461000002", "461000003"), strict=True):
        service.save_numbers(person.id, {Register.registerplein: number})
    anna, bram, _cas = people
    organisers.check_in(anna.id, ACTOR, now=starts)
    organisers.check_in(bram.id, ACTOR, now=starts)
    organisers.check_out(bram.id, ACTOR, now=starts + timedelta(hours=3, minutes=30))
    return edition, accredit(edition), people


def with_open_sign_up(edition):
    edition.registration_closes_at = datetime.now(UTC) + timedelta(days=1)
    db.session.commit()


def test_who_qualifies_follows_the_hours_between_check_in_and_check_out(app, day_after):
    _edition, accreditation, (_anna, bram, cas) = day_after
    found = {o.registration.first_name: o for o in presence.outcomes(accreditation)}

    assert found["Anna"].qualifies and found["Anna"].present_hours == 2
    assert str(found["Anna"].points) == "2.0"
    assert not found["Bram"].qualifies and found["Bram"].percent == 50
    assert str(found["Bram"].reason) == "Aanwezig 1 van 2 uur (50 %); 80 % is nodig."
    assert not found["Cas"].qualifies and str(found["Cas"].reason) == "Niet ingecheckt."

    presence.correct(accreditation.id, bram.id, True, "Ging weg voor een spoedgeval", ACTOR)
    bram_now = presence.outcome_for_id(accreditation, bram.id)
    assert bram_now.qualifies and bram_now.corrected
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "accreditation.correct")
    ).one()
    assert entry.after["reason"] == "Ging weg voor een spoedgeval"
    with pytest.raises(presence.InvalidCorrection):
        presence.correct(accreditation.id, cas.id, True, "  ", ACTOR)


def test_the_door_checks_out_and_the_presence_page_says_why(sqlite_app, org, day_after):
    edition, accreditation, (anna, _bram, _cas) = day_after
    door = f"/organiser/{edition.slug}/check-out/{anna.id}"
    done = post(org, door, q="Anna")
    assert "Anna Tester is uitgecheckt." in text(org.get(done.location))
    assert "Uitgecheckt om" in text(org.get(f"/organiser/{edition.slug}/check-in?q=Anna"))
    again = post(org, door, q="Anna")
    assert "Anna Tester was al uitgecheckt." in text(org.get(again.location))
    assert post(org, f"{door}/undo").status_code == 302
    db.session.rollback()
    assert db.session.get(type(anna), anna.id).checked_out_at is None
    post(org, door)
    post(org, f"/organiser/{edition.slug}/check-in/{anna.id}/undo")  # a wrong tap at the door
    db.session.rollback()
    taken_back = db.session.get(type(anna), anna.id)
    assert (taken_back.checked_in_at, taken_back.checked_out_at) == (None, None)
    organisers.check_in(anna.id, ACTOR, now=edition.starts_at)

    page = text(org.get(f"/organiser/{edition.slug}/accreditation/{accreditation.id}/presence"))
    assert "1 van de 3 mensen met een registernummer komen in aanmerking" in page
    assert "Anna Tester 461000001 2 van 2 Ja · 2 punten" in page
    assert "Bram Tester 461000002 1 van 2 Nee Aanwezig 1 van 2 uur (50 %); 80 % is nodig." in page
    assert "Cas Tester 461000003 0 van 2 Nee Niet ingecheckt." in page

    url = f"/organiser/{edition.slug}/accreditation/{accreditation.id}/presence/{_cas.id}"
    refused = post(org, url, decision="yes", reason="")
    assert "Cas Tester: Geef de reden van de correctie." in text(org.get(refused.location))
    post(org, url, decision="yes", reason="Stond op de papieren lijst")
    page = text(org.get(f"/organiser/{edition.slug}/accreditation/{accreditation.id}/presence"))
    assert "Ja · 2 punten Gecorrigeerd: Stond op de papieren lijst" in page


# -- reports -----------------------------------------------------------------------------


def test_reports_list_those_who_qualify(sqlite_app, org, day_after):
    from lxml import etree
    from openpyxl import load_workbook

    edition, accreditation, _people = day_after
    assert reports.paste_list(accreditation) == "#461000001\n"
    xml = reports.pe_xml(accreditation, reports.Credentials("u", "k", "o"))
    assert reports.schema_errors(xml) == []
    entry = etree.fromstring(xml.encode())
    assert [a.findtext("externalPersonID") for a in entry.findall("Attendance")] == ["461000001"]
    assert entry.find("Attendance/PECourseID").text == "9471"
    assert entry.findtext("Settings/userRole") == "EDU"
    assert entry.find("Attendance/endDate").text.endswith(("+01:00", "+02:00"))
    broken = xml.replace("<userRole>EDU</userRole>", "")
    assert reports.schema_errors(broken)

    base = f"/organiser/{edition.slug}/accreditation/{accreditation.id}/report"
    sheet = load_workbook(io.BytesIO(org.get(f"{base}.xlsx").data)).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("Achternaam", "Voorletters", "Voornaam")
    assert [r[6] for r in rows[1:]] == ["461000001", "461000002", "461000003"]
    pdf = PdfReader(io.BytesIO(org.get(f"{base}.pdf").data))
    words = pdf.pages[0].extract_text()
    assert "Presentielijst" in words and "Handtekening" in words and "461000002" in words
    assert org.get(f"{base}.paste").data == b"#461000001\n"


# -- PE-online's web service ---------------------------------------------------------------


@pytest.fixture
def standin(sqlite_app):
    state, server = pe_online_standin.start()
    sqlite_app.config.update(PE_ONLINE_URL=state.url, PE_ONLINE_TIMEOUT=0.5)
    yield state
    server.shutdown()
    server.server_close()


def test_pe_online_answers_per_person_and_rejected_rows_go_again(
    sqlite_app, org, day_after, standin
):
    edition, accreditation, (_anna, bram, _cas) = day_after
    presence.correct(accreditation.id, bram.id, True, "Spoedgeval", ACTOR)
    standin.unknown = {"461000002"}
    page_url = f"/organiser/{edition.slug}/accreditation/{accreditation.id}/pe-online"
    credentials = {"user_id": "user", "user_key": "geheim", "org_id": "42"}

    assert "Vul dit veld in." in text(post(org, page_url, rows="all", user_id="user"))
    assert standin.received == []

    sent = post(org, page_url, rows="all", **credentials)
    assert sent.status_code == 302
    assert reports.schema_errors(standin.received[0]) == []
    page = text(org.get(page_url))
    assert "PE-online heeft 1 van de 2 regels geaccepteerd." in page
    assert "Geaccepteerd" in page
    assert "Afgewezen: Persoon 461000002 op regel 2 is niet bekend bij het register" in page

    wrong = post(org, page_url, rows="rejected", **credentials, **{f"number-{bram.id}": "99"})
    assert "Een Registerplein-nummer begint met 4610" in text(wrong)
    assert len(standin.received) == 1

    again = post(
        org, page_url, rows="rejected", **credentials, **{f"number-{bram.id}": "461000022"}
    )
    assert again.status_code == 302
    assert "<externalPersonID>461000022</externalPersonID>" in standin.received[1]
    assert "461000001" not in standin.received[1]  # only the rejected row
    assert "Afgewezen" not in text(org.get(page_url))
    db.session.rollback()
    assert service.numbers_of(bram.id)[Register.registerplein] == "461000022"
    assert "geheim" not in str(db.session.scalars(sa.select(AuditEntry.after)).all())


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("slow", "PE-online gaf niet op tijd antwoord; niets is als verzonden gemarkeerd."),
        ("malformed", "Het antwoord van PE-online is niet te lezen"),
    ],
)
def test_no_answer_or_a_malformed_one_marks_nothing(
    sqlite_app, org, day_after, standin, mode, message
):
    edition, accreditation, _people = day_after
    standin.mode = mode
    page_url = f"/organiser/{edition.slug}/accreditation/{accreditation.id}/pe-online"
    answer = post(org, page_url, rows="all", user_id="u", user_key="k", org_id="o")
    assert message in text(answer)
    assert pe_online.results(accreditation) == []


# -- personal data ---------------------------------------------------------------------------


def test_register_numbers_are_in_the_own_copy_and_go_with_erasure(sqlite_app, day_after):
    _edition, _accreditation, (anna, _bram, _cas) = day_after
    client = sqlite_app.test_client()
    copy = client.get(f"/r/{manage_token(anna)}/my-data.json").get_json()
    assert copy["register_numbers"] == [{"register": "registerplein", "number": "461000001"}]
    privacy.erase(anna.id)
    assert service.numbers_of(anna.id) == {}


def test_the_command_line_writes_the_reports(sqlite_app, day_after, tmp_path):
    edition, _accreditation, _people = day_after
    runner = sqlite_app.test_cli_runner()
    paste, xml = tmp_path / "paste.txt", tmp_path / "pe.xml"

    done = runner.invoke(
        args=[
            "accreditation",
            edition.slug,
            "--register",
            "registerplein",
            "--format",
            "paste",
            "-o",
            str(paste),
        ]
    )
    assert done.exit_code == 0, done.output
    assert paste.read_text() == "#461000001\n"
    runner.invoke(
        args=[
            "accreditation",
            edition.slug,
            "--register",
            "registerplein",
            "--format",
            "pe-xml",
            "-o",
            str(xml),
        ]
    )
    assert reports.schema_errors(xml.read_text()) == []
    missing = runner.invoke(
        args=[
            "accreditation",
            edition.slug,
            "--register",
            "skj",
            "--format",
            "paste",
            "-o",
            str(paste),
        ]
    )
    assert missing.exit_code != 0 and "has no skj accreditation" in missing.output


# -- certificates that count -----------------------------------------------------------------


def test_the_certificate_lists_the_points_once_the_day_is_over(sqlite_app, day_after):
    edition, _accreditation, (anna, bram, _cas) = day_after
    client = sqlite_app.test_client()

    pdf = client.get(f"/r/{manage_token(anna)}/certificate.pdf")
    words = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Accreditatiepunten" in words
    assert "Registerplein" in words and "461000001" in words and "9471" in words
    assert "Registernummer" in words

    bram_pdf = client.get(f"/r/{manage_token(bram)}/certificate.pdf")
    assert "Accreditatiepunten" not in PdfReader(io.BytesIO(bram_pdf.data)).pages[0].extract_text()

    edition = db.session.get(Edition, edition.id)
    edition.ends_at = datetime.now(UTC) + timedelta(hours=1)  # still going: not known yet
    db.session.commit()
    assert presence.earned_points(edition.id) == {}


def test_the_personal_page_shows_the_points_earned(sqlite_app, day_after):
    _edition, _accreditation, (anna, bram, _cas) = day_after
    client = sqlite_app.test_client()
    page = text(client.get(f"/r/{manage_token(anna)}"))
    assert (
        "Registerplein (nummer 461000001, activiteit 9471): 2 punten voor 2 uur aanwezig." in page
    )
    assert "Je registernummers voor accreditatiepunten" in page
    assert "activiteit 9471" not in text(client.get(f"/r/{manage_token(bram)}"))


# -- the demo ------------------------------------------------------------------------------


def test_the_demo_is_accredited_with_some_qualifying_and_some_not(sqlite_app):
    from symposium import demo

    slugs = demo.load(today=datetime(2026, 11, 28).date())
    demo.load(today=datetime(2026, 11, 28).date())  # again: nothing doubled
    by_slug = {e.slug: service.for_edition(e.id) for e in db.session.scalars(sa.select(Edition))}
    registerplein, skj = by_slug["2019"]
    assert (registerplein.activity_id, registerplein.granted, str(registerplein.points)) == (
        "312345",
        True,
        "3.8",
    )
    assert skj.register == Register.skj and skj.granted
    plein = {o.registration.last_name: o.qualifies for o in presence.outcomes(registerplein)}
    assert plein == {
        "de Graaf": True,
        "Hendriks": False,
        "Ouali": True,
        "Smit": False,
        "Visser": True,
    }
    assert {o.registration.last_name: o.qualifies for o in presence.outcomes(skj)} == {
        "Brouwer": False,
        "Mulder": True,
        "Visser": True,
    }
    (upcoming,) = by_slug[slugs[-1]]
    assert not upcoming.granted and upcoming.activity_id == ""


def test_per_session_points_count_each_item_attended(sqlite_app, day_after):
    edition, whole_day, (anna, bram, cas) = day_after
    first, *others = workshops(edition)
    items = {first: "3", **dict.fromkeys(others, "")}
    draft = service.draft_of(whole_day)
    draft.per_session, draft.items, draft.points = True, items, ""
    service.update(whole_day.id, draft, ACTOR)
    accreditation = service.get(whole_day.id)
    assert str(accreditation.points) == "8.0"  # 3 + five items of one net hour
    points = {o.registration.id: str(o.points) for o in presence.outcomes(accreditation)}
    assert points == {anna.id: "4.0", bram.id: "3.0", cas.id: "0"}
