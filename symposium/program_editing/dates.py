"""Moving a program in time: an edition moved to another day takes its rounds and sessions
along, and a copy for next year lands on the same weekday.

Times move in the edition's time zone by whole days, so a session keeps its time of day
on the wall clock, also across a change to or from summer time.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from symposium.extensions import db
from symposium.i18n import format_day
from symposium.program.models import Edition, Round, Session
from symposium.program_editing.common import ProgramError, _at, _local
from symposium.registration.models import Registration, RegistrationStatus


def shift_days(moment: datetime, days: int, timezone: str) -> datetime:
    """The same wall-clock time `days` days later (earlier when negative)."""
    local = _local(moment, timezone)
    return _at(local.date() + timedelta(days=days), local.time(), timezone)


def days_to_next_year(day: date) -> int:
    """Whole weeks to the same weekday nearest one year later, in days: Monday 11 October
    2027 becomes Monday 9 October 2028 (364 days on; a year is 365 or 366)."""
    try:
        year_later = day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        year_later = day.replace(year=day.year + 1, day=28)
    return 7 * round((year_later - day).days / 7)


@dataclass(frozen=True)
class DateMove:
    """An edition's program moved by whole days: what moves, and who is told."""

    starts_before: datetime
    starts_after: datetime
    timezone: str
    days: int
    rounds: int
    sessions: int
    #: people signed up (confirmed or on the venue's waiting list): they get a mail
    people: int

    @property
    def token(self) -> str:
        """What the confirmation step sends back: this move, from this day to that one."""
        before = _local(self.starts_before, self.timezone).date()
        return f"{before.isoformat()}>{(before + timedelta(days=self.days)).isoformat()}"


class DateMoveUnconfirmed(ProgramError):
    """People are signed up: moving their program waits for the organiser to confirm."""

    message = _l("People are signed up: confirm that the program moves to the new date.")

    def __init__(self, move: DateMove):
        super().__init__()
        self.move = move


def signed_up(edition_id: int) -> sa.Select:
    """Registrations of people who are coming or waiting for a place (not cancelled, not
    erased): those who hear that the program moved."""
    return sa.select(Registration).where(
        Registration.edition_id == edition_id,
        Registration.status.in_([RegistrationStatus.confirmed, RegistrationStatus.waitlisted]),
        Registration.erased_at.is_(None),
    )


def plan_move(edition: Edition, starts_at: datetime, timezone: str) -> DateMove | None:
    """What a new start moves: None when it stays on the same day."""
    before = _local(edition.starts_at, edition.timezone).date()
    days = (_local(starts_at, timezone).date() - before).days
    if days == 0:
        return None
    count = sa.select(sa.func.count())
    return DateMove(
        starts_before=edition.starts_at,
        starts_after=starts_at,
        timezone=timezone,
        days=days,
        rounds=db.session.scalar(count.select_from(Round).where(Round.edition_id == edition.id)),
        sessions=db.session.scalar(
            count.select_from(Session).where(Session.edition_id == edition.id)
        ),
        people=db.session.scalar(count.select_from(signed_up(edition.id).subquery())),
    )


def move_program(edition: Edition, days: int) -> None:
    """Every round and session of the edition `days` days on, at the same times of day."""
    tz = edition.timezone
    for item in [*edition.rounds, *edition.sessions]:
        item.starts_at = shift_days(item.starts_at, days, tz)
        item.ends_at = shift_days(item.ends_at, days, tz)


def outside_the_edition(edition: Edition, moments: list[tuple[datetime, datetime]]) -> list[bool]:
    """For each (start, end): whether it falls outside the edition's day(s)."""
    tz = edition.timezone
    first = _local(edition.starts_at, tz).date()
    last = _local(edition.ends_at, tz).date()
    return [
        not (first <= _local(starts, tz).date() and _local(ends, tz).date() <= last)
        for starts, ends in moments
    ]


# -- what people read about a move ----------------------------------------------------


def shift_text(days: int) -> str:
    """'7 days later' / '1 day earlier'; whole weeks as weeks."""
    count = abs(days)
    if count % 7 == 0:
        weeks = count // 7
        if days > 0:
            return ngettext("%(num)d week later", "%(num)d weeks later", weeks)
        return ngettext("%(num)d week earlier", "%(num)d weeks earlier", weeks)
    if days > 0:
        return ngettext("%(num)d day later", "%(num)d days later", count)
    return ngettext("%(num)d day earlier", "%(num)d days earlier", count)


def move_text(move: DateMove) -> str:
    """What moves along, for the organiser, in their language: '2 rounds and 7 sessions,
    1 week later: from Monday 11 October 2027 to Monday 18 October 2027, each at the same
    time of day.'"""
    return _(
        "%(rounds)s and %(sessions)s, %(shift)s: from %(before)s to %(after)s, each at the "
        "same time of day.",
        rounds=ngettext("%(num)d round", "%(num)d rounds", move.rounds),
        sessions=ngettext("%(num)d session", "%(num)d sessions", move.sessions),
        shift=shift_text(move.days),
        before=format_day(move.starts_before, move.timezone),
        after=format_day(move.starts_after, move.timezone),
    )


def mailed_text(move: DateMove) -> str:
    return ngettext(
        "%(num)d person signed up gets an e-mail about the change.",
        "%(num)d people signed up get an e-mail about the change.",
        move.people,
    )
