"""Reading registrations: by token, by segment, and what the organisers count."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from symposium.database import use_case
from symposium.extensions import db
from symposium.mail import lookups
from symposium.mail.models import LinkRequest, OutboxMessage
from symposium.program.models import Edition, EditionStatus, Session
from symposium.registration import notifications
from symposium.registration.models import (
    Choice,
    ChoiceState,
    Registration,
    RegistrationStatus,
)
from symposium.registration.requests import normalise_email
from symposium.registration.tokens import read_manage_token, secrets_match

# -- reading ---------------------------------------------------------------------------


@use_case
def queue_due_reminders(now: datetime, days_before: int, limit: int = 500) -> int:
    """Queue the reminder for confirmed people of editions starting within `days_before` days."""

    editions = db.session.scalars(
        sa.select(Edition).where(
            Edition.status == EditionStatus.published,
            Edition.starts_at > now,
            Edition.starts_at <= now + timedelta(days=days_before),
        )
    ).all()
    queued = 0
    for edition in editions:
        key = sa.literal(f"reminder:{edition.id}:") + sa.cast(Registration.id, sa.String)
        due = db.session.scalars(
            sa.select(Registration)
            .where(
                Registration.edition_id == edition.id,
                Registration.status == RegistrationStatus.confirmed,
                ~sa.exists().where(OutboxMessage.dedupe_key == key),
            )
            .limit(limit - queued)
        ).all()
        for registration in due:
            notifications.reminder(registration)
        queued += len(due)
    return queued


def notify_program_change(session_id: int, changes: list, version: int) -> int:
    """One message to everyone holding a seat in a session whose time or room changed."""
    holders = db.session.scalars(
        sa.select(Registration)
        .join(Choice, Choice.registration_id == Registration.id)
        .where(
            Choice.session_id == session_id,
            Choice.state == ChoiceState.confirmed,
            Registration.status == RegistrationStatus.confirmed,
        )
    ).all()
    session = db.session.get(Session, session_id)
    for registration in holders:
        notifications.program_changed(registration, session, changes, str(version))
    return len(holders)


SEGMENTS = ("confirmed", "session", "waitlisted", "checked_in", "not_checked_in")


def segment(edition_id: int, name: str, session_id: int | None = None) -> list[Registration]:
    """The registrations an organiser can write to, by group."""
    query = sa.select(Registration).where(Registration.edition_id == edition_id)
    confirmed = Registration.status == RegistrationStatus.confirmed
    if name == "confirmed":
        query = query.where(confirmed)
    elif name == "session":
        query = query.where(
            confirmed,
            sa.exists().where(
                Choice.registration_id == Registration.id,
                Choice.session_id == session_id,
                Choice.state == ChoiceState.confirmed,
            ),
        )
    elif name == "waitlisted":
        query = query.where(
            sa.or_(
                Registration.status == RegistrationStatus.waitlisted,
                sa.and_(
                    confirmed,
                    sa.exists().where(
                        Choice.registration_id == Registration.id,
                        Choice.state == ChoiceState.waitlisted,
                    ),
                ),
            )
        )
    elif name == "checked_in":
        query = query.where(confirmed, Registration.checked_in_at.is_not(None))
    elif name == "not_checked_in":
        query = query.where(confirmed, Registration.checked_in_at.is_(None))
    else:
        return []
    return list(db.session.scalars(query.order_by(Registration.last_name, Registration.id)))


@use_case
def send_manage_link(edition_id: int, email: str, locale: str = "nl") -> None:
    """Ask for the manage link: the same one insert whether or not the address is signed
    up; the worker resolves it (`_send_manage_link`)."""
    lookups.ask("manage_link", email, locale, edition_id)


@lookups.resolver("manage_link")
def _send_manage_link(request: LinkRequest) -> None:
    """Mail the manage link to a registered address; nothing for another address."""
    registration = db.session.scalars(
        sa.select(Registration).where(
            Registration.edition_id == request.edition_id,
            Registration.email_key == normalise_email(request.email),
            Registration.status != RegistrationStatus.cancelled,
        )
    ).first()
    if registration is not None:
        notifications.manage_link(registration)


def find_by_token(token: str, secret_key: str) -> Registration | None:
    """The registration a manage link points to; None for a tampered or unknown link."""
    carried = read_manage_token(secret_key, token)
    if carried is None:
        return None
    registration = db.session.get(Registration, carried[0])
    if registration is None or not secrets_match(registration.manage_secret, carried[1]):
        return None
    return registration
