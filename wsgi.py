"""Entry point for gunicorn: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

SYMPOSIUM_INSTANCE_PATH names the instance folder (default: instance/ next to the code).
"""

import os

from symposium import create_app

app = create_app(instance_path=os.environ.get("SYMPOSIUM_INSTANCE_PATH") or None)
