"""Who signed up for an edition and which breakout they hold or wait for in each round."""

import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from symposium.database import UTCDateTime, utcnow
from symposium.extensions import db
from symposium.program import versions
from symposium.program.models import Edition, Round, Session
from symposium.text import name_sort_key


class RegistrationStatus(enum.StrEnum):
    confirmed = "confirmed"
    #: on the edition's waiting list because the venue was full
    waitlisted = "waitlisted"
    cancelled = "cancelled"


class ChoiceState(enum.StrEnum):
    confirmed = "confirmed"
    waitlisted = "waitlisted"
    #: given up: changed to another session, left the waiting list or cancelled
    declined = "declined"
    #: a wish in ranked mode, `rank` 1..3; holds no seat and is on no waiting list until
    #: the allocation turns it into a confirmed choice (and declines the rest)
    ranked = "ranked"


ROLES = (
    "social_worker",
    "policy_maker",
    "researcher",
    "teacher",
    "student",
    "expert_by_experience",
    "other",
)


def new_manage_secret() -> str:
    return secrets.token_urlsafe(24)


def _sort_part(index: int):
    """A column default that files an inserted row the Dutch way, also for Core inserts."""

    def default(context) -> str:
        values = context.get_current_parameters()
        return name_sort_key(values.get("first_name"), values.get("last_name"))[index]

    return default


class Registration(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"))
    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    #: the order of names in every list, computed once when a name is written
    #: (`text.name_sort_key`): the surname without "de", "van den"..., accents folded
    sort_last: Mapped[str] = mapped_column(sa.String(200), default=_sort_part(0), server_default="")
    #: the first name and the surname's prefixes, folded
    sort_first: Mapped[str] = mapped_column(
        sa.String(200), default=_sort_part(1), server_default=""
    )
    #: as typed, for mail; `email_key` is the lower-cased form that must be unique
    email: Mapped[str] = mapped_column(sa.String(254))
    email_key: Mapped[str] = mapped_column(sa.String(254))
    organisation: Mapped[str] = mapped_column(sa.String(200), default="")
    role: Mapped[str] = mapped_column(sa.String(40))
    dietary_needs: Mapped[str] = mapped_column(sa.String(500), default="")
    access_needs: Mapped[str] = mapped_column(sa.String(500), default="")
    newsletter: Mapped[bool] = mapped_column(default=False)
    #: answers to the edition's own questions: question id (as text) -> text, list or bool
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict, server_default="{}")
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the language the person used, for their mail: "nl" or "en"
    locale: Mapped[str] = mapped_column(sa.String(5), default="nl")
    status: Mapped[RegistrationStatus] = mapped_column(
        sa.Enum(RegistrationStatus, native_enum=False, length=20)
    )
    #: the random half of the manage link; the link itself is signed (see tokens.py)
    manage_secret: Mapped[str] = mapped_column(sa.String(64), default=new_manage_secret)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: scanned again on leaving (accreditation counts the hours in between)
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: when the personal fields were emptied, at the person's request or by a purge;
    #: the row stays for the counts per session, its status and attendance
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: when the link in the confirmation mail was opened (editions with `confirm_email`)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: when an organiser downloaded a badge sheet with this person on it
    badge_printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    edition: Mapped[Edition] = relationship()
    choices: Mapped[list["Choice"]] = relationship(
        back_populates="registration", order_by="Choice.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.UniqueConstraint("edition_id", "email_key", name="uq_registration_edition_email"),
        sa.Index("ix_registration_edition_status_created", "edition_id", "status", "created_at"),
        sa.Index("ix_registration_edition_sort", "edition_id", "sort_last", "sort_first"),
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def awaiting_confirmation(self) -> bool:
        """Signed up, but the address is not confirmed yet: the seats are only held."""
        return (
            self.edition.confirm_email
            and self.email_confirmed_at is None
            and self.status != RegistrationStatus.cancelled
        )

    @validates("first_name", "last_name")
    def _file_by_name(self, key: str, value: str) -> str:
        first = value if key == "first_name" else self.first_name
        last = value if key == "last_name" else self.last_name
        self.sort_last, self.sort_first = name_sort_key(first, last)
        return value


class QuestionKind(enum.StrEnum):
    text = "text"
    one_choice = "one_choice"
    several_choices = "several_choices"
    yes_no = "yes_no"


class Question(db.Model):
    """A question of the edition's own on the sign-up form, e.g. "Which workshop day?"."""

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("edition.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[QuestionKind] = mapped_column(sa.Enum(QuestionKind, native_enum=False, length=20))
    label: Mapped[str] = mapped_column(sa.String(300))
    hint: Mapped[str] = mapped_column(sa.String(500), default="")
    required: Mapped[bool] = mapped_column(default=False)
    #: the options of a choice question, in order
    options: Mapped[list] = mapped_column(sa.JSON, default=list)

    @property
    def field_name(self) -> str:
        return f"question-{self.id}"


_confirmed = sa.text("state = 'confirmed'")
_waitlisted = sa.text("state = 'waitlisted'")


class Choice(db.Model):
    """A breakout a registration holds (confirmed), waits for (waitlisted) or ranks (ranked)
    in one round."""

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE")
    )
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("session.id", ondelete="CASCADE"))
    #: 1 in first-come mode; the preference order in ranked mode
    rank: Mapped[int] = mapped_column(default=1)
    state: Mapped[ChoiceState] = mapped_column(sa.Enum(ChoiceState, native_enum=False, length=20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the waiting list is served in this order (then by id)
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: ticked by the room host: the person was really there, for the certificate
    attended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    registration: Mapped[Registration] = relationship(back_populates="choices")
    round: Mapped[Round] = relationship()
    session: Mapped[Session] = relationship()

    __table_args__ = (
        # The database itself refuses a second seat, or a second waiting place, in a round.
        sa.Index(
            "uq_choice_one_confirmed_per_round",
            "registration_id",
            "round_id",
            unique=True,
            sqlite_where=_confirmed,
            postgresql_where=_confirmed,
        ),
        sa.Index(
            "uq_choice_one_waitlisted_per_round",
            "registration_id",
            "round_id",
            unique=True,
            sqlite_where=_waitlisted,
            postgresql_where=_waitlisted,
        ),
        sa.Index("ix_choice_session_state_waitlisted", "session_id", "state", "waitlisted_at"),
    )


def _question_changes_program(session, question: Question, how: str) -> list[Edition]:
    """The sign-up form and its checks are cached with the program."""
    return [session.get(Edition, question.edition_id)]


versions.watch(Question, _question_changes_program)
