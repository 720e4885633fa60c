"""The form for how an edition gives out seats. The rules live in allocation.service."""

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import DateTimeLocalInput

from symposium.allocation.service import SettingsData
from symposium.web.common import ServiceForm

MODE_LABELS = {
    "first_come": (
        _l("First come, first served"),
        _l("People take a seat when they sign up; a full session has a waiting list."),
    ),
    "ranked": (
        _l("Ranked preferences"),
        _l(
            "People rank up to three sessions per round until the deadline; after it you "
            "share out the seats, and the seats left go first come, first served."
        ),
    ),
}


class AllocationSettingsForm(ServiceForm):
    allocation_mode = RadioField(
        _l("How are the seats in the breakout sessions given out?"),
        choices=[SelectChoice(value, label) for value, (label, _hint) in MODE_LABELS.items()],
        validate_choice=False,
    )
    preferences_close = StringField(
        _l("Deadline for preferences"),
        description=_l(
            "Until then people rank their favourites; after it you share out the seats. "
            "Before the symposium starts."
        ),
        widget=DateTimeLocalInput(),
    )

    def to_data(self) -> SettingsData:
        mode, deadline = self.allocation_mode.data, self.preferences_close.data
        return SettingsData(
            allocation_mode=mode if isinstance(mode, str) else "",
            preferences_close=deadline if isinstance(deadline, str) else "",
        )
