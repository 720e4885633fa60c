"""The edition's own questions on the sign-up form."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from symposium.registration import questions
from symposium.registration.requests import edition_questions
from symposium.web.access import current_actor
from symposium.web.common import edition_or_404
from symposium.web.organiser.blueprint import organiser_blueprint
from symposium.web.organiser.forms import QUESTION_KINDS, QuestionForm

bp = organiser_blueprint("organiser_questions", __name__)


def _question_or_404(edition, question_id: int):
    question = questions.get(question_id)
    if question is None or question.edition_id != edition.id:
        abort(404)
    return question


@bp.route("/<slug>/questions", methods=["GET", "POST"])
def question_list(slug: str):
    """The questions in the order people see them, and a form to add one."""
    edition = edition_or_404(slug, include_drafts=True)
    form = QuestionForm()
    errors: dict = {}
    if form.validate_on_submit():
        try:
            questions.add(edition.id, form.draft(), current_actor())
        except questions.InvalidQuestion as error:
            errors = error.errors
            form.attach(errors)
        else:
            flash(_("The question has been added."), "success")
            return redirect(url_for(".question_list", slug=slug))
    return render_template(
        "organiser/questions.html",
        edition=edition,
        questions=edition_questions(edition.id),
        kinds=QUESTION_KINDS,
        form=form,
        errors=errors,
    )


@bp.route("/<slug>/questions/<int:question_id>", methods=["GET", "POST"])
def edit_question(slug: str, question_id: int):
    """Change a question."""
    edition = edition_or_404(slug, include_drafts=True)
    question = _question_or_404(edition, question_id)
    form = QuestionForm(obj=question) if request.method == "GET" else QuestionForm()
    if request.method == "GET":
        form.options_text.data = "\n".join(question.options)
        form.kind.data = question.kind.value
    errors: dict = {}
    if form.validate_on_submit():
        try:
            questions.update(question.id, form.draft(), current_actor())
        except questions.InvalidQuestion as error:
            errors = error.errors
            form.attach(errors)
        else:
            flash(_("The question has been saved."), "success")
            return redirect(url_for(".question_list", slug=slug))
    return render_template(
        "organiser/question_edit.html",
        edition=edition,
        question=question,
        form=form,
        errors=errors,
    )


@bp.post("/<slug>/questions/<int:question_id>/move")
def move_question(slug: str, question_id: int):
    """Move a question up or down."""
    edition = edition_or_404(slug, include_drafts=True)
    question = _question_or_404(edition, question_id)
    questions.move(question.id, -1 if request.form.get("direction") == "up" else 1)
    return redirect(url_for(".question_list", slug=slug))


@bp.route("/<slug>/questions/<int:question_id>/remove", methods=["GET", "POST"])
def remove_question(slug: str, question_id: int):
    """Ask once more, then remove the question."""
    edition = edition_or_404(slug, include_drafts=True)
    question = _question_or_404(edition, question_id)
    if request.method == "POST":
        questions.remove(question.id, current_actor())
        flash(_("The question has been removed."), "success")
        return redirect(url_for(".question_list", slug=slug))
    return render_template("organiser/question_remove.html", edition=edition, question=question)
