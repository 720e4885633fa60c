"""The program as feeds for other software: an iCalendar feed and the frab schedule format.

Pure functions: they take the cached program structure and plain facts about the edition
and return text, so they know nothing of requests, databases or templates. Identifiers
(UIDs, GUIDs) come from the site's address and the sessions' ids, never from titles or
times, so that a calendar or conference app updates an event that moved instead of
showing it twice.
"""

import json
import re
import uuid
import xml.etree.ElementTree as ET  # writes XML, never parses any  # nosec B405
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from symposium.program.service import ProgramStructure, SessionItem

PRODID = "-//Symposium//Program feed//NL"
GENERATOR = "Symposium"
SCHEDULE_SCHEMA = "https://c3voc.de/schedule/schema.json"


@dataclass(frozen=True)
class FeedEdition:
    """What the feeds say about the edition itself."""

    slug: str
    title: str
    venue: str
    timezone: str
    starts_at: datetime
    ends_at: datetime
    #: the edition's program_version: the schedule's version in the frab export
    version: int
    #: the site's public address, e.g. "https://symposium.example.nl"; names UIDs and GUIDs
    site: str
    program_url: str
    feed_url: str
    #: when this version of the feed was made: the calendar events' DTSTAMP
    made_at: datetime


@dataclass(frozen=True)
class FeedSessions:
    """What the structure does not carry: per session id its page and its abstract."""

    urls: Mapping[int, str]
    abstracts: Mapping[int, str]


@dataclass(frozen=True)
class Words:
    """The few words the feeds speak, already in the reader's language."""

    plenary: str
    speaker: str
    speakers: str
    session_page: str


# -- shared ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    item: "SessionItem"
    track: str


def _entries(structure: "ProgramStructure", words: Words) -> list[_Entry]:
    """Every session once, in the order of the day, with the track it belongs to."""
    entries = [_Entry(item, words.plenary) for item in structure.plenaries]
    for round_ in structure.rounds:
        entries.extend(_Entry(item, round_.name) for item in round_.sessions)
    return sorted(entries, key=lambda e: (e.item.starts_at, e.item.room, e.item.title))


def _host(site: str) -> str:
    return re.sub(r"^[a-z][a-z0-9+.-]*://", "", site.lower()).split("/")[0] or "symposium"


def _session_guid(edition: FeedEdition, session_id: int) -> str:
    return str(
        uuid.uuid5(uuid.NAMESPACE_URL, f"{edition.site}/{edition.slug}/sessions/{session_id}")
    )


def _room_guid(edition: FeedEdition, room: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{edition.site}/{edition.slug}/rooms/{room}"))


def _person_guid(edition: FeedEdition, name: str) -> str:
    """The same person in every edition: conference apps link their talks."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{edition.site}/people/{name}"))


# -- iCalendar -------------------------------------------------------------------------


def _calendar_time(moment: datetime, zone: ZoneInfo) -> datetime:
    """Local time with its time zone; UTC where the local clock reads the same hour twice.

    On the night summer time ends, 02:30 happens twice in Amsterdam, and an iCalendar
    local time cannot say which one is meant; a UTC time can.
    """
    local = moment.astimezone(zone)
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        return moment.astimezone(UTC)
    return local


def _description(abstract: str, speakers: Iterable[str], url: str, words: Words) -> str:
    speakers = list(speakers)
    parts = [abstract.strip()] if abstract.strip() else []
    if speakers:
        label = words.speaker if len(speakers) == 1 else words.speakers
        parts.append(f"{label}: {', '.join(speakers)}")
    parts.append(url)
    return "\n\n".join(parts)


def program_calendar(
    edition: FeedEdition,
    structure: "ProgramStructure",
    sessions: FeedSessions,
    words: Words,
) -> str:
    """The whole program as an iCalendar feed: one event per session."""
    from icalendar import Calendar, Event  # imported when used: it slows every start-up

    zone = ZoneInfo(edition.timezone)
    host = _host(edition.site)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", edition.title)
    calendar.add("x-wr-calname", edition.title)
    calendar.add("x-wr-timezone", edition.timezone)
    calendar.add("url", edition.program_url)
    calendar.add("source", edition.feed_url)
    # Subscribed calendars look again after this long (RFC 7986 and the older X- name).
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")

    entries = _entries(structure, words)
    for entry in entries:
        item = entry.item
        url = sessions.urls[item.id]
        event = Event()
        event.add("uid", f"session-{item.id}.{edition.slug}@{host}")
        event.add("dtstamp", edition.made_at.astimezone(UTC))
        event.add("sequence", edition.version)
        event.add("dtstart", _calendar_time(item.starts_at, zone))
        event.add("dtend", _calendar_time(max(item.ends_at, item.starts_at), zone))
        event.add("summary", item.title)
        event.add("location", ", ".join(part for part in (item.room, edition.venue) if part))
        event.add(
            "description",
            _description(sessions.abstracts.get(item.id, ""), item.speakers, url, words),
        )
        event.add("url", url)
        event.add("categories", [entry.track])
        event.add("status", "CONFIRMED")
        calendar.add_component(event)

    if entries:
        first = min(e.item.starts_at for e in entries).astimezone(zone).date()
        last = max(e.item.ends_at for e in entries).astimezone(zone).date()
        calendar.add_missing_timezones(date(first.year, 1, 1), date(last.year + 1, 1, 1))
    return calendar.to_ical().decode()


# -- frab schedule ---------------------------------------------------------------------


def acronym(edition: FeedEdition) -> str:
    """'symposium_2019': what the frab format calls the conference, lowercase and short."""
    return "symposium_" + re.sub(r"[^a-z0-9_]", "_", edition.slug.lower())


def _event_slug(edition: FeedEdition, item: "SessionItem") -> str:
    """'symposium_2019-12-opening': the frab convention of acronym, id and a readable part."""
    words = re.sub(r"[^a-z0-9]+", "-", item.slug.lower()).strip("-")
    tail = f"{item.id}-{words}" if words else str(item.id)
    if len(tail) < 4:  # the XML schema wants four characters after the acronym
        tail += "-session"
    return f"{acronym(edition)}-{tail}"


def _clock(delta: timedelta) -> str:
    minutes = max(int(delta.total_seconds()) // 60, 0)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class _Day:
    index: int
    date: date
    starts_at: datetime
    ends_at: datetime
    #: room name -> the events in it, in order
    rooms: dict[str, list[dict]]


def _schedule(
    edition: FeedEdition, structure: "ProgramStructure", sessions: FeedSessions, words: Words
) -> tuple[list[_Day], list[str], list[str]]:
    """Days with rooms with events (as plain dicts), the rooms and the tracks, in order."""
    zone = ZoneInfo(edition.timezone)
    by_date: dict[date, list[dict]] = {}
    rooms: list[str] = []
    tracks: list[str] = []
    for entry in _entries(structure, words):
        item = entry.item
        # Reckon in UTC: times in one zone compare and subtract by the clock on the wall,
        # which reads 02.30 twice on the night summer time ends.
        starts_utc = item.starts_at.astimezone(UTC)
        ends_utc = max(item.ends_at, item.starts_at).astimezone(UTC)
        starts, ends = starts_utc.astimezone(zone), ends_utc.astimezone(zone)
        room = item.room or edition.venue
        url = sessions.urls[item.id]
        if room not in rooms:
            rooms.append(room)
        if entry.track not in tracks:
            tracks.append(entry.track)
        by_date.setdefault(starts.date(), []).append(
            {
                "id": item.id,
                "guid": _session_guid(edition, item.id),
                "date": starts.isoformat(),
                "start": starts.strftime("%H:%M"),
                "end": ends.isoformat(),
                "duration": _clock(ends_utc - starts_utc),
                "room": room,
                "slug": _event_slug(edition, item),
                "url": url,
                "title": item.title,
                "subtitle": "",
                "track": entry.track,
                "type": "plenary" if item.round_id is None else "workshop",
                "language": None,
                "abstract": sessions.abstracts.get(item.id, ""),
                "description": "",
                "persons": [
                    {"name": name, "guid": _person_guid(edition, name)} for name in item.speakers
                ],
                "links": [{"url": url, "title": words.session_page, "type": "web"}],
                "_starts": starts_utc,
                "_ends": ends_utc,
            }
        )
    days = []
    for index, day in enumerate(sorted(by_date), start=1):
        events = by_date[day]
        in_rooms: dict[str, list[dict]] = {}
        for room in rooms:
            held = [event for event in events if event["room"] == room]
            if held:
                in_rooms[room] = held
        days.append(
            _Day(
                index=index,
                date=day,
                starts_at=min(event["_starts"] for event in events).astimezone(zone),
                ends_at=max(event["_ends"] for event in events).astimezone(zone),
                rooms=in_rooms,
            )
        )
    if not days:  # nothing planned yet: the day itself, as the XML schema wants one
        starts, ends = edition.starts_at.astimezone(zone), edition.ends_at.astimezone(zone)
        days.append(_Day(index=1, date=starts.date(), starts_at=starts, ends_at=ends, rooms={}))
    return days, rooms, tracks


def _conference_bounds(edition: FeedEdition, days: list[_Day]) -> tuple[datetime, datetime]:
    zone = ZoneInfo(edition.timezone)
    starts = [edition.starts_at, *(day.starts_at for day in days)]
    ends = [edition.ends_at, *(day.ends_at for day in days)]
    return (
        min(moment.astimezone(UTC) for moment in starts).astimezone(zone),
        max(moment.astimezone(UTC) for moment in ends).astimezone(zone),
    )


def _public(event: dict) -> dict:
    return {key: value for key, value in event.items() if not key.startswith("_")}


def frab_json(
    edition: FeedEdition, structure: "ProgramStructure", sessions: FeedSessions, words: Words
) -> str:
    """The schedule in the frab / c3voc JSON format (schedule.json)."""
    days, rooms, tracks = _schedule(edition, structure, sessions, words)
    starts, ends = _conference_bounds(edition, days)
    document = {
        "$schema": SCHEDULE_SCHEMA,
        "generator": {"name": GENERATOR, "version": str(edition.version)},
        "schedule": {
            "version": str(edition.version),
            "base_url": edition.program_url,
            "url": edition.feed_url,
            "conference": {
                "acronym": acronym(edition),
                "title": edition.title,
                "start": starts.isoformat(),
                "end": ends.isoformat(),
                "daysCount": len(days),
                "timeslot_duration": "00:15",
                "time_zone_name": edition.timezone,
                "url": edition.program_url,
                "rooms": [{"name": room, "guid": _room_guid(edition, room)} for room in rooms],
                "tracks": [{"name": track} for track in tracks],
                "days": [
                    {
                        "index": day.index,
                        "date": day.date.isoformat(),
                        "day_start": day.starts_at.isoformat(),
                        "day_end": day.ends_at.isoformat(),
                        "rooms": {
                            room: [_public(event) for event in events]
                            for room, events in day.rooms.items()
                        },
                    }
                    for day in days
                ],
            },
        },
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


#: characters XML 1.0 cannot carry at all, not even escaped
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _element(
    parent: ET.Element, tag: str, text: str | None = None, **attributes: str
) -> ET.Element:
    element = ET.SubElement(
        parent, tag, {name: _NOT_XML.sub("", value) for name, value in attributes.items()}
    )
    if text is not None:
        element.text = _NOT_XML.sub("", text)
    return element


_XML_EVENT_FIELDS = (
    "date",
    "start",
    "duration",
    "room",
    "slug",
    "url",
    "title",
    "subtitle",
    "track",
    "type",
    "abstract",
    "description",
)


def frab_xml(
    edition: FeedEdition, structure: "ProgramStructure", sessions: FeedSessions, words: Words
) -> str:
    """The schedule in the frab / c3voc XML format (schedule.xml)."""
    days, _rooms, tracks = _schedule(edition, structure, sessions, words)
    starts, ends = _conference_bounds(edition, days)
    root = ET.Element("schedule")
    _element(root, "generator", name=GENERATOR, version=str(edition.version))
    _element(root, "url", edition.feed_url)
    _element(root, "version", str(edition.version))
    conference = _element(root, "conference")
    _element(conference, "title", edition.title)
    _element(conference, "acronym", acronym(edition))
    _element(conference, "start", starts.isoformat())
    _element(conference, "end", ends.isoformat())
    _element(conference, "days", str(len(days)))
    _element(conference, "timeslot_duration", "00:15")
    _element(conference, "base_url", edition.program_url)
    _element(conference, "url", edition.program_url)
    _element(conference, "time_zone_name", edition.timezone)
    for track in tracks:
        _element(conference, "track", name=track)
    for day in days:
        day_element = _element(
            root,
            "day",
            index=str(day.index),
            date=day.date.isoformat(),
            start=day.starts_at.isoformat(),
            end=day.ends_at.isoformat(),
        )
        for room, events in day.rooms.items():
            room_element = _element(day_element, "room", name=room, guid=_room_guid(edition, room))
            for event in events:
                element = _element(room_element, "event", id=str(event["id"]), guid=event["guid"])
                for tag in _XML_EVENT_FIELDS:
                    _element(element, tag, event[tag])
                persons = _element(element, "persons")
                for person in event["persons"]:
                    _element(persons, "person", person["name"], guid=person["guid"])
                links = _element(element, "links")
                for link in event["links"]:
                    _element(links, "link", link["title"], href=link["url"], type=link["type"])
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n{body}\n'
