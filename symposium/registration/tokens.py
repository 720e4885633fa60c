"""Manage links: signed, carrying the registration's id and its random secret."""

import hmac

from itsdangerous import BadData, URLSafeSerializer

_SALT = "symposium.manage-registration"


def make_manage_token(secret_key: str, registration_id: int, manage_secret: str) -> str:
    return URLSafeSerializer(secret_key, salt=_SALT).dumps([registration_id, manage_secret])


def read_manage_token(secret_key: str, token: str) -> tuple[int, str] | None:
    """The (id, secret) a token carries, or None when it was not signed by us."""
    try:
        registration_id, manage_secret = URLSafeSerializer(secret_key, salt=_SALT).loads(token)
    except (BadData, TypeError, ValueError):
        return None
    if not isinstance(registration_id, int) or not isinstance(manage_secret, str):
        return None
    return registration_id, manage_secret


def secrets_match(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())


_CHECKIN_SALT = "symposium.check-in"


def make_checkin_code(secret_key: str, registration_id: int) -> str:
    """The code in a badge's QR code; it names a registration and nothing else."""
    return URLSafeSerializer(secret_key, salt=_CHECKIN_SALT).dumps(registration_id)


def read_checkin_code(secret_key: str, code: str) -> int | None:
    try:
        registration_id = URLSafeSerializer(secret_key, salt=_CHECKIN_SALT).loads(code)
    except (BadData, TypeError, ValueError):
        return None
    return registration_id if isinstance(registration_id, int) else None
