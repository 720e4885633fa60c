"""Who speaks at an edition, and the editions that have been: for the public pages."""

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from symposium.extensions import db
from symposium.program.models import Edition, EditionStatus, Person, Session, SummaryStatus


@dataclass(frozen=True)
class SpeakerEntry:
    person: Person
    #: their sessions at this edition, in the order of the day
    sessions: list[Session]


def speakers_of(edition: Edition) -> list[SpeakerEntry]:
    """Everyone who speaks at the edition, by name, with their sessions there."""
    sessions = db.session.scalars(
        sa.select(Session)
        .where(Session.edition_id == edition.id)
        .options(selectinload(Session.speakers))
        .order_by(Session.starts_at, Session.title)
    ).all()
    by_person: dict[int, SpeakerEntry] = {}
    for session in sessions:
        for person in session.speakers:
            entry = by_person.setdefault(person.id, SpeakerEntry(person, []))
            entry.sessions.append(session)
    return sorted(by_person.values(), key=lambda e: (e.person.name.casefold(), e.person.id))


@dataclass(frozen=True)
class PastEdition:
    edition: Edition
    #: the sessions whose summary is published, in the order of the day
    summaries: list[Session]


def past_editions(now: datetime | None = None) -> list[PastEdition]:
    """Editions that have ended, newest first, with their published summaries."""
    now = now or datetime.now(UTC)
    editions = db.session.scalars(
        sa.select(Edition)
        .where(Edition.status != EditionStatus.draft, Edition.ends_at < now)
        .order_by(Edition.starts_at.desc())
    ).all()
    summaries: dict[int, list[Session]] = {edition.id: [] for edition in editions}
    if editions:
        for session in db.session.scalars(
            sa.select(Session)
            .where(
                Session.edition_id.in_(summaries),
                Session.summary_status == SummaryStatus.published,
            )
            .order_by(Session.starts_at, Session.title)
        ):
            summaries[session.edition_id].append(session)
    return [PastEdition(edition, summaries[edition.id]) for edition in editions]
