"""Building the program: editions, rounds, sessions and speakers, as organisers change them.

Each use case is one transaction that writes what changed to the audit log and bumps the
edition's program version, so that the cached public program shows the change at once.
Forms hand in the texts people typed (`EditionData`, `SessionData`, ...); the rules for
them live here, and a refusal is an `InvalidProgram` with messages per field.

Seats belong to `registration.service`: a session's capacity changes through its
`set_capacity`, and moving people out of a deleted session uses its seat helpers, so
there is one rulebook for seats and waiting lists.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, available_timezones

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import in_transaction, use_case
from symposium.extensions import db
from symposium.i18n import format_short_day, format_time_range
from symposium.program.models import Edition, EditionStatus, Person, Round, Session, SessionKind
from symposium.program.service import bump_program_version
from symposium.registration import notifications, seats
from symposium.registration import service as registration
from symposium.registration.models import Choice, ChoiceState, Registration, RegistrationStatus
from symposium.registration.personal import active_choice
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
    venue_capacity: str = ""
    registration_opens: str = ""
    registration_closes: str = ""
    certificate_text: str = ""
    description: str = ""
    #: Markdown; empty for the standard privacy statement
    privacy_text: str = ""


@dataclass
class CopyData:
    title: str = ""
    slug: str = ""


@dataclass
class RoundData:
    name: str = ""
    day: str = ""
    starts_time: str = ""
    ends_time: str = ""


@dataclass
class SessionData:
    kind: str = SessionKind.breakout.value
    round_id: str = ""
    title: str = ""
    slug: str = ""
    abstract: str = ""
    room: str = ""
    day: str = ""
    starts_time: str = ""
    ends_time: str = ""
    capacity: str = ""
    speaker_ids: list[str] = field(default_factory=list)


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

_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$|^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})(?:[:.]\d{2})?(?:\s*uur)?$")


def parse_date(text: str) -> date | None:
    """'2025-11-24' (what browsers send) or '24-11-2025' (what Dutch people type)."""
    found = _DATE.match(text.strip())
    if not found:
        return None
    if found.group(1):
        year, month, day = found.group(1, 2, 3)
    else:
        day, month, year = found.group(4, 5, 6)
    if not 1900 <= int(year) <= 2999:  # far-off years overflow once moved to UTC
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def parse_time(text: str) -> time | None:
    """'13:30' or '13.30'."""
    found = _TIME.match(text.strip())
    if not found:
        return None
    hour, minute = int(found.group(1)), int(found.group(2))
    return time(hour, minute) if hour < 24 and minute < 60 else None


def parse_moment(text: str) -> tuple[date, time] | None:
    """'2025-09-01T09:00' (a browser's datetime-local) or '01-09-2025 09.00'."""
    parts = text.strip().replace("T", " ").split(None, 1)
    if len(parts) != 2:
        return None
    day, clock = parse_date(parts[0]), parse_time(parts[1])
    return (day, clock) if day and clock else None


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


# -- what forms show: stored values as people type them -------------------------------


def _date_text(moment: datetime | None, timezone: str) -> str:
    return _local(moment, timezone).strftime("%Y-%m-%d") if moment else ""


def _time_text(moment: datetime | None, timezone: str) -> str:
    return _local(moment, timezone).strftime("%H:%M") if moment else ""


def _moment_text(moment: datetime | None, timezone: str) -> str:
    return _local(moment, timezone).strftime("%Y-%m-%dT%H:%M") if moment else ""


def edition_values(edition: Edition) -> EditionData:
    tz = edition.timezone
    one_day = _date_text(edition.starts_at, tz) == _date_text(edition.ends_at, tz)
    return EditionData(
        title=edition.title,
        slug=edition.slug,
        starts_on=_date_text(edition.starts_at, tz),
        starts_time=_time_text(edition.starts_at, tz),
        ends_on="" if one_day else _date_text(edition.ends_at, tz),
        ends_time=_time_text(edition.ends_at, tz),
        timezone=tz,
        venue=edition.venue,
        venue_details=edition.venue_details or "",
        venue_capacity="" if edition.venue_capacity is None else str(edition.venue_capacity),
        registration_opens=_moment_text(edition.registration_opens_at, tz),
        registration_closes=_moment_text(edition.registration_closes_at, tz),
        certificate_text=edition.certificate_text or "",
        description=edition.description or "",
        privacy_text=edition.privacy_text or "",
    )


def round_values(round_: Round) -> RoundData:
    tz = round_.edition.timezone
    return RoundData(
        name=round_.name,
        day=_date_text(round_.starts_at, tz),
        starts_time=_time_text(round_.starts_at, tz),
        ends_time=_time_text(round_.ends_at, tz),
    )


def new_round_values(edition: Edition) -> RoundData:
    return RoundData(
        name=_("Round %(number)d", number=len(edition.rounds) + 1),
        day=_date_text(edition.starts_at, edition.timezone),
    )


def session_values(session: Session) -> SessionData:
    tz = session.edition.timezone
    return SessionData(
        kind=session.kind.value,
        round_id=str(session.round_id or ""),
        title=session.title,
        slug=session.slug,
        abstract=session.abstract or "",
        room=session.room or "",
        day=_date_text(session.starts_at, tz),
        starts_time=_time_text(session.starts_at, tz),
        ends_time=_time_text(session.ends_at, tz),
        capacity="" if session.capacity is None else str(session.capacity),
        speaker_ids=[str(person.id) for person in session.speakers],
    )


def new_session_values(edition: Edition, kind: str, round_id: int | None) -> SessionData:
    """A plenary on the edition's day, or a breakout at its round's time."""
    tz = edition.timezone
    round_ = next((r for r in edition.rounds if r.id == round_id), None)
    if kind == SessionKind.plenary.value or round_ is None:
        plenary = kind == SessionKind.plenary.value or not edition.rounds
        return SessionData(
            kind=(SessionKind.plenary if plenary else SessionKind.breakout).value,
            day=_date_text(edition.starts_at, tz),
        )
    return SessionData(
        kind=SessionKind.breakout.value,
        round_id=str(round_.id),
        day=_date_text(round_.starts_at, tz),
        starts_time=_time_text(round_.starts_at, tz),
        ends_time=_time_text(round_.ends_at, tz),
    )


def person_values(person: Person) -> PersonData:
    return PersonData(
        name=person.name,
        affiliation=person.affiliation or "",
        bio=person.bio or "",
        email=person.email or "",
    )


# -- reading the program, for organisers -----------------------------------------------


@dataclass
class RoundOverview:
    round: Round
    sessions: list[Session]


@dataclass
class Overview:
    edition: Edition
    plenaries: list[Session]
    rounds: list[RoundOverview]


def overview(edition: Edition) -> Overview:
    """Plenaries and rounds with their sessions, speakers and seat counts."""
    sessions = db.session.scalars(
        sa.select(Session)
        .where(Session.edition_id == edition.id)
        .options(selectinload(Session.speakers))
        .order_by(Session.starts_at, Session.title)
    ).all()
    rounds = db.session.scalars(
        sa.select(Round).where(Round.edition_id == edition.id).order_by(Round.starts_at, Round.id)
    ).all()
    return Overview(
        edition=edition,
        plenaries=[s for s in sessions if s.kind == SessionKind.plenary],
        rounds=[
            RoundOverview(
                round=r,
                sessions=[
                    s for s in sessions if s.round_id == r.id and s.kind == SessionKind.breakout
                ],
            )
            for r in rounds
        ],
    )


def round_of(edition: Edition, round_id: int) -> Round | None:
    round_ = db.session.get(Round, round_id)
    return round_ if round_ is not None and round_.edition_id == edition.id else None


def session_of(edition: Edition, session_id: int) -> Session | None:
    session = db.session.get(Session, session_id)
    return session if session is not None and session.edition_id == edition.id else None


def person(person_id: int) -> Person | None:
    return db.session.get(Person, person_id)


def people() -> list[Person]:
    return list(
        db.session.scalars(
            sa.select(Person)
            .options(selectinload(Person.sessions).selectinload(Session.edition))
            .order_by(Person.name)
        )
    )


def _holders(session_id: int) -> list[Choice]:
    """Confirmed seats in a session, first come first."""
    return list(
        db.session.scalars(
            sa.select(Choice)
            .join(Registration, Registration.id == Choice.registration_id)
            .where(
                Choice.session_id == session_id,
                Choice.state == ChoiceState.confirmed,
                Registration.status == RegistrationStatus.confirmed,
            )
            .order_by(Choice.decided_at, Choice.id)
        )
    )


def _waiting(session_id: int) -> list[Choice]:
    return list(
        db.session.scalars(
            sa.select(Choice).where(
                Choice.session_id == session_id, Choice.state == ChoiceState.waitlisted
            )
        )
    )


def _has_registrations(session_id: int) -> bool:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Choice)
            .where(
                Choice.session_id == session_id,
                Choice.state.in_([ChoiceState.confirmed, ChoiceState.waitlisted]),
            )
        )
        > 0
    )


@dataclass
class DeletePreview:
    session: Session
    #: people holding a seat, and people on its waiting list
    holders: int
    waiting: int
    #: where the holders can be moved: the other sessions of its round
    targets: list[Session]


def delete_preview(session: Session) -> DeletePreview:
    targets = []
    if session.kind == SessionKind.breakout and session.round is not None:
        targets = [
            other
            for other in session.round.sessions
            if other.id != session.id and other.kind == SessionKind.breakout
        ]
    return DeletePreview(
        session=session,
        holders=len(_holders(session.id)),
        waiting=len(_waiting(session.id)),
        targets=targets,
    )


# -- changes and the mail they cause ---------------------------------------------------


def _time_text_for_people(starts: datetime, ends: datetime, timezone: str, with_day: bool) -> str:
    text = format_time_range(starts, ends, timezone)
    return f"{format_short_day(starts, timezone)}, {text}" if with_day else text


def _program_changes(session: Session, before: dict, timezone: str) -> list[tuple[str, str, str]]:
    """(what, before, after) for the attendees, in the organiser's language."""
    changes = []
    if (before["starts_at"], before["ends_at"]) != (session.starts_at, session.ends_at):
        other_day = _date_text(before["starts_at"], timezone) != _date_text(
            session.starts_at, timezone
        )
        changes.append(
            (
                _("Time"),
                _time_text_for_people(before["starts_at"], before["ends_at"], timezone, other_day),
                _time_text_for_people(session.starts_at, session.ends_at, timezone, other_day),
            )
        )
    if before["room"] != session.room:
        changes.append((_("Room"), before["room"] or "–", session.room or "–"))
    return changes


def _new_version(edition: Edition) -> int:
    """Bump the program version and read the new number back."""
    bump_program_version(edition)
    db.session.flush()
    db.session.refresh(edition, ["program_version"])
    return edition.program_version


def _session_record(session: Session) -> dict:
    return {
        "title": session.title,
        "slug": session.slug,
        "kind": session.kind,
        "round": session.round.name if session.round else None,
        "room": session.room,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "capacity": session.capacity,
        "abstract": session.abstract,
        "speakers": [p.name for p in session.speakers],
    }


def _edition_record(edition: Edition) -> dict:
    return {
        "title": edition.title,
        "slug": edition.slug,
        "starts_at": edition.starts_at,
        "ends_at": edition.ends_at,
        "timezone": edition.timezone,
        "venue": edition.venue,
        "venue_details": edition.venue_details,
        "venue_capacity": edition.venue_capacity,
        "registration_opens_at": edition.registration_opens_at,
        "registration_closes_at": edition.registration_closes_at,
        "certificate_text": edition.certificate_text,
        "description": edition.description,
        "privacy_text": edition.privacy_text,
        "status": edition.status,
    }


def _round_record(round_: Round) -> dict:
    return {"name": round_.name, "starts_at": round_.starts_at, "ends_at": round_.ends_at}


def _person_record(person_: Person) -> dict:
    return {
        "name": person_.name,
        "affiliation": person_.affiliation,
        "bio": person_.bio,
        "email": person_.email,
    }


def _slug_taken(error: IntegrityError, message) -> Exception:
    """Two organisers saved the same web address at once; the unique index let one through."""
    if "slug" in str(error.orig).lower():
        return InvalidProgram({"slug": [message]})
    return error


# -- editions --------------------------------------------------------------------------


def _edition_fields(data: EditionData, edition: Edition | None) -> dict:
    """Every problem with an edition's form, or the values to store."""
    fields = _Fields()
    title = fields.text("title", data.title, 200, _l("Enter the title."))
    starts_on = fields.day("starts_on", data.starts_on, _l("Enter the date."))
    starts_time = fields.clock("starts_time", data.starts_time, _l("Enter the start time."))
    ends_on = fields.day("ends_on", data.ends_on)
    ends_time = fields.clock("ends_time", data.ends_time, _l("Enter the end time."))
    timezone = fields.timezone("timezone", data.timezone)
    slug = _edition_slug(
        fields,
        fields.text("slug", data.slug, EDITION_SLUG_LENGTH * 2).lower(),
        title,
        starts_on,
        edition.id if edition else None,
    )
    values = {
        "title": title,
        "slug": slug,
        "timezone": timezone or DEFAULT_TIMEZONE,
        "venue": fields.text("venue", data.venue, 200, _l("Enter the venue.")),
        "venue_details": fields.text("venue_details", data.venue_details, 2000, multiline=True),
        "venue_capacity": fields.whole_number("venue_capacity", data.venue_capacity),
        "certificate_text": fields.text(
            "certificate_text", data.certificate_text, 2000, multiline=True
        ),
        "description": fields.text("description", data.description, 10_000, multiline=True),
        "privacy_text": fields.text("privacy_text", data.privacy_text, 20_000, multiline=True),
        "registration_opens_at": fields.moment(
            "registration_opens", data.registration_opens, timezone
        ),
        "registration_closes_at": fields.moment(
            "registration_closes", data.registration_closes, timezone
        ),
    }
    if starts_on and starts_time and ends_time and timezone:
        values["starts_at"] = _at(starts_on, starts_time, timezone)
        values["ends_at"] = _at(ends_on or starts_on, ends_time, timezone)
        if values["ends_at"] <= values["starts_at"]:
            fields.add("ends_time", _l("The end must be after the start."))
    opens, closes = values["registration_opens_at"], values["registration_closes_at"]
    if opens and closes and closes <= opens:
        fields.add("registration_closes", _l("Registration must close after it opens."))
    capacity = values["venue_capacity"]
    if edition is not None and capacity is not None and capacity < edition.registered:
        fields.add(
            "venue_capacity",
            _l(
                "%(num)d people are signed up; the venue capacity cannot be lower.",
                num=edition.registered,
            ),
        )
    fields.raise_if_any()
    return values


def create_edition(data: EditionData, actor: Actor) -> Edition:
    """A new edition, as a draft."""

    def use_case():
        values = _edition_fields(data, None)
        edition = Edition(**values, status=EditionStatus.draft)
        db.session.add(edition)
        db.session.flush()
        audit.record(
            actor, "edition.create", edition, after=_edition_record(edition), edition_id=edition.id
        )
        return edition

    try:
        return in_transaction(use_case)
    except IntegrityError as error:
        raise _slug_taken(error, _l("Another edition already uses this web address.")) from error


def update_edition(edition_id: int, data: EditionData, actor: Actor) -> Edition:
    """Change an edition's details; a larger venue lets people in from its waiting list."""

    def use_case():
        edition = db.session.get(Edition, edition_id)
        db.session.refresh(edition)
        values = _edition_fields(data, edition)
        before = _edition_record(edition)
        for name, value in values.items():
            setattr(edition, name, value)
        after = _edition_record(edition)
        if before == after:
            return edition
        _new_version(edition)
        audit.record(actor, "edition.update", edition, before, after, edition_id=edition.id)
        # More room at the venue (or no limit) lets in the people waiting for a place.
        while seats.promote_from_venue_waitlist(edition.id) is not None:
            pass
        return edition

    try:
        return in_transaction(use_case)
    except IntegrityError as error:
        raise _slug_taken(error, _l("Another edition already uses this web address.")) from error


_STATUS_MOVES = {
    EditionStatus.published: {EditionStatus.draft, EditionStatus.archived},
    EditionStatus.archived: {EditionStatus.draft, EditionStatus.published},
}
_STATUS_REFUSALS = {
    EditionStatus.published: _l("This edition is already published."),
    EditionStatus.archived: _l("This edition is already archived."),
}


@use_case
def set_status(edition_id: int, status: EditionStatus, actor: Actor) -> Edition:
    """Publish an edition (people can see it and sign up) or archive it (the year is over)."""

    edition = db.session.get(Edition, edition_id)
    db.session.refresh(edition)
    if edition.status not in _STATUS_MOVES[status]:
        raise ProgramError(_STATUS_REFUSALS[status])
    before = edition.status
    edition.status = status
    _new_version(edition)
    audit.record(
        actor,
        f"edition.{'publish' if status == EditionStatus.published else 'archive'}",
        edition,
        before={"status": before},
        after={"status": status},
        edition_id=edition.id,
    )
    return edition


def one_year_later(moment: datetime, timezone: str) -> datetime:
    """The same wall-clock time a year on in the edition's time zone (29 February: the 28th)."""
    local = _local(moment, timezone)
    try:
        shifted = local.replace(year=local.year + 1)
    except ValueError:
        shifted = local.replace(year=local.year + 1, day=28)
    return shifted.astimezone(UTC)


def copy_suggestion(edition: Edition) -> CopyData:
    """Next year's title and web address: the year moved on by one where it appears."""
    year = _local(edition.starts_at, edition.timezone).year
    title = edition.title.replace(str(year), str(year + 1))
    slug = edition.slug.replace(str(year), str(year + 1))
    if slug == edition.slug:
        slug = f"{edition.slug}-{year + 1}"[:EDITION_SLUG_LENGTH]
    return CopyData(title=title, slug=slug)


def copy_edition(edition_id: int, data: CopyData, actor: Actor) -> Edition:
    """Next year's edition as a draft: the same rounds, rooms, sessions, capacities and
    speakers, every date a year on, no registrations."""

    def use_case():
        source = db.session.get(Edition, edition_id)
        fields = _Fields()
        title = fields.text("title", data.title, 200, _l("Enter the title."))
        slug = fields.text("slug", data.slug, EDITION_SLUG_LENGTH * 2).lower()
        if not slug:
            fields.add("slug", _l("Enter the web address of the new edition."))
        else:
            _edition_slug(fields, slug, title, None)
        fields.raise_if_any()

        tz = source.timezone

        def later(moment: datetime | None) -> datetime | None:
            return one_year_later(moment, tz) if moment else None

        copy = Edition(
            slug=slug,
            title=title,
            starts_at=later(source.starts_at),
            ends_at=later(source.ends_at),
            venue=source.venue,
            venue_details=source.venue_details,
            timezone=tz,
            registration_opens_at=later(source.registration_opens_at),
            registration_closes_at=later(source.registration_closes_at),
            venue_capacity=source.venue_capacity,
            registered=0,
            allocation_mode=source.allocation_mode,
            status=EditionStatus.draft,
            certificate_text=source.certificate_text,
            description=source.description,
            privacy_text=source.privacy_text,
        )
        db.session.add(copy)
        rounds = {}
        for round_ in source.rounds:
            rounds[round_.id] = Round(
                edition=copy,
                name=round_.name,
                starts_at=later(round_.starts_at),
                ends_at=later(round_.ends_at),
            )
            db.session.add(rounds[round_.id])
        for session in source.sessions:
            db.session.add(
                Session(
                    edition=copy,
                    round=rounds.get(session.round_id),
                    kind=session.kind,
                    title=session.title,
                    slug=session.slug,
                    abstract=session.abstract,
                    room=session.room,
                    starts_at=later(session.starts_at),
                    ends_at=later(session.ends_at),
                    capacity=session.capacity,
                    taken=0,
                    waiting=0,
                    speakers=list(session.speakers),
                )
            )
        db.session.flush()
        audit.record(
            actor,
            "edition.copy",
            copy,
            after={"copied_from": source.slug, **_edition_record(copy)},
            edition_id=copy.id,
        )
        return copy

    try:
        return in_transaction(use_case)
    except IntegrityError as error:
        raise _slug_taken(error, _l("Another edition already uses this web address.")) from error


# -- rounds ----------------------------------------------------------------------------


def _round_fields(edition: Edition, data: RoundData) -> dict:
    fields = _Fields()
    name = fields.text("name", data.name, 100, _l("Enter the name of the round."))
    day = fields.day("day", data.day) or _local(edition.starts_at, edition.timezone).date()
    starts = fields.clock("starts_time", data.starts_time, _l("Enter the start time."))
    ends = fields.clock("ends_time", data.ends_time, _l("Enter the end time."))
    values = {"name": name}
    if fields.ok("day") and starts and ends:
        values["starts_at"] = _at(day, starts, edition.timezone)
        values["ends_at"] = _at(day, ends, edition.timezone)
        if values["ends_at"] <= values["starts_at"]:
            fields.add("ends_time", _l("The end must be after the start."))
    fields.raise_if_any()
    return values


@use_case
def create_round(edition_id: int, data: RoundData, actor: Actor) -> Round:
    edition = db.session.get(Edition, edition_id)
    round_ = Round(edition=edition, **_round_fields(edition, data))
    db.session.add(round_)
    db.session.flush()
    _new_version(edition)
    audit.record(
        actor,
        "round.create",
        round_,
        after=_round_record(round_),
        label=round_.name,
    )
    return round_


@use_case
def update_round(round_id: int, data: RoundData, actor: Actor) -> Round:
    """Rename or move a round; its breakouts move along and their attendees are told."""

    round_ = db.session.get(Round, round_id)
    edition = round_.edition
    values = _round_fields(edition, data)
    before = _round_record(round_)
    for name, value in values.items():
        setattr(round_, name, value)
    if _round_record(round_) == before:
        return round_
    version = _new_version(edition)
    audit.record(actor, "round.update", round_, before, _round_record(round_), label=round_.name)
    if (before["starts_at"], before["ends_at"]) != (round_.starts_at, round_.ends_at):
        for session in round_.sessions:
            if session.kind != SessionKind.breakout:
                continue
            old = _session_record(session)
            session.starts_at, session.ends_at = round_.starts_at, round_.ends_at
            db.session.flush()
            audit.record(actor, "session.update", session, old, _session_record(session))
            changes = _program_changes(session, old, edition.timezone)
            if changes:
                registration.notify_program_change(session.id, changes, version)
    return round_


@use_case
def delete_round(round_id: int, actor: Actor) -> None:
    """Remove an empty round; one with sessions is refused."""

    round_ = db.session.get(Round, round_id)
    if round_.sessions:
        raise InvalidProgram(
            {"form": [_l("This round still has sessions: delete or move them first.")]}
        )
    _new_version(round_.edition)
    audit.record(actor, "round.delete", round_, before=_round_record(round_), label=round_.name)
    db.session.delete(round_)


# -- sessions --------------------------------------------------------------------------


def _session_fields(edition: Edition, data: SessionData, session: Session | None) -> dict:
    """Every problem with a session's form, or the values to store (speakers as people)."""
    fields = _Fields()
    tz = edition.timezone
    kinds = {kind.value: kind for kind in SessionKind}
    kind = kinds.get(data.kind if isinstance(data.kind, str) else "")
    if kind is None:
        fields.add("kind", _l("Choose plenary or breakout session."))
    round_ = None
    if kind == SessionKind.breakout:
        rounds = {str(r.id): r for r in edition.rounds}
        round_ = rounds.get(data.round_id.strip() if isinstance(data.round_id, str) else "")
        if round_ is None:
            fields.add(
                "round_id",
                _l("Choose the round of this breakout session.")
                if rounds
                else _l("Add a round first: a breakout session runs in a round."),
            )
    title = fields.text("title", data.title, 300, _l("Enter the title."))
    slug = _session_slug(
        fields,
        fields.text("slug", data.slug, SESSION_SLUG_LENGTH * 2).lower(),
        title,
        edition.id,
        session.id if session else None,
    )

    default_day = _local((round_ or edition).starts_at, tz).date()
    day = fields.day("day", data.day) or default_day
    if kind == SessionKind.breakout and round_ is not None:
        # A breakout runs exactly when its round does; empty times mean "the round's".
        starts = fields.clock("starts_time", data.starts_time)
        ends = fields.clock("ends_time", data.ends_time)
        starts = starts or _local(round_.starts_at, tz).time()
        ends = ends or _local(round_.ends_at, tz).time()
    else:
        starts = fields.clock("starts_time", data.starts_time, _l("Enter the start time."))
        ends = fields.clock("ends_time", data.ends_time, _l("Enter the end time."))
    values = {
        "kind": kind,
        "round_id": round_.id if round_ else None,
        "title": title,
        "slug": slug,
        "abstract": fields.text("abstract", data.abstract, 10_000, multiline=True),
        "room": fields.text("room", data.room, 120),
    }
    if fields.ok("day", "starts_time", "ends_time") and starts and ends:
        values["starts_at"] = _at(day, starts, tz)
        values["ends_at"] = _at(day, ends, tz)
        if values["ends_at"] <= values["starts_at"]:
            fields.add("ends_time", _l("The end must be after the start."))
        elif round_ is not None:
            times = (values["starts_at"], values["ends_at"])
            if times != (round_.starts_at, round_.ends_at):
                wrong = "day" if day != _local(round_.starts_at, tz).date() else "starts_time"
                if wrong == "starts_time" and values["starts_at"] == round_.starts_at:
                    wrong = "ends_time"
                fields.add(
                    wrong,
                    _l(
                        "A breakout session runs at its round's time: %(time)s.",
                        time=_time_text_for_people(round_.starts_at, round_.ends_at, tz, True),
                    ),
                )

    if kind == SessionKind.breakout:
        values["capacity"] = fields.whole_number(
            "capacity", data.capacity, _l("Enter the number of seats.")
        )
        capacity = values["capacity"]
        if session is not None and capacity is not None and capacity < session.taken:
            fields.add(
                "capacity",
                _l("%(taken)d seats are taken; the capacity cannot be lower.", taken=session.taken),
            )
    else:
        values["capacity"] = None
        if isinstance(data.capacity, str) and data.capacity.strip():
            fields.add("capacity", _l("Everyone attends a plenary session: leave this empty."))

    wanted = {value for value in data.speaker_ids if isinstance(value, str)}
    speakers = list(
        db.session.scalars(
            sa.select(Person).where(
                Person.id.in_([int(v) for v in wanted if v.isdecimal() and len(v) < 10])
            )
        )
    )
    if len(speakers) != len(wanted):
        fields.add("speaker_ids", _l("Choose speakers from the list."))
    values["speakers"] = sorted(speakers, key=lambda p: p.name)

    if session is not None and kind is not None and _has_registrations(session.id):
        if kind != session.kind:
            fields.add(
                "kind",
                _l("People have signed up for this session, so it stays a breakout session."),
            )
        elif values["round_id"] != session.round_id and round_ is not None:
            fields.add(
                "round_id",
                _l(
                    "People have signed up for this session, so it stays in %(round)s.",
                    round=session.round.name,
                ),
            )
    fields.raise_if_any()
    return values


def create_session(edition_id: int, data: SessionData, actor: Actor) -> Session:
    def use_case():
        edition = db.session.get(Edition, edition_id)
        values = _session_fields(edition, data, None)
        session = Session(edition=edition, **values)
        db.session.add(session)
        db.session.flush()
        _new_version(edition)
        audit.record(actor, "session.create", session, after=_session_record(session))
        return session

    try:
        return in_transaction(use_case)
    except IntegrityError as error:
        raise _slug_taken(
            error, _l("Another session of this edition already uses this web address.")
        ) from error


def update_session(session_id: int, data: SessionData, actor: Actor) -> Session:
    """Change a session in one transaction. A new capacity goes through the seat rules,
    which promote people waiting when it grows. Seat holders hear of a new time or room."""

    def use_case():
        session = db.session.get(Session, session_id)
        edition = session.edition
        values = _session_fields(edition, data, session)
        new_capacity = values["capacity"] is not None and values["capacity"] != session.capacity
        if new_capacity:
            try:
                registration.set_capacity(session_id, values["capacity"], actor=actor)
            except registration.NotAllowed as refused:
                raise InvalidProgram({"capacity": [refused.message]}) from refused
        before = _session_record(session)
        for name, value in values.items():
            setattr(session, name, value)
        db.session.flush()
        db.session.refresh(session, ["round"])
        after = _session_record(session)
        if before == after:
            if new_capacity:  # recorded by set_capacity; the program shows it
                _new_version(edition)
            return session
        version = _new_version(edition)
        audit.record(actor, "session.update", session, before, after)
        changes = _program_changes(session, before, edition.timezone)
        if changes:
            registration.notify_program_change(session.id, changes, version)
        return session

    try:
        return in_transaction(use_case)
    except IntegrityError as error:
        raise _slug_taken(
            error, _l("Another session of this edition already uses this web address.")
        ) from error


@dataclass
class DeleteResult:
    title: str
    target_title: str = ""
    #: names, in the order they held their seats
    moved: list[str] = field(default_factory=list)
    waitlisted: list[str] = field(default_factory=list)
    without_session: list[str] = field(default_factory=list)
    released: list[str] = field(default_factory=list)
    waiting_removed: int = 0


@use_case
def delete_session(session_id: int, choice: DeleteData, actor: Actor) -> DeleteResult:
    """Remove a session. Its seat holders are moved to another session of the round (those
    who do not fit go on its waiting list) or released, and each is mailed the change once.
    Its waiting list is removed."""

    session = db.session.get(Session, session_id)
    seats.lock_session(session_id)
    holders = _holders(session_id)
    outcome = choice.outcome if isinstance(choice.outcome, str) else ""
    target = None
    if holders:
        if outcome not in ("move", "release"):
            raise InvalidProgram(
                {"outcome": [_l("Choose what happens to the people with a seat.")]}
            )
        if outcome == "move":
            target = _move_target(session, choice.target_session_id)

    version = _new_version(session.edition)
    result = DeleteResult(title=session.title, target_title=target.title if target else "")
    for waiting in _waiting(session_id):
        seats.decline(waiting)
        result.waiting_removed += 1
    for held in holders:
        person_ = held.registration
        seats.decline(held)
        placed = "none" if target is None else _move(person_, held.round_id, target)
        if placed == "seat":
            result.moved.append(person_.full_name)
        elif placed == "waiting":
            result.waitlisted.append(person_.full_name)
        elif target is None:
            result.released.append(person_.full_name)
        else:
            result.without_session.append(person_.full_name)
        _tell_moved(person_, session, target, placed, version)
        audit.record(
            actor,
            "registration.move",
            person_,
            before={"round": held.round_id, "session": session.title},
            after={
                "round": held.round_id,
                "session": target.title if placed == "seat" else None,
            },
        )

    audit.record(
        actor,
        "session.delete",
        session,
        before=_session_record(session),
        after={
            "outcome": outcome if holders else "delete",
            "moved_to": result.target_title or None,
            "moved": len(result.moved),
            "waitlisted": len(result.waitlisted),
            "without_session": len(result.without_session) + len(result.released),
        },
    )
    db.session.execute(
        sa.delete(Choice)
        .where(Choice.session_id == session_id)
        .execution_options(synchronize_session=False)
    )
    db.session.delete(session)
    return result


def _move_target(session: Session, target_id) -> Session:
    target_id = target_id.strip() if isinstance(target_id, str) else ""
    target = (
        db.session.get(Session, int(target_id))
        if target_id.isdecimal() and len(target_id) < 10
        else None
    )
    if (
        target is None
        or target.id == session.id
        or target.round_id != session.round_id
        or target.kind != SessionKind.breakout
        or session.round_id is None
    ):
        raise InvalidProgram(
            {"target_session_id": [_l("Choose another session of this round to move them to.")]}
        )
    return target


def _move(person_: Registration, round_id: int, target: Session) -> str:
    """A seat in the target if one is free ("seat"), else its waiting list ("waiting").

    Someone already waiting for another session of the round keeps that waiting place and
    gets no session ("none"), as a person waits for one session per round.
    """
    waiting = active_choice(person_, round_id, ChoiceState.waitlisted)
    if seats.claim_seat(target.id):
        if waiting is not None and waiting.session_id == target.id:
            seats.decline(waiting)
        seats.add_choice(person_, round_id, target.id, ChoiceState.confirmed)
        return "seat"
    if waiting is None:
        seats.add_choice(person_, round_id, target.id, ChoiceState.waitlisted)
        return "waiting"
    return "waiting" if waiting.session_id == target.id else "none"


def _tell_moved(person_: Registration, deleted: Session, target, placed: str, version: int):
    """One mail about their new place. Messages are written when they are sent, after the
    deleted session is gone, so they refer to the session people were moved to, if any."""
    if placed == "none":
        notifications.choice_changed(person_, f"deleted-{deleted.id}")
        return
    now = (
        target.title
        if placed == "seat"
        else _("none; you are on the waiting list of %(title)s", title=target.title)
    )
    notifications.program_changed(
        person_, target, [(_("Session"), deleted.title, now)], str(version)
    )


# -- speakers --------------------------------------------------------------------------


def _person_fields(data: PersonData) -> dict:
    fields = _Fields()
    values = {
        "name": fields.text("name", data.name, 200, _l("Enter the name.")),
        "affiliation": fields.text("affiliation", data.affiliation, 200),
        "bio": fields.text("bio", data.bio, 5000, multiline=True),
        "email": fields.text("email", data.email, 254) or None,
    }
    if values["email"] and fields.ok("email"):
        try:
            validate_email(values["email"], check_deliverability=False)
        except EmailNotValidError:
            fields.add("email", _l("Enter an e-mail address like name@example.org."))
    fields.raise_if_any()
    return values


@use_case
def create_person(data: PersonData, actor: Actor) -> Person:
    person_ = Person(**_person_fields(data))
    db.session.add(person_)
    db.session.flush()
    audit.record(actor, "person.create", person_, after=_person_record(person_), label=person_.name)
    return person_


@use_case
def update_person(person_id: int, data: PersonData, actor: Actor) -> Person:
    """Change a speaker's details; every edition they speak at shows it at once."""

    person_ = db.session.get(Person, person_id)
    values = _person_fields(data)
    before = _person_record(person_)
    for name, value in values.items():
        setattr(person_, name, value)
    after = _person_record(person_)
    if before == after:
        return person_
    for edition in {session.edition for session in person_.sessions}:
        _new_version(edition)
    audit.record(actor, "person.update", person_, before, after, label=person_.name)
    return person_
