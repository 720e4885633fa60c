"""The summaries booklet: every published session summary, with a table of contents."""

from collections.abc import Sequence
from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale
from markupsafe import Markup

from symposium.i18n import format_day, format_time_range, localized
from symposium.program.models import Edition
from symposium.speakers.summaries import published_summaries, render_summary


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
class Booklet:
    edition_title: str
    day: str
    venue: str
    summaries: tuple[SummaryPage, ...]


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
        )


def booklet_html(items: Sequence[Booklet], language: str) -> str:
    (book,) = items
    with force_locale(language):
        return render_template("documents/booklet.html", booklet=book, language=language)
