"""Accounts: creating organisers with a strong password, and checking a sign-in."""

import gzip
import re
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from symposium.accounts.models import Role, User
from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import use_case
from symposium.extensions import db
from symposium.text import has_control_characters
from symposium.validation import RuleError

MIN_PASSWORD_LENGTH = 12


@cache
def _unknown_user_hash() -> str:
    """A hash to check against when the address is unknown, so both cases take as long;
    made at the first sign-in, not at import (a scrypt hash costs a tenth of a second)."""
    return generate_password_hash("not a real password")


class AccountError(RuleError):
    def __init__(self, field: str, message) -> None:
        super().__init__(message, {field: [message]})
        self.field = field


MAX_PASSWORD_LENGTH = 500
#: digits and signs around a word: "Password123!" is "password" to whoever guesses
_AFFIXES = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@cache
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords and some Dutch and site words, shipped as data."""
    path = Path(__file__).with_name("common_passwords.txt.gz")
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return frozenset(
            line.strip() for line in lines if line.strip() and not line.startswith("#")
        )


def is_common(password: str) -> bool:
    """A common password, or one with only digits and signs added to a common word."""
    lowered = password.lower()
    word = _AFFIXES.sub("", lowered)
    common = common_passwords()
    return lowered in common or word in common or not word or len(set(password)) < 5


def password_problem(password: str, email: str = ""):
    """Why a password is too weak, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _l("Use at least %(min)d characters.", min=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _l("Use at most %(limit)d characters.", limit=MAX_PASSWORD_LENGTH)
    lowered = password.lower()
    if is_common(password):
        return _l("This password is too easy to guess.")
    local_part = email.split("@")[0].lower()
    if local_part and len(local_part) >= 4 and local_part in lowered:
        return _l("Do not use your e-mail address in your password.")
    return None


def organisers() -> list[User]:
    return list(
        db.session.scalars(sa.select(User).where(User.role == Role.organiser).order_by(User.email))
    )


@use_case
def create_organiser(email: str, name: str, password: str, actor: Actor | None = None) -> User:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254 or has_control_characters(email):
        raise AccountError("email", _l("Enter an e-mail address like name@example.org."))
    if len(name) > 200:
        raise AccountError("name", _l("Use at most %(limit)d characters.", limit=200))
    if has_control_characters(name):
        raise AccountError("name", _l("Remove the control characters from this field."))
    problem = password_problem(password, email)
    if problem:
        raise AccountError("password", problem)

    if db.session.scalar(sa.select(User.id).where(User.email == email)):
        raise AccountError("email", _l("There already is an account with this address."))
    user = User(
        email=email,
        name=name.strip(),
        role=Role.organiser,
        password_hash=generate_password_hash(password),
    )
    db.session.add(user)
    db.session.flush()
    if actor is not None:
        audit.record(actor, "account.create", user, after={"email": email}, label=email)
    return user


@use_case
def set_active(user_id: int, active: bool, actor: Actor) -> None:
    """Let an organiser in or keep them out; nobody can lock themselves out."""

    user = db.session.get(User, user_id)
    if user is None or user.role != Role.organiser:
        return
    if user.id == actor.id and not active:
        raise AccountError("form", _l("You cannot switch off your own account."))
    if not active:
        end_sessions_of(user)
    audit.record(
        actor,
        "account.active",
        user,
        before={"active": user.active},
        after={"active": active},
        label=user.email,
    )
    user.active = active


def authenticate(email: str, password: str) -> User | None:
    """The organiser with this address and password; None otherwise, taking the same time."""
    if has_control_characters(email):
        email = ""  # no address has them (and PostgreSQL refuses NUL in a query)
    user = db.session.scalars(
        sa.select(User).where(User.email == email.strip().lower(), User.active.is_(True))
    ).first()
    hashed = user.password_hash if user and user.password_hash else _unknown_user_hash()
    if check_password_hash(hashed, password) and user is not None and user.password_hash:
        return user
    return None


def end_sessions_of(user: User) -> None:
    """Every session of this account ends at its next request, on any device."""
    user.session_generation = User.session_generation + 1


@use_case
def end_sessions(user_id: int) -> None:
    """Signing out: a copy of the session cookie made before opens nothing any more."""
    user = db.session.get(User, user_id)
    if user is not None:
        end_sessions_of(user)


def load_user(session_id: str) -> User | None:
    """The account a session belongs to, while the session's generation is still current."""
    user_id, _, generation = session_id.partition(".")
    if not (user_id.isascii() and user_id.isdecimal() and generation.isascii()):
        return None
    if not generation.isdecimal() or len(user_id) > 12 or len(generation) > 12:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_generation != int(generation):
        return None
    return user
