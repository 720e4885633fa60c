"""Signals from practice and the region's knowledge agenda built from them.

A signal is something seen in practice or a question that needs work, sent from the room,
at sign-up, afterwards, by a rapporteur or typed in by an organiser. Nothing is public
before a host approves it. Organisers cluster signals into agenda items, which belong to
the region (not one edition) and carry over from year to year.
"""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from symposium.database import UTCDateTime, utcnow
from symposium.extensions import db
from symposium.program.models import Edition, Person, Session


class SignalKind(enum.StrEnum):
    practice = "practice"
    research_question = "research_question"
    bottleneck = "bottleneck"
    promising_practice = "promising_practice"


class Perspective(enum.StrEnum):
    professional = "professional"
    policy = "policy"
    research = "research"
    education = "education"
    student = "student"
    lived_experience = "lived_experience"


class SignalSource(enum.StrEnum):
    sign_up = "sign_up"
    room = "room"
    rapporteur = "rapporteur"
    afterwards = "afterwards"
    organiser = "organiser"
    #: turned from an answer in an evaluation form
    evaluation = "evaluation"


class SignalStatus(enum.StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class AgendaStatus(enum.StrEnum):
    """proposed -> on the agenda -> being researched -> answered / taken up by policy"""

    proposed = "proposed"
    on_agenda = "on_agenda"
    researching = "researching"
    answered = "answered"
    taken_up = "taken_up"


def _enum(kind: type[enum.StrEnum]) -> sa.Enum:
    return sa.Enum(kind, native_enum=False, length=30)


class Theme(db.Model):
    """One of an edition's themes, e.g. "Huisuitzettingen en bestaanszekerheid"."""

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("edition.id", ondelete="CASCADE"), index=True
    )
    slug: Mapped[str] = mapped_column(sa.String(80))
    title: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    position: Mapped[int] = mapped_column(default=0, server_default="0")

    edition: Mapped[Edition] = relationship()

    __table_args__ = (sa.UniqueConstraint("edition_id", "slug", name="uq_theme_edition_slug"),)


signal_theme = sa.Table(
    "signal_theme",
    db.Model.metadata,
    sa.Column("signal_id", sa.ForeignKey("signal.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("theme_id", sa.ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True),
)


class Signal(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("edition.id", ondelete="CASCADE"), index=True
    )
    #: the session it came up in; None for sign-up, afterwards and edition-wide signals
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("session.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(sa.Text)
    kind: Mapped[SignalKind] = mapped_column(_enum(SignalKind), default=SignalKind.practice)
    perspective: Mapped[Perspective] = mapped_column(
        _enum(Perspective), default=Perspective.professional
    )
    source: Mapped[SignalSource] = mapped_column(_enum(SignalSource), default=SignalSource.room)
    status: Mapped[SignalStatus] = mapped_column(
        _enum(SignalStatus), default=SignalStatus.pending, index=True
    )
    #: only when the sender chose to be named; empty otherwise (no personal data needed)
    name: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    #: a duplicate points at the signal it was merged into and is no longer shown itself
    merged_into_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("signal.id", ondelete="SET NULL")
    )
    #: "ik herken dit": one per browser (see Support), plus the duplicates merged into it
    supports: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    edition: Mapped[Edition] = relationship()
    session: Mapped[Session | None] = relationship()
    themes: Mapped[list[Theme]] = relationship(secondary=signal_theme, order_by=Theme.position)

    __table_args__ = (sa.CheckConstraint("supports >= 0", name="supports_not_negative"),)


class Support(db.Model):
    """One "ik herken dit": the sha256 of a random token kept in the browser's cookie."""

    id: Mapped[int] = mapped_column(primary_key=True)
    signal_id: Mapped[int] = mapped_column(sa.ForeignKey("signal.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("signal_id", "token_hash", name="uq_support_signal_token"),
    )


class SignalSettings(db.Model):
    """An edition's choices about signals, kept beside the edition."""

    edition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("edition.id", ondelete="CASCADE"), primary_key=True
    )
    #: the sign-up form asks "which signal or question do you bring?"
    ask_at_sign_up: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: the afterwards form at /<edition>/signal takes signals until then; None: closed
    afterwards_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: when an organiser published the harvest (and the opted-in attendees were mailed)
    harvest_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


agenda_item_signal = sa.Table(
    "agenda_item_signal",
    db.Model.metadata,
    sa.Column("item_id", sa.ForeignKey("agenda_item.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("signal_id", sa.ForeignKey("signal.id", ondelete="CASCADE"), primary_key=True),
)

agenda_item_theme = sa.Table(
    "agenda_item_theme",
    db.Model.metadata,
    sa.Column("item_id", sa.ForeignKey("agenda_item.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("theme_id", sa.ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True),
)

#: sessions of a (later) edition that work on an agenda item
agenda_item_session = sa.Table(
    "agenda_item_session",
    db.Model.metadata,
    sa.Column("item_id", sa.ForeignKey("agenda_item.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("session_id", sa.ForeignKey("session.id", ondelete="CASCADE"), primary_key=True),
)


class AgendaItem(db.Model):
    """A question worth working on, on the region's knowledge agenda (across editions)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    title_en: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    rationale: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    #: who take it up: "Gemeente Dordrecht, Woonkracht10"
    partners: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    status: Mapped[AgendaStatus] = mapped_column(_enum(AgendaStatus), default=AgendaStatus.proposed)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    signals: Mapped[list[Signal]] = relationship(
        secondary=agenda_item_signal, order_by=Signal.created_at
    )
    themes: Mapped[list[Theme]] = relationship(secondary=agenda_item_theme)
    sessions: Mapped[list[Session]] = relationship(secondary=agenda_item_session)
    follow_ups: Mapped[list["FollowUp"]] = relationship(
        back_populates="item", order_by="FollowUp.happened_on", cascade="all, delete-orphan"
    )


class FollowUp(db.Model):
    """What happened to an agenda item: "the alderman took it along", a research project."""

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True
    )
    happened_on: Mapped[date] = mapped_column(sa.Date)
    text: Mapped[str] = mapped_column(sa.String(1000))
    #: the status the item moved to with this step, if it moved
    status: Mapped[AgendaStatus | None] = mapped_column(_enum(AgendaStatus))

    item: Mapped[AgendaItem] = relationship(back_populates="follow_ups")


class SessionHarvest(db.Model):
    """What a session yielded, written by its rapporteur: main points, questions,
    agreements, and who were at the table (perspectives and counts, never names)."""

    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("session.id", ondelete="CASCADE"), primary_key=True
    )
    #: the person the organisers invited to write it; signs in by link like a speaker
    rapporteur_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("person.id", ondelete="SET NULL")
    )
    main_points: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    questions: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    agreements: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    #: {"professional": 12, "lived_experience": 2, ...}
    at_table: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    session: Mapped[Session] = relationship()
    rapporteur: Mapped[Person | None] = relationship()


class HarvestSubscription(db.Model):
    """An attendee who asked to be mailed when the edition's harvest is published."""

    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), primary_key=True
    )
    #: when the harvest mail went out to them
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
