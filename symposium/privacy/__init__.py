"""Personal data as the law asks: the privacy statement, a person's own copy of their data,
erasure at their request, and the purge of past editions.

Erasure and purge share the same steps: the person's fields are emptied, the mail sent to
them is removed or stripped, and the audit entries about them lose their name. The rows
stay, so the counts per session, statuses, check-ins and attendance remain as statistics
that no longer point to anyone.
"""

import calendar
import getpass
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from symposium.accounts.models import User
from symposium.accreditation import service as accreditation
from symposium.audit import service as audit
from symposium.audit.models import AccessEntry, AuditEntry
from symposium.audit.service import Actor
from symposium.database import truncate_write_ahead_log, use_case
from symposium.extensions import db
from symposium.mail.models import LinkRequest, MessageStatus, OutboxMessage
from symposium.privacy import orders
from symposium.privacy.own_copy import entries_about
from symposium.privacy.own_copy import personal_data as personal_data
from symposium.program.models import Edition, Person, Session, session_speaker
from symposium.registration import service as registrations
from symposium.registration.models import Choice, Registration, new_manage_secret
from symposium.registration.tokens import read_manage_token
from symposium.signals import publishing as signal_data
from symposium.text import safe_markdown
from symposium.validation import RuleError

log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


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
                    "sort_last": "",
                    "sort_first": "",
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
        sa.select(AuditEntry).where(entries_about(AuditEntry, who, choice_ids))
    ):
        before, after = _without_personal(entry.before), _without_personal(entry.after)
        if entry.target_label or before != entry.before or after != entry.after:
            entry.target_label, entry.before, entry.after = "", before, after
            changed += 1
    for entry in db.session.scalars(
        sa.select(AccessEntry).where(entries_about(AccessEntry, who, choice_ids))
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


def forget_documents(who: sa.Select, now: datetime) -> int:
    """Their badges and certificates (symposium.documents.service.forget_documents),
    imported when someone is erased rather than by every process at start-up."""
    from symposium.documents import service as documents

    return documents.forget_documents(who, now)


#: Erasing one person, and purging everyone of an edition: (whose registration ids, now)
#: -> rows changed. Each removes one kind of data.
PERSON_STEPS: list[Callable[[sa.Select, datetime], int]] = [
    anonymise_registrations,
    strip_outbox,
    scrub_audit,
    forget_documents,
    accreditation.forget_numbers,
    orders.forget_order_places,
    signal_data.forget_subscriptions,
]


#: What a purge removes beyond the people, in the same transaction: (edition, now).
def forget_link_requests(edition: Edition, now: datetime) -> int:
    """ "Send my link" requests the worker has not looked up yet hold a typed address."""
    deleted = sa.delete(LinkRequest).where(LinkRequest.edition_id == edition.id)
    return db.session.execute(deleted).rowcount


EDITION_STEPS: list[Callable[[Edition, datetime], int]] = [
    forget_speaker_addresses,
    forget_link_requests,
    orders.forget_order_contacts,
    signal_data.forget_signal_names,
]
#: Files with personal data, removed after the database is committed (a file cannot be
#: rolled back, so a failure here leaves the database purged and the purge can run again):
#: (edition) -> files removed. The hook for generated documents, e.g. the badges and
#: certificates in instance/documents/<edition id>/; keep what holds no personal data.
FILE_STEPS: list[Callable[[Edition], int]] = []


# -- erasure at the person's request ---------------------------------------------------


def _gone_from_disk() -> None:
    """After the commit: what the database file keeps beside the rows goes too (SQLite's
    write-ahead log holds the old versions of every changed page until it is emptied)."""
    db.session.rollback()  # no read of our own holding on to an older version
    truncate_write_ahead_log(db.engine)


def erase(registration_id: int, now: datetime | None = None) -> None:
    """Erase one person's data. Before the symposium has ended their registration is
    cancelled first, exactly as they could themselves (seats to the waiting lists, who are
    mailed); afterwards nothing is cancelled, so the attendance figures stay true."""
    _erase_rows(registration_id, now or _now())
    _gone_from_disk()


@use_case
def _erase_rows(registration_id: int, now: datetime) -> None:
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


#: How a purge was started, as the audit log keeps it beside who ran it.
RAN_BY_ORGANISER, RAN_BY_COMMAND_LINE, RAN_BY_RETENTION = "organiser", "command_line", "retention"


def command_line_actor() -> Actor:
    """Who runs `flask purge`: the system user, as far as the machine knows."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this user id, as in some containers
        user = "?"
    return Actor(None, f"{user} (flask purge)")


def retention_actor(months: int) -> Actor:
    return Actor(None, f"SYMPOSIUM_PURGE_AFTER_MONTHS={months}")


@dataclass
class PurgeReport:
    slug: str
    #: step name -> rows (or files) changed
    counts: dict[str, int] = field(default_factory=dict)
    #: True when the edition had been purged before (the steps ran again, changing nothing new)
    again: bool = False
    #: the audit log's entry about this purge
    entry_id: int | None = None


def purge_edition(
    edition_id: int,
    actor: Actor,
    ran_by: str = RAN_BY_ORGANISER,
    now: datetime | None = None,
) -> PurgeReport:
    """Remove the personal data of an edition that has ended; counts, the program, session
    summaries and materials stay. The audit log says who ran it (an organiser, someone at
    the command line, or the worker by the retention setting), when, and the counts. Safe
    to run again."""
    now = now or _now()
    report = _purge_rows(edition_id, actor, ran_by, now)
    if FILE_STEPS:
        edition = db.session.get(Edition, edition_id)
        files = {step.__name__: step(edition) for step in FILE_STEPS}
        report.counts.update(files)
        _add_to_entry(report.entry_id, files)
    _gone_from_disk()
    return report


@use_case
def _add_to_entry(entry_id: int, counts: dict[str, int]) -> None:
    entry = db.session.get(AuditEntry, entry_id)
    entry.after = {**entry.after, **counts}


@use_case
def _purge_rows(edition_id: int, actor: Actor, ran_by: str, now: datetime) -> PurgeReport:
    """The rows' part of purging and its audit entry, in one transaction; the files follow
    once it is committed."""
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
    entry = audit.record(
        actor,
        "edition.purge",
        edition,
        after={"ran_by": ran_by, **report.counts, "again": report.again},
        edition_id=edition.id,
    )
    db.session.flush()
    report.entry_id = entry.id
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
            reports.append(
                purge_edition(edition_id, retention_actor(months), RAN_BY_RETENTION, now)
            )
        except Exception:
            db.session.rollback()
            log.exception("could not purge the personal data of edition %s", edition_id)
    return reports
