"""Queueing mail: rendered in the recipient's language, written in the caller's transaction."""

from dataclasses import dataclass, field

from flask import current_app, has_request_context, render_template, url_for
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


def external_url(endpoint: str, **values) -> str:
    """An absolute URL for mail: the visitor's host in a request, else SYMPOSIUM_BASE_URL."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        return url_for(endpoint, _external=True, **values)


def render(mail: Mail) -> tuple[str, str, str]:
    """Subject, text and HTML of a message, in its recipient's language."""
    with force_locale(mail.locale):
        subject = str(mail.subject() if callable(mail.subject) else mail.subject)
        context = {"subject": subject, **mail.context}
        text = render_template(f"mail/{mail.kind}.txt", **context)
        html = render_template(f"mail/{mail.kind}.html", **context)
    return subject, text, html


def queue(mail: Mail) -> None:
    """Add a message to the outbox in the current transaction; a known dedupe key adds nothing."""
    subject, text, html = render(mail)
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(OutboxMessage)
    db.session.execute(
        insert.values(
            dedupe_key=mail.dedupe_key,
            kind=mail.kind,
            recipient=mail.recipient,
            subject=subject,
            text_body=text,
            html_body=html,
            attachments=[vars(attachment) for attachment in mail.attachments],
            registration_id=mail.registration_id,
        ).on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
