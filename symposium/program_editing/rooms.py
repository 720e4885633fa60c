"""The rooms of an edition's venue: name, seats and accessibility, chosen from on a session.

A session stores its room's name (`Session.room`), so the program, badges and mail show it
as before; a room typed on a session that the list does not know yet joins the list.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import use_case
from symposium.extensions import db
from symposium.program.models import Edition, Room, Session
from symposium.program_editing.common import _Fields


@dataclass
class RoomData:
    name: str = ""
    capacity: str = ""
    accessibility: str = ""


def _key(name: str) -> str:
    return " ".join((name or "").casefold().split())


def edition_rooms(edition: Edition) -> list[Room]:
    return list(
        db.session.scalars(sa.select(Room).where(Room.edition_id == edition.id).order_by(Room.name))
    )


def room_named(edition: Edition, name: str) -> Room | None:
    """The edition's room of this name, whatever its case and spacing."""
    wanted = _key(name)
    if not wanted:
        return None
    return next((room for room in edition_rooms(edition) if _key(room.name) == wanted), None)


def remember(edition: Edition, name: str) -> None:
    """A room typed on a session that is not on the list yet joins it."""
    if name and room_named(edition, name) is None:
        db.session.add(Room(edition_id=edition.id, name=name))
        db.session.flush()


def room_of(edition: Edition, room_id: int) -> Room | None:
    room = db.session.get(Room, room_id)
    return room if room is not None and room.edition_id == edition.id else None


def _room_fields(edition: Edition, data: RoomData, room: Room | None) -> dict:
    fields = _Fields()
    name = fields.text("name", data.name, 120, _l("Enter the name of the room."))
    same = room_named(edition, name) if name else None
    if same is not None and (room is None or same.id != room.id):
        fields.add("name", _l("This edition already has a room of this name."))
    values = {
        "name": name,
        "capacity": fields.whole_number("capacity", data.capacity),
        "accessibility": fields.text("accessibility", data.accessibility, 2000, multiline=True),
    }
    fields.raise_if_any()
    return values


def _record(room: Room) -> dict:
    return {"name": room.name, "capacity": room.capacity, "accessibility": room.accessibility}


@use_case
def create_room(edition_id: int, data: RoomData, actor: Actor) -> Room:
    edition = db.session.get(Edition, edition_id)
    room = Room(edition_id=edition.id, **_room_fields(edition, data, None))
    db.session.add(room)
    db.session.flush()
    audit.record(actor, "room.create", room, after=_record(room), label=room.name)
    return room


@use_case
def update_room(room_id: int, data: RoomData, actor: Actor) -> Room:
    """Change a room; a new name is shown on its sessions at once."""
    room = db.session.get(Room, room_id)
    edition = room.edition
    values = _room_fields(edition, data, room)
    before = _record(room)
    old_name = room.name
    for name, value in values.items():
        setattr(room, name, value)
    if _record(room) == before:
        return room
    if room.name != old_name:
        for session in db.session.scalars(
            sa.select(Session).where(Session.edition_id == edition.id)
        ):
            if _key(session.room) == _key(old_name):
                session.room = room.name
    audit.record(actor, "room.update", room, before, _record(room), label=room.name)
    return room
