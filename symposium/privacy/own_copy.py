"""A person's own copy of everything kept about them (the right of access)."""

from datetime import UTC, datetime

import sqlalchemy as sa

from symposium.accreditation import service as accreditation
from symposium.audit.models import AccessEntry, AuditEntry
from symposium.evaluations import service as evaluations
from symposium.extensions import db
from symposium.mail.models import OutboxMessage
from symposium.privacy.orders import place_of
from symposium.registration import service as registrations
from symposium.registration.models import Registration
from symposium.signals import publishing as signals


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def entries_about(model, registration_ids, choice_ids):
    """Entries whose target is one of these registrations or one of their choices."""
    return sa.or_(
        sa.and_(model.target_type == "registration", model.target_id.in_(registration_ids)),
        sa.and_(model.target_type == "choice", model.target_id.in_(choice_ids)),
    )


def _plain_answer(value: object) -> object:
    return value if isinstance(value, str | bool | list) else str(value)


def personal_data(registration: Registration, now: datetime | None = None) -> dict:
    """Everything kept about one person, as JSON-ready data: the registration, answers,
    choices with their states and times, check-in and attendance, the mail sent to them, and
    what organisers changed and looked at."""
    edition = registration.edition
    labels = {str(q.id): q.label for q in registrations.edition_questions(edition.id)}
    choice_ids = [choice.id for choice in registration.choices]
    messages = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.registration_id == registration.id)
        .order_by(OutboxMessage.id)
    ).all()
    changes = db.session.scalars(
        sa.select(AuditEntry).where(entries_about(AuditEntry, [registration.id], choice_ids))
    ).all()
    looked_at = db.session.scalars(
        sa.select(AccessEntry).where(entries_about(AccessEntry, [registration.id], choice_ids))
    ).all()
    return {
        "exported_at": _iso(now or _now()),
        "edition": {
            "slug": edition.slug,
            "title": edition.title,
            "starts_at": _iso(edition.starts_at),
            "ends_at": _iso(edition.ends_at),
            "venue": edition.venue,
        },
        "registration": {
            "first_name": registration.first_name,
            "last_name": registration.last_name,
            "email": registration.email,
            "organisation": registration.organisation,
            "role": registration.role,
            "dietary_needs": registration.dietary_needs,
            "access_needs": registration.access_needs,
            "newsletter": registration.newsletter,
            "language": registration.locale,
            "status": registration.status.value,
            "consent_at": _iso(registration.consent_at),
            "created_at": _iso(registration.created_at),
            "cancelled_at": _iso(registration.cancelled_at),
            "checked_in_at": _iso(registration.checked_in_at),
            "checked_out_at": _iso(registration.checked_out_at),
        },
        "register_numbers": accreditation.own_copy(registration.id),
        "answers": [
            {"question": labels.get(key, key), "answer": _plain_answer(value)}
            for key, value in (registration.answers or {}).items()
        ],
        "choices": [
            {
                "round": choice.round.name,
                "session": choice.session.title,
                "state": choice.state.value,
                "rank": choice.rank,
                "created_at": _iso(choice.created_at),
                "waitlisted_at": _iso(choice.waitlisted_at),
                "decided_at": _iso(choice.decided_at),
                "attended_at": _iso(choice.attended_at),
            }
            for choice in registration.choices
        ],
        "mail": [
            {
                "kind": message.kind,
                "to": message.recipient,
                "status": message.status.value,
                "queued_at": _iso(message.created_at),
                "sent_at": _iso(message.sent_at),
                # None for mail still waiting: it is written when it is sent
                "subject": message.subject,
                "text": message.text_body,
            }
            for message in messages
        ],
        "order": place_of(registration),
        "changes_by_organisers": [
            {"at": _iso(e.at), "action": e.action, "before": e.before, "after": e.after}
            for e in changes
        ],
        "evaluation_answers": evaluations.own_answers(registration),
        "harvest_mail": signals.own_copy(registration.id),
        "seen_by_organisers": [
            {"at": _iso(e.at), "action": e.action, "details": e.details} for e in looked_at
        ],
    }
