from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length

from symposium.web.common import ServiceForm


class SignInForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[InputRequired(_l("Enter your e-mail address.")), Length(max=254)],
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Enter your password.")), Length(max=500)],
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[InputRequired(_l("Enter your e-mail address.")), Length(max=254)],
    )


class NewPasswordForm(ServiceForm):
    password = PasswordField(
        _l("New password"),
        description=_l("At least 12 characters; a sentence is easy to remember."),
        validators=[InputRequired(_l("Enter a password.")), Length(max=500)],
    )
    password_again = PasswordField(
        _l("New password again"),
        validators=[EqualTo("password", _l("The two passwords are not the same."))],
    )


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(_l("Enter your current password.")), Length(max=500)],
    )


class CodeForm(ServiceForm):
    code = StringField(
        _l("Code from your app"),
        description=_l("The six digits your authenticator app shows for Symposium."),
        validators=[InputRequired(_l("Enter the code.")), Length(max=20)],
    )
