"""What organisers hand in and how it is read: limits, refusals, typed texts, web addresses."""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, available_timezones

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from symposium.extensions import db
from symposium.i18n import parse_date, parse_moment, parse_time
from symposium.program.models import Edition, Session, SessionKind
from symposium.validation import Fields, RuleError

DEFAULT_TIMEZONE = "Europe/Amsterdam"
#: first path segments the site uses itself, so no edition can be called that
RESERVED_EDITION_SLUGS = frozenset(
    {
        "api",
        "audit",
        "editions",
        "mailouts",
        "organiser",
        "outbox",
        "people",
        "privacy",
        "r",
        "sign-in",
        "sign-out",
        "speaker",
        "static",
    }
)
EDITION_SLUG_LENGTH = 40
SESSION_SLUG_LENGTH = 120
MAX_SEATS = 100_000

# -- errors a person can read ----------------------------------------------------------


class ProgramError(RuleError):
    """A change to the program that the rules refuse."""


class InvalidProgram(ProgramError):
    message = _l("Some fields need attention.")


# -- what forms hand in: the texts people typed ----------------------------------------


@dataclass
class EditionData:
    title: str = ""
    slug: str = ""
    starts_on: str = ""
    starts_time: str = ""
    #: empty for a one-day symposium
    ends_on: str = ""
    ends_time: str = ""
    timezone: str = DEFAULT_TIMEZONE
    venue: str = ""
    venue_details: str = ""
    venue_address: str = ""
    venue_map_url: str = ""
    venue_capacity: str = ""
    registration_opens: str = ""
    registration_closes: str = ""
    certificate_text: str = ""
    description: str = ""
    #: Markdown; empty for the standard privacy statement
    privacy_text: str = ""
    organiser_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    #: English texts; empty: the Dutch one is shown in English too
    title_en: str = ""
    description_en: str = ""
    venue_en: str = ""
    venue_details_en: str = ""
    #: "yes": a sign-up holds its seats until the mailed link is opened; "no"
    confirm_email: str = "yes"
    #: how many hours a hold lasts
    confirm_hours: str = "2"
    #: the token of the date move the organiser confirmed (`DateMove.token`), if any
    confirm_move: str = ""


@dataclass
class CopyData:
    title: str = ""
    slug: str = ""


@dataclass
class RoundData:
    name: str = ""
    name_en: str = ""
    day: str = ""
    starts_time: str = ""
    ends_time: str = ""
    #: "yes" when the organiser saves despite a clash with another round
    save_anyway: str = ""


@dataclass
class SessionData:
    kind: str = SessionKind.breakout.value
    round_id: str = ""
    title: str = ""
    title_en: str = ""
    slug: str = ""
    abstract: str = ""
    abstract_en: str = ""
    room: str = ""
    day: str = ""
    starts_time: str = ""
    ends_time: str = ""
    capacity: str = ""
    speaker_ids: list[str] = field(default_factory=list)
    #: "yes" when the organiser saves despite a clash (a shared room on purpose, say)
    save_anyway: str = ""


@dataclass
class PersonData:
    name: str = ""
    affiliation: str = ""
    bio: str = ""
    email: str = ""


@dataclass
class DeleteData:
    """What happens to the people holding a seat: "move" (to a target) or "release"."""

    outcome: str = ""
    target_session_id: str = ""


# -- reading texts ---------------------------------------------------------------------


def _at(day: date, clock: time, timezone: str) -> datetime:
    """A local wall-clock time in the edition's time zone, as UTC."""
    return datetime.combine(day, clock, ZoneInfo(timezone)).astimezone(UTC)


def _local(moment: datetime, timezone: str) -> datetime:
    return moment.astimezone(ZoneInfo(timezone))


class _Fields(Fields):
    """Reads a form's texts field by field, collecting a message per problem."""

    def __init__(self) -> None:
        super().__init__(InvalidProgram)

    def day(self, name, value, required=None) -> date | None:
        value = value.strip() if isinstance(value, str) else ""
        if not value:
            if required is not None:
                self.add(name, required)
            return None
        parsed = parse_date(value)
        if parsed is None:
            self.add(name, _l("Enter a real date, like 25-11-2025."))
        return parsed

    def clock(self, name, value, required=None) -> time | None:
        value = value.strip() if isinstance(value, str) else ""
        if not value:
            if required is not None:
                self.add(name, required)
            return None
        parsed = parse_time(value)
        if parsed is None:
            self.add(name, _l("Enter a time like 13.30."))
        return parsed

    def moment(self, name, value, timezone: str | None) -> datetime | None:
        value = value.strip() if isinstance(value, str) else ""
        if not value:
            return None
        parsed = parse_moment(value)
        if parsed is None:
            self.add(name, _l("Enter a date and time, like 01-09-2025 09.00."))
            return None
        return _at(*parsed, timezone) if timezone else None

    def whole_number(self, name, value, required=None) -> int | None:
        """A positive whole number, like a capacity; None when left empty."""
        value = value.strip() if isinstance(value, str) else ""
        if not value:
            if required is not None:
                self.add(name, required)
            return None
        if not value.isascii() or not value.isdecimal():
            self.add(name, _l("Enter a whole number, like 25."))
            return None
        digits = value.lstrip("0") or "0"
        # Python will not read more than 4,300 digits; nine are more than any capacity.
        number = int(digits) if len(digits) <= 9 else MAX_SEATS + 1
        if number < 1:
            self.add(name, _l("Enter a number of at least 1."))
        elif number > MAX_SEATS:
            self.add(name, _l("Enter a number of at most %(max)d.", max=MAX_SEATS))
        else:
            return number
        return None

    def timezone(self, name, value) -> str | None:
        value = value.strip() if isinstance(value, str) else ""
        if value not in available_timezones():
            self.add(name, _l("Enter a time zone like Europe/Amsterdam."))
            return None
        return value


# -- web addresses ---------------------------------------------------------------------

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def slugify(text: str, limit: int = SESSION_SLUG_LENGTH) -> str:
    """'Cliënten & één ĳsbaan' -> 'clienten-en-een-ijsbaan': lowercase, no accents, hyphens."""
    text = text.replace("ĳ", "ij").replace("Ĳ", "IJ").replace("&", " en ")
    text = re.sub(r"['’‘`]", "", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > limit:
        cut = slug[: limit + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else slug[:limit]
    return slug.strip("-")


def _free_slug(base: str, taken: set[str], limit: int) -> str:
    """`base`, or `base-2`, `base-3`... whichever is not yet used."""
    if base not in taken:
        return base
    number = 2
    while True:
        suffix = f"-{number}"
        candidate = base[: limit - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
        number += 1


def _session_slugs(edition_id: int, except_id: int | None = None) -> set[str]:
    query = sa.select(Session.slug).where(Session.edition_id == edition_id)
    if except_id is not None:
        query = query.where(Session.id != except_id)
    return set(db.session.scalars(query))


def _edition_slugs(except_id: int | None = None) -> set[str]:
    query = sa.select(Edition.slug)
    if except_id is not None:
        query = query.where(Edition.id != except_id)
    return set(db.session.scalars(query))


def _check_slug(fields: _Fields, value: str, limit: int) -> None:
    if len(value) > limit:
        fields.add("slug", _l("Use at most %(limit)d characters.", limit=limit))
    elif not _SLUG.match(value):
        fields.add("slug", _l("Use only lowercase letters (a–z), digits and hyphens."))


def _edition_slug(fields: _Fields, typed: str, title: str, starts_on, except_id=None) -> str:
    """The typed slug if it is free; when left empty, the year or else one from the title."""
    taken = _edition_slugs(except_id) | RESERVED_EDITION_SLUGS
    if typed:
        _check_slug(fields, typed, EDITION_SLUG_LENGTH)
        if typed in RESERVED_EDITION_SLUGS:
            fields.add("slug", _l("This web address is used by the site itself; choose another."))
        elif typed in taken:
            fields.add("slug", _l("Another edition already uses this web address."))
        return typed
    if starts_on is not None and str(starts_on.year) not in taken:
        return str(starts_on.year)
    return _free_slug(slugify(title, EDITION_SLUG_LENGTH) or "editie", taken, EDITION_SLUG_LENGTH)


def _session_slug(fields: _Fields, typed: str, title: str, edition_id: int, except_id=None):
    """The typed slug if no other session of the edition has it; else one from the title."""
    taken = _session_slugs(edition_id, except_id)
    if typed:
        _check_slug(fields, typed, SESSION_SLUG_LENGTH)
        if typed in taken:
            fields.add("slug", _l("Another session of this edition already uses this web address."))
        return typed
    return _free_slug(slugify(title) or "sessie", taken, SESSION_SLUG_LENGTH)
