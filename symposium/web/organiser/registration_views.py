"""The organisers' registration pages: dashboard, list, one registration, exports."""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from symposium.audit import service as audit
from symposium.i18n import current_language
from symposium.program import service as program
from symposium.registration import exports, holds, organisers, reports
from symposium.registration import service as registrations
from symposium.registration.models import RegistrationStatus
from symposium.web.access import current_actor
from symposium.web.attendee.forms import ROLE_LABELS
from symposium.web.common import edition_or_404, found_or_404
from symposium.web.organiser.blueprint import organiser_blueprint
from symposium.web.organiser.registration_forms import (
    NO_SESSION,
    DetailsForm,
    MoveForm,
    RegistrationFilterForm,
)

bp = organiser_blueprint("organiser_registrations", __name__)


def _registration_or_404(registration_id: int):
    registration = organisers.get(registration_id)
    if registration is None:
        abort(404)
    return registration


def _page_number() -> int:
    page = request.args.get("page", "1")
    return int(page) if page.isdecimal() and len(page) < 7 else 1


def _filter_form(rounds) -> RegistrationFilterForm:
    """The list's filters from the URL; exports take the same arguments."""
    return RegistrationFilterForm(formdata=request.args).for_rounds(rounds)


def _asked_filter(edition) -> organisers.RegistrationFilter:
    return _filter_form(organisers.rounds_with_sessions(edition.id)).to_filter()


def _shown(wanted: organisers.RegistrationFilter, **extra) -> dict:
    """What a list or export held, for the access log; never the search text itself."""
    return {
        "status": wanted.status,
        "round_id": wanted.round_id,
        "session_id": wanted.session_id,
        "place": wanted.place,
        "checked_in": wanted.checked_in,
        "newsletter": wanted.newsletter,
        "searched": bool(wanted.search),
        **extra,
    }


def _download(content: bytes, mimetype: str, filename: str) -> Response:
    return Response(
        content,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


def _list_filename(edition, extension: str) -> str:
    """'aanmeldingen-2019.csv' / 'registrations-2019.csv'."""
    name = _("registrations")
    return f"{name}-{edition.slug}.{extension}"


def _csv_delimiter() -> str:
    """Excel with Dutch settings splits CSV on semicolons, with English ones on commas."""
    return ";" if current_language() == "nl" else ","


@bp.route("/<slug>/dashboard")
def dashboard(slug: str):
    """Registrations against the venue, seats per session, newest sign-ups, check-ins."""
    edition = edition_or_404(slug, include_drafts=True)
    audit.record_access(current_actor(), "registrations.dashboard", edition, edition_id=edition.id)
    return render_template(
        "organiser/registrations/dashboard.html",
        edition=edition,
        board=organisers.dashboard(edition),
        statuses=RegistrationStatus,
        status_labels=organisers.STATUS_LABELS,
        unconfirmed=holds.awaiting(edition.id),
        hold_ends_at=holds.hold_ends_at,
    )


@bp.route("/<slug>/registrations")
def registration_list(slug: str):
    """Everyone signed up, 50 to a page: search by name, address or organisation, and filter."""
    edition = edition_or_404(slug, include_drafts=True)
    rounds = organisers.rounds_with_sessions(edition.id)
    form = _filter_form(rounds)
    wanted = form.to_filter()
    audit.record_access(
        current_actor(),
        "registrations.list",
        edition,
        _shown(wanted, page=_page_number()),
        edition_id=edition.id,
    )
    return render_template(
        "organiser/registrations/list.html",
        edition=edition,
        form=form,
        rounds=rounds,
        listing=organisers.registration_page(edition.id, wanted, _page_number()),
        args=form.query_args(),
        status_labels=organisers.STATUS_LABELS,
    )


@bp.route("/<slug>/registrations.csv")
def export_csv(slug: str):
    """The filtered list as CSV, per round the session held and the waiting list."""
    edition = edition_or_404(slug, include_drafts=True)
    wanted = _asked_filter(edition)
    audit.record_access(
        current_actor(),
        "registrations.export",
        edition,
        _shown(wanted, format="csv"),
        edition_id=edition.id,
    )
    table = organisers.registrations_table(edition, wanted, ROLE_LABELS)
    return _download(
        exports.write_csv(table, _csv_delimiter()),
        exports.CSV_TYPE,
        _list_filename(edition, "csv"),
    )


@bp.route("/<slug>/registrations.xlsx")
def export_xlsx(slug: str):
    """The filtered list as an Excel workbook."""
    edition = edition_or_404(slug, include_drafts=True)
    wanted = _asked_filter(edition)
    audit.record_access(
        current_actor(),
        "registrations.export",
        edition,
        _shown(wanted, format="xlsx"),
        edition_id=edition.id,
    )
    table = organisers.registrations_table(edition, wanted, ROLE_LABELS)
    sheets = reports.report_tables(reports.venue_report(edition), ROLE_LABELS)
    return _download(
        exports.write_xlsx(table, *sheets), exports.XLSX_TYPE, _list_filename(edition, "xlsx")
    )


@bp.route("/<slug>/reports")
def reports_page(slug: str):
    """For the venue and the caterer: needs, organisations, roles and newsletter opt-ins."""
    edition = edition_or_404(slug, include_drafts=True)
    audit.record_access(current_actor(), "registrations.report", edition, edition_id=edition.id)
    return render_template(
        "organiser/registrations/reports.html",
        edition=edition,
        report=reports.venue_report(edition),
        role_labels=ROLE_LABELS,
    )


@bp.route("/<slug>/sessions/<int:session_id>/attendees.csv")
def session_csv(slug: str, session_id: int):
    """A room host's list of one session as CSV: name, organisation, check-in."""
    edition = edition_or_404(slug, include_drafts=True)
    session = found_or_404(organisers.session_of_edition(edition, session_id))
    audit.record_access(current_actor(), "session.attendees_export", session, {"format": "csv"})
    return _download(
        exports.write_csv(organisers.session_table(session), _csv_delimiter()),
        exports.CSV_TYPE,
        f"{session.slug}.csv",
    )


@bp.route("/<slug>/sessions/<int:session_id>/attendees.xlsx")
def session_xlsx(slug: str, session_id: int):
    """A room host's list of one session as an Excel workbook."""
    edition = edition_or_404(slug, include_drafts=True)
    session = found_or_404(organisers.session_of_edition(edition, session_id))
    audit.record_access(current_actor(), "session.attendees_export", session, {"format": "xlsx"})
    return _download(
        exports.write_xlsx(organisers.session_table(session)),
        exports.XLSX_TYPE,
        f"{session.slug}.xlsx",
    )


@bp.route("/registrations/<int:registration_id>")
def registration(registration_id: int):
    """One registration: details, per round the seat and waiting place, check-in, history."""
    registration = _registration_or_404(registration_id)
    audit.record_access(current_actor(), "registration.view", registration)
    return render_template(
        "organiser/registrations/registration.html",
        edition=registration.edition,
        detail=organisers.detail(registration),
        registration=registration,
        statuses=RegistrationStatus,
        status_labels=organisers.STATUS_LABELS,
        role_labels=ROLE_LABELS,
        languages=organisers.LANGUAGES,
    )


@bp.route("/registrations/<int:registration_id>/edit", methods=["GET", "POST"])
def edit(registration_id: int):
    """Correct someone's details, under the sign-up form's own rules."""
    registration = _registration_or_404(registration_id)
    if request.method == "GET":
        audit.record_access(current_actor(), "registration.view", registration, {"page": "edit"})
    # On a post, a field left out counts as emptied, as in a browser.
    form = (
        DetailsForm()
        if request.method == "POST"
        else DetailsForm(data=vars(organisers.details_of(registration)))
    )
    errors: dict[str, list] = {}
    if form.validate_on_submit():
        try:
            organisers.update_details(registration.id, form.to_change(), current_actor())
        except organisers.InvalidDetails as error:
            errors = error.errors
            form.attach(errors)
        else:
            flash(_("The details have been saved."), "success")
            return redirect(url_for(".registration", registration_id=registration.id))
    return render_template(
        "organiser/registrations/edit.html",
        edition=registration.edition,
        registration=registration,
        form=form,
        errors=errors,
    )


@bp.route(
    "/registrations/<int:registration_id>/rounds/<int:round_id>/move", methods=["GET", "POST"]
)
def move(registration_id: int, round_id: int):
    """Put someone in another session of a round, by the attendees' seat rules."""
    registration = _registration_or_404(registration_id)
    entry = next(
        (e for e in organisers.round_entries(registration) if e.round.id == round_id), None
    )
    if entry is None:
        abort(404)
    form = MoveForm()
    errors: dict[str, list] = {}
    if form.validate_on_submit():
        valid, session_id = form.picked()
        if not valid:
            errors = {"session": [_("Choose a session, or no session.")]}
        else:
            try:
                registrations.change_choice(
                    registration.id,
                    round_id,
                    session_id,
                    actor=current_actor(),
                    add_seat_if_full=bool(form.add_seat.data),
                )
            except registrations.InvalidRegistration:
                errors = {"session": [_("Choose a session of this round.")]}
            except registrations.RegistrationError as error:
                errors = {"session": [error.message]}
            else:
                flash(_("The change has been saved."), "success")
                return redirect(url_for(".registration", registration_id=registration.id))
        form.attach(errors)
    return render_template(
        "organiser/registrations/move.html",
        edition=registration.edition,
        registration=registration,
        entry=entry,
        form=form,
        errors=errors,
        seats=program.seat_counts(registration.edition_id),
        no_session=NO_SESSION,
        confirmed=registration.status == RegistrationStatus.confirmed,
    )


@bp.route("/registrations/<int:registration_id>/cancel", methods=["GET", "POST"])
def cancel(registration_id: int):
    """Ask once more, then cancel: the seats go to the people waiting, who are mailed."""
    registration = _registration_or_404(registration_id)
    if request.method == "POST":
        registrations.cancel(registration.id, actor=current_actor())
        flash(_("The registration has been cancelled."), "success")
        return redirect(url_for(".registration", registration_id=registration.id))
    return render_template(
        "organiser/registrations/cancel.html",
        edition=registration.edition,
        registration=registration,
        cancelled=registration.status == RegistrationStatus.cancelled,
    )


@bp.route("/registrations/<int:registration_id>/reinstate", methods=["GET", "POST"])
def reinstate(registration_id: int):
    """Ask once more, then take a cancelled registration up again and mail the person."""
    registration = _registration_or_404(registration_id)
    if request.method == "POST":
        try:
            organisers.reinstate(registration.id, current_actor())
        except registrations.RegistrationError as error:
            flash(error.message, "error")
        else:
            flash(_("The registration has been reinstated."), "success")
        return redirect(url_for(".registration", registration_id=registration.id))
    return render_template(
        "organiser/registrations/reinstate.html",
        edition=registration.edition,
        registration=registration,
        cancelled=registration.status == RegistrationStatus.cancelled,
    )


@bp.post("/registrations/<int:registration_id>/resend")
def resend(registration_id: int):
    """Send the confirmation once more, with the current program and link."""
    registration = _registration_or_404(registration_id)
    try:
        organisers.resend_confirmation(registration.id, current_actor())
    except registrations.RegistrationError as error:
        flash(error.message, "error")
    else:
        flash(
            _("A new confirmation is on its way to %(email)s.", email=registration.email), "success"
        )
    return redirect(url_for(".registration", registration_id=registration.id))


@bp.post("/choices/<int:choice_id>/promote")
def promote(choice_id: int):
    """Give someone on a waiting list the seat now, adding one when the session is full."""
    choice = organisers.get_choice(choice_id)
    if choice is None:
        abort(404)
    registration_id, session = choice.registration_id, choice.session
    try:
        organisers.promote(choice_id, current_actor())
    except registrations.RegistrationError as error:
        flash(error.message, "error")
    else:
        flash(
            _("%(title)s: the seat is theirs, and they are mailed.", title=session.title), "success"
        )
    if request.form.get("back") == "session":
        return redirect(
            url_for(
                "organiser_checkin.session_attendance",
                slug=session.edition.slug,
                session_id=session.id,
            )
        )
    return redirect(url_for(".registration", registration_id=registration_id))
