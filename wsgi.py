"""Entry point for gunicorn: `gunicorn wsgi:app`."""

from symposium import create_app

app = create_app()
