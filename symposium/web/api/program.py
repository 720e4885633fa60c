"""JSON face of the program: editions and their rounds with live seat counts."""

from pathlib import Path

from flask import Blueprint, abort, jsonify, send_file

from symposium.program import service
from symposium.urls import external_url
from symposium.web.http_cache import conditional, program_etag

bp = Blueprint("program_api", __name__, url_prefix="/api/v1")

#: the API's description (OpenAPI 3), kept beside the code it describes
OPENAPI = Path(__file__).resolve().parents[2] / "openapi.json"


def _session_json(item: service.SessionItem, seats: service.Seats) -> dict:
    return {
        "id": item.id,
        "slug": item.slug,
        "title": item.title,
        "room": item.room,
        "starts_at": item.starts_at.isoformat(),
        "ends_at": item.ends_at.isoformat(),
        "speakers": list(item.speakers),
        "capacity": seats.capacity,
        "seats_left": seats.left,
        "waitlist_length": seats.waiting,
    }


@bp.get("/editions")
def editions():
    """Every public edition, newest first."""
    return jsonify(
        editions=[
            {
                "slug": edition.slug,
                "title": edition.title,
                "starts_at": edition.starts_at.isoformat(),
                "ends_at": edition.ends_at.isoformat(),
                "venue": edition.venue,
                "registration_open": service.registration_state(edition).open,
                "url": external_url("program_api.edition", slug=edition.slug),
            }
            for edition in service.public_editions()
        ]
    )


@bp.get("/editions/<slug>")
def edition(slug: str):
    """One edition's program: plenaries and rounds with seats left and waiting lists."""
    found = service.edition_by_slug(slug)
    if found is None:
        abort(404)
    program = service.program(found)
    registration_open = service.registration_state(found).open
    response = jsonify(
        slug=found.slug,
        title=found.title,
        starts_at=found.starts_at.isoformat(),
        ends_at=found.ends_at.isoformat(),
        venue=found.venue,
        timezone=found.timezone,
        registration_open=registration_open,
        plenaries=[
            _session_json(item, program.seats[item.id]) for item in program.structure.plenaries
        ],
        rounds=[
            {
                "id": round_.id,
                "name": round_.name,
                "starts_at": round_.starts_at.isoformat(),
                "ends_at": round_.ends_at.isoformat(),
                "sessions": [
                    _session_json(item, program.seats[item.id]) for item in round_.sessions
                ],
            }
            for round_ in program.structure.rounds
        ],
    )
    etag = program_etag("api", program, "", registration_open)
    return conditional(response, ("api", found.id), etag, vary=())


@bp.get("/openapi.json")
def openapi():
    """The API described in OpenAPI 3: its operations, answers and their shapes."""
    response = send_file(OPENAPI, mimetype="application/json")
    response.access_control_allow_origin = "*"
    return response
