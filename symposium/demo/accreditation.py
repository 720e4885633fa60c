"""Demo accreditation: the 2019 edition counted for Registerplein and SKJ (made-up activity
IDs), with checked-in attendees who gave numbers, some qualifying and some not; the upcoming
edition with a Registerplein accreditation still pending."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from symposium.accreditation import hours
from symposium.accreditation.models import Accreditation, AccreditedItem, Register, RegisterNumber
from symposium.extensions import db
from symposium.program.models import Edition
from symposium.registration.models import Choice, ChoiceState, Registration, RegistrationStatus

#: first name, last name, Registerplein number, SKJ number, left at (hours after the start),
#: checked in at all
PEOPLE_2019 = (
    ("Annelies", "de Graaf", "461023456", "", None, True),
    ("Mohamed", "Ouali", "461034567", "", None, True),
    ("Joke", "Visser", "461045678", "100023456", None, True),
    ("Ruud", "Hendriks", "461056789", "", 3.0, True),  # left at lunch: too few hours
    ("Sanne", "Mulder", "", "100034567", None, True),
    ("Kees", "Brouwer", "", "100045678", 5.5, True),  # left after the first round
    ("Lotte", "Smit", "461067890", "", None, False),  # signed up, never came
)


def _accredit(edition: Edition, register: Register, activity_id: str, granted: bool) -> None:
    accreditation = Accreditation(
        edition=edition, register=register, activity_id=activity_id, granted=granted
    )
    counted = [s for s in edition.sessions if hours.counts_by_default(s)]
    accreditation.items = [AccreditedItem(session=session) for session in counted]
    accreditation.points = hours.as_points(
        hours.total_hours((s.starts_at, s.ends_at) for s in counted)
    )
    db.session.add(accreditation)


def _attendees_2019(edition: Edition) -> None:
    rounds = sorted(edition.rounds, key=lambda r: r.starts_at)
    for number, (first, last, plein, skj, left, came) in enumerate(PEOPLE_2019):
        registration = Registration(
            edition=edition,
            first_name=first,
            last_name=last,
            email=f"{first}.{last}@example.org".lower().replace(" ", ""),
            email_key=f"{first}.{last}@example.org".lower().replace(" ", ""),
            organisation="Voorbeeldorganisatie",
            role="social_worker",
            status=RegistrationStatus.confirmed,
            consent_at=edition.starts_at - timedelta(days=30),
            created_at=edition.starts_at - timedelta(days=30),
            checked_in_at=edition.starts_at + timedelta(minutes=5) if came else None,
            checked_out_at=edition.starts_at + timedelta(hours=left) if left else None,
        )
        db.session.add(registration)
        edition.registered += 1
        for round_ in rounds:
            session = sorted(round_.sessions, key=lambda s: s.slug)[number % len(round_.sessions)]
            session.taken += 1
            registration.choices.append(
                Choice(round=round_, session=session, state=ChoiceState.confirmed)
            )
        for register, value in ((Register.registerplein, plein), (Register.skj, skj)):
            if value:
                db.session.add(
                    RegisterNumber(registration=registration, register=register, number=value)
                )


def add_accreditations(slugs: list[str]) -> None:
    """Accreditations for the demo editions that have none yet."""
    for slug in slugs:
        edition = db.session.scalar(sa.select(Edition).where(Edition.slug == slug))
        if edition is None or db.session.scalar(
            sa.select(Accreditation.id).where(Accreditation.edition_id == edition.id)
        ):
            continue
        if edition.ends_at < datetime.now(UTC):
            _accredit(edition, Register.registerplein, "312345", granted=True)
            _accredit(edition, Register.skj, "SKJ-2019-0815", granted=True)
            _attendees_2019(edition)
        else:
            _accredit(edition, Register.registerplein, "", granted=False)
    db.session.commit()
