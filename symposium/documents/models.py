"""Long documents made off the request: one row per requested PDF, with its progress."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from symposium.database import UTCDateTime, utcnow
from symposium.extensions import db
from symposium.program.models import Edition


class DocumentKind(enum.StrEnum):
    badges = "badges"
    badge_sheets = "badge_sheets"
    certificates = "certificates"
    booklet = "booklet"


class JobStatus(enum.StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class DocumentJob(db.Model):
    """A PDF asked for, being made, or made; kept while the data behind it is unchanged.

    `fingerprint` is a hash of everything the document shows, taken when it is asked for:
    asking again with the same fingerprint gets this job (and its file) instead of a new one.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"))
    kind: Mapped[DocumentKind] = mapped_column(sa.Enum(DocumentKind, native_enum=False, length=20))
    language: Mapped[str] = mapped_column(sa.String(5))
    #: which people: {"round_id": .., "session_id": .., "not_yet_printed": ..}
    selection: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[JobStatus] = mapped_column(
        sa.Enum(JobStatus, native_enum=False, length=20), default=JobStatus.queued
    )
    #: pages (badges, certificates, summaries) done out of total
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    #: a worker holds a running job until then; after it, another worker may take it over
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the registrations on a badge sheet, marked printed when it is downloaded
    registration_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: the PDF's name in the documents folder, once done
    file_name: Mapped[str | None] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    edition: Mapped[Edition] = relationship()

    __table_args__ = (sa.Index("ix_document_job_lookup", "edition_id", "kind", "fingerprint"),)

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.done, JobStatus.failed)

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0
