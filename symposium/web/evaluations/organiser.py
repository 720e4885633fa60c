"""Organisers: the evaluation's questions and settings, its results, exports and room codes."""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from symposium.documents import evaluation_report
from symposium.evaluations import (
    charts,
    exports,
    forms,
    notifications,
    results,
    service,
    to_signals,
)
from symposium.evaluations.forms import AUDIENCE_LABELS, KIND_LABELS, QuestionData, SettingsData
from symposium.evaluations.models import Audience, EvaluationKind, FormScope
from symposium.signals.labels import KINDS
from symposium.signals.models import SignalKind
from symposium.urls import external_url
from symposium.web.access import current_actor
from symposium.web.common import edition_or_404
from symposium.web.organiser.blueprint import organiser_blueprint

bp = organiser_blueprint("organiser_evaluations", __name__)


def _edition(slug: str):
    edition = edition_or_404(slug, include_drafts=True)
    forms.ensure_forms(edition.id)
    return edition


def _form_or_404(edition, scope: str):
    if scope not in FormScope.__members__:
        abort(404)
    return service.form_of(edition.id, FormScope(scope))


def _session_or_404(edition, session_slug: str):
    session = service.sessions_by_slug(edition).get(session_slug)
    if session is None:
        abort(404)
    return session


@bp.route("/<slug>/evaluations")
def overview(slug: str):
    """Every session side by side (sortable without script), the day, settings and links."""
    edition = _edition(slug)
    sort = request.args.get("sort", "title")
    if sort not in results.SORTS and not (sort.startswith("q") and sort[1:].isdigit()):
        sort = "title"
    descending = request.args.get("order") == "desc"
    found = results.overview(edition, sort, descending)
    return render_template(
        "evaluations/organiser/overview.html",
        edition=edition,
        found=found,
        sort=sort,
        descending=descending,
        timing=service.timing(edition),
        settings=service.settings_of(edition.id),
        small_bar=charts.small_bar,
    )


@bp.route("/<slug>/evaluations/day")
def day_results(slug: str):
    """The day's form: response rate, a chart and a table per question, the comments."""
    edition = _edition(slug)
    form = service.form_of(edition.id, FormScope.day)
    result = results.form_result(edition, form, None)
    return render_template(
        "evaluations/organiser/results.html",
        edition=edition,
        result=result,
        chart=charts.question_chart,
        earlier=[],
        next_year=to_signals.NEXT_YEAR,
        turned=to_signals.turned(edition.id),
        kinds=KINDS,
        default_kind=SignalKind.research_question,
        added=request.args.get("added", type=int),
    )


@bp.post("/<slug>/evaluations/day/signals")
def day_signal(slug: str):
    """Turn one "next year" answer into a signal waiting for approval."""
    edition = _edition(slug)
    try:
        signal = to_signals.turn_into_signal(
            edition.id, request.form.get("text", ""), request.form.get("kind", ""), current_actor()
        )
    except to_signals.SignalError as error:
        problems = [str(m) for messages in error.errors.values() for m in messages]
        flash(" ".join(problems) or error.message, "error")
        return redirect(url_for(".day_results", slug=slug, _anchor="next-year"))
    return redirect(url_for(".day_results", slug=slug, added=signal.id, _anchor="next-year"))


@bp.route("/<slug>/evaluations/sessions/<session_slug>")
def session_results(slug: str, session_slug: str):
    """One session's results, and the same session in other years."""
    edition = _edition(slug)
    session = _session_or_404(edition, session_slug)
    form = service.form_of(edition.id, FormScope.session)
    return render_template(
        "evaluations/organiser/results.html",
        edition=edition,
        result=results.form_result(edition, form, session),
        chart=charts.question_chart,
        earlier=results.year_over_year(edition, session),
    )


@bp.route("/<slug>/evaluations/settings", methods=["GET", "POST"])
def settings(slug: str):
    """When the reminder goes, when the forms close, the minimum number of answers."""
    edition = _edition(slug)
    current = service.settings_of(edition.id)
    values = {
        "reminder_days": current.reminder_days,
        "close_days": current.close_days,
        "minimum_answers": current.minimum_answers,
    }
    errors: dict = {}
    if request.method == "POST":
        values = {name: request.form.get(name, "").strip() for name in values}
        numbers = {}
        for name, value in values.items():
            if value.isdigit() and len(value) < 4:
                numbers[name] = int(value)
            else:
                errors[name] = [_("Give a whole number.")]
        if not errors:
            try:
                forms.change_settings(edition.id, SettingsData(**numbers))
            except forms.EvaluationError as error:
                errors = error.errors
            else:
                flash(_("The settings of the evaluation are saved."), "success")
                return redirect(url_for(".overview", slug=slug))
    return render_template(
        "evaluations/organiser/settings.html", edition=edition, values=values, errors=errors
    )


def _question_data(kind=None, audience=None) -> QuestionData:
    given = request.form
    return QuestionData(
        label=given.get("label", ""),
        label_en=given.get("label_en", ""),
        kind=kind or EvaluationKind.scale5,
        audience=audience or Audience.everyone,
        options=given.get("options", ""),
        options_en=given.get("options_en", ""),
    )


def _questions_page(edition, form, errors=None, values=None):
    return render_template(
        "evaluations/organiser/questions.html",
        edition=edition,
        form=form,
        locked=forms.has_answers(form.id),
        kinds=KIND_LABELS,
        audiences=AUDIENCE_LABELS,
        errors=errors or {},
        values=values or {},
    )


@bp.route("/<slug>/evaluations/questions/<scope>", methods=["GET", "POST"])
def questions(slug: str, scope: str):
    """The questions of the day's or the session form, and a form to add one."""
    edition = _edition(slug)
    form = _form_or_404(edition, scope)
    if request.method == "GET":
        return _questions_page(edition, form)
    kind = request.form.get("kind", "")
    audience = request.form.get("audience", "")
    if kind not in EvaluationKind.__members__ or audience not in Audience.__members__:
        return _questions_page(
            edition, form, {"kind": [_("Choose a kind of question.")]}, request.form
        )
    try:
        forms.add_question(form.id, _question_data(EvaluationKind(kind), Audience(audience)))
    except forms.EvaluationError as error:
        return _questions_page(
            edition, form, error.errors or {"form": [error.message]}, request.form
        )
    flash(_("The question has been added."), "success")
    return redirect(url_for(".questions", slug=slug, scope=scope))


@bp.post("/<slug>/evaluations/questions/<scope>/<int:evaluation_question_id>/<action>")
def change_question(slug: str, scope: str, evaluation_question_id: int, action: str):
    """Move a question up or down, or switch it off or on."""
    edition = _edition(slug)
    form = _form_or_404(edition, scope)
    question_id = evaluation_question_id
    try:
        if action in ("up", "down"):
            forms.move_question(form.id, question_id, up=action == "up")
        elif action in ("on", "off"):
            forms.switch_question(form.id, question_id, active=action == "on")
        else:
            abort(404)
    except forms.EvaluationError as error:
        flash(error.message, "error")
    return redirect(url_for(".questions", slug=slug, scope=scope, _anchor=f"q{question_id}"))


@bp.route(
    "/<slug>/evaluations/questions/<scope>/<int:evaluation_question_id>", methods=["GET", "POST"]
)
def edit_question(slug: str, scope: str, evaluation_question_id: int):
    """Change a question's texts (and, before the first answer, its options)."""
    edition = _edition(slug)
    form = _form_or_404(edition, scope)
    question_id = evaluation_question_id
    question = next((q for q in form.questions if q.id == question_id), None)
    if question is None:
        abort(404)
    values = {
        "label": question.label,
        "label_en": question.label_en,
        "options": "\n".join(question.options),
        "options_en": "\n".join(question.options_en),
    }
    errors: dict = {}
    if request.method == "POST":
        values = {name: request.form.get(name, "") for name in values}
        try:
            forms.edit_question(form.id, question_id, _question_data())
        except forms.EvaluationError as error:
            errors = error.errors or {"form": [error.message]}
        else:
            flash(_("The question has been changed."), "success")
            return redirect(url_for(".questions", slug=slug, scope=scope))
    return render_template(
        "evaluations/organiser/question_edit.html",
        edition=edition,
        form=form,
        question=question,
        values=values,
        errors=errors,
    )


@bp.route("/<slug>/evaluations/rooms")
def rooms(slug: str):
    """A page to print for every room: the session's title and a QR code to its form."""
    edition = _edition(slug)
    return render_template(
        "evaluations/organiser/rooms.html",
        edition=edition,
        codes=[
            (session, exports.qr_svg(link, _("QR code to %(url)s", url=link)), link)
            for session in edition.sessions
            if service.evaluated(session)
            for link in [
                external_url("evaluation_forms.room", slug=edition.slug, session_slug=session.slug)
            ]
        ],
    )


@bp.route("/<slug>/evaluations/answers.<any(csv, xlsx):extension>")
def answers(slug: str, extension: str):
    """Every answer, one row per answer to a question, without anything about the person."""
    edition = _edition(slug)
    if extension == "csv":
        body, mimetype = exports.answers_csv(edition), "text/csv; charset=utf-8"
    else:
        body = exports.answers_xlsx(edition)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="evaluatie-{edition.slug}.{extension}"'
    )
    return response


@bp.route("/<slug>/evaluations/report.pdf")
def report(slug: str):
    """The evaluation report of the edition as a PDF, with its charts."""
    edition = _edition(slug)
    response = Response(evaluation_report.report_pdf(edition), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="evaluatie-{edition.slug}.pdf"'
    return response


@bp.route("/<slug>/evaluations/mail-speakers", methods=["GET", "POST"])
def mail_speakers(slug: str):
    """Tell the speakers their results are in, now rather than when the forms close."""
    edition = _edition(slug)
    if request.method == "POST":
        count = notifications.send_results_now(edition.id)
        flash(_("A mail goes to %(count)d speaker(s).", count=count), "success")
        return redirect(url_for(".overview", slug=slug))
    return render_template("evaluations/organiser/mail_speakers.html", edition=edition)
