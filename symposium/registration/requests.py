"""What a sign-up hands in, what the rules refuse, and the checks on it."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from symposium.extensions import db
from symposium.program.models import AllocationMode, Edition
from symposium.program.service import program_structure, versioned
from symposium.registration import rankings
from symposium.registration.models import (
    ROLES,
    Question,
    QuestionKind,
)
from symposium.validation import RuleError, clean_text, is_email_address

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

    if "email" not in errors and not is_email_address(request.email.strip()):
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
