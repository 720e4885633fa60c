"""Who qualifies for an accreditation: hours present from the scans at the door and the
program, the edition's rule (say 80 % of the accredited time), and organisers' corrections."""

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from symposium.accreditation import hours
from symposium.accreditation.models import (
    Accreditation,
    PresenceCorrection,
    RegisterNumber,
    ReportedAttendance,
)
from symposium.accreditation.service import accredited_hours, item_points, label
from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import use_case, utcnow
from symposium.evaluations import service as evaluations
from symposium.extensions import db
from symposium.i18n import format_number
from symposium.program.models import SessionKind
from symposium.registration.listing import BY_NAME
from symposium.registration.models import Choice, ChoiceState, Registration, RegistrationStatus
from symposium.validation import Fields, RuleError


@dataclass(frozen=True)
class Outcome:
    registration: Registration
    number: str
    present_hours: float
    accredited_hours: float
    qualifies: bool
    points: Decimal
    #: why not, or the organiser's reason; empty when the hours speak for themselves
    reason: object
    corrected: bool = False
    reported: ReportedAttendance | None = None

    @property
    def percent(self) -> int:
        if not self.accredited_hours:
            return 0
        return round(100 * self.present_hours / self.accredited_hours)


def _sessions_ticked(edition_id: int) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(Choice.session_id)
            .join(Registration, Registration.id == Choice.registration_id)
            .where(Registration.edition_id == edition_id, Choice.attended_at.is_not(None))
            .distinct()
        )
    )


def present_intervals(
    accreditation: Accreditation, registration: Registration, ticked: set[int]
) -> dict[int, hours.Interval]:
    """Per counted item, the part of it the person was there: between their check-in and
    check-out (or the end of the day), in a breakout only if it was theirs (and ticked
    present where the room host ticked)."""
    if registration.checked_in_at is None:
        return {}
    window = (
        registration.checked_in_at,
        registration.checked_out_at or registration.edition.ends_at,
    )
    held = {
        choice.session_id: choice
        for choice in registration.choices
        if choice.state == ChoiceState.confirmed
    }
    found = {}
    for item in accreditation.items:
        session = item.session
        if session.kind == SessionKind.breakout:
            choice = held.get(session.id)
            if choice is None or (session.id in ticked and choice.attended_at is None):
                continue
        part = hours.overlap(window, (session.starts_at, session.ends_at))
        if part is not None:
            found[session.id] = part
    return found


NOT_CHECKED_IN = _l("Not checked in.")
NO_EVALUATION = _l("Day's evaluation not filled in.")


def _judge(accreditation: Accreditation, registration: Registration, ticked: set[int]):
    """Hours present, whether the rule is met, points, and why not."""
    total = accredited_hours(accreditation)
    parts = present_intervals(accreditation, registration, ticked)
    present = hours.total_hours(parts.values())
    if registration.checked_in_at is None:
        return present, total, False, Decimal(0), NOT_CHECKED_IN
    share = accreditation.min_presence_percent / 100
    if accreditation.per_session:
        points = Decimal(0)
        for item in accreditation.items:
            part = parts.get(item.session_id)
            length = hours.hours((item.session.starts_at, item.session.ends_at))
            if part is not None and length and hours.hours(part) >= share * length - 1e-9:
                points += item_points(item)
        if points:
            return present, total, True, points, ""
        return present, total, False, points, _l("Present in no accredited item long enough.")
    if total and present >= share * total - 1e-9:
        return present, total, True, accreditation.points, ""
    reason = _l(
        "Present %(present)s of %(total)s hours (%(percent)d %%); %(needed)d %% is needed.",
        present=format_number(present),
        total=format_number(total),
        percent=round(100 * present / total) if total else 0,
        needed=accreditation.min_presence_percent,
    )
    return present, total, False, Decimal(0), reason


def outcomes(accreditation: Accreditation, only: int | None = None) -> list[Outcome]:
    """Everyone who gave a number for this register (or just registration `only`), by
    name: qualifies or not, and why."""
    chosen = sa.true() if only is None else Registration.id == only
    rows = db.session.execute(
        sa.select(Registration, RegisterNumber.number)
        .join(RegisterNumber, RegisterNumber.registration_id == Registration.id)
        .where(
            Registration.edition_id == accreditation.edition_id,
            Registration.status == RegistrationStatus.confirmed,
            Registration.erased_at.is_(None),
            RegisterNumber.register == accreditation.register,
            chosen,
        )
        .options(selectinload(Registration.choices))
        .order_by(*BY_NAME)
    ).all()
    corrections = {
        c.registration_id: c
        for c in db.session.scalars(
            sa.select(PresenceCorrection).where(
                PresenceCorrection.accreditation_id == accreditation.id
            )
        )
    }
    reported = {
        r.registration_id: r
        for r in db.session.scalars(
            sa.select(ReportedAttendance).where(
                ReportedAttendance.accreditation_id == accreditation.id
            )
        )
    }
    ticked = _sessions_ticked(accreditation.edition_id)
    found = []
    for registration, number in rows:
        present, total, qualifies, points, reason = _judge(accreditation, registration, ticked)
        wants_evaluation = qualifies and accreditation.requires_evaluation
        if wants_evaluation and not evaluations.filled_in(registration):
            qualifies, reason = False, NO_EVALUATION
        correction = corrections.get(registration.id)
        if correction is not None:
            qualifies, reason = correction.qualifies, correction.reason
            points = points or accreditation.points
        if not qualifies:
            points = Decimal(0)
        found.append(
            Outcome(
                registration=registration,
                number=number,
                present_hours=present,
                accredited_hours=total,
                qualifies=qualifies,
                points=points,
                reason=reason,
                corrected=correction is not None,
                reported=reported.get(registration.id),
            )
        )
    return found


def evaluation_needed(registration: Registration) -> bool:
    """Whether this person still has to fill in the day's evaluation for points in a
    register they gave a number for that asks for it."""
    asks = db.session.scalar(
        sa.select(Accreditation.id)
        .join(RegisterNumber, RegisterNumber.register == Accreditation.register)
        .where(
            Accreditation.edition_id == registration.edition_id,
            Accreditation.requires_evaluation,
            RegisterNumber.registration_id == registration.id,
        )
        .limit(1)
    )
    return asks is not None and not evaluations.filled_in(registration)


def outcome_for_id(accreditation: Accreditation, registration_id: int) -> Outcome | None:
    """One person's outcome; None when they gave no number for this register."""
    return next(iter(outcomes(accreditation, only=registration_id)), None)


class InvalidCorrection(RuleError):
    message = _l("Check the correction.")


@use_case
def correct(
    accreditation_id: int, registration_id: int, qualifies: bool | None, reason: str, actor: Actor
) -> None:
    """An organiser decides whether someone qualifies, with a reason; None takes it back."""
    fields = Fields(InvalidCorrection)
    reason = fields.text("reason", reason, 500, _l("Give the reason for the correction."))
    fields.raise_if_any()
    accreditation = db.session.get(Accreditation, accreditation_id)
    registration = db.session.get(Registration, registration_id)
    row = db.session.get(PresenceCorrection, (accreditation_id, registration_id))
    before = {"qualifies": row.qualifies if row else None, "reason": row.reason if row else ""}
    if qualifies is None:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(
            PresenceCorrection(
                accreditation_id=accreditation_id,
                registration_id=registration_id,
                qualifies=qualifies,
                reason=reason,
                by_email=actor.email,
            )
        )
    else:
        row.qualifies, row.reason, row.by_email, row.at = qualifies, reason, actor.email, utcnow()
    audit.record(
        actor,
        "accreditation.correct",
        registration,
        before=before,
        after={"qualifies": qualifies, "reason": reason},
        label=f"{registration.full_name} · {label(accreditation)}",
    )


@dataclass(frozen=True)
class EarnedPoints:
    """A line on a certificate: the register, the person's number, the activity, points."""

    register: str
    number: str
    activity_id: str
    points: Decimal
    hours: float


def earned_points(
    edition_id: int, now=None, only: int | None = None
) -> dict[int, list[EarnedPoints]]:
    """Per registration id (or for registration `only`: one person's page need not judge
    everyone), the points earned in each register the person gave a number for: only for
    granted accreditations, and only once the day is over (before that, attendance is not
    known)."""
    found: dict[int, list[EarnedPoints]] = {}
    accreditations = db.session.scalars(
        sa.select(Accreditation)
        .where(Accreditation.edition_id == edition_id, Accreditation.granted)
        .order_by(Accreditation.register)
    ).all()
    if not accreditations or accreditations[0].edition.ends_at > (now or utcnow()):
        return found
    for accreditation in accreditations:
        for outcome in outcomes(accreditation, only):
            if outcome.qualifies:
                found.setdefault(outcome.registration.id, []).append(
                    EarnedPoints(
                        register=label(accreditation),
                        number=outcome.number,
                        activity_id=accreditation.activity_id,
                        points=outcome.points,
                        hours=outcome.present_hours,
                    )
                )
    return found
