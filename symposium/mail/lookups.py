"""Requests for a mailed link, answered alike whoever asks: nothing to learn by timing.

"Mail me a link" used to look the address up while the visitor waited, and to write a
link and a message only for a known one: a known speaker's request took twice as long.
Now the request writes one row, the same for every address, and the worker resolves it:
the kind's resolver looks the address up and queues the mail when there is one to send.
"""

from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa

from symposium.database import use_case
from symposium.extensions import db
from symposium.mail.models import LinkRequest
from symposium.text import has_control_characters

#: kind -> what the worker does with a request: look the address up, queue the mail
RESOLVERS: dict[str, Callable[[LinkRequest], None]] = {}


def resolver(kind: str):
    def register(resolve: Callable[[LinkRequest], None]):
        RESOLVERS[kind] = resolve
        return resolve

    return register


def ask(
    kind: str,
    email: str,
    locale: str,
    edition_id: int | None = None,
    now: datetime | None = None,
) -> None:
    """One insert in the current transaction, whatever the address."""
    email = (email or "").strip().lower()[:254]
    if has_control_characters(email):
        email = ""  # no address has them (and PostgreSQL refuses NUL)
    db.session.add(
        LinkRequest(
            kind=kind,
            email=email,
            locale=(locale or "nl")[:5],
            edition_id=edition_id,
            created_at=now or datetime.now(UTC),
        )
    )


@use_case
def resolve_due(limit: int = 200) -> int:
    """The worker's step: resolve the waiting requests, oldest first; how many there were."""
    requests = db.session.scalars(sa.select(LinkRequest).order_by(LinkRequest.id).limit(limit))
    count = 0
    for request in requests.all():
        resolve = RESOLVERS.get(request.kind)
        if resolve is not None and request.email:
            resolve(request)
        db.session.delete(request)
        count += 1
    return count
