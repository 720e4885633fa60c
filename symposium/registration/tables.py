"""Registrations as tables, for the exports."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from symposium.extensions import db
from symposium.program.models import Edition, Session, SessionKind
from symposium.registration.door import session_attendance
from symposium.registration.listing import (
    BY_NAME,
    STATUS_LABELS,
    RegistrationFilter,
    RoundCell,
    _conditions,
    _round_cells,
    rounds_with_sessions,
)
from symposium.registration.models import Registration
from symposium.registration.requests import edition_questions

# -- exports ---------------------------------------------------------------------------


@dataclass
class Table:
    """A header and rows of plain values, for CSV and XLSX alike."""

    title: str
    header: list[str]
    rows: Iterable[list]


def _local(moment: datetime | None, timezone: str) -> datetime | None:
    """The moment in the edition's time zone: a date cell in XLSX, "2027-10-11 09:30" in CSV."""
    if moment is None:
        return None
    return moment.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)


def _question_columns(edition: Edition) -> list[tuple[str, Callable[[sa.Row], str]]]:
    """(header, answer getter) per question of the edition's own, after the fixed columns."""

    def answer_to(question_id: int) -> Callable[[sa.Row], str]:
        def answer(row: sa.Row) -> str:
            value = (row.answers or {}).get(str(question_id))
            if isinstance(value, bool):
                return _("Yes") if value else _("No")
            if isinstance(value, list):
                return ", ".join(str(item) for item in value)
            return "" if value is None else str(value)

        return answer

    return [(question.label, answer_to(question.id)) for question in edition_questions(edition.id)]


def registrations_table(
    edition: Edition, wanted: RegistrationFilter, role_labels: Mapping[str, str]
) -> Table:
    """Every registration the filter selects, with per round the session held and waited for."""
    rounds = rounds_with_sessions(edition.id)
    questions = _question_columns(edition)
    header = [
        _("First name"),
        _("Last name"),
        _("E-mail address"),
        _("Organisation"),
        _("Role"),
        _("Status"),
        _("Dietary needs"),
        _("Access needs"),
        _("Newsletter"),
        _("Language"),
        _("Signed up"),
        _("Checked in"),
    ]
    for round_ in rounds:
        header += [
            _("%(round)s: session", round=round_.name),
            _("%(round)s: waiting list", round=round_.name),
        ]
    header += [title for title, _answer in questions]

    def rows():
        # Plain rows and labels looked up once: 5,000 ORM objects and lazy texts cost seconds.
        roles = {key: str(label) for key, label in role_labels.items()}
        statuses = {key: str(label) for key, label in STATUS_LABELS.items()}
        in_line = _("%(title)s (number %(position)d)")
        yes, no = _("Yes"), _("No")
        cells = _round_cells(edition.id, None)
        none = RoundCell()
        registrations = db.session.execute(
            sa.select(Registration.__table__)
            .where(*_conditions(edition.id, wanted))
            .order_by(*BY_NAME)
        )
        for registration in registrations:
            row = [
                registration.first_name,
                registration.last_name,
                registration.email,
                registration.organisation,
                roles.get(registration.role, registration.role),
                statuses[registration.status],
                registration.dietary_needs,
                registration.access_needs,
                yes if registration.newsletter else no,
                registration.locale,
                _local(registration.created_at, edition.timezone),
                _local(registration.checked_in_at, edition.timezone),
            ]
            mine = cells.get(registration.id, {})
            for round_ in rounds:
                cell = mine.get(round_.id, none)
                row.append(cell.held or "")
                row.append(
                    in_line % {"title": cell.waiting, "position": cell.position}
                    if cell.waiting
                    else ""
                )
            row += [answer(registration) for _title, answer in questions]
            yield row

    return Table(title=_("Registrations"), header=header, rows=rows())


def session_table(session: Session) -> Table:
    """A room host's list: who holds a seat, their organisation, and whether they arrived."""
    attendance = session_attendance(session)
    timezone = session.edition.timezone
    return Table(
        title=session.title,
        header=[
            _("First name"),
            _("Last name"),
            _("Organisation"),
            _("Checked in"),
            _("Present in this session"),
        ],
        rows=iter(
            [
                [
                    a.registration.first_name,
                    a.registration.last_name,
                    a.registration.organisation,
                    _local(a.registration.checked_in_at, timezone),
                    _local(a.attended_at, timezone),
                ]
                for a in attendance.attendees
            ]
        ),
    )


def session_of_edition(edition: Edition, session_id: int) -> Session | None:
    session = db.session.scalars(
        sa.select(Session)
        .where(
            Session.id == session_id,
            Session.edition_id == edition.id,
            Session.kind == SessionKind.breakout,
        )
        .options(selectinload(Session.round))
    ).first()
    return session
