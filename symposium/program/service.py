"""Reading the program: editions, the program with live seat counts, one session.

The program's structure (rounds, titles, rooms, times, speakers) changes a few times a
year; seats change by the minute. The structure is read once per `program_version` and
kept in memory; every request adds one lean query for the seat counts, so seats left are
always exact and the number of queries does not grow with the number of sessions.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from symposium.database import one_row
from symposium.extensions import db
from symposium.program.models import (
    Edition,
    EditionStatus,
    Person,
    Round,
    Session,
    SessionKind,
    SummaryStatus,
)
from symposium.program.versions import bump_program_version  # noqa: F401  (tests bump by hand)
from symposium.text import has_control_characters

T = TypeVar("T")

# -- editions --------------------------------------------------------------------------


def public_editions() -> list[Edition]:
    return list(
        db.session.scalars(
            sa.select(Edition)
            .where(Edition.status != EditionStatus.draft)
            .order_by(Edition.starts_at.desc())
        )
    )


def current_edition(now: datetime | None = None) -> Edition | None:
    """The next edition still to end; otherwise the most recent one."""
    now = now or datetime.now(UTC)
    visible = Edition.status != EditionStatus.draft
    upcoming = db.session.scalars(
        sa.select(Edition).where(visible, Edition.ends_at >= now).order_by(Edition.starts_at)
    ).first()
    if upcoming is not None:
        return upcoming
    return db.session.scalars(
        sa.select(Edition).where(visible).order_by(Edition.starts_at.desc())
    ).first()


def all_editions() -> list[Edition]:
    """Drafts included, newest first: for organisers."""
    return list(db.session.scalars(sa.select(Edition).order_by(Edition.starts_at.desc())))


def edition_by_slug(slug: str, include_drafts: bool = False) -> Edition | None:
    if has_control_characters(slug):
        return None  # no web address has them (and PostgreSQL refuses NUL in a query)
    query = sa.select(Edition).where(Edition.slug == slug)
    if not include_drafts:
        query = query.where(Edition.status != EditionStatus.draft)
    return db.session.scalars(query).first()


def breakouts(edition: Edition) -> list[Session]:
    return list(
        db.session.scalars(
            sa.select(Session)
            .where(Session.edition_id == edition.id, Session.kind == SessionKind.breakout)
            .order_by(Session.starts_at, Session.title)
        )
    )


@dataclass(frozen=True)
class RegistrationState:
    open: bool
    message: str = ""


def registration_state(edition: Edition, now: datetime | None = None) -> RegistrationState:
    """Whether sign-up is open now, and if not, why (for people)."""
    now = now or datetime.now(UTC)
    if edition.status != EditionStatus.published:
        return RegistrationState(False, _l("Registration for this symposium is closed."))
    if edition.registration_opens_at and now < edition.registration_opens_at:
        return RegistrationState(False, _l("Registration has not opened yet."))
    closes = edition.registration_closes_at or edition.starts_at
    if now >= closes:
        return RegistrationState(False, _l("Registration for this symposium is closed."))
    return RegistrationState(True)


def has_taken_place(edition: Edition, now: datetime | None = None) -> bool:
    """Once an edition is over, seats left mean nothing: its program shows none."""
    return edition.ends_at <= (now or datetime.now(UTC))


def venue_is_full(edition: Edition) -> bool:
    return edition.venue_capacity is not None and edition.registered >= edition.venue_capacity


# -- the program -----------------------------------------------------------------------


@dataclass(frozen=True)
class SessionItem:
    id: int
    slug: str
    title: str
    kind: SessionKind
    room: str
    starts_at: datetime
    ends_at: datetime
    capacity: int | None
    speakers: tuple[str, ...]
    round_id: int | None
    #: the short description, for the sign-up form
    abstract: str = ""
    #: English texts; empty: the Dutch ones (see i18n.localized)
    title_en: str = ""
    abstract_en: str = ""
    #: the speakers' ids, in the order of `speakers`: their entries on the speakers page
    speaker_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class RoundItem:
    id: int
    name: str
    starts_at: datetime
    ends_at: datetime
    sessions: tuple[SessionItem, ...]
    name_en: str = ""


@dataclass(frozen=True)
class ProgramStructure:
    plenaries: tuple[SessionItem, ...]
    rounds: tuple[RoundItem, ...]
    #: a session summary is published: the program offers the summaries booklet
    has_summaries: bool = False

    @property
    def timeline(self) -> list[SessionItem | RoundItem]:
        """Plenaries and rounds in the order of the day."""
        return sorted((*self.plenaries, *self.rounds), key=lambda entry: entry.starts_at)


@dataclass(frozen=True)
class Seats:
    capacity: int | None
    taken: int
    waiting: int

    @property
    def left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.taken, 0)

    @property
    def full(self) -> bool:
        return self.capacity is not None and self.taken >= self.capacity


@dataclass(frozen=True)
class Program:
    edition: Edition
    structure: ProgramStructure
    seats: dict[int, Seats]


_cache_lock = threading.Lock()


def versioned(name: str, edition: Edition, variant: object, build: Callable[[], T]) -> T:
    """What `build` makes for this edition's program version, kept in memory per app.

    Keyed on `program_version`, which every change to the program bumps, so nothing stale
    is served; older versions of an edition are dropped when a newer one is built.
    """
    if not current_app.config["PROGRAM_CACHE"]:
        return build()
    cache: dict = current_app.extensions.setdefault(f"symposium.{name}", {})
    key = (edition.id, edition.program_version, variant)
    if (cached := cache.get(key)) is not None:
        return cached
    built = build()
    with _cache_lock:
        for old in [k for k in cache if k[0] == edition.id and k[1] != edition.program_version]:
            del cache[old]
        cache[key] = built
    return built


def _load_structure(edition_id: int) -> ProgramStructure:
    """Three queries, whatever the number of sessions: rounds, sessions, speakers."""
    rounds = db.session.execute(
        sa.select(Round.id, Round.name, Round.name_en, Round.starts_at, Round.ends_at)
        .where(Round.edition_id == edition_id)
        .order_by(Round.starts_at, Round.id)
    ).all()
    sessions = db.session.execute(
        sa.select(
            Session.id,
            Session.slug,
            Session.title,
            Session.kind,
            Session.room,
            Session.starts_at,
            Session.ends_at,
            Session.capacity,
            Session.round_id,
            Session.summary_status,
            Session.abstract,
            Session.title_en,
            Session.abstract_en,
        )
        .where(Session.edition_id == edition_id)
        .order_by(Session.starts_at, Session.title)
    ).all()
    speakers: dict[int, list[str]] = {}
    speaker_ids: dict[int, list[int]] = {}
    for session_id, person_id, name in db.session.execute(
        sa.select(Session.id, Person.id, Person.name)
        .join(Session.speakers)
        .where(Session.edition_id == edition_id)
        .order_by(Person.name, Person.id)
    ):
        speakers.setdefault(session_id, []).append(name)
        speaker_ids.setdefault(session_id, []).append(person_id)

    items = [
        SessionItem(
            id=row.id,
            slug=row.slug,
            title=row.title,
            kind=row.kind,
            room=row.room,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            capacity=row.capacity,
            speakers=tuple(speakers.get(row.id, ())),
            round_id=row.round_id,
            abstract=row.abstract or "",
            title_en=row.title_en or "",
            abstract_en=row.abstract_en or "",
            speaker_ids=tuple(speaker_ids.get(row.id, ())),
        )
        for row in sessions
    ]
    return ProgramStructure(
        plenaries=tuple(item for item in items if item.kind == SessionKind.plenary),
        rounds=tuple(
            RoundItem(
                id=row.id,
                name=row.name,
                name_en=row.name_en or "",
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                sessions=tuple(
                    item
                    for item in items
                    if item.round_id == row.id and item.kind == SessionKind.breakout
                ),
            )
            for row in rounds
        ),
        has_summaries=any(row.summary_status == SummaryStatus.published for row in sessions),
    )


def program_structure(edition: Edition) -> ProgramStructure:
    return versioned("program_structures", edition, None, lambda: _load_structure(edition.id))


def seat_counts(edition_id: int) -> dict[int, Seats]:
    """Exact seats per session, in one query."""
    return {
        row.id: Seats(row.capacity, row.taken, row.waiting)
        for row in db.session.execute(
            sa.select(Session.id, Session.capacity, Session.taken, Session.waiting).where(
                Session.edition_id == edition_id
            )
        )
    }


def program(edition: Edition) -> Program:
    """The edition's program with live seat counts."""
    return Program(
        edition=edition,
        structure=program_structure(edition),
        seats=seat_counts(edition.id),
    )


@dataclass(frozen=True)
class PageState:
    """What changes a program page from one request to the next, read in one query."""

    edition_id: int
    program_version: int
    registration: RegistrationState
    venue_full: bool
    seats: dict[int, Seats]
    #: the edition has taken place: its program shows no seats
    past: bool = False

    def key(self) -> tuple:
        """Everything the page shows that is not part of the program's version."""
        return (
            self.edition_id,
            self.program_version,
            self.registration.open,
            str(self.registration.message),
            self.venue_full,
            self.past,
            tuple(sorted((i, s.capacity, s.taken, s.waiting) for i, s in self.seats.items())),
        )


_edition, _session = Edition.__table__, Session.__table__


def _text(column: sa.ColumnElement) -> sa.ColumnElement:
    return sa.cast(column, sa.String)


_SPACE, _COMMA, _NO_LIMIT = (sa.literal_column(f"'{text}'") for text in (" ", ",", "-"))
#: every session's seats as one text, "id capacity taken waiting" joined by commas ("-"
#: for no limit): one row, so that the edition's columns (dates, which take time to read)
#: are read once and not once per session. Fixed SQL text, no parameters to fill in.
_SEATS = (
    sa.select(
        sa.func.aggregate_strings(
            _text(_session.c.id)
            + _SPACE
            + sa.func.coalesce(_text(_session.c.capacity), _NO_LIMIT)
            + _SPACE
            + _text(_session.c.taken)
            + _SPACE
            + _text(_session.c.waiting),
            _COMMA,
        )
    )
    .where(_session.c.edition_id == _edition.c.id)
    .scalar_subquery()
)
#: built once; the edition by its (unique) slug, its sessions' seats by edition id
_PAGE_STATE = sa.select(
    _edition.c.id,
    _edition.c.program_version,
    _edition.c.status,
    _edition.c.registration_opens_at,
    _edition.c.registration_closes_at,
    _edition.c.starts_at,
    _edition.c.ends_at,
    _edition.c.venue_capacity,
    _edition.c.registered,
    _SEATS.label("seats"),
).where(_edition.c.slug == sa.bindparam("slug"), _edition.c.status != EditionStatus.draft)


def _page_state_row(slug: str) -> sa.Row | None:
    # The request's own session only when it holds a transaction already (it may have
    # written); else no session is made at all, and no transaction: on PostgreSQL a
    # BEGIN and a ROLLBACK were two of the program page's four round trips.
    if db.session.registry.has() and db.session().in_transaction():
        return db.session.connection().execute(_PAGE_STATE, {"slug": slug}).first()
    return one_row(_PAGE_STATE, {"slug": slug})


def _read_seats(text: str | None) -> dict[int, Seats]:
    seats = {}
    for item in text.split(",") if text else ():
        session_id, capacity, taken, waiting = item.split(" ")
        limit = None if capacity == "-" else int(capacity)
        seats[int(session_id)] = Seats(limit, int(taken), int(waiting))
    return seats


def page_state(slug: str, now: datetime | None = None) -> PageState | None:
    """A public edition's program version, sign-up state and seats; None if there is none."""
    if has_control_characters(slug):
        return None  # no web address has them (and PostgreSQL refuses NUL in a query)
    edition = _page_state_row(slug)  # has the columns registration_state reads
    if edition is None:
        return None
    return PageState(
        edition_id=edition.id,
        program_version=edition.program_version,
        registration=registration_state(edition, now),  # type: ignore[arg-type]
        venue_full=edition.venue_capacity is not None
        and edition.registered >= edition.venue_capacity,
        past=has_taken_place(edition, now),  # type: ignore[arg-type]
        seats=_read_seats(edition.seats),
    )


def session_seats(session: Session) -> Seats:
    return Seats(session.capacity, session.taken, session.waiting)


def session_by_slug(edition: Edition, slug: str) -> Session | None:
    if has_control_characters(slug):
        return None  # no web address has them (and PostgreSQL refuses NUL in a query)
    return db.session.scalars(
        sa.select(Session)
        .where(Session.edition_id == edition.id, Session.slug == slug)
        .options(selectinload(Session.speakers), selectinload(Session.round))
    ).first()


def session_abstracts(edition: Edition) -> dict[int, str]:
    """Per session id its abstract: the feeds tell them, the cached structure leaves them out."""
    rows = db.session.execute(
        sa.select(Session.id, Session.abstract).where(Session.edition_id == edition.id)
    )
    return {session_id: abstract for session_id, abstract in rows}
