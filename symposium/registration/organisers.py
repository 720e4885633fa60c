"""What organisers do with registrations: find, read, correct, promote, check in, export.

Plain functions with explicit arguments. Every change is one transaction that carries its
own audit entry, so the log never misses a change and never records one that was undone.
The seat rules are the attendees' own (registration.service): an organiser only gets to
add a seat to a full session, and that is recorded as a capacity change of its own.

This module gathers them for the organisers' pages: `listing`, `dashboard`,
`organiser_changes`, `door` (check-in and attendance) and `tables` (exports).
"""

from symposium.registration.dashboard import Dashboard, RoundFill, SessionFill, dashboard
from symposium.registration.door import (
    Attendee,
    CheckInCount,
    SessionAttendance,
    Waiting,
    check_in,
    check_in_count,
    door_search,
    get_choice,
    mark_attended,
    recent_check_ins,
    session_attendance,
    undo_attended,
    undo_check_in,
)
from symposium.registration.listing import (
    BY_NAME,
    EMAIL_TAKEN,
    LANGUAGES,
    MAX_SEARCH_TERMS,
    PER_PAGE,
    STATUS_LABELS,
    InvalidDetails,
    ListRow,
    Place,
    RegistrationFilter,
    RegistrationPage,
    RoundCell,
    RoundOption,
    SessionOption,
    registration_page,
    rounds_with_sessions,
)
from symposium.registration.organiser_changes import (
    DETAIL_FIELDS,
    DetailsChange,
    RegistrationDetail,
    RoundEntry,
    check_details,
    detail,
    details_of,
    get,
    promote,
    resend_confirmation,
    round_entries,
    update_details,
)
from symposium.registration.sign_up import reinstate
from symposium.registration.tables import (
    Table,
    registrations_table,
    session_of_edition,
    session_table,
)

__all__ = [
    "BY_NAME",
    "DETAIL_FIELDS",
    "EMAIL_TAKEN",
    "LANGUAGES",
    "MAX_SEARCH_TERMS",
    "PER_PAGE",
    "STATUS_LABELS",
    "Attendee",
    "CheckInCount",
    "Dashboard",
    "DetailsChange",
    "InvalidDetails",
    "ListRow",
    "Place",
    "RegistrationDetail",
    "RegistrationFilter",
    "RegistrationPage",
    "RoundCell",
    "RoundEntry",
    "RoundFill",
    "RoundOption",
    "SessionAttendance",
    "SessionFill",
    "SessionOption",
    "Table",
    "Waiting",
    "check_details",
    "check_in",
    "check_in_count",
    "dashboard",
    "detail",
    "details_of",
    "door_search",
    "get",
    "get_choice",
    "mark_attended",
    "promote",
    "recent_check_ins",
    "registration_page",
    "registrations_table",
    "reinstate",
    "resend_confirmation",
    "round_entries",
    "rounds_with_sessions",
    "session_attendance",
    "session_of_edition",
    "session_table",
    "undo_attended",
    "undo_check_in",
    "update_details",
]
