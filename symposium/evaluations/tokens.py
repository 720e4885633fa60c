"""The one-way key of a person's answer to one form.

An HMAC, with the app's secret, of the registration's random secret (the one in their
personal link) and the form and session. The person's link leads to their own answer, so
they can change it; the answer itself holds no id, name or address. Once the registration
is erased or purged its secret is replaced, and nobody can find the answer's owner again.
"""

import hashlib
import hmac


def response_token(
    secret_key: str, registration_id: int, manage_secret: str, form_id: int, session_id: int | None
) -> str:
    message = f"evaluation:{registration_id}:{manage_secret}:{form_id}:{session_id or 'day'}"
    return hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).hexdigest()
