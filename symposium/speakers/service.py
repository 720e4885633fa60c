"""The speakers' rules: who may act on a session, invitations and sign-in links, materials,
profiles, and the summary of a session from draft to published.

A speaker acts only on the sessions they give (a note-taker the organisers named only sees
the session and writes its summary); an organiser may do all of it on any session. Each
use case is one transaction; mail goes to the outbox inside it. What the public session
pages show (materials, a published summary, a speaker's profile) bumps the edition's
program version when it changes, so that nothing cached on it goes stale.
"""

import enum
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from markupsafe import Markup

from symposium.accounts.models import Role, User
from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import in_transaction, use_case
from symposium.extensions import db
from symposium.mail.outbox import queue_later
from symposium.program.models import (
    Edition,
    EditionStatus,
    Person,
    Session,
    SessionKind,
    SummaryStatus,
)
from symposium.program.service import Seats, bump_program_version, session_seats
from symposium.registration.models import (
    Choice,
    ChoiceState,
    Registration,
    RegistrationStatus,
)
from symposium.speakers import files
from symposium.speakers.models import Material, MaterialKind, SignInLink, Visibility
from symposium.text import has_control_characters, safe_markdown
from symposium.validation import RuleError, clean_text

LINK_LIFETIME = timedelta(days=7)
SUMMARY_LENGTH = 50_000
REMARK_LENGTH = 2_000
BIO_LENGTH = 5_000
_LINK_SALT = "symposium.speaker-sign-in"


def _now() -> datetime:
    return datetime.now(UTC)


# -- errors a person can read ----------------------------------------------------------


class SpeakerError(RuleError):
    """Something the speakers' rules refuse."""


class Invalid(SpeakerError):
    message = _l("Some fields need attention.")


class LinkRefused(SpeakerError):
    message = _l("This sign-in link does not work. Ask for a new one below.")


def _text(errors: dict, name: str, value, limit: int, required=None, multiline=False) -> str:
    value, problem = clean_text(value, limit, required, multiline)
    if problem is not None:
        errors.setdefault(name, []).append(problem)
    return value


# -- who may do what -------------------------------------------------------------------


class Act(enum.StrEnum):
    #: see the session in the speaker area: seats, materials, summary state
    view = "view"
    materials = "materials"
    summary = "summary"


def may(user, session: Session, act: Act) -> bool:
    """Organisers on any session; speakers on their own; note-takers see and summarise."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role == Role.organiser:
        return True
    if user.role != Role.speaker or user.person_id is None:
        return False
    if any(person.id == user.person_id for person in session.speakers):
        return True
    return act in (Act.view, Act.summary) and session.summary_note_taker_id == user.person_id


def sessions_for(user: User) -> list[Session]:
    """The sessions a person can open in the speaker area, newest edition first."""
    query = (
        sa.select(Session)
        .join(Session.edition)
        .order_by(Edition.starts_at.desc(), Session.starts_at, Session.title)
    )
    if user.role != Role.organiser:
        if user.person_id is None:
            return []
        query = query.where(
            sa.or_(
                Session.speakers.any(Person.id == user.person_id),
                Session.summary_note_taker_id == user.person_id,
            )
        )
    return list(db.session.scalars(query))


def session(session_id: int) -> Session | None:
    return db.session.get(Session, session_id)


@dataclass(frozen=True)
class Attendee:
    name: str
    organisation: str


def attendees(session_: Session) -> list[Registration]:
    """Confirmed people holding a seat; everyone confirmed for a plenary."""
    query = sa.select(Registration).where(
        Registration.edition_id == session_.edition_id,
        Registration.status == RegistrationStatus.confirmed,
    )
    if session_.kind == SessionKind.breakout:
        query = query.where(
            sa.exists().where(
                Choice.registration_id == Registration.id,
                Choice.session_id == session_.id,
                Choice.state == ChoiceState.confirmed,
            )
        )
    return list(
        db.session.scalars(
            query.order_by(Registration.last_name, Registration.first_name, Registration.id)
        )
    )


@dataclass
class SessionView:
    session: Session
    seats: Seats
    #: names and organisations, when the edition lets speakers see them; else None
    attendees: list[Attendee] | None
    materials: list[Material]
    may_change_materials: bool
    may_write_summary: bool


def session_view(user: User, session_: Session) -> SessionView:
    """What the speaker area shows of one session. Never an attendee's address."""
    names = None
    if session_.edition.speakers_see_attendees:
        names = [Attendee(r.full_name, r.organisation) for r in attendees(session_)]
    return SessionView(
        session=session_,
        seats=session_seats(session_),
        attendees=names,
        materials=materials_of(session_),
        may_change_materials=may(user, session_, Act.materials),
        may_write_summary=may(user, session_, Act.summary),
    )


@use_case
def set_attendees_visible(edition_id: int, visible: bool, actor: Actor) -> None:
    edition = db.session.get(Edition, edition_id)
    audit.record(
        actor,
        "edition.speakers_see_attendees",
        edition,
        before={"speakers_see_attendees": edition.speakers_see_attendees},
        after={"speakers_see_attendees": visible},
        label=edition.title,
        edition_id=edition.id,
    )
    edition.speakers_see_attendees = visible


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
    """Mail a fresh link to a known speaker; say nothing about whether the address is one.

    At most one mail a quarter of an hour, so that a double click sends one message."""
    email = (email or "").strip().lower()
    now = now or _now()
    if has_control_characters(email):
        return  # no speaker's address has them (and PostgreSQL refuses NUL in a query)

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


# -- materials -------------------------------------------------------------------------


@dataclass
class Upload:
    """A file as it came in: its bytes and the name the browser gave it."""

    stream: BinaryIO
    filename: str


@dataclass
class MaterialData:
    kind: str = MaterialKind.slides.value
    visibility: str = Visibility.public.value


def upload_limit() -> int:
    return int(float(current_app.config["MAX_UPLOAD_MB"]) * 1024 * 1024)


def _refusal(error: files.FileRefused, filename: str, allowed) -> str:
    if error.reason == "empty":
        return _("The file “%(name)s” is empty.", name=_shown_name(filename))
    if error.reason == "too_large":
        return _(
            "The file is larger than %(limit)s MB. Make it smaller, for example by saving "
            "the slides as PDF, and try again.",
            limit=current_app.config["MAX_UPLOAD_MB"],
        )
    kinds = ", ".join(files.LABELS[kind] for kind in files.EXTENSIONS if kind in allowed)
    return _(
        "“%(name)s” cannot be used: its content is not one of these types, whatever its "
        "name says: %(kinds)s.",
        name=_shown_name(filename),
        kinds=kinds,
    )


def _shown_name(filename: str) -> str:
    """An uploaded name as it may be repeated in a message: cleaned, and not too long."""
    name = "".join(
        c for c in (filename or "") if not unicodedata.category(c).startswith("C")
    ).strip()
    return name if len(name) <= 80 else name[:77] + "…"


def _store(field: str, upload: Upload | None, allowed, required: bool) -> files.Stored | None:
    if upload is None or not upload.filename:
        if required:
            raise Invalid({field: [_l("Choose a file to upload.")]})
        return None
    try:
        return files.store(upload.stream, allowed, upload_limit())
    except files.FileRefused as error:
        raise Invalid({field: [_refusal(error, upload.filename, allowed)]}) from error


def _blob_in_use(sha256: str) -> bool:
    return bool(
        db.session.scalar(sa.select(Material.id).where(Material.sha256 == sha256).limit(1))
        or db.session.scalar(sa.select(Person.id).where(Person.photo_sha256 == sha256).limit(1))
    )


def _forget(sha256: str | None) -> None:
    """Remove a stored file nothing refers to any more (after the change is committed)."""
    if sha256 and not _blob_in_use(sha256):
        files.remove(sha256)


def _material_fields(data: MaterialData) -> tuple[MaterialKind, Visibility]:
    errors: dict[str, list] = {}
    if data.kind not in MaterialKind.__members__:
        errors["kind"] = [_l("Choose what kind of material this is.")]
    if data.visibility not in Visibility.__members__:
        errors["visibility"] = [_l("Choose who can download this material.")]
    if errors:
        raise Invalid(errors)
    return MaterialKind(data.kind), Visibility(data.visibility)


def _fallback_name(kind: MaterialKind) -> str:
    """For a file whose name had nothing left after cleaning."""
    return "slides" if kind == MaterialKind.slides else "handout"


def materials_of(session_: Session, visibilities=None) -> list[Material]:
    query = sa.select(Material).where(Material.session_id == session_.id)
    if visibilities is not None:
        query = query.where(Material.visibility.in_(list(visibilities)))
    return list(db.session.scalars(query.order_by(Material.kind, Material.created_at)))


def material_of(session_: Session, material_id: int) -> Material | None:
    material = db.session.get(Material, material_id)
    return material if material is not None and material.session_id == session_.id else None


def _material_record(material: Material) -> dict:
    return {
        "file": material.filename,
        "kind": material.kind,
        "visibility": material.visibility,
        "size": material.size,
    }


def add_material(session_id: int, data: MaterialData, upload: Upload | None, by: User) -> Material:
    """Keep an uploaded file for a session. A refused file leaves nothing stored."""
    kind, visibility = _material_fields(data)
    stored = _store("file", upload, files.MATERIAL_TYPES, required=True)

    def use_case():
        session_ = db.session.get(Session, session_id)
        material = Material(
            session_id=session_.id,
            kind=kind,
            visibility=visibility,
            filename=files.clean_name(upload.filename, stored.content_type, _fallback_name(kind)),
            content_type=stored.content_type,
            size=stored.size,
            sha256=stored.sha256,
            uploaded_by_id=by.id,
        )
        db.session.add(material)
        db.session.flush()
        bump_program_version(session_.edition)
        audit.record(
            Actor(by.id, by.email),
            "material.add",
            session_,
            after=_material_record(material),
            label=session_.title,
        )
        return material

    try:
        return in_transaction(use_case)
    except BaseException:
        _forget(stored.sha256)
        raise


def update_material(
    material_id: int, data: MaterialData, upload: Upload | None, by: User
) -> Material:
    """Change who can download a material, or replace its file by a new one."""
    kind, visibility = _material_fields(data)
    stored = _store("file", upload, files.MATERIAL_TYPES, required=False)
    replaced: list[str] = []

    def use_case():
        material = db.session.get(Material, material_id)
        before = _material_record(material)
        material.kind = kind
        material.visibility = visibility
        if stored is not None:
            if material.sha256 != stored.sha256:
                replaced.append(material.sha256)
            material.filename = files.clean_name(
                upload.filename, stored.content_type, _fallback_name(kind)
            )
            material.content_type = stored.content_type
            material.size = stored.size
            material.sha256 = stored.sha256
            material.uploaded_by_id = by.id
        material.updated_at = _now()
        bump_program_version(material.session.edition)
        audit.record(
            Actor(by.id, by.email),
            "material.update",
            material.session,
            before=before,
            after=_material_record(material),
            label=material.session.title,
        )
        return material

    try:
        material = in_transaction(use_case)
    except BaseException:
        if stored is not None:
            _forget(stored.sha256)
        raise
    for sha256 in replaced:
        _forget(sha256)
    return db.session.get(Material, material.id)


def delete_material(material_id: int, by: User) -> None:
    """Remove a material, and its file once nothing else uses the same content."""

    def use_case():
        material = db.session.get(Material, material_id)
        if material is None:
            return None
        audit.record(
            Actor(by.id, by.email),
            "material.delete",
            material.session,
            before=_material_record(material),
            label=material.session.title,
        )
        bump_program_version(material.session.edition)
        db.session.delete(material)
        return material.sha256

    _forget(in_transaction(use_case))


def attends(registration: Registration, session_: Session) -> bool:
    """A confirmed registration holding a seat in the session (any seat, for a plenary)."""
    if (
        registration.status != RegistrationStatus.confirmed
        or registration.edition_id != session_.edition_id
    ):
        return False
    if session_.kind == SessionKind.plenary:
        return True
    return any(
        choice.session_id == session_.id and choice.state == ChoiceState.confirmed
        for choice in registration.choices
    )


def may_download(material: Material, user, registration: Registration | None) -> bool:
    """Public for all once the edition is out; "attendees" through a manage link; the
    session's speakers and organisers always."""
    session_ = material.session
    if may(user, session_, Act.view):
        return True
    if material.visibility == Visibility.public:
        return session_.edition.status != EditionStatus.draft
    if material.visibility == Visibility.attendees:
        return registration is not None and attends(registration, session_)
    return False


def materials_for_attendee(registration: Registration) -> list[tuple[Session, list[Material]]]:
    """Per session the person attends, the materials they may download."""
    held = [
        choice.session for choice in registration.choices if choice.state == ChoiceState.confirmed
    ]
    sessions_ = [
        s for s in registration.edition.sessions if s.kind == SessionKind.plenary or s in held
    ]
    if registration.status != RegistrationStatus.confirmed or not sessions_:
        return []
    found = db.session.scalars(
        sa.select(Material)
        .where(
            Material.session_id.in_([s.id for s in sessions_]),
            Material.visibility.in_([Visibility.public, Visibility.attendees]),
        )
        .order_by(Material.kind, Material.created_at)
    ).all()
    by_session: dict[int, list[Material]] = {}
    for material in found:
        by_session.setdefault(material.session_id, []).append(material)
    return [(s, by_session[s.id]) for s in sessions_ if s.id in by_session]


# -- profile ---------------------------------------------------------------------------


@dataclass
class ProfileData:
    name: str = ""
    affiliation: str = ""
    bio: str = ""
    remove_photo: bool = False


def profile_values(person: Person) -> ProfileData:
    return ProfileData(name=person.name, affiliation=person.affiliation or "", bio=person.bio or "")


def update_profile(user: User, data: ProfileData, photo: Upload | None) -> Person:
    """A speaker's name, affiliation, short bio and photo, as the session pages show them."""
    errors: dict[str, list] = {}
    values = {
        "name": _text(errors, "name", data.name, 200, _l("Enter your name.")),
        "affiliation": _text(errors, "affiliation", data.affiliation, 200),
        "bio": _text(errors, "bio", data.bio, BIO_LENGTH, multiline=True),
    }
    if errors:
        raise Invalid(errors)
    stored = _store("photo", photo, files.PHOTO_TYPES, required=False)
    old_photo: list[str] = []

    def use_case():
        person = db.session.get(Person, user.person_id)
        before = {**{key: getattr(person, key) for key in values}, "photo": person.photo_sha256}
        for key, value in values.items():
            setattr(person, key, value.replace("\r\n", "\n"))
        if stored is not None or data.remove_photo:
            if person.photo_sha256 and person.photo_sha256 != getattr(stored, "sha256", None):
                old_photo.append(person.photo_sha256)
            person.photo_sha256 = stored.sha256 if stored else None
            person.photo_type = stored.content_type if stored else None
        after = {**{key: getattr(person, key) for key in values}, "photo": person.photo_sha256}
        if before != after:
            for edition in {s.edition for s in person.sessions}:
                bump_program_version(edition)
            audit.record(Actor(user.id, user.email), "person.profile", person, before, after)
        return person

    try:
        person = in_transaction(use_case)
    except BaseException:
        if stored is not None:
            _forget(stored.sha256)
        raise
    for sha256 in old_photo:
        _forget(sha256)
    return db.session.get(Person, person.id)


# -- summaries -------------------------------------------------------------------------

_RAW_HTML = re.compile(r"<\s*/?\s*[a-zA-Z!?]")
_HEADING_LINE = re.compile(r"^\s{0,3}#{1,6}(\s.*)?$")


def render_summary(text: str) -> Markup:
    """A summary as safe HTML, its headings from h3 down (under the session's h2)."""
    return safe_markdown(text, top_heading=3)


def summary_has_html(text: str) -> bool:
    """Whether the text holds HTML, which is shown as plain text rather than run."""
    return bool(_RAW_HTML.search(text or ""))


def summary_outline() -> str:
    """The headings a summary starts from, in the writer's language."""
    return "\n\n".join(
        [
            "## " + _("What was discussed"),
            "## " + _("Signals from practice"),
            "## " + _("Agreements and follow-up"),
            "",
        ]
    )


def _has_content(text: str) -> bool:
    """More than headings: something was written."""
    return any(line.strip() and not _HEADING_LINE.match(line) for line in text.splitlines())


def summary_problems(text: str, submitting: bool) -> list:
    if len(text) > SUMMARY_LENGTH:
        return [_l("Use at most %(limit)d characters.", limit=SUMMARY_LENGTH)]
    if has_control_characters(text, multiline=True):
        return [_l("Remove the control characters from the summary.")]
    if submitting and not _has_content(text):
        return [_l("Write the summary before you submit it.")]
    return []


@use_case
def save_summary(session_id: int, text: str, submit: bool, by: User) -> Session:
    """Keep the text; `submit` hands it to the organisers. Speakers change drafts only;
    organisers may also correct a submitted or published summary."""
    text = (text or "").replace("\r\n", "\n")
    problems = summary_problems(text, submit)
    if problems:
        raise Invalid({"summary": problems})

    session_ = db.session.get(Session, session_id)
    if by.role != Role.organiser and session_.summary_status != SummaryStatus.draft:
        raise SpeakerError(
            _l(
                "This summary has been handed in, so it can no longer be changed here. "
                "Ask the organisers to send it back if you want to change it."
            )
        )
    changed = session_.summary != text
    session_.summary = text
    if changed and session_.summary_status == SummaryStatus.published:
        bump_program_version(session_.edition)  # an organiser corrected the public text
    if submit and session_.summary_status == SummaryStatus.draft:
        session_.summary_status = SummaryStatus.submitted
        session_.summary_submitted_at = _now()
        session_.summary_remark = ""
        audit.record(
            Actor(by.id, by.email),
            "summary.submit",
            session_,
            before={"status": SummaryStatus.draft},
            after={"status": SummaryStatus.submitted},
        )
    return session_


@use_case
def publish_summary(session_id: int, send: bool, actor: Actor) -> int:
    """Make the summary public; with `send`, mail it to the attendees. How many mails."""

    session_ = db.session.get(Session, session_id)
    if session_.summary_status == SummaryStatus.published:
        raise SpeakerError(_l("This summary is already published."))
    if not _has_content(session_.summary):
        raise SpeakerError(_l("There is no summary to publish yet."))
    before = session_.summary_status
    session_.summary_status = SummaryStatus.published
    session_.summary_published_at = _now()
    session_.summary_remark = ""
    bump_program_version(session_.edition)
    audit.record(
        actor,
        "summary.publish",
        session_,
        before={"status": before},
        after={"status": SummaryStatus.published},
    )
    return _queue_summary(session_, actor) if send else 0


@use_case
def send_summary(session_id: int, actor: Actor) -> int:
    """Mail a published summary to the session's attendees, once."""

    session_ = db.session.get(Session, session_id)
    if session_.summary_status != SummaryStatus.published:
        raise SpeakerError(_l("Publish the summary before you send it."))
    if session_.summary_sent_at is not None:
        raise SpeakerError(_l("This summary has already been sent to the attendees."))
    return _queue_summary(session_, actor)


def _queue_summary(session_: Session, actor: Actor) -> int:
    people = attendees(session_)
    for registration in people:
        queue_later(
            "summary_published",
            f"summary:{session_.id}:{registration.id}",
            registration.email,
            {"registration_id": registration.id, "session_id": session_.id},
            registration_id=registration.id,
        )
    session_.summary_sent_at = _now()
    audit.record(actor, "summary.send", session_, after={"recipients": len(people)})
    return len(people)


@use_case
def return_summary(session_id: int, remark: str, actor: Actor) -> Session:
    """Send a submitted or published summary back to its writers, saying why."""
    errors: dict[str, list] = {}
    remark = _text(
        errors, "remark", remark, REMARK_LENGTH, _l("Say what should change."), multiline=True
    )
    if errors:
        raise Invalid(errors)

    session_ = db.session.get(Session, session_id)
    if session_.summary_status == SummaryStatus.draft:
        raise SpeakerError(_l("Only a submitted or published summary can be sent back."))
    before = session_.summary_status
    session_.summary_status = SummaryStatus.draft
    session_.summary_published_at = None
    session_.summary_remark = remark
    if before == SummaryStatus.published:
        bump_program_version(session_.edition)
    audit.record(
        actor,
        "summary.return",
        session_,
        before={"status": before},
        after={"status": SummaryStatus.draft, "remark": remark},
    )
    return session_


@use_case
def set_note_taker(session_id: int, person_id: int | None, actor: Actor) -> None:
    """Name who writes the summary besides the speakers; None for nobody."""

    session_ = db.session.get(Session, session_id)
    person = db.session.get(Person, person_id) if person_id is not None else None
    if person_id is not None and person is None:
        raise Invalid({"person_id": [_l("Choose someone from the list.")]})
    before = session_.note_taker.name if session_.note_taker else ""
    session_.summary_note_taker_id = person.id if person else None
    audit.record(
        actor,
        "summary.note_taker",
        session_,
        before={"note_taker": before},
        after={"note_taker": person.name if person else ""},
    )


def published_summaries(edition: Edition) -> list[Session]:
    """The edition's published summaries in the order of the day, for the booklet."""
    return list(
        db.session.scalars(
            sa.select(Session)
            .where(
                Session.edition_id == edition.id,
                Session.summary_status == SummaryStatus.published,
            )
            .order_by(Session.starts_at, Session.title)
        )
    )


@dataclass
class SessionSummaryRow:
    session: Session
    materials: int
    #: per speaker: their account, if invited
    speakers: list[tuple[Person, User | None]]


def edition_overview(edition: Edition) -> list[SessionSummaryRow]:
    """Per session: speakers and whether they were invited, materials, summary state."""
    sessions_ = list(
        db.session.scalars(
            sa.select(Session)
            .where(Session.edition_id == edition.id)
            .order_by(Session.starts_at, Session.title)
        )
    )
    counts = {
        session_id: count
        for session_id, count in db.session.execute(
            sa.select(Material.session_id, sa.func.count())
            .join(Session, Session.id == Material.session_id)
            .where(Session.edition_id == edition.id)
            .group_by(Material.session_id)
        )
    }
    accounts = {
        user.person_id: user
        for user in db.session.scalars(sa.select(User).where(User.person_id.is_not(None)))
    }
    return [
        SessionSummaryRow(
            session=s,
            materials=counts.get(s.id, 0),
            speakers=[(p, accounts.get(p.id)) for p in s.speakers],
        )
        for s in sessions_
    ]
