"""The personal program as an iCalendar file (RFC 5545).

Written directly rather than through the icalendar library: the file is a handful of
fixed properties, attached to most mail the worker sends, and the library took a third of
the time to write a message. tests/test_feeds.py and tests/test_mail.py read it back with
icalendar.
"""

from datetime import UTC, datetime

from symposium.registration.models import Registration
from symposium.registration.personal import PersonalProgram


def _text(value: str) -> str:
    """An iCalendar TEXT value: backslash, semicolon, comma and new lines escaped."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


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


def personal_calendar(registration: Registration, plan: PersonalProgram, url: str) -> str:
    """Plenaries and held breakouts; UIDs stay the same so calendar apps update, not duplicate."""
    edition = registration.edition
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Symposium//symposium//NL",
        f"X-WR-CALNAME:{_text(edition.title)}",
    ]
    stamp = _utc(registration.created_at)
    for session in [*plan.plenaries, *plan.held_sessions]:
        location = ", ".join(part for part in (session.room, edition.venue) if part)
        lines += [
            "BEGIN:VEVENT",
            f"SUMMARY:{_text(session.title)}",
            f"DTSTART:{_utc(session.starts_at)}",
            f"DTEND:{_utc(session.ends_at)}",
            f"DTSTAMP:{stamp}",
            f"UID:session-{session.id}-registration-{registration.id}@symposium",
            f"LOCATION:{_text(location)}",
            f"URL:{url}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(f"{_fold(line)}\r\n" for line in lines)
