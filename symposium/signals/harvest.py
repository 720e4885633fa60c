"""What an edition yielded, for the public pages, the JSON and CSV exports and the booklet:
approved signals per theme, the agenda items they fed, and counts for the charts."""

from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from symposium.extensions import db
from symposium.i18n import localized
from symposium.program.models import Edition
from symposium.registration.tables import Table
from symposium.signals.labels import AGENDA_STATUSES, KINDS, PERSPECTIVES, SOURCES
from symposium.signals.models import (
    AgendaItem,
    Perspective,
    SessionHarvest,
    Signal,
    SignalStatus,
    Theme,
)

#: the slug of the group of signals that name no theme
NO_THEME = "other"
NO_THEME_TITLE = _l("No theme")


@dataclass
class ThemeHarvest:
    slug: str
    title: str
    signals: list[Signal] = field(default_factory=list)
    agenda_items: list[AgendaItem] = field(default_factory=list)


@dataclass
class Harvest:
    edition: Edition
    themes: list[ThemeHarvest]
    #: (label, count) per theme and per perspective, for the charts and their tables
    per_theme: list[tuple[str, int]]
    per_perspective: list[tuple[str, int]]
    session_harvests: list[SessionHarvest]

    @property
    def signal_count(self) -> int:
        return len({s.id for group in self.themes for s in group.signals})


def approved(edition_id: int) -> list[Signal]:
    return list(
        db.session.scalars(
            sa.select(Signal)
            .where(
                Signal.edition_id == edition_id,
                Signal.status == SignalStatus.approved,
                Signal.merged_into_id.is_(None),
            )
            .options(selectinload(Signal.themes), selectinload(Signal.session))
            .order_by(Signal.supports.desc(), Signal.created_at, Signal.id)
        )
    )


def items_of_edition(edition_id: int) -> list[AgendaItem]:
    """Agenda items fed by this edition's themes or signals, or worked on in its sessions."""
    from symposium.program.models import Session
    from symposium.signals.models import (
        agenda_item_session,
        agenda_item_signal,
        agenda_item_theme,
    )

    by_theme = (
        sa.select(agenda_item_theme.c.item_id)
        .join(Theme, Theme.id == agenda_item_theme.c.theme_id)
        .where(Theme.edition_id == edition_id)
    )
    by_signal = (
        sa.select(agenda_item_signal.c.item_id)
        .join(Signal, Signal.id == agenda_item_signal.c.signal_id)
        .where(Signal.edition_id == edition_id)
    )
    by_session = (
        sa.select(agenda_item_session.c.item_id)
        .join(Session, Session.id == agenda_item_session.c.session_id)
        .where(Session.edition_id == edition_id)
    )
    return list(
        db.session.scalars(
            sa.select(AgendaItem)
            .where(AgendaItem.id.in_(by_theme.union(by_signal, by_session)))
            .options(selectinload(AgendaItem.themes), selectinload(AgendaItem.signals))
            .order_by(AgendaItem.created_at, AgendaItem.id)
        )
    )


def signal_count(item: AgendaItem) -> int:
    """The approved signals behind an item."""
    return sum(1 for s in item.signals if s.status == SignalStatus.approved)


def perspectives_of(item: AgendaItem) -> list[tuple[str, int]]:
    counts = Counter(s.perspective for s in item.signals if s.status == SignalStatus.approved)
    return [(str(PERSPECTIVES[p]), counts[p]) for p in Perspective if counts[p]]


def harvest(edition: Edition) -> Harvest:
    signals = approved(edition.id)
    themes = list(
        db.session.scalars(
            sa.select(Theme).where(Theme.edition_id == edition.id).order_by(Theme.position)
        )
    )
    groups = {t.id: ThemeHarvest(t.slug, localized(t, "title")) for t in themes}
    other = ThemeHarvest(NO_THEME, str(NO_THEME_TITLE))
    for signal in signals:
        for theme in signal.themes or [None]:
            (groups[theme.id] if theme is not None else other).signals.append(signal)
    items = items_of_edition(edition.id)
    for item in items:
        theme_ids = {t.id for t in item.themes} | {
            t.id for s in item.signals if s.edition_id == edition.id for t in s.themes
        }
        placed = [groups[i] for i in theme_ids if i in groups]
        for group in placed or [other]:
            group.agenda_items.append(item)
    ordered = [groups[t.id] for t in themes]
    if other.signals or other.agenda_items:
        ordered.append(other)
    perspectives = Counter(s.perspective for s in signals)
    return Harvest(
        edition=edition,
        themes=ordered,
        per_theme=[(g.title, len(g.signals)) for g in ordered],
        per_perspective=[(str(PERSPECTIVES[p]), perspectives[p]) for p in Perspective],
        session_harvests=session_harvests(edition.id),
    )


def session_harvests(edition_id: int) -> list[SessionHarvest]:
    from symposium.program.models import Session

    return [
        h
        for h in db.session.scalars(
            sa.select(SessionHarvest)
            .join(Session, Session.id == SessionHarvest.session_id)
            .where(Session.edition_id == edition_id)
            .order_by(Session.starts_at, Session.title)
        )
        if h.main_points or h.questions or h.agreements
    ]


def as_json(edition: Edition) -> dict:
    """`GET /<edition>/signals.json`: approved signals per theme, with the agenda items."""
    found = harvest(edition)
    return {
        "edition": edition.slug,
        "themes": [
            {
                "slug": group.slug,
                "title": group.title,
                "signals": [
                    {
                        "text": s.text,
                        "kind": s.kind.value,
                        "perspective": s.perspective.value,
                        "session": s.session.slug if s.session is not None else None,
                    }
                    for s in group.signals
                ],
                "agenda_items": [
                    {
                        "title": localized(item, "title"),
                        "status": item.status.value,
                        "signal_count": signal_count(item),
                    }
                    for item in group.agenda_items
                ],
            }
            for group in found.themes
        ],
    }


def table(edition_id: int) -> Table:
    """Every signal of the edition for the organisers' CSV, merged duplicates included."""
    header = [
        "id",
        "status",
        "text",
        "kind",
        "perspective",
        "themes",
        "session",
        "source",
        "supports",
        "merged_into",
        "name",
        "created_at",
    ]
    rows = []
    for s in db.session.scalars(
        sa.select(Signal)
        .where(Signal.edition_id == edition_id)
        .options(selectinload(Signal.themes), selectinload(Signal.session))
        .order_by(Signal.created_at, Signal.id)
    ):
        rows.append(
            [
                s.id,
                s.status.value,
                s.text,
                str(KINDS[s.kind]),
                str(PERSPECTIVES[s.perspective]),
                "; ".join(t.title for t in s.themes),
                s.session.title if s.session is not None else "",
                str(SOURCES[s.source]),
                s.supports,
                s.merged_into_id or "",
                s.name,
                s.created_at.isoformat(timespec="seconds"),
            ]
        )
    return Table(title="signals", header=header, rows=rows)


def status_label(item: AgendaItem) -> str:
    return str(AGENDA_STATUSES[item.status])
