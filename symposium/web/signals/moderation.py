"""The session's host reads the signals from the room as they come in: approve, reject,
merge duplicates. Speakers of the session (and its note-taker) and organisers may."""

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from symposium.audit.service import Actor
from symposium.program import service as program
from symposium.signals import rapporteurs, service
from symposium.signals.labels import KINDS, PERSPECTIVES, SOURCES
from symposium.signals.models import Perspective, SignalStatus
from symposium.speakers.rules import Act, may
from symposium.web.common import edition_or_404, found_or_404

bp = Blueprint("signals_host", __name__)

#: seconds between refreshes of the host's list (a meta refresh: no JavaScript needed)
REFRESH_SECONDS = 20


def host_only(view):
    """Loads the session; anonymous people are sent to sign in, others get 403."""

    @wraps(view)
    def guarded(slug: str, session_slug: str, **kwargs):
        if not current_user.is_authenticated:
            flash(_("Sign in with the link we mail you to see this page."), "info")
            return redirect(url_for("speakers.sign_in"))
        edition = edition_or_404(slug, include_drafts=True)
        session = found_or_404(program.session_by_slug(edition, session_slug))
        user = current_user._get_current_object()
        if not (may(user, session, Act.view) or rapporteurs.is_rapporteur(user, session)):
            abort(403)
        return view(edition, session, **kwargs)

    return guarded


def _actor() -> Actor:
    return Actor(id=current_user.id, email=current_user.email)


def _back(edition, session):
    return redirect(url_for(".host", slug=edition.slug, session_slug=session.slug))


@bp.route("/<slug>/sessions/<session_slug>/signals/host")
@host_only
def host(edition, session):
    """Incoming signals, newest first; the page refreshes itself."""
    signals = service.for_session(session.id)
    return render_template(
        "signals/host.html",
        edition=edition,
        session=session,
        signals=signals,
        pending=[s for s in signals if s.status == SignalStatus.pending],
        refresh=REFRESH_SECONDS,
        live=request.args.get("live") == "1",
        kinds=KINDS,
        perspectives=PERSPECTIVES,
        sources=SOURCES,
    )


@bp.route("/<slug>/sessions/<session_slug>/signals/<int:signal_id>/moderate", methods=["POST"])
@host_only
def moderate(edition, session, signal_id: int):
    """Approve or reject one signal."""
    approve = request.form.get("decision") == "approve"
    try:
        service.moderate(signal_id, approve, _actor(), session_id=session.id)
    except service.SignalError as error:
        flash(error.message, "error")
    else:
        flash(
            _("Approved: it is now public.") if approve else _("Rejected: it stays hidden."),
            "success",
        )
    return _back(edition, session)


@bp.route("/<slug>/sessions/<session_slug>/signals/<int:signal_id>/merge", methods=["GET", "POST"])
@host_only
def merge(edition, session, signal_id: int):
    """Merge a duplicate into another signal of the session, asked on a page of its own."""
    signals = service.for_session(session.id)
    duplicate = found_or_404(next((s for s in signals if s.id == signal_id), None))
    errors: dict = {}
    if request.method == "POST":
        try:
            into = int(request.form.get("into", ""))
        except ValueError:
            errors = {"into": [_("Choose the signal to merge this one into.")]}
        else:
            try:
                service.merge(signal_id, into, _actor(), session_id=session.id)
            except service.SignalError as error:
                errors = error.errors or {"into": [error.message]}
            else:
                flash(_("Merged: it now counts with the other signal."), "success")
                return _back(edition, session)
    return render_template(
        "signals/merge.html",
        edition=edition,
        session=session,
        duplicate=duplicate,
        others=[s for s in signals if s.id != signal_id],
        errors=errors,
    )


@bp.route("/<slug>/sessions/<session_slug>/harvest/write", methods=["GET", "POST"])
@host_only
def write(edition, session):
    """The rapporteur writes the session's harvest."""
    found = rapporteurs.harvest_of(session.id)
    errors: dict = {}
    typed = request.form if request.method == "POST" else None
    if typed is not None:
        try:
            rapporteurs.save(session.id, typed.to_dict(), _actor())
        except service.SignalError as error:
            errors = error.errors
        else:
            flash(_("The session's harvest has been saved."), "success")
            return redirect(url_for(".write", slug=edition.slug, session_slug=session.slug))
    if typed is None:
        typed = {
            "main_points": found.main_points if found else "",
            "questions": found.questions if found else "",
            "agreements": found.agreements if found else "",
        } | {
            f"at_table-{key}": str(count)
            for key, count in (found.at_table if found else {}).items()
        }
    return render_template(
        "signals/write.html",
        edition=edition,
        session=session,
        typed=typed,
        errors=errors,
        perspectives=PERSPECTIVES,
        all_perspectives=list(Perspective),
        signals=[s for s in service.for_session(session.id) if s.status == SignalStatus.approved],
    )
