"""What every face shares: loading an edition from its web address, and forms whose rules
live in the use cases while their messages show on the form."""

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from symposium.program.models import Edition
from symposium.program.service import edition_by_slug


def edition_or_404(slug: str, include_drafts: bool = False) -> Edition:
    """An edition by its slug, else 404. Organisers pass `include_drafts`: they work on an
    edition before it is published."""
    edition = edition_by_slug(slug, include_drafts=include_drafts)
    if edition is None:
        abort(404)
    return edition


def found_or_404(thing):
    """What a lookup found, else 404 (it found nothing, or nothing of this edition)."""
    if thing is None:
        abort(404)
    return thing


class ServiceForm(FlaskForm):
    """A form whose values a service checks; its messages go beside their fields."""

    def attach(self, errors: dict[str, list]) -> None:
        """Show the service's messages beside their fields (other keys stay in the summary)."""
        for name, messages in errors.items():
            field = self._fields.get(name)
            if field is not None:
                field.errors = list(field.errors) + list(messages)


#: a sign-up over the per-address caps (symposium.security.sign_up_capped)
CAPPED = _l(
    "There were too many sign-ups from your network this hour. Try again later, or ask "
    "the organisers to sign you up."
)


def chosen_sessions(wanted) -> list[int]:
    """The sessions a sign-up request asks a seat in, for the per-session caps."""
    return [c.session_id for c in wanted.choices.values() if c.session_id is not None]
