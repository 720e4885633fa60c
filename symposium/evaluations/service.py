"""Who is asked what and when, and answering through the personal link."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from symposium.database import use_case
from symposium.evaluations.forms import EditionForms, EvaluationError, find_forms, set_up
from symposium.evaluations.models import (
    EvaluationForm,
    EvaluationKind,
    EvaluationQuestion,
    EvaluationResponse,
    EvaluationSettings,
    FormScope,
)
from symposium.evaluations.tokens import response_token
from symposium.extensions import db
from symposium.program.models import Edition, Session, SessionKind
from symposium.registration.models import Choice, ChoiceState, Registration, RegistrationStatus
from symposium.validation import Fields

TEXT_LIMIT = 2000


def _now() -> datetime:
    return datetime.now(UTC)


# -- when ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    #: the day's form opens when its last session starts
    day_opens: datetime
    #: after the day's last session: the invitation goes
    day_ends: datetime
    reminder_at: datetime
    closes_at: datetime


def settings_of(edition_id: int) -> EvaluationSettings:
    """The edition's settings, or the defaults when nobody changed them."""
    return db.session.get(EvaluationSettings, edition_id) or EvaluationSettings(
        edition_id=edition_id, reminder_days=3, close_days=14, minimum_answers=5
    )


def timing(edition: Edition, settings: EvaluationSettings | None = None) -> Timing:
    settings = settings or settings_of(edition.id)
    sessions = edition.sessions
    opens = max((s.starts_at for s in sessions), default=edition.starts_at)
    ends = max((s.ends_at for s in sessions), default=edition.ends_at)
    return Timing(
        day_opens=opens,
        day_ends=ends,
        reminder_at=ends + timedelta(days=settings.reminder_days),
        closes_at=ends + timedelta(days=settings.close_days),
    )


# -- who -------------------------------------------------------------------------------


def evaluated(session: Session) -> bool:
    """Breakouts, and plenaries with a speaker: not the coffee at the door."""
    return session.kind == SessionKind.breakout or bool(session.speakers)


def attended_sessions(registration: Registration) -> list[Session]:
    """The sessions a person was at and is asked about: the plenaries with a speaker once
    checked in, and the breakouts they held a seat in when checked in or ticked present by
    the room host."""
    if registration.status != RegistrationStatus.confirmed:
        return []
    checked_in = registration.checked_in_at is not None
    held = {
        choice.session_id
        for choice in registration.choices
        if choice.state == ChoiceState.confirmed and (checked_in or choice.attended_at)
    }
    return [
        session
        for session in registration.edition.sessions
        if evaluated(session)
        and (session.id in held or (checked_in and session.kind == SessionKind.plenary))
    ]


def was_there(registration: Registration) -> bool:
    return bool(attended_sessions(registration)) or (
        registration.status == RegistrationStatus.confirmed
        and registration.checked_in_at is not None
    )


def _eligible_filter(session: Session):
    """Registrations that were at a session, as a query condition."""
    seat = sa.exists().where(
        Choice.registration_id == Registration.id,
        Choice.session_id == session.id,
        Choice.state == ChoiceState.confirmed,
        sa.or_(Registration.checked_in_at.is_not(None), Choice.attended_at.is_not(None)),
    )
    if session.kind == SessionKind.plenary:
        return sa.or_(Registration.checked_in_at.is_not(None), seat)
    return seat


def was_there_condition():
    """Confirmed and checked in, or ticked present in a session, as a query condition."""
    return sa.and_(
        Registration.status == RegistrationStatus.confirmed,
        sa.or_(
            Registration.checked_in_at.is_not(None),
            sa.exists().where(
                Choice.registration_id == Registration.id,
                Choice.state == ChoiceState.confirmed,
                Choice.attended_at.is_not(None),
            ),
        ),
    )


def invited_count(edition: Edition, session: Session | None) -> int:
    """How many people were asked to fill in a form: for a session, those who were there;
    for the day, everyone checked in or ticked present somewhere."""
    condition = _eligible_filter(session) if session is not None else was_there_condition()
    return db.session.scalar(
        sa.select(sa.func.count(Registration.id)).where(
            Registration.edition_id == edition.id,
            Registration.status == RegistrationStatus.confirmed,
            condition,
        )
    )


# -- a person's forms ------------------------------------------------------------------


def token_for(registration: Registration, form: EvaluationForm, session: Session | None) -> str:
    return response_token(
        current_app.secret_key,
        registration.id,
        registration.manage_secret,
        form.id,
        session.id if session else None,
    )


@dataclass
class PersonalForm:
    #: None: the day's form
    session: Session | None
    opens_at: datetime
    closes_at: datetime
    answered: bool
    #: open now (it opens when the session starts)
    open: bool = False

    @property
    def slug(self) -> str:
        return self.session.slug if self.session else "day"

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at


def personal_forms(registration: Registration, now: datetime | None = None) -> list[PersonalForm]:
    """The forms this person may fill in (open or opening later), in the order of the day;
    empty when they were not there."""
    now = now or _now()
    sessions = attended_sessions(registration)
    if not was_there(registration):
        return []
    when = timing(registration.edition)
    if now >= when.closes_at:
        return []
    forms = find_forms(registration.edition_id)
    answered = _answered_tokens(registration, forms, sessions)
    items = [
        PersonalForm(session, session.starts_at, when.closes_at, session.id in answered)
        for session in sessions
    ]
    items.append(PersonalForm(None, when.day_opens, when.closes_at, None in answered))
    for item in items:
        item.open = item.is_open(now)
    return items


def filled_in(registration: Registration) -> bool:
    """Whether the person answered the day's form: what an accrediting register that asks
    for an evaluation can be told (checked by the person's own key, as for the reminder)."""
    forms = find_forms(registration.edition_id)
    return forms is not None and None in _answered_tokens(registration, forms, [])


def _answered_tokens(
    registration: Registration, forms: EditionForms | None, sessions: list[Session]
) -> set[int | None]:
    """Which of this person's forms have their answer: by recomputing their tokens (no
    list of who answered is kept)."""
    if forms is None:
        return set()
    wanted = {token_for(registration, forms.session, s): s.id for s in sessions}
    wanted[token_for(registration, forms.day, None)] = None
    found = db.session.scalars(
        sa.select(EvaluationResponse.token).where(EvaluationResponse.token.in_(list(wanted)))
    )
    return {wanted[token] for token in found}


@dataclass
class FormToFill:
    form: EvaluationForm
    session: Session | None
    questions: list[EvaluationQuestion]
    #: what this person answered before (question id as text -> value)
    answers: dict
    closes_at: datetime


class FormNotOpen(EvaluationError):
    message = _l("This form is not open for you.")

    @property
    def not_theirs(self) -> bool:
        """Not a form of this person's (rather than one not open at this moment)."""
        return self.message == FormNotOpen.message


def _find(registration: Registration, slug: str, now: datetime) -> PersonalForm:
    for item in personal_forms(registration, now):
        if item.slug == slug:
            if not item.is_open(now):
                raise FormNotOpen(
                    _l("This form opens when the session starts.")
                    if item.opens_at > now
                    else _l("This form has closed.")
                )
            return item
    if was_there(registration) and now >= timing(registration.edition).closes_at:
        raise FormNotOpen(_l("This form has closed."))
    raise FormNotOpen()


def _form_to_fill(forms: EditionForms, registration: Registration, item: PersonalForm):
    form = forms.day if item.session is None else forms.session
    response = db.session.get(EvaluationResponse, token_for(registration, form, item.session))
    return FormToFill(
        form=form,
        session=item.session,
        questions=form.active_questions,
        answers=dict(response.answers) if response else {},
        closes_at=item.closes_at,
    )


@use_case
def open_form(registration_id: int, slug: str, now: datetime | None = None) -> FormToFill:
    """The form about one session (by its slug) or the day ("day"), with the person's
    earlier answers; FormNotOpen when they were not there, or it is not open."""
    now = now or _now()
    registration = db.session.get(Registration, registration_id)
    item = _find(registration, slug, now)
    return _form_to_fill(set_up(registration.edition_id), registration, item)


def read_answers(questions: list[EvaluationQuestion], given: dict) -> dict:
    """The answers as stored, from what the form sent (text per field name); a
    refusal per field for anything out of range."""
    fields = Fields(EvaluationError)
    answers: dict = {}
    for question in questions:
        raw = given.get(question.field_name)
        raw = raw.strip() if isinstance(raw, str) else ""
        if question.kind == EvaluationKind.text:
            value = fields.text(question.field_name, raw, TEXT_LIMIT, multiline=True)
            if value:
                answers[str(question.id)] = value
            continue
        if not raw:
            continue
        allowed = question.scale if question.is_scale else range(len(question.options))
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value not in allowed:
            fields.add(question.field_name, _l("Choose one of the options."))
        else:
            answers[str(question.id)] = value
    if not answers and not fields.errors:
        fields.add("form", _l("Answer at least one question."))
    fields.raise_if_any()
    return answers


@use_case
def answer(registration_id: int, slug: str, given: dict, now: datetime | None = None) -> bool:
    """Store (or replace) the person's answers to one form; True for a first answer."""
    now = now or _now()
    registration = db.session.get(Registration, registration_id)
    item = _find(registration, slug, now)
    to_fill = _form_to_fill(set_up(registration.edition_id), registration, item)
    answers = read_answers(to_fill.questions, given)
    token = token_for(registration, to_fill.form, item.session)
    response = db.session.get(EvaluationResponse, token)
    if response is None:
        try:
            with db.session.begin_nested():  # the same person sending twice at once
                db.session.add(
                    EvaluationResponse(
                        token=token,
                        form_id=to_fill.form.id,
                        session_id=item.session.id if item.session else None,
                        answers=answers,
                    )
                )
            return True
        except sa.exc.IntegrityError:
            response = db.session.get(EvaluationResponse, token)
    response.answers = answers
    return False


def sessions_by_slug(edition: Edition) -> dict[str, Session]:
    return {session.slug: session for session in edition.sessions}


def form_of(edition_id: int, scope: FormScope) -> EvaluationForm | None:
    forms = find_forms(edition_id)
    if forms is None:
        return None
    return forms.day if scope == FormScope.day else forms.session


def own_answers(registration: Registration) -> list[dict]:
    """The person's own evaluation answers, for their copy of their data: found by their
    keys, as only their link can (after erasure nothing is found)."""
    forms = find_forms(registration.edition_id)
    if forms is None:
        return []
    found = []
    for session in [*attended_sessions(registration), None]:
        form = forms.session if session else forms.day
        response = db.session.get(EvaluationResponse, token_for(registration, form, session))
        if response is None:
            continue
        labels = {str(question.id): question.label for question in form.questions}
        found += [
            {
                "about": session.title if session else "day",
                "question": labels.get(key, key),
                "answer": value,
            }
            for key, value in response.answers.items()
        ]
    return found
