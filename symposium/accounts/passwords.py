"""An organiser's password: changed by its owner, or reset through a mailed link.

A reset link is signed when the worker writes the mail, works for an hour and only once:
it names a fingerprint of the password it replaces, which the new password changes. Asking
for a link does the same work whether or not the address is an organiser's: the outbox
row is written either way, and the worker looks the address up when it sends.
"""

import hashlib
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from symposium.accounts.models import Role, User
from symposium.accounts.service import AccountError, end_sessions_of, password_problem
from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import use_case
from symposium.extensions import db
from symposium.mail.outbox import Mail, builder, queue_later
from symposium.urls import external_url

RESET_LIFETIME = timedelta(hours=1)
RESET_EXPIRED = _l("This link has expired or was used already. Ask for a new one.")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="password-reset")


def _fingerprint(user: User) -> str:
    """Changes with the password and whenever the account's sessions end."""
    seed = f"{user.id}:{user.password_hash}:{user.session_generation}"
    return hashlib.sha256(seed.encode()).hexdigest()[:20]


def _set_password(user: User, password: str, actor: Actor, action: str) -> None:
    problem = password_problem(password, user.email)
    if problem:
        raise AccountError("password", problem)
    before = user.session_generation
    user.password_hash = generate_password_hash(password)
    end_sessions_of(user)
    db.session.flush()
    audit.record(
        actor,
        action,
        user,
        before={"session_generation": before},
        after={"session_generation": user.session_generation},
        label=user.email,
    )


@use_case
def change_password(user_id: int, current: str, new: str) -> User:
    """The owner's new password; every other session of the account ends."""
    user = db.session.get(User, user_id)
    if (
        user is None
        or not user.password_hash
        or not check_password_hash(user.password_hash, current)
    ):
        raise AccountError("current_password", _l("The current password is not right."))
    _set_password(user, new, Actor(user.id, user.email), "account.password_change")
    return user


def _quarter_hour(now: datetime) -> str:
    return now.strftime("%Y%m%d%H") + str(now.minute // 15)


@use_case
def request_reset(email: str, locale: str, now: datetime | None = None) -> None:
    """Queue the lookup: the worker mails a link if the address is an active organiser's.

    The same insert whatever the address, so the answer takes as long for everyone; at most
    one mail per address a quarter of an hour."""
    email = (email or "").strip().lower()[:254]
    now = now or datetime.now(UTC)
    key = hashlib.sha256(email.encode()).hexdigest()[:24]
    queue_later(
        "password_reset",
        f"password-reset:{key}:{_quarter_hour(now)}",
        email or "-",
        {"email": email, "locale": locale},
    )


def _organiser(email: str) -> User | None:
    return db.session.scalars(
        sa.select(User).where(
            User.email == email, User.role == Role.organiser, User.active.is_(True)
        )
    ).first()


@builder("password_reset")
def _reset_mail(refs: dict) -> Mail | None:
    """None, and nothing is sent, when the address is no active organiser's."""
    user = _organiser(refs.get("email", ""))
    if user is None or not user.password_hash:
        return None
    token = _serializer().dumps({"user": user.id, "fingerprint": _fingerprint(user)})
    return Mail(
        kind="password_reset",
        dedupe_key="",
        recipient=user.email,
        locale=refs.get("locale") or "nl",
        subject=lambda: _("Choose a new password for Symposium"),
        context={
            "name": user.name or user.email,
            "link_url": external_url("accounts.reset_password", token=token),
            "minutes": int(RESET_LIFETIME.total_seconds() // 60),
        },
    )


def _user_of(token: str) -> User | None:
    try:
        data = _serializer().loads(token, max_age=int(RESET_LIFETIME.total_seconds()))
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("user"), int):
        return None
    user = db.session.get(User, data["user"])
    if user is None or not user.active or user.role != Role.organiser:
        return None
    return user if data.get("fingerprint") == _fingerprint(user) else None


def reset_link_works(token: str) -> bool:
    return _user_of(token) is not None


@use_case
def reset_password(token: str, new: str) -> User:
    """A new password through a mailed link; the link is spent, every session ends."""
    user = _user_of(token)
    if user is None:
        raise AccountError("form", RESET_EXPIRED)
    _set_password(user, new, Actor(user.id, user.email), "account.password_reset")
    return user
