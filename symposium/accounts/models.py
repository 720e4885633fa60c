"""People who sign in: organisers with a password, speakers with a mailed link."""

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from symposium.database import UTCDateTime, utcnow
from symposium.extensions import db
from symposium.program.models import Person


class Role(enum.StrEnum):
    organiser = "organiser"
    speaker = "speaker"


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    #: lower-cased
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    role: Mapped[Role] = mapped_column(sa.Enum(Role, native_enum=False, length=20))
    #: werkzeug's scrypt; None for speakers, who sign in by link
    password_hash: Mapped[str | None] = mapped_column(sa.String(300))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the speaker entry (name, sessions) a speaker's account belongs to
    person_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("person.id", ondelete="SET NULL"), unique=True
    )
    #: the language of the mail a speaker gets: "nl" or "en"
    locale: Mapped[str] = mapped_column(sa.String(5), default="nl", server_default="nl")

    #: counts up when the account's sessions must end (signing out, switched off, a new
    #: password); a session remembers the count it began with and ends when it differs
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    #: base32 TOTP secret of an organiser who turned on the second factor; None: off
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    #: the last time step a code was accepted for: a code works once
    totp_last_step: Mapped[int] = mapped_column(default=0, server_default="0")

    person: Mapped[Person | None] = relationship()

    def get_id(self) -> str:
        """What the session cookie keeps: the account and its session generation."""
        return f"{self.id}.{self.session_generation}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_organiser(self) -> bool:
        return self.role == Role.organiser


class SiteSetting(db.Model):
    """A setting organisers change in the app, e.g. "two_factor_required" = "1"."""

    name: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(200), default="")
