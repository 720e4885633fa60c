"""Speakers and other people on the program."""

from flask_babel import lazy_gettext as _l

from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import use_case
from symposium.extensions import db
from symposium.program.models import Person
from symposium.program_editing.common import PersonData, _Fields
from symposium.program_editing.records import _person_record
from symposium.validation import is_email_address

# -- speakers --------------------------------------------------------------------------


def _person_fields(data: PersonData) -> dict:
    fields = _Fields()
    values = {
        "name": fields.text("name", data.name, 200, _l("Enter the name.")),
        "affiliation": fields.text("affiliation", data.affiliation, 200),
        "bio": fields.text("bio", data.bio, 5000, multiline=True),
        "email": fields.text("email", data.email, 254) or None,
    }
    if values["email"] and fields.ok("email") and not is_email_address(values["email"]):
        fields.add("email", _l("Enter an e-mail address like name@example.org."))
    fields.raise_if_any()
    return values


@use_case
def create_person(data: PersonData, actor: Actor) -> Person:
    person_ = Person(**_person_fields(data))
    db.session.add(person_)
    db.session.flush()
    audit.record(actor, "person.create", person_, after=_person_record(person_), label=person_.name)
    return person_


@use_case
def update_person(person_id: int, data: PersonData, actor: Actor) -> Person:
    """Change a speaker's details; every edition they speak at shows it at once."""

    person_ = db.session.get(Person, person_id)
    values = _person_fields(data)
    before = _person_record(person_)
    for name, value in values.items():
        setattr(person_, name, value)
    after = _person_record(person_)
    if before == after:
        return person_
    audit.record(actor, "person.update", person_, before, after, label=person_.name)
    return person_
