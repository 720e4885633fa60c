"""Materials speakers upload, and the sign-in links mailed to them.

The summary's own fields live on `program.models.Session` (text, status, remark,
note-taker); the speaker's account is a `User` whose `person_id` names their `Person`.
"""

import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from symposium.database import UTCDateTime, utcnow
from symposium.extensions import db
from symposium.program import versions
from symposium.program.models import Edition, Session


class MaterialKind(enum.StrEnum):
    slides = "slides"
    handout = "handout"


class Visibility(enum.StrEnum):
    #: anyone, listed on the session page
    public = "public"
    #: people holding a seat in the session, through their manage link
    attendees = "attendees"
    organisers = "organisers"


class Material(db.Model):
    """A file a speaker shared for a session, kept in the file store by its content hash."""

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("session.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[MaterialKind] = mapped_column(
        sa.Enum(MaterialKind, native_enum=False, length=20), default=MaterialKind.slides
    )
    visibility: Mapped[Visibility] = mapped_column(
        sa.Enum(Visibility, native_enum=False, length=20), default=Visibility.public
    )
    #: the uploaded name, cleaned, with the extension of the type found in the content
    filename: Mapped[str] = mapped_column(sa.String(160))
    #: decided from the file's first bytes, never from its name or the browser
    content_type: Mapped[str] = mapped_column(sa.String(120))
    size: Mapped[int]
    #: names the file in the store: <store>/<sha256[:2]>/<sha256>
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[Session] = relationship()


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


class SignInLink(db.Model):
    """One mailed sign-in link. The link is signed and dated; its nonce makes it usable once."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    nonce: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_nonce)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: set when the link is used, or when another link of the same person is
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def _material_changes_program(session, material: Material, how: str) -> list[Edition]:
    """The public session page lists the materials."""
    session_ = material.session or session.get(Session, material.session_id)
    return [session_.edition]


versions.watch(Material, _material_changes_program)
