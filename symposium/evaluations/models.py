"""Evaluations: per edition a form for the day and one for every session, and the answers.

Answers are stored without the person. A response is keyed by a one-way token (an HMAC of
the registration's own secret and the form, see `tokens.py`): the person's link finds and
changes their answer, but no column says who gave it. Responses carry no serial number and
no time, so their order cannot be matched against anything else either.
"""

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from symposium.extensions import db
from symposium.program.models import Edition


class FormScope(enum.StrEnum):
    #: one form about the whole day
    day = "day"
    #: one form template, asked about every session someone attended
    session = "session"


class EvaluationKind(enum.StrEnum):
    #: 1 (poor) to 5 (very good)
    scale5 = "scale5"
    #: 0 to 10, as in "would you recommend"
    scale10 = "scale10"
    #: one of the options
    choice = "choice"
    #: open text
    text = "text"


class Audience(enum.StrEnum):
    """Who reads the answers to an open question."""

    #: organisers, and speakers for the session form
    everyone = "everyone"
    #: a comment meant for the speaker(s) (and seen by the organisers)
    speaker = "speaker"
    #: organisers only; never shown to speakers
    organisers = "organisers"


class EvaluationSettings(db.Model):
    """When an edition's evaluation is mailed, reminded and closed, and how results show."""

    edition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("edition.id", ondelete="CASCADE"), primary_key=True
    )
    #: the reminder goes this many days after the invitation
    reminder_days: Mapped[int] = mapped_column(default=3)
    #: the forms close this many days after the day's last session
    close_days: Mapped[int] = mapped_column(default=14)
    #: results of a form with fewer answers stay hidden, so small groups stay anonymous
    minimum_answers: Mapped[int] = mapped_column(default=5)

    edition: Mapped[Edition] = relationship()


class EvaluationForm(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"))
    scope: Mapped[FormScope] = mapped_column(sa.Enum(FormScope, native_enum=False, length=20))

    questions: Mapped[list["EvaluationQuestion"]] = relationship(
        back_populates="form",
        order_by="(EvaluationQuestion.position, EvaluationQuestion.id)",
        cascade="all, delete-orphan",
    )

    __table_args__ = (
        sa.UniqueConstraint("edition_id", "scope", name="uq_evaluation_form_edition_scope"),
    )

    @property
    def active_questions(self) -> list["EvaluationQuestion"]:
        return [question for question in self.questions if question.active]


class EvaluationQuestion(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation_form.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[EvaluationKind] = mapped_column(
        sa.Enum(EvaluationKind, native_enum=False, length=20)
    )
    label: Mapped[str] = mapped_column(sa.String(300))
    label_en: Mapped[str] = mapped_column(sa.String(300), default="")
    #: the options of a choice question, one per line, Dutch and English
    options: Mapped[list] = mapped_column(sa.JSON, default=list)
    options_en: Mapped[list] = mapped_column(sa.JSON, default=list)
    audience: Mapped[Audience] = mapped_column(
        sa.Enum(Audience, native_enum=False, length=20), default=Audience.everyone
    )
    #: switched off: no longer asked, its answers no longer shown
    active: Mapped[bool] = mapped_column(default=True)
    #: what a default question is for ("next_year" feeds the knowledge agenda); "" otherwise
    key: Mapped[str] = mapped_column(sa.String(40), default="")

    form: Mapped[EvaluationForm] = relationship(back_populates="questions")

    @property
    def field_name(self) -> str:
        return f"q{self.id}"

    @property
    def is_scale(self) -> bool:
        return self.kind in (EvaluationKind.scale5, EvaluationKind.scale10)

    @property
    def scale(self) -> list[int]:
        return list(range(1, 6)) if self.kind == EvaluationKind.scale5 else list(range(0, 11))


class EvaluationResponse(db.Model):
    """One person's answers to one form (about one session), without the person."""

    #: HMAC of the registration's secret and the form and session (tokens.py); the key
    token: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    form_id: Mapped[int] = mapped_column(sa.ForeignKey("evaluation_form.id", ondelete="CASCADE"))
    #: the session the answers are about; None for the day's form
    session_id: Mapped[int | None] = mapped_column(sa.ForeignKey("session.id", ondelete="CASCADE"))
    #: question id (as text) -> a number (scales), an option's index (choice) or text
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    __table_args__ = (sa.Index("ix_evaluation_response_form_session", "form_id", "session_id"),)
