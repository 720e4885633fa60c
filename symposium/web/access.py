"""Role checks for views: anonymous people are sent to sign in, other roles get 403."""

from functools import wraps

from flask import abort
from flask_login import current_user

from symposium.audit.service import Actor
from symposium.extensions import login


def organiser_required(view):
    @wraps(view)
    def guarded(*args, **kwargs):
        if not current_user.is_authenticated:
            return login.unauthorized()
        if not current_user.is_organiser:
            abort(403)
        return view(*args, **kwargs)

    return guarded


def current_actor() -> Actor:
    """The signed-in organiser, as the audit log records them."""
    return Actor(id=current_user.id, email=current_user.email)
