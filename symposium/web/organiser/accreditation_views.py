"""Accreditation: the registers an edition counts for, who qualifies, and the reports."""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from symposium.accreditation import pe_online, presence, reports, service
from symposium.accreditation.numbers import REGISTER_NAMES
from symposium.audit import service as audit
from symposium.documents.accreditation import write_report
from symposium.i18n import current_language
from symposium.registration import organisers
from symposium.web.access import current_actor
from symposium.web.attendee.forms import ROLE_LABELS
from symposium.web.common import edition_or_404
from symposium.web.organiser.accreditation_forms import (
    AccreditationForm,
    CorrectionForm,
    SubmissionForm,
)
from symposium.web.organiser.blueprint import organiser_blueprint

bp = organiser_blueprint("organiser_accreditation", __name__)


def accreditation_or_404(edition, accreditation_id: int):
    accreditation = service.get(accreditation_id)
    if accreditation is None or accreditation.edition_id != edition.id:
        abort(404)
    return accreditation


@bp.route("/<slug>/accreditation")
def overview(slug: str):
    """The edition's accreditations and the program's net content hours."""
    edition = edition_or_404(slug, include_drafts=True)
    return render_template(
        "organiser/accreditation/index.html",
        edition=edition,
        accreditations=service.for_edition(edition.id),
        items=service.program_items(edition),
        accredited_hours=service.accredited_hours,
        label=service.label,
    )


def _form_page(edition, form, errors, accreditation=None, picked=None):
    return render_template(
        "organiser/accreditation/edit.html",
        edition=edition,
        form=form,
        errors=errors,
        accreditation=accreditation,
        items=service.program_items(edition),
        picked=picked,
    )


def _picked(draft) -> dict[int, str]:
    return {session_id: points or "" for session_id, points in draft.items.items()}


@bp.route("/<slug>/accreditation/new", methods=["GET", "POST"])
def new(slug: str):
    """Add an accreditation; the items that count are ticked by default."""
    edition = edition_or_404(slug, include_drafts=True)
    form = AccreditationForm()
    errors: dict = {}
    picked = None
    if form.validate_on_submit():
        draft = form.draft(request.form)
        picked = _picked(draft)
        try:
            service.create(edition.id, draft, current_actor())
        except service.InvalidAccreditation as error:
            errors = error.errors
            form.attach(errors)
        else:
            flash(_("The accreditation has been added."), "success")
            return redirect(url_for(".overview", slug=slug))
    return _form_page(edition, form, errors, picked=picked)


@bp.route("/<slug>/accreditation/<int:accreditation_id>", methods=["GET", "POST"])
def edit(slug: str, accreditation_id: int):
    """Change an accreditation: activity ID once granted, points, items that count."""
    edition = edition_or_404(slug, include_drafts=True)
    accreditation = accreditation_or_404(edition, accreditation_id)
    if request.method == "GET":
        draft = service.draft_of(accreditation)
        form = AccreditationForm(data=vars(draft))
        return _form_page(edition, form, {}, accreditation, _picked(draft))
    form = AccreditationForm()
    errors: dict = {}
    draft = form.draft(request.form)
    if form.validate_on_submit():
        try:
            service.update(accreditation.id, draft, current_actor())
        except service.InvalidAccreditation as error:
            errors = error.errors
            form.attach(errors)
        else:
            flash(_("The accreditation has been saved."), "success")
            return redirect(url_for(".overview", slug=slug))
    return _form_page(edition, form, errors, accreditation, _picked(draft))


@bp.route("/<slug>/accreditation/<int:accreditation_id>/presence")
def presence_page(slug: str, accreditation_id: int):
    """Who qualifies, who does not and why, with a correction per person."""
    edition = edition_or_404(slug, include_drafts=True)
    accreditation = accreditation_or_404(edition, accreditation_id)
    audit.record_access(current_actor(), "accreditation.presence", accreditation, {})
    outcomes = presence.outcomes(accreditation)
    return render_template(
        "organiser/accreditation/presence.html",
        edition=edition,
        accreditation=accreditation,
        label=service.label(accreditation),
        outcomes=outcomes,
        qualifying=sum(1 for o in outcomes if o.qualifies),
        form=CorrectionForm(),
        registers=REGISTER_NAMES,
    )


@bp.post("/<slug>/accreditation/<int:accreditation_id>/presence/<int:registration_id>")
def correct(slug: str, accreditation_id: int, registration_id: int):
    """Decide by hand whether someone qualifies, with a reason (in the audit log)."""
    edition = edition_or_404(slug, include_drafts=True)
    accreditation = accreditation_or_404(edition, accreditation_id)
    registration = organisers.get(registration_id)
    if registration is None or registration.edition_id != edition.id:
        abort(404)
    form = CorrectionForm()
    decision = {"yes": True, "no": False}.get(form.decision.data or "")
    back = url_for(".presence_page", slug=slug, accreditation_id=accreditation.id)
    if not form.validate_on_submit():
        abort(400)
    try:
        presence.correct(
            accreditation.id, registration_id, decision, form.reason.data or "", current_actor()
        )
    except presence.InvalidCorrection as error:
        flash(f"{registration.full_name}: {error.errors['reason'][0]}", "error")
    else:
        flash(
            _("The correction for %(name)s is saved.", name=registration.full_name),
            "success",
        )
    return redirect(f"{back}#registration-{registration_id}")


_REPORTS = {
    "paste": ("text/plain; charset=utf-8", "txt"),
    "pe-xml": ("application/xml", "xml"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "pdf": ("application/pdf", "pdf"),
}


@bp.route("/<slug>/accreditation/<int:accreditation_id>/report.<kind>")
def report(slug: str, accreditation_id: int, kind: str):
    """The paste list, PE-online's XML (without credentials), or the presence list."""
    edition = edition_or_404(slug, include_drafts=True)
    accreditation = accreditation_or_404(edition, accreditation_id)
    if kind not in _REPORTS:
        abort(404)
    audit.record_access(current_actor(), "accreditation.report", accreditation, {"kind": kind})
    body = write_report(accreditation, kind, current_language(), ROLE_LABELS)
    content_type, extension = _REPORTS[kind]
    name = f"{edition.slug}-{accreditation.register.value}-{kind}.{extension}"
    return Response(
        body,
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/<slug>/accreditation/<int:accreditation_id>/pe-online", methods=["GET", "POST"])
def pe_online_page(slug: str, accreditation_id: int):
    """Send the attendance to PE-online with credentials given now, and its answer per person."""
    edition = edition_or_404(slug, include_drafts=True)
    accreditation = accreditation_or_404(edition, accreditation_id)
    form = SubmissionForm()
    errors: dict = {}
    if form.validate_on_submit():
        again = request.form.get("rows") == "rejected"
        try:
            credentials = pe_online.check_credentials(
                form.user_id.data, form.user_key.data, form.org_id.data
            )
            corrected = pe_online.read_corrections(accreditation, request.form) if again else {}
            answer = pe_online.submit(
                accreditation,
                credentials,
                current_actor(),
                only_rejected=again,
                corrected=corrected,
            )
        except (pe_online.InvalidSubmission, pe_online.PeOnlineError) as error:
            errors = error.errors or {"form": [error.message]}
            form.attach(errors)
        else:
            _rejected, accepted, total = answer.totals
            flash(
                _(
                    "PE-online accepted %(accepted)d of %(total)d rows.",
                    accepted=accepted,
                    total=total,
                ),
                "success",
            )
            return redirect(
                url_for(".pe_online_page", slug=slug, accreditation_id=accreditation.id)
            )
    return render_template(
        "organiser/accreditation/pe_online.html",
        edition=edition,
        accreditation=accreditation,
        label=service.label(accreditation),
        form=form,
        errors=errors,
        results=pe_online.results(accreditation),
        waiting=len(reports.reportable(accreditation)),
        typed=request.form,
    )


# Last, so that walking the routes in order removes it after the others were visited.
@bp.route("/<slug>/accreditation/<int:accreditation_id>/delete", methods=["GET", "POST"])
def delete(slug: str, accreditation_id: int):
    """Ask once more, then remove the accreditation."""
    edition = edition_or_404(slug, include_drafts=True)
    accreditation = accreditation_or_404(edition, accreditation_id)
    if request.method == "POST":
        service.delete(accreditation.id, current_actor())
        flash(_("The accreditation has been removed."), "success")
        return redirect(url_for(".overview", slug=slug))
    return render_template(
        "organiser/accreditation/delete.html",
        edition=edition,
        accreditation=accreditation,
        label=service.label(accreditation),
    )
