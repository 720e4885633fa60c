"""How large a request body each route reads: small by default, more only where needed.

A 24 MB JSON sign-up used to be read, parsed and checked before its 422; with the upload
limit on uploads only, anything over the small limit is a 413 before a byte is parsed.
"""

from flask import Flask, current_app, request

#: forms with a file: the upload limit (MAX_CONTENT_LENGTH, from MAX_UPLOAD_MB)
UPLOAD_ENDPOINTS = frozenset(
    {"speakers.upload_material", "speakers.edit_material", "speakers.profile"}
)
#: forms with long texts (a 50,000-character summary or mail-out, an edition's description
#: and privacy statement): MAX_LONG_TEXT_KB, room for texts in any script
LONG_TEXT_ENDPOINTS = frozenset(
    {
        "speakers.summary",
        "organiser.new_mailout",
        "organiser_program.new_edition",
        "organiser_program.edit_edition",
        "organiser_program.new_session",
        "organiser_program.edit_session",
        "organiser_program.new_person",
        "organiser_program.edit_person",
    }
)


def body_limit(endpoint: str | None) -> int | None:
    """The most bytes a request to this endpoint may send; None: the app-wide limit."""
    if endpoint in UPLOAD_ENDPOINTS:
        return None
    config = current_app.config
    if endpoint in LONG_TEXT_ENDPOINTS:
        return int(config["MAX_LONG_TEXT_KB"]) * 1024
    return int(config["MAX_BODY_KB"]) * 1024


def limit_request_body() -> None:
    """Before the view (and before anything reads the body): this route's limit."""
    limit = body_limit(request.endpoint)
    if limit is not None:
        request.max_content_length = min(limit, current_app.config["MAX_CONTENT_LENGTH"])
        request.max_form_memory_size = limit


def init_body_limits(app: Flask) -> None:
    """First of the app's before-request steps: CSRF protection reads the form."""
    app.before_request_funcs.setdefault(None, []).insert(0, limit_request_body)
