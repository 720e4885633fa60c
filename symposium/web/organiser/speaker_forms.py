"""Forms of the organisers' pages for speakers and summaries."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice

from symposium.web.common import ServiceForm

LANGUAGES = {"nl": "Nederlands", "en": "English"}


class InviteForm(ServiceForm):
    locale = SelectField(
        _l("Language of the mail"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()],
        validate_choice=False,
    )


class AttendeesVisibleForm(ServiceForm):
    visible = BooleanField(_l("Speakers see the names and organisations of their attendees"))


class PublishForm(ServiceForm):
    send = BooleanField(_l("Also mail it to the session's attendees"))
    early = BooleanField(_l("Publish it although the session has not taken place yet"))


class ReturnForm(ServiceForm):
    remark = TextAreaField(
        _l("What should change"),
        description=_l("The writers see this when they open the summary."),
        render_kw={"rows": 4},
    )


class NoteTakerForm(ServiceForm):
    person_id = SelectField(
        _l("Note-taker"),
        description=_l(
            "Someone besides the speakers who writes the summary. Invite them afterwards "
            "from the list of speakers."
        ),
        validate_choice=False,
    )

    def for_people(self, people) -> "NoteTakerForm":
        self.person_id.choices = [SelectChoice("", _l("Nobody"))] + [
            SelectChoice(str(person.id), person.name) for person in people
        ]
        return self

    def selected(self) -> int | None:
        value = self.person_id.data or ""
        return int(value) if value.isdecimal() and len(value) < 10 else None
