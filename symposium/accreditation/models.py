"""Accreditation of an edition by professional registers, the numbers attendees give for
them, corrections of who qualifies, and what PE-online answered per person."""

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from symposium.database import UTCDateTime, utcnow
from symposium.extensions import db
from symposium.program.models import Edition, Session
from symposium.registration.models import Registration


class Register(enum.StrEnum):
    registerplein = "registerplein"
    skj = "skj"
    kwaliteitsregister_vv = "kwaliteitsregister_vv"
    big_gaia = "big_gaia"
    other = "other"


#: registers whose attendance goes to PE-online (paste list, XML, web service)
PE_ONLINE = frozenset({Register.registerplein, Register.big_gaia})


class Accreditation(db.Model):
    """One register's accreditation of an edition: its activity ID and points."""

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("edition.id", ondelete="CASCADE"), index=True
    )
    register: Mapped[Register] = mapped_column(sa.Enum(Register, native_enum=False, length=30))
    #: the register's name when `register` is "other"
    register_name: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    #: the activity's ID at the register (PE-online's course ID); empty while pending
    activity_id: Mapped[str] = mapped_column(sa.String(60), default="", server_default="")
    #: points for the whole day; per session each item carries its own
    points: Mapped[Decimal] = mapped_column(sa.Numeric(6, 1), default=Decimal(0))
    granted: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: True: each counted item earns its own points; False: the day earns `points`
    per_session: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: share of the accredited time a person must be present to qualify
    min_presence_percent: Mapped[int] = mapped_column(default=80, server_default="80")
    #: the register asks for an evaluation: only who filled in the day's form qualifies
    requires_evaluation: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    edition: Mapped[Edition] = relationship()
    items: Mapped[list["AccreditedItem"]] = relationship(
        back_populates="accreditation", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        sa.UniqueConstraint("edition_id", "register", "register_name", name="uq_accreditation"),
        sa.CheckConstraint(
            "min_presence_percent BETWEEN 0 AND 100", name="accreditation_presence_percent"
        ),
    )


class AccreditedItem(db.Model):
    """A program item whose time counts for an accreditation."""

    accreditation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accreditation.id", ondelete="CASCADE"), primary_key=True
    )
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("session.id", ondelete="CASCADE"), primary_key=True
    )
    #: per-session accreditations: this item's points (None: its net hours)
    points: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 1))

    accreditation: Mapped[Accreditation] = relationship(back_populates="items")
    session: Mapped[Session] = relationship()


class RegisterNumber(db.Model):
    """Personal data: the number a person gave for a register they want points in."""

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    register: Mapped[Register] = mapped_column(sa.Enum(Register, native_enum=False, length=30))
    number: Mapped[str] = mapped_column(sa.String(40))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    registration: Mapped[Registration] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("registration_id", "register", name="uq_register_number"),
    )


class PresenceCorrection(db.Model):
    """An organiser's decision that a person does (or does not) qualify, with the reason."""

    accreditation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accreditation.id", ondelete="CASCADE"), primary_key=True
    )
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), primary_key=True
    )
    qualifies: Mapped[bool]
    reason: Mapped[str] = mapped_column(sa.String(500))
    by_email: Mapped[str] = mapped_column(sa.String(254), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReportState(enum.StrEnum):
    accepted = "accepted"
    rejected = "rejected"


class ReportedAttendance(db.Model):
    """What PE-online answered for one person of one accreditation, the last time."""

    accreditation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accreditation.id", ondelete="CASCADE"), primary_key=True
    )
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), primary_key=True
    )
    #: the number sent (personal data: emptied with the registration)
    number: Mapped[str] = mapped_column(sa.String(40))
    state: Mapped[ReportState] = mapped_column(sa.Enum(ReportState, native_enum=False, length=20))
    message: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    registration: Mapped[Registration] = relationship()
