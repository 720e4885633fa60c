"""Personal data as the law asks: the privacy statement, a person's own copy of their data,
erasure at their request, and the purge of past editions.

Erasure and purge share the same steps: the person's fields are emptied, the mail sent to
them is removed or stripped, and the audit entries about them lose their name. The rows
stay, so the counts per session, statuses, check-ins and attendance remain as statistics
that no longer point to anyone.
"""

import calendar
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from symposium.accounts.models import User
from symposium.audit.models import AccessEntry, AuditEntry
from symposium.database import use_case
from symposium.documents import service as documents
from symposium.extensions import db
from symposium.mail.models import LinkRequest, MessageStatus, OutboxMessage
from symposium.program.models import Edition, Person, Session, session_speaker
from symposium.registration import service as registrations
from symposium.registration.models import Choice, Registration, new_manage_secret
from symposium.registration.tokens import read_manage_token
from symposium.text import safe_markdown
from symposium.validation import RuleError

log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def has_ended(edition: Edition, now: datetime | None = None) -> bool:
    return edition.ends_at <= (now or _now())


# -- the privacy statement -------------------------------------------------------------


def statement(edition: Edition | None) -> Markup | None:
    """The edition's own privacy statement as safe HTML (headings from h2 down, under the
    page's h1); None when it has none, and the page shows the standard text."""
    text = (edition.privacy_text or "").strip() if edition is not None else ""
    if not text:
        return None
    return safe_markdown(text, top_heading=2)


def purge_after_months(value: object) -> int | None:
    """SYMPOSIUM_PURGE_AFTER_MONTHS read: None (off) when unset or empty, else whole months."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "off")):
        return None
    if isinstance(value, bool):
        raise ValueError("SYMPOSIUM_PURGE_AFTER_MONTHS is a number of months, not true or false")
    text = str(value).strip()
    if not (text.isascii() and text.isdecimal()) or len(text) > 4:
        raise ValueError(
            f"SYMPOSIUM_PURGE_AFTER_MONTHS must be a whole number of months, not {value!r}; "
            "leave it unset to keep personal data until `flask purge`"
        )
    return int(text)


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (31 March - 1: 28/29 February)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


# -- a person's own copy -------------------------------------------------------------------


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
        sa.select(AuditEntry).where(_about(AuditEntry, [registration.id], choice_ids))
    ).all()
    looked_at = db.session.scalars(
        sa.select(AccessEntry).where(_about(AccessEntry, [registration.id], choice_ids))
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
        },
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
        "changes_by_organisers": [
            {"at": _iso(e.at), "action": e.action, "before": e.before, "after": e.after}
            for e in changes
        ],
        "seen_by_organisers": [
            {"at": _iso(e.at), "action": e.action, "details": e.details} for e in looked_at
        ],
    }


# -- the steps that remove personal data -----------------------------------------------

#: keys in audit values that hold what a person typed about themselves
PERSONAL_KEYS = frozenset(
    {
        "first_name",
        "last_name",
        "name",
        "email",
        "organisation",
        "dietary_needs",
        "access_needs",
        "answers",
        "recipient",
    }
)
#: the mail speakers get, addressed to their account (no registration to link it by)
SPEAKER_MAIL_KINDS = ("speaker_invitation", "speaker_sign_in")


def _about(model, registration_ids, choice_ids):
    """Entries whose target is one of these registrations or one of their choices."""
    return sa.or_(
        sa.and_(model.target_type == "registration", model.target_id.in_(registration_ids)),
        sa.and_(model.target_type == "choice", model.target_id.in_(choice_ids)),
    )


def _without_personal(values: dict | None) -> dict:
    return {k: v for k, v in (values or {}).items() if k not in PERSONAL_KEYS}


def anonymise_registrations(who: sa.Select, now: datetime) -> int:
    """Empty the personal fields and replace the link's secret, so the old link stops working.
    Status, role, language, times, choices, check-in and attendance stay, as statistics."""
    ids = db.session.scalars(who.where(Registration.erased_at.is_(None))).all()
    if ids:
        db.session.execute(
            sa.update(Registration),
            [
                {
                    "id": registration_id,
                    "first_name": "",
                    "last_name": "",
                    "email": "",
                    # unique per edition, so one value per row; says nothing about anyone
                    "email_key": f"erased-{registration_id}",
                    "organisation": "",
                    "dietary_needs": "",
                    "access_needs": "",
                    "newsletter": False,
                    "answers": {},
                    "manage_secret": new_manage_secret(),
                    "erased_at": now,
                }
                for registration_id in ids
            ],
        )
    return len(ids)


def _strip_messages(mine) -> int:
    """Mail not sent yet is removed; sent mail keeps its row (kind, status, times: the
    outbox's and mail-outs' counts) without its address or words."""
    removed = db.session.execute(
        sa.delete(OutboxMessage)
        .where(mine, OutboxMessage.status != MessageStatus.sent)
        .execution_options(synchronize_session=False)
    ).rowcount
    stripped = db.session.execute(
        sa.update(OutboxMessage)
        .where(mine, OutboxMessage.status == MessageStatus.sent, OutboxMessage.recipient != "")
        .values(
            recipient="",
            subject="",
            text_body="",
            html_body="",
            attachments=[],
            refs={},
            last_error=None,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    return removed + stripped


def strip_outbox(who: sa.Select, now: datetime) -> int:
    """The mail to these people."""
    return _strip_messages(OutboxMessage.registration_id.in_(who))


def scrub_audit(who: sa.Select, now: datetime) -> int:
    """Audit and access entries about these people lose the name and the personal values;
    what was done, when and by whom stays."""
    choice_ids = sa.select(Choice.id).where(Choice.registration_id.in_(who))
    changed = 0
    for entry in db.session.scalars(
        sa.select(AuditEntry).where(_about(AuditEntry, who, choice_ids))
    ):
        before, after = _without_personal(entry.before), _without_personal(entry.after)
        if entry.target_label or before != entry.before or after != entry.after:
            entry.target_label, entry.before, entry.after = "", before, after
            changed += 1
    for entry in db.session.scalars(
        sa.select(AccessEntry).where(_about(AccessEntry, who, choice_ids))
    ):
        details = _without_personal(entry.details)
        if entry.target_label or details != entry.details:
            entry.target_label, entry.details = "", details
            changed += 1
    db.session.flush()
    return changed


def forget_speaker_addresses(edition: Edition, now: datetime) -> int:
    """Speakers stay on the program (name, affiliation, bio, photo: public), but a speaker
    who speaks at no edition whose data is still kept loses their address: the e-mail on
    their entry, their sign-in account and links, and the mail sent to it."""
    kept = sa.and_(Edition.purged_at.is_(None), Edition.id != edition.id)
    speaking = sa.select(session_speaker.c.person_id).join(
        Session, Session.id == session_speaker.c.session_id
    )
    taking_notes = sa.select(Session.summary_note_taker_id).where(
        Session.summary_note_taker_id.is_not(None)
    )
    here = sa.union(
        speaking.where(Session.edition_id == edition.id),
        taking_notes.where(Session.edition_id == edition.id),
    )
    still_needed = sa.union(
        speaking.join(Edition, Edition.id == Session.edition_id).where(kept),
        taking_notes.join(Edition, Edition.id == Session.edition_id).where(kept),
    )
    people = db.session.scalars(
        sa.select(Person).where(Person.id.in_(here), Person.id.not_in(still_needed))
    ).all()
    forgotten = 0
    for person in people:
        accounts = db.session.scalars(sa.select(User).where(User.person_id == person.id)).all()
        addresses = {a.lower() for a in [person.email, *(u.email for u in accounts)] if a}
        if not addresses:
            continue
        _strip_messages(
            sa.and_(
                OutboxMessage.kind.in_(SPEAKER_MAIL_KINDS),
                sa.func.lower(OutboxMessage.recipient).in_(addresses),
            )
        )
        for entry in db.session.scalars(
            sa.select(AuditEntry).where(
                AuditEntry.target_type == "person", AuditEntry.target_id == person.id
            )
        ):
            entry.before, entry.after = (
                _without_personal(entry.before),
                _without_personal(entry.after),
            )
        for account in accounts:
            # The log keeps who did it by the public name, not by the address.
            for model in (AuditEntry, AccessEntry):
                db.session.execute(
                    sa.update(model)
                    .where(model.actor_id == account.id)
                    .values(actor_email=person.name[:254])
                    .execution_options(synchronize_session=False)
                )
            db.session.delete(account)  # its sign-in links go with it
        person.email = None
        forgotten += 1
    db.session.flush()
    return forgotten


#: Erasing one person, and purging everyone of an edition: (whose registration ids, now)
#: -> rows changed. Each removes one kind of data.
PERSON_STEPS: list[Callable[[sa.Select, datetime], int]] = [
    anonymise_registrations,
    strip_outbox,
    scrub_audit,
    documents.forget_documents,
]


#: What a purge removes beyond the people, in the same transaction: (edition, now).
def forget_link_requests(edition: Edition, now: datetime) -> int:
    """ "Send my link" requests the worker has not looked up yet hold a typed address."""
    deleted = sa.delete(LinkRequest).where(LinkRequest.edition_id == edition.id)
    return db.session.execute(deleted).rowcount


EDITION_STEPS: list[Callable[[Edition, datetime], int]] = [
    forget_speaker_addresses,
    forget_link_requests,
]
#: Files with personal data, removed after the database is committed (a file cannot be
#: rolled back, so a failure here leaves the database purged and the purge can run again):
#: (edition) -> files removed. The hook for generated documents, e.g. the badges and
#: certificates in instance/documents/<edition id>/; keep what holds no personal data.
FILE_STEPS: list[Callable[[Edition], int]] = []


# -- erasure at the person's request ---------------------------------------------------


@use_case
def erase(registration_id: int, now: datetime | None = None) -> None:
    """Erase one person's data. Before the symposium has ended their registration is
    cancelled first, exactly as they could themselves (seats to the waiting lists, who are
    mailed); afterwards nothing is cancelled, so the attendance figures stay true."""
    now = now or _now()
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.erased_at is not None:
        return
    if not has_ended(registration.edition, now):
        registrations.cancel(registration_id)

    who = sa.select(Registration.id).where(Registration.id == registration_id)
    for step in PERSON_STEPS:
        step(who, now)


def erased_link(token: str, secret_key: str) -> bool:
    """Whether a manage link we signed points to a registration whose data was erased."""
    carried = read_manage_token(secret_key, token)
    if carried is None:
        return False
    return (
        db.session.scalar(sa.select(Registration.erased_at).where(Registration.id == carried[0]))
        is not None
    )


# -- purging a past edition ------------------------------------------------------------


class PurgeRefused(RuleError):
    """Purging refused; `message` says why."""


@dataclass
class PurgeReport:
    slug: str
    #: step name -> rows (or files) changed
    counts: dict[str, int] = field(default_factory=dict)
    #: True when the edition had been purged before (the steps ran again, changing nothing new)
    again: bool = False


def purge_edition(edition_id: int, now: datetime | None = None) -> PurgeReport:
    """Remove the personal data of an edition that has ended; counts, the program, session
    summaries and materials stay. Safe to run again."""
    now = now or _now()
    report = _purge_rows(edition_id, now)
    edition = db.session.get(Edition, edition_id)
    for step in FILE_STEPS:
        report.counts[step.__name__] = step(edition)
    return report


@use_case
def _purge_rows(edition_id: int, now: datetime) -> PurgeReport:
    """The rows' part of purging, in one transaction; the files follow once it is committed."""
    edition = db.session.get(Edition, edition_id, with_for_update=True)
    if not has_ended(edition, now):
        raise PurgeRefused(
            _l(
                "Edition %(slug)s has not ended yet: its personal data is still needed.",
                slug=edition.slug,
            )
        )
    report = PurgeReport(edition.slug, again=edition.purged_at is not None)
    who = sa.select(Registration.id).where(Registration.edition_id == edition.id)
    for step in PERSON_STEPS:
        report.counts[step.__name__] = step(who, now)
    for step in EDITION_STEPS:
        report.counts[step.__name__] = step(edition, now)
    edition.purged_at = edition.purged_at or now
    return report


def purge_due(now: datetime, months: int) -> list[PurgeReport]:
    """Purge every edition that ended more than `months` months ago and was not purged yet.
    One edition that fails is logged and left for the next run; the others go ahead."""
    cutoff = months_before(now, months)
    due = db.session.scalars(
        sa.select(Edition.id)
        .where(Edition.purged_at.is_(None), Edition.ends_at <= cutoff)
        .order_by(Edition.ends_at)
    ).all()
    db.session.rollback()
    reports = []
    for edition_id in due:
        try:
            reports.append(purge_edition(edition_id, now))
        except Exception:
            db.session.rollback()
            log.exception("could not purge the personal data of edition %s", edition_id)
    return reports
