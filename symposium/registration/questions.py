"""An edition's own questions on the sign-up form: organisers add, change, order, remove."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import in_transaction
from symposium.extensions import db
from symposium.program.models import Edition
from symposium.program.service import bump_program_version
from symposium.registration.models import Question, QuestionKind
from symposium.text import has_control_characters


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


class InvalidQuestion(Exception):
    def __init__(self, errors: dict[str, list]) -> None:
        super().__init__("invalid question")
        self.errors = errors


def check(draft: QuestionDraft) -> dict[str, list]:
    errors: dict[str, list] = {}
    control = _l("Remove the control characters from this field.")
    if not draft.label.strip():
        errors["label"] = [_l("Enter the question.")]
    elif has_control_characters(draft.label):
        errors["label"] = [control]
    elif len(draft.label) > 300:
        errors["label"] = [_l("Use at most %(limit)d characters.", limit=300)]
    if has_control_characters(draft.hint):
        errors["hint"] = [control]
    elif len(draft.hint) > 500:
        errors["hint"] = [_l("Use at most %(limit)d characters.", limit=500)]
    if draft.kind not in QuestionKind.__members__:
        errors["kind"] = [_l("Choose the kind of question.")]
    elif draft.kind in (QuestionKind.one_choice, QuestionKind.several_choices):
        options = draft.options()
        if has_control_characters(draft.options_text, multiline=True):
            errors["options_text"] = [control]
        elif len(options) < 2:
            errors["options_text"] = [_l("Give at least two options, one per line.")]
        elif len(options) > 50 or any(len(option) > 200 for option in options):
            errors["options_text"] = [_l("Give at most 50 options of at most 200 characters.")]
        elif len(set(options)) != len(options):
            errors["options_text"] = [_l("Give each option once.")]
    return errors


def _questions_changed(edition_id: int) -> None:
    """The sign-up form and its checks are cached per program version."""
    bump_program_version(db.session.get(Edition, edition_id))


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


def add(edition_id: int, draft: QuestionDraft, actor: Actor) -> Question:
    def use_case():
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
        audit.record(
            actor, "question.add", question, after=_snapshot(question), label=question.label
        )
        return question

    return in_transaction(use_case)


def update(question_id: int, draft: QuestionDraft, actor: Actor) -> None:
    def use_case():
        errors = check(draft)
        if errors:
            raise InvalidQuestion(errors)
        question = db.session.get(Question, question_id)
        before = _snapshot(question)
        _apply(question, draft)
        _questions_changed(question.edition_id)
        audit.record(
            actor,
            "question.update",
            question,
            before=before,
            after=_snapshot(question),
            label=question.label,
        )

    in_transaction(use_case)


def remove(question_id: int, actor: Actor) -> None:
    """Remove a question; answers already given stay with the registrations."""

    def use_case():
        question = db.session.get(Question, question_id)
        if question is None:
            return
        audit.record(
            actor, "question.remove", question, before=_snapshot(question), label=question.label
        )
        _questions_changed(question.edition_id)
        db.session.delete(question)

    in_transaction(use_case)


def move(question_id: int, step: int) -> None:
    """Swap a question with its neighbour above (-1) or below (+1)."""

    def use_case():
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
        _questions_changed(question.edition_id)

    in_transaction(use_case)


def get(question_id: int) -> Question | None:
    return db.session.get(Question, question_id)
