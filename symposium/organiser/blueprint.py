"""Every organisers' blueprint lives under /organiser/ and lets in organisers only."""

from flask import Blueprint, abort

from symposium.accounts.access import organiser_required
from symposium.program.models import Edition
from symposium.program.service import edition_by_slug


@organiser_required
def _require_organiser():
    """Anonymous people are sent to sign in; other roles get 403."""


def organiser_blueprint(name: str, import_name: str) -> Blueprint:
    bp = Blueprint(name, import_name, url_prefix="/organiser")
    bp.before_request(_require_organiser)
    return bp


def edition_or_404(slug: str) -> Edition:
    """An edition by its slug, drafts included: organisers work on them before publishing."""
    edition = edition_by_slug(slug, include_drafts=True)
    if edition is None:
        abort(404)
    return edition
