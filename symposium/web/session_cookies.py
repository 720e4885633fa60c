"""Flask's signed session cookie, with its signer made once rather than on every request."""

import threading

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class SessionCookies(SecureCookieSessionInterface):
    """Flask's own session cookie: the same cookie, signature and rules. Flask builds its
    serializer anew for each request (a tenth of what a program page costs); this keeps
    it per secret key and its fallbacks, so that changing the key still takes effect."""

    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer | None] = {}
        self._lock = threading.Lock()

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        fallbacks = app.config["SECRET_KEY_FALLBACKS"] or ()
        key = (app.secret_key, tuple(fallbacks))
        try:
            return self._serializers[key]
        except KeyError:
            made = super().get_signing_serializer(app)
            with self._lock:
                self._serializers[key] = made
            return made
