"""Conditional answers: an ETag and a Last-Modified, and 304 Not Modified for a repeat.

The ETag says what the answer shows (the program's version, and for pages with seats the
seat counts too), so it changes exactly when the answer does. Last-Modified is when this
process first answered a resource with its current ETag: it moves whenever the ETag does,
also when seats go back to an earlier count. HTTP dates count whole seconds, so when the
ETag changes twice within one second a date cannot tell the two answers apart: then only
an ETag earns a 304, and a client that sends only If-Modified-Since gets the full answer.
"""

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING

from flask import Response, current_app, request, session
from werkzeug.http import http_date, quote_etag

from symposium.web.cache_headers import add_vary, signed_in

if TYPE_CHECKING:
    from symposium.program.service import Program

#: resources remembered per process; the oldest is forgotten past this many
_REMEMBERED = 1024
_lock = threading.Lock()

#: what makes the language of an answer (see symposium.i18n.select_locale)
LANGUAGE_HEADERS = ("Accept-Language", "Cookie")
#: request headers that can make an answer 304 Not Modified or 412 (make_conditional)
_CONDITIONS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH")


def tag(*parts: object) -> str:
    """A short, stable ETag value for what these parts describe."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class _Seen:
    etag: str
    since: datetime
    #: another answer had the same Last-Modified second: the date alone proves nothing
    ambiguous: bool

    @cached_property
    def last_modified(self) -> str:
        """`since` as an HTTP date, written once rather than for every answer."""
        return http_date(self.since)


def _seen(resource: Hashable, etag: str) -> _Seen:
    remembered: OrderedDict = current_app.extensions.setdefault(
        "symposium.etags_seen", OrderedDict()
    )
    now = datetime.now(UTC).replace(microsecond=0)
    with _lock:
        known = remembered.get(resource)
        if known is None:
            known = _Seen(etag, now, ambiguous=False)
        elif known.etag != etag:
            known = _Seen(etag, now, ambiguous=known.since >= now)
        remembered[resource] = known
        remembered.move_to_end(resource)
        while len(remembered) > _REMEMBERED:
            remembered.popitem(last=False)
    return known


def conditional(
    response: Response | Callable[[], Response],
    resource: Hashable,
    etag: str,
    *,
    weak: bool = False,
    vary: tuple[str, ...] = LANGUAGE_HEADERS,
    private: bool = False,
) -> Response:
    """Add ETag, Last-Modified and Cache-Control; 304 when the client has this already.

    `response` is the answer, or what builds it: then it is built only when the client
    does not have it yet. `resource` names what is answered (page, edition, language).
    `weak` where two processes may write the same content with different bytes (a
    calendar's DTSTAMP); `vary` names the request headers the answer depends on; `private`
    keeps shared caches out: for pages, which may set the session cookie.
    """
    seen = _seen(resource, etag)

    def headed(response: Response) -> Response:
        headers = response.headers
        headers["ETag"] = quote_etag(etag, weak)
        headers["Last-Modified"] = seen.last_modified
        # Always ask again; a 304 costs next to nothing.
        if "Cache-Control" in headers:
            response.cache_control.no_cache = True
            if private:
                response.cache_control.private = True
        else:  # what the lines above write, without parsing and writing it twice
            headers["Cache-Control"] = "no-cache, private" if private else "no-cache"
        add_vary(response, vary)
        return response

    # The request's headers are parsed only when it sent them (most requests send none).
    environ = request.environ
    conditions = any(name in environ for name in _CONDITIONS)
    by_etag = conditions and bool(request.if_none_match)
    decides = not (seen.ambiguous and not by_etag)
    if not isinstance(response, Response):
        if decides and (by_etag or (conditions and request.if_modified_since)):
            # Asked with an empty answer first: a 304 needs no body.
            probe = headed(Response()).make_conditional(request)
            if probe.status_code == 304:
                return probe
        response = response()
    headed(response)
    if not decides:
        return response
    if conditions:
        return response.make_conditional(request)
    # What make_conditional does when the request asks nothing (most do): the date, and
    # the length of a body that was built piece by piece.
    headers = response.headers
    if request.method in ("GET", "HEAD"):
        if "Date" not in headers:
            headers["Date"] = http_date()
        if response.automatically_set_content_length and "Content-Length" not in headers:
            length = response.calculate_content_length()
            if length is not None:
                headers["Content-Length"] = str(length)
    return response


def shows_personal_parts() -> bool:
    """True when a page would show something for this visitor only (a flash, a sign-out)."""
    return bool(session.get("_flashes")) or signed_in()


def program_etag(kind: str, program: "Program", language: str, *more: object) -> str:
    """What a program with seats shows: its version, every seat count, the language."""
    seats = sorted(
        (session_id, s.capacity, s.taken, s.waiting) for session_id, s in program.seats.items()
    )
    edition = program.edition
    return tag(kind, edition.id, edition.program_version, language, seats, *more)
