"""Seats held by real addresses: in an edition that asks for it, a sign-up holds its
seats until the link in the confirmation mail is opened, for `confirm_hours`. The worker
releases holds that were not confirmed in time: the seats go to the waiting list, and the
person gets the cancellation mail, which says why."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from symposium.database import use_case
from symposium.extensions import db
from symposium.program.models import Edition
from symposium.registration.models import Registration, RegistrationStatus
from symposium.registration.sign_up import cancel


@use_case
def confirm_email(registration_id: int, now: datetime | None = None) -> bool:
    """The link was opened: the seats are the person's. True when this call confirmed."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or not registration.awaiting_confirmation:
        return False
    registration.email_confirmed_at = now or datetime.now(UTC)
    return True


def hold_ends_at(registration: Registration) -> datetime:
    return registration.created_at + timedelta(hours=registration.edition.confirm_hours)


def awaiting(edition_id: int) -> list[Registration]:
    """Sign-ups of this edition whose address is not confirmed yet, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Registration)
            .join(Edition)
            .where(
                Registration.edition_id == edition_id,
                Edition.confirm_email.is_(True),
                Registration.email_confirmed_at.is_(None),
                Registration.status != RegistrationStatus.cancelled,
            )
            .order_by(Registration.created_at)
        )
    )


def release_unconfirmed(now: datetime) -> int:
    """The worker's scheduled job: cancel the holds not confirmed in time; how many."""
    due = db.session.execute(
        sa.select(Registration.id, Registration.created_at, Edition.confirm_hours)
        .join(Edition)
        .where(
            Edition.confirm_email.is_(True),
            Registration.email_confirmed_at.is_(None),
            Registration.status != RegistrationStatus.cancelled,
        )
    ).all()
    db.session.rollback()
    released = 0
    for registration_id, created_at, hours in due:
        if created_at + timedelta(hours=hours) <= now:
            cancel(registration_id)  # one transaction each: seats to the waiting list, mail
            released += 1
    return released
