"""Signing in and out of the organisers' area."""

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from symposium.accounts import service
from symposium.extensions import limiter
from symposium.text import has_control_characters
from symposium.web.accounts.forms import SignInForm

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


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit("10 per minute; 100 per hour", methods=["POST"])
def sign_in():
    """Sign in with e-mail address and password."""
    form = SignInForm()
    errors = {}
    if form.validate_on_submit():
        user = service.authenticate(form.email.data, form.password.data)
        if user is not None:
            session.clear()  # a new session for the signed-in person
            login_user(user)
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")))
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
