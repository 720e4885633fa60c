"""Slides and other materials of a session: uploaded, replaced, removed."""

import unicodedata
from dataclasses import dataclass
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from symposium.accounts.models import User
from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import use_case
from symposium.extensions import db
from symposium.program.models import (
    EditionStatus,
    Person,
    Session,
    SessionKind,
)
from symposium.program.service import Seats, session_seats
from symposium.registration.models import (
    ChoiceState,
    Registration,
    RegistrationStatus,
)
from symposium.speakers import files
from symposium.speakers.models import Material, MaterialKind, Visibility
from symposium.speakers.rules import Act, Attendee, Invalid, _now, attendees, may

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
    filename = files.clean_name(upload.filename, stored.content_type, _fallback_name(kind))
    try:
        return _add_material(session_id, kind, visibility, filename, stored, by)
    except BaseException:
        _forget(stored.sha256)
        raise


@use_case
def _add_material(session_id, kind, visibility, filename: str, stored, by: User) -> Material:
    session_ = db.session.get(Session, session_id)
    material = Material(
        session_id=session_.id,
        kind=kind,
        visibility=visibility,
        filename=filename,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        uploaded_by_id=by.id,
    )
    db.session.add(material)
    db.session.flush()
    audit.record(
        Actor(by.id, by.email),
        "material.add",
        session_,
        after=_material_record(material),
        label=session_.title,
    )
    return material


def update_material(
    material_id: int, data: MaterialData, upload: Upload | None, by: User
) -> Material:
    """Change who can download a material, or replace its file by a new one."""
    kind, visibility = _material_fields(data)
    stored = _store("file", upload, files.MATERIAL_TYPES, required=False)
    filename = (
        files.clean_name(upload.filename, stored.content_type, _fallback_name(kind))
        if stored is not None
        else None
    )
    try:
        material_id, replaced = _update_material(
            material_id, kind, visibility, filename, stored, by
        )
    except BaseException:
        if stored is not None:
            _forget(stored.sha256)
        raise
    if replaced is not None:
        _forget(replaced)
    return db.session.get(Material, material_id)


@use_case
def _update_material(
    material_id: int, kind, visibility, filename: str | None, stored, by: User
) -> tuple[int, str | None]:
    """The material's id, and the content it no longer uses (if any)."""
    material = db.session.get(Material, material_id)
    before = _material_record(material)
    replaced = None
    material.kind = kind
    material.visibility = visibility
    if stored is not None:
        if material.sha256 != stored.sha256:
            replaced = material.sha256
        material.filename = filename
        material.content_type = stored.content_type
        material.size = stored.size
        material.sha256 = stored.sha256
        material.uploaded_by_id = by.id
    material.updated_at = _now()
    audit.record(
        Actor(by.id, by.email),
        "material.update",
        material.session,
        before=before,
        after=_material_record(material),
        label=material.session.title,
    )
    return material.id, replaced


def delete_material(material_id: int, by: User) -> None:
    """Remove a material, and its file once nothing else uses the same content."""
    _forget(_delete_material(material_id, by))


@use_case
def _delete_material(material_id: int, by: User) -> str | None:
    """The content the material used; None when it was already gone."""
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
    db.session.delete(material)
    return material.sha256


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
