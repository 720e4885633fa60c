"""Printing: badges, certificates, the summaries booklet and door lists."""

from flask import abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from symposium.audit import service as audit
from symposium.documents.models import DocumentKind, JobStatus
from symposium.i18n import current_language
from symposium.web.access import current_actor
from symposium.web.attendee.documents import pdf_response
from symposium.web.common import edition_or_404, found_or_404
from symposium.web.organiser.blueprint import organiser_blueprint
from symposium.web.organiser.document_forms import BadgesForm, MakeDocumentForm

bp = organiser_blueprint("organiser_documents", __name__)

#: what the buttons of the page may ask for besides badges
WHOLE_EDITION = {DocumentKind.certificates.value, DocumentKind.booklet.value}


@bp.route("/<slug>/documents", methods=["GET", "POST"])
def documents(slug: str):
    """Badges (sheets or single, everyone or a part), certificates, booklet, door lists."""
    from symposium.documents import service

    edition = edition_or_404(slug, include_drafts=True)
    badges_form = BadgesForm(prefix="badges").offer(edition)
    make_form = MakeDocumentForm()
    kind = None
    selection: dict = {}
    if request.method == "POST":
        asked = request.form.get("kind", "")
        if asked in WHOLE_EDITION and make_form.validate_on_submit():
            kind = DocumentKind(asked)
        elif asked == "badges" and badges_form.validate_on_submit():
            kind = DocumentKind(badges_form.layout.data)
            selection = badges_form.selection()
    if kind is not None:
        job = service.request_document(
            edition, kind, selection, current_language(), requested_by_id=current_user.id
        )
        return redirect(url_for(".job", slug=slug, job_id=job.id))
    # A POST that gets here had an invalid choice: the form shows it beside the field.
    return render_template(
        "organiser/documents/index.html",
        edition=edition,
        badges_form=badges_form,
        make_form=make_form,
        overview=service.overview(edition),
        labels=service.KIND_LABELS,
    )


@bp.route("/<slug>/documents/<int:job_id>")
def job(slug: str, job_id: int):
    """How far a document is; the page reloads itself until it is done."""
    from symposium.documents import service

    edition = edition_or_404(slug, include_drafts=True)
    found = found_or_404(service.job_of_edition(edition, job_id))
    response = render_template(
        "organiser/documents/job.html",
        edition=edition,
        job=found,
        label=service.KIND_LABELS[found.kind](),
        available=service.file_content(found) is not None,
        statuses=JobStatus,
        progress_text=service.progress_text(found),
    )
    return response, 200, {"Cache-Control": "no-store"}


@bp.route("/<slug>/documents/<int:job_id>/progress")
def job_progress(slug: str, job_id: int):
    """The job's progress as JSON, for the page's script."""
    from symposium.documents import service

    found = found_or_404(service.job_of_edition(edition_or_404(slug, include_drafts=True), job_id))
    return (
        jsonify(
            finished=found.finished,
            done=found.done,
            total=found.total,
            text=service.progress_text(found),
        ),
        200,
        {"Cache-Control": "no-store"},
    )


@bp.route("/<slug>/documents/<int:job_id>/file")
def job_file(slug: str, job_id: int):
    """The finished PDF; badge sheets downloaded count as printed."""
    from symposium.documents import service

    edition = edition_or_404(slug, include_drafts=True)
    found = found_or_404(service.job_of_edition(edition, job_id))
    pdf = service.file_content(found)
    if pdf is None:
        abort(404)
    audit.record_access(
        current_actor(),
        f"documents.{found.kind}",
        edition,
        {"job": found.id},
        edition_id=edition.id,
    )
    if found.kind in (DocumentKind.badges, DocumentKind.badge_sheets):
        service.mark_printed(found)
    return pdf_response(pdf, f"{found.kind}-{edition.slug}.pdf")


@bp.route("/<slug>/sessions/<int:session_id>/door-list.pdf")
def door_list(slug: str, session_id: int):
    """Names and organisations of everyone with a seat, with room to sign."""
    from symposium.documents import door_lists, service

    edition = edition_or_404(slug, include_drafts=True)
    session = door_lists.session_of(edition, session_id)
    if session is None:
        abort(404)
    audit.record_access(current_actor(), "documents.door_list", session)
    pdf = service.door_list(edition, session, current_language())
    return pdf_response(pdf, _("door-list") + f"-{session.slug}.pdf")
