"""A stand-in for Mollie's Payments API on this machine, for `make run`, the demo and the
tests (Mollie cannot be reached from here).

It speaks the documented endpoints Symposium uses, in Mollie's JSON shapes:
`POST /v2/payments`, `GET /v2/payments/{id}`, `POST /v2/payments/{id}/refunds`; a
checkout page where the payer picks what happens (paid, failed, canceled, expired), like
Mollie's test mode; and the webhook call (`id=tr_...`, form-encoded) on every change of
status, expiry included. Switches make the API time out, answer 500 or answer something
that is not JSON: `standin.mode = "timeout" | "error" | "malformed" | "ok"`, or
`POST /_standin/mode` with `mode=...`.

    python -m symposium.payments.standin --port 5006

Loopback only, no data kept: it is a test tool, never a payment service.
"""

import argparse
import functools
import html
import json
import logging
import re
import secrets
import threading
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from werkzeug.routing import Map, Rule
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

log = logging.getLogger(__name__)

DOCS = "https://docs.mollie.com/reference/v2/payments-api/create-payment"
HAL = "application/hal+json"
MODES = ("ok", "timeout", "error", "malformed")
#: what the payer can choose on the checkout page, as in Mollie's test mode
OUTCOMES = ("paid", "failed", "canceled", "expired")
METHODS = {"ideal": "iDEAL", "creditcard": "Creditcard"}

TEXTS = {
    "nl": {
        "title": "Testbetaling",
        "intro": "Dit is de nagebootste betaalomgeving: hier gaat geen echt geld over.",
        "amount": "Bedrag",
        "method": "Betaalmethode",
        "outcome": "Uitkomst van de betaling",
        "paid": "Betaald",
        "failed": "Mislukt",
        "canceled": "Geannuleerd",
        "expired": "Verlopen",
        "submit": "Doorgaan",
        "done": "Deze betaling is al afgerond",
        "back": "Terug naar de website",
        "language": "nl",
    },
    "en": {
        "title": "Test payment",
        "intro": "This is the stand-in payment service: no real money changes hands here.",
        "amount": "Amount",
        "method": "Payment method",
        "outcome": "Outcome of the payment",
        "paid": "Paid",
        "failed": "Failed",
        "canceled": "Canceled",
        "expired": "Expired",
        "submit": "Continue",
        "done": "This payment is already completed",
        "back": "Back to the website",
        "language": "en",
    },
}


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _error(status: int, title: str, detail: str, field: str | None = None) -> Response:
    body = {"status": status, "title": title, "detail": detail}
    if field:
        body["field"] = field
    body["_links"] = {"documentation": {"href": DOCS, "type": "text/html"}}
    return Response(json.dumps(body), status=status, content_type=HAL)


class MollieStandIn:
    """The stand-in server, in a thread of this process (`start`, `stop`)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, expiry_seconds: int = 900):
        self.expiry = timedelta(seconds=expiry_seconds)
        #: "ok", or how the API misbehaves: "timeout", "error" (500), "malformed"
        self.mode = "ok"
        #: call the webhook on every change of status
        self.webhooks = True
        #: (payment id, the status it was sent for, HTTP status or None) per webhook call
        self.webhook_calls: list[tuple[str, str, int | None]] = []
        #: (method, path) of every API request
        self.requests: list[tuple[str, str]] = []
        self.payments: dict[str, dict] = {}
        self._replays: dict[str, Response] = {}
        self._lock = threading.RLock()
        self._stopped = threading.Event()
        self._threads: list[threading.Thread] = []
        self._urls = Map(
            [
                Rule("/v2/payments", methods=["POST"], endpoint="create"),
                Rule("/v2/payments/<payment_id>", methods=["GET"], endpoint="get"),
                Rule("/v2/payments/<payment_id>/refunds", methods=["POST"], endpoint="refund"),
                Rule("/checkout/<payment_id>", methods=["GET", "POST"], endpoint="checkout"),
                Rule("/_standin/mode", methods=["POST"], endpoint="switch"),
            ]
        )
        self._server = make_server(host, port, self._wsgi, threaded=True)

    # -- running ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self._server.host}:{self._server.port}"

    def start(self) -> "MollieStandIn":
        serve = functools.partial(self._server.serve_forever, poll_interval=0.1)
        for target in (serve, self._expire_overdue):
            thread = threading.Thread(target=target, daemon=True, name="mollie-standin")
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stopped.set()  # also ends requests kept waiting in "timeout" mode
        self._server.shutdown()
        self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> "MollieStandIn":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- what a payer (or a test) does --------------------------------------------------------

    def settle(self, payment_id: str, status: str, method: str = "ideal") -> dict:
        """The payer's choice on the checkout page; calls the webhook."""
        with self._lock:
            payment = self.payments[payment_id]
            if payment["status"] != "open":
                return payment
            now = _iso(_now())
            payment["status"] = status
            payment["method"] = method if method in METHODS else "ideal"
            payment["_links"].pop("checkout", None)
            payment["isCancelable"] = False
            payment[f"{status}At"] = now
            if status == "paid":
                payment["amountRefunded"] = {"currency": "EUR", "value": "0.00"}
                payment["amountRemaining"] = dict(payment["amount"])
                payment["settlementAmount"] = dict(payment["amount"])
        self._call_webhook(payment_id)
        return payment

    def expire(self, payment_id: str) -> dict:
        return self.settle(payment_id, "expired")

    def _expire_overdue(self) -> None:
        while not self._stopped.wait(0.2):
            now = _now()
            with self._lock:
                overdue = [
                    p["id"]
                    for p in self.payments.values()
                    if p["status"] == "open" and datetime.fromisoformat(p["expiresAt"]) <= now
                ]
            for payment_id in overdue:
                self.expire(payment_id)

    def _call_webhook(self, payment_id: str) -> None:
        payment = self.payments[payment_id]
        url = payment.get("webhookUrl")
        if not self.webhooks or not url:
            return
        body = urllib.parse.urlencode({"id": payment_id}).encode()
        request = urllib.request.Request(url, data=body, method="POST")
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        request.add_header("User-Agent", "Mollie HTTP client (stand-in)")
        try:
            # Only http(s) URLs get here (checked when the payment was made).
            with urllib.request.urlopen(request, timeout=15) as answer:  # nosec B310
                status = answer.status
        except urllib.error.HTTPError as error:
            status = error.code
        except OSError as error:
            log.warning("webhook %s for %s: %s", url, payment_id, error)
            status = None
        self.webhook_calls.append((payment_id, payment["status"], status))

    # -- the API -------------------------------------------------------------------------------

    def _wsgi(self, environ, start_response):
        request = Request(environ)
        adapter = self._urls.bind_to_environ(environ)
        try:
            endpoint, values = adapter.match()
        except Exception as error:  # werkzeug's 404 and 405 are answers themselves
            return error(environ, start_response)
        if endpoint in ("checkout", "switch"):
            response = getattr(self, f"_{endpoint}")(request, **values)
        else:
            response = self._api(request, endpoint, values)
        return response(environ, start_response)

    def _api(self, request: Request, endpoint: str, values: dict) -> Response:
        self.requests.append((request.method, request.path))
        if self.mode == "timeout":
            self._stopped.wait(30)  # the client gives up long before
            return _error(504, "Gateway Timeout", "Too late")
        if self.mode == "error":
            return Response("<h1>500 Internal Server Error</h1>", 500, content_type="text/html")
        if self.mode == "malformed":
            return Response('{"resource": "payment", "id": ', 200, content_type=HAL)
        if not re.fullmatch(r"Bearer (test|live)_\w+", request.headers.get("Authorization", "")):
            return _error(
                401, "Unauthorized Request", "Missing authentication, or failed to authenticate"
            )
        key = request.headers.get("Idempotency-Key")
        with self._lock:
            if key and key in self._replays:
                response = self._replays[key]
                response.headers["Idempotent-Replayed"] = "true"
                return response
            response = getattr(self, f"_{endpoint}")(request, **values)
            if key and request.method == "POST" and response.status_code < 300:
                self._replays[key] = response
        return response

    def _body(self, request: Request) -> dict | None:
        try:
            body = json.loads(request.get_data(as_text=True) or "{}")
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def _create(self, request: Request) -> Response:
        body = self._body(request)
        if body is None:
            return _error(400, "Bad Request", "The request body is not valid JSON")
        amount = body.get("amount")
        if not isinstance(amount, dict) or amount.get("currency") != "EUR":
            return _error(422, "Unprocessable Entity", "The amount is invalid", "amount")
        value = str(amount.get("value", ""))
        if not re.fullmatch(r"\d{1,7}\.\d{2}", value) or Decimal(value) < Decimal("0.01"):
            return _error(422, "Unprocessable Entity", "The amount is too low", "amount.value")
        if not str(body.get("description") or "").strip():
            return _error(422, "Unprocessable Entity", "The description is empty", "description")
        for field in ("redirectUrl", "webhookUrl"):
            url = body.get(field)
            if (field == "redirectUrl" or url) and not re.match(r"https?://", str(url or "")):
                return _error(422, "Unprocessable Entity", f"The {field} is invalid", field)
        payment_id = "tr_" + secrets.token_hex(5)
        now = _now()
        payment = {
            "resource": "payment",
            "id": payment_id,
            "mode": "test",
            "createdAt": _iso(now),
            "amount": {"currency": "EUR", "value": value},
            "description": body["description"],
            "method": None,
            "metadata": body.get("metadata"),
            "status": "open",
            "isCancelable": False,
            "expiresAt": _iso(now + self.expiry),
            "profileId": "pfl_standin",
            "sequenceType": "oneoff",
            "redirectUrl": body["redirectUrl"],
            "webhookUrl": body.get("webhookUrl"),
            "locale": body.get("locale") or "nl_NL",
            "_links": {
                "self": {"href": f"{self.base_url}/v2/payments/{payment_id}", "type": HAL},
                "checkout": {"href": f"{self.base_url}/checkout/{payment_id}", "type": "text/html"},
                "documentation": {"href": DOCS, "type": "text/html"},
            },
        }
        self.payments[payment_id] = payment
        return Response(json.dumps(payment), 201, content_type=HAL)

    def _get(self, request: Request, payment_id: str) -> Response:
        payment = self.payments.get(payment_id)
        if payment is None:
            return _error(404, "Not Found", f"No payment exists with token {payment_id}.")
        return Response(json.dumps(payment), 200, content_type=HAL)

    def _refund(self, request: Request, payment_id: str) -> Response:
        payment = self.payments.get(payment_id)
        if payment is None:
            return _error(404, "Not Found", f"No payment exists with token {payment_id}.")
        body = self._body(request) or {}
        try:
            value = Decimal(str(body["amount"]["value"]))
        except (KeyError, TypeError, ArithmeticError):
            return _error(422, "Unprocessable Entity", "The amount is invalid", "amount")
        if payment["status"] != "paid":
            return _error(422, "Unprocessable Entity", "The payment cannot be refunded")
        remaining = Decimal(payment["amountRemaining"]["value"])
        if value <= 0 or value > remaining:
            return _error(
                422, "Unprocessable Entity", "The amount is higher than remains", "amount"
            )
        payment["amountRemaining"]["value"] = f"{remaining - value:.2f}"
        refunded = Decimal(payment["amountRefunded"]["value"]) + value
        payment["amountRefunded"]["value"] = f"{refunded:.2f}"
        refund_id = "re_" + secrets.token_hex(5)
        refund = {
            "resource": "refund",
            "id": refund_id,
            "amount": {"currency": "EUR", "value": f"{value:.2f}"},
            "status": "pending",
            "createdAt": _iso(_now()),
            "description": str(body.get("description") or ""),
            "paymentId": payment_id,
            "_links": {
                "self": {"href": f"{self.base_url}/v2/payments/{payment_id}/refunds/{refund_id}"},
                "payment": {"href": f"{self.base_url}/v2/payments/{payment_id}", "type": HAL},
                "documentation": {"href": DOCS, "type": "text/html"},
            },
        }
        payment.setdefault("refunds", []).append(refund)
        return Response(json.dumps(refund), 201, content_type=HAL)

    # -- the payer's pages -------------------------------------------------------------------

    def _switch(self, request: Request) -> Response:
        mode = request.form.get("mode", "")
        if mode not in MODES:
            return Response(f"mode is one of {', '.join(MODES)}\n", 400, content_type="text/plain")
        self.mode = mode
        return Response(f"mode {mode}\n", content_type="text/plain")

    def _checkout(self, request: Request, payment_id: str) -> Response:
        payment = self.payments.get(payment_id)
        if payment is None:
            return Response("Not found", 404, content_type="text/plain")
        if request.method == "POST":
            outcome = request.form.get("outcome", "")
            if outcome in OUTCOMES:
                self.settle(payment_id, outcome, request.form.get("method", "ideal"))
                return Response(status=303, headers={"Location": payment["redirectUrl"]})
        return Response(_checkout_page(payment), content_type="text/html; charset=utf-8")


def _checkout_page(payment: dict) -> str:
    text = TEXTS["en" if str(payment.get("locale", "")).startswith("en") else "nl"]
    e = html.escape
    amount = (
        f"€ {payment['amount']['value'].replace('.', ',' if text['language'] == 'nl' else '.')}"
    )
    if payment["status"] != "open":
        body = (
            f"<p>{e(text['done'])}: {e(text.get(payment['status'], payment['status']))}.</p>"
            f'<p><a href="{e(payment["redirectUrl"])}">{e(text["back"])}</a></p>'
        )
    else:
        methods = "".join(
            f'<div class="choice"><input type="radio" name="method" id="method-{key}" '
            f'value="{key}"{" checked" if key == "ideal" else ""}>'
            f'<label for="method-{key}">{name}</label></div>'
            for key, name in METHODS.items()
        )
        outcomes = "".join(
            f'<div class="choice"><input type="radio" name="outcome" id="outcome-{outcome}" '
            f'value="{outcome}"{" checked" if outcome == "paid" else ""}>'
            f'<label for="outcome-{outcome}">{e(text[outcome])}</label></div>'
            for outcome in OUTCOMES
        )
        body = (
            f"<p>{e(text['intro'])}</p>"
            f"<p>{e(payment['description'])}<br>"
            f"{e(text['amount'])}: <strong>{e(amount)}</strong></p>"
            f'<form method="post" action="/checkout/{e(payment["id"])}">'
            f"<fieldset><legend>{e(text['method'])}</legend>{methods}</fieldset>"
            f"<fieldset><legend>{e(text['outcome'])}</legend>{outcomes}</fieldset>"
            f'<button type="submit">{e(text["submit"])}</button></form>'
        )
    return (
        f'<!doctype html><html lang="{text["language"]}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(text['title'])}</title></head>"
        f"<body><main><h1>{e(text['title'])}</h1>{body}</main></body></html>"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A stand-in for Mollie's Payments API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5006)
    parser.add_argument("--expiry-seconds", type=int, default=900, help="open payments expire")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    standin = MollieStandIn(args.host, args.port, args.expiry_seconds).start()
    print(f"Mollie stand-in on {standin.base_url} (checkout pages at /checkout/<id>)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        standin.stop()


if __name__ == "__main__":
    main()
