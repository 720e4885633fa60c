"""The program version every page cache keys on, bumped by one mechanism.

Before each flush a listener looks at what changed: a model that is part of a program
(an edition's details, rounds, sessions, speakers, and what other packages register,
such as questions and materials) bumps the version of the edition it belongs to, once per
transaction. Seat counts are not part of it: they are read fresh on every request.
"""

from collections.abc import Callable, Iterable

import sqlalchemy as sa
from sqlalchemy import orm

from symposium.program.models import Edition, Person, Round, Session, SummaryStatus

_BUMPED = "symposium.program_versions_bumped"
_CHANGING = "symposium.program_versions_changing"

#: model -> (the editions whose program an object's change changes, or None when the change
#: leaves every program as it was)
_WATCHED: dict[type, Callable[[orm.Session, object, str], Iterable[Edition]]] = {}


def watch(model: type, editions: Callable[[orm.Session, object, str], Iterable[Edition]]):
    """Register a model whose changes change a program; `editions(session, obj, how)` says
    which editions' programs (`how` is "new", "dirty" or "deleted")."""
    _WATCHED[model] = editions


def changing(edition: Edition) -> None:
    """Say that this transaction changes the edition's program before it has changed
    anything the listener sees (e.g. to give mail about the change the new version)."""
    orm.object_session(edition).info.setdefault(_CHANGING, set()).add(edition.id)


def version_after_changes(edition: Edition) -> int:
    """The program version that this transaction's changes give the edition."""
    session = orm.object_session(edition)
    session.flush()
    session.refresh(edition, ["program_version"])
    return edition.program_version


def bump_program_version(edition: Edition) -> None:
    """Read the edition's program anew from the next request on (the listener calls this)."""
    edition.program_version = Edition.program_version + 1


def _changed(obj, names: Iterable[str]) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _edition_of(session: orm.Session, obj) -> list[Edition]:
    edition = obj.edition
    if edition is None and obj.edition_id is not None:
        edition = session.get(Edition, obj.edition_id)
    return [edition] if edition is not None else []


#: what organisers change about an edition that its pages show; not the counters
#: (`registered`), the seed, privacy housekeeping or what speakers may see
EDITION_COLUMNS = (
    "slug",
    "title",
    "starts_at",
    "ends_at",
    "venue",
    "venue_details",
    "title_en",
    "description_en",
    "venue_en",
    "venue_details_en",
    "venue_address",
    "venue_map_url",
    "organiser_name",
    "contact_email",
    "contact_phone",
    "timezone",
    "registration_opens_at",
    "registration_closes_at",
    "venue_capacity",
    "allocation_mode",
    "preferences_close_at",
    "status",
    "certificate_text",
    "description",
    "privacy_text",
)
#: a session as the program shows it; seats taken and waiting are read fresh instead
SESSION_COLUMNS = (
    "round_id",
    "kind",
    "title",
    "title_en",
    "slug",
    "abstract",
    "abstract_en",
    "room",
    "starts_at",
    "ends_at",
    "capacity",
    "speakers",
)
#: what the session pages show of a speaker (not their e-mail address)
PERSON_COLUMNS = ("name", "affiliation", "bio", "photo_sha256", "photo_type")


def _edition(session, edition: Edition, how: str):
    return [edition] if how == "dirty" and _changed(edition, EDITION_COLUMNS) else []


def _round(session, round_: Round, how: str):
    return _edition_of(session, round_)


def _published_summary_changed(session_: Session) -> bool:
    """A summary is public while published: changing it, publishing or withdrawing it."""
    status = sa.inspect(session_).attrs.summary_status.history
    statuses = {*status.added, *status.deleted, *status.unchanged}
    return SummaryStatus.published in statuses and _changed(session_, ("summary", "summary_status"))


def _session(session, session_: Session, how: str):
    if how == "dirty" and not (
        _changed(session_, SESSION_COLUMNS) or _published_summary_changed(session_)
    ):
        return []
    return _edition_of(session, session_)


def _person(session, person: Person, how: str):
    if how != "dirty" or not _changed(person, PERSON_COLUMNS):
        return []  # a new person is on no program yet
    return [session_.edition for session_ in person.sessions]


watch(Edition, _edition)
watch(Round, _round)
watch(Session, _session)
watch(Person, _person)


@sa.event.listens_for(orm.Session, "before_flush")
def _bump_changed_programs(session: orm.Session, _context, _instances) -> None:
    edition_ids = set(session.info.pop(_CHANGING, set()))
    editions: dict[int, Edition] = {}
    changes = (("new", session.new), ("dirty", session.dirty), ("deleted", session.deleted))
    for how, objects in changes:
        for obj in list(objects):
            editions_of = _WATCHED.get(type(obj))
            if editions_of is None:
                continue
            for edition in editions_of(session, obj, how):
                if edition.id is not None:  # an edition made in this flush starts at 1
                    editions[edition.id] = edition
    for edition_id in edition_ids:
        editions.setdefault(edition_id, session.get(Edition, edition_id))
    bumped = session.info.setdefault(_BUMPED, set())
    for edition_id, edition in editions.items():
        if edition_id not in bumped and edition not in session.new:
            bumped.add(edition_id)
            bump_program_version(edition)


@sa.event.listens_for(orm.Session, "after_transaction_end")
def _forget_bumps(session: orm.Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_BUMPED, None)
        session.info.pop(_CHANGING, None)
