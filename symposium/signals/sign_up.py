"""At sign-up, the edition may ask "which signal or question do you bring?". What is
typed becomes an unapproved signal without any link to the person; the harvest mail is a
separate choice, kept beside the registration."""

from symposium.database import use_case
from symposium.extensions import db
from symposium.program.models import Edition
from symposium.signals.models import HarvestSubscription, SignalSource
from symposium.signals.service import TEXT_LENGTH, add_signal, settings_of
from symposium.validation import clean_text

#: the form fields on the sign-up form
SIGNAL_FIELD = "signal_text"
HARVEST_FIELD = "harvest_mail"


def asks(edition_id: int) -> bool:
    return settings_of(edition_id).ask_at_sign_up


def check(edition_id: int, typed: str) -> dict[str, list]:
    """Errors for the signal typed at sign-up ({} when fine or not asked)."""
    if not asks(edition_id):
        return {}
    _value, problem = clean_text(typed, TEXT_LENGTH, multiline=True)
    return {SIGNAL_FIELD: [problem]} if problem is not None else {}


@use_case
def bring(edition_id: int, registration_id: int, typed: str, harvest_mail: bool) -> None:
    """After a sign-up: the signal it brought (if any) and the wish for the harvest mail."""
    if not asks(edition_id):
        return
    if typed.strip():
        add_signal(db.session.get(Edition, edition_id), text=typed, source=SignalSource.sign_up)
    if harvest_mail and db.session.get(HarvestSubscription, registration_id) is None:
        db.session.add(HarvestSubscription(registration_id=registration_id))
