"""Mail waiting to go out, written in the same transaction as the change that causes it."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from symposium.database import UTCDateTime, utcnow
from symposium.extensions import db


class MessageStatus(enum.StrEnum):
    queued = "queued"
    #: claimed by a worker until `next_attempt_at`; a worker that died leaves it to expire
    sending = "sending"
    sent = "sent"
    failed = "failed"


class OutboxMessage(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. "confirmation:12"; the same event never queues a second message
    dedupe_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    recipient: Mapped[str] = mapped_column(sa.String(254))
    #: the written message; empty until a message queued as references is sent
    subject: Mapped[str | None] = mapped_column(sa.String(300))
    text_body: Mapped[str | None] = mapped_column(sa.Text)
    html_body: Mapped[str | None] = mapped_column(sa.Text)
    #: what a builder needs to write the message, e.g. {"registration_id": 12}
    refs: Mapped[dict] = mapped_column(sa.JSON, default=dict, server_default="{}")
    #: [{"filename", "content_type", "content" (text)}]
    attachments: Mapped[list] = mapped_column(sa.JSON, default=list)
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[MessageStatus] = mapped_column(
        sa.Enum(MessageStatus, native_enum=False, length=20), default=MessageStatus.queued
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.Text)

    __table_args__ = (sa.Index("ix_outbox_message_due", "status", "next_attempt_at"),)


class Mailout(db.Model):
    """A message an organiser wrote to a segment of the attendees: one outbox message each."""

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(sa.String(300))
    #: Markdown with placeholders such as {first_name}
    body: Mapped[str] = mapped_column(sa.Text)
    #: the English version, for people who signed up in English; empty: Dutch for everyone
    subject_en: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    body_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    segment: Mapped[str] = mapped_column(sa.String(30))
    session_id: Mapped[int | None] = mapped_column(sa.ForeignKey("session.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recipients: Mapped[int] = mapped_column(default=0)


class LinkRequest(db.Model):
    """Someone asked for a link to be mailed ("mail me a link", "send my link", a new
    password). Written the same way for every address; the worker looks the address up."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: which lookup resolves it, e.g. "speaker_sign_in"
    kind: Mapped[str] = mapped_column(sa.String(40))
    #: as typed, lower-cased; never shown
    email: Mapped[str] = mapped_column(sa.String(254))
    locale: Mapped[str] = mapped_column(sa.String(5), default="nl")
    edition_id: Mapped[int | None] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
