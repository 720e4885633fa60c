"""Signals: sending one (room, sign-up, afterwards, organiser), supporting, moderating.

`add_signal` is the one way in for every source; it adds to the caller's transaction, so
other rules (an evaluation's answers) can turn what people wrote into signals inside their
own use case.
"""

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import use_case, utcnow
from symposium.extensions import db
from symposium.program.models import Edition, Session
from symposium.signals.models import (
    Perspective,
    Signal,
    SignalKind,
    SignalSettings,
    SignalSource,
    SignalStatus,
    Support,
    Theme,
)
from symposium.validation import Fields, RuleError

TEXT_LENGTH = 2_000
NAME_LENGTH = 200
THEME_LENGTH = 200


class SignalError(RuleError):
    message = _l("Some fields need attention.")


class SignalsClosed(SignalError):
    message = _l("This form is closed: signals are no longer taken here.")


def _choice(fields: Fields, name: str, value, kind: type, default):
    if value in (None, ""):
        return default
    try:
        return kind(value)
    except ValueError:
        fields.add(name, _l("Choose one of the options."))
        return default


def _themes_of(edition: Edition, themes: Iterable) -> list[Theme]:
    wanted = [theme for theme in themes if theme not in (None, "")]
    if not wanted:
        return []
    known = {theme.slug: theme for theme in themes_of(edition.id)}
    found = []
    for theme in wanted:
        slug = theme.slug if isinstance(theme, Theme) else str(theme)
        if slug not in known:
            raise SignalError({"themes": [_l("Choose themes of this edition.")]})
        found.append(known[slug])
    return found


def add_signal(
    edition: Edition,
    *,
    text: str,
    kind: SignalKind | str = SignalKind.practice,
    perspective: Perspective | str = Perspective.professional,
    themes: Iterable[Theme | str] = (),
    session: Session | None = None,
    source: SignalSource | str = SignalSource.organiser,
    name: str = "",
) -> Signal:
    """A new, unapproved signal in the caller's transaction (call it inside a `use_case`).
    `themes` are Theme objects or slugs of the edition's themes; SignalError when a field
    is wrong, with a message per field ("text", "kind", "perspective", "themes", "name")."""
    fields = Fields(SignalError)
    text = fields.text("text", text, TEXT_LENGTH, _l("Write your signal or question."), True)
    name = fields.text("name", name, NAME_LENGTH)
    kind = _choice(fields, "kind", kind, SignalKind, SignalKind.practice)
    perspective = _choice(fields, "perspective", perspective, Perspective, Perspective.professional)
    source = SignalSource(source)
    fields.raise_if_any()
    if session is not None and session.edition_id != edition.id:
        raise SignalError({"session": [_l("This session is not part of this edition.")]})
    signal = Signal(
        edition_id=edition.id,
        session_id=session.id if session is not None else None,
        text=text,
        kind=kind,
        perspective=perspective,
        source=source,
        name=name,
        themes=_themes_of(edition, themes),
    )
    db.session.add(signal)
    db.session.flush()
    return signal


# -- themes ----------------------------------------------------------------------------


def themes_of(edition_id: int) -> list[Theme]:
    return list(
        db.session.scalars(
            sa.select(Theme).where(Theme.edition_id == edition_id).order_by(Theme.position)
        )
    )


def slugify(title: str) -> str:
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:80] or "thema"


@use_case
def set_themes(edition_id: int, lines: str, actor: Actor) -> list[Theme]:
    """The edition's themes, one a line: "Dutch title | English title". Themes keep their
    signals while their line stays (matched by address); a removed line removes the theme."""
    fields = Fields(SignalError)
    wanted: list[tuple[str, str, str]] = []
    for number, line in enumerate((lines or "").splitlines(), start=1):
        if not line.strip():
            continue
        dutch, _bar, english = line.partition("|")
        dutch = fields.text("themes", dutch, THEME_LENGTH)
        english = fields.text("themes", english, THEME_LENGTH)
        if not dutch:
            fields.add("themes", _l("Line %(number)d has no Dutch title.", number=number))
        slug = slugify(dutch)
        if any(slug == seen for seen, _nl, _en in wanted):
            fields.add("themes", _l("Line %(number)d repeats a theme.", number=number))
        wanted.append((slug, dutch, english))
    fields.raise_if_any()
    existing = {theme.slug: theme for theme in themes_of(edition_id)}
    kept = []
    for position, (slug, dutch, english) in enumerate(wanted):
        theme = existing.pop(slug, None) or Theme(edition_id=edition_id, slug=slug)
        theme.title, theme.title_en, theme.position = dutch, english, position
        db.session.add(theme)
        kept.append(theme)
    for theme in existing.values():
        db.session.delete(theme)
    edition = db.session.get(Edition, edition_id)
    audit.record(
        actor,
        "signals.themes",
        edition,
        after={"themes": [t.title for t in kept]},
        label=edition.title,
        edition_id=edition_id,
    )
    return kept


# -- settings and the times the forms are open -----------------------------------------


def settings_of(edition_id: int) -> SignalSettings:
    """The edition's signal settings (defaults when none were saved)."""
    found = db.session.get(SignalSettings, edition_id)
    return found if found is not None else SignalSettings(edition_id=edition_id)


@use_case
def save_settings(
    edition_id: int, ask_at_sign_up: bool, afterwards_until: datetime | None, actor: Actor
) -> None:
    settings = db.session.get(SignalSettings, edition_id) or SignalSettings(edition_id=edition_id)
    db.session.add(settings)
    settings.ask_at_sign_up = ask_at_sign_up
    settings.afterwards_until = afterwards_until
    audit.record(
        actor,
        "signals.settings",
        db.session.get(Edition, edition_id),
        after={"ask_at_sign_up": ask_at_sign_up, "afterwards_until": afterwards_until},
        edition_id=edition_id,
    )


def room_opens_at(edition: Edition) -> datetime:
    """Midnight before the edition starts, in its time zone."""
    zone = ZoneInfo(edition.timezone)
    return datetime.combine(edition.starts_at.astimezone(zone).date(), time(), zone)


def room_open(edition: Edition, now: datetime | None = None) -> bool:
    """The room form takes signals on the day itself: from midnight before the edition
    starts until midnight after it ends, in the edition's time zone."""
    now = now or utcnow()
    zone = ZoneInfo(edition.timezone)
    last = datetime.combine(edition.ends_at.astimezone(zone).date(), time(), zone)
    return room_opens_at(edition) <= now < last + timedelta(days=1)


def afterwards_open(edition: Edition, now: datetime | None = None) -> bool:
    until = settings_of(edition.id).afterwards_until
    return until is not None and (now or utcnow()) < until


@dataclass
class SentSignal:
    """What someone typed into the room or afterwards form."""

    text: str
    kind: str = ""
    perspective: str = ""
    theme: str = ""
    name: str = ""


@use_case
def send_from_room(session_id: int, sent: SentSignal, now: datetime | None = None) -> Signal:
    """A signal from the room of a session, on the day; waits for a host's approval."""
    session = db.session.get(Session, session_id)
    if not room_open(session.edition, now):
        raise SignalsClosed()
    return add_signal(
        session.edition,
        text=sent.text,
        kind=sent.kind,
        perspective=sent.perspective,
        themes=[sent.theme],
        session=session,
        source=SignalSource.room,
        name=sent.name,
    )


@use_case
def send_afterwards(edition_id: int, sent: SentSignal, now: datetime | None = None) -> Signal:
    """A signal sent with the edition's link after the day, until the closing date."""
    edition = db.session.get(Edition, edition_id)
    if not afterwards_open(edition, now):
        raise SignalsClosed()
    return add_signal(
        edition,
        text=sent.text,
        kind=sent.kind,
        perspective=sent.perspective,
        themes=[sent.theme],
        source=SignalSource.afterwards,
        name=sent.name,
    )


# -- "ik herken dit" -------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@use_case
def support(signal_id: int, token: str) -> bool:
    """Count one "ik herken dit" from this browser; False when it already did (or the
    signal is not public)."""
    signal = db.session.get(Signal, signal_id)
    if signal is None or signal.status != SignalStatus.approved or len(token) < 16:
        return False
    hashed = token_hash(token)
    exists = db.session.scalar(
        sa.select(Support.id).where(Support.signal_id == signal_id, Support.token_hash == hashed)
    )
    if exists is not None:
        return False
    db.session.add(Support(signal_id=signal_id, token_hash=hashed))
    db.session.execute(
        sa.update(Signal).where(Signal.id == signal_id).values(supports=Signal.supports + 1)
    )
    return True


def supported_by(token: str | None, signal_ids: list[int]) -> set[int]:
    """Which of these signals this browser supported already."""
    if not token or not signal_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(Support.signal_id).where(
                Support.token_hash == token_hash(token), Support.signal_id.in_(signal_ids)
            )
        )
    )


# -- moderation ------------------------------------------------------------------------


def for_session(session_id: int) -> list[Signal]:
    """The session's signals for its host: pending first, newest first, merged ones out."""
    return list(
        db.session.scalars(
            sa.select(Signal)
            .where(Signal.session_id == session_id, Signal.merged_into_id.is_(None))
            .order_by(
                sa.case((Signal.status == SignalStatus.pending, 0), else_=1),
                Signal.created_at.desc(),
                Signal.id.desc(),
            )
        )
    )


def for_edition(edition_id: int, status: SignalStatus | None = None) -> list[Signal]:
    query = sa.select(Signal).where(
        Signal.edition_id == edition_id, Signal.merged_into_id.is_(None)
    )
    if status is not None:
        query = query.where(Signal.status == status)
    return list(db.session.scalars(query.order_by(Signal.created_at, Signal.id)))


def _signal(signal_id: int, session_id: int | None) -> Signal:
    signal = db.session.get(Signal, signal_id)
    if signal is None or (session_id is not None and signal.session_id != session_id):
        raise SignalError(_l("This signal does not exist."))
    return signal


@use_case
def moderate(signal_id: int, approve: bool, actor: Actor, session_id: int | None = None) -> Signal:
    """Approve (made public) or reject (kept out of sight) a signal."""
    signal = _signal(signal_id, session_id)
    before = signal.status
    signal.status = SignalStatus.approved if approve else SignalStatus.rejected
    signal.moderated_at = utcnow()
    audit.record(
        actor,
        "signal.approve" if approve else "signal.reject",
        signal,
        before={"status": before},
        after={"status": signal.status},
        label=signal.text[:80],
    )
    return signal


@use_case
def merge(signal_id: int, into_id: int, actor: Actor, session_id: int | None = None) -> Signal:
    """A duplicate goes into another signal: it is no longer shown, and counts as one more
    person recognising the other (with the supports it had)."""
    duplicate = _signal(signal_id, session_id)
    target = _signal(into_id, session_id)
    if duplicate.id == target.id or target.merged_into_id is not None:
        raise SignalError({"into": [_l("Choose another signal to merge this one into.")]})
    duplicate.merged_into_id = target.id
    duplicate.moderated_at = utcnow()
    target.supports = target.supports + duplicate.supports + 1
    for theme in duplicate.themes:
        if theme not in target.themes:
            target.themes.append(theme)
    # What was merged into the duplicate before follows it into the target.
    db.session.execute(
        sa.update(Signal)
        .where(Signal.merged_into_id == duplicate.id)
        .values(merged_into_id=target.id)
    )
    audit.record(
        actor,
        "signal.merge",
        duplicate,
        after={"merged_into": target.id},
        label=duplicate.text[:80],
    )
    return target
