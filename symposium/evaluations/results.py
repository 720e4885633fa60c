"""What the answers say: per form and session, per question, and sessions side by side."""

from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa

from symposium.evaluations.forms import EditionForms, find_forms
from symposium.evaluations.models import (
    Audience,
    EvaluationForm,
    EvaluationKind,
    EvaluationQuestion,
    EvaluationResponse,
)
from symposium.evaluations.service import evaluated, invited_count, settings_of
from symposium.extensions import db
from symposium.i18n import current_language, localized
from symposium.program.models import Edition, Session


@dataclass
class QuestionResult:
    question: EvaluationQuestion
    #: (value as people read it, how many chose it), in the scale's or options' order
    counts: list[tuple[str, int]] = field(default_factory=list)
    answered: int = 0
    mean: float | None = None
    #: (text, how many wrote exactly it), the most written first
    texts: list[tuple[str, int]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return localized(self.question, "label")


@dataclass
class FormResult:
    session: Session | None
    invited: int
    answers: int
    minimum: int
    questions: list[QuestionResult]

    @property
    def shown(self) -> bool:
        """Fewer answers than the minimum: nothing is shown, so nobody can be recognised."""
        return self.answers >= self.minimum

    @property
    def rate(self) -> float | None:
        return self.answers / self.invited if self.invited else None

    @property
    def overall(self) -> float | None:
        """The mean of the 1–5 questions' means."""
        means = [
            q.mean
            for q in self.questions
            if q.question.kind == EvaluationKind.scale5 and q.mean is not None
        ]
        return sum(means) / len(means) if means else None

    def mean_of(self, question_id: int) -> float | None:
        for result in self.questions:
            if result.question.id == question_id:
                return result.mean
        return None


def _options(question: EvaluationQuestion) -> list[str]:
    if question.is_scale:
        return [str(value) for value in question.scale]
    return option_texts(question)


def option_texts(question: EvaluationQuestion) -> list[str]:
    """A choice's options in the reader's language (Dutch when no English was given)."""
    english = len(question.options_en) == len(question.options) and current_language() == "en"
    return list(question.options_en if english else question.options)


def _question_result(question: EvaluationQuestion, answers: list[dict]) -> QuestionResult:
    given = [a[str(question.id)] for a in answers if str(question.id) in a]
    result = QuestionResult(question=question, answered=len(given))
    if question.kind == EvaluationKind.text:
        same = Counter(str(text) for text in given)
        result.texts = sorted(same.items(), key=lambda item: (-item[1], item[0].casefold()))
        return result
    tally = Counter(given)
    values = question.scale if question.is_scale else range(len(question.options))
    result.counts = list(zip(_options(question), (tally.get(v, 0) for v in values), strict=True))
    if question.is_scale and given:
        result.mean = sum(given) / len(given)
    return result


def _answers(form: EvaluationForm, session_id: int | None) -> list[dict]:
    return list(
        db.session.scalars(
            sa.select(EvaluationResponse.answers).where(
                EvaluationResponse.form_id == form.id,
                EvaluationResponse.session_id.is_(None)
                if session_id is None
                else EvaluationResponse.session_id == session_id,
            )
        )
    )


def form_result(
    edition: Edition,
    form: EvaluationForm,
    session: Session | None,
    audiences: tuple[Audience, ...] = tuple(Audience),
) -> FormResult:
    """The results of the day's form (session None) or of one session; open questions
    only for the `audiences` the reader may read (speakers: not the organisers' ones)."""
    answers = _answers(form, session.id if session else None)
    questions = [
        _question_result(question, answers)
        for question in form.active_questions
        if question.kind != EvaluationKind.text or question.audience in audiences
    ]
    return FormResult(
        session=session,
        invited=invited_count(edition, session),
        answers=len(answers),
        minimum=settings_of(edition.id).minimum_answers,
        questions=questions,
    )


@dataclass
class Overview:
    forms: EditionForms | None
    day: FormResult | None
    sessions: list[FormResult]

    @property
    def scale_questions(self) -> list[EvaluationQuestion]:
        if self.forms is None:
            return []
        return [q for q in self.forms.session.active_questions if q.kind == EvaluationKind.scale5]


def _sort_key(sort: str):
    """How the comparison is ordered: by title, answers, response rate, the overall mean
    or one question's mean ("q12"); sessions without a figure go last."""
    if sort == "answers":
        return lambda r: (False, r.answers)
    if sort == "rate":
        return lambda r: (r.rate is None, r.rate or 0)
    if sort == "overall":
        return lambda r: (not r.shown or r.overall is None, r.overall or 0)
    if sort.startswith("q") and sort[1:].isdigit():
        question_id = int(sort[1:])
        return lambda r: (
            not r.shown or r.mean_of(question_id) is None,
            r.mean_of(question_id) or 0,
        )
    return lambda r: (False, localized(r.session, "title").casefold())


SORTS = ("title", "answers", "rate", "overall")


def overview(edition: Edition, sort: str = "title", descending: bool = False) -> Overview:
    """The day's results and every session's, sorted for the comparison table."""
    forms = find_forms(edition.id)
    if forms is None:
        return Overview(None, None, [])
    day = form_result(edition, forms.day, None)
    sessions = [
        form_result(edition, forms.session, session)
        for session in edition.sessions
        if evaluated(session)
    ]
    key = _sort_key(sort)
    # Missing figures last in both directions: sort on the figure, then put them back.
    sessions.sort(key=lambda r: key(r)[1], reverse=descending)
    sessions.sort(key=lambda r: key(r)[0])
    return Overview(forms, day, sessions)


@dataclass
class EarlierEdition:
    edition: Edition
    session: Session
    result: FormResult


def year_over_year(edition: Edition, session: Session) -> list[EarlierEdition]:
    """The same session (same slug or title) in other editions, with its results."""
    others = db.session.scalars(
        sa.select(Session)
        .join(Edition, Edition.id == Session.edition_id)
        .where(
            Session.edition_id != edition.id,
            sa.or_(
                Session.slug == session.slug,
                sa.func.lower(Session.title) == session.title.lower(),
            ),
        )
        .order_by(Edition.starts_at)
    ).all()
    found = []
    for other in others:
        forms = find_forms(other.edition_id)
        if forms is not None:
            found.append(
                EarlierEdition(
                    other.edition, other, form_result(other.edition, forms.session, other)
                )
            )
    return found
