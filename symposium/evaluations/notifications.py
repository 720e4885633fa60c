"""The evaluation's mail: the invitation after the day, one reminder, and to speakers the
news that their results are in. Queued as references; written when the worker sends them.

The worker's scheduled job (`queue_due_mails`) decides what is due, as the reminders before
the day are decided: by a dedupe key per edition and person, so that each goes once.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from symposium.accounts.models import User
from symposium.database import use_case
from symposium.evaluations import service
from symposium.evaluations.forms import set_up
from symposium.extensions import db
from symposium.i18n import localized
from symposium.mail.models import OutboxMessage
from symposium.mail.outbox import Mail, builder, queue_later
from symposium.program.models import Edition, EditionStatus, Person
from symposium.registration.models import Registration
from symposium.registration.personal import manage_token, manage_url
from symposium.urls import external_url

#: speakers hear of their results up to this long after the forms closed (not for old years)
RESULTS_MAIL_WINDOW = timedelta(days=7)


def _form_links(registration: Registration, items: list[service.PersonalForm]) -> list:
    token = manage_token(registration)
    return [
        (
            item,
            external_url("evaluation_forms.fill", token=token, form=item.slug),
        )
        for item in items
    ]


def _attendee_mail(kind: str, refs: dict) -> Mail | None:
    """None when the person has nothing (left) to fill in."""
    registration = db.session.get(Registration, refs["registration_id"])
    if registration is None or registration.erased_at is not None:
        return None
    items = service.personal_forms(registration)
    if kind == "evaluation_reminder":
        items = [item for item in items if not item.answered]
    if not items:
        return None
    edition = registration.edition
    closes_at = items[0].closes_at
    return Mail(
        kind=kind,
        dedupe_key="",
        recipient=registration.email,
        locale=registration.locale,
        subject=lambda: (
            _("Reminder: what did you think of %(title)s?", title=localized(edition, "title"))
            if kind == "evaluation_reminder"
            else _("What did you think of %(title)s?", title=localized(edition, "title"))
        ),
        context={
            "registration": registration,
            "edition": edition,
            "links": _form_links(registration, items),
            "closes_at": closes_at,
            "manage_url": manage_url(registration),
        },
        registration_id=registration.id,
    )


builder("evaluation_invitation")(lambda refs: _attendee_mail("evaluation_invitation", refs))
builder("evaluation_reminder")(lambda refs: _attendee_mail("evaluation_reminder", refs))


@builder("evaluation_results")
def _results_mail(refs: dict) -> Mail | None:
    person = db.session.get(Person, refs["person_id"])
    edition = db.session.get(Edition, refs["edition_id"])
    if person is None or edition is None or not person.email:
        return None
    sessions = [s for s in person.sessions if s.edition_id == edition.id]
    if not sessions:
        return None
    user = db.session.scalar(sa.select(User).where(User.person_id == person.id))
    return Mail(
        kind="evaluation_results",
        dedupe_key="",
        recipient=person.email,
        locale=user.locale if user else "nl",
        subject=lambda: _(
            "The evaluation of your session at %(title)s", title=localized(edition, "title")
        ),
        context={
            "person": person,
            "edition": edition,
            "links": [
                (s, external_url("speaker_evaluations.session_results", session_id=s.id))
                for s in sessions
            ],
        },
    )


def _not_queued(prefix: str):
    key = sa.literal(prefix) + sa.cast(Registration.id, sa.String)
    return ~sa.exists().where(OutboxMessage.dedupe_key == key)


def _queue_attendees(edition: Edition, kind: str, prefix: str, now: datetime) -> int:
    candidates = db.session.scalars(
        sa.select(Registration).where(
            Registration.edition_id == edition.id,
            Registration.erased_at.is_(None),
            service.was_there_condition(),
            _not_queued(prefix),
        )
    ).all()
    queued = 0
    for registration in candidates:
        items = service.personal_forms(registration, now)
        if kind == "evaluation_reminder":
            items = [item for item in items if not item.answered]
        if items:
            queue_later(
                kind,
                f"{prefix}{registration.id}",
                registration.email,
                {"registration_id": registration.id},
                registration_id=registration.id,
            )
            queued += 1
    return queued


def queue_results_mail(edition: Edition) -> int:
    """Tell each speaker with an address that the results of their sessions are in."""
    speakers = {
        person.id: person
        for session in edition.sessions
        for person in session.speakers
        if person.email
    }
    keys = {f"evaluation-results:{edition.id}:{person_id}": person_id for person_id in speakers}
    done = set(
        db.session.scalars(
            sa.select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(list(keys)))
        )
    )
    for key, person_id in keys.items():
        if key not in done:
            queue_later(
                "evaluation_results",
                key,
                speakers[person_id].email,
                {"person_id": person_id, "edition_id": edition.id},
            )
    return len(keys) - len(done)


@use_case
def send_results_now(edition_id: int) -> int:
    """The organisers' button: mail the speakers now rather than when the forms close."""
    return queue_results_mail(db.session.get(Edition, edition_id))


@use_case
def queue_due_mails(now: datetime) -> int:
    """The worker's job: invitations after the day's last session, the reminder after N
    days to whoever has a form left, and the results to speakers when the forms close."""
    recent = db.session.scalars(
        sa.select(Edition).where(
            Edition.status != EditionStatus.draft,
            Edition.starts_at <= now,
            Edition.starts_at > now - timedelta(days=120),
        )
    ).all()
    queued = 0
    for edition in recent:
        when = service.timing(edition)
        if when.day_ends <= now < when.closes_at:
            set_up(edition.id)
            queued += _queue_attendees(
                edition, "evaluation_invitation", f"evaluation-invite:{edition.id}:", now
            )
            if now >= when.reminder_at:
                queued += _queue_attendees(
                    edition, "evaluation_reminder", f"evaluation-reminder:{edition.id}:", now
                )
        elif when.closes_at <= now < when.closes_at + RESULTS_MAIL_WINDOW:
            queued += queue_results_mail(edition)
    return queued
