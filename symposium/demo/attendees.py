"""The 2019 edition's audience in the demo: about a hundred made-up people who signed up and
came, so that the evaluation's response rates (answers ÷ people asked) are plausible. Many
took a seat in a workshop; the rest stayed for the plenary part or skipped a round. A few
signed up and never came."""

import itertools
import random
from datetime import timedelta

import sqlalchemy as sa

from symposium.extensions import db
from symposium.program.models import Edition
from symposium.registration.models import (
    ROLES,
    Choice,
    ChoiceState,
    Registration,
    RegistrationStatus,
)

FIRST_NAMES = (
    "Anna", "Bram", "Carla", "Dirk", "Esther", "Frank", "Gerda", "Hans", "Ingrid", "Jeroen",
    "Karin", "Laura", "Martijn", "Nadia", "Olga", "Pieter", "Rachid", "Saskia", "Tom", "Wendy",
)  # fmt: skip
LAST_NAMES = (
    "Jansen", "de Jong", "van den Berg", "Bakker", "Janssen", "van Leeuwen", "Dijkstra",
    "Vermeulen", "Willems", "Koster", "Prins", "El Idrissi", "Huisman", "Kok",
)  # fmt: skip
ORGANISATIONS = (
    "Wijkteam Utrecht Oost",
    "Gemeente Amersfoort",
    "Hogeschool Utrecht",
    "Sociaal Werk Nederland",
    "Stichting Welzijn Zeist",
    "Woningcorporatie Mitros",
    "Buurtteam Nieuwegein",
)
#: people who came; and people who signed up but never came
CAME, NO_SHOWS = 99, 5
#: how many of those who came held a seat in each workshop (the rest skipped the round)
SEATS = {
    "politiserende-kracht": 30,
    "eenzaamheid": 16,
    "zelfredzaamheid-jongeren": 3,
    "huisuitzettingen-kenniscafe": 24,
    "capability-benadering": 16,
    "mensenrechtenberoep": 17,
}


def _names(count: int) -> list[tuple[str, str]]:
    pairs = list(itertools.product(FIRST_NAMES, LAST_NAMES))
    random.Random(1911).shuffle(pairs)  # made-up people, the same every time  # nosec B311
    return pairs[:count]


def _email(first: str, last: str) -> str:
    return f"{first}.{last}@example.org".lower().replace(" ", "")


def _seats(rng: random.Random, edition: Edition) -> list[list]:
    """Per person who came, the sessions they sat in (one per round at most)."""
    people: list[list] = [[] for _ in range(CAME)]
    for round_ in edition.rounds:
        seats = [s for s in round_.sessions for _ in range(SEATS.get(s.slug, 0))]
        seats += [None] * (CAME - len(seats))
        rng.shuffle(seats)
        for person, session in zip(people, seats, strict=True):
            if session is not None:
                person.append(session)
    return people


def add_attendees_2019() -> None:
    """The 2019 audience, unless already there."""
    edition = db.session.scalar(sa.select(Edition).where(Edition.slug == "2019"))
    names = _names(CAME + NO_SHOWS)
    if edition is None or db.session.scalar(
        sa.select(Registration.id).where(
            Registration.edition_id == edition.id,
            Registration.email_key == _email(*names[0]),
        )
    ):
        return
    rng = random.Random(2019)  # nosec B311
    seats = _seats(rng, edition) + [
        [rng.choice(round_.sessions) for round_ in edition.rounds] for _ in range(NO_SHOWS)
    ]
    opens, closes = edition.registration_opens_at, edition.registration_closes_at
    for number, ((first, last), sessions) in enumerate(zip(names, seats, strict=True)):
        signed_up = opens + (closes - opens) * rng.random()
        registration = Registration(
            edition=edition,
            first_name=first,
            last_name=last,
            email=_email(first, last),
            email_key=_email(first, last),
            organisation=rng.choice(ORGANISATIONS),
            role=ROLES[number % len(ROLES)],
            status=RegistrationStatus.confirmed,
            consent_at=signed_up,
            created_at=signed_up,
            checked_in_at=(
                edition.starts_at + timedelta(minutes=rng.randint(-20, 40))
                if number < CAME
                else None
            ),
        )
        db.session.add(registration)
        edition.registered += 1
        for session in sessions:
            session.taken += 1
            registration.choices.append(
                Choice(round=session.round, session=session, state=ChoiceState.confirmed)
            )
    db.session.commit()
