"""What browsers and shared caches may keep: nothing personal, and no language mix-ups.

A view decides for itself where an answer may be kept (the program pages and feeds, with
an ETag; public materials). Everything else, and whatever shows personal data whatever the
view said, is `no-store`: the registrations list, the outbox, a badge's check-in page,
the manage pages at /r/<token>, the CSV exports. Answers whose language was chosen from
the request say so in `Vary`, so that a cache never hands a Dutch page to an English
reader.
"""

from flask import Flask, Response, current_app, g, request, session
from flask_login import current_user
from flask_login.config import COOKIE_NAME

#: areas whose every answer is about someone: organisers, speakers, a registration's holder
PERSONAL_PATHS = ("/organiser", "/speaker", "/r/", "/sign-in")


def signed_in() -> bool:
    """`current_user.is_authenticated`, without asking Flask-Login when it would find no
    one: no user in the session and no remember-me cookie. Asking it hashes every
    visitor's address and browser (session protection) before it looks."""
    if "_login_user" not in g and session.get("_user_id") is None:
        remember = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
        if remember not in request.cookies:
            return False
    return current_user.is_authenticated


def shows_personal_data() -> bool:
    return (
        request.method not in ("GET", "HEAD")
        or request.path.startswith(PERSONAL_PATHS)
        or signed_in()
    )


def add_vary(response: Response, names: tuple[str, ...]) -> None:
    """`response.vary.update(names)`, without writing the header again when it names
    them already (the program page's do: three hooks add the same two names)."""
    current = response.headers.get("Vary")
    if not current:
        response.headers["Vary"] = ", ".join(names)  # as response.vary would write it
        return
    named = {part.strip().lower() for part in current.split(",")}
    if any(name.lower() not in named for name in names):
        response.vary.update(names)


def cache_headers(response: Response) -> Response:
    if request.endpoint == "static":
        return response
    declared = "Cache-Control" in response.headers
    if not declared or (shows_personal_data() and not response.cache_control.public):
        response.headers["Cache-Control"] = "no-store"
    if g.get("language_from_request"):
        add_vary(response, ("Accept-Language", "Cookie"))
    return response


def init_cache_headers(app: Flask) -> None:
    app.after_request(cache_headers)
