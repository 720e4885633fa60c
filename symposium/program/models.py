"""The program of an edition: rounds of parallel breakouts and plenary items."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from symposium.database import UTCDateTime
from symposium.extensions import db


class EditionStatus(enum.StrEnum):
    draft = "draft"
    published = "published"
    archived = "archived"


class AllocationMode(enum.StrEnum):
    first_come = "first_come"
    ranked = "ranked"


class SessionKind(enum.StrEnum):
    plenary = "plenary"
    breakout = "breakout"


class SummaryStatus(enum.StrEnum):
    """A session summary is written (draft), handed in (submitted), then made public."""

    draft = "draft"
    submitted = "submitted"
    published = "published"


class Edition(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    #: used in URLs, e.g. "2019"
    slug: Mapped[str] = mapped_column(sa.String(40), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    venue: Mapped[str] = mapped_column(sa.String(200))
    #: the route: public transport, parking, the building's accessibility
    venue_details: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    #: street address, one line per line on the envelope; the calendar's LOCATION
    venue_address: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    #: a link to a map service of the organisers' choosing
    venue_map_url: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    #: who organises it, and is responsible for the personal data (the AVG's controller)
    organiser_name: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="", server_default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    #: the English texts; empty: English visitors read the Dutch one (see i18n.localized)
    title_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    venue_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    venue_details_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    timezone: Mapped[str] = mapped_column(sa.String(60), default="Europe/Amsterdam")
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: None means the venue sets no limit beyond the sessions' own capacities
    venue_capacity: Mapped[int | None]
    #: confirmed registrations, kept by the same conditional update as session seats
    registered: Mapped[int] = mapped_column(default=0)
    allocation_mode: Mapped[AllocationMode] = mapped_column(
        sa.Enum(AllocationMode, native_enum=False, length=20), default=AllocationMode.first_come
    )
    #: ranked mode: people rank sessions until then; the seats are shared out after it
    preferences_close_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: orders the people for the allocation's tie-breaks, so a preview and the commit agree
    allocation_seed: Mapped[int] = mapped_column(default=0, server_default="0")
    status: Mapped[EditionStatus] = mapped_column(
        sa.Enum(EditionStatus, native_enum=False, length=20), default=EditionStatus.draft
    )
    certificate_text: Mapped[str] = mapped_column(sa.Text, default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: bumped whenever the program changes; cached program pages are keyed on it
    program_version: Mapped[int] = mapped_column(default=1)
    #: speakers see their attendees' names and organisations (never their addresses)
    speakers_see_attendees: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: the privacy statement, Markdown, written by the organisers; empty: the default text
    privacy_text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    #: a sign-up holds its seats for `confirm_hours` until the link mailed to the address
    #: is opened; unconfirmed holds go to the waiting list. On for new editions.
    confirm_email: Mapped[bool] = mapped_column(default=True, server_default=sa.false())
    confirm_hours: Mapped[int] = mapped_column(default=2, server_default="2")
    #: when the personal data of its registrations was removed (`flask purge`)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    rounds: Mapped[list["Round"]] = relationship(
        back_populates="edition", order_by="Round.starts_at", cascade="all, delete-orphan"
    )

    @property
    def location(self) -> str:
        """The venue and its address on one line, as a calendar's LOCATION: "Jaarbeurs,
        Jaarbeursplein 6, 3521 AL Utrecht"."""
        lines = [self.venue, *(self.venue_address or "").splitlines()]
        return ", ".join(line.strip() for line in lines if line.strip())

    sessions: Mapped[list["Session"]] = relationship(
        back_populates="edition", order_by="Session.starts_at", cascade="all, delete-orphan"
    )
    rooms: Mapped[list["Room"]] = relationship(
        back_populates="edition", order_by="Room.name", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint("registered >= 0", name="registered_not_negative"),
        sa.CheckConstraint(
            "venue_capacity IS NULL OR registered <= venue_capacity", name="venue_not_overbooked"
        ),
    )


class Room(db.Model):
    """A room of the venue that sessions are held in; a session names it in `Session.room`."""

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(120))
    #: seats; a new breakout session in this room gets this capacity unless another is given
    capacity: Mapped[int | None]
    #: e.g. "step-free, induction loop"
    accessibility: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    edition: Mapped[Edition] = relationship(back_populates="rooms")

    __table_args__ = (sa.UniqueConstraint("edition_id", "name", name="uq_room_edition_name"),)


class Round(db.Model):
    """A time slot in which several breakouts run side by side."""

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(100))
    name_en: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)

    edition: Mapped[Edition] = relationship(back_populates="rounds")
    sessions: Mapped[list["Session"]] = relationship(
        back_populates="round", order_by="Session.title"
    )


session_speaker = sa.Table(
    "session_speaker",
    db.Model.metadata,
    sa.Column("session_id", sa.ForeignKey("session.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("person_id", sa.ForeignKey("person.id", ondelete="CASCADE"), primary_key=True),
)


class Person(db.Model):
    """A speaker or host; linked to the sessions they give."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    affiliation: Mapped[str] = mapped_column(sa.String(200), default="")
    bio: Mapped[str] = mapped_column(sa.Text, default="")
    email: Mapped[str | None] = mapped_column(sa.String(254))
    #: sha256 of the photo in the file store (speakers.service); None without a photo
    photo_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    photo_type: Mapped[str | None] = mapped_column(sa.String(40))

    sessions: Mapped[list["Session"]] = relationship(
        secondary=session_speaker, back_populates="speakers"
    )

    @property
    def first_name(self) -> str:
        """How mail greets them: "Dr. Anna de Vries" -> "Anna" (titles ending in a dot and
        initials are skipped; the whole name when nothing else is left)."""
        words = self.name.split()
        return next((word for word in words if not word.endswith(".")), self.name.strip())


class Session(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("edition.id", ondelete="CASCADE"), index=True
    )
    #: None for plenary items
    round_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("round.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[SessionKind] = mapped_column(
        sa.Enum(SessionKind, native_enum=False, length=20), default=SessionKind.breakout
    )
    title: Mapped[str] = mapped_column(sa.String(300))
    title_en: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    slug: Mapped[str] = mapped_column(sa.String(120))
    abstract: Mapped[str] = mapped_column(sa.Text, default="")
    abstract_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    room: Mapped[str] = mapped_column(sa.String(120), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: seats; None for plenaries, which everyone attends
    capacity: Mapped[int | None]
    #: confirmed seats, changed only by the conditional updates in registration.service
    taken: Mapped[int] = mapped_column(default=0)
    #: people on the waiting list, kept beside `taken` so the program needs no count query
    waiting: Mapped[int] = mapped_column(default=0)
    #: Markdown, written by a speaker or the note-taker; public once published
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    summary_status: Mapped[SummaryStatus] = mapped_column(
        sa.Enum(SummaryStatus, native_enum=False, length=20),
        default=SummaryStatus.draft,
        server_default=SummaryStatus.draft.value,
    )
    #: why an organiser sent the summary back; cleared when it is submitted again
    summary_remark: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    #: someone other than the speakers whom the organisers asked to write the summary
    summary_note_taker_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("person.id", ondelete="SET NULL")
    )
    summary_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    summary_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: when the published summary was mailed to the session's attendees
    summary_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    edition: Mapped[Edition] = relationship(back_populates="sessions")
    round: Mapped[Round | None] = relationship(back_populates="sessions")
    speakers: Mapped[list[Person]] = relationship(
        secondary=session_speaker, back_populates="sessions", order_by="Person.name"
    )
    note_taker: Mapped[Person | None] = relationship(foreign_keys=[summary_note_taker_id])

    __table_args__ = (
        sa.UniqueConstraint("edition_id", "slug", name="uq_session_edition_slug"),
        sa.CheckConstraint("taken >= 0", name="taken_not_negative"),
        sa.CheckConstraint("waiting >= 0", name="waiting_not_negative"),
        sa.CheckConstraint("capacity IS NULL OR taken <= capacity", name="not_overbooked"),
    )

    @property
    def seats_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.taken, 0)
