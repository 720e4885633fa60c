"""The organisers' pages for ranked preferences: the mode and deadline, the demand, the
allocation's preview and its commit."""

from dataclasses import asdict

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from symposium.allocation import service as allocation
from symposium.web.access import current_actor
from symposium.web.common import edition_or_404
from symposium.web.organiser.allocation_forms import MODE_LABELS, AllocationSettingsForm
from symposium.web.organiser.blueprint import organiser_blueprint

bp = organiser_blueprint("organiser_allocation", __name__)


@bp.route("/<slug>/allocation", methods=["GET", "POST"])
def settings(slug: str):
    """How seats are given out: first come, or ranked until a deadline and shared out after."""
    edition = edition_or_404(slug, include_drafts=True)
    stored = None if request.method == "POST" else asdict(allocation.settings_values(edition))
    form = AllocationSettingsForm(data=stored)
    errors: dict = {}
    if form.validate_on_submit():
        try:
            allocation.change_settings(edition.id, form.to_data(), current_actor())
        except allocation.InvalidSettings as error:
            errors = error.errors
            form.attach(errors)
        else:
            flash(_("The settings are saved."), "success")
            return redirect(url_for(".settings", slug=slug))
    people, rankings = allocation.ranking_counts(edition)
    return render_template(
        "organiser/allocation/settings.html",
        edition=edition,
        form=form,
        errors=errors,
        modes=MODE_LABELS,
        people=people,
        rankings=rankings,
        ranked=allocation.is_ranked(edition),
        deadline_passed=allocation.deadline_passed(edition),
    )


@bp.route("/<slug>/allocation/demand")
def demand(slug: str):
    """Per session how many ranked it first, second and third, against its capacity."""
    edition = edition_or_404(slug, include_drafts=True)
    return render_template(
        "organiser/allocation/demand.html",
        edition=edition,
        rounds=allocation.demand(edition),
        ranked=allocation.is_ranked(edition),
    )


@bp.route("/<slug>/allocation/preview")
def preview(slug: str):
    """What the allocation would give now, and its objective in words. Nothing is saved."""
    edition = edition_or_404(slug, include_drafts=True)
    try:
        outcome = allocation.preview(edition.id)
    except allocation.AllocationError as error:
        flash(str(error.message), "error")
        return redirect(url_for(".settings", slug=slug))
    return render_template(
        "organiser/allocation/preview.html",
        edition=edition,
        outcome=outcome,
        objective=allocation.OBJECTIVE,
        deadline_passed=allocation.deadline_passed(edition),
    )


@bp.route("/<slug>/allocation/commit", methods=["GET", "POST"])
def commit(slug: str):
    """Ask once more, then share out the seats, mail everyone and go over to first come."""
    edition = edition_or_404(slug, include_drafts=True)
    if request.method == "POST":
        try:
            outcome = allocation.commit(edition.id, current_actor())
        except allocation.AllocationError as error:
            flash(str(error.message), "error")
            return redirect(url_for(".settings", slug=slug))
        return render_template(
            "organiser/allocation/committed.html", edition=edition, outcome=outcome
        )
    ready = allocation.deadline_passed(edition)
    return render_template(
        "organiser/allocation/commit.html",
        edition=edition,
        ready=ready,
        ranked=allocation.is_ranked(edition),
        outcome=allocation.preview(edition.id) if ready else None,
    )
