"""Settings: defaults here, overridden by SYMPOSIUM_* environment variables."""

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

DEFAULTS: dict[str, Any] = {
    "SQLALCHEMY_DATABASE_URI": None,  # SQLite in the instance folder unless DATABASE_URL is set
    "BABEL_DEFAULT_LOCALE": "nl",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
    "LANGUAGES": ("nl", "en"),
    "WTF_CSRF_TIME_LIMIT": None,  # a sign-up form left open over lunch must still submit
    "WTF_I18N_ENABLED": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    #: organiser sessions end after a working day
    "PERMANENT_SESSION_LIFETIME": 8 * 60 * 60,
    "RATELIMIT_ENABLED": True,
    #: where the rate limits count; SYMPOSIUM_REDIS_URL when set, else this process only
    "RATELIMIT_STORAGE_URI": "memory://",
    #: Redis shared by every web process and host ("redis://127.0.0.1:6379/0"): the rate
    #: limits count there. Required in production with more than one web process.
    "REDIS_URL": None,
    #: how many web processes serve the site on this host (gunicorn reads WEB_CONCURRENCY
    #: too); more than one in production needs REDIS_URL
    "WEB_WORKERS": None,
    #: trust X-Forwarded-For and X-Forwarded-Proto from this many proxies in front (nginx: 1)
    "TRUSTED_PROXIES": 0,
    #: PostgreSQL ends a statement that runs longer than this many seconds (0: never)
    "STATEMENT_TIMEOUT_SECONDS": 30,
    #: a pooled PostgreSQL connection unused for longer than this is tested (SELECT 1)
    #: before use; one used more recently is trusted: if it broke meanwhile, the request
    #: or use case runs again on a new one (symposium.database)
    "DATABASE_PING_AFTER_IDLE_SECONDS": 5,
    #: where materials, photos and made documents are kept: None for the local folders
    #: below, or "s3://bucket/prefix" for S3-compatible object storage shared by every host
    "STORAGE_URL": None,
    #: S3 endpoint for storage other than Amazon's ("http://127.0.0.1:9000"), its region
    #: and keys (None: boto3's usual sources, such as AWS_ACCESS_KEY_ID)
    "S3_ENDPOINT_URL": None,
    "S3_REGION": "us-east-1",
    "S3_ACCESS_KEY_ID": None,
    "S3_SECRET_ACCESS_KEY": None,  # no key here; SYMPOSIUM_S3_SECRET_ACCESS_KEY sets it  # nosec B105
    #: GET /metrics: "organisers" (signed-in organisers only), "open" (anyone who can
    #: reach it; keep it off the internet in the proxy), or "off"
    "METRICS": "organisers",
    "RATELIMIT_HEADERS_ENABLED": True,
    #: sign-ups from one network address, per hour: for one edition, and choosing one
    #: session; beyond them the sign-up is refused with 429 (a team behind one address can
    #: still sign up; a script cannot take a workshop's seats)
    "SIGN_UP_CAP_PER_EDITION": "60 per hour",
    "SIGN_UP_CAP_PER_SESSION": "15 per hour",
    #: Redis gone: count in this process until it is back, rather than answer 500
    "RATELIMIT_SWALLOW_ERRORS": True,
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "PROGRAM_CACHE": True,
    "PRODUCTION": False,
    #: the site's public address: links in mail sent by the worker, and in the program feeds
    "BASE_URL": "http://127.0.0.1:5000",
    #: who may show /<edition>/embed in a frame: CSP frame-ancestors sources, e.g.
    #: "'self' https://www.example.nl"; every other page may be framed by the site only
    "EMBED_FRAME_ANCESTORS": "'self'",
    "MAIL_SERVER": "127.0.0.1",
    "MAIL_PORT": 1025,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,  # no password here; SYMPOSIUM_MAIL_PASSWORD sets it  # nosec B105
    "MAIL_DEFAULT_SENDER": "Symposium <symposium@localhost>",
    "MAIL_SUPPRESS_SEND": False,
    "MAIL_MAX_ATTEMPTS": 8,
    #: the first retry waits this long; each next one twice as long
    "MAIL_RETRY_SECONDS": 30,
    "MAIL_BATCH_SIZE": 100,
    #: how long a worker may hold a claimed message before another worker takes it over
    "MAIL_LEASE_SECONDS": 300,
    #: seconds to reach the SMTP server and read its greeting before giving up for now
    "MAIL_CONNECT_TIMEOUT": 10,
    #: seconds the SMTP server may take to answer any one command (the message included)
    "MAIL_TIMEOUT": 60,
    "WORKER_POLL_SECONDS": 1.0,
    "REMINDER_DAYS_BEFORE": 3,
    #: the worker removes the personal data of editions that ended this many months ago;
    #: None: never by itself, only by `flask purge <edition>`
    "PURGE_AFTER_MONTHS": None,
    #: where `flask mail-catcher` keeps what it receives
    "MAIL_CATCHER_DIR": None,
    #: opening a badge's QR link checks the person in at once, without the button, when
    #: the link was opened from a page of this site (Sec-Fetch-Site: same-origin)
    "CHECK_IN_ON_SCAN": False,
    #: the largest body a form or JSON request may send, in kilobytes (uploads excepted)
    "MAX_BODY_KB": 64,
    #: the same for the few forms with long texts (summaries, mail-outs, edition texts)
    "MAX_LONG_TEXT_KB": 1024,
    #: the largest slides or hand-out a speaker can upload, in megabytes
    "MAX_UPLOAD_MB": 25,
    #: Mollie (iDEAL and cards): the API key ("test_..." or "live_..."; none: no online
    #: payments), where the API lives ("http://127.0.0.1:5006": the stand-in of `make run`
    #: and the tests), and how many seconds a call may take before it counts as failed
    "MOLLIE_API_KEY": None,  # no key here; SYMPOSIUM_MOLLIE_API_KEY sets it
    "MOLLIE_API_ENDPOINT": "https://api.mollie.com",
    "MOLLIE_TIMEOUT": 10,
    #: where uploaded materials and photos are kept; "materials" in the instance folder if None
    "MATERIALS_FOLDER": None,
    #: where made badge sheets, certificates and booklets are kept; "documents" in the
    #: instance folder if None. The web processes and the worker must share it.
    "DOCUMENTS_FOLDER": None,
    #: how many processes render a long PDF (badges, certificates) side by side;
    #: None: one less than the CPUs, at least one
    "DOCUMENT_PROCESSES": None,
    #: PE-online's host for its attendance web service (SYMPOSIUM_PE_ONLINE_URL)
    "PE_ONLINE_URL": "https://www.pe-online.org",
    #: seconds PE-online may take to answer a submission
    "PE_ONLINE_TIMEOUT": 30,
}


def configure(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Defaults, then SYMPOSIUM_* variables, then the caller's overrides (tests)."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("SYMPOSIUM")
    if overrides:
        app.config.from_mapping(overrides)

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    # SYMPOSIUM_DATABASE_URL names the database, unless the caller (a test) names one.
    if app.config.get("DATABASE_URL") and not (overrides or {}).get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        database = Path(app.instance_path) / "symposium.sqlite"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{database}"
    if not app.config.get("MAX_CONTENT_LENGTH"):
        # Room beyond the file itself for the form's other fields and the multipart framing.
        upload_bytes = int(float(app.config["MAX_UPLOAD_MB"]) * 1024 * 1024)
        app.config["MAX_CONTENT_LENGTH"] = upload_bytes + 256 * 1024
    if app.config["REDIS_URL"] and app.config["RATELIMIT_STORAGE_URI"] == "memory://":
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    if app.config.get("TRUSTED_HOSTS") is None:
        app.config["TRUSTED_HOSTS"] = trusted_hosts(
            app.config["BASE_URL"], app.config["PRODUCTION"]
        )
    _engine_options(app)
    refuse_unshared_state(app.config)
    if str(app.config["BASE_URL"]).startswith("https://"):
        app.config["SESSION_COOKIE_SECURE"] = True
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _development_secret_key(app)


def trusted_hosts(base_url: str, production: bool) -> list[str]:
    """The host of BASE_URL; in development also this machine's own names."""
    host = urlsplit(base_url).hostname or "localhost"
    return [host] if production else [host, "localhost", "127.0.0.1", "::1"]


def _engine_options(app: Flask) -> None:
    """PostgreSQL ends runaway statements. No `pool_pre_ping`: a SELECT 1 before every
    use was a second round trip on each program page; connections that sat idle are
    tested instead (symposium.database.configure_engine), and SQLite's, a file, never."""
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    url = str(app.config["SQLALCHEMY_DATABASE_URI"])
    timeout = int(float(app.config["STATEMENT_TIMEOUT_SECONDS"] or 0) * 1000)
    if url.startswith("postgresql") and timeout:
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("options", f"-c statement_timeout={timeout}")
        options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def web_workers(config: Mapping[str, Any]) -> int:
    """How many web processes this host runs: WEB_WORKERS, else gunicorn's WEB_CONCURRENCY."""
    return int(config.get("WEB_WORKERS") or os.environ.get("WEB_CONCURRENCY") or 1)


def refuse_unshared_state(config: Mapping[str, Any]) -> None:
    """In production, several web processes counting rate limits each in their own memory
    would let through the limit times the number of processes: refuse to start."""
    storage = str(config["RATELIMIT_STORAGE_URI"])
    if config["PRODUCTION"] and storage.startswith("memory://") and web_workers(config) > 1:
        raise RuntimeError(
            f"{web_workers(config)} web processes would each count the rate limits on their "
            "own (storage memory://), letting through that many times the limit. Set "
            "SYMPOSIUM_REDIS_URL (e.g. redis://127.0.0.1:6379/0), or run one web process "
            "(WEB_CONCURRENCY=1)."
        )


def _development_secret_key(app: Flask) -> str:
    """Make a key once and keep it in instance/; production must set SYMPOSIUM_SECRET_KEY."""
    if app.config["PRODUCTION"]:
        raise RuntimeError(
            "SYMPOSIUM_SECRET_KEY is not set. Make one with: "
            'python -c "import secrets; print(secrets.token_urlsafe(48))"'
        )
    key_file = Path(app.instance_path) / "secret_key"
    try:
        return key_file.read_text().strip()
    except FileNotFoundError:
        key = secrets.token_urlsafe(48)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key
