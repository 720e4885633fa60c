"""The forms of an edition, their default questions, and how organisers change them."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from symposium.database import use_case
from symposium.evaluations.models import (
    Audience,
    EvaluationForm,
    EvaluationKind,
    EvaluationQuestion,
    EvaluationResponse,
    EvaluationSettings,
    FormScope,
)
from symposium.extensions import db
from symposium.validation import Fields, RuleError


class EvaluationError(RuleError):
    message = _l("The evaluation could not be changed.")


# (key, kind, Dutch, English, audience)
SESSION_DEFAULTS = [
    ("relevance", EvaluationKind.scale5, "Relevantie voor mijn werk", "Relevance for my work"),
    ("content", EvaluationKind.scale5, "Inhoud", "Content"),
    ("speakers", EvaluationKind.scale5, "De spreker(s)", "The speaker(s)"),
    ("takeaway", EvaluationKind.text, "Wat neem je mee?", "What do you take with you?"),
    (
        "for_speaker",
        EvaluationKind.text,
        "Een opmerking voor de spreker(s)",
        "A comment for the speaker(s)",
        Audience.speaker,
    ),
    (
        "for_organisers",
        EvaluationKind.text,
        "Een opmerking voor de organisatie (alleen zij lezen dit)",
        "A comment for the organisers (only they read it)",
        Audience.organisers,
    ),
]
DAY_DEFAULTS = [
    ("overall", EvaluationKind.scale5, "De dag als geheel", "The day as a whole"),
    ("program", EvaluationKind.scale5, "Het programma", "The program"),
    ("venue", EvaluationKind.scale5, "Locatie en catering", "Venue and catering"),
    (
        "recommend",
        EvaluationKind.scale10,
        "Hoe waarschijnlijk is het dat je deze dag aanraadt aan een collega?",
        "How likely are you to recommend this day to a colleague?",
    ),
    (
        "next_year",
        EvaluationKind.text,
        "Wat moet er volgend jaar op het programma staan?",
        "What should be on next year's program?",
    ),
]

KIND_LABELS = {
    EvaluationKind.scale5: _l("Scale 1–5"),
    EvaluationKind.scale10: _l("Scale 0–10"),
    EvaluationKind.choice: _l("One choice"),
    EvaluationKind.text: _l("Open text"),
}
AUDIENCE_LABELS = {
    Audience.everyone: _l("Organisers and speakers"),
    Audience.speaker: _l("Meant for the speaker(s)"),
    Audience.organisers: _l("Organisers only"),
}


def _default_questions(defaults) -> list[EvaluationQuestion]:
    return [
        EvaluationQuestion(
            position=position,
            key=key,
            kind=kind,
            label=dutch,
            label_en=english,
            audience=rest[0] if rest else Audience.everyone,
            options=[],
            options_en=[],
        )
        for position, (key, kind, dutch, english, *rest) in enumerate(defaults, 1)
    ]


@dataclass
class EditionForms:
    settings: EvaluationSettings
    day: EvaluationForm
    session: EvaluationForm


def find_forms(edition_id: int) -> EditionForms | None:
    """The edition's forms, None when nobody set them up yet."""
    settings = db.session.get(EvaluationSettings, edition_id)
    forms = {
        form.scope: form
        for form in db.session.scalars(
            sa.select(EvaluationForm).where(EvaluationForm.edition_id == edition_id)
        )
    }
    if settings is None or len(forms) < 2:
        return None
    return EditionForms(settings, forms[FormScope.day], forms[FormScope.session])


def set_up(edition_id: int) -> EditionForms:
    """The edition's forms, made with the default questions when missing (in the caller's
    transaction; two callers at once: the unique constraint lets one win)."""
    found = find_forms(edition_id)
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            if db.session.get(EvaluationSettings, edition_id) is None:
                db.session.add(EvaluationSettings(edition_id=edition_id))
            for scope, defaults in (
                (FormScope.day, DAY_DEFAULTS),
                (FormScope.session, SESSION_DEFAULTS),
            ):
                exists = db.session.scalar(
                    sa.select(EvaluationForm.id).where(
                        EvaluationForm.edition_id == edition_id, EvaluationForm.scope == scope
                    )
                )
                if exists is None:
                    db.session.add(
                        EvaluationForm(
                            edition_id=edition_id,
                            scope=scope,
                            questions=_default_questions(defaults),
                        )
                    )
    except sa.exc.IntegrityError:
        pass  # made at the same moment by another request
    return find_forms(edition_id)


@use_case
def ensure_forms(edition_id: int) -> None:
    """Give the edition its forms with the default questions, unless it has them."""
    set_up(edition_id)


def has_answers(form_id: int) -> bool:
    """Once an answer is in, only texts of questions may change."""
    first = sa.select(EvaluationResponse.token).where(EvaluationResponse.form_id == form_id)
    return db.session.scalar(first.limit(1)) is not None


# -- organisers change questions and settings ------------------------------------------


@dataclass
class QuestionData:
    label: str
    label_en: str = ""
    kind: EvaluationKind = EvaluationKind.scale5
    audience: Audience = Audience.everyone
    options: str = ""
    options_en: str = ""


def _read(data: QuestionData, fields: Fields) -> dict:
    label = fields.text("label", data.label, 300, required=_l("Write the question."))
    label_en = fields.text("label_en", data.label_en, 300)
    options = [line.strip() for line in data.options.splitlines() if line.strip()]
    options_en = [line.strip() for line in data.options_en.splitlines() if line.strip()]
    for name, lines in (("options", options), ("options_en", options_en)):
        if any(len(line) > 200 for line in lines) or len(lines) > 20:
            fields.add(name, _l("Give at most 20 options of at most 200 characters each."))
    if data.kind == EvaluationKind.choice and len(options) < 2:
        fields.add("options", _l("A choice needs at least two options, one per line."))
    if options_en and len(options_en) != len(options):
        fields.add("options_en", _l("Give as many English options as Dutch ones, or none."))
    fields.raise_if_any()
    return {"label": label, "label_en": label_en, "options": options, "options_en": options_en}


def _question(form_id: int, question_id: int) -> EvaluationQuestion:
    question = db.session.get(EvaluationQuestion, question_id)
    if question is None or question.form_id != form_id:
        raise EvaluationError(_l("This question is not on this form."))
    return question


def _refuse_when_answered(form_id: int) -> None:
    if has_answers(form_id):
        raise EvaluationError(
            _l("Answers have come in: only the texts of the questions can change now.")
        )


@use_case
def add_question(form_id: int, data: QuestionData) -> EvaluationQuestion:
    """A new question at the end of the form, while no answer has come in."""
    values = _read(data, Fields(EvaluationError))
    _refuse_when_answered(form_id)
    last = db.session.scalar(
        sa.select(sa.func.max(EvaluationQuestion.position)).where(
            EvaluationQuestion.form_id == form_id
        )
    )
    question = EvaluationQuestion(
        form_id=form_id,
        position=(last or 0) + 1,
        kind=data.kind,
        audience=data.audience,
        **values,
    )
    if data.kind != EvaluationKind.choice:
        question.options, question.options_en = [], []
    db.session.add(question)
    return question


@use_case
def edit_question(form_id: int, question_id: int, data: QuestionData) -> None:
    """New texts; the kind, audience and options only while no answer has come in."""
    question = _question(form_id, question_id)
    values = _read(
        QuestionData(
            data.label,
            data.label_en,
            question.kind,
            question.audience,
            data.options,
            data.options_en,
        ),
        Fields(EvaluationError),
    )
    if has_answers(form_id) and len(values["options"]) != len(question.options):
        raise EvaluationError(
            {"options": [_l("Answers have come in: the number of options cannot change.")]}
        )
    for name, value in values.items():
        setattr(
            question,
            name,
            value
            if question.kind == EvaluationKind.choice or not name.startswith("options")
            else [],
        )


@use_case
def move_question(form_id: int, question_id: int, up: bool) -> None:
    """One place up or down, while no answer has come in."""
    _refuse_when_answered(form_id)
    question = _question(form_id, question_id)
    ordered = list(question.form.questions)
    index = ordered.index(question)
    other = index - 1 if up else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, each in enumerate(ordered, 1):
        each.position = position


@use_case
def switch_question(form_id: int, question_id: int, active: bool) -> None:
    """Ask a question, or stop asking it, while no answer has come in."""
    _refuse_when_answered(form_id)
    _question(form_id, question_id).active = active


@dataclass
class SettingsData:
    reminder_days: int
    close_days: int
    minimum_answers: int


@use_case
def change_settings(edition_id: int, data: SettingsData) -> None:
    fields = Fields(EvaluationError)
    if not 1 <= data.close_days <= 90:
        fields.add("close_days", _l("Give a number of days from 1 to 90."))
    if not 1 <= data.reminder_days < data.close_days:
        fields.add("reminder_days", _l("The reminder must go before the forms close."))
    if not 1 <= data.minimum_answers <= 100:
        fields.add("minimum_answers", _l("Give a number from 1 to 100."))
    fields.raise_if_any()
    settings = set_up(edition_id).settings
    settings.reminder_days = data.reminder_days
    settings.close_days = data.close_days
    settings.minimum_answers = data.minimum_answers
