"""The rapporteur of a session: invited by mail, signs in by link like a speaker, and writes
the session's harvest (main points, signals, questions, agreements, who were at the table:
perspectives and counts, never names). A rapporteur also moderates the room's signals."""

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from symposium.accounts.models import Role, User
from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import use_case, utcnow
from symposium.extensions import db
from symposium.mail.outbox import Mail, builder, queue_later
from symposium.program.models import Person, Session
from symposium.signals.models import (
    Perspective,
    SessionHarvest,
    SignalSource,
    SignalStatus,
)
from symposium.signals.service import SignalError, add_signal
from symposium.speakers.invitations import link_token
from symposium.speakers.models import SignInLink
from symposium.speakers.rules import LINK_LIFETIME
from symposium.urls import external_url
from symposium.validation import Fields

HARVEST_LENGTH = 20_000
MAX_AT_TABLE = 10_000


def harvest_of(session_id: int) -> SessionHarvest | None:
    return db.session.get(SessionHarvest, session_id)


def is_rapporteur(user, session: Session) -> bool:
    found = harvest_of(session.id)
    person_id = getattr(user, "person_id", None)
    return found is not None and person_id is not None and found.rapporteur_id == person_id


def sessions_reported_by(person_id: int | None) -> list[Session]:
    if person_id is None:
        return []
    return list(
        db.session.scalars(
            sa.select(Session)
            .join(SessionHarvest, SessionHarvest.session_id == Session.id)
            .where(SessionHarvest.rapporteur_id == person_id)
            .order_by(Session.starts_at)
        )
    )


@use_case
def invite(session_id: int, name: str, email: str, locale: str, actor: Actor) -> User:
    """Make someone the session's rapporteur and mail them a sign-in link."""
    fields = Fields(SignalError)
    name = fields.text("name", name, 200, _l("Enter the rapporteur's name."))
    email = fields.text("email", email, 254, _l("Enter the rapporteur's e-mail address.")).lower()
    if email and ("@" not in email or " " in email):
        fields.add("email", _l("Enter an e-mail address like name@example.org."))
    fields.raise_if_any()
    session = db.session.get(Session, session_id)
    if session is None:
        raise SignalError({"session": [_l("Choose a session.")]})
    account = db.session.scalars(sa.select(User).where(User.email == email)).first()
    if account is not None and account.role == Role.organiser:
        raise SignalError({"email": [_l("This address belongs to an organiser.")]})
    person = account.person if account is not None and account.person else None
    if person is None:
        person = db.session.scalars(sa.select(Person).where(Person.email == email)).first()
    if person is None:
        person = Person(name=name, email=email)
        db.session.add(person)
        db.session.flush()
    if account is None:
        account = User(email=email, role=Role.speaker, name=name)
        db.session.add(account)
    account.person_id, account.active = person.id, True
    account.locale = locale if locale in current_app.config["LANGUAGES"] else "nl"
    found = harvest_of(session.id) or SessionHarvest(session_id=session.id, at_table={})
    found.rapporteur_id = person.id
    db.session.add(found)
    db.session.flush()
    link = SignInLink(user_id=account.id)
    db.session.add(link)
    db.session.flush()
    queue_later(
        "rapporteur_invitation",
        f"rapporteur-invitation:{link.id}",
        email,
        {"link_id": link.id, "session_id": session.id},
    )
    audit.record(actor, "signals.rapporteur", session, after={"email": email}, label=session.title)
    return account


@builder("rapporteur_invitation")
def _invitation(refs: dict) -> Mail | None:
    link = db.session.get(SignInLink, refs["link_id"])
    session = db.session.get(Session, refs["session_id"])
    if link is None or link.used_at is not None or session is None:
        return None
    user = db.session.get(User, link.user_id)
    if user is None or user.person is None:
        return None
    return Mail(
        kind="rapporteur_invitation",
        dedupe_key="",
        recipient=user.email,
        locale=user.locale,
        subject=lambda: _("Will you write the harvest of %(title)s?", title=session.title),
        context={
            "person": user.person,
            "session": session,
            "edition": session.edition,
            "link_url": external_url("speakers.follow_link", token=link_token(link)),
            "write_url": external_url(
                "signals_host.write", slug=session.edition.slug, session_slug=session.slug
            ),
            "days": LINK_LIFETIME.days,
            "sign_in_url": external_url("speakers.sign_in"),
        },
    )


def _count(fields: Fields, perspective: Perspective, typed) -> int:
    text = str(typed or "").strip()
    if not text:
        return 0
    if not text.isascii() or not text.isdigit() or int(text) > MAX_AT_TABLE:
        fields.add(f"at_table-{perspective.value}", _l("Enter a number of people, like 4."))
        return 0
    return int(text)


@use_case
def save(session_id: int, typed: dict, actor: Actor) -> SessionHarvest:
    """The session's harvest; each line under "signals" becomes an approved signal of the
    session (the rapporteur moderates as the host does)."""
    fields = Fields(SignalError)
    texts = {
        name: fields.text(name, typed.get(name, ""), HARVEST_LENGTH, multiline=True)
        for name in ("main_points", "questions", "agreements", "signals")
    }
    at_table = {p.value: _count(fields, p, typed.get(f"at_table-{p.value}")) for p in Perspective}
    fields.raise_if_any()
    session = db.session.get(Session, session_id)
    found = harvest_of(session_id) or SessionHarvest(session_id=session_id)
    db.session.add(found)
    found.main_points = texts["main_points"]
    found.questions = texts["questions"]
    found.agreements = texts["agreements"]
    found.at_table = {key: count for key, count in at_table.items() if count}
    found.updated_at = utcnow()
    for line in texts["signals"].splitlines():
        if line.strip(" -*\t"):
            signal = add_signal(
                session.edition,
                text=line.strip(" -*\t"),
                session=session,
                source=SignalSource.rapporteur,
            )
            signal.status, signal.moderated_at = SignalStatus.approved, utcnow()
    audit.record(actor, "signals.session_harvest", session, label=session.title)
    return found
