"""A speaker's own profile: name, affiliation, bio and photo."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from symposium.accounts.models import User
from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import use_case
from symposium.extensions import db
from symposium.program.models import (
    Person,
)
from symposium.speakers import files
from symposium.speakers.materials import Upload, _forget, _store
from symposium.speakers.rules import BIO_LENGTH, Invalid, _text

# -- profile ---------------------------------------------------------------------------


@dataclass
class ProfileData:
    name: str = ""
    affiliation: str = ""
    bio: str = ""
    remove_photo: bool = False


def profile_values(person: Person) -> ProfileData:
    return ProfileData(name=person.name, affiliation=person.affiliation or "", bio=person.bio or "")


def update_profile(user: User, data: ProfileData, photo: Upload | None) -> Person:
    """A speaker's name, affiliation, short bio and photo, as the session pages show them."""
    errors: dict[str, list] = {}
    values = {
        "name": _text(errors, "name", data.name, 200, _l("Enter your name.")),
        "affiliation": _text(errors, "affiliation", data.affiliation, 200),
        "bio": _text(errors, "bio", data.bio, BIO_LENGTH, multiline=True),
    }
    if errors:
        raise Invalid(errors)
    stored = _store("photo", photo, files.PHOTO_TYPES, required=False)
    try:
        person_id, old_photo = _update_profile(user, values, stored, data.remove_photo)
    except BaseException:
        if stored is not None:
            _forget(stored.sha256)
        raise
    _forget(old_photo)
    return db.session.get(Person, person_id)


@use_case
def _update_profile(
    user: User, values: dict[str, str], stored, remove_photo: bool
) -> tuple[int, str | None]:
    """The person's id, and the photo they no longer use (if any)."""
    person = db.session.get(Person, user.person_id)
    before = {**{key: getattr(person, key) for key in values}, "photo": person.photo_sha256}
    old_photo = None
    for key, value in values.items():
        setattr(person, key, value.replace("\r\n", "\n"))
    if stored is not None or remove_photo:
        if person.photo_sha256 and person.photo_sha256 != getattr(stored, "sha256", None):
            old_photo = person.photo_sha256
        person.photo_sha256 = stored.sha256 if stored else None
        person.photo_type = stored.content_type if stored else None
    after = {**{key: getattr(person, key) for key in values}, "photo": person.photo_sha256}
    if before != after:
        audit.record(Actor(user.id, user.email), "person.profile", person, before, after)
    return person.id, old_photo
