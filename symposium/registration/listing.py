"""Finding registrations for organisers: filters, sorting, one page of a list."""

import enum
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from symposium.extensions import db
from symposium.program.models import Round, Session, SessionKind
from symposium.registration.models import Choice, ChoiceState, Registration, RegistrationStatus
from symposium.registration.requests import RegistrationError
from symposium.text import has_control_characters

PER_PAGE = 50
#: more words than this in a search add nothing but work
MAX_SEARCH_TERMS = 6

STATUS_LABELS = {
    RegistrationStatus.confirmed: _l("Confirmed"),
    RegistrationStatus.waitlisted: _l("On the venue's waiting list"),
    RegistrationStatus.cancelled: _l("Cancelled"),
}
LANGUAGES = {"nl": "Nederlands", "en": "English"}
#: the Dutch order: "de Vries" under V, "van den Bergh" under B, "Çelik" with the C's
BY_NAME = (Registration.sort_last, Registration.sort_first, Registration.id)


def _now() -> datetime:
    return datetime.now(UTC)


# -- errors a person can read ----------------------------------------------------------


class InvalidDetails(RegistrationError):
    message = _l("Some details need attention.")


EMAIL_TAKEN = _l("Another registration for this symposium already uses this e-mail address.")


# -- finding registrations -------------------------------------------------------------


class Place(enum.StrEnum):
    """Where someone stands in the round or session a list is filtered on."""

    held = "held"
    waiting = "waiting"
    #: no seat (they may still be waiting)
    none = "none"


@dataclass(frozen=True)
class RegistrationFilter:
    search: str = ""
    status: RegistrationStatus | None = None
    round_id: int | None = None
    session_id: int | None = None
    #: applies to the round and session filters
    place: Place = Place.held
    checked_in: bool | None = None
    #: True: only who asked for the newsletter
    newsletter: bool | None = None


def _search(text: str, *columns) -> list:
    """Each word typed must appear in one of the columns, in any case; % and _ are literal."""
    terms = text.split()[:MAX_SEARCH_TERMS]
    if any(has_control_characters(term) for term in terms):
        return [sa.false()]  # nothing stored has them (and PostgreSQL refuses NUL in a query)
    return [
        sa.or_(*(column.icontains(term, autoescape=True) for column in columns)) for term in terms
    ]


def _conditions(edition_id: int, wanted: RegistrationFilter) -> list:
    """WHERE clauses: each search word must appear in a name, address or organisation."""
    conditions = [Registration.edition_id == edition_id]
    conditions += _search(
        wanted.search,
        Registration.first_name,
        Registration.last_name,
        Registration.email_key,
        Registration.organisation,
    )
    if wanted.status is not None:
        conditions.append(Registration.status == wanted.status)
    if wanted.newsletter is not None:
        conditions.append(Registration.newsletter.is_(wanted.newsletter))
    if wanted.checked_in is not None:
        checked_in = Registration.checked_in_at
        conditions.append(checked_in.is_not(None) if wanted.checked_in else checked_in.is_(None))
    if wanted.round_id is not None or wanted.session_id is not None:
        # IN rather than a correlated EXISTS: the choice index finds a session's people
        # first, so only they are sorted, not the whole edition.
        state = ChoiceState.waitlisted if wanted.place == Place.waiting else ChoiceState.confirmed
        choices = sa.select(Choice.registration_id).where(Choice.state == state)
        if wanted.session_id is not None:
            choices = choices.where(Choice.session_id == wanted.session_id)
        if wanted.round_id is not None:
            choices = choices.where(Choice.round_id == wanted.round_id)
        within = Registration.id.in_(choices)
        conditions.append(~within if wanted.place == Place.none else within)
    return conditions


@dataclass(frozen=True)
class SessionOption:
    id: int
    title: str
    round_id: int | None


@dataclass(frozen=True)
class RoundOption:
    id: int
    name: str
    starts_at: datetime
    ends_at: datetime
    sessions: tuple[SessionOption, ...]


def rounds_with_sessions(edition_id: int) -> list[RoundOption]:
    """The edition's rounds and their breakouts, in two queries: for filters and columns."""
    sessions = db.session.execute(
        sa.select(Session.id, Session.title, Session.round_id)
        .where(Session.edition_id == edition_id, Session.kind == SessionKind.breakout)
        .order_by(Session.title, Session.id)
    ).all()
    return [
        RoundOption(
            id=row.id,
            name=row.name,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            sessions=tuple(
                SessionOption(s.id, s.title, s.round_id) for s in sessions if s.round_id == row.id
            ),
        )
        for row in db.session.execute(
            sa.select(Round.id, Round.name, Round.starts_at, Round.ends_at)
            .where(Round.edition_id == edition_id)
            .order_by(Round.starts_at, Round.id)
        )
    ]


@dataclass
class RoundCell:
    """A registration in one round: the session held, the one waited for and the place in line."""

    held: str | None = None
    held_session_id: int | None = None
    waiting: str | None = None
    waiting_session_id: int | None = None
    position: int | None = None


def _round_cells(edition_id: int, registration_ids: list[int] | None) -> dict[int, dict]:
    """registration id -> round id -> RoundCell, in two queries whatever the number of people.

    Waiting places are numbered over the whole waiting list of each session, so a filtered
    list shows the same positions as the person's own page.
    """
    cells: dict[int, dict[int, RoundCell]] = {}

    def cell(registration_id: int, round_id: int) -> RoundCell:
        return cells.setdefault(registration_id, {}).setdefault(round_id, RoundCell())

    held = (
        sa.select(Choice.registration_id, Choice.round_id, Session.id, Session.title)
        .join(Session, Session.id == Choice.session_id)
        .where(Session.edition_id == edition_id, Choice.state == ChoiceState.confirmed)
    )
    position = sa.func.row_number().over(
        partition_by=Choice.session_id, order_by=(Choice.waitlisted_at, Choice.id)
    )
    waiting = (
        sa.select(
            Choice.registration_id,
            Choice.round_id,
            Session.id.label("session_id"),
            Session.title,
            position.label("position"),
        )
        .join(Session, Session.id == Choice.session_id)
        .where(Session.edition_id == edition_id, Choice.state == ChoiceState.waitlisted)
    )
    if registration_ids is not None:
        held = held.where(Choice.registration_id.in_(registration_ids))
        # Number only the waiting lists these people are on, but each of them whole.
        waited_for = sa.select(Choice.session_id).where(
            Choice.registration_id.in_(registration_ids), Choice.state == ChoiceState.waitlisted
        )
        waiting = waiting.where(Choice.session_id.in_(waited_for))
    waiting = waiting.subquery()
    waiting_query = sa.select(waiting)
    if registration_ids is not None:
        waiting_query = waiting_query.where(waiting.c.registration_id.in_(registration_ids))
    for registration_id, round_id, session_id, title in db.session.execute(held):
        target = cell(registration_id, round_id)
        target.held, target.held_session_id = title, session_id
    for row in db.session.execute(waiting_query):
        target = cell(row.registration_id, row.round_id)
        target.waiting, target.waiting_session_id = row.title, row.session_id
        target.position = row.position
    return cells


@dataclass
class ListRow:
    registration: Registration
    #: round id -> RoundCell
    rounds: dict[int, RoundCell]


@dataclass
class RegistrationPage:
    rows: list[ListRow]
    total: int
    page: int
    pages: int
    per_page: int

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.page * self.per_page, self.total)


def registration_page(
    edition_id: int, wanted: RegistrationFilter, page: int = 1, per_page: int = PER_PAGE
) -> RegistrationPage:
    """One page of the filtered registrations by name, in four queries whatever the page size."""
    conditions = _conditions(edition_id, wanted)
    total = db.session.scalar(sa.select(sa.func.count(Registration.id)).where(*conditions))
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    registrations = db.session.scalars(
        sa.select(Registration)
        .where(*conditions)
        .order_by(*BY_NAME)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    cells = _round_cells(edition_id, [r.id for r in registrations])
    rows = [ListRow(r, cells.get(r.id, {})) for r in registrations]
    return RegistrationPage(rows, total, page, pages, per_page)
