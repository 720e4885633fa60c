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
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

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
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(_REGISTRATION)
    return insert.on_conflict_do_nothing(index_elements=["edition_id", "email_key"]).returning(
        _REGISTRATION.c.id
    )


#: one statement for all of a sign-up's choices; their ids in the order given
_INSERT_CHOICES = sa.insert(_CHOICE).returning(_CHOICE.c.id, sort_by_parameter_order=True)


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
    """New choices of a registration in the session, added to its `choices`, which must be
    loaded (a new registration's are)."""
    if not rows:
        return []
    ids = execute(_INSERT_CHOICES, rows).scalars().all()
    choices = [as_loaded(Choice, {"id": id_, **row}) for id_, row in zip(ids, rows, strict=True)]
    for choice in choices:
        set_committed_value(choice, "registration", registration)
    set_committed_value(registration, "choices", [*registration.choices, *choices])
    return choices


def as_loaded(model: type, values: dict):
    """An object of a row just written with exactly these values (every column, id
    included), added to the session as though it had been read: nothing to flush, and no
    column left to read again. A column missing from `values` is an error, so that a column
    added to the model later cannot silently go unwritten."""
    columns = _columns(model)
    if values.keys() != columns:
        raise ValueError(f"{model.__name__}: columns {sorted(columns ^ values.keys())}")
    instance = model(**values)
    make_transient_to_detached(instance)
    db.session.add(instance)
    return instance


@functools.cache
def _columns(model: type) -> frozenset[str]:
    return frozenset(column.key for column in sa.inspect(model).column_attrs)
