"""The registration rules: sign-up, seats, waiting lists, changes and cancellation.

Seats are counted in `Session.taken` and claimed by one conditional update whose row
count says yes or no, in the same transaction as the choice row; the same holds for the
venue in `Edition.registered`. Before claiming, the session row is locked (`FOR UPDATE`,
a no-op on SQLite where `BEGIN IMMEDIATE` already serialises writers) so that a seat that
frees while someone joins the waiting list is never left empty.

This module gathers the package's sign-up face for its callers: `requests` (what a sign-up
hands in, the refusals, the checks), `sign_up` (the use cases) and `reading`.
"""

from symposium.registration.reading import (
    SEGMENTS,
    find_by_token,
    notify_program_change,
    queue_due_reminders,
    segment,
    send_manage_link,
)
from symposium.registration.requests import (
    FIELD_LIMITS,
    MULTILINE_FIELDS,
    REQUIRED_MESSAGES,
    TYPE_MESSAGES,
    DuplicateRegistration,
    InvalidRegistration,
    NotAllowed,
    QuestionRule,
    RegistrationClosed,
    RegistrationError,
    RegistrationRequest,
    RoundRequest,
    SessionFull,
    edition_questions,
    normalise_email,
    validate,
)
from symposium.registration.sign_up import (
    add_seat,
    cancel,
    change_capacity,
    change_choice,
    join_waitlist,
    leave_waitlist,
    register,
    set_capacity,
)

__all__ = [
    "FIELD_LIMITS",
    "MULTILINE_FIELDS",
    "REQUIRED_MESSAGES",
    "SEGMENTS",
    "TYPE_MESSAGES",
    "DuplicateRegistration",
    "InvalidRegistration",
    "NotAllowed",
    "QuestionRule",
    "RegistrationClosed",
    "RegistrationError",
    "RegistrationRequest",
    "RoundRequest",
    "SessionFull",
    "add_seat",
    "cancel",
    "change_capacity",
    "change_choice",
    "edition_questions",
    "find_by_token",
    "join_waitlist",
    "leave_waitlist",
    "normalise_email",
    "notify_program_change",
    "queue_due_reminders",
    "register",
    "segment",
    "send_manage_link",
    "set_capacity",
    "validate",
]
