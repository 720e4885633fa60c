"""Signals: the room form, moderation, the harvest and the regional agenda."""


def register(app) -> None:
    from symposium.web.signals.moderation import bp as signals_host
    from symposium.web.signals.organiser import bp as organiser_signals
    from symposium.web.signals.public import bp as signals_public
    from symposium.web.signals.room import bp as signals_room

    app.register_blueprint(signals_room)
    app.register_blueprint(signals_public)
    app.register_blueprint(signals_host)
    app.register_blueprint(organiser_signals)
