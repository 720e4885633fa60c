"""Symposium: registration for an annual symposium with plenary talks and workshop rounds."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: Mapping[str, Any] | None = None, instance_path: str | None = None) -> Flask:
    # Everything is imported here, while the garbage collector waits (see below).
    with _collector_paused():
        from flask import Flask

        from symposium.config import configure
        from symposium.security import init_security
        from symposium.urls import LazyRule

        app = Flask(
            __name__,
            template_folder="../templates",
            static_folder="../static",
            instance_path=str(instance_path) if instance_path else None,
            instance_relative_config=True,
        )
        app.url_rule_class = LazyRule
        _check_sync_once(app)
        configure(app, dict(config or {}))
        register_extensions(app)
        register_blueprints(app)
        register_error_handlers(app)
        init_security(app)
        init_body_limits(app)
        init_cache_headers(app)
        register_commands(app)
    return app


def _check_sync_once(app: Flask) -> None:
    """Flask asks of every hook and view, on every request, whether it is a coroutine
    function (inspect: some fifty calls a request); here it asks once per function. They
    are the app's own hooks, views and handlers, a fixed few; functions made anew for
    each request (after_this_request) are not kept beyond the first thousand."""
    ensure_sync = app.ensure_sync
    checked: dict = {}

    def checked_once(func):
        try:
            return checked[func]
        except KeyError:
            made = ensure_sync(func)
            if len(checked) < 1000:
                checked[func] = made
            return made
        except TypeError:  # not hashable: ask every time, as Flask does
            return ensure_sync(func)

    app.ensure_sync = checked_once  # type: ignore[method-assign]  # Flask's extension point


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Building the app makes some 200,000 objects (modules, classes, mappings) that live
    as long as the process. The cyclic garbage collector, which runs every few hundred new
    objects, walked them again and again while they were made: a sixth of create_app's
    time. Paused, it looks at them once, at its first run after."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def init_body_limits(app: Flask) -> None:
    from symposium.web.body_limits import init_body_limits as init

    init(app)


def init_cache_headers(app: Flask) -> None:
    from symposium.web.cache_headers import init_cache_headers as init

    init(app)


def register_extensions(app: Flask) -> None:
    from flask_babel import lazy_gettext

    from symposium.accounts.service import load_user
    from symposium.database import configure_engine
    from symposium.extensions import babel, csrf, db, limiter, login, mailer, migrate
    from symposium.i18n import register_template_helpers, select_locale
    from symposium.urls import external_url
    from symposium.web.session_cookies import SessionCookies

    app.session_interface = SessionCookies()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    csrf.init_app(app)
    mailer.init_app(app)
    limiter.init_app(app)
    login.init_app(app)
    login.login_view = "accounts.sign_in"
    login.login_message = lazy_gettext("Sign in to see this page.")
    login.user_loader(load_user)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=app.root_path + "/../translations",
    )
    with app.app_context():
        configure_engine(db.engine, ping_after_idle=_ping_after_idle(app))
    register_template_helpers(app)
    app.jinja_env.globals["external_url"] = external_url


def _ping_after_idle(app: Flask) -> float | None:
    """Seconds after which an idle pooled connection is tested; None where the engine
    options ask for SQLAlchemy's own test before every use."""
    if app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping"):
        return None
    return float(app.config["DATABASE_PING_AFTER_IDLE_SECONDS"])


def register_blueprints(app: Flask) -> None:
    from symposium.web.accounts.views import bp as accounts
    from symposium.web.api.program import bp as program_api
    from symposium.web.api.registration import bp as registration_api
    from symposium.web.attendee.documents import bp as documents
    from symposium.web.attendee.registration import bp as registration
    from symposium.web.evaluations import register as register_evaluations
    from symposium.web.operations import init_operations
    from symposium.web.orders.finance_views import bp as organiser_finance
    from symposium.web.orders.views import bp as orders
    from symposium.web.organiser.account_views import bp as organiser_accounts
    from symposium.web.organiser.accreditation_views import bp as organiser_accreditation
    from symposium.web.organiser.allocation_views import bp as organiser_allocation
    from symposium.web.organiser.checkin_views import bp as organiser_checkin
    from symposium.web.organiser.document_views import bp as organiser_documents
    from symposium.web.organiser.program_views import bp as organiser_program
    from symposium.web.organiser.question_views import bp as organiser_questions
    from symposium.web.organiser.registration_views import bp as organiser_registrations
    from symposium.web.organiser.speaker_views import bp as organiser_speakers
    from symposium.web.organiser.views import bp as organiser
    from symposium.web.payments.views import bp as payments
    from symposium.web.public.feeds import bp as program_feeds
    from symposium.web.public.program import bp as program
    from symposium.web.signals import register as register_signals
    from symposium.web.speakers.views import bp as speakers
    from symposium.web.speakers.views import downloads as speaker_files

    app.register_blueprint(accounts)
    app.register_blueprint(organiser)
    app.register_blueprint(organiser_program)
    app.register_blueprint(organiser_registrations)
    app.register_blueprint(organiser_checkin)
    app.register_blueprint(organiser_questions)
    app.register_blueprint(organiser_accounts)
    app.register_blueprint(organiser_allocation)
    app.register_blueprint(organiser_speakers)
    app.register_blueprint(organiser_documents)
    app.register_blueprint(organiser_accreditation)
    app.register_blueprint(program)
    app.register_blueprint(program_feeds)
    app.register_blueprint(registration)
    app.register_blueprint(speakers)
    app.register_blueprint(speaker_files)
    app.register_blueprint(documents)
    app.register_blueprint(program_api)
    app.register_blueprint(registration_api)
    app.register_blueprint(orders)
    app.register_blueprint(organiser_finance)
    app.register_blueprint(payments)
    from symposium.extensions import csrf

    csrf.exempt("symposium.web.payments.views.webhook")  # Mollie posts it, without a token
    csrf.exempt(registration_api)
    register_evaluations(app)
    register_signals(app)
    init_operations(app)


def _contact_edition():
    """Whom an error page names to ask: the current edition's organisers, if the database
    answers at all."""
    from symposium.extensions import db
    from symposium.program.service import current_edition

    try:
        return current_edition()
    except Exception:  # an error page must render whatever broke
        db.session.rollback()
        return None


def register_error_handlers(app: Flask) -> None:
    from flask import jsonify, render_template, request
    from flask_babel import gettext as _
    from flask_wtf.csrf import CSRFError
    from werkzeug.exceptions import SecurityError

    from symposium.extensions import db

    def page(code: int):
        def handler(error):
            if code == 500:
                db.session.rollback()
            # e.g. the Allow header of a 405
            headers = [
                (name, value)
                for name, value in getattr(error, "get_headers", lambda: [])()
                if name.lower() != "content-type"
            ]
            if request.path.startswith("/api/"):
                return jsonify(error=getattr(error, "name", "Error")), code, headers
            if isinstance(error, SecurityError):
                # A host this site is not (TRUSTED_HOSTS): no page, it would link there.
                text = _("This site does not answer to that address.")
                return text, code, {"Content-Type": "text/plain; charset=utf-8"}
            return (
                render_template(
                    f"errors/{code}.html", error=error, contact_edition=_contact_edition()
                ),
                code,
                headers,
            )

        return handler

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, page(code))
    app.register_error_handler(CSRFError, page(400))


def register_commands(app: Flask) -> None:
    from symposium.cli import register

    register(app)
