"""Every organisers' blueprint lives under /organiser/ and lets in organisers only."""

from flask import Blueprint

from symposium.web.access import organiser_required


@organiser_required
def _require_organiser():
    """Anonymous people are sent to sign in; other roles get 403."""


def organiser_blueprint(name: str, import_name: str) -> Blueprint:
    bp = Blueprint(name, import_name, url_prefix="/organiser")
    bp.before_request(_require_organiser)
    return bp
