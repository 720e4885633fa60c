"""One registration as organisers see it, and what they change by hand: details, mail,
waiting lists."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from symposium.audit import service as audit
from symposium.audit.models import AuditEntry
from symposium.audit.service import Actor
from symposium.database import refuse_conflicts, use_case
from symposium.extensions import db
from symposium.mail.models import OutboxMessage
from symposium.program.models import Edition, Round
from symposium.registration import notifications, seats
from symposium.registration.listing import EMAIL_TAKEN, LANGUAGES, InvalidDetails, _now
from symposium.registration.models import Choice, ChoiceState, Registration, RegistrationStatus
from symposium.registration.personal import waitlist_position
from symposium.registration.requests import (
    NotAllowed,
    RegistrationRequest,
    normalise_email,
    validate,
)
from symposium.registration.sign_up import add_seat

# -- one registration ------------------------------------------------------------------


def get(registration_id: int) -> Registration | None:
    return db.session.get(Registration, registration_id)


@dataclass
class RoundEntry:
    round: Round
    held: Choice | None
    waiting: Choice | None
    waiting_position: int | None


@dataclass
class RegistrationDetail:
    registration: Registration
    rounds: list[RoundEntry]
    history: list[AuditEntry]
    messages: list[OutboxMessage]


def _active(registration: Registration, round_id: int, state: ChoiceState) -> Choice | None:
    for choice in registration.choices:
        if choice.round_id == round_id and choice.state == state:
            return choice
    return None


def round_entries(registration: Registration) -> list[RoundEntry]:
    """Per round of the edition: the choice held, the choice waiting and its place in line."""
    entries = []
    for round_ in registration.edition.rounds:
        waiting = _active(registration, round_.id, ChoiceState.waitlisted)
        entries.append(
            RoundEntry(
                round=round_,
                held=_active(registration, round_.id, ChoiceState.confirmed),
                waiting=waiting,
                waiting_position=waitlist_position(waiting) if waiting else None,
            )
        )
    return entries


def detail(registration: Registration) -> RegistrationDetail:
    """Everything a registration holds, what organisers changed, and the mail it was sent."""
    history = db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.target_type == "registration", AuditEntry.target_id == registration.id)
        .order_by(AuditEntry.id.desc())
        .limit(50)
    ).all()
    messages = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.registration_id == registration.id)
        .order_by(OutboxMessage.id.desc())
        .limit(50)
    ).all()
    return RegistrationDetail(
        registration, round_entries(registration), list(history), list(messages)
    )


# -- correcting details ----------------------------------------------------------------


@dataclass
class DetailsChange:
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    organisation: str = ""
    role: str = ""
    dietary_needs: str = ""
    access_needs: str = ""
    locale: str = "nl"


DETAIL_FIELDS = tuple(DetailsChange.__dataclass_fields__)


def details_of(registration: Registration) -> DetailsChange:
    return DetailsChange(**{name: getattr(registration, name) for name in DETAIL_FIELDS})


def check_details(edition: Edition, change: DetailsChange) -> dict[str, list]:
    """The sign-up form's own field rules, applied to an organiser's correction."""
    request = RegistrationRequest(
        **{name: getattr(change, name) for name in DETAIL_FIELDS if name != "locale"},
        consent=True,
    )
    # Only the fields on this form: the answers to the edition's questions are not edited here.
    errors = {
        name: messages
        for name, messages in validate(edition, request).items()
        if name in DETAIL_FIELDS
    }
    if change.locale not in LANGUAGES:
        errors["locale"] = [_l("Choose a language.")]
    return errors


# Someone signed up with this address while the organiser was typing it.
@refuse_conflicts(lambda error: InvalidDetails({"email": [EMAIL_TAKEN]}))
@use_case
def update_details(registration_id: int, change: DetailsChange, actor: Actor) -> Registration:
    """Correct a registration's details; a new address must not be in use for this edition."""

    registration = db.session.get(Registration, registration_id)
    errors = check_details(registration.edition, change)
    email_key = normalise_email(change.email)
    if "email" not in errors and email_key != registration.email_key:
        taken = db.session.scalar(
            sa.select(Registration.id).where(
                Registration.edition_id == registration.edition_id,
                Registration.email_key == email_key,
                Registration.id != registration.id,
            )
        )
        if taken:
            errors["email"] = [EMAIL_TAKEN]
    if errors:
        raise InvalidDetails(errors)
    before = {name: getattr(registration, name) for name in DETAIL_FIELDS}
    for name in DETAIL_FIELDS:
        value = getattr(change, name)
        setattr(registration, name, value if name in ("role", "locale") else value.strip())
    registration.email_key = email_key
    after = {name: getattr(registration, name) for name in DETAIL_FIELDS}
    if before != after:
        audit.record(actor, "registration.details", registration, before=before, after=after)
    db.session.flush()
    return registration


# -- mail and waiting lists by hand ----------------------------------------------------


@use_case
def resend_confirmation(registration_id: int, actor: Actor, now: datetime | None = None) -> None:
    """Queue the confirmation once more, with the person's current program and link."""

    registration = db.session.get(Registration, registration_id)
    if registration.status == RegistrationStatus.cancelled:
        raise NotAllowed(_l("This registration is cancelled: there is nothing to confirm."))
    notifications.confirmation(registration, again_at=now or _now())
    audit.record(actor, "registration.resend", registration, after={"message": "confirmation"})


@use_case
def promote(choice_id: int, actor: Actor) -> Choice:
    """Give someone waiting a seat now: a seat is added when the session is full.

    The seat they held in that round is released and goes to the first person waiting for
    it; the promoted person gets the same mail as when the waiting list moves by itself.
    """

    choice = db.session.get(Choice, choice_id)
    # Lock the session, then read the choice again: of two organisers promoting the
    # same person at once, the second sees that it was done.
    seats.lock_session(choice.session_id)
    db.session.refresh(choice)
    registration = choice.registration
    if choice.state != ChoiceState.waitlisted:
        raise NotAllowed(_l("This person is no longer on this waiting list."))
    if registration.status != RegistrationStatus.confirmed:
        raise NotAllowed(_l("Only a confirmed registration can be given a seat."))
    session = choice.session
    added_seat = False
    if not seats.claim_seat(session.id):
        add_seat(session, actor)
        seats.claim_seat(session.id)
        added_seat = True
    held = _active(registration, choice.round_id, ChoiceState.confirmed)
    if held is not None:
        seats.decline(held)
    seats.count_waiting(session.id, -1)
    choice.state = ChoiceState.confirmed
    choice.decided_at = _now()
    db.session.flush()
    audit.record(
        actor,
        "registration.promote",
        registration,
        before={"round": choice.round.name, "session": held.session.title if held else None},
        after={"round": choice.round.name, "session": session.title, "seat_added": added_seat},
    )
    notifications.promoted(choice, held.session if held else None)
    if held is not None:
        notifications.promotions(seats.fill_freed_seats([held.session_id]))
    return choice
