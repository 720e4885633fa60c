"""Sign-up, and the manage page behind each person's link."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    get_flashed_messages,
    json,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from symposium import privacy
from symposium.accreditation import service as accreditation
from symposium.accreditation.numbers import REGISTER_NAMES
from symposium.accreditation.presence import earned_points, evaluation_needed
from symposium.allocation import service as allocation
from symposium.evaluations import service as evaluations
from symposium.i18n import current_language
from symposium.orders import groups, online
from symposium.orders import service as orders
from symposium.program import service as program_service
from symposium.registration import holds, service
from symposium.registration import own_details as details
from symposium.registration.calendar import personal_calendar
from symposium.registration.models import Registration, RegistrationStatus
from symposium.registration.personal import (
    PersonalProgram,
    manage_token,
    manage_url,
    personal_program,
)
from symposium.security import count_sign_up, link_limit, sign_up_capped, sign_up_limit
from symposium.signals import sign_up as signals_at_sign_up
from symposium.signals.publishing import subscribed as harvest_mail_wanted
from symposium.speakers import service as speakers
from symposium.web.attendee.forms import (
    NO_SESSION,
    ManageLinkForm,
    OwnDetailsForm,
    RegistrationForm,
    rank_fields,
    read_ranking,
)
from symposium.web.common import CAPPED, ServiceForm, chosen_sessions, edition_or_404
from symposium.web.http_cache import conditional, tag

bp = Blueprint("registration", __name__)


def registration_or_404(token: str) -> Registration:
    registration = service.find_by_token(token, current_app.secret_key)
    if registration is None:
        if privacy.erased_link(token, current_app.secret_key):
            # Our own link, to data that is gone: say so, rather than "not found".
            abort(Response(render_template("registration/manage_erased.html"), 410))
        abort(404)
    return registration


@bp.route("/<slug>/register", methods=["GET", "POST"])
@sign_up_limit
def register(slug: str):
    """Sign-up form with one breakout choice per round."""
    edition = edition_or_404(slug)
    if orders.finance_of(edition.id) is not None:  # a paid edition: places are bought
        return redirect(url_for("orders.new_order", slug=slug, people=1))
    form = RegistrationForm()
    questions = service.edition_questions(edition.id)
    errors: dict[str, list] = {}
    status = 200
    if form.validate_on_submit():
        choices, errors = form.round_requests(edition, request.form)
        wanted = form.to_request(choices, current_language())
        wanted.answers = form.answers(questions, request.form)
        numbers, number_errors = accreditation.read_numbers(edition.id, request.form)
        errors |= number_errors
        errors |= signals_at_sign_up.check(edition.id, request.form.get("signal_text", ""))
        if errors:
            errors = service.validate(edition, wanted) | errors
        elif sign_up_capped(edition.id, chosen_sessions(wanted)):
            errors = {"form": [CAPPED]}
            status = 429
        else:
            try:
                registration = service.register(edition.id, wanted)
            except service.InvalidRegistration as error:
                errors = error.errors
            except service.DuplicateRegistration as error:
                service.send_manage_link(edition.id, wanted.email)
                errors = {"email": [error.message]}
            except service.RegistrationClosed as error:
                errors = {"form": [error.message]}
            else:
                count_sign_up(edition.id, chosen_sessions(wanted))
                accreditation.save_numbers(registration.id, numbers)
                signals_at_sign_up.bring(
                    edition.id,
                    registration.id,
                    request.form.get("signal_text", ""),
                    request.form.get("harvest_mail") == "y",
                )
                flash(_("You are signed up."), "registered")
                return redirect(url_for(".manage", token=manage_token(registration)))
        form.attach(errors)
    return render_template(
        "registration/register.html",
        edition=edition,
        form=form,
        errors=errors,
        program=program_service.program(edition),
        state=program_service.registration_state(edition),
        venue_full=program_service.venue_is_full(edition),
        asks_signal=signals_at_sign_up.asks(edition.id),
        picked=request.form,
        no_session=NO_SESSION,
        questions=questions,
        registers=accreditation.registers_asked(edition.id),
        register_names=REGISTER_NAMES,
        preferences=allocation.preferences_state(edition),
        rank_fields=rank_fields,
    ), status


@bp.route("/<slug>/link", methods=["GET", "POST"])
@link_limit
def send_link(slug: str):
    """Send me my link again: the same answer whether or not the address is registered."""
    edition = edition_or_404(slug)
    form = ManageLinkForm()
    if form.validate_on_submit():
        service.send_manage_link(edition.id, form.email.data)
        flash(_("If this address is signed up, a mail with your link is on its way."), "success")
        return redirect(url_for(".send_link", slug=slug))
    return render_template(
        "registration/send_link.html", edition=edition, form=form, errors=form.errors
    )


@bp.route("/r/<token>")
def manage(token: str):
    """One registration: personal program, changes, waiting lists, cancel."""
    from symposium.documents import certificates  # not at start-up (documents.py says why)

    registration = registration_or_404(token)
    edition = registration.edition
    available = certificates.available(registration)
    return render_template(
        "registration/manage.html",
        edition=edition,
        registration=registration,
        token=token,
        plan=personal_program(registration),
        program=program_service.program(edition),
        state=program_service.registration_state(edition),
        just_registered=bool(get_flashed_messages(category_filter=["registered"])),
        manage_link=manage_url(registration),
        statuses=RegistrationStatus,
        materials=speakers.materials_for_attendee(registration),
        evaluation_forms=evaluations.personal_forms(registration),
        harvest_mail=signals_at_sign_up.asks(edition.id)
        and {"wanted": harvest_mail_wanted(registration.id)},
        evaluation_for_points=evaluation_needed(registration),
        certificate_available=available,
        registers=accreditation.registers_asked(edition.id),
        earned=earned_points(edition.id, only=registration.id).get(registration.id, [])
        if available
        else [],
        details_editable=details.can_edit(registration),
        badge_printed=details.badge_printed(registration),
        preferences=allocation.preferences_state(edition),
        rank_fields=rank_fields,
        no_session=NO_SESSION,
    )


@bp.route("/r/<token>/confirm")
def confirm_email(token: str):
    """The link in the confirmation mail: the address is real, the held seats are kept."""
    registration = registration_or_404(token)
    if holds.confirm_email(registration.id):
        flash(
            _("Thank you: your e-mail address is confirmed and your seats are yours."), "registered"
        )
    return redirect(url_for(".manage", token=token))


@bp.route("/r/<token>/calendar.ics")
def calendar(token: str):
    """The personal program as a calendar: plenaries and the breakouts with a seat."""
    registration = registration_or_404(token)
    plan = personal_program(registration)
    if registration.status != RegistrationStatus.confirmed:
        # No place (yet, or any more): an empty calendar, so subscribed apps drop the events.
        plan = PersonalProgram(plenaries=[], rounds=[])
    body = personal_calendar(registration, plan, manage_url(registration))
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'attachment; filename="programma.ics"'
    response.headers["Referrer-Policy"] = "no-referrer"
    return conditional(
        response, ("personal-calendar", registration.id), tag(body), vary=(), private=True
    )


def _back(token: str, round_id: int | None = None):
    anchor = f"round-{round_id}" if round_id else None
    return redirect(url_for(".manage", token=token, _anchor=anchor))


@bp.post("/r/<token>/rounds/<int:round_id>")
def change_choice(token: str, round_id: int):
    """Take another session in a round; the old seat is freed only once the new one is held."""
    registration = registration_or_404(token)
    picked = request.form.get("session", "")
    session_id = None if picked == NO_SESSION else _session_id_or_400(picked)
    try:
        service.change_choice(registration.id, round_id, session_id)
    except service.InvalidRegistration:
        abort(400)
    except service.RegistrationError as error:
        flash(error.message, "error")
    else:
        flash(_("Your change has been saved."), "success")
    return _back(token, round_id)


@bp.post("/r/<token>/rounds/<int:round_id>/ranking")
def change_ranking(token: str, round_id: int):
    """Rank other sessions in a round, until the deadline for preferences."""
    registration = registration_or_404(token)
    round_ = next((r for r in registration.edition.rounds if r.id == round_id), None)
    if round_ is None:
        abort(404)
    ranking, problems = read_ranking(round_, request.form)
    try:
        if problems:
            raise allocation.InvalidRanking({f"choices.{round_id}": problems})
        allocation.change_ranking(registration.id, round_id, ranking)
    except allocation.InvalidRanking as error:
        for message in error.errors.get(f"choices.{round_id}", []):
            flash(str(message), "error")
    except allocation.AllocationError as error:
        flash(error.message, "error")
    else:
        flash(_("Your preferences have been saved."), "success")
    return _back(token, round_id)


@bp.post("/r/<token>/rounds/<int:round_id>/waitlist")
def join_waitlist(token: str, round_id: int):
    """Wait for a full session while keeping the seat held in that round."""
    registration = registration_or_404(token)
    session_id = _session_id_or_400(request.form.get("session", ""))
    try:
        service.join_waitlist(registration.id, round_id, session_id)
    except service.InvalidRegistration:
        abort(400)
    except service.RegistrationError as error:
        flash(error.message, "error")
    else:
        flash(_("You are on the waiting list."), "success")
    return _back(token, round_id)


@bp.post("/r/<token>/rounds/<int:round_id>/waitlist/leave")
def leave_waitlist(token: str, round_id: int):
    """Leave a round's waiting list."""
    registration = registration_or_404(token)
    service.leave_waitlist(registration.id, round_id)
    flash(_("You have left the waiting list."), "success")
    return _back(token, round_id)


@bp.route("/r/<token>/cancel", methods=["GET", "POST"])
def cancel(token: str):
    """Ask once more, then cancel the registration and free its seats."""
    registration = registration_or_404(token)
    if request.method == "POST":
        place = groups.changeable_place_of(registration.id)
        try:
            if place is not None:  # a bought place: credited (and refunded) to the buyer
                online.cancel_person(place.order_id, place.id)
            else:
                service.cancel(registration.id)
        except online.RefundNotYetMade as error:
            flash(error.message, "error")
        else:
            flash(_("Your registration has been cancelled."), "success")
        return redirect(url_for(".manage", token=token))
    return render_template(
        "registration/cancel.html",
        edition=registration.edition,
        registration=registration,
        token=token,
    )


@bp.route("/r/<token>/details", methods=["GET", "POST"])
def own_details(token: str):
    """Correct one's own name, organisation, dietary and access needs."""
    registration = registration_or_404(token)
    if not details.can_edit(registration):
        return redirect(url_for(".manage", token=token))
    form = OwnDetailsForm(obj=details.own_details_of(registration))
    errors: dict[str, list] = {}
    if form.validate_on_submit():
        try:
            details.update_own_details(registration.id, form.to_details())
        except service.InvalidRegistration as error:
            errors = error.errors
            form.attach(errors)
        except service.RegistrationError as error:
            flash(error.message, "error")
            return redirect(url_for(".manage", token=token))
        else:
            flash(_("Your details have been saved."), "success")
            return redirect(url_for(".manage", token=token, _anchor="details"))
    return render_template(
        "registration/own_details.html",
        edition=registration.edition,
        registration=registration,
        token=token,
        form=form,
        errors=errors,
        badge_printed=details.badge_printed(registration),
    )


@bp.route("/r/<token>/my-data.json")
def personal_data(token: str):
    """Everything kept about this person, as a JSON file to download."""
    registration = registration_or_404(token)
    body = json.dumps(privacy.personal_data(registration), ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/json")
    filename = f"{registration.edition.slug}-{_('my-data')}.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/r/<token>/erase", methods=["GET", "POST"])
def erase(token: str):
    """Ask once more, then cancel (before the symposium) and erase this person's data."""
    registration = registration_or_404(token)
    if request.method == "POST":
        privacy.erase(registration.id)
        flash(_("Your personal data has been erased."), "success")
        return redirect(url_for(".manage", token=token))
    return render_template(
        "registration/manage_erase.html",
        edition=registration.edition,
        registration=registration,
        token=token,
        ended=privacy.has_ended(registration.edition),
        cancelled=registration.status == RegistrationStatus.cancelled,
    )


def _session_id_or_400(value: str) -> int:
    if not (value.isascii() and value.isdecimal()) or len(value) > 9:
        abort(400)
    return int(value)


@bp.route("/r/<token>/register-numbers", methods=["GET", "POST"])
def register_numbers(token: str):
    """The register numbers a person wants accreditation points for."""
    registration = registration_or_404(token)
    edition = registration.edition
    registers = accreditation.registers_asked(edition.id)
    if not registers:
        abort(404)
    errors: dict = {}
    picked = {
        accreditation.field_name(r): n for r, n in accreditation.numbers_of(registration.id).items()
    }
    if request.method == "POST":
        if not ServiceForm().validate_on_submit():  # the CSRF check; the numbers follow
            abort(400)
        numbers, errors = accreditation.read_numbers(edition.id, request.form)
        picked = request.form
        if not errors:
            accreditation.save_numbers(registration.id, numbers)
            flash(_("Your register numbers have been saved."), "success")
            return redirect(url_for(".manage", token=token))
    return render_template(
        "registration/register_numbers.html",
        edition=edition,
        registration=registration,
        token=token,
        registers=registers,
        register_names=REGISTER_NAMES,
        picked=picked,
        errors=errors,
    )
