"""The baseline for http_load.py: the least a Flask app can do, served the same way."""

from flask import Flask

app = Flask(__name__)


@app.route("/", methods=["GET", "POST"])
def index() -> str:
    return "Hello, symposium!"
