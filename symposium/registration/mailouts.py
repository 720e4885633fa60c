"""Organiser mail-outs: Markdown with placeholders, to a segment, one outbox message each."""

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

import nh3
import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from symposium.database import use_case
from symposium.extensions import db
from symposium.mail.models import Mailout, OutboxMessage
from symposium.mail.outbox import Mail, queue
from symposium.registration.models import Registration
from symposium.registration.personal import manage_url
from symposium.registration.reading import SEGMENTS, segment
from symposium.text import has_control_characters
from symposium.validation import RuleError

PLACEHOLDER = re.compile(r"\{([^{}\s]*)\}")
PLACEHOLDERS = {
    "voornaam": "first_name",
    "first_name": "first_name",
    "achternaam": "last_name",
    "last_name": "last_name",
    "beheerlink": "manage_link",
    "manage_link": "manage_link",
}
BUTTON = (
    '<a href="{0}" style="display:inline-block;padding:12px 20px;background:#14507a;'
    'color:#ffffff;text-decoration:none;border-radius:4px;font-weight:bold">{1}</a>'
)
RAW_HTML = re.compile(r"<\s*/?\s*[a-zA-Z!]")


@cache
def _markdown():
    from markdown_it import MarkdownIt  # here: it took every process ~15 ms at start-up

    # "breaks": a single line break, as in an address or a list of times, stays one.
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True})


@dataclass
class MailoutDraft:
    edition_id: int
    subject: str
    body: str
    segment: str
    session_id: int | None = None
    #: the English version for people who signed up in English; empty: Dutch for all
    subject_en: str = ""
    body_en: str = ""

    def in_language(self, language: str) -> tuple[str, str]:
        """Subject and body for a reader of `language`."""
        if language == "en" and self.body_en.strip():
            return self.subject_en, self.body_en
        return self.subject, self.body


class MailoutError(RuleError):
    message = "mail-out refused"


def check(draft: MailoutDraft) -> dict[str, list]:
    """Every problem with a draft; empty when it can be sent."""
    errors: dict[str, list] = {}
    english = bool(draft.subject_en.strip() or draft.body_en.strip())
    for suffix in ("", "_en") if english else ("",):
        subject, body = getattr(draft, f"subject{suffix}"), getattr(draft, f"body{suffix}")
        if not subject.strip():
            errors[f"subject{suffix}"] = [_l("Enter a subject.")]
        elif len(subject) > 300:
            errors[f"subject{suffix}"] = [_l("Use at most %(limit)d characters.", limit=300)]
        elif has_control_characters(subject):
            # A line break in a subject would start a header of its own: no mail library sends it.
            errors[f"subject{suffix}"] = [
                _l("Keep the subject on one line, without control characters.")
            ]
        if not body.strip():
            errors[f"body{suffix}"] = [_l("Write the message.")]
        elif len(body) > 50_000:
            errors[f"body{suffix}"] = [_l("Use at most %(limit)d characters.", limit=50_000)]
        elif has_control_characters(body, multiline=True):
            errors[f"body{suffix}"] = [_l("Remove the control characters from the message.")]
        elif RAW_HTML.search(body):
            errors[f"body{suffix}"] = [
                _l("Write the message in Markdown; HTML and scripts are not allowed.")
            ]
    for field in ("subject", "body", "subject_en", "body_en"):
        unknown = sorted(
            {name for name in PLACEHOLDER.findall(getattr(draft, field))} - set(PLACEHOLDERS)
        )
        if unknown:
            errors.setdefault(field, []).append(
                _l(
                    "Unknown placeholder: %(names)s. Use {first_name}, {last_name} or "
                    "{manage_link}.",
                    names=", ".join(f"{{{name}}}" for name in unknown),
                )
            )
    if draft.segment not in SEGMENTS:
        errors["segment"] = [_l("Choose who receives this message.")]
    elif draft.segment == "session" and draft.session_id is None:
        errors["session_id"] = [_l("Choose the session whose attendees receive this message.")]
    elif not errors and not recipients(draft):
        errors["segment"] = [_l("Nobody is in this group: nothing would be sent.")]
    return errors


def recipients(draft: MailoutDraft) -> list[Registration]:
    return segment(draft.edition_id, draft.segment, draft.session_id)


def _values(registration: Registration) -> dict[str, str]:
    return {
        "first_name": registration.first_name,
        "last_name": registration.last_name,
        "manage_link": manage_url(registration),
    }


def personalise(draft: MailoutDraft, registration: Registration) -> dict:
    """Subject, text and HTML for one recipient; values are escaped in the HTML."""
    values = _values(registration)
    with force_locale(registration.locale):
        button = _("See or change your registration")

    def fill(text: str, html: bool) -> str:
        def value(match: re.Match) -> str:
            key = PLACEHOLDERS[match.group(1)]
            if html and key == "manage_link":
                return str(Markup(BUTTON).format(values[key], button))  # format escapes both  # nosec B704
            return str(escape(values[key])) if html else values[key]

        return PLACEHOLDER.sub(value, text)

    subject, body = draft.in_language(registration.locale)
    html = nh3.clean(_markdown().render(body))
    return {
        "subject": fill(subject, html=False),
        "body_text": fill(body, html=False),
        "body_html": Markup(fill(html, html=True)),  # nh3-cleaned, values escaped  # nosec B704
    }


@use_case
def send(draft: MailoutDraft, sender_id: int | None) -> Mailout:
    """Queue one message per recipient, in one transaction."""

    errors = check(draft)
    if errors:
        raise MailoutError(errors)
    mailout = Mailout(
        edition_id=draft.edition_id,
        subject=draft.subject,
        body=draft.body,
        subject_en=draft.subject_en,
        body_en=draft.body_en,
        segment=draft.segment,
        session_id=draft.session_id,
        created_by_id=sender_id,
    )
    db.session.add(mailout)
    db.session.flush()
    people = recipients(draft)
    for registration in people:
        content = personalise(draft, registration)
        queue(
            Mail(
                kind="mailout",
                dedupe_key=f"mailout:{mailout.id}:{registration.id}",
                recipient=registration.email,
                locale=registration.locale,
                subject=content["subject"],
                context={"edition": registration.edition, **content},
                registration_id=registration.id,
            )
        )
    mailout.recipients = len(people)
    return mailout


def progress(mailout_id: int) -> Counter:
    """How many of a mail-out's messages are queued, sent and failed."""
    return Counter(
        dict(
            db.session.execute(
                sa.select(OutboxMessage.status, sa.func.count())
                .where(OutboxMessage.dedupe_key.startswith(f"mailout:{mailout_id}:"))
                .group_by(OutboxMessage.status)
            ).all()
        )
    )


@dataclass
class PastMailout:
    mailout: Mailout
    counts: Counter

    @property
    def done(self) -> bool:
        return self.counts["queued"] + self.counts["sending"] == 0


def history(edition_id: int) -> list[PastMailout]:
    """An edition's mail-outs, newest first, with how far the outbox is with each."""
    sent_out = db.session.scalars(
        sa.select(Mailout)
        .where(Mailout.edition_id == edition_id)
        .order_by(Mailout.created_at.desc(), Mailout.id.desc())
    ).all()
    return [PastMailout(mailout, progress(mailout.id)) for mailout in sent_out]
