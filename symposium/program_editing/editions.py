"""Editions: create, change, publish, archive and copy to next year."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import refuse_conflicts, use_case
from symposium.extensions import db
from symposium.program.models import Edition, EditionStatus, Room, Round, Session
from symposium.program.versions import version_after_changes
from symposium.program_editing.common import (
    DEFAULT_TIMEZONE,
    EDITION_SLUG_LENGTH,
    CopyData,
    EditionData,
    ProgramError,
    _at,
    _edition_slug,
    _Fields,
    _local,
)
from symposium.program_editing.dates import (
    DateMove,
    DateMoveUnconfirmed,
    days_to_next_year,
    move_program,
    plan_move,
    shift_days,
    signed_up,
)
from symposium.program_editing.records import _edition_record, _slug_taken
from symposium.registration import notifications, seats
from symposium.registration.models import Registration
from symposium.validation import is_email_address

# -- editions --------------------------------------------------------------------------

#: a week: longer holds keep seats from people who are really coming
MAX_HOLD_HOURS = 168


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
        **_contact_and_place(fields, data),
        "certificate_text": fields.text(
            "certificate_text", data.certificate_text, 2000, multiline=True
        ),
        "description": fields.text("description", data.description, 10_000, multiline=True),
        "privacy_text": fields.text("privacy_text", data.privacy_text, 20_000, multiline=True),
        "title_en": fields.text("title_en", data.title_en, 200),
        "description_en": fields.text(
            "description_en", data.description_en, 10_000, multiline=True
        ),
        "venue_en": fields.text("venue_en", data.venue_en, 200),
        "venue_details_en": fields.text(
            "venue_details_en", data.venue_details_en, 2000, multiline=True
        ),
        "registration_opens_at": fields.moment(
            "registration_opens", data.registration_opens, timezone
        ),
        "registration_closes_at": fields.moment(
            "registration_closes", data.registration_closes, timezone
        ),
        # Left out of the form: as it was (new editions: on, for two hours).
        "confirm_email": {"yes": True, "no": False}.get(
            data.confirm_email, edition.confirm_email if edition else True
        ),
        "confirm_hours": fields.whole_number("confirm_hours", data.confirm_hours)
        or (edition.confirm_hours if edition else 2),
    }
    if values["confirm_hours"] > MAX_HOLD_HOURS:
        fields.add("confirm_hours", _l("Enter a number of at most %(max)d.", max=MAX_HOLD_HOURS))
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


#: who to ask and where it is: copied to next year's edition as they are
CONTACT_AND_PLACE = (
    "title_en",
    "description_en",
    "venue_en",
    "venue_details_en",
    "venue_address",
    "venue_map_url",
    "organiser_name",
    "contact_email",
    "contact_phone",
)
_PHONE = re.compile(r"^\+?[0-9 ()./-]{6,30}$")


def _contact_and_place(fields: _Fields, data: EditionData) -> dict:
    values = {
        "venue_address": fields.text("venue_address", data.venue_address, 500, multiline=True),
        "venue_map_url": fields.text("venue_map_url", data.venue_map_url, 500),
        "organiser_name": fields.text("organiser_name", data.organiser_name, 200),
        "contact_email": fields.text("contact_email", data.contact_email, 254),
        "contact_phone": fields.text("contact_phone", data.contact_phone, 40),
    }
    url = values["venue_map_url"]
    if url and fields.ok("venue_map_url") and not re.match(r"^https?://[^\s/]+\.[^\s]+$", url):
        fields.add("venue_map_url", _l("Enter a web address like https://www.openstreetmap.org/…"))
    if (
        values["contact_email"]
        and fields.ok("contact_email")
        and not is_email_address(values["contact_email"])
    ):
        fields.add("contact_email", _l("Enter an e-mail address like name@example.org."))
    phone = values["contact_phone"]
    if phone and fields.ok("contact_phone") and not _PHONE.match(phone):
        fields.add("contact_phone", _l("Enter a phone number like 030 123 45 67."))
    return values


def _edition_slug_taken(error: IntegrityError) -> Exception:
    return _slug_taken(error, _l("Another edition already uses this web address."))


@refuse_conflicts(_edition_slug_taken)
@use_case
def create_edition(data: EditionData, actor: Actor) -> Edition:
    """A new edition, as a draft."""

    values = _edition_fields(data, None)
    edition = Edition(**values, status=EditionStatus.draft)
    db.session.add(edition)
    db.session.flush()
    audit.record(
        actor, "edition.create", edition, after=_edition_record(edition), edition_id=edition.id
    )
    return edition


@dataclass
class EditionSaved:
    edition: Edition
    #: the program moved along to the edition's new day
    moved: DateMove | None = None


@refuse_conflicts(_edition_slug_taken)
@use_case
def update_edition(edition_id: int, data: EditionData, actor: Actor) -> EditionSaved:
    """Change an edition's details; a larger venue lets people in from its waiting list.

    A new date moves every round and session by as many days, at the same times of day.
    When people are signed up that waits for a confirmation (`data.confirm_move` holding
    the move's token), and then each of them gets the program-change mail."""

    edition = db.session.get(Edition, edition_id)
    db.session.refresh(edition)
    values = _edition_fields(data, edition)
    move = plan_move(edition, values["starts_at"], values["timezone"])
    if move is not None and move.people and data.confirm_move != move.token:
        raise DateMoveUnconfirmed(move)
    before = _edition_record(edition)
    if values["confirm_email"] and not edition.confirm_email:
        # Who signed up before the setting cannot be asked afterwards: their seats stay.
        db.session.execute(
            sa.update(Registration)
            .where(Registration.edition_id == edition.id, Registration.email_confirmed_at.is_(None))
            .values(email_confirmed_at=datetime.now(UTC))
        )
    for name, value in values.items():
        setattr(edition, name, value)
    after = _edition_record(edition)
    if before == after:
        return EditionSaved(edition)
    audit.record(actor, "edition.update", edition, before, after, edition_id=edition.id)
    if move is not None:
        _move_along(edition, move, actor)
    # More room at the venue (or no limit) lets in the people waiting for a place.
    while (promoted := seats.promote_from_venue_waitlist(edition.id)) is not None:
        notifications.venue_promoted(promoted)
    return EditionSaved(edition, move)


def _move_along(edition: Edition, move: DateMove, actor: Actor) -> None:
    """The program follows the edition to its new day; the people signed up are told."""
    move_program(edition, move.days)
    version = version_after_changes(edition)
    people = db.session.scalars(signed_up(edition.id)).all()
    for registration in people:
        notifications.edition_moved(
            registration, move.starts_before, move.starts_after, str(version)
        )
    audit.record(
        actor,
        "edition.move",
        edition,
        before={"starts_at": move.starts_before},
        after={
            "starts_at": move.starts_after,
            "days": move.days,
            "rounds": move.rounds,
            "sessions": move.sessions,
            "mailed": len(people),
        },
        edition_id=edition.id,
    )


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
    audit.record(
        actor,
        f"edition.{'publish' if status == EditionStatus.published else 'archive'}",
        edition,
        before={"status": before},
        after={"status": status},
        edition_id=edition.id,
    )
    return edition


def copy_move(edition: Edition) -> DateMove:
    """Where a copy lands: whole weeks on, on the same weekday nearest one year later."""
    tz = edition.timezone
    days = days_to_next_year(_local(edition.starts_at, tz).date())
    return DateMove(
        starts_before=edition.starts_at,
        starts_after=shift_days(edition.starts_at, days, tz),
        timezone=tz,
        days=days,
        rounds=len(edition.rounds),
        sessions=len(edition.sessions),
        people=0,
    )


def copy_suggestion(edition: Edition) -> CopyData:
    """Next year's title and web address: the year moved on by one where it appears."""
    year = _local(edition.starts_at, edition.timezone).year
    title = edition.title.replace(str(year), str(year + 1))
    slug = edition.slug.replace(str(year), str(year + 1))
    if slug == edition.slug:
        slug = f"{edition.slug}-{year + 1}"[:EDITION_SLUG_LENGTH]
    return CopyData(title=title, slug=slug)


@refuse_conflicts(_edition_slug_taken)
@use_case
def copy_edition(edition_id: int, data: CopyData, actor: Actor) -> Edition:
    """Next year's edition as a draft: the same rounds, rooms, sessions, capacities and
    speakers, every date moved by whole weeks to the same weekday (`copy_move`), no
    registrations."""

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
    move = copy_move(source)

    def later(moment: datetime | None) -> datetime | None:
        return shift_days(moment, move.days, tz) if moment else None

    copy = Edition(
        slug=slug,
        title=title,
        starts_at=later(source.starts_at),
        ends_at=later(source.ends_at),
        venue=source.venue,
        venue_details=source.venue_details,
        **{name: getattr(source, name) for name in CONTACT_AND_PLACE},
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
        confirm_email=source.confirm_email,
        confirm_hours=source.confirm_hours,
    )
    db.session.add(copy)
    for room in source.rooms:  # the venue's rooms come along, with their seats and notes
        copy.rooms.append(
            Room(name=room.name, capacity=room.capacity, accessibility=room.accessibility)
        )
    rounds = {}
    for round_ in source.rounds:
        rounds[round_.id] = Round(
            edition=copy,
            name=round_.name,
            name_en=round_.name_en,
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
                title_en=session.title_en,
                slug=session.slug,
                abstract=session.abstract,
                abstract_en=session.abstract_en,
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
        after={"copied_from": source.slug, "days": move.days, **_edition_record(copy)},
        edition_id=copy.id,
    )
    return copy
