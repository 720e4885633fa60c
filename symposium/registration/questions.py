"""An edition's own questions on the sign-up form: organisers add, change, order, remove."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import use_case
from symposium.extensions import db
from symposium.registration.models import Question, QuestionKind
from symposium.text import has_control_characters
from symposium.validation import CONTROL_CHARACTERS, RuleError, clean_text


@dataclass
class QuestionDraft:
    label: str
    kind: str
    hint: str = ""
    required: bool = False
    #: one option per line, for choice questions
    options_text: str = ""

    def options(self) -> list[str]:
        return [line.strip() for line in self.options_text.splitlines() if line.strip()]


class InvalidQuestion(RuleError):
    message = "invalid question"


def check(draft: QuestionDraft) -> dict[str, list]:
    errors: dict[str, list] = {}
    for name, limit, required in (
        ("label", 300, _l("Enter the question.")),
        ("hint", 500, None),
    ):
        problem = clean_text(getattr(draft, name), limit, required)[1]
        if problem is not None:
            errors[name] = [problem]
    if draft.kind not in QuestionKind.__members__:
        errors["kind"] = [_l("Choose the kind of question.")]
    elif draft.kind in (QuestionKind.one_choice, QuestionKind.several_choices):
        options = draft.options()
        if has_control_characters(draft.options_text, multiline=True):
            errors["options_text"] = [CONTROL_CHARACTERS]
        elif len(options) < 2:
            errors["options_text"] = [_l("Give at least two options, one per line.")]
        elif len(options) > 50 or any(len(option) > 200 for option in options):
            errors["options_text"] = [_l("Give at most 50 options of at most 200 characters.")]
        elif len(set(options)) != len(options):
            errors["options_text"] = [_l("Give each option once.")]
    return errors


def _snapshot(question: Question) -> dict:
    return {
        "label": question.label,
        "kind": question.kind,
        "hint": question.hint,
        "required": question.required,
        "options": " | ".join(question.options),
    }


def _apply(question: Question, draft: QuestionDraft) -> None:
    question.label = draft.label.strip()
    question.kind = QuestionKind(draft.kind)
    question.hint = draft.hint.strip()
    question.required = draft.required
    choice = question.kind in (QuestionKind.one_choice, QuestionKind.several_choices)
    question.options = draft.options() if choice else []


@use_case
def add(edition_id: int, draft: QuestionDraft, actor: Actor) -> Question:
    errors = check(draft)
    if errors:
        raise InvalidQuestion(errors)
    last = db.session.scalar(
        sa.select(sa.func.max(Question.position)).where(Question.edition_id == edition_id)
    )
    question = Question(edition_id=edition_id, position=(last or 0) + 1)
    _apply(question, draft)
    db.session.add(question)
    db.session.flush()
    audit.record(actor, "question.add", question, after=_snapshot(question), label=question.label)
    return question


@use_case
def update(question_id: int, draft: QuestionDraft, actor: Actor) -> None:
    errors = check(draft)
    if errors:
        raise InvalidQuestion(errors)
    question = db.session.get(Question, question_id)
    before = _snapshot(question)
    _apply(question, draft)
    audit.record(
        actor,
        "question.update",
        question,
        before=before,
        after=_snapshot(question),
        label=question.label,
    )


@use_case
def remove(question_id: int, actor: Actor) -> None:
    """Remove a question; answers already given stay with the registrations."""

    question = db.session.get(Question, question_id)
    if question is None:
        return
    audit.record(
        actor, "question.remove", question, before=_snapshot(question), label=question.label
    )
    db.session.delete(question)


@use_case
def move(question_id: int, step: int) -> None:
    """Swap a question with its neighbour above (-1) or below (+1)."""

    question = db.session.get(Question, question_id)
    ordered = list(
        db.session.scalars(
            sa.select(Question)
            .where(Question.edition_id == question.edition_id)
            .order_by(Question.position, Question.id)
        )
    )
    index = ordered.index(question)
    other = index + step
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered, start=1):
        item.position = position


def get(question_id: int) -> Question | None:
    return db.session.get(Question, question_id)
