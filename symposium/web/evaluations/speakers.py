"""Speakers: the results of their own sessions and the comments meant for them."""

from flask import Blueprint, abort, render_template

from symposium.evaluations import charts, results, service
from symposium.evaluations.models import Audience, FormScope
from symposium.speakers import service as speakers
from symposium.speakers.rules import Act, may
from symposium.web.speakers.views import _user, signed_in

bp = Blueprint("speaker_evaluations", __name__, url_prefix="/speaker")


@bp.route("/sessions/<int:session_id>/evaluation")
@signed_in
def session_results(session_id: int):
    """What attendees thought of a session: charts, tables and the comments for speakers;
    nothing below the minimum number of answers, never the organisers' comments."""
    session = speakers.session(session_id)
    if session is None:
        abort(404)
    if not may(_user(), session, Act.view):
        abort(403)
    form = service.form_of(session.edition_id, FormScope.session)
    result = (
        results.form_result(
            session.edition, form, session, audiences=(Audience.everyone, Audience.speaker)
        )
        if form is not None
        else None
    )

    return render_template(
        "evaluations/speaker_results.html",
        edition=session.edition,
        session=session,
        result=result,
        chart=charts.question_chart,
    )
