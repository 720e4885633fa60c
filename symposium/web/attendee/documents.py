"""Attendees' and visitors' PDFs: one's badge and certificate, and the summaries booklet."""

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request
from flask_babel import gettext as _

from symposium.documents.models import DocumentKind, JobStatus
from symposium.i18n import current_language
from symposium.registration import service as registrations
from symposium.registration.models import Registration, RegistrationStatus
from symposium.web.common import edition_or_404

bp = Blueprint("documents", __name__)

# symposium.documents (its booklet, certificates and service) is imported by the views
# that make a PDF, when they do: not by every web process at start-up.


def pdf_response(pdf: bytes, filename: str) -> Response:
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _registration_or_404(token: str) -> Registration:
    registration = registrations.find_by_token(token, current_app.secret_key)
    if registration is None:
        abort(404)
    return registration


def _language_of(registration) -> str:
    """The language asked for in the address; else the one they signed up in, as their mail."""
    return current_language() if "lang" in request.args else registration.locale


@bp.route("/r/<token>/badge.pdf")
def badge(token: str):
    """One's own badge: name, organisation, personal program and check-in code."""
    from symposium.documents import service

    registration = _registration_or_404(token)
    if registration.status != RegistrationStatus.confirmed:
        abort(404)
    language = _language_of(registration)
    return pdf_response(service.badge(registration, language), _("badge") + ".pdf")


@bp.route("/r/<token>/certificate.pdf")
def certificate(token: str):
    """A certificate of attendance, once the symposium has begun and one was checked in."""
    from symposium.documents import certificates, service

    registration = _registration_or_404(token)
    if not certificates.available(registration):
        abort(404)
    language = _language_of(registration)
    return pdf_response(service.certificate(registration, language), _("certificate") + ".pdf")


@bp.route("/<slug>/summaries.pdf")
def booklet(slug: str):
    """The summaries booklet: the file when it is made, else a page that waits for it."""
    from symposium.documents import booklet as booklet_docs
    from symposium.documents import service

    edition = edition_or_404(slug)
    if not booklet_docs.published_summaries(edition):
        abort(404)
    language = current_language()
    job = service.request_document(edition, DocumentKind.booklet, language=language)
    pdf = service.file_content(job)
    if pdf is not None:
        response = pdf_response(pdf, _("summaries") + f"-{edition.slug}.pdf")
        response.headers["Cache-Control"] = "public, max-age=300"
        return response
    if job.status == JobStatus.failed:
        abort(500)
    response = Response(
        render_template("documents/booklet_waiting.html", edition=edition, job=job), status=202
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<slug>/summaries/progress")
def booklet_progress(slug: str):
    """Whether the booklet is ready, for the waiting page's script."""
    from symposium.documents import service

    edition = edition_or_404(slug)
    job = service.latest_job(edition, DocumentKind.booklet)
    finished = job is None or job.finished
    return jsonify(finished=finished, done=0, total=0, text=""), 200, {"Cache-Control": "no-store"}
