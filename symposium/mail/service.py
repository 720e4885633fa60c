"""Reading the outbox for organisers."""

from dataclasses import dataclass

import sqlalchemy as sa

from symposium.extensions import db
from symposium.mail.models import MessageStatus, OutboxMessage


@dataclass
class OutboxPage:
    messages: list[OutboxMessage]
    total: int
    page: int
    pages: int
    counts: dict[MessageStatus, int]


def outbox_page(status: MessageStatus | None, page: int, per_page: int = 50) -> OutboxPage:
    """Newest first, optionally one status; counts per status for the filter."""
    query = sa.select(OutboxMessage)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    messages = db.session.scalars(
        query.order_by(OutboxMessage.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    counts = dict(
        db.session.execute(
            sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    return OutboxPage(list(messages), total, page, pages, counts)


def message(message_id: int) -> OutboxMessage | None:
    return db.session.get(OutboxMessage, message_id)
