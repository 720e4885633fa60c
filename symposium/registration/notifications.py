"""The mail people get about their registration.

Each message is queued in the transaction of the change that causes it, as a reference
(which registration, which session); it is written out in the person's language when the
worker sends it, so that a sign-up holds its write lock only for the rows it changes.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from symposium.extensions import db
from symposium.i18n import localized
from symposium.mail.outbox import Attachment, Mail, builder, preloader, queue_later
from symposium.program.models import Edition, Session
from symposium.registration.calendar import personal_calendar
from symposium.registration.models import Choice, Registration, RegistrationStatus
from symposium.registration.personal import manage_token, personal_program
from symposium.registration.seats import Promotion
from symposium.urls import external_url

# What each kind of message is called; `r` is the registration, `x` the extra references.
SUBJECTS = {
    "confirmation": lambda r, x: (
        _("You are on the waiting list for %(title)s", title=localized(r.edition, "title"))
        if x["waitlisted"]
        else _("Your registration for %(title)s", title=localized(r.edition, "title"))
    ),
    "choice_changed": lambda r, x: _(
        "Your program for %(title)s has changed", title=localized(r.edition, "title")
    ),
    "cancelled": lambda r, x: _(
        "Your registration for %(title)s is cancelled", title=localized(r.edition, "title")
    ),
    "waitlist_joined": lambda r, x: _(
        "You are on the waiting list for %(title)s", title=localized(x["session"], "title")
    ),
    "promoted": lambda r, x: _(
        "You have a seat in %(title)s", title=localized(x["session"], "title")
    ),
    "venue_promoted": lambda r, x: _(
        "A place has come free: you are signed up for %(title)s",
        title=localized(r.edition, "title"),
    ),
    "manage_link": lambda r, x: _("Your link for %(title)s", title=localized(r.edition, "title")),
    "reminder": lambda r, x: _("See you soon at %(title)s", title=localized(r.edition, "title")),
    "program_changed": lambda r, x: _(
        "Change in the program: %(title)s",
        title=localized(x["session"] or r.edition, "title"),
    ),
    "allocated": lambda r, x: _("Your seats for %(title)s", title=localized(r.edition, "title")),
}
#: these carry the personal program as a calendar file
WITH_CALENDAR = {
    "confirmation",
    "choice_changed",
    "promoted",
    "venue_promoted",
    "reminder",
    "allocated",
}


def _queue(kind: str, key: str, registration: Registration, **refs) -> None:
    queue_later(
        kind,
        key,
        registration.email,
        {"registration_id": registration.id, **refs},
        registration_id=registration.id,
    )


@preloader
def _load_batch(refs: list[dict]) -> list:
    """The registrations of a batch with their choices, and their editions with rounds and
    sessions, in four queries: the builders then find every row in the session."""
    ids = {r["registration_id"] for r in refs if r.get("registration_id")}
    if not ids:
        return []
    registrations = db.session.scalars(
        sa.select(Registration)
        .where(Registration.id.in_(ids))
        .options(selectinload(Registration.choices))
    ).all()
    editions = {registration.edition_id for registration in registrations}
    return [
        *registrations,
        *db.session.scalars(
            sa.select(Edition)
            .where(Edition.id.in_(editions))
            .options(selectinload(Edition.rounds), selectinload(Edition.sessions))
        ),
    ]


def _build(kind: str, refs: dict) -> Mail | None:
    """The message as it is sent now; None when its registration or session is gone."""
    registration = db.session.get(Registration, refs["registration_id"])
    session = db.session.get(Session, refs["session_id"]) if refs.get("session_id") else None
    if registration is None or (refs.get("session_id") and session is None):
        return None
    extra = {
        "session": session,
        "released": db.session.get(Session, refs["released_id"])
        if refs.get("released_id")
        else None,
        "changes": refs.get("changes", []),
        #: the whole program moved to another day: [start before, start after]
        "moved": [datetime.fromisoformat(moment) for moment in refs.get("moved", [])],
        #: the sign-up landed on the venue's waiting list (whatever happened since)
        "waitlisted": refs.get("waitlisted", False),
    }
    plan = personal_program(registration)
    token = manage_token(registration)  # signed once, for both links
    link = external_url("registration.manage", token=token)
    attachments = []
    if kind in WITH_CALENDAR and registration.status == RegistrationStatus.confirmed:
        attachments.append(
            Attachment(
                filename="programma.ics",
                content_type="text/calendar",
                content=personal_calendar(registration, plan, link),
            )
        )
    return Mail(
        kind=kind,
        dedupe_key="",
        recipient=registration.email,
        locale=registration.locale,
        subject=lambda: SUBJECTS[kind](registration, extra),
        context={
            "registration": registration,
            "edition": registration.edition,
            "plan": plan,
            "manage_url": link,
            "confirm_url": external_url("registration.confirm_email", token=token)
            if registration.awaiting_confirmation
            else None,
            "statuses": RegistrationStatus,
            **extra,
        },
        attachments=attachments,
        registration_id=registration.id,
    )


for _kind in SUBJECTS:
    builder(_kind)(lambda refs, kind=_kind: _build(kind, refs))


def _quarter_hour(now: datetime) -> str:
    return now.strftime("%Y%m%d%H") + str(now.minute // 15)


def confirmation(
    registration: Registration,
    again_at: datetime | None = None,
    rejoined_at: datetime | None = None,
) -> None:
    """The sign-up confirmation; `again_at` sends it once more, at most once a quarter hour;
    `rejoined_at` confirms a cancelled registration taken up again."""
    key = f"confirmation:{registration.id}"
    if again_at is not None:
        key += f":again:{_quarter_hour(again_at)}"
    if rejoined_at is not None:
        key += f":rejoined:{rejoined_at.isoformat()}"
    waitlisted = registration.status == RegistrationStatus.waitlisted
    _queue("confirmation", key, registration, waitlisted=waitlisted)


def choice_changed(registration: Registration, key: str) -> None:
    _queue("choice_changed", f"changed:{registration.id}:{key}", registration)


def cancelled(registration: Registration) -> None:
    # A registration taken up again may be cancelled again: one mail per cancellation.
    when = registration.cancelled_at.isoformat() if registration.cancelled_at else ""
    _queue("cancelled", f"cancelled:{registration.id}:{when}", registration)


def waitlist_joined(choice: Choice) -> None:
    _queue(
        "waitlist_joined",
        f"waitlist:{choice.id}",
        choice.registration,
        session_id=choice.session_id,
    )


def promoted(choice: Choice, released: Session | None) -> None:
    _queue(
        "promoted",
        f"promotion:{choice.id}",
        choice.registration,
        session_id=choice.session_id,
        released_id=released.id if released else None,
    )


def promotions(done: list[Promotion]) -> list[Choice]:
    """Mail everyone the seat rules promoted from a waiting list; their new choices."""
    for promotion in done:
        promoted(promotion.choice, promotion.released)
    return [promotion.choice for promotion in done]


def venue_promoted(registration: Registration) -> None:
    _queue("venue_promoted", f"venue-promotion:{registration.id}", registration)


def manage_link(registration: Registration, now: datetime | None = None) -> None:
    """At most one a quarter of an hour, so that a double click sends one message."""
    now = now or datetime.now(UTC)
    _queue("manage_link", f"link:{registration.id}:{_quarter_hour(now)}", registration)


def reminder(registration: Registration) -> None:
    _queue("reminder", f"reminder:{registration.edition_id}:{registration.id}", registration)


def program_changed(registration: Registration, session: Session, changes: list, key: str) -> None:
    """changes: (what, before, after) as text for people."""
    _queue(
        "program_changed",
        f"program-change:{session.id}:{key}:{registration.id}",
        registration,
        session_id=session.id,
        changes=[[str(part) for part in change] for change in changes],
    )


def allocated(registration: Registration, key: str) -> None:
    """The seats the ranked allocation gave, as the personal program; `key` names the run."""
    _queue("allocated", f"allocated:{registration.id}:{key}", registration)


def edition_moved(registration: Registration, before: datetime, after: datetime, key: str):
    """The symposium moved to another day, its whole program along: one program-change
    mail per person (`key` names the program version the move made)."""
    _queue(
        "program_changed",
        f"program-change:edition-{registration.edition_id}:{key}:{registration.id}",
        registration,
        moved=[before.isoformat(), after.isoformat()],
    )
