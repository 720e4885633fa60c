"""The sign-up form. Field rules live in registration.service; this only parses and shows."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length

from symposium.program.models import Edition
from symposium.registration.models import ROLES, Question, QuestionKind
from symposium.registration.own_details import OWN_FIELDS, OwnDetails
from symposium.registration.rankings import MAX_RANKS, is_ranked, preferences_state
from symposium.registration.requests import RegistrationRequest, RoundRequest
from symposium.web.common import ServiceForm

ROLE_LABELS = {
    "social_worker": _l("Social worker"),
    "policy_maker": _l("Policy maker"),
    "researcher": _l("Researcher"),
    "teacher": _l("Teacher"),
    "student": _l("Student"),
    "expert_by_experience": _l("Expert by experience"),
    "other": _l("Other"),
}
NO_SESSION = "none"


class RegistrationForm(ServiceForm):
    first_name = StringField(_l("First name"))
    last_name = StringField(_l("Last name"))
    email = EmailField(_l("E-mail address"), description=_l("We send your confirmation here."))
    organisation = StringField(_l("Organisation"))
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice("", _l("Choose your role"))]
        + [SelectChoice(role, ROLE_LABELS[role]) for role in ROLES],
        validate_choice=False,
    )
    dietary_needs = TextAreaField(
        _l("Dietary needs"), description=_l("For lunch, for example vegetarian or gluten-free.")
    )
    access_needs = TextAreaField(
        _l("Access needs"),
        description=_l("For example a wheelchair-accessible room or a sign language interpreter."),
    )
    consent = BooleanField(_l("I agree to the privacy statement"))
    newsletter = BooleanField(_l("Send me the network's newsletter"))

    def round_requests(
        self, edition: Edition, formdata: MultiDict
    ) -> tuple[dict[int, RoundRequest], dict[str, list]]:
        """Per round: the radio (a session or none) and at most one waiting list; in ranked
        mode, the ranking (see `ranking_requests`)."""
        if is_ranked(edition):
            return ranking_requests(edition, formdata)
        choices: dict[int, RoundRequest] = {}
        errors: dict[str, list] = {}
        for round_ in edition.rounds:
            key = f"choices.{round_.id}"
            picked = formdata.get(f"round-{round_.id}")
            waits = formdata.getlist(f"waitlist-{round_.id}")
            wanted = RoundRequest()
            if picked is None and not waits:
                errors[key] = [
                    _l("Choose a session, or no session, for %(round)s.", round=round_.name)
                ]
            elif picked not in (None, NO_SESSION):
                wanted.session_id = _as_id(picked)
            if len(waits) > 1:
                errors[key] = [_l("Choose one waiting list for %(round)s.", round=round_.name)]
            elif waits:
                wanted.waitlist_session_id = _as_id(waits[0])
            if -1 in (wanted.session_id, wanted.waitlist_session_id):
                errors[key] = [_l("Choose a session of this round.")]
            choices[round_.id] = wanted
        return choices, errors

    @staticmethod
    def answers(questions: list[Question], formdata: MultiDict) -> dict[int, object]:
        """The answers as the service expects them: text, a list of options, or yes/no."""
        answers: dict[int, object] = {}
        for question in questions:
            name = question.field_name
            if question.kind == QuestionKind.several_choices:
                answers[question.id] = formdata.getlist(name)
            elif question.kind == QuestionKind.yes_no:
                answers[question.id] = {"yes": True, "no": False}.get(formdata.get(name, ""))
            else:
                answers[question.id] = formdata.get(name, "")
        return answers

    def to_request(self, choices: dict[int, RoundRequest], locale: str) -> RegistrationRequest:
        return RegistrationRequest(
            first_name=self.first_name.data or "",
            last_name=self.last_name.data or "",
            email=self.email.data or "",
            organisation=self.organisation.data or "",
            role=self.role.data or "",
            dietary_needs=self.dietary_needs.data or "",
            access_needs=self.access_needs.data or "",
            consent=bool(self.consent.data),
            newsletter=bool(self.newsletter.data),
            choices=choices,
            locale=locale,
        )


def rank_fields(round_id: int, sessions: int) -> list[str]:
    """The names of a round's selects: a first, second and third choice (fewer sessions, fewer
    selects)."""
    return [f"rank-{round_id}-{rank}" for rank in range(1, min(MAX_RANKS, sessions) + 1)]


def ranking_requests(
    edition: Edition, formdata: MultiDict
) -> tuple[dict[int, RoundRequest], dict[str, list]]:
    """Per round the sessions ranked, best first; nothing once preferences have closed."""
    choices: dict[int, RoundRequest] = {}
    errors: dict[str, list] = {}
    if not preferences_state(edition).open:
        return choices, errors
    for round_ in edition.rounds:
        if not round_.sessions:
            continue
        ranking, problems = read_ranking(round_, formdata)
        if problems:
            errors[f"choices.{round_.id}"] = problems
        choices[round_.id] = RoundRequest(ranking=ranking)
    return choices, errors


def read_ranking(round_, formdata: MultiDict) -> tuple[tuple[int, ...], list]:
    """One round's selects: the first choice is a session or, said outright, none; "none"
    in a later select leaves it out. Whether the sessions may be ranked is the service's."""
    picks = [formdata.get(name, "") for name in rank_fields(round_.id, len(round_.sessions))]
    later = [pick for pick in picks[1:] if pick not in ("", NO_SESSION)]
    problems = []
    if picks[0] == "":
        problems.append(
            _l("Choose your first choice, or no session, for %(round)s.", round=round_.name)
        )
    elif picks[0] == NO_SESSION and later:
        problems.append(_l("Choose a first choice before a second or third."))
    ranking = tuple(_as_id(pick) for pick in picks if pick not in ("", NO_SESSION))
    if -1 in ranking:
        problems.append(_l("Choose a session of this round."))
    return ranking, problems


def _as_id(value: str) -> int:
    return int(value) if value.isascii() and value.isdecimal() and len(value) < 10 else -1


class OwnDetailsForm(ServiceForm):
    """An attendee's own corrections; the service checks them as the sign-up form's."""

    first_name = StringField(_l("First name"))
    last_name = StringField(_l("Last name"))
    organisation = StringField(_l("Organisation"))
    dietary_needs = TextAreaField(
        _l("Dietary needs"), description=_l("For lunch, for example vegetarian or gluten-free.")
    )
    access_needs = TextAreaField(
        _l("Access needs"),
        description=_l("For example a wheelchair-accessible room or a sign language interpreter."),
    )

    def to_details(self) -> OwnDetails:
        return OwnDetails(
            **{
                name: value if isinstance(value := self[name].data, str) else ""
                for name in OWN_FIELDS
            }
        )


class ManageLinkForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        description=_l("The address you signed up with."),
        filters=[lambda value: value.strip() if value else value],
        validators=[
            InputRequired(_l("Enter your e-mail address.")),
            Length(max=254, message=_l("Use at most %(max)d characters.")),
            Email(_l("Enter an e-mail address like name@example.org.")),
        ],
    )
