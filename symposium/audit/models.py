from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from symposium.database import UTCDateTime, utcnow
from symposium.extensions import db


class AuditEntry(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    #: kept as text, so the log still says who it was after an account is removed
    actor_email: Mapped[str] = mapped_column(sa.String(254))
    edition_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("edition.id", ondelete="CASCADE"), index=True
    )
    #: e.g. "session.capacity", "registration.cancel"
    action: Mapped[str] = mapped_column(sa.String(60))
    target_type: Mapped[str] = mapped_column(sa.String(40))
    target_id: Mapped[int | None]
    #: what a person reads in the log, e.g. the session's title or the attendee's name
    target_label: Mapped[str] = mapped_column(sa.String(300), default="")
    before: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    after: Mapped[dict] = mapped_column(sa.JSON, default=dict)


class AccessEntry(db.Model):
    """An organiser looked at or exported personal data: who, what, when.

    Kept apart from the changes in `AuditEntry`, so that a registration's history of
    changes is not buried under the times someone opened it.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    actor_email: Mapped[str] = mapped_column(sa.String(254))
    edition_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("edition.id", ondelete="CASCADE"), index=True
    )
    #: e.g. "registration.view", "registrations.export"
    action: Mapped[str] = mapped_column(sa.String(60))
    target_type: Mapped[str] = mapped_column(sa.String(40))
    target_id: Mapped[int | None]
    #: what a person reads in the log, e.g. the attendee's name or the session's title
    target_label: Mapped[str] = mapped_column(sa.String(300), default="")
    #: what was shown, e.g. {"format": "csv", "status": "confirmed"}; never search text
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    __table_args__ = (sa.Index("ix_access_entry_target", "target_type", "target_id"),)
