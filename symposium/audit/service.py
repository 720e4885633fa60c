"""Recording changes in the caller's transaction, and reading them back."""

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from symposium.audit.models import AccessEntry, AuditEntry
from symposium.database import use_case
from symposium.extensions import db


@dataclass(frozen=True)
class Actor:
    """Who made a change: an organiser's id and address."""

    id: int | None
    email: str


def _plain(value: Any) -> Any:
    """JSON-safe: enums by value, dates as ISO text."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, int | str | float | bool):
        return value.value
    return value


def record(
    actor: Actor,
    action: str,
    target,
    before: dict | None = None,
    after: dict | None = None,
    label: str = "",
    edition_id: int | None = None,
) -> AuditEntry:
    """Add an entry in the current transaction; unchanged fields are left out."""
    before = {k: _plain(v) for k, v in (before or {}).items()}
    after = {k: _plain(v) for k, v in (after or {}).items()}
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    entry = AuditEntry(
        actor_id=actor.id,
        actor_email=actor.email,
        edition_id=edition_id if edition_id is not None else getattr(target, "edition_id", None),
        action=action,
        target_type=type(target).__name__.lower(),
        target_id=getattr(target, "id", None),
        target_label=label or str(getattr(target, "title", "") or getattr(target, "full_name", "")),
        before={k: v for k, v in before.items() if k in changed},
        after={k: v for k, v in after.items() if k in changed},
    )
    db.session.add(entry)
    return entry


def entries(edition_id: int | None = None, limit: int = 200) -> list[AuditEntry]:
    """The newest entries first, for one edition or all."""
    query = sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if edition_id is not None:
        query = query.where(AuditEntry.edition_id == edition_id)
    return list(db.session.scalars(query))


# -- who looked at personal data -------------------------------------------------------


@use_case
def record_access(
    actor: Actor,
    action: str,
    target=None,
    details: dict | None = None,
    label: str = "",
    edition_id: int | None = None,
) -> None:
    """Log that an organiser saw or exported personal data, in a transaction of its own.

    Called by the pages before they render, so a page that fails still leaves its entry.
    """
    entry = AccessEntry(
        actor_id=actor.id,
        actor_email=actor.email,
        edition_id=edition_id if edition_id is not None else getattr(target, "edition_id", None),
        action=action,
        target_type=type(target).__name__.lower() if target is not None else "",
        target_id=getattr(target, "id", None),
        target_label=label or str(getattr(target, "title", "") or getattr(target, "full_name", "")),
        details={k: _plain(v) for k, v in (details or {}).items()},
    )

    db.session.add(entry)


def access_entries(edition_id: int | None = None, limit: int = 200) -> list[AccessEntry]:
    """Who looked at what, newest first, for one edition or all."""
    query = sa.select(AccessEntry).order_by(AccessEntry.id.desc()).limit(limit)
    if edition_id is not None:
        query = query.where(AccessEntry.edition_id == edition_id)
    return list(db.session.scalars(query))
