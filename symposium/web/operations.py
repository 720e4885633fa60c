"""For the operator's tools: GET /healthz for load balancers, GET /metrics for Prometheus.

/healthz answers 200 when the database, Redis and the file storage are each "ok" (or not
used), 503 naming what is down; no personal data, never rate limited. /metrics is in
Prometheus' text format: requests by endpoint and status, their durations, the outbox
and the document jobs; who may read it is SYMPOSIUM_METRICS.
"""

import os
import time
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, g, jsonify, request
from flask_login import current_user
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

from symposium import monitoring
from symposium.database import committed_anything, lost_connection, start_counting_commits
from symposium.extensions import csrf, db, limiter, login

bp = Blueprint("operations", __name__)

# Kept in this process, or with PROMETHEUS_MULTIPROC_DIR set (deploy/gunicorn.conf.py) in
# files that /metrics adds up over every gunicorn worker.
REQUESTS = Counter("symposium_requests", "Requests answered", ["endpoint", "method", "status"])
LATENCY = Histogram(
    "symposium_request_seconds",
    "Time to answer a request",
    ["endpoint"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    parts = monitoring.health()
    down = sorted(name for name, state in parts.items() if state == "down")
    body = jsonify(status="down: " + ", ".join(down) if down else "ok", **parts)
    body.headers["Cache-Control"] = "no-store"
    return body, 503 if down else 200


@bp.get("/metrics")
@limiter.exempt
def metrics():
    who = str(current_app.config["METRICS"]).lower()
    if who == "off":
        abort(404)
    if who != "open":
        if not current_user.is_authenticated:
            return login.unauthorized()
        if not current_user.is_organiser:
            abort(403)
    registry = _registry()
    registry.register(_Queues())
    answer = Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
    answer.headers["Cache-Control"] = "no-store"
    return answer


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUESTS)
        registry.register(LATENCY)
    return registry


class _Queues:
    """Read from the database at each scrape: the same figures on every host."""

    def collect(self):
        queues = monitoring.queues()
        yield GaugeMetricFamily(
            "symposium_outbox_waiting", "Mail queued or being sent", value=queues.outbox_waiting
        )
        yield GaugeMetricFamily(
            "symposium_outbox_oldest_seconds",
            "Age of the oldest mail still waiting",
            value=queues.outbox_oldest_seconds,
        )
        yield GaugeMetricFamily(
            "symposium_outbox_failed", "Mail given up on", value=queues.outbox_failed
        )
        jobs = GaugeMetricFamily("symposium_document_jobs", "Document jobs", labels=["status"])
        for status, number in queues.document_jobs.items():
            jobs.add_metric([status], number)
        yield jobs


def _started() -> None:
    g.operations_started = time.perf_counter()


#: each labelled series looked up once (`labels()` checks and locks on every call)
_series: dict[tuple, Any] = {}


def _labelled(metric, *labels: str):
    key = (metric, *labels)
    found = _series.get(key)
    if found is None:
        found = _series.setdefault(key, metric.labels(*labels))
    return found


def _answered(response: Response) -> Response:
    started = g.pop("operations_started", None)
    endpoint = request.endpoint or "unknown"
    if started is not None and endpoint != "operations.metrics":
        _labelled(LATENCY, endpoint).observe(time.perf_counter() - started)
        _labelled(REQUESTS, endpoint, request.method, str(response.status_code)).inc()
    return response


def _again_on_lost_connection(dispatch):
    """A request whose database connection broke (a restart, a terminated backend) is
    answered again from the start, once or twice, when nothing of it was committed yet:
    a read, or a form whose use case had not committed. Its before-request steps run
    again too (a rate limit may count it twice)."""

    def dispatch_again():
        for attempt in range(3):
            start_counting_commits()
            try:
                return dispatch()
            except Exception as error:
                if not lost_connection(error) or committed_anything() or attempt == 2:
                    raise
                db.session.rollback()
        raise AssertionError("unreachable")

    return dispatch_again


def init_operations(app: Flask) -> None:
    app.full_dispatch_request = _again_on_lost_connection(app.full_dispatch_request)
    app.register_blueprint(bp)
    csrf.exempt(bp)
    app.before_request(_started)
    app.after_request(_answered)
