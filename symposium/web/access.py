"""Role checks for views: anonymous people are sent to sign in, other roles get 403."""

from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user

from symposium.accounts import two_factor
from symposium.audit.service import Actor
from symposium.extensions import login

#: what an organiser without a second factor may still open when one is required
TWO_FACTOR_PAGES = frozenset({"accounts.two_factor", "accounts.two_factor_qr"})


def organiser_required(view):
    @wraps(view)
    def guarded(*args, **kwargs):
        if not current_user.is_authenticated:
            return login.unauthorized()
        if not current_user.is_organiser:
            abort(403)
        if (
            not current_user.totp_secret
            and request.endpoint not in TWO_FACTOR_PAGES
            and two_factor.required()
        ):
            return redirect(url_for("accounts.two_factor"))
        return view(*args, **kwargs)

    return guarded


def current_actor() -> Actor:
    """The signed-in organiser, as the audit log records them."""
    return Actor(id=current_user.id, email=current_user.email)
