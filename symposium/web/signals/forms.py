"""Forms of the signal pages; the rules live in signals.service, which checks every value."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField

from symposium.i18n import localized
from symposium.signals.labels import KINDS, PERSPECTIVES
from symposium.web.common import ServiceForm


class SignalForm(ServiceForm):
    """One field, and a few optional choices."""

    text = TextAreaField(
        _l("Your signal or question"),
        description=_l(
            "What do you see in practice, or what should be worked on? No names of clients, please."
        ),
    )
    kind = SelectField(_l("What is it? (optional)"), validate_choice=False)
    perspective = SelectField(_l("From which perspective? (optional)"), validate_choice=False)
    theme = SelectField(_l("Theme (optional)"), validate_choice=False)
    name = StringField(
        _l("Your name (optional)"),
        description=_l("Only if you want it shown with your signal."),
    )

    def with_choices(self, themes) -> "SignalForm":
        self.kind.choices = [("", _l("No choice"))] + [(k.value, v) for k, v in KINDS.items()]
        self.perspective.choices = [("", _l("No choice"))] + [
            (k.value, v) for k, v in PERSPECTIVES.items()
        ]
        self.theme.choices = [("", _l("No choice"))] + [
            (theme.slug, localized(theme, "title")) for theme in themes
        ]
        return self
