"""Evaluations: forms for attendees, results for organisers and speakers."""

from flask import Flask


def register(app: Flask) -> None:
    from symposium.evaluations import (
        charts,
        notifications,  # noqa: F401  (the mail builders)
    )
    from symposium.web.evaluations.attendee import bp as forms
    from symposium.web.evaluations.organiser import bp as organiser
    from symposium.web.evaluations.speakers import bp as speakers

    app.register_blueprint(forms)
    app.register_blueprint(organiser)
    app.register_blueprint(speakers)
    app.jinja_env.globals["decimal"] = charts.decimal
