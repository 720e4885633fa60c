"""Forms of the speakers' pages. The rules for what is typed and uploaded live in
speakers.service; these carry it there and show the messages beside their fields."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from symposium.program.models import SummaryStatus
from symposium.speakers.files import LABELS, MATERIAL_TYPES, PHOTO_TYPES
from symposium.speakers.models import MaterialKind, Visibility
from symposium.web.common import ServiceForm

KIND_LABELS = {
    MaterialKind.slides.value: _l("Slides"),
    MaterialKind.handout.value: _l("Hand-out"),
}
VISIBILITY_LABELS = {
    Visibility.public.value: _l("Everyone: listed on the session page"),
    Visibility.attendees.value: _l("The session's attendees, through their personal link"),
    Visibility.organisers.value: _l("Only the organisers"),
}

SUMMARY_LABELS = {
    SummaryStatus.draft.value: _l("being written"),
    SummaryStatus.submitted.value: _l("handed in"),
    SummaryStatus.published.value: _l("published"),
}


def _accepted(types) -> str:
    return ", ".join(LABELS[kind] for kind in LABELS if kind in types)


class LinkRequestForm(ServiceForm):
    email = EmailField(
        _l("E-mail address"),
        description=_l("The address the organisers invited you on."),
        validators=[
            InputRequired(_l("Enter your e-mail address.")),
            Length(max=254, message=_l("Use at most %(max)d characters.")),
        ],
    )


class MaterialForm(ServiceForm):
    #: the hint names the size limit, which is a setting: see `for_limit`
    file = FileField(_l("File"))
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(key, label) for key, label in KIND_LABELS.items()],
        validate_choice=False,
    )
    visibility = SelectField(
        _l("Who can download it"),
        choices=[SelectChoice(key, label) for key, label in VISIBILITY_LABELS.items()],
        validate_choice=False,
    )

    def for_limit(self, megabytes) -> "MaterialForm":
        self.file.description = _l(
            "%(types)s; at most %(limit)s MB.", types=_accepted(MATERIAL_TYPES), limit=megabytes
        )
        return self


class SummaryForm(ServiceForm):
    summary = TextAreaField(
        _l("Summary"),
        description=_l(
            "Markdown: ## for a heading, **bold**, *italic*, lists with -, "
            "[link](https://...). HTML is shown as plain text."
        ),
        render_kw={"rows": 18},
    )


class ProfileForm(ServiceForm):
    name = StringField(_l("Name"))
    affiliation = StringField(
        _l("Affiliation"), description=_l("Organisation and position, as shown on the program.")
    )
    bio = TextAreaField(
        _l("Short bio"),
        description=_l("A few sentences about you and your work."),
        render_kw={"rows": 5},
    )
    photo = FileField(
        _l("Photo (optional)"),
        description=_l("%(types)s; a square photo looks best.", types=_accepted(PHOTO_TYPES)),
    )
    remove_photo = BooleanField(_l("Remove my photo"))
