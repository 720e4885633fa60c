"""Check-in: the door page for a phone, badges' QR codes, and ticks per session for room hosts."""

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from symposium.audit import service as audit
from symposium.registration import organisers
from symposium.registration import service as registrations
from symposium.registration.models import RegistrationStatus
from symposium.registration.tokens import read_checkin_code
from symposium.web.access import current_actor
from symposium.web.common import edition_or_404, found_or_404
from symposium.web.organiser.blueprint import organiser_blueprint
from symposium.web.organiser.registration_forms import DoorSearchForm

bp = organiser_blueprint("organiser_checkin", __name__)


def _registration_of(edition, registration_id: int):
    registration = organisers.get(registration_id)
    if registration is None or registration.edition_id != edition.id:
        abort(404)
    return registration


def _search_text(value: str | None) -> str:
    return (value or "").strip()[:100]


@bp.route("/<slug>/check-in")
def door(slug: str):
    """Find someone by name and check them in with one tap; the count so far on top."""
    edition = edition_or_404(slug, include_drafts=True)
    form = DoorSearchForm(formdata=request.args)
    search = _search_text(form.q.data)
    found = organisers.door_search(edition.id, search)
    audit.record_access(
        current_actor(),
        "checkin.door",
        edition,
        {"searched": bool(search), "found": len(found)},
        edition_id=edition.id,
    )
    return render_template(
        "organiser/checkin/door.html",
        edition=edition,
        form=form,
        search=search,
        found=found,
        recent=organisers.recent_check_ins(edition.id),
        count=organisers.check_in_count(edition.id),
        statuses=RegistrationStatus,
        status_labels=organisers.STATUS_LABELS,
    )


@bp.route("/<slug>/check-in/count")
def door_count(slug: str):
    """The count as JSON, for the door page's optional refresh."""
    edition = edition_or_404(slug, include_drafts=True)
    count = organisers.check_in_count(edition.id)
    return jsonify(checked_in=count.checked_in, expected=count.expected)


def _back_to_door(slug: str, registration_id: int):
    """Back to the same search on the door page, or to the registration's own page."""
    if request.form.get("back") == "registration":
        return redirect(
            url_for("organiser_registrations.registration", registration_id=registration_id)
        )
    search = _search_text(request.form.get("q"))
    return redirect(
        url_for(".door", slug=slug, q=search or None, _anchor=f"registration-{registration_id}")
    )


@bp.post("/<slug>/check-in/<int:registration_id>")
def check_in(slug: str, registration_id: int):
    """Check one person in; a second tap changes nothing."""
    registration = _registration_of(edition_or_404(slug, include_drafts=True), registration_id)
    try:
        done = organisers.check_in(registration.id, current_actor())
    except registrations.RegistrationError as error:
        flash(f"{registration.full_name}: {error.message}", "error")
    else:
        name = registration.full_name
        if done:
            flash(_("%(name)s is checked in.", name=name), "success")
        else:
            flash(_("%(name)s was already checked in.", name=name), "success")
    return _back_to_door(slug, registration.id)


@bp.post("/<slug>/check-in/<int:registration_id>/undo")
def undo_check_in(slug: str, registration_id: int):
    """Take back a check-in made by mistake."""
    registration = _registration_of(edition_or_404(slug, include_drafts=True), registration_id)
    organisers.undo_check_in(registration.id, current_actor())
    flash(_("%(name)s is no longer checked in.", name=registration.full_name), "success")
    return _back_to_door(slug, registration.id)


@bp.post("/<slug>/check-out/<int:registration_id>")
def check_out(slug: str, registration_id: int):
    """Check one person out on leaving: the hours between count for accreditation."""
    registration = _registration_of(edition_or_404(slug, include_drafts=True), registration_id)
    _checked_out(registration)
    return _back_to_door(slug, registration.id)


@bp.post("/<slug>/check-out/<int:registration_id>/undo")
def undo_check_out(slug: str, registration_id: int):
    """Take back a check-out made by mistake."""
    registration = _registration_of(edition_or_404(slug, include_drafts=True), registration_id)
    organisers.undo_check_out(registration.id, current_actor())
    flash(_("%(name)s is no longer checked out.", name=registration.full_name), "success")
    return _back_to_door(slug, registration.id)


def _checked_out(registration) -> None:
    try:
        done = organisers.check_out(registration.id, current_actor())
    except registrations.RegistrationError as error:
        flash(f"{registration.full_name}: {error.message}", "error")
    else:
        name = registration.full_name
        if done:
            flash(_("%(name)s is checked out.", name=name), "success")
        else:
            flash(_("%(name)s was already checked out.", name=name), "success")


def _badge_registration(code: str):
    registration_id = read_checkin_code(current_app.secret_key, code)
    registration = organisers.get(registration_id) if registration_id is not None else None
    if registration is None:
        abort(404)
    return registration


def _scanned_on_this_site() -> bool:
    """Opened from a page of this site (the door's own scanner), never from another site:
    only then may opening the link check someone in, when CHECK_IN_ON_SCAN is on."""
    return (
        bool(current_app.config["CHECK_IN_ON_SCAN"])
        and request.headers.get("Sec-Fetch-Site") == "same-origin"
    )


@bp.route("/check-in/<code>")
def check_in_by_code(code: str):
    """A badge's QR code: the person, their breakouts and one big button to check them in.

    Opening the link changes nothing (another site could make an organiser open it),
    unless CHECK_IN_ON_SCAN is on and the request comes from this site itself."""
    registration = _badge_registration(code)
    done = False
    refused = organisers.check_in_refusal(registration)
    if refused is None and registration.checked_in_at is None and _scanned_on_this_site():
        done = organisers.check_in(registration.id, current_actor())
    audit.record_access(current_actor(), "registration.view", registration, {"page": "badge"})
    return render_template(
        "organiser/checkin/badge.html",
        edition=registration.edition,
        registration=registration,
        entries=organisers.round_entries(registration),
        code=code,
        done=done,
        refused=refused,
    )


@bp.post("/check-in/<code>")
def check_in_badge(code: str):
    """The badge page's button: check the person in (once) and show the page again."""
    registration = _badge_registration(code)
    try:
        done = organisers.check_in(registration.id, current_actor())
    except registrations.RegistrationError as error:
        flash(f"{registration.full_name}: {error.message}", "error")
    else:
        name = registration.full_name
        if done:
            flash(_("%(name)s is checked in.", name=name), "success")
        else:
            flash(_("%(name)s was already checked in.", name=name), "success")
    return redirect(url_for(".check_in_by_code", code=code))


@bp.post("/check-out/<code>")
def check_out_badge(code: str):
    """The badge scanned again on leaving: check the person out (once)."""
    registration = _badge_registration(code)
    _checked_out(registration)
    return redirect(url_for(".check_in_by_code", code=code))


@bp.route("/<slug>/attendance")
def attendance_index(slug: str):
    """Every breakout, by round, with a link to its attendance list."""
    edition = edition_or_404(slug, include_drafts=True)
    return render_template(
        "organiser/checkin/attendance_index.html",
        edition=edition,
        board=organisers.dashboard(edition, newest=0),
    )


@bp.route("/<slug>/sessions/<int:session_id>/attendance")
def session_attendance(slug: str, session_id: int):
    """A room host's list: tick who is really there, for the certificates."""
    edition = edition_or_404(slug, include_drafts=True)
    session = found_or_404(organisers.session_of_edition(edition, session_id))
    audit.record_access(current_actor(), "session.attendance", session)
    return render_template(
        "organiser/checkin/session.html",
        edition=edition,
        attendance=organisers.session_attendance(session),
    )


def _choice_of(edition, choice_id: int):
    choice = organisers.get_choice(choice_id)
    if choice is None or choice.registration.edition_id != edition.id:
        abort(404)
    return choice


def _back_to_session(slug: str, choice):
    return redirect(
        url_for(
            ".session_attendance",
            slug=slug,
            session_id=choice.session_id,
            _anchor=f"choice-{choice.id}",
        )
    )


@bp.post("/<slug>/attendance/<int:choice_id>")
def mark_attended(slug: str, choice_id: int):
    """Tick one person as present in the session."""
    choice = _choice_of(edition_or_404(slug, include_drafts=True), choice_id)
    name = choice.registration.full_name
    try:
        organisers.mark_attended(choice.id, current_actor())
    except registrations.RegistrationError as error:
        flash(f"{name}: {error.message}", "error")
    else:
        flash(_("%(name)s is present.", name=name), "success")
    return _back_to_session(slug, choice)


@bp.post("/<slug>/attendance/<int:choice_id>/undo")
def undo_attended(slug: str, choice_id: int):
    """Take back a tick made by mistake."""
    choice = _choice_of(edition_or_404(slug, include_drafts=True), choice_id)
    organisers.undo_attended(choice.id, current_actor())
    flash(_("%(name)s is no longer marked present.", name=choice.registration.full_name), "success")
    return _back_to_session(slug, choice)
