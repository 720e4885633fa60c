"""What organisers do with registrations: find, read, correct, promote, check in, export.

Plain functions with explicit arguments. Every change is one transaction that carries its
own audit entry, so the log never misses a change and never records one that was undone.
The seat rules are the attendees' own (registration.service): an organiser only gets to
add a seat to a full session, and that is recorded as a capacity change of its own.
"""

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from symposium.audit import service as audit
from symposium.audit.models import AuditEntry
from symposium.audit.service import Actor
from symposium.database import in_transaction, use_case
from symposium.extensions import db
from symposium.mail.models import OutboxMessage
from symposium.program.models import Edition, Round, Session, SessionKind
from symposium.registration import notifications, seats
from symposium.registration.models import Choice, ChoiceState, Registration, RegistrationStatus
from symposium.registration.personal import waitlist_position
from symposium.registration.service import (
    NotAllowed,
    RegistrationError,
    RegistrationRequest,
    add_seat,
    edition_questions,
    normalise_email,
    validate,
)
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
#: lists by last name, whatever the case ("de Vries" among the d's), the same on both databases
BY_NAME = (
    sa.func.lower(Registration.last_name),
    sa.func.lower(Registration.first_name),
    Registration.id,
)


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


# -- the dashboard ---------------------------------------------------------------------


@dataclass(frozen=True)
class SessionFill:
    id: int
    title: str
    room: str
    capacity: int | None
    taken: int
    waiting: int

    @property
    def full(self) -> bool:
        return self.capacity is not None and self.taken >= self.capacity


@dataclass(frozen=True)
class RoundFill:
    round: RoundOption
    sessions: list[SessionFill]


@dataclass
class Dashboard:
    edition: Edition
    #: registrations per status
    counts: dict[RegistrationStatus, int]
    checked_in: int
    rounds: list[RoundFill]
    newest: list[Registration]

    @property
    def confirmed(self) -> int:
        return self.counts.get(RegistrationStatus.confirmed, 0)


def dashboard(edition: Edition, newest: int = 10) -> Dashboard:
    """Registrations against the venue, seats per session, the newest sign-ups, check-ins."""
    counts: dict[RegistrationStatus, int] = {}
    checked_in = 0
    for status, number, arrived in db.session.execute(
        sa.select(
            Registration.status,
            sa.func.count(Registration.id),
            sa.func.count(Registration.checked_in_at),
        )
        .where(Registration.edition_id == edition.id)
        .group_by(Registration.status)
    ):
        counts[status] = number
        if status == RegistrationStatus.confirmed:
            checked_in = arrived
    fills = {
        row.id: SessionFill(row.id, row.title, row.room, row.capacity, row.taken, row.waiting)
        for row in db.session.execute(
            sa.select(
                Session.id,
                Session.title,
                Session.room,
                Session.capacity,
                Session.taken,
                Session.waiting,
            ).where(Session.edition_id == edition.id, Session.kind == SessionKind.breakout)
        )
    }
    rounds = [
        RoundFill(round_, [fills[s.id] for s in round_.sessions])
        for round_ in rounds_with_sessions(edition.id)
    ]
    latest = db.session.scalars(
        sa.select(Registration)
        .where(Registration.edition_id == edition.id)
        .order_by(Registration.created_at.desc(), Registration.id.desc())
        .limit(newest)
    ).all()
    return Dashboard(edition, counts, checked_in, rounds, list(latest))


# -- one registration ------------------------------------------------------------------


def get(registration_id: int) -> Registration | None:
    return db.session.get(Registration, registration_id)


@dataclass
class RoundEntry:
    round: Round
    held: Choice | None
    waiting: Choice | None
    waiting_position: int | None


@dataclass
class RegistrationDetail:
    registration: Registration
    rounds: list[RoundEntry]
    history: list[AuditEntry]
    messages: list[OutboxMessage]


def _active(registration: Registration, round_id: int, state: ChoiceState) -> Choice | None:
    for choice in registration.choices:
        if choice.round_id == round_id and choice.state == state:
            return choice
    return None


def round_entries(registration: Registration) -> list[RoundEntry]:
    """Per round of the edition: the choice held, the choice waiting and its place in line."""
    entries = []
    for round_ in registration.edition.rounds:
        waiting = _active(registration, round_.id, ChoiceState.waitlisted)
        entries.append(
            RoundEntry(
                round=round_,
                held=_active(registration, round_.id, ChoiceState.confirmed),
                waiting=waiting,
                waiting_position=waitlist_position(waiting) if waiting else None,
            )
        )
    return entries


def detail(registration: Registration) -> RegistrationDetail:
    """Everything a registration holds, what organisers changed, and the mail it was sent."""
    history = db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.target_type == "registration", AuditEntry.target_id == registration.id)
        .order_by(AuditEntry.id.desc())
        .limit(50)
    ).all()
    messages = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.registration_id == registration.id)
        .order_by(OutboxMessage.id.desc())
        .limit(50)
    ).all()
    return RegistrationDetail(
        registration, round_entries(registration), list(history), list(messages)
    )


# -- correcting details ----------------------------------------------------------------


@dataclass
class DetailsChange:
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    organisation: str = ""
    role: str = ""
    dietary_needs: str = ""
    access_needs: str = ""
    locale: str = "nl"


DETAIL_FIELDS = tuple(DetailsChange.__dataclass_fields__)


def details_of(registration: Registration) -> DetailsChange:
    return DetailsChange(**{name: getattr(registration, name) for name in DETAIL_FIELDS})


def check_details(edition: Edition, change: DetailsChange) -> dict[str, list]:
    """The sign-up form's own field rules, applied to an organiser's correction."""
    request = RegistrationRequest(
        **{name: getattr(change, name) for name in DETAIL_FIELDS if name != "locale"},
        consent=True,
    )
    # Only the fields on this form: the answers to the edition's questions are not edited here.
    errors = {
        name: messages
        for name, messages in validate(edition, request).items()
        if name in DETAIL_FIELDS
    }
    if change.locale not in LANGUAGES:
        errors["locale"] = [_l("Choose a language.")]
    return errors


def update_details(registration_id: int, change: DetailsChange, actor: Actor) -> Registration:
    """Correct a registration's details; a new address must not be in use for this edition."""

    def use_case():
        registration = db.session.get(Registration, registration_id)
        errors = check_details(registration.edition, change)
        email_key = normalise_email(change.email)
        if "email" not in errors and email_key != registration.email_key:
            taken = db.session.scalar(
                sa.select(Registration.id).where(
                    Registration.edition_id == registration.edition_id,
                    Registration.email_key == email_key,
                    Registration.id != registration.id,
                )
            )
            if taken:
                errors["email"] = [EMAIL_TAKEN]
        if errors:
            raise InvalidDetails(errors)
        before = {name: getattr(registration, name) for name in DETAIL_FIELDS}
        for name in DETAIL_FIELDS:
            value = getattr(change, name)
            setattr(registration, name, value if name in ("role", "locale") else value.strip())
        registration.email_key = email_key
        after = {name: getattr(registration, name) for name in DETAIL_FIELDS}
        if before != after:
            audit.record(actor, "registration.details", registration, before=before, after=after)
        db.session.flush()
        return registration

    try:
        return in_transaction(use_case)
    except IntegrityError as error:
        # Someone signed up with this address while the organiser was typing it.
        raise InvalidDetails({"email": [EMAIL_TAKEN]}) from error


# -- mail and waiting lists by hand ----------------------------------------------------


@use_case
def resend_confirmation(registration_id: int, actor: Actor, now: datetime | None = None) -> None:
    """Queue the confirmation once more, with the person's current program and link."""

    registration = db.session.get(Registration, registration_id)
    if registration.status == RegistrationStatus.cancelled:
        raise NotAllowed(_l("This registration is cancelled: there is nothing to confirm."))
    notifications.confirmation(registration, again_at=now or _now())
    audit.record(actor, "registration.resend", registration, after={"message": "confirmation"})


@use_case
def promote(choice_id: int, actor: Actor) -> Choice:
    """Give someone waiting a seat now: a seat is added when the session is full.

    The seat they held in that round is released and goes to the first person waiting for
    it; the promoted person gets the same mail as when the waiting list moves by itself.
    """

    choice = db.session.get(Choice, choice_id)
    # Lock the session, then read the choice again: of two organisers promoting the
    # same person at once, the second sees that it was done.
    seats.lock_session(choice.session_id)
    db.session.refresh(choice)
    registration = choice.registration
    if choice.state != ChoiceState.waitlisted:
        raise NotAllowed(_l("This person is no longer on this waiting list."))
    if registration.status != RegistrationStatus.confirmed:
        raise NotAllowed(_l("Only a confirmed registration can be given a seat."))
    session = choice.session
    added_seat = False
    if not seats.claim_seat(session.id):
        add_seat(session, actor)
        seats.claim_seat(session.id)
        added_seat = True
    held = _active(registration, choice.round_id, ChoiceState.confirmed)
    if held is not None:
        seats.decline(held)
    seats.count_waiting(session.id, -1)
    choice.state = ChoiceState.confirmed
    choice.decided_at = _now()
    db.session.flush()
    audit.record(
        actor,
        "registration.promote",
        registration,
        before={"round": choice.round.name, "session": held.session.title if held else None},
        after={"round": choice.round.name, "session": session.title, "seat_added": added_seat},
    )
    notifications.promoted(choice, held.session if held else None)
    if held is not None:
        seats.fill_freed_seats([held.session_id])
    return choice


# -- check-in at the door --------------------------------------------------------------


@dataclass(frozen=True)
class CheckInCount:
    checked_in: int
    expected: int


def check_in_count(edition_id: int) -> CheckInCount:
    """Confirmed registrations checked in so far, of all confirmed ones, in one query."""
    expected, checked_in = db.session.execute(
        sa.select(sa.func.count(Registration.id), sa.func.count(Registration.checked_in_at)).where(
            Registration.edition_id == edition_id,
            Registration.status == RegistrationStatus.confirmed,
        )
    ).one()
    return CheckInCount(checked_in=checked_in, expected=expected)


def door_search(edition_id: int, search: str, limit: int = 25) -> list[Registration]:
    """People whose first or last name holds every word typed, by last name."""
    if not search.strip():
        return []
    return list(
        db.session.scalars(
            sa.select(Registration)
            .where(
                Registration.edition_id == edition_id,
                *_search(search, Registration.first_name, Registration.last_name),
            )
            .order_by(*BY_NAME)
            .limit(limit)
        )
    )


def recent_check_ins(edition_id: int, limit: int = 5) -> list[Registration]:
    """The last people checked in, so that a wrong tap is quickly undone."""
    return list(
        db.session.scalars(
            sa.select(Registration)
            .where(Registration.edition_id == edition_id, Registration.checked_in_at.is_not(None))
            .order_by(Registration.checked_in_at.desc(), Registration.id.desc())
            .limit(limit)
        )
    )


def _toggle(column, row_id: int, moment: datetime | None) -> bool:
    """Set a moment (check-in, attendance) that is not set, or clear one that is, in one
    conditional update: two phones tapping the same person change it once. True when
    this call changed it."""
    table = column.class_
    already = column.is_(None) if moment is not None else column.is_not(None)
    result = db.session.execute(
        sa.update(table)
        .where(table.id == row_id, already)
        .values({column.key: moment})
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


_NOT_CHECKED_IN = {
    RegistrationStatus.cancelled: _l("This registration is cancelled: not checked in."),
    RegistrationStatus.waitlisted: _l(
        "This person is on the waiting list for the venue and has no place: not checked in."
    ),
}


@use_case
def check_in(registration_id: int, actor: Actor, now: datetime | None = None) -> bool:
    """Mark someone as arrived; True when this call did it, False when they already were."""

    registration = db.session.get(Registration, registration_id)
    if registration.status != RegistrationStatus.confirmed:
        raise NotAllowed(_NOT_CHECKED_IN[registration.status])
    moment = now or _now()
    done = _toggle(Registration.checked_in_at, registration_id, moment)
    if done:
        audit.record(
            actor,
            "registration.check_in",
            registration,
            before={"checked_in_at": None},
            after={"checked_in_at": moment},
        )
    db.session.refresh(registration)
    return done


@use_case
def undo_check_in(registration_id: int, actor: Actor) -> bool:
    """Take back a check-in; True when there was one to take back."""

    registration = db.session.get(Registration, registration_id)
    was = registration.checked_in_at
    done = _toggle(Registration.checked_in_at, registration_id, None)
    if done:
        audit.record(
            actor,
            "registration.undo_check_in",
            registration,
            before={"checked_in_at": was},
            after={"checked_in_at": None},
        )
    db.session.refresh(registration)
    return done


# -- attendance per session ------------------------------------------------------------


@dataclass
class Attendee:
    choice_id: int
    registration: Registration
    attended_at: datetime | None


@dataclass
class Waiting:
    choice_id: int
    registration: Registration
    position: int


@dataclass
class SessionAttendance:
    session: Session
    attendees: list[Attendee]
    waiting: list[Waiting]

    @property
    def present(self) -> int:
        return sum(1 for attendee in self.attendees if attendee.attended_at is not None)


def session_attendance(session: Session) -> SessionAttendance:
    """The people holding a seat in a session, by last name, and its waiting list in order."""
    held = db.session.execute(
        sa.select(Choice.id, Choice.attended_at, Registration)
        .join(Registration, Registration.id == Choice.registration_id)
        .where(
            Choice.session_id == session.id,
            Choice.state == ChoiceState.confirmed,
            Registration.status == RegistrationStatus.confirmed,
        )
        .order_by(*BY_NAME)
    ).all()
    waiting = db.session.execute(
        sa.select(Choice.id, Registration)
        .join(Registration, Registration.id == Choice.registration_id)
        .where(Choice.session_id == session.id, Choice.state == ChoiceState.waitlisted)
        .order_by(Choice.waitlisted_at, Choice.id)
    ).all()
    return SessionAttendance(
        session=session,
        attendees=[Attendee(row[0], row[2], row[1]) for row in held],
        waiting=[Waiting(row[0], row[1], number) for number, row in enumerate(waiting, 1)],
    )


def _attendance_label(choice: Choice) -> str:
    return f"{choice.registration.full_name} · {choice.session.title}"


@use_case
def mark_attended(choice_id: int, actor: Actor, now: datetime | None = None) -> bool:
    """Tick someone as present in the session they hold a seat in; True when this call did it."""

    choice = db.session.get(Choice, choice_id)
    if (
        choice.state != ChoiceState.confirmed
        or choice.registration.status != RegistrationStatus.confirmed
    ):
        raise NotAllowed(_l("Only someone with a seat in this session can be ticked."))
    moment = now or _now()
    done = _toggle(Choice.attended_at, choice_id, moment)
    if done:
        audit.record(
            actor,
            "choice.attended",
            choice,
            before={"attended_at": None},
            after={"attended_at": moment},
            label=_attendance_label(choice),
            edition_id=choice.registration.edition_id,
        )
    return done


@use_case
def undo_attended(choice_id: int, actor: Actor) -> bool:
    choice = db.session.get(Choice, choice_id)
    was = choice.attended_at
    done = _toggle(Choice.attended_at, choice_id, None)
    if done:
        audit.record(
            actor,
            "choice.undo_attended",
            choice,
            before={"attended_at": was},
            after={"attended_at": None},
            label=_attendance_label(choice),
            edition_id=choice.registration.edition_id,
        )
    return done


def get_choice(choice_id: int) -> Choice | None:
    return db.session.get(Choice, choice_id)


# -- exports ---------------------------------------------------------------------------


@dataclass
class Table:
    """A header and rows of plain values, for CSV and XLSX alike."""

    title: str
    header: list[str]
    rows: Iterable[list]


def _local(moment: datetime | None, timezone: str) -> str:
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def _question_columns(edition: Edition) -> list[tuple[str, Callable[[sa.Row], str]]]:
    """(header, answer getter) per question of the edition's own, after the fixed columns."""

    def answer_to(question_id: int) -> Callable[[sa.Row], str]:
        def answer(row: sa.Row) -> str:
            value = (row.answers or {}).get(str(question_id))
            if isinstance(value, bool):
                return _("Yes") if value else _("No")
            if isinstance(value, list):
                return ", ".join(str(item) for item in value)
            return "" if value is None else str(value)

        return answer

    return [(question.label, answer_to(question.id)) for question in edition_questions(edition.id)]


def registrations_table(
    edition: Edition, wanted: RegistrationFilter, role_labels: Mapping[str, str]
) -> Table:
    """Every registration the filter selects, with per round the session held and waited for."""
    rounds = rounds_with_sessions(edition.id)
    questions = _question_columns(edition)
    header = [
        _("First name"),
        _("Last name"),
        _("E-mail address"),
        _("Organisation"),
        _("Role"),
        _("Status"),
        _("Dietary needs"),
        _("Access needs"),
        _("Language"),
        _("Signed up"),
        _("Checked in"),
    ]
    for round_ in rounds:
        header += [
            _("%(round)s: session", round=round_.name),
            _("%(round)s: waiting list", round=round_.name),
        ]
    header += [title for title, _answer in questions]

    def rows():
        # Plain rows and labels looked up once: 5,000 ORM objects and lazy texts cost seconds.
        roles = {key: str(label) for key, label in role_labels.items()}
        statuses = {key: str(label) for key, label in STATUS_LABELS.items()}
        in_line = _("%(title)s (number %(position)d)")
        cells = _round_cells(edition.id, None)
        none = RoundCell()
        registrations = db.session.execute(
            sa.select(Registration.__table__)
            .where(*_conditions(edition.id, wanted))
            .order_by(*BY_NAME)
        )
        for registration in registrations:
            row = [
                registration.first_name,
                registration.last_name,
                registration.email,
                registration.organisation,
                roles.get(registration.role, registration.role),
                statuses[registration.status],
                registration.dietary_needs,
                registration.access_needs,
                registration.locale,
                _local(registration.created_at, edition.timezone),
                _local(registration.checked_in_at, edition.timezone),
            ]
            mine = cells.get(registration.id, {})
            for round_ in rounds:
                cell = mine.get(round_.id, none)
                row.append(cell.held or "")
                row.append(
                    in_line % {"title": cell.waiting, "position": cell.position}
                    if cell.waiting
                    else ""
                )
            row += [answer(registration) for _title, answer in questions]
            yield row

    return Table(title=_("Registrations"), header=header, rows=rows())


def session_table(session: Session) -> Table:
    """A room host's list: who holds a seat, their organisation, and whether they arrived."""
    attendance = session_attendance(session)
    timezone = session.edition.timezone
    return Table(
        title=session.title,
        header=[
            _("First name"),
            _("Last name"),
            _("Organisation"),
            _("Checked in"),
            _("Present in this session"),
        ],
        rows=iter(
            [
                [
                    a.registration.first_name,
                    a.registration.last_name,
                    a.registration.organisation,
                    _local(a.registration.checked_in_at, timezone),
                    _local(a.attended_at, timezone),
                ]
                for a in attendance.attendees
            ]
        ),
    )


def session_of_edition(edition: Edition, session_id: int) -> Session | None:
    session = db.session.scalars(
        sa.select(Session)
        .where(
            Session.id == session_id,
            Session.edition_id == edition.id,
            Session.kind == SessionKind.breakout,
        )
        .options(selectinload(Session.round))
    ).first()
    return session
