"""Forms of the accreditation pages."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from symposium.accreditation.numbers import REGISTER_NAMES
from symposium.accreditation.service import AccreditationDraft
from symposium.web.common import ServiceForm


class AccreditationForm(ServiceForm):
    register = SelectField(
        _l("Register"),
        choices=[SelectChoice("", _l("Choose a register"))]
        + [SelectChoice(r.value, label) for r, label in REGISTER_NAMES.items()],
        validate_choice=False,
    )
    register_name = StringField(
        _l("Name of the register"), description=_l("Only for another register.")
    )
    activity_id = StringField(
        _l("Activity ID"),
        description=_l("The ID the register gave the activity; empty while pending."),
    )
    points = StringField(
        _l("Points"),
        description=_l("Leave empty to use the net content hours of the items that count."),
    )
    granted = BooleanField(_l("Accreditation granted"))
    per_session = BooleanField(_l("Points per program item instead of for the whole day"))
    min_presence_percent = StringField(
        _l("Minimum presence (%)"),
        description=_l("Share of the accredited time a person must be present to qualify."),
        default="80",
    )
    requires_evaluation = BooleanField(_l("Requires the day's evaluation to be filled in"))

    def draft(self, formdata) -> AccreditationDraft:
        items = {}
        for key in formdata.getlist("items"):
            if key.isdecimal() and len(key) < 10:
                items[int(key)] = formdata.get(f"points-{key}", "")
        return AccreditationDraft(
            register=self.register.data or "",
            register_name=self.register_name.data or "",
            activity_id=self.activity_id.data or "",
            points=self.points.data or "",
            granted=bool(self.granted.data),
            per_session=bool(self.per_session.data),
            min_presence_percent=self.min_presence_percent.data or "",
            requires_evaluation=bool(self.requires_evaluation.data),
            items=items,
        )


class CorrectionForm(ServiceForm):
    decision = SelectField(
        _l("Decision"),
        choices=[
            SelectChoice("yes", _l("Qualifies")),
            SelectChoice("no", _l("Does not qualify")),
            SelectChoice("auto", _l("As the hours say")),
        ],
        validate_choice=False,
    )
    reason = StringField(_l("Reason"))


class SubmissionForm(ServiceForm):
    user_id = StringField(_l("PE-online user ID"))
    user_key = PasswordField(_l("PE-online user key"))
    org_id = StringField(_l("PE-online organisation ID"))
