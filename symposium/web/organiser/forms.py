from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import EqualTo, InputRequired, Length

from symposium.registration.questions import QuestionDraft
from symposium.web.common import ServiceForm

SEGMENT_LABELS = {
    "confirmed": _l("Everyone signed up"),
    "session": _l("The attendees of one session"),
    "waitlisted": _l("Everyone on a waiting list"),
    "checked_in": _l("Everyone checked in"),
    "not_checked_in": _l("Everyone not checked in"),
}


class MailoutForm(ServiceForm):
    subject = StringField(_l("Subject"))
    body = TextAreaField(
        _l("Message"),
        description=_l(
            "Markdown: *italic*, **bold**, [link](https://...), lists with -. "
            "Placeholders: {first_name}, {last_name}, {manage_link}."
        ),
        render_kw={"rows": 12},
    )
    subject_en = StringField(_l("Subject in English"), render_kw={"lang": "en"})
    body_en = TextAreaField(
        _l("Message in English"),
        description=_l(
            "For the people who signed up in English. Leave both empty to send the Dutch "
            "message to everyone."
        ),
        render_kw={"rows": 12, "lang": "en"},
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
        return int(value) if value.isdecimal() and len(value) < 10 else None


QUESTION_KINDS = {
    "text": _l("Free text"),
    "one_choice": _l("One choice"),
    "several_choices": _l("Several choices"),
    "yes_no": _l("Yes or no"),
}


class QuestionForm(ServiceForm):
    label = StringField(_l("Question"))
    hint = StringField(_l("Hint"), description=_l("Optional: shown under the question."))
    kind = SelectField(
        _l("Kind of answer"),
        choices=[SelectChoice(key, label) for key, label in QUESTION_KINDS.items()],
        validate_choice=False,
    )
    options_text = TextAreaField(
        _l("Options"), description=_l("For a choice question: one option per line.")
    )
    required = BooleanField(_l("An answer is required"))

    def draft(self) -> QuestionDraft:
        return QuestionDraft(
            label=self.label.data or "",
            kind=self.kind.data or "",
            hint=self.hint.data or "",
            required=bool(self.required.data),
            options_text=self.options_text.data or "",
        )


class AccountForm(ServiceForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[InputRequired(_l("Enter the e-mail address.")), Length(max=254)],
    )
    name = StringField(_l("Name"), validators=[Length(max=200)])
    password = PasswordField(
        _l("Password"),
        description=_l("At least 12 characters; a sentence is easy to remember."),
        validators=[InputRequired(_l("Enter a password.")), Length(max=500)],
    )
    password_again = PasswordField(
        _l("Password again"),
        validators=[EqualTo("password", _l("The two passwords are not the same."))],
    )
