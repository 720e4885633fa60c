"""Invitations and sign-in links: a speaker signs in with a link mailed to them."""

from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

from symposium.accounts.models import Role, User
from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import use_case
from symposium.extensions import db
from symposium.mail import lookups
from symposium.mail.models import LinkRequest
from symposium.mail.outbox import queue_later
from symposium.program.models import (
    Edition,
    Person,
    Session,
)
from symposium.speakers.models import SignInLink
from symposium.speakers.rules import _LINK_SALT, LINK_LIFETIME, LinkRefused, SpeakerError, _now

# -- invitations and sign-in links -----------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_LINK_SALT)


def link_token(link: SignInLink) -> str:
    """The signed, dated token in a mailed link: it names the link's account and nonce."""
    return _serializer().dumps([link.user_id, link.nonce])


def _read_token(token: str) -> tuple[int, str]:
    try:
        user_id, nonce = _serializer().loads(token, max_age=int(LINK_LIFETIME.total_seconds()))
    except SignatureExpired as error:
        raise LinkRefused(
            _l("This sign-in link has expired: links work for 7 days. Ask for a new one below.")
        ) from error
    except (BadData, TypeError, ValueError) as error:
        raise LinkRefused() from error
    if not isinstance(user_id, int) or not isinstance(nonce, str):
        raise LinkRefused()
    return user_id, nonce


def check_link(token: str, now: datetime | None = None) -> SignInLink:
    """The link a token stands for, while it can still be used; LinkRefused otherwise."""
    now = now or _now()
    user_id, nonce = _read_token(token)
    link = db.session.scalars(
        sa.select(SignInLink).where(SignInLink.nonce == nonce, SignInLink.user_id == user_id)
    ).first()
    if link is None:
        raise LinkRefused()
    if link.used_at is not None:
        raise LinkRefused(
            _l(
                "This sign-in link has already been used, or a newer one replaced it. "
                "Ask for a new one below."
            )
        )
    if now - link.created_at > LINK_LIFETIME:
        raise LinkRefused(
            _l("This sign-in link has expired: links work for 7 days. Ask for a new one below.")
        )
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.role != Role.speaker:
        raise LinkRefused()
    return link


@use_case
def use_link(token: str, now: datetime | None = None) -> User:
    """Spend a link: the one conditional update that marks it used lets one sign-in through."""

    at = now or _now()
    link = check_link(token, at)
    spent = db.session.execute(
        sa.update(SignInLink)
        .where(SignInLink.id == link.id, SignInLink.used_at.is_(None))
        .values(used_at=at)
        .execution_options(synchronize_session=False)
    ).rowcount
    if spent != 1:
        raise LinkRefused(
            _l(
                "This sign-in link has already been used, or a newer one replaced it. "
                "Ask for a new one below."
            )
        )
    # Older links still in mailboxes stop working once one is used.
    db.session.execute(
        sa.update(SignInLink)
        .where(SignInLink.user_id == link.user_id, SignInLink.used_at.is_(None))
        .values(used_at=at)
        .execution_options(synchronize_session=False)
    )
    return db.session.get(User, link.user_id)


def sessions_of_person(person_id: int) -> list[Session]:
    """The sessions someone speaks at or takes notes for, in the order of the day."""
    return list(
        db.session.scalars(
            sa.select(Session)
            .where(
                sa.or_(
                    Session.speakers.any(Person.id == person_id),
                    Session.summary_note_taker_id == person_id,
                )
            )
            .order_by(Session.starts_at)
        )
    )


def latest_edition(person_id: int) -> Edition | None:
    """The edition of someone's most recent session, to name in their mail."""
    found = sessions_of_person(person_id)
    return max((s.edition for s in found), key=lambda e: e.starts_at) if found else None


def speaker_account(person_id: int) -> User | None:
    return db.session.scalars(sa.select(User).where(User.person_id == person_id)).first()


@use_case
def invite(person_id: int, locale: str, actor: Actor) -> User:
    """Give a speaker an account (or wake theirs) and mail them a sign-in link."""
    locale = locale if locale in current_app.config["LANGUAGES"] else "nl"

    person = db.session.get(Person, person_id)
    if person is None:
        raise SpeakerError(_l("This speaker does not exist."))
    email = (person.email or "").strip().lower()
    if not email:
        raise SpeakerError(_l("Add an e-mail address for this speaker first."))
    if not sessions_of_person(person.id):
        raise SpeakerError(
            _l("Link this speaker to a session first: only speakers of a session are invited.")
        )
    account = speaker_account(person.id)
    same_address = db.session.scalars(sa.select(User).where(User.email == email)).first()
    if same_address is not None and same_address is not account:
        if same_address.role == Role.organiser:
            raise SpeakerError(
                _l("This address belongs to an organiser, who can already do all a speaker can.")
            )
        if same_address.person_id is not None:
            raise SpeakerError(
                _l(
                    "Another speaker entry, %(name)s, already signs in with this address. "
                    "Use one entry per person.",
                    name=same_address.person.name if same_address.person else email,
                )
            )
        if account is not None:
            account.person_id = None
            db.session.flush()
        account = same_address
    if account is None:
        account = User(email=email, role=Role.speaker)
        db.session.add(account)
    account.email = email
    account.name = person.name
    account.person_id = person.id
    account.locale = locale
    account.active = True
    db.session.flush()
    link = SignInLink(user_id=account.id)
    db.session.add(link)
    db.session.flush()
    queue_later("speaker_invitation", f"speaker-invitation:{link.id}", email, {"link_id": link.id})
    edition = latest_edition(person.id)
    audit.record(
        actor,
        "speaker.invite",
        person,
        after={"email": email},
        label=person.name,
        edition_id=edition.id if edition else None,
    )
    return account


def _quarter_hour(now: datetime) -> str:
    return now.strftime("%Y%m%d%H") + str(now.minute // 15)


@use_case
def request_link(email: str, locale: str, now: datetime | None = None) -> None:
    """Ask for a link: the same one insert whether or not the address is a speaker's; the
    worker resolves it (`_send_link`)."""
    lookups.ask("speaker_sign_in", email, locale, now=now)


@lookups.resolver("speaker_sign_in")
def _resolve(request: LinkRequest) -> None:
    _send_link(request.email, request.locale, request.created_at)


def _send_link(email: str, locale: str, now: datetime) -> None:
    """Mail a fresh link to a known speaker; nothing for another address.

    At most one mail a quarter of an hour, so that a double click sends one message."""

    account = db.session.scalars(
        sa.select(User).where(
            User.email == email,
            User.role == Role.speaker,
            User.active.is_(True),
            User.person_id.is_not(None),
        )
    ).first()
    if account is None:
        return
    if locale in current_app.config["LANGUAGES"]:
        account.locale = locale
    link = SignInLink(user_id=account.id, created_at=now)
    db.session.add(link)
    db.session.flush()
    queue_later(
        "speaker_sign_in",
        f"speaker-sign-in:{account.id}:{_quarter_hour(now)}",
        account.email,
        {"link_id": link.id},
    )
