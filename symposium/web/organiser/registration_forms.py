"""Forms of the organisers' registration and check-in pages. Rules live in registration.admin."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SearchField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from symposium.registration.listing import (
    LANGUAGES,
    STATUS_LABELS,
    Place,
    RegistrationFilter,
    RoundOption,
)
from symposium.registration.models import ROLES, RegistrationStatus
from symposium.registration.organiser_changes import DetailsChange
from symposium.web.attendee.forms import ROLE_LABELS
from symposium.web.common import ServiceForm

PLACE_LABELS = {
    Place.held: _l("Has a seat"),
    Place.waiting: _l("Is on the waiting list"),
    Place.none: _l("Has no seat"),
}
CHECKED_IN_LABELS = {"yes": _l("Checked in"), "no": _l("Not checked in")}
NO_SESSION = "none"


def _as_id(value: str | None) -> int | None:
    return int(value) if value and value.isdecimal() and len(value) < 10 else None


class RegistrationFilterForm(FlaskForm):
    """The list's search and filters: a GET form, so a filtered list is a link to share."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search"), description=_l("Name, e-mail address or organisation."))
    status = SelectField(
        _l("Status"),
        choices=[SelectChoice("", _l("Any status"))]
        + [SelectChoice(s.value, STATUS_LABELS[s]) for s in RegistrationStatus],
        validate_choice=False,
    )
    round_id = SelectField(_l("Round"), validate_choice=False)
    session_id = SelectField(_l("Session"), validate_choice=False)
    place = SelectField(
        _l("Place in that round or session"),
        choices=[SelectChoice(p.value, PLACE_LABELS[p]) for p in Place],
        validate_choice=False,
    )
    checked_in = SelectField(
        _l("Check-in"),
        choices=[SelectChoice("", _l("Everyone"))]
        + [SelectChoice(key, label) for key, label in CHECKED_IN_LABELS.items()],
        validate_choice=False,
    )

    newsletter = SelectField(
        _l("Newsletter"),
        choices=[
            SelectChoice("", _l("Everyone")),
            SelectChoice("yes", _l("Asked for the newsletter")),
            SelectChoice("no", _l("Did not ask for it")),
        ],
        validate_choice=False,
    )

    def for_rounds(self, rounds: list[RoundOption]) -> "RegistrationFilterForm":
        self._rounds = rounds
        self.round_id.choices = [SelectChoice("", _l("Any round"))] + [
            SelectChoice(str(r.id), r.name) for r in rounds
        ]
        self.session_id.choices = [SelectChoice("", _l("Any session"))] + [
            SelectChoice(str(s.id), f"{r.name}: {s.title}") for r in rounds for s in r.sessions
        ]
        return self

    def to_filter(self) -> RegistrationFilter:
        """What was asked; a value that is not on offer is read as no filter."""
        round_ids = {r.id for r in self._rounds}
        session_ids = {s.id for r in self._rounds for s in r.sessions}
        status = self.status.data
        place = self.place.data
        round_id = _as_id(self.round_id.data)
        session_id = _as_id(self.session_id.data)
        return RegistrationFilter(
            search=(self.q.data or "")[:200],
            status=RegistrationStatus(status) if status in RegistrationStatus.__members__ else None,
            round_id=round_id if round_id in round_ids else None,
            session_id=session_id if session_id in session_ids else None,
            place=Place(place) if place in Place.__members__ else Place.held,
            checked_in={"yes": True, "no": False}.get(self.checked_in.data or ""),
            newsletter={"yes": True, "no": False}.get(self.newsletter.data or ""),
        )

    def query_args(self) -> dict[str, str]:
        """The filter as URL arguments, for pages and exports."""
        return {
            name: self._fields[name].data
            for name in (
                "q",
                "status",
                "round_id",
                "session_id",
                "place",
                "checked_in",
                "newsletter",
            )
            if self._fields[name].data
        }


class DetailsForm(ServiceForm):
    first_name = StringField(_l("First name"))
    last_name = StringField(_l("Last name"))
    email = EmailField(
        _l("E-mail address"), description=_l("Confirmations and changes are mailed here.")
    )
    organisation = StringField(_l("Organisation"))
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice("", _l("Choose a role"))]
        + [SelectChoice(role, ROLE_LABELS[role]) for role in ROLES],
        validate_choice=False,
    )
    dietary_needs = TextAreaField(_l("Dietary needs"))
    access_needs = TextAreaField(_l("Access needs"))
    locale = SelectField(
        _l("Language for mail"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()],
        validate_choice=False,
    )

    def to_change(self) -> DetailsChange:
        return DetailsChange(
            **{name: self._fields[name].data or "" for name in DetailsChange.__dataclass_fields__}
        )


class MoveForm(ServiceForm):
    """Another session in a round, or none; the radios are drawn by the template."""

    session = StringField(_l("Session"))
    add_seat = BooleanField(
        _l("Add a seat to the chosen session if it is full"),
        description=_l("The session's capacity goes up by one; this is recorded in the audit log."),
    )

    def picked(self) -> tuple[bool, int | None]:
        """(something valid was picked, the session id or None for no session)."""
        value = self.session.data or ""
        if value == NO_SESSION:
            return True, None
        session_id = _as_id(value)
        return session_id is not None, session_id


class DoorSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(_l("Name"), description=_l("First or last name, or part of it."))
