"""The day form's "what should be on next year's program?" answers, turned into signals
for the knowledge agenda by an organiser: a pending signal each, approved like any other."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import use_case
from symposium.evaluations import results, service
from symposium.evaluations.models import FormScope
from symposium.extensions import db
from symposium.program.models import Edition
from symposium.signals.models import Signal, SignalKind, SignalSource
from symposium.signals.service import SignalError, add_signal

#: the day form's question whose answers can become signals
NEXT_YEAR = "next_year"


class AlreadyASignal(SignalError):
    message = _l("This answer is already a signal.")


class NotAnAnswer(SignalError):
    message = _l("This is not one of the answers shown: nothing was added.")


def _plain(text: str) -> str:
    """The text as stored: browsers send line breaks as CR LF."""
    return (text or "").replace("\r\n", "\n").strip()


def next_year_answers(edition: Edition) -> list[tuple[str, int]]:
    """The answers shown to "next year" (none while too few people answered)."""
    form = service.form_of(edition.id, FormScope.day)
    found = results.form_result(edition, form, None) if form is not None else None
    if found is None or not found.shown:
        return []
    return [
        answer
        for question in found.questions
        if question.question.key == NEXT_YEAR
        for answer in question.texts
    ]


def turned(edition_id: int) -> dict[str, Signal]:
    """The edition's signals turned from an answer, by their text."""
    return {
        signal.text: signal
        for signal in db.session.scalars(
            sa.select(Signal).where(
                Signal.edition_id == edition_id, Signal.source == SignalSource.evaluation
            )
        )
    }


@use_case
def turn_into_signal(edition_id: int, text: str, kind: str, actor: Actor) -> Signal:
    """A pending signal (source: evaluation) from one "next year" answer shown to the
    organisers; refused for an answer not shown, or one already turned into a signal."""
    edition = db.session.get(Edition, edition_id)
    text = _plain(text)
    if text not in {answer for answer, _count in next_year_answers(edition)}:
        raise NotAnAnswer()
    if text in turned(edition_id):
        raise AlreadyASignal()
    signal = add_signal(
        edition,
        text=text,
        kind=kind or SignalKind.research_question,
        source=SignalSource.evaluation,
    )
    audit.record(
        actor,
        "signals.from_evaluation",
        signal,
        after={"text": signal.text, "kind": signal.kind.value},
        label=signal.text[:80],
        edition_id=edition_id,
    )
    return signal
