"""Forms for building the program. The rules for the values live in program.admin; these
only carry what people typed there and back, with the messages beside their fields."""

from dataclasses import fields

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import DateInput, DateTimeLocalInput, EmailInput, TimeInput, URLInput

from symposium import program_editing
from symposium.program.models import SessionKind
from symposium.web.common import ServiceForm


class _ProgramForm(ServiceForm):
    """A form whose fields are named like the fields of its service's data class."""

    data_class: type

    def to_data(self):
        values = {}
        for item in fields(self.data_class):
            value = self[item.name].data
            if isinstance(self[item.name], SelectMultipleField):
                values[item.name] = [v for v in value or [] if isinstance(v, str)]
            else:
                values[item.name] = value if isinstance(value, str) else ""
        return self.data_class(**values)


EN_HINT = _l("In English, for visitors reading English; leave empty to show the Dutch text.")
_NUMBER = {"inputmode": "numeric", "spellcheck": "false"}
_CODE = {"spellcheck": "false", "autocapitalize": "none"}


class EditionForm(_ProgramForm):
    data_class = program_editing.EditionData

    title = StringField(_l("Title"))
    slug = StringField(
        _l("Web address"),
        description=_l(
            "The part after the site's address, like 2025. Lowercase letters, digits and "
            "hyphens. Leave empty to use the year."
        ),
        render_kw=_CODE,
    )
    description = TextAreaField(_l("Description"), render_kw={"rows": 5})
    title_en = StringField(_l("Title in English"), description=EN_HINT, render_kw={"lang": "en"})
    description_en = TextAreaField(
        _l("Description in English"), description=EN_HINT, render_kw={"rows": 5, "lang": "en"}
    )
    venue_en = StringField(_l("Venue in English"), description=EN_HINT, render_kw={"lang": "en"})
    venue_details_en = TextAreaField(
        _l("Route in English"), description=EN_HINT, render_kw={"rows": 4, "lang": "en"}
    )
    starts_on = StringField(_l("Date"), widget=DateInput())
    starts_time = StringField(_l("Start time"), widget=TimeInput())
    ends_time = StringField(_l("End time"), widget=TimeInput())
    ends_on = StringField(
        _l("End date"),
        description=_l("Only when the symposium lasts more than one day."),
        widget=DateInput(),
    )
    timezone = StringField(
        _l("Time zone"),
        description=_l("Times are entered and shown in this time zone."),
        render_kw=_CODE,
    )
    venue = StringField(_l("Venue"), description=_l("Shown on the program, e.g. Utrecht."))
    venue_address = TextAreaField(
        _l("Address"),
        description=_l("Street, number, postcode and town: on the program, in mail and calendars."),
        render_kw={"rows": 3, "autocomplete": "off"},
    )
    venue_details = TextAreaField(
        _l("Route"),
        description=_l(
            "Public transport, parking and how accessible the building is: on the program "
            "and in the confirmation and reminder."
        ),
        render_kw={"rows": 4},
    )
    venue_map_url = StringField(
        _l("Map link"),
        description=_l("A link to the venue on a map service of your choice."),
        widget=URLInput(),
        render_kw=_CODE,
    )
    venue_capacity = StringField(
        _l("Venue capacity"),
        description=_l("The most people the venue holds. Leave empty for no limit."),
        render_kw=_NUMBER,
    )
    registration_opens = StringField(
        _l("Registration opens"),
        description=_l("Leave empty to open as soon as the edition is published."),
        widget=DateTimeLocalInput(),
    )
    registration_closes = StringField(
        _l("Registration closes"),
        description=_l("Leave empty to close when the symposium starts."),
        widget=DateTimeLocalInput(),
    )
    certificate_text = TextAreaField(
        _l("Certificate text"),
        description=_l("For example the accreditation number and the hours."),
        render_kw={"rows": 3},
    )
    organiser_name = StringField(
        _l("Organised by"),
        description=_l(
            "The organisation responsible for the symposium and the personal data; named in "
            "the footer, the mail and the privacy statement."
        ),
    )
    contact_email = StringField(_l("Contact e-mail address"), widget=EmailInput(), render_kw=_CODE)
    contact_phone = StringField(_l("Contact phone number"), render_kw={"type": "tel"})
    confirm_email = SelectField(
        _l("Confirm the e-mail address"),
        choices=[
            SelectChoice(
                "yes", _l("Yes: a sign-up holds its seats until the link we mail is opened")
            ),
            SelectChoice("no", _l("No: a sign-up takes its seats at once")),
        ],
        description=_l("Seats held by real addresses: one person cannot fill the sessions."),
        validate_choice=False,  # the rules keep the current value for anything else
    )
    confirm_hours = StringField(
        _l("Hours to confirm"),
        description=_l("Seats not confirmed in this time go to the waiting list."),
        render_kw=_NUMBER,
    )
    privacy_text = TextAreaField(
        _l("Privacy statement"),
        description=_l(
            "In Markdown: what you keep about the people who sign up, why, for how long and "
            "who sees it. Leave empty for the standard text."
        ),
        render_kw={"rows": 8},
    )
    #: the date move the organiser confirmed, sent back by the confirmation step
    confirm_move = HiddenField()


class CopyForm(_ProgramForm):
    data_class = program_editing.CopyData

    title = StringField(_l("Title of the new edition"))
    slug = StringField(
        _l("Web address of the new edition"),
        description=_l("Lowercase letters, digits and hyphens, like 2026."),
        render_kw=_CODE,
    )


class RoundForm(_ProgramForm):
    data_class = program_editing.RoundData

    name = StringField(_l("Name"), description=_l("For example Round 1."))
    name_en = StringField(_l("Name in English"), description=EN_HINT, render_kw={"lang": "en"})
    day = StringField(_l("Date"), widget=DateInput())
    starts_time = StringField(_l("Start time"), widget=TimeInput())
    ends_time = StringField(
        _l("End time"),
        description=_l("The breakout sessions of this round move along with it."),
        widget=TimeInput(),
    )
    #: sent by the "Save anyway" button that a clash warning shows
    save_anyway = StringField()


KIND_LABELS = {
    SessionKind.breakout.value: _l("Breakout session (in a round, with seats)"),
    SessionKind.plenary.value: _l("Plenary session (for everyone)"),
}


class SessionForm(_ProgramForm):
    data_class = program_editing.SessionData

    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(value, label) for value, label in KIND_LABELS.items()],
        validate_choice=False,
    )
    round_id = SelectField(
        _l("Round"), description=_l("Breakout sessions only."), validate_choice=False
    )
    title = StringField(_l("Title"))
    slug = StringField(
        _l("Web address"),
        description=_l(
            "Lowercase letters, digits and hyphens. Leave empty to make one from the title."
        ),
        render_kw=_CODE,
    )
    abstract = TextAreaField(_l("Abstract"), render_kw={"rows": 6})
    title_en = StringField(_l("Title in English"), description=EN_HINT, render_kw={"lang": "en"})
    abstract_en = TextAreaField(
        _l("Abstract in English"), description=EN_HINT, render_kw={"rows": 6, "lang": "en"}
    )
    room = StringField(
        _l("Room"),
        description=_l("Choose one of the edition's rooms, or type a new one to add it."),
        render_kw={"list": "rooms", "autocomplete": "off"},
    )
    day = StringField(_l("Date"), widget=DateInput())
    starts_time = StringField(
        _l("Start time"),
        description=_l("A breakout session runs at its round's time; leave empty to use it."),
        widget=TimeInput(),
    )
    ends_time = StringField(_l("End time"), widget=TimeInput())
    capacity = StringField(
        _l("Capacity"),
        description=_l(
            "Number of seats. Breakout sessions only. Leave empty to use the room's capacity."
        ),
        render_kw=_NUMBER,
    )
    speaker_ids = SelectMultipleField(_l("Speakers"), validate_choice=False)
    #: sent by the "Save anyway" button that a clash warning shows
    save_anyway = StringField()

    def for_program(self, rounds, people) -> "SessionForm":
        self.round_id.choices = [SelectChoice("", _l("Choose a round"))] + [
            SelectChoice(str(round_.id), round_.name) for round_ in rounds
        ]
        self.speaker_ids.choices = [
            SelectChoice(
                str(person.id),
                f"{person.name} ({person.affiliation})" if person.affiliation else person.name,
            )
            for person in people
        ]
        return self


class PersonForm(_ProgramForm):
    data_class = program_editing.PersonData

    name = StringField(_l("Name"))
    affiliation = StringField(
        _l("Affiliation"), description=_l("Organisation and position, as shown on the program.")
    )
    email = StringField(
        _l("E-mail address"),
        description=_l("For the speaker's sign-in link. Never shown to attendees."),
        widget=EmailInput(),
    )
    bio = TextAreaField(_l("Biography"), render_kw={"rows": 5})


class DeleteForm(_ProgramForm):
    data_class = program_editing.DeleteData

    outcome = StringField()
    target_session_id = SelectField(_l("Move them to"), validate_choice=False)

    def for_targets(self, targets) -> "DeleteForm":
        self.target_session_id.choices = [SelectChoice("", _l("Choose a session"))] + [
            SelectChoice(str(session.id), session.title) for session in targets
        ]
        return self


class RoomForm(_ProgramForm):
    data_class = program_editing.RoomData
    name = StringField(_l("Name"), description=_l("As shown on the program, e.g. Zaal 3."))
    capacity = StringField(
        _l("Capacity"),
        description=_l("Seats. A new breakout session in this room gets this capacity."),
        render_kw=_NUMBER,
    )
    accessibility = TextAreaField(
        _l("Accessibility"),
        description=_l("For example: step-free, lift, induction loop."),
        render_kw={"rows": 3},
    )
