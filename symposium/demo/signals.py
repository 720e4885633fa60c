"""Signals and the regional knowledge agenda in the demo: the 2019 edition's harvest drawn
from the article the project started from (the session on the politicising role of social
professionals, the kenniscafé on evictions), an agenda with items at different stages, and
the upcoming edition with its themes and a rapporteur invited."""

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from symposium.audit.service import Actor
from symposium.extensions import db
from symposium.program.models import Edition
from symposium.signals import rapporteurs
from symposium.signals.models import (
    AgendaItem,
    AgendaStatus,
    FollowUp,
    Perspective,
    SessionHarvest,
    Signal,
    SignalKind,
    SignalSettings,
    SignalSource,
    SignalStatus,
    Theme,
)

THEMES_2019 = [
    (
        "politiserende-rol",
        "De politiserende rol van sociaal professionals",
        "The politicising role of social professionals",
    ),
    (
        "huisuitzettingen",
        "Huisuitzettingen en bestaanszekerheid",
        "Evictions and financial security",
    ),
    (
        "mensenrechtenberoep",
        "Sociaal werk als mensenrechtenberoep",
        "Social work as a human-rights profession",
    ),
    ("capability-benadering", "De capability-benadering", "The capability approach"),
]

THEMES_UPCOMING = [
    ("eenzaamheid", "Eenzaamheid", "Loneliness"),
    (
        "zelfredzaamheid-jongeren",
        "Zelfredzaamheid van jongeren met een beperking",
        "Self-reliance of young people with a disability",
    ),
    (
        "huisuitzettingen",
        "Huisuitzettingen en bestaanszekerheid",
        "Evictions and financial security",
    ),
    (
        "mensenrechtenberoep",
        "Sociaal werk als mensenrechtenberoep",
        "Social work as a human-rights profession",
    ),
]

#: (session slug, theme slug, kind, perspective, supports, text)
SIGNALS_2019 = [
    (
        "politiserende-kracht",
        "politiserende-rol",
        SignalKind.practice,
        Perspective.professional,
        9,
        "Problemen worden geïndividualiseerd: mensen krijgen de "
        "schuld van wat een collectieve oorzaak heeft.",
    ),
    (
        "politiserende-kracht",
        "politiserende-rol",
        SignalKind.bottleneck,
        Perspective.professional,
        6,
        "Professionals missen de ruimte en het mandaat om "
        "signalen uit de wijk door te geven aan beleid.",
    ),
    (
        "politiserende-kracht",
        "politiserende-rol",
        SignalKind.promising_practice,
        Perspective.education,
        4,
        "Samen met collega's en de brancheorganisatie agenderen "
        "werkt beter dan alleen de barricade op.",
    ),
    (
        "politiserende-kracht",
        "mensenrechtenberoep",
        SignalKind.research_question,
        Perspective.research,
        5,
        "Wat betekent 'sociaal werk als mensenrechtenberoep' in het dagelijks werk in de wijk?",
    ),
    (
        "politiserende-kracht",
        "capability-benadering",
        SignalKind.research_question,
        Perspective.student,
        3,
        "Biedt de capability-benadering professionals houvast om "
        "sociale rechtvaardigheid concreet te maken?",
    ),
    (
        "huisuitzettingen-kenniscafe",
        "huisuitzettingen",
        SignalKind.practice,
        Perspective.lived_experience,
        11,
        "Een kleine huurschuld loopt op tot een uitzetting omdat niemand op tijd aan de deur komt.",
    ),
    (
        "huisuitzettingen-kenniscafe",
        "huisuitzettingen",
        SignalKind.bottleneck,
        Perspective.policy,
        7,
        "Woningcorporaties, deurwaarders en wijkteams delen "
        "signalen van betalingsachterstand te laat.",
    ),
    (
        "huisuitzettingen-kenniscafe",
        "huisuitzettingen",
        SignalKind.promising_practice,
        Perspective.professional,
        8,
        "Ervaringsdeskundigen, corporaties, deurwaarders en de gemeente "
        "aan één tafel geeft scherp zicht op de kwestie.",
    ),
    (
        "huisuitzettingen-kenniscafe",
        "huisuitzettingen",
        SignalKind.research_question,
        Perspective.student,
        2,
        "Welke vroegsignalering voorkomt de meeste huisuitzettingen, en voor wie werkt die niet?",
    ),
]

PENDING_2019 = (
    "huisuitzettingen-kenniscafe",
    "Deurwaarders zouden standaard het wijkteam moeten inschakelen.",
)


def _themes(edition: Edition, rows) -> dict[str, Theme]:
    themes = {}
    for position, (slug, title, title_en) in enumerate(rows):
        theme = Theme(
            edition_id=edition.id, slug=slug, title=title, title_en=title_en, position=position
        )
        db.session.add(theme)
        themes[slug] = theme
    return themes


def _harvest_2019(edition: Edition) -> None:
    themes = _themes(edition, THEMES_2019)
    sessions = {s.slug: s for s in edition.sessions}
    moment = edition.ends_at
    signals = []
    for session_slug, theme, kind, perspective, supports, text in SIGNALS_2019:
        signal = Signal(
            edition_id=edition.id,
            session=sessions.get(session_slug),
            text=text,
            kind=kind,
            perspective=perspective,
            source=SignalSource.room,
            status=SignalStatus.approved,
            supports=supports,
            themes=[themes[theme]],
            created_at=moment,
            moderated_at=moment,
        )
        db.session.add(signal)
        signals.append(signal)
    session_slug, text = PENDING_2019
    db.session.add(
        Signal(
            edition_id=edition.id,
            session=sessions.get(session_slug),
            text=text,
            source=SignalSource.afterwards,
        )
    )
    db.session.add(
        SessionHarvest(
            session=sessions["huisuitzettingen-kenniscafe"],
            main_points=(
                "Door alle invalshoeken samen te brengen kregen we scherp zicht op de kwestie. "
                "Drie kennisbronnen kwamen samen: onderzoek, vakkennis van professionals en "
                "ervaringskennis van bewoners."
            ),
            questions="- Hoe delen partijen signalen van betalingsachterstand eerder?",
            agreements=(
                "- De wethouder neemt de suggesties mee in zijn aanpak om huisuitzettingen te "
                "voorkomen.\n- De Werkplaats zet de vraag op de regionale kennisagenda."
            ),
            at_table={
                "lived_experience": 3,
                "professional": 8,
                "policy": 3,
                "research": 2,
                "education": 2,
                "student": 4,
            },
            updated_at=moment,
        )
    )
    db.session.add(
        SignalSettings(edition_id=edition.id, harvest_published_at=moment + timedelta(days=14))
    )
    db.session.flush()
    _agenda(edition, themes, signals)


def _agenda(edition: Edition, themes: dict[str, Theme], signals: list[Signal]) -> None:
    day = edition.starts_at.date()
    evictions = AgendaItem(
        title="Huisuitzettingen voorkomen door signalen eerder te delen",
        title_en="Preventing evictions by sharing signals earlier",
        rationale=(
            "Een kleine huurschuld groeit uit tot een uitzetting als corporaties, deurwaarders "
            "en wijkteams hun signalen pas laat delen."
        ),
        partners="Gemeente, woningcorporaties, deurwaarders, Werkplaats Sociaal Domein",
        status=AgendaStatus.taken_up,
        themes=[themes["huisuitzettingen"]],
        signals=signals[5:9],
        created_at=datetime.combine(
            day - timedelta(days=60), datetime.min.time(), edition.starts_at.tzinfo
        ),
        follow_ups=[
            FollowUp(
                happened_on=day - timedelta(days=40),
                text="Kenniscafé met alle partijen aan één tafel",
                status=AgendaStatus.on_agenda,
            ),
            FollowUp(
                happened_on=day - timedelta(days=39),
                text="De wethouder nam de concrete suggesties mee",
                status=AgendaStatus.taken_up,
            ),
            FollowUp(happened_on=day, text="Besproken op het symposium", status=None),
        ],
    )
    voice = AgendaItem(
        title="Hoe geven professionals signalen uit de wijk door aan beleid?",
        title_en="How do professionals pass signals from the neighbourhood on to policy?",
        rationale="Professionals hebben een brugfunctie, maar missen vaak ruimte en mandaat.",
        partners="Hogeschool Inholland, brancheorganisatie",
        status=AgendaStatus.researching,
        themes=[themes["politiserende-rol"]],
        signals=signals[0:3],
        created_at=edition.ends_at,
        follow_ups=[
            FollowUp(
                happened_on=day + timedelta(days=30),
                text="Op de regionale kennisagenda gezet",
                status=AgendaStatus.on_agenda,
            ),
            FollowUp(
                happened_on=day + timedelta(days=120),
                text="Praktijkgericht onderzoek gestart",
                status=AgendaStatus.researching,
            ),
        ],
    )
    rights = AgendaItem(
        title="Sociaal werk als mensenrechtenberoep in de praktijk",
        title_en="Social work as a human-rights profession in practice",
        status=AgendaStatus.proposed,
        themes=[themes["mensenrechtenberoep"], themes["capability-benadering"]],
        signals=signals[3:5],
        created_at=edition.ends_at,
    )
    db.session.add_all([evictions, voice, rights])


def _upcoming(edition: Edition) -> None:
    _themes(edition, THEMES_UPCOMING)
    db.session.add(SignalSettings(edition_id=edition.id, ask_at_sign_up=True))
    sessions = {s.slug: s for s in edition.sessions}
    item = db.session.scalars(
        sa.select(AgendaItem).where(AgendaItem.title.like("Huisuitzettingen voorkomen%"))
    ).first()
    if item is not None and "kenniscafe-wonen" in sessions:
        item.sessions.append(sessions["kenniscafe-wonen"])
    db.session.commit()
    if "kenniscafe-wonen" in sessions:
        rapporteurs.invite(
            sessions["kenniscafe-wonen"].id,
            "Rianne Rapporteur",
            "rapporteur@example.org",
            "nl",
            Actor(None, "demo"),
        )


def load(today: date) -> None:
    """Add the signals to the demo editions that have none yet."""
    editions = list(db.session.scalars(sa.select(Edition).order_by(Edition.starts_at)))
    for edition in editions:
        if db.session.scalar(sa.select(Theme.id).where(Theme.edition_id == edition.id)):
            continue
        if edition.slug == "2019":
            _harvest_2019(edition)
            db.session.commit()
        elif edition.starts_at.date() > today:
            _upcoming(edition)
