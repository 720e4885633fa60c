"""The speakers' rules: who may act on a session, invitations and sign-in links, materials,
profiles, and the summary of a session from draft to published.

A speaker acts only on the sessions they give (a note-taker the organisers named only sees
the session and writes its summary); an organiser may do all of it on any session. Each
use case is one transaction; mail goes to the outbox inside it. What the public session
pages show (materials, a published summary, a speaker's profile) bumps the edition's
program version when it changes, so that nothing cached on it goes stale.

This module gathers the package for its callers: `rules` (who may do what), `invitations`,
`materials`, `profiles` and `summaries`.
"""

# How sign-in links are signed (tests forge one with another key).
from itsdangerous import URLSafeTimedSerializer

from symposium.speakers.invitations import (
    check_link,
    invite,
    latest_edition,
    link_token,
    request_link,
    sessions_of_person,
    speaker_account,
    use_link,
)
from symposium.speakers.materials import (
    MaterialData,
    SessionView,
    Upload,
    add_material,
    attends,
    delete_material,
    material_of,
    materials_for_attendee,
    materials_of,
    may_download,
    session_view,
    update_material,
    upload_limit,
)
from symposium.speakers.profiles import ProfileData, profile_values, update_profile
from symposium.speakers.rules import (
    BIO_LENGTH,
    LINK_LIFETIME,
    REMARK_LENGTH,
    SUMMARY_LENGTH,
    Act,
    Attendee,
    Invalid,
    LinkRefused,
    SpeakerError,
    attendees,
    may,
    session,
    sessions_for,
    set_attendees_visible,
)
from symposium.speakers.summaries import (
    SessionSummaryRow,
    edition_overview,
    publish_summary,
    published_summaries,
    render_summary,
    return_summary,
    save_summary,
    send_summary,
    set_note_taker,
    summary_has_html,
    summary_outline,
    summary_problems,
)

__all__ = [
    "BIO_LENGTH",
    "LINK_LIFETIME",
    "REMARK_LENGTH",
    "SUMMARY_LENGTH",
    "Act",
    "Attendee",
    "Invalid",
    "LinkRefused",
    "MaterialData",
    "ProfileData",
    "SessionSummaryRow",
    "SessionView",
    "SpeakerError",
    "URLSafeTimedSerializer",
    "Upload",
    "add_material",
    "attendees",
    "attends",
    "check_link",
    "delete_material",
    "edition_overview",
    "invite",
    "latest_edition",
    "link_token",
    "material_of",
    "materials_for_attendee",
    "materials_of",
    "may",
    "may_download",
    "profile_values",
    "publish_summary",
    "published_summaries",
    "render_summary",
    "request_link",
    "return_summary",
    "save_summary",
    "send_summary",
    "session",
    "session_view",
    "sessions_for",
    "sessions_of_person",
    "set_attendees_visible",
    "set_note_taker",
    "speaker_account",
    "summary_has_html",
    "summary_outline",
    "summary_problems",
    "update_material",
    "update_profile",
    "upload_limit",
    "use_link",
]
