"""Language choice and how dates and times are written for people.

The language comes from `?lang=` (kept in the session, as the switcher uses it), then the
browser's preference, then Dutch.
"""

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime
from flask import current_app, g, has_request_context, request, session, url_for
from flask_babel import force_locale, get_locale, get_translations, gettext
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from symposium.text import safe_markdown

_DAY = {"nl": "EEEE d MMMM y", "en": "EEEE d MMMM y"}
_SHORT_DAY = {"nl": "d MMMM y", "en": "d MMMM y"}
_TIME = {"nl": "H.mm", "en": "HH:mm"}


def select_locale() -> Locale:
    """Flask-Babel's locale selector. A Locale made once per language, not per request:
    Flask-Babel would parse the language's name into one on every request."""
    return _locale(_selected_language())


_locale = lru_cache(maxsize=16)(Locale.parse)


def _selected_language() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # commands and workers speak the default language
        return languages[0]
    # The answer depends on ?lang, the session cookie and Accept-Language: it must say so
    # in Vary (symposium.web.cache_headers).
    g.language_from_request = True
    asked = request.args.get("lang") if request.query_string else None
    if asked in languages:
        session["lang"] = asked
        return asked
    if session.get("lang") in languages:
        return session["lang"]
    header = request.headers.get("Accept-Language", "")
    return _best_language(header, tuple(languages)) or languages[0]


@lru_cache(maxsize=512)
def _best_language(header: str, languages: tuple[str, ...]) -> str | None:
    """The browser's preferred language of ours: the few headers browsers send, each
    read once (Werkzeug parses it anew on every request)."""
    return parse_accept_header(header, LanguageAccept).best_match(languages)


def current_language() -> str:
    # `.language`, not str(): Babel writes the whole identifier out again on every str(),
    # and a mail asks this some 40 times.
    locale = get_locale()
    return locale.language[:2] if locale is not None else "nl"


@lru_cache(maxsize=4096)
def _formatted(moment: datetime, timezone: str, pattern: str, language: str) -> str:
    """Babel's formatting, remembered: a program's few moments are written again and again
    (every mail, every badge), and Babel takes a tenth of a millisecond for each."""
    return format_datetime(moment.astimezone(ZoneInfo(timezone)), pattern, locale=language)


def format_day(moment: datetime, timezone: str) -> str:
    """'maandag 25 november 2019' / 'Monday 25 November 2019'."""
    language = current_language()
    return _formatted(moment, timezone, _DAY[language], language)


def format_short_day(moment: datetime, timezone: str) -> str:
    language = current_language()
    return _formatted(moment, timezone, _SHORT_DAY[language], language)


def localized(thing, name: str, language: str | None = None) -> str:
    """A text of the program in the reader's language: `title_en` for English readers when
    the organisers wrote one, else the Dutch `title`."""
    if (language or current_language()) == "en" and (english := getattr(thing, f"{name}_en", "")):
        return english
    return getattr(thing, name)


def format_time(moment: datetime, timezone: str) -> str:
    """'13.30' / '13:30': 24 hours in both languages."""
    language = current_language()
    text = _formatted(moment, timezone, _TIME[language], language)
    return text.lower() if language == "en" else text


def format_time_range(starts: datetime, ends: datetime, timezone: str) -> str:
    """'13.30–14.45 uur' / '13:30–14:45'."""
    text = f"{format_time(starts, timezone)}–{format_time(ends, timezone)}"
    return f"{text} uur" if current_language() == "nl" else text


#: the words people read for the states things can be in
STATE_LABELS = {
    "draft": _l("draft"),
    "published": _l("published"),
    "archived": _l("archived"),
    "queued": _l("queued"),
    "sending": _l("sending"),
    "sent": _l("sent"),
    "failed": _l("failed"),
    "confirmed": _l("confirmed"),
    "waitlisted": _l("on the waiting list"),
    "cancelled": _l("cancelled"),
    "running": _l("being made"),
    "done": _l("ready"),
}


#: what a message that is written when it is sent is about, until then
MAIL_KIND_LABELS = {
    "confirmation": _l("Confirmation"),
    "choice_changed": _l("Program changed"),
    "cancelled": _l("Cancellation"),
    "waitlist_joined": _l("On a waiting list"),
    "promoted": _l("A seat came free"),
    "venue_promoted": _l("A place came free"),
    "manage_link": _l("Link sent again"),
    "reminder": _l("Reminder"),
    "program_changed": _l("Change in the program"),
}


def mail_subject(message) -> str:
    """A message's subject, or what it is about while it is still to be written."""
    if message.subject:
        return message.subject
    about = MAIL_KIND_LABELS.get(message.kind, message.kind)
    # Outside the f-string, where pybabel finds it (it does not look into f-strings).
    later = gettext("written when sent")
    return f"{about} ({later})"


def state_label(state) -> str:
    """'gepubliceerd' for EditionStatus.published, and so on."""
    value = getattr(state, "value", state)
    return str(STATE_LABELS.get(value, value))


def describe_seats(seats, translations=None) -> str:
    """'nog 4 plaatsen', 'vol · 2 op de wachtlijst'; nothing for sessions without a limit.

    A page that describes many sessions passes the request's translations in once.
    """
    if seats.capacity is None:
        return ""
    words = translations or get_translations()
    if not seats.full:
        left = seats.left
        return words.ngettext("%(num)d seat left", "%(num)d seats left", left) % {"num": left}
    full = words.gettext("full")
    if seats.waiting:
        waiting = words.ngettext(
            "%(num)d on the waiting list", "%(num)d on the waiting list", seats.waiting
        )
        return f"{full} · {waiting % {'num': seats.waiting}}"
    return f"{full} · {words.gettext('waiting list open')}"


def url_in_language(language: str) -> str:
    """This page in another language, for the switcher; the program when no page matched."""
    if request.endpoint and request.method == "GET":
        return url_for(request.endpoint, **(request.view_args or {}), lang=language)
    return url_for("program.index", lang=language)


def format_number(value) -> str:
    """Hours and points as people write them: "4,5" in Dutch, "4.5" in English."""
    from flask_babel import format_decimal

    return format_decimal(round(float(value), 2), format="#,##0.##")


def register_template_helpers(app) -> None:
    app.jinja_env.filters.update(
        state=state_label,
        mail_subject=mail_subject,
        day=format_day,
        short_day=format_short_day,
        time=format_time,
        markdown=safe_markdown,
        local=localized,
        decimal=format_number,
    )
    app.jinja_env.globals.update(
        time_range=format_time_range,
        current_language=current_language,
        url_in_language=url_in_language,
        describe_seats=describe_seats,
    )


# -- reading dates and times people type ------------------------------------------------

_TYPED_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$|^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_TYPED_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})(?:[:.]\d{2})?(?:\s*uur)?$")


def parse_date(text: str) -> date | None:
    """'2025-11-24' (what browsers send) or '24-11-2025' (what Dutch people type)."""
    found = _TYPED_DATE.match(text.strip())
    if not found:
        return None
    if found.group(1):
        year, month, day = found.group(1, 2, 3)
    else:
        day, month, year = found.group(4, 5, 6)
    if not 1900 <= int(year) <= 2999:  # far-off years overflow once moved to UTC
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def parse_time(text: str) -> time | None:
    """'13:30' or '13.30'."""
    found = _TYPED_TIME.match(text.strip())
    if not found:
        return None
    hour, minute = int(found.group(1)), int(found.group(2))
    return time(hour, minute) if hour < 24 and minute < 60 else None


def parse_moment(text: str) -> tuple[date, time] | None:
    """'2025-09-01T09:00' (a browser's datetime-local) or '01-09-2025 09.00'."""
    parts = text.strip().replace("T", " ").split(None, 1)
    if len(parts) != 2:
        return None
    day, clock = parse_date(parts[0]), parse_time(parts[1])
    return (day, clock) if day and clock else None


def each_in_own_language(people: Sequence, make: Callable, default: str) -> list:
    """`make(person)` for each person in their own language (`person.locale`, else
    `default`), in the order given; the locale switched once per language, not per person."""
    by_language: dict[str, list[int]] = {}
    for index, person in enumerate(people):
        by_language.setdefault(person.locale or default, []).append(index)
    made: dict[int, object] = {}
    for language, indexes in by_language.items():
        with force_locale(language):
            for index in indexes:
                made[index] = make(people[index])
    return [made[index] for index in range(len(people))]
