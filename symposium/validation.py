"""What every rule shares: one check for typed text, one family of refusals people can read."""

from flask_babel import lazy_gettext as _l

from symposium.text import has_control_characters

CONTROL_CHARACTERS = _l("Remove the control characters from this field.")


def is_email_address(value: str) -> bool:
    """An address someone could have typed (its domain is not looked up)."""
    # Imported here: compiling its patterns took every process ~20 ms at start-up.
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def too_long(max_length: int):
    return _l("Use at most %(limit)d characters.", limit=max_length)


def clean_text(value, max_length: int, required=None, multiline: bool = False):
    """The typed text without surrounding spaces, and what is wrong with it (None when
    nothing is). Length is checked first, so that a huge value is refused before its
    characters are looked at; `required` is the message for an empty field."""
    value = value.strip() if isinstance(value, str) else ""
    if len(value) > max_length:
        return value, too_long(max_length)
    if has_control_characters(value, multiline):
        return value, CONTROL_CHARACTERS
    if required is not None and not value:
        return value, required
    return value, None


class RuleError(Exception):
    """Something the rules refuse; `message` is for people, `errors` holds messages per
    field ("form" when no one field is to blame)."""

    message = _l("That could not be done.")

    def __init__(self, message=None, errors: dict[str, list] | None = None):
        if isinstance(message, dict):  # e.g. InvalidProgram({"title": [...]})
            message, errors = None, message
        super().__init__(str(message or self.message))
        if message is not None:
            self.message = message
        self.errors: dict[str, list] = errors if errors is not None else {}


class Fields:
    """Reads typed values field by field, collecting a message per problem."""

    def __init__(self, error: type[RuleError] = RuleError) -> None:
        self.errors: dict[str, list] = {}
        self._error = error

    def add(self, name: str, message) -> None:
        self.errors.setdefault(name, []).append(message)

    def ok(self, *names: str) -> bool:
        return not any(name in self.errors for name in names)

    def raise_if_any(self) -> None:
        if self.errors:
            raise self._error(self.errors)

    def text(self, name, value, limit: int, required=None, multiline=False) -> str:
        value, problem = clean_text(value, limit, required, multiline)
        if problem is not None:
            self.add(name, problem)
        return value
