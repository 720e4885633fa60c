"""The personal program as an iCalendar file (RFC 5545).

Written directly rather than through the icalendar library: the file is a handful of
fixed properties, attached to most mail the worker sends, and the library took a third of
the time to write a message. tests/test_feeds.py and tests/test_mail.py read it back with
icalendar.
"""

from datetime import UTC, datetime
from functools import lru_cache

from flask_babel import force_locale
from flask_babel import gettext as _

from symposium.i18n import localized
from symposium.registration.models import Registration
from symposium.registration.personal import PersonalProgram

# The three below are pure functions of what they are given, and a batch of mail asks them
# the same questions over and over (the program's titles, times and rooms): remembered.


@lru_cache(maxsize=4096)
def _text(value: str) -> str:
    """An iCalendar TEXT value: backslash, semicolon, comma and new lines escaped."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


@lru_cache(maxsize=4096)
def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


@lru_cache(maxsize=4096)
def _fold(line: str) -> str:
    """Lines of at most 75 octets, continued after CRLF and a space, never inside a
    character that takes several octets in UTF-8."""
    if line.isascii():
        if len(line) <= 75:
            return line
        return "\r\n ".join([line[:75], *(line[i : i + 74] for i in range(75, len(line), 74))])
    if len(line.encode()) <= 75:
        return line
    parts, current, size, limit = [], [], 0, 75
    for character in line:
        width = len(character.encode())
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, 74  # the leading space counts
        current.append(character)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


def contact_line(edition) -> str:
    """ "Questions? Ask ...: mail, phone", for a calendar entry's description."""
    ways = ", ".join(way for way in (edition.contact_email, edition.contact_phone) if way)
    if not ways:
        return ""
    return _("Questions? Ask %(who)s:", who=edition.organiser_name or _("the organisers")) + (
        f" {ways}"
    )


def personal_calendar(registration: Registration, plan: PersonalProgram, url: str) -> str:
    """Plenaries and held breakouts, in the person's language; UIDs stay the same so
    calendar apps update, not duplicate."""
    with force_locale(registration.locale):
        return _calendar(registration, plan, url, registration.locale)


def _calendar(registration: Registration, plan: PersonalProgram, url: str, language: str) -> str:
    edition = registration.edition
    contact = contact_line(edition)
    organiser = ""
    if edition.contact_email:
        name = edition.organiser_name.replace('"', "'")
        organiser = (f'ORGANIZER;CN="{name}":' if name else "ORGANIZER:") + (
            f"mailto:{edition.contact_email}"
        )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Symposium//symposium//NL",
        f"X-WR-CALNAME:{_text(localized(edition, 'title', language))}",
    ]
    stamp = _utc(registration.created_at)
    for session in [*plan.plenaries, *plan.held_sessions]:
        location = ", ".join(part for part in (session.room, edition.location) if part)
        lines += [
            "BEGIN:VEVENT",
            f"SUMMARY:{_text(localized(session, 'title', language))}",
            f"DTSTART:{_utc(session.starts_at)}",
            f"DTEND:{_utc(session.ends_at)}",
            f"DTSTAMP:{stamp}",
            f"UID:session-{session.id}-registration-{registration.id}@symposium",
            f"LOCATION:{_text(location)}",
            f"URL:{url}",
            *([organiser] if organiser else []),
            *([f"DESCRIPTION:{_text(contact)}"] if contact else []),
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(f"{_fold(line)}\r\n" for line in lines)
