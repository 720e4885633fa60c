"""Building the program: editions, rounds, sessions and speakers, as organisers change them.

Each use case is one transaction that writes what changed to the audit log; the edition's
program version follows the change (`program.versions`), so that the cached public program
shows it at once.
Forms hand in the texts people typed (`EditionData`, `SessionData`, ...); the rules for
them live here, and a refusal is an `InvalidProgram` with messages per field.

Seats belong to `registration.service`: a session's capacity changes through its
`set_capacity`, and moving people out of a deleted session uses its seat helpers, so
there is one rulebook for seats and waiting lists.

The package gathers `common` (limits, refusals, typed texts, web addresses),
`form_values`, `reading`, `records`, `dates` (moving a program in time), `editions`,
`rounds`, `sessions`, `rooms`, `clashes` and `persons`.
"""

from symposium.program_editing.clashes import Clash, find_clashes
from symposium.program_editing.common import (
    DEFAULT_TIMEZONE,
    EDITION_SLUG_LENGTH,
    MAX_SEATS,
    RESERVED_EDITION_SLUGS,
    SESSION_SLUG_LENGTH,
    CopyData,
    DeleteData,
    EditionData,
    InvalidProgram,
    PersonData,
    ProgramError,
    RoundData,
    SessionData,
    slugify,
)
from symposium.program_editing.dates import (
    DateMove,
    DateMoveUnconfirmed,
    mailed_text,
    move_text,
)
from symposium.program_editing.editions import (
    EditionSaved,
    copy_edition,
    copy_move,
    copy_suggestion,
    create_edition,
    set_status,
    update_edition,
)
from symposium.program_editing.form_values import (
    edition_values,
    new_round_values,
    new_session_values,
    person_values,
    round_values,
    session_values,
)
from symposium.program_editing.persons import create_person, update_person
from symposium.program_editing.reading import (
    DeletePreview,
    Overview,
    RoundOverview,
    delete_preview,
    overview,
    people,
    person,
    round_of,
    session_of,
)
from symposium.program_editing.rooms import (
    RoomData,
    create_room,
    edition_rooms,
    room_of,
    update_room,
)
from symposium.program_editing.rounds import create_round, delete_round, update_round
from symposium.program_editing.sessions import (
    DeleteResult,
    create_session,
    delete_session,
    update_session,
)

__all__ = [
    "DEFAULT_TIMEZONE",
    "EDITION_SLUG_LENGTH",
    "MAX_SEATS",
    "RESERVED_EDITION_SLUGS",
    "SESSION_SLUG_LENGTH",
    "Clash",
    "CopyData",
    "DateMove",
    "DateMoveUnconfirmed",
    "DeleteData",
    "DeletePreview",
    "DeleteResult",
    "EditionData",
    "EditionSaved",
    "InvalidProgram",
    "Overview",
    "PersonData",
    "ProgramError",
    "RoomData",
    "RoundData",
    "RoundOverview",
    "SessionData",
    "copy_edition",
    "copy_move",
    "copy_suggestion",
    "create_edition",
    "create_person",
    "create_room",
    "create_round",
    "create_session",
    "delete_preview",
    "delete_round",
    "delete_session",
    "edition_rooms",
    "edition_values",
    "find_clashes",
    "mailed_text",
    "move_text",
    "new_round_values",
    "new_session_values",
    "overview",
    "people",
    "person",
    "person_values",
    "room_of",
    "round_of",
    "round_values",
    "session_of",
    "session_values",
    "set_status",
    "slugify",
    "update_edition",
    "update_person",
    "update_room",
    "update_round",
    "update_session",
]
