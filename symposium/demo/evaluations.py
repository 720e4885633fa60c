"""The evaluation in the demo: answers for 2019 (enough for charts, one small session below
the minimum), and the default forms ready for the upcoming edition."""

import random
import secrets

import sqlalchemy as sa

from symposium.evaluations.forms import find_forms, set_up
from symposium.evaluations.models import EvaluationKind, EvaluationResponse
from symposium.extensions import db
from symposium.program.models import Edition, SessionKind

#: answers per session of 2019; a session not named gets 12; "zelfredzaamheid-jongeren"
#: stays below the minimum of five, so that its results are hidden
ANSWERS_2019 = {
    "opening": 64,
    "politiserende-kracht": 21,
    "huisuitzettingen-kenniscafe": 17,
    "zelfredzaamheid-jongeren": 3,
    "ontvangst": 0,
    "afsluiting": 0,
}
#: how well each session went, on average (1-5)
LEVEL_2019 = {"politiserende-kracht": 4.4, "huisuitzettingen-kenniscafe": 4.1, "opening": 3.8}
DAY_ANSWERS_2019 = 72

TAKEAWAYS = [
    "Samen met collega's agenderen werkt beter dan alleen.",
    "Ik ga in mijn wijkteam een kenniscafé voorstellen.",
    "De drie kennisbronnen verbinden: onderzoek, vakkennis en ervaringskennis.",
    "Meer aandacht voor de collectieve kant van individuele problemen.",
]
FOR_SPEAKERS = [
    "Heldere voorbeelden uit de praktijk, dank!",
    "Graag wat meer tijd voor vragen uit de zaal.",
    "Inspirerend verhaal, de dia's waren soms wat vol.",
]
FOR_ORGANISERS = [
    "De zaal was te warm.",
    "Fijn dat er ervaringsdeskundigen aan tafel zaten.",
]
NEXT_YEAR = [
    "Bestaanszekerheid en armoede in de wijk.",
    "Samenwerken met het onderwijs rond jongeren.",
    "Digitalisering en de menselijke maat.",
    "Meer over ervaringskennis in het beleid.",
]


def _score(rng: random.Random, level: float, top: int) -> int:
    value = round(rng.gauss(level, 0.8))
    return max(1 if top == 5 else 0, min(top, value))


def _answers(rng: random.Random, questions, level: float) -> dict:
    answers: dict = {}
    for question in questions:
        if question.kind == EvaluationKind.scale5:
            answers[str(question.id)] = _score(rng, level, 5)
        elif question.kind == EvaluationKind.scale10:
            answers[str(question.id)] = _score(rng, level * 2, 10)
        elif question.kind == EvaluationKind.text and rng.random() < 0.4:
            pool = {
                "takeaway": TAKEAWAYS,
                "for_speaker": FOR_SPEAKERS,
                "for_organisers": FOR_ORGANISERS,
                "next_year": NEXT_YEAR,
            }.get(question.key)
            if pool:
                answers[str(question.id)] = rng.choice(pool)
    return answers


def _respond(form, session_id: int | None, answers: dict) -> None:
    # A random key: these made-up answers belong to nobody.
    db.session.add(
        EvaluationResponse(
            token=secrets.token_hex(32), form_id=form.id, session_id=session_id, answers=answers
        )
    )


def _answers_2019(edition: Edition) -> None:
    forms = set_up(edition.id)
    rng = random.Random(2019)  # made-up answers, the same every time  # nosec B311
    for session in edition.sessions:
        count = ANSWERS_2019.get(session.slug, 12)
        level = LEVEL_2019.get(session.slug, 3.6)
        if session.kind == SessionKind.plenary and session.slug not in ANSWERS_2019:
            count = 0
        for _ in range(count):
            _respond(forms.session, session.id, _answers(rng, forms.session.questions, level))
    for _ in range(DAY_ANSWERS_2019):
        _respond(forms.day, None, _answers(rng, forms.day.questions, 4.0))


def load_evaluations(upcoming_slug: str) -> None:
    """Answers for 2019 and the forms of the upcoming edition, unless already there."""
    editions = db.session.scalars(
        sa.select(Edition).where(Edition.slug.in_(["2019", upcoming_slug]))
    ).all()
    for edition in editions:
        if find_forms(edition.id) is not None:
            continue
        if edition.slug == "2019":
            _answers_2019(edition)
        else:
            set_up(edition.id)
    db.session.commit()
