"""Net content hours: which program items count, and how much of them someone was present."""

from collections.abc import Iterable
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app, has_app_context

from symposium.program.models import Session

#: words in a program item's title that mark it as no content: arrival, breaks, welcome
#: words. Setting ACCREDITATION_NOT_COUNTED replaces the list.
NOT_COUNTED = (
    "ontvangst",
    "inloop",
    "registratie",
    "koffie",
    "lunch",
    "pauze",
    "welkom",
    "opening",
    "borrel",
    "arrival",
    "registration",
    "coffee",
    "break",
    "welcome",
    "drinks",
)

Interval = tuple[datetime, datetime]


def _words() -> Iterable[str]:
    if has_app_context():
        return current_app.config.get("ACCREDITATION_NOT_COUNTED", NOT_COUNTED)
    return NOT_COUNTED


def counts_by_default(session: Session) -> bool:
    """An item counts unless its title says it is a break, an arrival or a welcome."""
    title = f"{session.title} {session.title_en}".lower()
    return not any(word in title for word in _words())


def hours(interval: Interval) -> float:
    start, end = interval
    return max((end - start).total_seconds(), 0) / 3600


def as_points(value: float) -> Decimal:
    """Hours as points, to one decimal."""
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def union(intervals: Iterable[Interval]) -> list[Interval]:
    """Overlapping or touching intervals merged: parallel breakouts count once."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        elif end > start:
            merged.append((start, end))
    return merged


def total_hours(intervals: Iterable[Interval]) -> float:
    return sum(hours(interval) for interval in union(intervals))


def overlap(a: Interval, b: Interval) -> Interval | None:
    start, end = max(a[0], b[0]), min(a[1], b[1])
    return (start, end) if end > start else None
