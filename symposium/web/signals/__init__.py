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

    @app.context_processor
    def _rapporteur_sessions():
        from flask_login import current_user

        from symposium.signals.rapporteurs import sessions_reported_by

        def reported_sessions():
            return sessions_reported_by(getattr(current_user, "person_id", None))

        return {"reported_sessions": reported_sessions}
