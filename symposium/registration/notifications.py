"""The mail people get about their registration, queued in the transaction of the change."""

from datetime import UTC, datetime

from flask_babel import gettext as _

from symposium.mail.outbox import Attachment, Mail, queue
from symposium.program.models import Session
from symposium.registration.calendar import personal_calendar
from symposium.registration.models import Choice, Registration, RegistrationStatus
from symposium.registration.personal import manage_url, personal_program


def _mail(kind: str, key: str, registration: Registration, subject, with_calendar=False, **extra):
    plan = personal_program(registration)
    link = manage_url(registration)
    attachments = []
    if with_calendar and registration.status == RegistrationStatus.confirmed:
        attachments.append(
            Attachment(
                filename="programma.ics",
                content_type="text/calendar",
                content=personal_calendar(registration, plan, link),
            )
        )
    queue(
        Mail(
            kind=kind,
            dedupe_key=key,
            recipient=registration.email,
            locale=registration.locale,
            subject=subject,
            context={
                "registration": registration,
                "edition": registration.edition,
                "plan": plan,
                "manage_url": link,
                "statuses": RegistrationStatus,
                **extra,
            },
            attachments=attachments,
            registration_id=registration.id,
        )
    )


def confirmation(registration: Registration) -> None:
    title = registration.edition.title

    def subject():
        if registration.status == RegistrationStatus.waitlisted:
            return _("You are on the waiting list for %(title)s", title=title)
        return _("Your registration for %(title)s", title=title)

    _mail(
        "confirmation",
        f"confirmation:{registration.id}",
        registration,
        subject,
        with_calendar=True,
    )


def choice_changed(registration: Registration, key: str) -> None:
    _mail(
        "choice_changed",
        f"changed:{registration.id}:{key}",
        registration,
        lambda: _("Your program for %(title)s has changed", title=registration.edition.title),
        with_calendar=True,
    )


def cancelled(registration: Registration) -> None:
    _mail(
        "cancelled",
        f"cancelled:{registration.id}",
        registration,
        lambda: _("Your registration for %(title)s is cancelled", title=registration.edition.title),
    )


def waitlist_joined(choice: Choice) -> None:
    _mail(
        "waitlist_joined",
        f"waitlist:{choice.id}",
        choice.registration,
        lambda: _("You are on the waiting list for %(title)s", title=choice.session.title),
        session=choice.session,
    )


def promoted(choice: Choice, released: Session | None) -> None:
    _mail(
        "promoted",
        f"promotion:{choice.id}",
        choice.registration,
        lambda: _("You have a seat in %(title)s", title=choice.session.title),
        with_calendar=True,
        session=choice.session,
        released=released,
    )


def venue_promoted(registration: Registration) -> None:
    _mail(
        "venue_promoted",
        f"venue-promotion:{registration.id}",
        registration,
        lambda: _(
            "A place has come free: you are signed up for %(title)s",
            title=registration.edition.title,
        ),
        with_calendar=True,
    )


def manage_link(registration: Registration, now: datetime | None = None) -> None:
    """At most one a quarter of an hour, so that a double click sends one message."""
    now = now or datetime.now(UTC)
    bucket = now.strftime("%Y%m%d%H") + str(now.minute // 15)
    _mail(
        "manage_link",
        f"link:{registration.id}:{bucket}",
        registration,
        lambda: _("Your link for %(title)s", title=registration.edition.title),
    )


def reminder(registration: Registration) -> None:
    _mail(
        "reminder",
        f"reminder:{registration.edition_id}:{registration.id}",
        registration,
        lambda: _("See you soon at %(title)s", title=registration.edition.title),
        with_calendar=True,
    )


def program_changed(registration: Registration, session: Session, changes: list, key: str) -> None:
    """changes: (what, before, after) as text for people."""
    _mail(
        "program_changed",
        f"program-change:{session.id}:{key}:{registration.id}",
        registration,
        lambda: _("Change in the program: %(title)s", title=session.title),
        session=session,
        changes=changes,
    )
