"""What every form here shares: the rules live in services, the messages show on the form."""

from flask_wtf import FlaskForm


class ServiceForm(FlaskForm):
    """A form whose values a service checks; its messages go beside their fields."""

    def attach(self, errors: dict[str, list]) -> None:
        """Show the service's messages beside their fields (other keys stay in the summary)."""
        for name, messages in errors.items():
            field = self._fields.get(name)
            if field is not None:
                field.errors = list(field.errors) + list(messages)
