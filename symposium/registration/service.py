"""The registration rules: sign-up, seats, waiting lists, changes and cancellation.

Seats are counted in `Session.taken` and claimed by one conditional update whose row
count says yes or no, in the same transaction as the choice row; the same holds for the
venue in `Edition.registered`. Before claiming, the session row is locked (`FOR UPDATE`,
a no-op on SQLite where `BEGIN IMMEDIATE` already serialises writers) so that a seat that
frees while someone joins the waiting list is never left empty.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import in_transaction, use_case
from symposium.extensions import db
from symposium.mail.models import OutboxMessage
from symposium.program.models import AllocationMode, Edition, EditionStatus, Session, SessionKind
from symposium.program.service import program_structure, registration_state, versioned
from symposium.registration import notifications, rankings, seats
from symposium.registration.models import (
    ROLES,
    Choice,
    ChoiceState,
    Question,
    QuestionKind,
    Registration,
    RegistrationStatus,
)
from symposium.registration.personal import active_choice
from symposium.registration.tokens import read_manage_token, secrets_match
from symposium.validation import RuleError, clean_text

# -- what callers hand in ---------------------------------------------------------------


@dataclass
class RoundRequest:
    """What a person asks for in one round: a seat, and optionally a waiting list; or, when
    the edition shares out its seats after a deadline, a ranking (session ids, best first)."""

    session_id: int | None = None
    waitlist_session_id: int | None = None
    ranking: tuple[int, ...] = ()


@dataclass
class RegistrationRequest:
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    organisation: str = ""
    role: str = ""
    dietary_needs: str = ""
    access_needs: str = ""
    consent: bool = False
    newsletter: bool = False
    choices: dict[int, RoundRequest] = field(default_factory=dict)
    #: question id -> text (text, one choice), list of texts (several choices) or bool
    answers: dict[int, object] = field(default_factory=dict)
    locale: str = "nl"


# -- errors a person can read ----------------------------------------------------------


class RegistrationError(RuleError):
    """A sign-up or change that the rules refuse."""


class InvalidRegistration(RegistrationError):
    """Choice errors are keyed "choices.<round id>"."""

    message = _l("Some answers need attention.")


class DuplicateRegistration(RegistrationError):
    message = _l(
        "This e-mail address has already been used to sign up for this symposium. "
        "We have sent the link to change that registration to this address again."
    )


class RegistrationClosed(RegistrationError):
    pass


class SessionFull(RegistrationError):
    message = _l("This session is full. You can join its waiting list instead.")


class NotAllowed(RegistrationError):
    pass


# -- validation ------------------------------------------------------------------------

FIELD_LIMITS = {
    "first_name": 100,
    "last_name": 100,
    "email": 254,
    "organisation": 200,
    "dietary_needs": 500,
    "access_needs": 500,
}
MULTILINE_FIELDS = {"dietary_needs", "access_needs"}
REQUIRED_MESSAGES = {
    "first_name": _l("Enter your first name."),
    "last_name": _l("Enter your last name."),
    "email": _l("Enter your e-mail address."),
}


#: for values of the wrong kind, which only the JSON face can send
TYPE_MESSAGES = {
    "text": _l("Enter text."),
    "boolean": _l("Answer true or false."),
    "choices": _l("Give the choices as an object from round id to session id."),
    "answers": _l("Give the answers as an object from question id to answer."),
    "rankings": _l("Give the rankings as an object from round id to a list of session ids."),
}


def validate(edition: Edition, request: RegistrationRequest) -> dict[str, list]:
    """Every problem with a sign-up request, per field; empty when it can go ahead."""
    errors: dict[str, list] = {}

    def add(name: str, message) -> None:
        errors.setdefault(name, []).append(message)

    for name, limit in FIELD_LIMITS.items():
        value = getattr(request, name)
        if not isinstance(value, str):
            add(name, TYPE_MESSAGES["text"])
        else:
            problem = clean_text(
                value, limit, REQUIRED_MESSAGES.get(name), name in MULTILINE_FIELDS
            )[1]
            if problem is not None:
                add(name, problem)

    if "email" not in errors:
        try:
            validate_email(request.email.strip(), check_deliverability=False)
        except EmailNotValidError:
            add("email", _l("Enter an e-mail address like name@example.org."))
    if request.role not in ROLES:
        add("role", _l("Choose your role."))
    if request.consent is not True:
        add("consent", _l("Agree to the privacy statement to sign up."))

    for question_id, problem in _answer_problems(edition, request.answers).items():
        add(f"question-{question_id}", problem)

    # The cached program says which sessions each round has, without a query.
    rounds = {round_.id: round_ for round_ in program_structure(edition).rounds}
    for round_id, wanted in request.choices.items():
        round_ = rounds.get(round_id)
        key = f"choices.{round_id}"
        if round_ is None:
            add(key, _l("This round is not part of this symposium."))
            continue
        in_round = {session.id for session in round_.sessions}
        for session_id in (wanted.session_id, wanted.waitlist_session_id):
            if session_id is not None and session_id not in in_round:
                add(key, _l("Choose a session of this round."))
        if wanted.session_id is not None and wanted.session_id == wanted.waitlist_session_id:
            add(key, _l("Choose another session than the one you wait for."))
        if edition.allocation_mode == AllocationMode.ranked:
            if wanted.session_id is not None or wanted.waitlist_session_id is not None:
                add(key, _l("Rank sessions instead: the seats are shared out after a deadline."))
            for problem in rankings.ranking_problems(wanted.ranking, in_round):
                add(key, problem)
        elif wanted.ranking:
            add(key, _l("Seats are given out first come, first served: choose one session."))
    return errors


def edition_questions(edition_id: int) -> list[Question]:
    return list(
        db.session.scalars(
            sa.select(Question)
            .where(Question.edition_id == edition_id)
            .order_by(Question.position, Question.id)
        )
    )


@dataclass(frozen=True)
class QuestionRule:
    id: int
    kind: QuestionKind
    required: bool
    options: tuple[str, ...]


def _question_rules(edition: Edition) -> dict[int, QuestionRule]:
    """What the answers are checked against; kept with the program version, which
    every change to the questions bumps."""
    return versioned(
        "question_rules",
        edition,
        None,
        lambda: {
            q.id: QuestionRule(q.id, q.kind, q.required, tuple(q.options))
            for q in edition_questions(edition.id)
        },
    )


def _answer_problems(edition: Edition, answers: dict[int, object]) -> dict[int, object]:
    """The first problem with each answer, per question id."""
    problems: dict[int, object] = {}
    questions = _question_rules(edition)
    for question_id in answers:
        if question_id not in questions:
            problems[question_id] = _l("This question is not part of this symposium.")
    for question in questions.values():
        answer = answers.get(question.id)
        if _is_empty(answer):
            if question.required:
                problems[question.id] = _l("Answer this question.")
            continue
        if question.kind == QuestionKind.yes_no:
            valid = isinstance(answer, bool)
        elif question.kind == QuestionKind.several_choices:
            valid = isinstance(answer, list) and all(a in question.options for a in answer)
        elif question.kind == QuestionKind.one_choice:
            valid = answer in question.options
        elif not isinstance(answer, str):
            problems[question.id] = TYPE_MESSAGES["text"]
            continue
        else:
            problem = clean_text(answer, 1000, multiline=True)[1]
            if problem is not None:
                problems[question.id] = problem
                continue
            valid = True
        if not valid:
            problems[question.id] = _l("Choose one of the options.")
    return problems


def _is_empty(answer: object) -> bool:
    """No answer; "no" to a yes/no question is an answer."""
    return answer is None or answer == [] or (isinstance(answer, str) and not answer.strip())


def _stored_answers(answers: dict[int, object]) -> dict[str, object]:
    """JSON keys are text; empty answers are left out."""
    return {
        str(question_id): answer.strip() if isinstance(answer, str) else answer
        for question_id, answer in answers.items()
        if not _is_empty(answer)
    }


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _now() -> datetime:
    return datetime.now(UTC)


# -- use cases -------------------------------------------------------------------------


def register(
    edition_id: int, request: RegistrationRequest, now: datetime | None = None
) -> Registration:
    """Sign someone up: a venue place, then per round the seat or waiting place they asked for."""
    try:
        return in_transaction(lambda: _register(edition_id, request, now or _now()))
    except IntegrityError as error:
        # Two sign-ups with one address raced; the unique index let one through.
        raise DuplicateRegistration() from error


def _register(edition_id: int, request: RegistrationRequest, now: datetime) -> Registration:
    edition = db.session.get(Edition, edition_id)
    ranks = any(wanted.ranking for wanted in request.choices.values())
    if ranks:
        # Wait for an allocation being committed; then see the edition as it left it.
        db.session.refresh(edition, with_for_update=True)
    errors = validate(edition, request)
    if errors:
        raise InvalidRegistration(errors)
    state = registration_state(edition, now)
    if not state.open:
        raise RegistrationClosed(state.message)
    if ranks and not (preferences := rankings.preferences_state(edition, now)).open:
        raise InvalidRegistration(
            {
                f"choices.{round_id}": [preferences.message]
                for round_id, wanted in request.choices.items()
                if wanted.ranking
            }
        )

    email_key = normalise_email(request.email)
    exists = db.session.scalar(
        sa.select(Registration.id).where(
            Registration.edition_id == edition.id, Registration.email_key == email_key
        )
    )
    if exists:
        raise DuplicateRegistration()

    has_place = seats.claim_venue_place(edition.id)
    registration = Registration(
        edition_id=edition.id,
        first_name=request.first_name.strip(),
        last_name=request.last_name.strip(),
        email=request.email.strip(),
        email_key=email_key,
        organisation=request.organisation.strip(),
        role=request.role,
        dietary_needs=request.dietary_needs.strip(),
        access_needs=request.access_needs.strip(),
        newsletter=bool(request.newsletter),
        answers=_stored_answers(request.answers),
        consent_at=now,
        locale=request.locale if request.locale in ("nl", "en") else "nl",
        status=RegistrationStatus.confirmed if has_place else RegistrationStatus.waitlisted,
        created_at=now,
    )
    db.session.add(registration)
    db.session.flush()
    if has_place and edition.allocation_mode == AllocationMode.ranked:
        for round_id in sorted(request.choices):
            rankings.store_ranking(registration, round_id, request.choices[round_id].ranking)
    elif has_place:
        # Rounds in a fixed order, so concurrent sign-ups lock session rows alike.
        for round_id in sorted(request.choices):
            _take_round(registration, round_id, request.choices[round_id])
    notifications.confirmation(registration)
    return registration


def _take_round(registration: Registration, round_id: int, wanted: RoundRequest) -> None:
    """A seat in the waited-for session if one is free, else wait for it and take the other."""
    waiting = False
    if wanted.waitlist_session_id is not None:
        if seats.claim_seat(wanted.waitlist_session_id):
            seats.add_choice(
                registration, round_id, wanted.waitlist_session_id, ChoiceState.confirmed
            )
            return
        seats.add_choice(registration, round_id, wanted.waitlist_session_id, ChoiceState.waitlisted)
        waiting = True
    if wanted.session_id is None:
        return
    if seats.claim_seat(wanted.session_id):
        seats.add_choice(registration, round_id, wanted.session_id, ChoiceState.confirmed)
    elif not waiting:
        seats.add_choice(registration, round_id, wanted.session_id, ChoiceState.waitlisted)


def _locked(registration_id: int) -> Registration:
    """The registration, locked first: a cancel racing a change of the same person must not
    both act on what each read before the other committed (a seat freed twice)."""
    seats.lock_registration(registration_id)
    return db.session.get(Registration, registration_id)


def _breakout_of_round(registration: Registration, round_id: int, session_id: int) -> Session:
    session = db.session.get(Session, session_id)
    if (
        session is None
        or session.edition_id != registration.edition_id
        or session.round_id != round_id
        or session.kind != SessionKind.breakout
    ):
        raise InvalidRegistration({f"choices.{round_id}": [_l("Choose a session of this round.")]})
    return session


def _require_confirmed(registration: Registration) -> None:
    """Sessions can be chosen while sign-up is open, by people with a place at the venue,
    unless the seats are shared out after a deadline (then people rank sessions instead)."""
    if registration.status != RegistrationStatus.confirmed:
        raise NotAllowed(_l("Only a confirmed registration can choose sessions."))
    if not registration_state(registration.edition).open:
        raise NotAllowed(_l("Sessions can no longer be changed."))
    if registration.edition.allocation_mode == AllocationMode.ranked:
        raise NotAllowed(_l("The seats are shared out after the deadline: rank sessions instead."))


@use_case
def change_choice(
    registration_id: int,
    round_id: int,
    session_id: int | None,
    actor: Actor | None = None,
    add_seat_if_full: bool = False,
) -> None:
    """Move to another session of a round: the new seat is taken first, or nothing changes.

    An organiser (`actor`) may place someone in a full session by adding a seat to it,
    which is recorded as a capacity change of its own.
    """

    registration = _locked(registration_id)
    if actor is None:
        _require_confirmed(registration)
    elif registration.status != RegistrationStatus.confirmed:
        raise NotAllowed(_l("Only a confirmed registration can choose sessions."))
    current = active_choice(registration, round_id, ChoiceState.confirmed)
    if (current.session_id if current else None) == session_id:
        return
    if session_id is not None:
        session = _breakout_of_round(registration, round_id, session_id)
        if not seats.claim_seat(session_id):
            if not (actor and add_seat_if_full):
                raise SessionFull()
            add_seat(session, actor)
            seats.claim_seat(session_id)
    freed = []
    if current is not None:
        seats.decline(current)
        freed.append(current.session_id)
    if session_id is not None:
        waiting = active_choice(registration, round_id, ChoiceState.waitlisted)
        if waiting is not None and waiting.session_id == session_id:
            seats.decline(waiting)
        new = seats.add_choice(registration, round_id, session_id, ChoiceState.confirmed)
    notifications.choice_changed(registration, f"{new.id}" if session_id else f"-{current.id}")
    if actor is not None:
        audit.record(
            actor,
            "registration.move",
            registration,
            before={"round": round_id, "session": current.session.title if current else None},
            after={"round": round_id, "session": new.session.title if session_id else None},
        )
    seats.fill_freed_seats(freed)


def add_seat(session: Session, actor: Actor) -> None:
    db.session.refresh(session)
    before = session.capacity
    session.capacity = session.taken + 1
    db.session.flush()
    audit.record(
        actor,
        "session.capacity",
        session,
        before={"capacity": before},
        after={"capacity": session.capacity},
    )


@use_case
def join_waitlist(registration_id: int, round_id: int, session_id: int) -> None:
    """Wait for a full session, keeping the seat held in that round meanwhile."""

    registration = _locked(registration_id)
    _require_confirmed(registration)
    session = _breakout_of_round(registration, round_id, session_id)
    seats.lock_session(session_id)
    db.session.refresh(session)
    if session.capacity is None or session.taken < session.capacity:
        raise NotAllowed(_l("This session still has seats: choose it instead."))
    held = active_choice(registration, round_id, ChoiceState.confirmed)
    if held is not None and held.session_id == session_id:
        raise NotAllowed(_l("You already have a seat in this session."))
    waiting = active_choice(registration, round_id, ChoiceState.waitlisted)
    if waiting is not None:
        if waiting.session_id == session_id:
            return
        seats.decline(waiting)
    notifications.waitlist_joined(
        seats.add_choice(registration, round_id, session_id, ChoiceState.waitlisted)
    )


@use_case
def leave_waitlist(registration_id: int, round_id: int) -> None:
    registration = _locked(registration_id)
    waiting = active_choice(registration, round_id, ChoiceState.waitlisted)
    if waiting is not None:
        seats.decline(waiting)


@use_case
def cancel(registration_id: int, actor: Actor | None = None) -> list[Choice]:
    """Cancel a registration: its seats go to the people waiting, in the same transaction."""

    registration = _locked(registration_id)
    if registration.status == RegistrationStatus.cancelled:
        return []
    if actor is not None:
        audit.record(
            actor,
            "registration.cancel",
            registration,
            before={"status": registration.status},
            after={"status": RegistrationStatus.cancelled},
        )
    had_place = registration.status == RegistrationStatus.confirmed
    if had_place:
        # The edition's row before any session's, in the order a sign-up takes them:
        # the other way round, cancels and sign-ups deadlock on PostgreSQL.
        seats.release_venue_place(registration.edition_id)
    registration.status = RegistrationStatus.cancelled
    registration.cancelled_at = _now()
    freed = []
    for choice in registration.choices:
        if choice.state == ChoiceState.confirmed:
            freed.append(choice.session_id)
        if choice.state in (ChoiceState.confirmed, ChoiceState.waitlisted, ChoiceState.ranked):
            seats.decline(choice)
    notifications.cancelled(registration)
    promoted = seats.fill_freed_seats(freed)
    if had_place:
        seats.promote_from_venue_waitlist(registration.edition_id)
    return promoted


def change_capacity(session_id: int, capacity: int, actor: Actor | None = None) -> list[Choice]:
    """Set a session's seats; new seats go to the people waiting. Never below seats taken."""
    return in_transaction(lambda: set_capacity(session_id, capacity, actor))


def set_capacity(session_id: int, capacity: int, actor: Actor | None = None) -> list[Choice]:
    """`change_capacity` inside the caller's transaction, for a use case that changes more."""
    seats.lock_session(session_id)
    session = db.session.get(Session, session_id)
    db.session.refresh(session)
    if capacity < session.taken:
        raise NotAllowed(
            _l("%(taken)d seats are taken; the capacity cannot be lower.", taken=session.taken)
        )
    if actor is not None:
        audit.record(
            actor,
            "session.capacity",
            session,
            before={"capacity": session.capacity},
            after={"capacity": capacity},
        )
    session.capacity = capacity
    db.session.flush()
    return seats.fill_freed_seats([session_id])


# -- reading ---------------------------------------------------------------------------


@use_case
def queue_due_reminders(now: datetime, days_before: int, limit: int = 500) -> int:
    """Queue the reminder for confirmed people of editions starting within `days_before` days."""

    editions = db.session.scalars(
        sa.select(Edition).where(
            Edition.status == EditionStatus.published,
            Edition.starts_at > now,
            Edition.starts_at <= now + timedelta(days=days_before),
        )
    ).all()
    queued = 0
    for edition in editions:
        key = sa.literal(f"reminder:{edition.id}:") + sa.cast(Registration.id, sa.String)
        due = db.session.scalars(
            sa.select(Registration)
            .where(
                Registration.edition_id == edition.id,
                Registration.status == RegistrationStatus.confirmed,
                ~sa.exists().where(OutboxMessage.dedupe_key == key),
            )
            .limit(limit - queued)
        ).all()
        for registration in due:
            notifications.reminder(registration)
        queued += len(due)
    return queued


def notify_program_change(session_id: int, changes: list, version: int) -> int:
    """One message to everyone holding a seat in a session whose time or room changed."""
    holders = db.session.scalars(
        sa.select(Registration)
        .join(Choice, Choice.registration_id == Registration.id)
        .where(
            Choice.session_id == session_id,
            Choice.state == ChoiceState.confirmed,
            Registration.status == RegistrationStatus.confirmed,
        )
    ).all()
    session = db.session.get(Session, session_id)
    for registration in holders:
        notifications.program_changed(registration, session, changes, str(version))
    return len(holders)


SEGMENTS = ("confirmed", "session", "waitlisted", "checked_in", "not_checked_in")


def segment(edition_id: int, name: str, session_id: int | None = None) -> list[Registration]:
    """The registrations an organiser can write to, by group."""
    query = sa.select(Registration).where(Registration.edition_id == edition_id)
    confirmed = Registration.status == RegistrationStatus.confirmed
    if name == "confirmed":
        query = query.where(confirmed)
    elif name == "session":
        query = query.where(
            confirmed,
            sa.exists().where(
                Choice.registration_id == Registration.id,
                Choice.session_id == session_id,
                Choice.state == ChoiceState.confirmed,
            ),
        )
    elif name == "waitlisted":
        query = query.where(
            sa.or_(
                Registration.status == RegistrationStatus.waitlisted,
                sa.and_(
                    confirmed,
                    sa.exists().where(
                        Choice.registration_id == Registration.id,
                        Choice.state == ChoiceState.waitlisted,
                    ),
                ),
            )
        )
    elif name == "checked_in":
        query = query.where(confirmed, Registration.checked_in_at.is_not(None))
    elif name == "not_checked_in":
        query = query.where(confirmed, Registration.checked_in_at.is_(None))
    else:
        return []
    return list(db.session.scalars(query.order_by(Registration.last_name, Registration.id)))


@use_case
def send_manage_link(edition_id: int, email: str) -> None:
    """Mail the manage link to a registered address; say nothing about whether it is one."""

    registration = db.session.scalars(
        sa.select(Registration).where(
            Registration.edition_id == edition_id,
            Registration.email_key == normalise_email(email),
            Registration.status != RegistrationStatus.cancelled,
        )
    ).first()
    if registration is not None:
        notifications.manage_link(registration)


def find_by_token(token: str, secret_key: str) -> Registration | None:
    """The registration a manage link points to; None for a tampered or unknown link."""
    carried = read_manage_token(secret_key, token)
    if carried is None:
        return None
    registration = db.session.get(Registration, carried[0])
    if registration is None or not secrets_match(registration.manage_secret, carried[1]):
        return None
    return registration
