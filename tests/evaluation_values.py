"""A real value for every URL argument of the evaluation's routes, for the route walks."""

from symposium.evaluations import forms, service
from symposium.evaluations.models import FormScope


def evaluation_values(edition) -> dict:
    forms.ensure_forms(edition.id)
    question = service.form_of(edition.id, FormScope.session).questions[0]
    return {
        "form": "day",
        "scope": "session",
        "evaluation_question_id": question.id,
        "action": "up",
        "extension": "csv",
    }
