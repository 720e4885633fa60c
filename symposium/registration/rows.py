"""The rows a sign-up writes, by statements built once per process.

A sign-up is the one write that comes in rushes. Through the ORM's unit of work, with its
statements built anew on every call, SQLAlchemy's Python took more of a sign-up than the
database did (issue 16): here the registration and its choices are written with Core
statements made once and executed on the session's connection, and then handed to the
session as if they had been read back (`as_loaded`), so that callers keep working with
ordinary persistent objects and nothing is written twice.
"""

import functools

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict, set_committed_value
from sqlalchemy.orm.instrumentation import manager_of_class

from symposium.database import conflict_insert
from symposium.extensions import db
from symposium.registration.models import Choice, Registration

_REGISTRATION = Registration.__table__
_CHOICE = Choice.__table__
#: every column but the id, which the database gives
REGISTRATION_COLUMNS = frozenset(column.key for column in _REGISTRATION.c if column.key != "id")
CHOICE_COLUMNS = frozenset(column.key for column in _CHOICE.c if column.key != "id")


@functools.cache
def _insert_registration(dialect: str) -> sa.Insert:
    """A new row, or none when the address signed up for the edition before (the unique
    index decides, also against a sign-up with that address being committed meanwhile)."""
    insert = conflict_insert(dialect, _REGISTRATION)
    return insert.on_conflict_do_nothing(index_elements=["edition_id", "email_key"]).returning(
        _REGISTRATION.c.id
    )


#: one statement for all of a sign-up's choices, one per round; which id each round got
_INSERT_CHOICES = sa.insert(_CHOICE).returning(_CHOICE.c.round_id, _CHOICE.c.id)


def execute(statement, parameters: dict | list[dict]) -> sa.CursorResult:
    """A statement built once, run in the session's transaction on its connection: what
    the session's own `execute` does, without its per-call work on the statement. As there,
    the session first writes what it has pending (unless in `no_autoflush`)."""
    session = db.session()
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement, parameters)


def insert_registration(values: dict) -> Registration | None:
    """The new registration with these column values (all but the id), in the session; None
    when this address is already signed up for the edition (nothing is written then)."""
    dialect = db.session.get_bind().dialect.name
    new_id = execute(_insert_registration(dialect), values).scalar()
    if new_id is None:
        return None
    registration = as_loaded(Registration, {"id": new_id, **values})
    set_committed_value(registration, "choices", [])  # known to have none: no query
    return registration


def insert_choices(registration: Registration, rows: list[dict]) -> list[Choice]:
    """New choices of a registration in the session, at most one per round, added to its
    `choices` (a new registration's are known to be none)."""
    if not rows:
        return []
    earlier = list(registration.choices)  # read before the insert, which it must not see
    ids = {round_id: id_ for round_id, id_ in execute(_INSERT_CHOICES, rows)}
    if len(ids) != len(rows):
        raise ValueError("one choice per round")
    choices = [as_loaded(Choice, {"id": ids[row["round_id"]], **row}) for row in rows]
    for choice in choices:
        set_committed_value(choice, "registration", registration)
    set_committed_value(registration, "choices", [*earlier, *choices])
    return choices


def as_loaded(model: type, values: dict):
    """An object of a row just written with exactly these values (every column, id
    included), added to the session as though it had been read: nothing to flush, and no
    column left to read again. A column missing from `values` is an error, so that a column
    added to the model later cannot silently go unwritten."""
    columns = _columns(model)
    if values.keys() != columns:
        raise ValueError(f"{model.__name__}: columns {sorted(columns ^ values.keys())}")
    # Filled in as the ORM fills an object it loads: no attribute events, no history.
    instance = manager_of_class(model).new_instance()
    instance_dict(instance).update(values)
    make_transient_to_detached(instance)
    session = db.session()
    session.add(instance)
    session.info.setdefault(_MADE, []).append(instance)
    return instance


_MADE = "symposium.rows_made"


@sa.event.listens_for(orm.Session, "after_commit")
def _kept(session: orm.Session) -> None:
    session.info.pop(_MADE, None)


@sa.event.listens_for(orm.Session, "after_soft_rollback")
def _undone(session: orm.Session, previous_transaction: orm.SessionTransaction) -> None:
    """What `as_loaded` added leaves the session when its transaction is rolled back, as
    rows the session inserted itself do: else a retried use case (`TryAgain`) could meet
    the stale object of a row that is gone, under an id that SQLite hands out again."""
    if previous_transaction.parent is not None:
        return  # a savepoint: the transaction goes on
    for instance in session.info.pop(_MADE, ()):
        if instance in session:
            session.expunge(instance)


@functools.cache
def _columns(model: type) -> frozenset[str]:
    return frozenset(column.key for column in sa.inspect(model).column_attrs)
