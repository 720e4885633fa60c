"""Security headers on every answer, the rate limits of the public forms, and their 429.

Defaults only: a view that sets a Content-Security-Policy, a Referrer-Policy or another
header of its own keeps it (material downloads, the embeddable program, the calendar).
"""

from functools import lru_cache

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits import parse
from werkzeug.middleware.proxy_fix import ProxyFix

from symposium.extensions import limiter

#: every page: scripts, styles, images and fetches from this site only, nothing inline
DEFAULT_POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
)

#: Pages that show a mail as it was written, in a sandboxed frame (no scripts). Mail needs
#: inline style attributes, and a srcdoc frame takes the policy of the page around it.
MAIL_PREVIEWS = frozenset({"organiser.outbox_message"})
MAIL_PREVIEW_POLICY = tuple(
    "style-src 'self' 'unsafe-inline'" if directive == "style-src 'self'" else directive
    for directive in DEFAULT_POLICY
)

#: a year; browsers ignore it over plain HTTP. No includeSubDomains: the site may live on a
#: subdomain of an organisation whose other hosts do not all speak HTTPS.
HSTS = "max-age=31536000"

# Same-origin rather than no-referrer: on HTTPS Flask-WTF refuses a form post without a
# Referer from this site, and the manage pages (/r/<token>) post forms. Other sites get
# nothing, so the token in those URLs never leaves the site.
REFERRER_POLICY = "same-origin"


def per_address_and_edition() -> str:
    """The visitor's address, per edition: sign-ups for one edition leave another's alone."""
    return f"{get_remote_address()}/{(request.view_args or {}).get('slug', '')}"


#: Sign-up through the form and the JSON API share one count per address. An office behind
#: one address can sign up a team of dozens in minutes (one a second at most; 600 in an
#: hour); a script filling an edition's seats cannot.
sign_up_limit = limiter.shared_limit(
    "60 per minute; 600 per hour",
    scope="sign-up",
    key_func=per_address_and_edition,
    methods=["POST"],
)
#: "Send my link": each may queue a mail (to a registered address, one a quarter of an
#: hour), so half the sign-up rate; still more than a team asking for their links again.
link_limit = limiter.limit(
    "30 per minute; 300 per hour", key_func=per_address_and_edition, methods=["POST"]
)


def _sign_up_caps(edition_id: int, session_ids: list[int]):
    """Per address and hour: sign-ups for the edition, and for each session chosen, so that
    one address cannot take a workshop's seats or fill an edition (limiter's storage:
    shared by every process once it is Redis)."""
    config = current_app.config
    address = get_remote_address()
    yield parse(config["SIGN_UP_CAP_PER_EDITION"]), ("sign-up-cap", address, f"e{edition_id}")
    for session_id in sorted(set(session_ids)):
        yield parse(config["SIGN_UP_CAP_PER_SESSION"]), ("sign-up-cap", address, f"s{session_id}")


def sign_up_capped(edition_id: int, session_ids: list[int]) -> bool:
    """True when this address has signed up as often as the caps allow this hour."""
    if not limiter.enabled:
        return False
    strategy = limiter.limiter
    return not all(
        strategy.test(item, *key) for item, key in _sign_up_caps(edition_id, session_ids)
    )


def count_sign_up(edition_id: int, session_ids: list[int]) -> None:
    """A sign-up went through: it counts towards this address's caps."""
    if limiter.enabled:
        for item, key in _sign_up_caps(edition_id, session_ids):
            limiter.limiter.hit(item, *key)


def init_security(app: Flask) -> None:
    """Security headers after every request, and a 429 page or JSON for rate limits."""
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        # Behind a reverse proxy: the visitor's address (for rate limits) and https (for
        # HSTS, secure cookies) come from the X-Forwarded-* headers of that many proxies.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    app.after_request(security_headers)
    app.register_error_handler(RateLimitExceeded, too_many_requests)


@lru_cache(maxsize=1024)  # a few policies, endpoints and types: worked out once each
def content_security_policy(existing: str, endpoint: str | None, mimetype: str | None) -> str:
    """The view's own policy if it set one (plus frame-ancestors), else the defaults."""
    directives = [part.strip() for part in existing.split(";") if part.strip()]
    names = {directive.split()[0].lower() for directive in directives}
    if names - {"frame-ancestors"}:
        if "frame-ancestors" not in names:
            directives.append("frame-ancestors 'self'")
        return "; ".join(directives)
    if mimetype == "application/pdf":
        # Chrome shows a PDF in an <embed> of its own, which object-src 'none' would block.
        defaults: tuple[str, ...] = ("frame-ancestors 'self'",)
    elif endpoint in MAIL_PREVIEWS:
        defaults = MAIL_PREVIEW_POLICY
    else:
        defaults = DEFAULT_POLICY
    # Nothing, or only who may frame the page: keep that and add the rest.
    return "; ".join([d for d in defaults if d.split()[0] not in names] + directives)


@lru_cache(maxsize=1024)
def _default_headers(policy: str, secure: bool) -> tuple[tuple[str, str], ...]:
    """The headers an answer with this policy gets unless its view set them itself."""
    defaults = []
    if "frame-ancestors 'self'" in [part.strip() for part in policy.split(";")]:
        defaults.append(("X-Frame-Options", "SAMEORIGIN"))  # browsers without CSP 2
    defaults += [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", REFERRER_POLICY)]
    if secure:
        defaults.append(("Strict-Transport-Security", HSTS))
    return tuple(defaults)


def security_headers(response: Response) -> Response:
    headers = response.headers
    existing = headers.get("Content-Security-Policy", "")
    policy = content_security_policy(existing, request.endpoint, response.mimetype)
    if policy != existing:
        headers["Content-Security-Policy"] = policy
    secure = request.is_secure or str(current_app.config["BASE_URL"]).startswith("https://")
    # headers.setdefault for each, with one look at the headers rather than one per name
    present = {name.lower() for name, _value in headers}
    for name, value in _default_headers(policy, secure):
        if name.lower() not in present:
            headers.add(name, value)
    return response


def too_many_requests(error: RateLimitExceeded):
    """A page in the visitor's language; JSON with a message for the API."""
    headers = [
        (name, value) for name, value in error.get_headers() if name.lower() != "content-type"
    ]
    if request.path.startswith("/api/"):
        body = jsonify(error="Too Many Requests", message=_("Wait a minute and try again."))
        return body, 429, headers
    return render_template("errors/429.html", error=error), 429, headers
