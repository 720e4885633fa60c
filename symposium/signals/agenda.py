"""The region's knowledge agenda: organisers cluster signals into items, which carry over
from edition to edition and keep their history (follow-ups) as a timeline."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import use_case
from symposium.extensions import db
from symposium.program.models import Session
from symposium.signals.models import AgendaItem, AgendaStatus, FollowUp, Signal, Theme
from symposium.signals.service import SignalError
from symposium.validation import Fields

TITLE_LENGTH = 300
RATIONALE_LENGTH = 5_000
PARTNERS_LENGTH = 500
FOLLOW_UP_LENGTH = 1_000


def all_items() -> list[AgendaItem]:
    return list(
        db.session.scalars(
            sa.select(AgendaItem)
            .options(
                selectinload(AgendaItem.signals),
                selectinload(AgendaItem.themes),
                selectinload(AgendaItem.follow_ups),
                selectinload(AgendaItem.sessions),
            )
            .order_by(AgendaItem.created_at, AgendaItem.id)
        )
    )


def public_items() -> list[AgendaItem]:
    """Every item; its signals are shown only where approved (the template filters)."""
    return all_items()


def per_status(items: list[AgendaItem]) -> list[tuple[AgendaStatus, int]]:
    counts = Counter(item.status for item in items)
    return [(status, counts[status]) for status in AgendaStatus]


def item(item_id: int) -> AgendaItem | None:
    return db.session.get(AgendaItem, item_id)


@dataclass
class ItemData:
    title: str = ""
    title_en: str = ""
    rationale: str = ""
    partners: str = ""
    status: str = AgendaStatus.proposed.value
    theme_ids: list[int] = field(default_factory=list)
    signal_ids: list[int] = field(default_factory=list)
    session_ids: list[int] = field(default_factory=list)


def _checked(data: ItemData) -> ItemData:
    fields = Fields(SignalError)
    data.title = fields.text("title", data.title, TITLE_LENGTH, _l("Give the item a title."))
    data.title_en = fields.text("title_en", data.title_en, TITLE_LENGTH)
    data.rationale = fields.text("rationale", data.rationale, RATIONALE_LENGTH, multiline=True)
    data.partners = fields.text("partners", data.partners, PARTNERS_LENGTH)
    if data.status not in {s.value for s in AgendaStatus}:
        fields.add("status", _l("Choose one of the options."))
    fields.raise_if_any()
    return data


def _rows(model, ids: list[int]) -> list:
    if not ids:
        return []
    return list(db.session.scalars(sa.select(model).where(model.id.in_(ids))))


@use_case
def save_item(item_id: int | None, data: ItemData, actor: Actor) -> AgendaItem:
    """Create or change an agenda item and the signals, themes and sessions behind it. A
    change of status is recorded as a step in its history."""
    data = _checked(data)
    found = db.session.get(AgendaItem, item_id) if item_id is not None else None
    if item_id is not None and found is None:
        raise SignalError(_l("This agenda item does not exist."))
    found = found or AgendaItem()
    before = found.status
    found.title, found.title_en = data.title, data.title_en
    found.rationale, found.partners = data.rationale, data.partners
    found.status = AgendaStatus(data.status)
    found.themes = _rows(Theme, data.theme_ids)
    found.signals = _rows(Signal, data.signal_ids)
    found.sessions = _rows(Session, data.session_ids)
    db.session.add(found)
    db.session.flush()
    if item_id is not None and before != found.status:
        found.follow_ups.append(FollowUp(happened_on=date.today(), text="", status=found.status))
    audit.record(
        actor,
        "agenda.save",
        found,
        before={"status": before} if item_id is not None else {},
        after={"title": found.title, "status": found.status},
        label=found.title,
    )
    return found


@use_case
def add_follow_up(
    item_id: int, happened_on: date | None, text: str, status: str, actor: Actor
) -> FollowUp:
    """A step in an item's history ("the alderman took it along"), optionally moving its
    status along."""
    fields = Fields(SignalError)
    text = fields.text("text", text, FOLLOW_UP_LENGTH, _l("Say what happened."))
    if happened_on is None:
        fields.add("happened_on", _l("Enter the date as 2027-11-25."))
    if status and status not in {s.value for s in AgendaStatus}:
        fields.add("status", _l("Choose one of the options."))
    fields.raise_if_any()
    found = db.session.get(AgendaItem, item_id)
    if found is None:
        raise SignalError(_l("This agenda item does not exist."))
    step = FollowUp(
        happened_on=happened_on, text=text, status=AgendaStatus(status) if status else None
    )
    found.follow_ups.append(step)
    if step.status is not None:
        found.status = step.status
    audit.record(actor, "agenda.follow_up", found, after={"follow_up": text}, label=found.title)
    return step


@dataclass
class Step:
    """One point on an item's timeline."""

    on: date
    text: str
    status: AgendaStatus | None


def timeline(found: AgendaItem) -> list[Step]:
    """Proposed on the day it was made, then each follow-up in the order of its date."""
    steps = [Step(found.created_at.date(), "", AgendaStatus.proposed)]
    steps += [Step(f.happened_on, f.text, f.status) for f in found.follow_ups]
    return sorted(steps, key=lambda s: s.on)
