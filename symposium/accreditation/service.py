"""Organisers set up an edition's accreditations; attendees give their register numbers."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from symposium.accreditation import hours
from symposium.accreditation.models import (
    Accreditation,
    AccreditedItem,
    Register,
    RegisterNumber,
    ReportedAttendance,
)
from symposium.accreditation.numbers import clean, register_label
from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import use_case, utcnow
from symposium.extensions import db
from symposium.program.models import Edition, Session
from symposium.validation import Fields, RuleError


class InvalidAccreditation(RuleError):
    message = _l("Check the accreditation's fields.")


class InvalidNumbers(RuleError):
    message = _l("Check your register numbers.")


# -- the program's hours ---------------------------------------------------------------


@dataclass(frozen=True)
class ItemHours:
    session: Session
    net_hours: float
    counts_by_default: bool


def program_items(edition: Edition) -> list[ItemHours]:
    """Every program item with its length in hours and whether it counts by default."""
    return [
        ItemHours(
            session=session,
            net_hours=hours.hours((session.starts_at, session.ends_at)),
            counts_by_default=hours.counts_by_default(session),
        )
        for session in sorted(edition.sessions, key=lambda s: (s.starts_at, s.title))
    ]


def accredited_hours(accreditation: Accreditation) -> float:
    """Net content hours of the counted items, parallel breakouts counted once."""
    return hours.total_hours((i.session.starts_at, i.session.ends_at) for i in accreditation.items)


def item_points(item: AccreditedItem) -> Decimal:
    """A counted item's own points; its net hours when none were given."""
    if item.points is not None:
        return item.points
    return hours.as_points(hours.hours((item.session.starts_at, item.session.ends_at)))


# -- setting up --------------------------------------------------------------------------


@dataclass
class AccreditationDraft:
    register: str = ""
    register_name: str = ""
    activity_id: str = ""
    points: str = ""
    granted: bool = False
    per_session: bool = False
    min_presence_percent: str = "80"
    requires_evaluation: bool = False
    #: the counted items: session id -> its own points as typed ("" for its net hours)
    items: dict[int, str] = field(default_factory=dict)


def _decimal(value: str | None) -> Decimal | None:
    try:
        number = Decimal((value or "").strip().replace(",", "."))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _check(edition: Edition, draft: AccreditationDraft, accreditation_id: int | None) -> dict:
    fields = Fields(InvalidAccreditation)
    values: dict = {}
    if draft.register not in Register.__members__:
        fields.add("register", _l("Choose the register."))
    else:
        values["register"] = Register(draft.register)
    name = fields.text("register_name", draft.register_name, 120)
    if values.get("register") == Register.other and not name:
        fields.add("register_name", _l("Give the register's name."))
    values["register_name"] = name if values.get("register") == Register.other else ""
    values["activity_id"] = fields.text("activity_id", draft.activity_id, 60)
    if draft.granted and not values["activity_id"]:
        fields.add("activity_id", _l("A granted accreditation has an activity ID."))
    points = _decimal(draft.points) if draft.points.strip() else None
    if draft.points.strip() and (points is None or not 0 <= points <= 100):
        fields.add("points", _l("Give the points as a number from 0 to 100, e.g. 4.5."))
    values["points"] = points
    percent = _decimal(draft.min_presence_percent)
    if percent is None or percent != percent.to_integral() or not 0 <= percent <= 100:
        fields.add("min_presence_percent", _l("Give a whole percentage from 0 to 100."))
    else:
        values["min_presence_percent"] = int(percent)
    sessions = {session.id: session for session in edition.sessions}
    items: dict[int, Decimal | None] = {}
    for session_id, typed in draft.items.items():
        if session_id not in sessions:
            continue
        own = _decimal(typed) if (typed or "").strip() else None
        if (typed or "").strip() and (own is None or not 0 <= own <= 100):
            fields.add(f"points-{session_id}", _l("Give the points as a number from 0 to 100."))
        items[session_id] = own if draft.per_session else None
    if not items:
        fields.add("items", _l("Choose at least one program item that counts."))
    values["items"] = items
    if fields.ok("register", "register_name"):
        clash = db.session.scalar(
            sa.select(Accreditation.id).where(
                Accreditation.edition_id == edition.id,
                Accreditation.register == values["register"],
                Accreditation.register_name == values["register_name"],
                Accreditation.id != (accreditation_id or 0),
            )
        )
        if clash:
            fields.add("register", _l("This edition already has an accreditation for it."))
    fields.raise_if_any()
    return values


def _snapshot(accreditation: Accreditation) -> dict:
    return {
        "register": accreditation.register,
        "register_name": accreditation.register_name,
        "activity_id": accreditation.activity_id,
        "points": str(accreditation.points),
        "granted": accreditation.granted,
        "per_session": accreditation.per_session,
        "min_presence_percent": accreditation.min_presence_percent,
        "requires_evaluation": accreditation.requires_evaluation,
        "items": sorted(item.session_id for item in accreditation.items),
    }


def label(accreditation: Accreditation) -> str:
    return register_label(accreditation.register, accreditation.register_name)


def _apply(accreditation: Accreditation, values: dict) -> None:
    for name in ("register", "register_name", "activity_id", "min_presence_percent"):
        setattr(accreditation, name, values[name])
    accreditation.granted = values["granted"]
    accreditation.per_session = values["per_session"]
    accreditation.requires_evaluation = values["requires_evaluation"]
    wanted = values["items"]
    accreditation.items = [
        AccreditedItem(session_id=session_id, points=points)
        for session_id, points in sorted(wanted.items())
    ]
    db.session.flush()
    db.session.refresh(accreditation, ["items"])
    if values["points"] is not None:
        accreditation.points = values["points"]
    elif accreditation.per_session:
        accreditation.points = sum((item_points(i) for i in accreditation.items), Decimal(0))
    else:
        accreditation.points = hours.as_points(accredited_hours(accreditation))


@use_case
def create(edition_id: int, draft: AccreditationDraft, actor: Actor) -> Accreditation:
    """A new accreditation; without points given, the day's net content hours."""
    edition = db.session.get(Edition, edition_id)
    values = _check(edition, draft, None)
    values.update(
        granted=draft.granted,
        per_session=draft.per_session,
        requires_evaluation=draft.requires_evaluation,
    )
    accreditation = Accreditation(edition_id=edition_id)
    db.session.add(accreditation)
    _apply(accreditation, values)
    audit.record(
        actor,
        "accreditation.add",
        accreditation,
        after=_snapshot(accreditation),
        label=label(accreditation),
    )
    return accreditation


@use_case
def update(accreditation_id: int, draft: AccreditationDraft, actor: Actor) -> None:
    accreditation = db.session.get(Accreditation, accreditation_id)
    values = _check(accreditation.edition, draft, accreditation_id)
    values.update(
        granted=draft.granted,
        per_session=draft.per_session,
        requires_evaluation=draft.requires_evaluation,
    )
    before = _snapshot(accreditation)
    _apply(accreditation, values)
    audit.record(
        actor,
        "accreditation.update",
        accreditation,
        before=before,
        after=_snapshot(accreditation),
        label=label(accreditation),
    )


@use_case
def delete(accreditation_id: int, actor: Actor) -> None:
    """Remove an accreditation; the numbers people gave stay theirs."""
    accreditation = db.session.get(Accreditation, accreditation_id)
    if accreditation is None:
        return
    audit.record(
        actor,
        "accreditation.remove",
        accreditation,
        before=_snapshot(accreditation),
        label=label(accreditation),
    )
    db.session.delete(accreditation)


def for_edition(edition_id: int) -> list[Accreditation]:
    return list(
        db.session.scalars(
            sa.select(Accreditation)
            .where(Accreditation.edition_id == edition_id)
            .options(selectinload(Accreditation.items).selectinload(AccreditedItem.session))
            .order_by(Accreditation.register, Accreditation.register_name)
        )
    )


def get(accreditation_id: int) -> Accreditation | None:
    return db.session.get(Accreditation, accreditation_id)


def draft_of(accreditation: Accreditation) -> AccreditationDraft:
    return AccreditationDraft(
        register=accreditation.register.value,
        register_name=accreditation.register_name,
        activity_id=accreditation.activity_id,
        points=str(accreditation.points),
        granted=accreditation.granted,
        per_session=accreditation.per_session,
        min_presence_percent=str(accreditation.min_presence_percent),
        requires_evaluation=accreditation.requires_evaluation,
        items={
            i.session_id: "" if i.points is None else str(i.points) for i in accreditation.items
        },
    )


# -- attendees' numbers ------------------------------------------------------------------


def registers_asked(edition_id: int) -> list[Register]:
    """The registers an edition is accredited for (or applied to), each once, in order."""
    found = set(
        db.session.scalars(
            sa.select(Accreditation.register).where(Accreditation.edition_id == edition_id)
        )
    )
    return [register for register in Register if register in found]


def field_name(register: Register) -> str:
    return f"register-{register.value}"


def read_numbers(edition_id: int, form: Mapping) -> tuple[dict[Register, str], dict]:
    """The numbers typed on a form, cleaned, and a message per field that is wrong."""
    numbers: dict[Register, str] = {}
    errors: dict[str, list] = {}
    for register in registers_asked(edition_id):
        number, problem = clean(register, form.get(field_name(register)))
        if problem is not None:
            errors[field_name(register)] = [problem]
        numbers[register] = number
    return numbers, errors


def numbers_of(registration_id: int) -> dict[Register, str]:
    return {
        row.register: row.number
        for row in db.session.scalars(
            sa.select(RegisterNumber).where(RegisterNumber.registration_id == registration_id)
        )
    }


@use_case
def save_numbers(registration_id: int, numbers: Mapping[Register, str]) -> None:
    """Keep the numbers given; an empty one removes the register's number."""
    rows = {
        row.register: row
        for row in db.session.scalars(
            sa.select(RegisterNumber).where(RegisterNumber.registration_id == registration_id)
        )
    }
    for register, number in numbers.items():
        row = rows.get(register)
        if not number:
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(
                RegisterNumber(registration_id=registration_id, register=register, number=number)
            )
        elif row.number != number:
            row.number, row.updated_at = number, utcnow()


def forget_numbers(who: sa.Select, now) -> int:
    """Erasure and purge: the register numbers go, and the numbers sent to PE-online are
    emptied (whether it accepted them stays, as a count)."""
    gone = db.session.execute(
        sa.delete(RegisterNumber).where(RegisterNumber.registration_id.in_(who))
    ).rowcount
    db.session.execute(
        sa.update(ReportedAttendance)
        .where(ReportedAttendance.registration_id.in_(who))
        .values(number="", message="")
    )
    return gone or 0


def own_copy(registration_id: int) -> list[dict]:
    """A person's own copy: the registers and numbers they gave."""
    return [
        {"register": register.value, "number": number}
        for register, number in numbers_of(registration_id).items()
    ]
