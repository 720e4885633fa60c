"""A second factor for organisers: a six-digit code from an authenticator app (TOTP).

Each organiser may turn it on; any organiser who has it on may require it for all. Every
change ends the account's other sessions and goes to the audit log.
"""

import io
from datetime import datetime

import pyotp
from flask_babel import lazy_gettext as _l

from symposium.accounts.models import SiteSetting, User
from symposium.accounts.service import AccountError, end_sessions_of
from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import use_case
from symposium.extensions import db

ISSUER = "Symposium"
REQUIRED = "two_factor_required"
WRONG_CODE = _l("This code is not right. Enter the six digits your app shows now.")


def new_secret() -> str:
    return pyotp.random_base32()


def qr_svg(email: str, secret: str) -> bytes:
    """The code an authenticator app scans, as SVG."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)
    buffer = io.BytesIO()
    import segno  # imported when used: it slows every start-up

    segno.make(uri, error="m").save(buffer, kind="svg", scale=5, border=2)
    return buffer.getvalue()


def _step(secret: str, code: str) -> int | None:
    """The time step this code belongs to (now, or one step either side), or None."""
    code = "".join((code or "").split())
    if not (code.isascii() and code.isdecimal() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(datetime.now())
    for step in (now, now - 1, now + 1):
        if totp.generate_otp(step) == code:
            return step
    return None


def required() -> bool:
    setting = db.session.get(SiteSetting, REQUIRED)
    return setting is not None and setting.value == "1"


@use_case
def verify(user_id: int, code: str) -> bool:
    """True once per code: a code already used (or an older one) is refused."""
    user = db.session.get(User, user_id)
    if user is None or not user.totp_secret:
        return False
    step = _step(user.totp_secret, code)
    if step is None or step <= user.totp_last_step:
        return False
    user.totp_last_step = step
    return True


def _record(user: User, action: str, actor: Actor, before: dict, after: dict) -> None:
    end_sessions_of(user)
    db.session.flush()
    audit.record(actor, action, user, before=before, after=after, label=user.email)


@use_case
def turn_on(user_id: int, secret: str, code: str) -> User:
    user = db.session.get(User, user_id)
    step = _step(secret, code)
    if step is None:
        raise AccountError("code", WRONG_CODE)
    user.totp_secret = secret
    user.totp_last_step = step
    _record(
        user,
        "account.two_factor_on",
        Actor(user.id, user.email),
        {"two_factor": False},
        {"two_factor": True},
    )
    return user


@use_case
def turn_off(user_id: int, code: str) -> User:
    user = db.session.get(User, user_id)
    if required():
        raise AccountError("form", _l("A second factor is required for every organiser."))
    if not user.totp_secret or _step(user.totp_secret, code) is None:
        raise AccountError("code", WRONG_CODE)
    user.totp_secret = None
    user.totp_last_step = 0
    _record(
        user,
        "account.two_factor_off",
        Actor(user.id, user.email),
        {"two_factor": True},
        {"two_factor": False},
    )
    return user


@use_case
def require_for_all(user_id: int, require: bool) -> None:
    """Only an organiser who has a second factor can require it of everyone."""
    user = db.session.get(User, user_id)
    if require and not user.totp_secret:
        raise AccountError("form", _l("Turn on your own second factor first."))
    setting = db.session.get(SiteSetting, REQUIRED) or SiteSetting(name=REQUIRED)
    before = setting.value == "1"
    setting.value = "1" if require else "0"
    db.session.add(setting)
    audit.record(
        Actor(user.id, user.email),
        "account.two_factor_required",
        setting,
        before={"required": before},
        after={"required": require},
        label=REQUIRED,
    )
