"""Attendees correct their own details from their link: name and organisation until their
badge is printed, dietary and access needs until the symposium starts."""

from dataclasses import dataclass, fields
from datetime import datetime

from flask_babel import lazy_gettext as _l

from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import use_case
from symposium.extensions import db
from symposium.registration.models import Registration, RegistrationStatus
from symposium.registration.requests import (
    FIELD_LIMITS,
    MULTILINE_FIELDS,
    REQUIRED_MESSAGES,
    InvalidRegistration,
    NotAllowed,
    _now,
)
from symposium.validation import clean_text


@dataclass
class OwnDetails:
    first_name: str = ""
    last_name: str = ""
    organisation: str = ""
    dietary_needs: str = ""
    access_needs: str = ""


OWN_FIELDS = tuple(item.name for item in fields(OwnDetails))
#: what goes onto the badge: fixed once the badge is printed
ON_THE_BADGE = ("first_name", "last_name", "organisation")


def own_details_of(registration: Registration) -> OwnDetails:
    return OwnDetails(**{name: getattr(registration, name) for name in OWN_FIELDS})


def badge_printed(registration: Registration) -> bool:
    return registration.badge_printed_at is not None


def can_edit(registration: Registration, now: datetime | None = None) -> bool:
    return (
        registration.status != RegistrationStatus.cancelled
        and registration.erased_at is None
        and (now or _now()) < registration.edition.starts_at
    )


@use_case
def update_own_details(
    registration_id: int, change: OwnDetails, now: datetime | None = None
) -> Registration:
    """Correct one's own details; recorded in the audit log as the person's own change."""

    registration = db.session.get(Registration, registration_id)
    if not can_edit(registration, now):
        raise NotAllowed(_l("Your details can no longer be changed here."))
    locked = ON_THE_BADGE if badge_printed(registration) else ()
    errors: dict[str, list] = {}
    values = {}
    for name in OWN_FIELDS:
        if name in locked:
            continue
        value, problem = clean_text(
            getattr(change, name),
            FIELD_LIMITS[name],
            REQUIRED_MESSAGES.get(name),
            name in MULTILINE_FIELDS,
        )
        if problem is not None:
            errors[name] = [problem]
        values[name] = value
    if errors:
        raise InvalidRegistration(errors)
    before = {name: getattr(registration, name) for name in values}
    for name, value in values.items():
        setattr(registration, name, value)
    if before != values:
        audit.record(
            Actor(id=None, email=registration.email),
            "registration.own_details",
            registration,
            before=before,
            after=values,
        )
    db.session.flush()
    return registration
