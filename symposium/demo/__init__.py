"""Demo data: the 2019 edition from the seed article, and an upcoming edition open for sign-up.

Loading is idempotent: an edition whose slug exists is left as it is. Speakers other than
Guido Walraven (named in the seed article) are invented for the demo, as are the 2019
summaries and slides (after the seed article), which show what an edition looks like
afterwards.
"""

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from symposium.accounts.models import User
from symposium.accounts.service import create_organiser
from symposium.demo import signals as demo_signals
from symposium.demo.accreditation import add_accreditations
from symposium.demo.afterwards import afterwards_2019, demo_pdf
from symposium.demo.attendees import add_attendees_2019
from symposium.demo.evaluations import load_evaluations
from symposium.extensions import db
from symposium.program.models import (
    Edition,
    EditionStatus,
    Person,
    Round,
    Session,
    SessionKind,
)
from symposium.registration import service as registration
from symposium.registration.models import ROLES

__all__ = ["DEMO_ORGANISER", "DEMO_PEOPLE", "demo_organiser", "demo_pdf", "load"]

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@dataclass
class Item:
    title: str
    slug: str
    abstract: str
    speakers: tuple[tuple[str, str], ...] = ()
    room: str = ""
    capacity: int | None = None


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), AMSTERDAM).astimezone(UTC)


def _people() -> dict[str, Person]:
    return {person.name: person for person in db.session.scalars(sa.select(Person))}


def _add_session(edition, round_, item: Item, kind, starts, ends, people) -> Session:
    session = Session(
        edition=edition,
        round=round_,
        kind=kind,
        title=item.title,
        slug=item.slug,
        abstract=item.abstract,
        room=item.room,
        capacity=item.capacity,
        starts_at=starts,
        ends_at=ends,
    )
    for name, affiliation in item.speakers:
        if name not in people:
            people[name] = Person(name=name, affiliation=affiliation)
        session.speakers.append(people[name])
    db.session.add(session)
    return session


def _build(edition: Edition, day: date, plenaries, rounds) -> None:
    """plenaries: (start, end, Item); rounds: (name, start, end, [Item])."""
    people = _people()
    for start, end, item in plenaries:
        _add_session(
            edition, None, item, SessionKind.plenary, _at(day, *start), _at(day, *end), people
        )
    for name, start, end, items in rounds:
        round_ = Round(
            edition=edition, name=name, starts_at=_at(day, *start), ends_at=_at(day, *end)
        )
        db.session.add(round_)
        for item in items:
            _add_session(
                edition,
                round_,
                item,
                SessionKind.breakout,
                round_.starts_at,
                round_.ends_at,
                people,
            )


def _edition_2019() -> Edition:
    day = date(2019, 11, 25)
    edition = Edition(
        confirm_email=False,  # the demo's made-up addresses cannot confirm
        slug="2019",
        title="De waarde van werken in het sociaal domein",
        description=(
            "Sociaal professionals werken in samenspel met inwoners, andere professionals en "
            "beleidsmakers. Tijdens het jaarlijkse symposium van de Werkplaatsen Sociaal Domein "
            "verkennen we hoe sociaal professionals dit het beste kunnen doen. Wat zijn "
            "successen en knelpunten?"
        ),
        starts_at=_at(day, 9, 30),
        ends_at=_at(day, 17, 0),
        venue="Utrecht",
        timezone="Europe/Amsterdam",
        registration_opens_at=_at(date(2019, 9, 1), 9),
        registration_closes_at=_at(date(2019, 11, 20), 23, 59),
        venue_capacity=250,
        status=EditionStatus.published,
        certificate_text="Geaccrediteerd door het Registerplein; 4 uur.",
    )
    db.session.add(edition)
    walraven = ("Guido Walraven", "Hogeschool Inholland, lector Dynamiek van de Stad")
    _build(
        edition,
        day,
        plenaries=[
            ((9, 30), (10, 0), Item("Ontvangst met koffie", "ontvangst", "", room="Foyer")),
            (
                (10, 0),
                (11, 15),
                Item(
                    "Vorm, inhoud en relaties: de krachtlijnen van de Werkplaatsen",
                    "opening",
                    "Opening van het symposium. De Werkplaatsen Sociaal Domein hebben drie "
                    "kenmerkende krachtlijnen: vorm, inhoud en relaties. Het samenspel tussen "
                    "deze drie is cruciaal.",
                    (("Marieke Verbeek", "Werkplaatsen Sociaal Domein"),),
                    room="Grote zaal",
                ),
            ),
            ((16, 30), (17, 0), Item("Afsluiting en borrel", "afsluiting", "", room="Foyer")),
        ],
        rounds=[
            (
                "Ronde 1",
                (13, 30),
                (14, 45),
                [
                    Item(
                        "De politiserende kracht van sociaal professionals",
                        "politiserende-kracht",
                        "Signaleren en agenderen van sociale kwesties gebeurt niet alleen aan de "
                        "beleidstafel. Sociaal professionals agenderen ook in het publieke debat, "
                        "in de wijk en in hun professionele netwerken. Is sociaal werk altijd "
                        "politiserend? We wisselen van gedachten over collectieve "
                        "verantwoordelijkheid, belangen en macht.",
                        (walraven, ("Ilse Jansen", "Werkplaats Sociaal Domein Zuid-Holland Zuid")),
                        room="Zaal 1",
                        capacity=40,
                    ),
                    Item(
                        "Wat te doen tegen eenzaamheid?",
                        "eenzaamheid",
                        "Onderzoek uit de praktijk van de Werkplaatsen naar wat werkt tegen "
                        "eenzaamheid, en wat sociaal werkers daarin klaarspelen.",
                        (("Fatima el Amrani", "Werkplaats Sociaal Domein Noord-Holland"),),
                        room="Zaal 2",
                        capacity=30,
                    ),
                    Item(
                        "Zelfredzaamheid van jongeren met een beperking",
                        "zelfredzaamheid-jongeren",
                        "Hoe kan de zelfredzaamheid van jongeren met een beperking worden "
                        "verbeterd? Ervaringen met onorthodoxe onderzoeksmethoden.",
                        (("Peter Bakker", "Werkplaats Sociaal Domein Gelderland"),),
                        room="Zaal 3",
                        capacity=25,
                    ),
                ],
            ),
            (
                "Ronde 2",
                (15, 0),
                (16, 15),
                [
                    Item(
                        "Huisuitzettingen voorkomen: lessen uit het kenniscafé",
                        "huisuitzettingen-kenniscafe",
                        "Ervaringsdeskundigen, woningcorporaties, deurwaarders, sociaal "
                        "professionals, gemeente, onderzoekers en studenten aan één tafel: hoe "
                        "een kenniscafé drie kennisbronnen verbindt en suggesties opleverde die "
                        "de wethouder oppakte.",
                        (walraven,),
                        room="Zaal 1",
                        capacity=35,
                    ),
                    Item(
                        "De capability-benadering als handvat",
                        "capability-benadering",
                        "Biedt de capability-benadering handvatten om sociale rechtvaardigheid "
                        "in de praktijk te brengen?",
                        (("Anouk Smits", "Hogeschool Utrecht"),),
                        room="Zaal 2",
                        capacity=30,
                    ),
                    Item(
                        "Sociaal werk als mensenrechtenberoep",
                        "mensenrechtenberoep",
                        "De discussie over het vak bloeit op: is sociaal werk een "
                        "mensenrechtenberoep? Wat betekent dat voor je beroepshouding?",
                        (("Youssef Haddou", "Beroepsvereniging sociaal werk"),),
                        room="Zaal 3",
                        capacity=25,
                    ),
                ],
            ),
        ],
    )
    return edition


UPCOMING_ROUNDS = (
    (
        "Ronde 1",
        (13, 30),
        (14, 45),
        [
            ("Samen agenderen in de wijk", "samen-agenderen", 30, "Zaal 1"),
            ("Eenzaamheid onder jongeren", "eenzaamheid-jongeren", 12, "Zaal 2"),
            ("Schulden en bestaanszekerheid", "schulden", 40, "Zaal 3"),
            ("Ervaringskennis in onderzoek", "ervaringskennis", 20, "Zaal 4"),
            ("Werken met de capability-benadering", "capabilities-praktijk", 25, "Zaal 5"),
        ],
    ),
    (
        "Ronde 2",
        (15, 0),
        (16, 15),
        [
            ("Mensenrechten in het sociaal werk", "mensenrechten", 35, "Zaal 1"),
            ("Kenniscafé: wonen en huisuitzettingen", "kenniscafe-wonen", 3, "Zaal 2"),
            ("Digitale ongelijkheid", "digitale-ongelijkheid", 25, "Zaal 3"),
            ("Zelfredzaamheid en eigen regie", "eigen-regie", 20, "Zaal 4"),
            ("Praktijkgericht onderzoek met studenten", "onderzoek-studenten", 15, "Zaal 5"),
            ("Moreel beraad in het sociaal domein", "moreel-beraad", 18, "Zaal 6"),
        ],
    ),
)
HOSTS = (
    ("Guido Walraven", "Hogeschool Inholland"),
    ("Fatima el Amrani", "Werkplaats Sociaal Domein Noord-Holland"),
    ("Peter Bakker", "Werkplaats Sociaal Domein Gelderland"),
    ("Anouk Smits", "Hogeschool Utrecht"),
    ("Youssef Haddou", "Beroepsvereniging sociaal werk"),
    ("Ilse Jansen", "Werkplaats Sociaal Domein Zuid-Holland Zuid"),
)


def _upcoming_day(today: date) -> date:
    """About ten months ahead, on a Monday as in 2019."""
    day = today + timedelta(days=305)
    return day + timedelta(days=(7 - day.weekday()) % 7)


def _upcoming_edition(today: date) -> Edition:
    day = _upcoming_day(today)
    edition = Edition(
        confirm_email=False,  # the demo's made-up addresses cannot confirm
        slug=str(day.year),
        title="Samen sterker in het sociaal domein",
        description=(
            "Het jaarlijkse symposium van de Werkplaatsen Sociaal Domein: sociaal "
            "professionals, onderzoekers, beleidsmakers, docenten, studenten en "
            "ervaringsdeskundigen delen wat werkt."
        ),
        starts_at=_at(day, 9, 30),
        ends_at=_at(day, 17, 0),
        venue="Utrecht",
        timezone="Europe/Amsterdam",
        registration_opens_at=_at(today - timedelta(days=1), 9),
        registration_closes_at=_at(day - timedelta(days=5), 23, 59),
        venue_capacity=300,
        venue_address="Jaarbeursplein 6\n3521 AL Utrecht",
        venue_details=(
            "Vijf minuten lopen vanaf Utrecht Centraal (uitgang Jaarbeursplein). Parkeren in "
            "de P1-garage. Het gebouw is rolstoeltoegankelijk; er is een ringleiding in de "
            "grote zaal."
        ),
        venue_map_url="https://www.openstreetmap.org/search?query=Jaarbeursplein%206%20Utrecht",
        organiser_name="Werkplaatsen Sociaal Domein",
        contact_email="symposium@example.org",
        contact_phone="030 123 45 67",
        status=EditionStatus.published,
        certificate_text="Accreditatie aangevraagd bij het Registerplein; 4 uur.",
    )
    db.session.add(edition)
    rounds = []
    for index, (name, start, end, sessions) in enumerate(UPCOMING_ROUNDS):
        items = [
            Item(
                title,
                slug,
                f"Een deelsessie over {title.lower()}, met voorbeelden uit de Werkplaatsen.",
                (HOSTS[(index * 5 + number) % len(HOSTS)],),
                room=room,
                capacity=capacity,
            )
            for number, (title, slug, capacity, room) in enumerate(sessions)
        ]
        rounds.append((name, start, end, items))
    _build(
        edition,
        day,
        plenaries=[
            (
                (10, 0),
                (11, 15),
                Item(
                    "Opening: wat werkt in de wijk?",
                    "opening",
                    "Welkom en een gesprek met sociaal professionals over wat werkt.",
                    (("Marieke Verbeek", "Werkplaatsen Sociaal Domein"),),
                    room="Grote zaal",
                ),
            ),
            ((16, 30), (17, 0), Item("Afsluiting en borrel", "afsluiting", "", room="Foyer")),
        ],
        rounds=rounds,
    )
    return edition


DEMO_PEOPLE = (
    ("Sanne", "de Vries"),
    ("Mohamed", "Yilmaz"),
    ("Lotte", "Visser"),
    ("Daan", "Mulder"),
    ("Noor", "Hendriks"),
    ("Joris", "van Dijk"),
    ("Eva", "Bos"),
    ("Sem", "Kramer"),
    ("Zoë", "Çelik"),
    ("Lucas", "Peters"),
    ("Iris", "Meijer"),
    ("Thijs", "de Boer"),
    ("Femke", "Dekker"),
)


def _sign_up_demo_people(edition: Edition) -> None:
    """Fill one session to one seat short, and another beyond full, so waiting lists show."""
    by_slug = {session.slug: session for session in edition.sessions}
    nearly_full = by_slug["eenzaamheid-jongeren"]
    full = by_slug["kenniscafe-wonen"]
    for number, (first, last) in enumerate(DEMO_PEOPLE):
        choices = {}
        if number < nearly_full.capacity - 1:
            choices[nearly_full.round_id] = registration.RoundRequest(nearly_full.id)
        if number < full.capacity + 2:
            choices[full.round_id] = registration.RoundRequest(full.id)
        registration.register(
            edition.id,
            registration.RegistrationRequest(
                first_name=first,
                last_name=last,
                email=f"{first}.{last}@example.org".lower().replace(" ", ""),
                organisation="Voorbeeldorganisatie",
                role=ROLES[number % len(ROLES)],
                consent=True,
                choices=choices,
            ),
        )


DEMO_ORGANISER = "organisator@example.org"


def demo_organiser() -> str | None:
    """An organiser account to try the organisers' area; its password, when it was made now."""
    if db.session.scalar(sa.select(User.id).where(User.email == DEMO_ORGANISER)):
        return None
    password = secrets.token_urlsafe(12)
    create_organiser(DEMO_ORGANISER, "Demo-organisator", password)
    return password


def load(today: date | None = None) -> list[str]:
    """Create the demo editions that are missing; the slugs of those created."""
    today = today or datetime.now(AMSTERDAM).date()
    existing = set(db.session.scalars(sa.select(Edition.slug)))
    created = []
    if "2019" not in existing:
        edition = _edition_2019()
        db.session.flush()
        afterwards_2019(edition)
        created.append(edition.slug)
        db.session.commit()
    upcoming_slug = str(_upcoming_day(today).year)
    if upcoming_slug not in existing and upcoming_slug != "2019":
        edition = _upcoming_edition(today)
        db.session.commit()
        _sign_up_demo_people(edition)
        created.append(edition.slug)
    add_attendees_2019()
    load_evaluations(upcoming_slug)
    add_accreditations(["2019", upcoming_slug])
    demo_signals.load(today)
    return created
