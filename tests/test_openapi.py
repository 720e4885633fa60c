"""The JSON API keeps the word of its OpenAPI document: schemathesis on a running server."""

import json
import shutil
import threading
from datetime import UTC, datetime

import pytest
import requests
import schemathesis
from flask import got_request_exception
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance
from werkzeug.serving import make_server

from symposium import demo
from symposium.extensions import db
from symposium.web.api.program import OPENAPI
from tests.conftest import build_app, examples

#: schemathesis's own checks, all but one: no server errors, every answer (status, content
#: type, headers, body) one the document describes, bad input refused, 405 with Allow...
NOT_CHECKED = [
    # "Valid data is accepted": a body can match the schema and still name a round or a
    # session that the edition does not have; the API rightly answers 422.
    positive_data_acceptance,
]


class LiveSite:
    """Symposium on a free loopback port, with the demo data: 2019 (closed) and 2027 (open)."""

    def __init__(self, database_url: str):
        # Rate limits would answer schemathesis's hundreds of sign-ups with 429s instead of
        # the answers under test.
        self.app = build_app(database_url, RATELIMIT_ENABLED=False)
        with self.app.app_context():
            demo.load(today=datetime(2026, 11, 28, tzinfo=UTC).date())
        self.crashes: list[BaseException] = []
        got_request_exception.connect(self._crashed, self.app, weak=False)
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def _crashed(self, _sender, exception: BaseException, **_extra) -> None:
        self.crashes.append(exception)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
        with self.app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module")
def live_site(tmp_path_factory, sqlite_template):
    path = tmp_path_factory.mktemp("openapi") / "symposium.sqlite"
    shutil.copy(sqlite_template, path)
    site = LiveSite(f"sqlite:///{path}")
    yield site
    site.stop()
    assert site.crashes == [], "the server crashed while schemathesis ran"


# The document the app serves (the first test checks that it is this file); loaded here
# rather than from the running server because the tests are made before any server runs.
schema = schemathesis.openapi.from_path(OPENAPI)


def test_the_document_is_served_and_names_every_operation(live_site):
    response = requests.get(f"{live_site.url}/api/v1/openapi.json", timeout=10)

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    document = response.json()
    assert document == json.loads(OPENAPI.read_text())
    assert document["openapi"].startswith("3.")
    operations = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert operations >= {
        ("GET", "/api/v1/editions"),
        ("GET", "/api/v1/editions/{slug}"),
        ("POST", "/api/v1/editions/{slug}/registrations"),
    }
    # Every API route of the app is in the document, and nothing the app lacks.
    routes = {
        (method, rule.rule.replace("<slug>", "{slug}"))
        for rule in live_site.app.url_map.iter_rules()
        if rule.rule.startswith("/api/") or rule.rule.endswith("/signals.json")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == operations


def test_the_documented_answers_are_the_real_ones(live_site):
    """A few answers by hand, so a failure here reads plainer than a generated case."""
    editions = requests.get(f"{live_site.url}/api/v1/editions", timeout=10).json()
    assert {e["slug"] for e in editions["editions"]} == {"2019", "2027"}
    url = f"{live_site.url}/api/v1/editions/2027/registrations"
    body = {
        "first_name": "Fatima",
        "last_name": "el Amrani",
        "email": "fatima.openapi@example.org",
        "role": "social_worker",
        "consent": True,
    }
    assert requests.post(url, json=body, timeout=10).status_code == 201
    assert requests.post(url, json=body, timeout=10).status_code == 409
    closed = f"{live_site.url}/api/v1/editions/2019/registrations"
    assert requests.post(closed, json=body, timeout=10).status_code == 403
    # "²" is a digit to Python's str.isdigit, but no id: refused, not a crash.
    for odd in ({"choices": {"²": 1}}, {"answers": {"١": "x"}}):
        refused = requests.post(url, json={**body, "email": "x@example.org", **odd}, timeout=10)
        assert refused.status_code == 422


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=examples(50),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_schemathesis_finds_nothing_wrong_with_the_api(case, live_site):
    case.call_and_validate(base_url=live_site.url, excluded_checks=NOT_CHECKED)
