"""The summaries booklet: every published session summary, with a table of contents, and
the harvest of signals as its last chapter."""

from collections.abc import Sequence
from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale
from markupsafe import Markup

from symposium.i18n import format_day, format_time_range, localized
from symposium.program.models import Edition
from symposium.signals import harvest as signal_harvest
from symposium.signals.labels import KINDS, PERSPECTIVES
from symposium.speakers.summaries import published_summaries, render_summary
from symposium.text import safe_markdown


@dataclass(frozen=True)
class SummaryPage:
    anchor: str
    title: str
    speakers: str
    round_name: str
    when: str
    room: str
    summary_html: Markup


@dataclass(frozen=True)
class HarvestTheme:
    title: str
    #: "text (kind · perspective)"
    signals: tuple[str, ...]
    #: (title, status, number of signals)
    agenda_items: tuple[tuple[str, str, int], ...]


@dataclass(frozen=True)
class SessionHarvestPage:
    title: str
    main_points_html: Markup
    questions_html: Markup
    agreements_html: Markup
    at_table: str


@dataclass(frozen=True)
class HarvestChapter:
    """The harvest: approved signals per theme, the agenda items, the rapporteurs' notes."""

    themes: tuple[HarvestTheme, ...]
    sessions: tuple[SessionHarvestPage, ...]


@dataclass(frozen=True)
class Booklet:
    edition_title: str
    day: str
    venue: str
    summaries: tuple[SummaryPage, ...]
    harvest: HarvestChapter | None = None


def harvest_chapter(edition: Edition) -> HarvestChapter | None:
    """None when nothing was harvested (no approved signal, no rapporteur's notes)."""
    found = signal_harvest.harvest(edition)
    themes = tuple(
        HarvestTheme(
            title=group.title,
            signals=tuple(
                f"{s.text} ({KINDS[s.kind]} · {PERSPECTIVES[s.perspective]})" for s in group.signals
            ),
            agenda_items=tuple(
                (
                    localized(item, "title"),
                    signal_harvest.status_label(item),
                    signal_harvest.signal_count(item),
                )
                for item in group.agenda_items
            ),
        )
        for group in found.themes
        if group.signals or group.agenda_items
    )
    sessions = tuple(
        SessionHarvestPage(
            title=localized(h.session, "title"),
            main_points_html=safe_markdown(h.main_points, 4),
            questions_html=safe_markdown(h.questions, 4),
            agreements_html=safe_markdown(h.agreements, 4),
            at_table=", ".join(
                f"{PERSPECTIVES[key]}: {count}" for key, count in (h.at_table or {}).items()
            ),
        )
        for h in found.session_harvests
    )
    return HarvestChapter(themes, sessions) if themes or sessions else None


def booklet(edition: Edition, language: str) -> Booklet:
    tz = edition.timezone
    with force_locale(language):
        return Booklet(
            edition_title=localized(edition, "title"),
            day=format_day(edition.starts_at, tz),
            venue=localized(edition, "venue"),
            summaries=tuple(
                SummaryPage(
                    anchor=f"session-{session.id}",
                    title=localized(session, "title"),
                    speakers=", ".join(person.name for person in session.speakers),
                    round_name=localized(session.round, "name") if session.round else "",
                    when=format_time_range(session.starts_at, session.ends_at, tz),
                    room=session.room,
                    summary_html=render_summary(session.summary),
                )
                for session in published_summaries(edition)
            ),
            harvest=harvest_chapter(edition),
        )


def booklet_html(items: Sequence[Booklet], language: str) -> str:
    (book,) = items
    with force_locale(language):
        return render_template("documents/booklet.html", booklet=book, language=language)
