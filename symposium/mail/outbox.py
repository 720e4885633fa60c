"""Queueing mail in the caller's transaction; writing it in the recipient's language.

A message is queued either ready-made (`queue`, for mail-outs) or as references that a
builder turns into a `Mail` when the worker sends it (`queue_later`).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import render_template
from flask_babel import force_locale
from sqlalchemy.dialects import postgresql, sqlite

from symposium.extensions import db
from symposium.mail.models import OutboxMessage


@dataclass
class Attachment:
    filename: str
    content_type: str
    content: str


@dataclass
class Mail:
    kind: str
    dedupe_key: str
    recipient: str
    locale: str
    #: a callable, so that lazy texts are rendered in the recipient's language
    subject: object
    context: dict = field(default_factory=dict)
    attachments: list[Attachment] = field(default_factory=list)
    registration_id: int | None = None


def _paragraphs(text: str) -> str:
    """A plain-text part as people read it: paragraphs apart by one blank line (the
    templates' includes leave more), no trailing spaces."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def render(mail: Mail) -> tuple[str, str, str]:
    """Subject, text and HTML of a message, in its recipient's language."""
    with force_locale(mail.locale):
        subject = str(mail.subject() if callable(mail.subject) else mail.subject)
        context = {"subject": subject, **mail.context}
        text = _paragraphs(render_template(f"mail/{mail.kind}.txt", **context))
        html = render_template(f"mail/{mail.kind}.html", **context)
    return subject, text, html


#: kind -> makes the message from its stored references (None: nothing left to send)
BUILDERS: dict[str, Callable[[dict], Mail | None]] = {}


def builder(kind: str):
    """Register how messages of a kind queued with `queue_later` are written."""

    def register(build: Callable[[dict], Mail | None]):
        BUILDERS[kind] = build
        return build

    return register


def _insert(**values) -> None:
    """Insert unless the dedupe key is known: the same event never queues twice."""
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(OutboxMessage)
    db.session.execute(
        insert.values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    )


def queue(mail: Mail) -> None:
    """Add a ready-made message to the outbox in the current transaction."""
    subject, text, html = render(mail)
    _insert(
        dedupe_key=mail.dedupe_key,
        kind=mail.kind,
        recipient=mail.recipient,
        subject=subject,
        text_body=text,
        html_body=html,
        attachments=[vars(attachment) for attachment in mail.attachments],
        registration_id=mail.registration_id,
    )


def queue_later(
    kind: str, dedupe_key: str, recipient: str, refs: dict, registration_id: int | None = None
) -> None:
    """Add a message to be written when it is sent, in the current transaction."""
    _insert(
        dedupe_key=dedupe_key,
        kind=kind,
        recipient=recipient,
        refs=refs,
        registration_id=registration_id,
    )


@dataclass
class Content:
    subject: str
    text: str
    html: str
    attachments: list[dict]
    #: already in the outbox row (ready-made, or written when it was sent before)
    stored: bool = False


def content(message: OutboxMessage) -> Content | None:
    """What a message says: as stored, or written now from its references."""
    if message.text_body is not None:
        return Content(
            message.subject or "",
            message.text_body,
            message.html_body or "",
            message.attachments or [],
            stored=True,
        )
    mail = BUILDERS[message.kind](message.refs or {})
    if mail is None:
        return None
    subject, text, html = render(mail)
    return Content(subject, text, html, [vars(a) for a in mail.attachments])
