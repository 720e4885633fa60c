"""Signing in and out of the organisers' area."""

import time

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from symposium.accounts import passwords, service
from symposium.accounts import two_factor as second_factor
from symposium.extensions import limiter
from symposium.i18n import current_language
from symposium.text import has_control_characters
from symposium.web.access import organiser_required
from symposium.web.accounts.forms import (
    ChangePasswordForm,
    CodeForm,
    ForgotPasswordForm,
    NewPasswordForm,
    SignInForm,
)

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str:
    """Only a path on this site, never another host."""
    # Browsers read "\\" as "/" and drop tabs and line breaks ("/\t/host" is "//host");
    # a line break in a header is an error.
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not has_control_characters(target)
    ):
        return target
    return url_for("organiser.index")


def _signed_in(user):
    session.clear()  # a new session for the signed-in person
    login_user(user)
    session.permanent = True
    return redirect(_safe_next(request.args.get("next")))


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit("10 per minute; 100 per hour", methods=["POST"])
def sign_in():
    """Sign in with e-mail address and password."""
    form = SignInForm()
    errors = {}
    if form.validate_on_submit():
        user = service.authenticate(form.email.data, form.password.data)
        if user is not None and user.totp_secret:
            session.clear()
            session["two_factor_for"] = [user.get_id(), time.time()]
            return redirect(url_for(".sign_in_code", next=request.args.get("next")))
        if user is not None:
            return _signed_in(user)
        errors = {"form": [_("The e-mail address or password is not right.")]}
    errors |= form.errors
    return render_template("accounts/sign_in.html", form=form, errors=errors)


@bp.post("/sign-out")
def sign_out():
    """Sign out."""
    speaker = current_user.is_authenticated and not current_user.is_organiser
    if current_user.is_authenticated:
        service.end_sessions(current_user.id)
    logout_user()
    session.clear()
    flash(_("You are signed out."), "success")
    return redirect(url_for("speakers.sign_in" if speaker else ".sign_in"))


@bp.route("/sign-in/forgot", methods=["GET", "POST"])
@limiter.limit("10 per minute; 50 per hour", methods=["POST"])
def forgot_password():
    """Ask for a link to choose a new password: the same answer for every address."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        passwords.request_reset(form.email.data, current_language())
        flash(
            _(
                "If this is an organiser's address, a link to choose a new password is on "
                "its way. It works for an hour."
            ),
            "success",
        )
        return redirect(url_for(".sign_in"))
    return render_template("accounts/forgot.html", form=form, errors=form.errors)


@bp.route("/sign-in/reset/<token>", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def reset_password(token: str):
    """Choose a new password through the mailed link; every session of the account ends."""
    form = NewPasswordForm()
    errors: dict = {}
    if not passwords.reset_link_works(token):
        errors = {"form": [passwords.RESET_EXPIRED]}
        return render_template("accounts/reset.html", form=None, errors=errors)
    if form.validate_on_submit():
        try:
            passwords.reset_password(token, form.password.data)
        except service.AccountError as error:
            errors = error.errors
            form.attach(errors)
        else:
            logout_user()
            session.clear()
            flash(_("Your password is changed. Sign in with the new one."), "success")
            return redirect(url_for(".sign_in"))
    return render_template("accounts/reset.html", form=form, errors=errors or form.errors)


@bp.route("/organiser/password", methods=["GET", "POST"])
@organiser_required
def change_password():
    """Change one's own password; one's other sessions end, this one goes on."""
    form = ChangePasswordForm()
    errors: dict = {}
    if form.validate_on_submit():
        try:
            user = passwords.change_password(
                current_user.id, form.current_password.data, form.password.data
            )
        except service.AccountError as error:
            errors = error.errors
            form.attach(errors)
        else:
            login_user(user)  # this session, with the account's new generation
            session.permanent = True
            flash(_("Your password is changed. Other sessions are signed out."), "success")
            return redirect(url_for("organiser.index"))
    return render_template("accounts/password.html", form=form, errors=errors or form.errors)


#: how long the code may take after the password was accepted, in seconds
CODE_WAIT = 300


@bp.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit("10 per minute; 50 per hour", methods=["POST"])
def sign_in_code():
    """The second step for organisers with a second factor: the code from their app."""
    pending = session.get("two_factor_for")
    user = None
    if isinstance(pending, list) and len(pending) == 2 and time.time() - pending[1] < CODE_WAIT:
        user = service.load_user(str(pending[0]))
    if user is None:
        session.pop("two_factor_for", None)
        return redirect(url_for(".sign_in"))
    form = CodeForm()
    errors: dict = {}
    if form.validate_on_submit():
        if second_factor.verify(user.id, form.code.data):
            return _signed_in(user)
        errors = {"code": [second_factor.WRONG_CODE]}
        form.attach(errors)
    return render_template("accounts/code.html", form=form, errors=errors or form.errors)


@bp.route("/organiser/two-factor", methods=["GET", "POST"])
@organiser_required
def two_factor():
    """Turn one's second factor on or off; require it for every organiser, or not."""
    form = CodeForm()
    errors: dict = {}
    user = current_user
    if form.validate_on_submit():
        action = request.form.get("action")
        try:
            if action == "on":
                user = second_factor.turn_on(
                    user.id, session.get("totp_pending", ""), form.code.data
                )
                session.pop("totp_pending", None)
                message = _("The second factor is on. Other sessions are signed out.")
            elif action == "off":
                user = second_factor.turn_off(user.id, form.code.data)
                message = _("The second factor is off. Other sessions are signed out.")
            else:
                abort(400)
        except service.AccountError as error:
            errors = error.errors
            form.attach(errors)
        else:
            login_user(user)  # this session, with the account's new generation
            session.permanent = True
            flash(message, "success")
            return redirect(url_for(".two_factor"))
    if not user.totp_secret and not session.get("totp_pending"):
        session["totp_pending"] = second_factor.new_secret()
    return render_template(
        "accounts/two_factor.html",
        form=form,
        errors=errors or form.errors,
        secret=None if user.totp_secret else session["totp_pending"],
        required=second_factor.required(),
    )


@bp.post("/organiser/two-factor/required")
@organiser_required
def two_factor_required():
    """Require a second factor of every organiser, or stop requiring it."""
    try:
        second_factor.require_for_all(current_user.id, request.form.get("required") == "1")
    except service.AccountError as error:
        flash(error.message, "error")
    return redirect(url_for(".two_factor"))


@bp.route("/organiser/two-factor/qr.svg")
@organiser_required
def two_factor_qr():
    """The QR code of the secret being set up, for the authenticator app to scan."""
    if current_user.totp_secret:
        abort(404)
    secret = session.setdefault("totp_pending", second_factor.new_secret())
    return Response(second_factor.qr_svg(current_user.email, secret), mimetype="image/svg+xml")
