"""The program outside the site: calendar feeds, the frab schedule, the embeddable program."""

import json
import re
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
import sqlalchemy as sa
from icalendar import Calendar
from lxml import etree

from symposium import demo
from symposium.extensions import db
from symposium.program.models import Edition, EditionStatus, Person, Round, Session, SessionKind
from symposium.program.service import bump_program_version
from symposium.registration import service as registration_service
from symposium.registration.personal import manage_token
from tests.conftest import build_app

#: copies of voc/schedule's schemas (EUPL-1.2, see the README there)
SCHEMAS = Path(__file__).resolve().parent / "data" / "frab"


@pytest.fixture
def client(sqlite_app):
    return sqlite_app.test_client()


@pytest.fixture
def demo_2019(sqlite_app) -> Edition:
    demo.load(today=datetime(2026, 11, 28).date())
    return db.session.scalars(sa.select(Edition).where(Edition.slug == "2019")).one()


def events(response) -> list:
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    return list(Calendar.from_ical(response.get_data(as_text=True)).walk("VEVENT"))


def utc(value) -> datetime:
    return value.dt.astimezone(UTC)


def text(response) -> str:
    without_tags = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", unescape(without_tags))


def change_program(session: Session, **values) -> None:
    """What an organiser's edit does: change the session and bump the program version."""
    for name, value in values.items():
        setattr(session, name, value)
    bump_program_version(session.edition)
    db.session.commit()


# -- the whole program in a calendar app --------------------------------------------------


def test_a_calendar_app_subscribes_to_the_whole_program(client, demo_2019):
    sessions = db.session.scalars(sa.select(Session).where(Session.edition == demo_2019)).all()

    found = events(client.get("/2019/program.ics"))

    assert len(found) == len(sessions)
    assert len({str(event["uid"]) for event in found}) == len(sessions)
    talk = next(
        e for e in found if e["summary"] == "De politiserende kracht van sociaal professionals"
    )
    assert utc(talk["dtstart"]) == datetime(2019, 11, 25, 12, 30, tzinfo=UTC)  # 13.30 uur
    assert utc(talk["dtend"]) == datetime(2019, 11, 25, 13, 45, tzinfo=UTC)
    assert talk["dtstart"].params["TZID"] == "Europe/Amsterdam"
    assert str(talk["location"]) == "Zaal 1, Utrecht"
    description = str(talk["description"])
    assert "Guido Walraven" in description
    assert "collectieve verantwoordelijkheid" in description  # from the abstract
    page = urlsplit(str(talk["url"]))
    assert page.path == "/2019/sessions/politiserende-kracht"
    assert "De politiserende kracht" in text(client.get(page.path))


def test_every_feed_answers_on_both_databases(app, make_edition):
    edition = make_edition(rounds=2, sessions_per_round=3)
    client = app.test_client()

    assert len(events(client.get(f"/{edition.slug}/program.ics"))) == 7
    schedule = client.get(f"/{edition.slug}/schedule.json").get_json()
    [day] = schedule["schedule"]["conference"]["days"]
    assert sum(len(room) for room in day["rooms"].values()) == 7
    xml = etree.fromstring(client.get(f"/{edition.slug}/schedule.xml").get_data())
    assert len(xml.findall("day/room/event")) == 7
    assert "nog 10 plaatsen" in text(client.get(f"/{edition.slug}/embed"))


def test_the_calendar_says_which_time_zone_it_means(client, demo_2019):
    calendar = Calendar.from_ical(client.get("/2019/program.ics").get_data(as_text=True))

    [zone] = calendar.walk("VTIMEZONE")
    assert zone["tzid"] == "Europe/Amsterdam"
    assert calendar["x-wr-timezone"] == "Europe/Amsterdam"
    assert calendar["x-wr-calname"] == "De waarde van werken in het sociaal domein"


def test_a_moved_session_is_updated_in_the_calendar_not_duplicated(client, make_edition):
    edition = make_edition(rounds=1)
    workshop = edition.rounds[0].sessions[0]
    before = {str(e["uid"]): e for e in events(client.get(f"/{edition.slug}/program.ics"))}

    change_program(
        workshop,
        starts_at=workshop.starts_at + timedelta(hours=3),
        ends_at=workshop.ends_at + timedelta(hours=3),
        room="Aula",
    )
    after = {str(e["uid"]): e for e in events(client.get(f"/{edition.slug}/program.ics"))}

    assert before.keys() == after.keys()
    [moved] = [uid for uid in after if after[uid]["summary"] == workshop.title]
    assert utc(after[moved]["dtstart"]) == utc(before[moved]["dtstart"]) + timedelta(hours=3)
    assert str(after[moved]["location"]).startswith("Aula")


def edition_around_clock_changes() -> Edition:
    """Sessions on the last Sunday of October 2030 and of March 2031, in Amsterdam."""
    edition = Edition(
        slug="klok",
        title="Rond de klok",
        starts_at=datetime(2030, 10, 26, 22, tzinfo=UTC),
        ends_at=datetime(2031, 3, 30, 16, tzinfo=UTC),
        venue="Utrecht",
        status=EditionStatus.published,
    )
    plenaries = [
        # 02.30 summer time until 02.30 winter time: the hour that happens twice
        ("nacht", datetime(2030, 10, 27, 0, 30, tzinfo=UTC), datetime(2030, 10, 27, 1, 30)),
        # 10.00–11.00 winter time (UTC+1), the morning after the change
        ("herfst", datetime(2030, 10, 27, 9, tzinfo=UTC), datetime(2030, 10, 27, 10)),
        # 10.00–11.00 summer time (UTC+2), the morning after the change
        ("lente", datetime(2031, 3, 30, 8, tzinfo=UTC), datetime(2031, 3, 30, 9)),
    ]
    for slug, starts, ends in plenaries:
        edition.sessions.append(
            Session(
                kind=SessionKind.plenary,
                title=slug.capitalize(),
                slug=slug,
                starts_at=starts,
                ends_at=ends.replace(tzinfo=UTC),
            )
        )
    db.session.add(edition)
    db.session.commit()
    return edition


def test_times_are_right_across_the_changes_to_and_from_summer_time(client, sqlite_app):
    edition = edition_around_clock_changes()
    stored = {s.title: (s.starts_at, s.ends_at) for s in edition.sessions}

    response = client.get("/klok/program.ics")
    found = {str(e["summary"]): e for e in events(response)}

    for title, (starts, ends) in stored.items():
        assert (utc(found[title]["dtstart"]), utc(found[title]["dtend"])) == (starts, ends)
    feed = response.get_data(as_text=True)
    assert "DTSTART;TZID=Europe/Amsterdam:20301027T100000" in feed
    assert "DTSTART;TZID=Europe/Amsterdam:20310330T100000" in feed
    schedule = json.loads(client.get("/klok/schedule.json").get_data(as_text=True))
    dates = {
        event["title"]: (event["date"], event["duration"])
        for day in schedule["schedule"]["conference"]["days"]
        for room in day["rooms"].values()
        for event in room
    }
    assert dates == {
        "Nacht": ("2030-10-27T02:30:00+02:00", "01:00"),
        "Herfst": ("2030-10-27T10:00:00+01:00", "01:00"),
        "Lente": ("2031-03-30T10:00:00+02:00", "01:00"),
    }


def test_the_feed_speaks_the_language_asked_for(client, demo_2019):
    dutch = client.get("/2019/program.ics", headers={"Accept-Language": "nl"})
    english = client.get("/2019/program.ics?lang=en")

    opening = next(e for e in events(dutch) if e["summary"] == "Ontvangst met koffie")
    assert opening["categories"].cats == ["Plenair"]
    opening = next(e for e in events(english) if e["summary"] == "Ontvangst met koffie")
    assert opening["categories"].cats == ["Plenary"]
    assert dutch.headers["ETag"] != english.headers["ETag"]
    assert "Accept-Language" in english.headers["Vary"]


def test_an_unknown_or_draft_edition_has_no_feeds(client, make_edition):
    draft = make_edition(status=EditionStatus.draft)

    for path in ("program.ics", "schedule.xml", "schedule.json", "embed"):
        assert client.get(f"/nope/{path}").status_code == 404
        assert client.get(f"/{draft.slug}/{path}").status_code == 404


# -- the personal program -----------------------------------------------------------------


def test_a_person_adds_their_own_program_to_their_calendar(client, make_edition, sign_up):
    edition = make_edition(rounds=2)
    chosen = edition.rounds[0].sessions[1]
    registration = sign_up(edition, 1, {chosen.round_id: chosen.id})
    token = manage_token(registration)

    manage = client.get(f"/r/{token}")
    assert "Zet in je agenda" in text(manage)
    assert f'href="/r/{token}/calendar.ics"' in manage.get_data(as_text=True)

    found = events(client.get(f"/r/{token}/calendar.ics"))
    assert sorted(str(e["summary"]) for e in found) == ["Opening", chosen.title]
    assert "Add to your calendar" in text(client.get(f"/r/{token}?lang=en"))


def test_a_cancelled_registration_empties_the_personal_calendar(client, make_edition, sign_up):
    edition = make_edition(rounds=1)
    chosen = edition.rounds[0].sessions[0]
    registration = sign_up(edition, 1, {chosen.round_id: chosen.id})
    token = manage_token(registration)

    registration_service.cancel(registration.id)

    assert events(client.get(f"/r/{token}/calendar.ics")) == []
    assert "Zet in je agenda" not in text(client.get(f"/r/{token}"))
    assert client.get("/r/not-a-token/calendar.ics").status_code == 404


def test_the_personal_calendar_answers_304_until_it_changes(client, make_edition, sign_up):
    edition = make_edition(rounds=2)
    first, second = edition.rounds
    registration = sign_up(edition, 1, {first.id: first.sessions[0].id})
    url = f"/r/{manage_token(registration)}/calendar.ics"
    etag = client.get(url).headers["ETag"]

    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    registration_service.change_choice(registration.id, second.id, second.sessions[0].id)
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 200
    assert len(events(again)) == 3
    assert again.headers["Cache-Control"] == "no-store"  # personal: no cache keeps it


# -- the frab schedule for conference apps ------------------------------------------------


def schema_file(name: str) -> Path:
    return SCHEMAS / name


def test_a_conference_app_can_load_the_schedule_xml(client, demo_2019):
    schema = etree.XMLSchema(etree.parse(str(schema_file("schedule.xml.xsd"))))
    response = client.get("/2019/schedule.xml")

    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    document = etree.fromstring(response.get_data())
    schema.assertValid(document)

    assert document.findtext("conference/title") == "De waarde van werken in het sociaal domein"
    assert document.findtext("conference/time_zone_name") == "Europe/Amsterdam"
    [day] = document.findall("day")
    assert day.get("date") == "2019-11-25"
    talk = document.xpath("//event[title='De politiserende kracht van sociaal professionals']")[0]
    assert talk.getparent().get("name") == "Zaal 1"
    assert talk.findtext("room") == "Zaal 1"
    assert talk.findtext("date") == "2019-11-25T13:30:00+01:00"
    assert (talk.findtext("start"), talk.findtext("duration")) == ("13:30", "01:15")
    assert "collectieve verantwoordelijkheid" in talk.findtext("abstract")
    assert "Guido Walraven" in [p.text for p in talk.findall("persons/person")]
    assert talk.find("links/link").get("href").endswith("/2019/sessions/politiserende-kracht")
    assert talk.findtext("url").endswith("/2019/sessions/politiserende-kracht")


def test_a_conference_app_can_load_the_schedule_json(client, demo_2019):
    schema = json.loads(schema_file("schedule.schema.json").read_text())
    response = client.get("/2019/schedule.json")

    assert response.mimetype == "application/json"
    document = response.get_json()
    validator = jsonschema.Draft6Validator(
        schema, format_checker=jsonschema.Draft6Validator.FORMAT_CHECKER
    )
    problems = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
    assert problems == []

    conference = document["schedule"]["conference"]
    assert conference["daysCount"] == 1
    [day] = conference["days"]
    events_ = [event for room in day["rooms"].values() for event in room]
    assert len(events_) == len(demo_2019.sessions)
    talk = next(e for e in events_ if e["title"].startswith("De politiserende kracht"))
    assert (talk["room"], talk["start"], talk["duration"]) == ("Zaal 1", "13:30", "01:15")
    assert {"name": "Guido Walraven"}.items() <= talk["persons"][0].items()
    for event in events_:  # the formats the schema names but jsonschema cannot check alone
        datetime.fromisoformat(event["date"])
        assert urlsplit(event["url"]).scheme in ("http", "https")


def test_an_edition_with_nothing_planned_yet_is_a_valid_empty_schedule(client, make_edition):
    xsd = etree.XMLSchema(etree.parse(str(schema_file("schedule.xml.xsd"))))
    json_schema = json.loads(schema_file("schedule.schema.json").read_text())
    edition = make_edition(rounds=0)
    db.session.delete(edition.sessions[0])
    bump_program_version(edition)
    db.session.commit()

    xml = etree.fromstring(client.get(f"/{edition.slug}/schedule.xml").get_data())
    xsd.assertValid(xml)
    assert xml.findall("day/room") == []
    jsonschema.validate(client.get(f"/{edition.slug}/schedule.json").get_json(), json_schema)
    assert events(client.get(f"/{edition.slug}/program.ics")) == []


def test_event_identifiers_stay_when_the_program_changes(client, make_edition):
    edition = make_edition(rounds=1)
    url = f"/{edition.slug}/schedule.json"

    def guids() -> dict[str, str]:
        days = client.get(url).get_json()["schedule"]["conference"]["days"]
        return {e["title"]: e["guid"] for d in days for r in d["rooms"].values() for e in r}

    before = guids()
    change_program(edition.rounds[0].sessions[0], title="Nieuwe titel")
    after = guids()

    assert sorted(before.values()) == sorted(after.values())
    assert after["Nieuwe titel"] == before["Workshop 1.1"]


# -- caching ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["program.ics", "schedule.xml", "schedule.json"])
def test_a_repeated_feed_request_is_answered_304_until_the_program_changes(
    client, make_edition, path
):
    edition = make_edition(rounds=1)
    url = f"/{edition.slug}/{path}"
    first = client.get(url)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]

    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304

    change_program(edition.rounds[0].sessions[0], title="Verplaatst")
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert "Verplaatst" in changed.get_data(as_text=True)
    assert changed.headers["ETag"] != etag
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 200


@pytest.mark.parametrize("path", ["", "embed"])
def test_a_304_never_hides_a_changed_seat_count(client, make_edition, sign_up, path):
    edition = make_edition(rounds=1, capacity=3)
    workshop = edition.rounds[0].sessions[0]
    url = f"/{edition.slug}/{path}"
    first = client.get(url)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert "nog 3 plaatsen" in text(first)
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304

    sign_up(edition, 1, {workshop.round_id: workshop.id})

    by_tag = client.get(url, headers={"If-None-Match": etag})
    by_date = client.get(url, headers={"If-Modified-Since": modified})
    assert by_tag.status_code == by_date.status_code == 200
    assert "nog 2 plaatsen" in text(by_tag)
    assert client.get(url, headers={"If-None-Match": by_tag.headers["ETag"]}).status_code == 304


def test_the_program_page_etag_depends_on_the_language(client, make_edition):
    edition = make_edition()
    dutch = client.get(f"/{edition.slug}/", headers={"Accept-Language": "nl"})
    english = client.get(f"/{edition.slug}/?lang=en")

    assert dutch.headers["ETag"] != english.headers["ETag"]
    assert (
        client.get(f"/{edition.slug}/?lang=en", headers={"If-None-Match": dutch.headers["ETag"]})
    ).status_code == 200


def test_a_page_with_a_message_for_one_visitor_is_not_kept_by_etag(client, make_edition):
    edition = make_edition()
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Je wijziging is opgeslagen.")]

    with_message = client.get(f"/{edition.slug}/")
    without = client.get(f"/{edition.slug}/")

    assert "Je wijziging is opgeslagen." in text(with_message)
    assert "ETag" not in with_message.headers
    assert "Je wijziging is opgeslagen." not in text(without)
    assert "ETag" in without.headers


def test_the_json_program_answers_304_until_seats_change(client, make_edition, sign_up):
    edition = make_edition(rounds=1, capacity=3)
    workshop = edition.rounds[0].sessions[0]
    url = f"/api/v1/editions/{edition.slug}"
    etag = client.get(url).headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304

    sign_up(edition, 1, {workshop.round_id: workshop.id})

    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200


# -- the embeddable program ---------------------------------------------------------------


def test_the_organisers_website_can_embed_the_program(sqlite_url):
    app = build_app(sqlite_url, EMBED_FRAME_ANCESTORS="'self' https://www.werkplaatsen.nl")
    with app.app_context():
        demo.load(today=datetime(2026, 11, 28).date())
        client = app.test_client()
        response = client.get("/2027/embed")
        program_page = client.get("/2027/")
        db.session.remove()
        db.engine.dispose()

    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://www.werkplaatsen.nl;" in policy
    assert "X-Frame-Options" not in response.headers
    page = response.get_data(as_text=True)
    assert "/static/css/embed.css" in page and "/static/css/site.css" not in page
    assert "Privacy" not in page and "skip-link" not in page  # no site chrome
    assert "Eenzaamheid onder jongeren" in text(response)
    assert "nog 1 plaats" in text(response)
    assert "vol · 2 op de wachtlijst" in text(response)
    assert all(' target="_top"' in link for link in re.findall(r"<a [^>]+>", page))
    # Everywhere else the site may only frame itself.
    assert "frame-ancestors 'self'" in program_page.headers["Content-Security-Policy"].split("; ")
    assert program_page.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_the_embed_may_be_framed_by_the_site_itself_unless_configured(client, make_edition):
    edition = make_edition()

    embed = client.get(f"/{edition.slug}/embed?lang=en")

    assert embed.headers["Content-Security-Policy"].startswith("frame-ancestors 'self';")
    assert '<html lang="en">' in embed.get_data(as_text=True)
    assert "Sign up" in text(embed) and "10 seats left" in text(embed)
    for page in ("/", f"/{edition.slug}/", f"/{edition.slug}/program.ics", "/nope/"):
        assert client.get(page).headers["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.parametrize(
    "setting", ["https://a.example; script-src *", "", "'self'\nX-Injected: 1", "'unsafe-inline'"]
)
def test_a_mistyped_frame_ancestors_setting_stops_the_app_at_start(sqlite_url, setting):
    with pytest.raises(ValueError, match="SYMPOSIUM_EMBED_FRAME_ANCESTORS"):
        build_app(sqlite_url, EMBED_FRAME_ANCESTORS=setting)


def test_several_frame_ancestors_can_be_given_as_a_list(sqlite_url):
    app = build_app(sqlite_url, EMBED_FRAME_ANCESTORS=["https://a.example", "*.b.example"])
    with app.app_context():
        db.session.add(
            Edition(
                slug="x",
                title="X",
                starts_at=datetime(2030, 1, 1, tzinfo=UTC),
                ends_at=datetime(2030, 1, 1, 8, tzinfo=UTC),
                venue="Utrecht",
                status=EditionStatus.published,
            )
        )
        db.session.commit()
        policy = app.test_client().get("/x/embed").headers["Content-Security-Policy"]
        db.session.remove()
        db.engine.dispose()

    assert policy.startswith("frame-ancestors https://a.example *.b.example;")


def test_a_session_without_speakers_or_room_is_still_a_valid_schedule(client, sqlite_app):
    """The smallest program: one plenary with nothing but a title and a time.

    Its title has a pasted vertical tab, which XML cannot carry even escaped."""
    schema = etree.XMLSchema(etree.parse(str(schema_file("schedule.xml.xsd"))))
    start = datetime(2030, 5, 1, 8, tzinfo=UTC)
    edition = Edition(
        slug="kaal",
        title="Kaal",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        venue="Utrecht",
        status=EditionStatus.published,
    )
    edition.sessions.append(
        Session(kind=SessionKind.plenary, title="X\x0b", slug="x", starts_at=start, ends_at=start)
    )
    edition.rounds.append(Round(name="Leeg", starts_at=start, ends_at=start))
    db.session.add_all([edition, Person(name="Nobody")])
    db.session.commit()

    document = etree.fromstring(client.get("/kaal/schedule.xml").get_data())
    schema.assertValid(document)
    assert document.findtext("day/room/event/title") == "X"
    [event] = events(client.get("/kaal/program.ics"))
    assert str(event["location"]) == "Utrecht"
