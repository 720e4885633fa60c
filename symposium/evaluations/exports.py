"""The answers as files, without anything about the people who gave them; room QR codes."""

from collections import Counter

import sqlalchemy as sa
from flask_babel import gettext as _
from markupsafe import Markup, escape

from symposium.evaluations.forms import find_forms
from symposium.evaluations.models import EvaluationKind, EvaluationResponse
from symposium.evaluations.results import option_texts
from symposium.evaluations.service import settings_of
from symposium.extensions import db
from symposium.i18n import localized
from symposium.program.models import Edition
from symposium.registration.exports import write_csv, write_xlsx
from symposium.registration.tables import Table


def answers_table(edition: Edition) -> Table:
    """One row per answer to a question. A response is numbered in the order of its
    one-way key, which says nothing about who gave it or when."""
    forms = find_forms(edition.id)
    header = [_("Response"), _("Form"), _("Session"), _("Question"), _("Answer")]
    if forms is None:
        return Table(_("Answers"), header, [])
    sessions = {session.id: session for session in edition.sessions}
    questions = {q.id: q for form in (forms.day, forms.session) for q in form.questions}
    responses = db.session.scalars(
        sa.select(EvaluationResponse)
        .where(EvaluationResponse.form_id.in_([forms.day.id, forms.session.id]))
        .order_by(EvaluationResponse.token)
    ).all()
    # Like the pages: a form about a session with fewer answers than the minimum is left
    # out, so that nobody in a small group can be recognised in the file either.
    minimum = settings_of(edition.id).minimum_answers
    per_group = Counter((response.form_id, response.session_id) for response in responses)
    responses = [r for r in responses if per_group[(r.form_id, r.session_id)] >= minimum]
    rows = []
    for number, response in enumerate(responses, 1):
        session = sessions.get(response.session_id)
        for key, value in response.answers.items():
            question = questions.get(int(key))
            if question is None:
                continue
            if question.kind == EvaluationKind.choice:
                options = option_texts(question)
                value = options[value] if 0 <= value < len(options) else value
            rows.append(
                [
                    number,
                    _("Session") if session else _("The day"),
                    localized(session, "title") if session else "",
                    localized(question, "label"),
                    value,
                ]
            )
    return Table(_("Answers"), header, rows)


def answers_csv(edition: Edition) -> bytes:
    return write_csv(answers_table(edition))


def answers_xlsx(edition: Edition) -> bytes:
    return write_xlsx(answers_table(edition))


def qr_svg(url: str, label: str) -> Markup:
    """A QR code as inline SVG, for a page to print and hang in the room; `label` says
    what it is to a screen reader."""
    import segno  # imported when used: it slows every start-up

    svg = segno.make(url, error="m", micro=False).svg_inline(scale=6, border=2, omitsize=False)
    labelled = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    return Markup(labelled)  # segno's SVG, the label escaped  # nosec B704
