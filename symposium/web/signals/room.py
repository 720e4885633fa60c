"""Signals from the room: the one-field form a phone opens from the QR code, the projector
page showing that code, "ik herken dit", and the form for afterwards."""

import io
import secrets

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from symposium.database import utcnow
from symposium.extensions import limiter
from symposium.program import service as program
from symposium.signals import service
from symposium.urls import external_url
from symposium.web.common import edition_or_404, found_or_404
from symposium.web.signals.forms import SignalForm

bp = Blueprint("signals", __name__)

#: the browser's random "ik herken dit" token; only its sha256 is stored
SUPPORT_COOKIE = "symposium_support"
#: a whole room shares the venue's wifi: the limit is per address and session, and high
ROOM_LIMIT = "30 per minute; 300 per hour"


def _room_key() -> str:
    return f"{request.remote_addr}:{request.view_args.get('session_slug', '')}"


def _session(slug: str, session_slug: str):
    edition = edition_or_404(slug)
    return edition, found_or_404(program.session_by_slug(edition, session_slug))


def _sent(form: SignalForm) -> service.SentSignal:
    return service.SentSignal(
        text=form.text.data or "",
        kind=form.kind.data or "",
        perspective=form.perspective.data or "",
        theme=form.theme.data or "",
        name=form.name.data or "",
    )


def room_url(edition, session) -> str:
    return external_url("signals.short", slug=edition.slug, session_id=session.id)


@bp.route("/<slug>/sessions/<session_slug>/signal", methods=["GET", "POST"])
@limiter.limit(ROOM_LIMIT, key_func=_room_key, methods=["POST"])
def room(slug: str, session_slug: str):
    """The room form: one field, for a phone, without an account or JavaScript."""
    edition, session = _session(slug, session_slug)
    form = SignalForm().with_choices(service.themes_of(edition.id))
    is_open = service.room_open(edition)
    if is_open and form.validate_on_submit():
        try:
            service.send_from_room(session.id, _sent(form))
        except service.SignalsClosed:
            is_open = False
        except service.SignalError as error:
            form.attach(error.errors)
        else:
            return redirect(url_for(".thanks", slug=slug, session_slug=session_slug))
    return render_template(
        "signals/room.html",
        edition=edition,
        session=session,
        form=form,
        errors=form.errors,
        is_open=is_open,
        not_yet=service.room_opens_at(edition) > utcnow(),
        action=url_for(".room", slug=slug, session_slug=session_slug),
    )


@bp.route("/<slug>/s/<int:session_id>")
def short(slug: str, session_id: int):
    """The short link on the projector and the door list."""
    edition = edition_or_404(slug)
    session = next((s for s in edition.sessions if s.id == session_id), None)
    found_or_404(session)
    return redirect(url_for(".room", slug=slug, session_slug=session.slug))


@bp.route("/<slug>/sessions/<session_slug>/signal/thanks")
def thanks(slug: str, session_slug: str):
    """What happens next with a signal."""
    edition, session = _session(slug, session_slug)
    return render_template("signals/thanks.html", edition=edition, session=session)


@bp.route("/<slug>/sessions/<session_slug>/projector")
def projector(slug: str, session_slug: str):
    """For the projector: a big QR code and the short link to the room form."""
    edition, session = _session(slug, session_slug)
    return render_template(
        "signals/projector.html",
        edition=edition,
        session=session,
        url=room_url(edition, session),
        is_open=service.room_open(edition),
    )


def qr_svg(url: str, scale: int = 10) -> bytes:
    import segno  # imported when used: it slows every start-up

    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=scale, border=2, title=url)
    return buffer.getvalue()


@bp.route("/<slug>/sessions/<session_slug>/qr.svg")
def qr(slug: str, session_slug: str):
    """The QR code of the room form's short link."""
    edition, session = _session(slug, session_slug)
    response = Response(qr_svg(room_url(edition, session)), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.route("/<slug>/signals/<int:signal_id>/support", methods=["POST"])
@limiter.limit("60 per minute", methods=["POST"])
def support(slug: str, signal_id: int):
    """ "Ik herken dit": once per browser, on approved signals."""
    edition_or_404(slug)
    token = request.cookies.get(SUPPORT_COOKIE) or ""
    fresh = len(token) < 16 or len(token) > 100
    if fresh:
        token = secrets.token_urlsafe(24)
    if service.support(signal_id, token):
        flash(_("Thank you: we counted that you recognise this."), "success")
    else:
        flash(_("You have already said you recognise this."), "info")
    back = url_for("signals_public.harvest", slug=slug, _anchor=f"signal-{signal_id}")
    response = redirect(back)
    if fresh:
        response.set_cookie(
            SUPPORT_COOKIE,
            token,
            max_age=400 * 24 * 3600,
            secure=request.is_secure,
            httponly=True,
            samesite="Lax",
        )
    return response


@bp.route("/<slug>/signal", methods=["GET", "POST"])
@limiter.limit("10 per minute; 60 per hour", methods=["POST"])
def afterwards(slug: str):
    """Signals afterwards, with the edition's link, until the closing date."""
    edition = edition_or_404(slug)
    form = SignalForm().with_choices(service.themes_of(edition.id))
    is_open = service.afterwards_open(edition)
    if is_open and form.validate_on_submit():
        try:
            service.send_afterwards(edition.id, _sent(form))
        except service.SignalsClosed:
            is_open = False
        except service.SignalError as error:
            form.attach(error.errors)
        else:
            return render_template("signals/thanks.html", edition=edition, session=None)
    return render_template(
        "signals/room.html",
        edition=edition,
        session=None,
        form=form,
        errors=form.errors,
        is_open=is_open,
        action=url_for(".afterwards", slug=slug),
    )
