from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

SEGMENT_LABELS = {
    "confirmed": _l("Everyone signed up"),
    "session": _l("The attendees of one session"),
    "waitlisted": _l("Everyone on a waiting list"),
    "checked_in": _l("Everyone checked in"),
    "not_checked_in": _l("Everyone not checked in"),
}


class MailoutForm(FlaskForm):
    subject = StringField(_l("Subject"))
    body = TextAreaField(
        _l("Message"),
        description=_l(
            "Markdown: *italic*, **bold**, [link](https://...), lists with -. "
            "Placeholders: {first_name}, {last_name}, {manage_link}."
        ),
        render_kw={"rows": 12},
    )
    segment = SelectField(
        _l("Send to"),
        choices=[SelectChoice(key, label) for key, label in SEGMENT_LABELS.items()],
        validate_choice=False,
    )
    session_id = SelectField(
        _l("Session"),
        description=_l("Only when sending to the attendees of one session."),
        validate_choice=False,
    )

    def for_sessions(self, sessions) -> "MailoutForm":
        self.session_id.choices = [SelectChoice("", _l("Choose a session"))] + [
            SelectChoice(str(session.id), session.title) for session in sessions
        ]
        return self

    def selected_session(self) -> int | None:
        value = self.session_id.data or ""
        return int(value) if value.isdigit() and len(value) < 10 else None

    def attach(self, errors: dict[str, list]) -> None:
        for name, messages in errors.items():
            field = self._fields.get(name)
            if field is not None:
                field.errors = list(field.errors) + list(messages)
