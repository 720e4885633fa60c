"""Forms of the organisers' documents page."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField
from wtforms.fields.choices import SelectChoice

from symposium.documents.models import DocumentKind
from symposium.program.models import Edition

EVERYONE = "all"
NOT_YET_PRINTED = "not_yet_printed"


class BadgesForm(FlaskForm):
    layout = RadioField(
        _l("Layout"),
        choices=[
            SelectChoice(
                DocumentKind.badge_sheets.value, _l("Four to an A4 sheet, with cut marks")
            ),
            SelectChoice(DocumentKind.badges.value, _l("One A6 badge per page")),
        ],
        default=DocumentKind.badge_sheets.value,
    )
    people = SelectField(_l("Whose badges"), default=EVERYONE)

    def offer(self, edition: Edition) -> "BadgesForm":
        """Everyone, those not yet printed, a round or a session."""
        choices = [
            SelectChoice(EVERYONE, _l("Everyone with a place")),
            SelectChoice(NOT_YET_PRINTED, _l("Only badges not printed before")),
        ]
        for round_ in edition.rounds:
            choices.append(
                SelectChoice(f"round:{round_.id}", _l("Everyone in %(round)s", round=round_.name))
            )
            choices += [
                SelectChoice(f"session:{session.id}", f"{round_.name}: {session.title}")
                for session in round_.sessions
            ]
        self.people.choices = choices
        return self

    def selection(self) -> dict:
        value = self.people.data or EVERYONE
        if value == NOT_YET_PRINTED:
            return {"not_yet_printed": True}
        kind, _, number = value.partition(":")
        if kind in ("round", "session") and number.isdigit():
            return {f"{kind}_id": int(number)}
        return {}


class MakeDocumentForm(FlaskForm):
    """A button that asks for one whole-edition document (certificates, the booklet)."""
