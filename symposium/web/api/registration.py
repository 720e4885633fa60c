"""JSON sign-up: the same service as the form. JSON only, so no CSRF token is needed."""

from flask import Blueprint, abort, jsonify, request

from symposium.i18n import current_language
from symposium.orders import service as orders
from symposium.registration import service
from symposium.registration.models import ChoiceState
from symposium.registration.personal import manage_url
from symposium.registration.rankings import is_ranked
from symposium.security import count_sign_up, sign_up_capped, sign_up_limit
from symposium.urls import external_url
from symposium.web.common import CAPPED, chosen_sessions

bp = Blueprint("registration_api", __name__, url_prefix="/api/v1")

TEXT_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "organisation",
    "role",
    "dietary_needs",
    "access_needs",
)


def _is_id(key: str) -> bool:
    """A database id written out: ASCII digits only ("²" is a digit to str.isdigit)."""
    return key.isascii() and key.isdecimal() and len(key) < 10


def _parse(data: dict) -> tuple[service.RegistrationRequest, dict[str, list]]:
    """Types first: the service's rules expect text, booleans and ids."""
    errors: dict[str, list] = {}
    wanted = service.RegistrationRequest(locale=current_language())
    for name in TEXT_FIELDS:
        value = data.get(name, "")
        if isinstance(value, str):
            setattr(wanted, name, value)
        else:
            errors[name] = [service.TYPE_MESSAGES["text"]]
    for name in ("consent", "newsletter"):
        value = data.get(name, False)
        if isinstance(value, bool):
            setattr(wanted, name, value)
        else:
            errors[name] = [service.TYPE_MESSAGES["boolean"]]
    answers = data.get("answers", {})
    if not isinstance(answers, dict) or not all(_is_id(key) for key in answers):
        errors["answers"] = [service.TYPE_MESSAGES["answers"]]
    else:
        wanted.answers = {int(key): value for key, value in answers.items()}
    choices = data.get("choices", {})
    if not isinstance(choices, dict):
        errors["choices"] = [service.TYPE_MESSAGES["choices"]]
        return wanted, errors
    for round_key, session_id in choices.items():
        if not _is_id(round_key):
            errors.setdefault("choices", []).append(service.TYPE_MESSAGES["choices"])
        elif session_id is not None and (
            isinstance(session_id, bool) or not isinstance(session_id, int)
        ):
            errors[f"choices.{round_key}"] = [service.TYPE_MESSAGES["choices"]]
        else:
            wanted.choices[int(round_key)] = service.RoundRequest(session_id=session_id)
    _parse_rankings(data, wanted, errors)
    return wanted, errors


def _parse_rankings(data: dict, wanted: service.RegistrationRequest, errors: dict) -> None:
    """`"rankings": {"<round id>": [session id, ...]}`, best first, for ranked editions."""
    rankings = data.get("rankings", {})
    message = service.TYPE_MESSAGES["rankings"]
    if not isinstance(rankings, dict):
        errors["rankings"] = [message]
        return
    for round_key, ranking in rankings.items():
        if not _is_id(round_key):
            errors["rankings"] = [message]
        elif not isinstance(ranking, list) or not all(
            isinstance(session_id, int) and not isinstance(session_id, bool)
            for session_id in ranking
        ):
            errors[f"choices.{round_key}"] = [message]
        else:
            round_id = int(round_key)
            wanted.choices.setdefault(round_id, service.RoundRequest()).ranking = tuple(ranking)


def _messages(errors: dict[str, list]) -> dict[str, list[str]]:
    return {name: [str(message) for message in messages] for name, messages in errors.items()}


@bp.post("/editions/<slug>/registrations")
@sign_up_limit
def create_registration(slug: str):
    """Sign up: 201 with the choices' states, 409 duplicate (or a paid edition), 422 field
    errors, 400 not JSON."""
    edition, sells_places = orders.edition_for_sign_up(slug)
    if edition is None:
        abort(404)
    if sells_places:  # a place is bought through an order
        order_url = external_url("orders.new_order", slug=slug, people=1)
        return jsonify(error=f"This edition sells tickets: order a place at {order_url}"), 409
    try:
        data = request.get_json(silent=True) if request.is_json else None
    except RecursionError:  # nested deeper than Python reads: no sign-up either
        data = None
    if not isinstance(data, dict):
        return jsonify(error="Send a JSON object with Content-Type: application/json."), 400
    wanted, errors = _parse(data)
    if errors:
        return jsonify(errors=_messages(service.validate(edition, wanted) | errors)), 422
    if sign_up_capped(edition.id, chosen_sessions(wanted)):
        return jsonify(error="Too Many Requests", message=str(CAPPED)), 429
    try:
        registration = service.register(edition.id, wanted)
    except service.InvalidRegistration as error:
        return jsonify(errors=_messages(error.errors)), 422
    except service.DuplicateRegistration as error:
        return jsonify(error=str(error.message)), 409
    except service.RegistrationClosed as error:
        return jsonify(error=str(error.message)), 403
    count_sign_up(edition.id, chosen_sessions(wanted))
    answer = {
        "status": "pending_confirmation"
        if registration.awaiting_confirmation
        else registration.status.value,
        "choices": [
            {"round_id": c.round_id, "session_id": c.session_id, "state": c.state.value}
            for c in registration.choices
            if c.state in (ChoiceState.confirmed, ChoiceState.waitlisted)
        ],
        "manage_url": manage_url(registration),
    }
    if is_ranked(edition):
        answer["rankings"] = [
            {"round_id": c.round_id, "session_id": c.session_id, "rank": c.rank}
            for c in registration.choices
            if c.state == ChoiceState.ranked
        ]
    return jsonify(answer), 201
