"""What an operator watches: is each shared part up, and how long are the queues.

No personal data: names of parts and counts only.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from symposium import storage
from symposium.database import utcnow
from symposium.documents.models import DocumentJob, JobStatus
from symposium.extensions import db
from symposium.mail.models import MessageStatus, OutboxMessage


def health() -> dict[str, str]:
    """Each shared part: "ok", "not used", or "down"."""
    parts: dict[str, str] = {}
    try:
        db.session.execute(sa.text("SELECT 1"))
        parts["database"] = "ok"
    except sa.exc.SQLAlchemyError:
        parts["database"] = "down"
    finally:
        db.session.rollback()
    parts["redis"] = _redis()
    parts["storage"] = "ok" if storage.current().healthy() else "down"
    return parts


def _redis() -> str:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return "not used"
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2).ping()
    except (redis.RedisError, OSError):
        return "down"
    return "ok"


@dataclass(frozen=True)
class Queues:
    outbox_waiting: int
    outbox_oldest_seconds: float
    outbox_failed: int
    document_jobs: dict[str, int]


def queues() -> Queues:
    waiting = (MessageStatus.queued, MessageStatus.sending)
    count, oldest = db.session.execute(
        sa.select(sa.func.count(), sa.func.min(OutboxMessage.created_at)).where(
            OutboxMessage.status.in_(waiting)
        )
    ).one()
    failed = db.session.scalar(
        sa.select(sa.func.count()).where(OutboxMessage.status == MessageStatus.failed)
    )
    jobs = dict.fromkeys((status.value for status in JobStatus), 0)
    for status, number in db.session.execute(
        sa.select(DocumentJob.status, sa.func.count()).group_by(DocumentJob.status)
    ):
        jobs[JobStatus(status).value] = number
    db.session.rollback()
    return Queues(count, _age(oldest), failed or 0, jobs)


def _age(moment: datetime | None) -> float:
    if moment is None:
        return 0.0
    if moment.tzinfo is None:  # SQLite's min() skips the column type
        moment = datetime.fromisoformat(str(moment)).replace(tzinfo=utcnow().tzinfo)
    return max(0.0, (utcnow() - moment).total_seconds())
