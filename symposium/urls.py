"""Links that leave the site (mail, PDFs, feeds, QR codes, the API): one source, BASE_URL.

Never the request's Host: a mail-out posted with `Host: evil.example` must not send
everyone a link to evil.example. Flask's TRUSTED_HOSTS (set from BASE_URL in
config.py) refuses requests for other hosts as well.
"""

from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import MapAdapter, Rule


class LazyRule(Rule):
    """A URL rule whose builder (the code `url_for` runs for it, which Werkzeug writes with
    `ast` and compiles) is made the first time a URL is built with it: for all rules at
    start-up that took 40-60 ms, and a process builds only some of them."""

    def _compile_builder(self, append_unknown: bool = True):
        made = None

        def build(rule: Rule, **values):
            nonlocal made
            if made is None:  # two threads may both make it; either result is the same
                made = Rule._compile_builder(rule, append_unknown)
            return made(rule, **values)

        return build


def _public_adapter() -> MapAdapter:
    """Made once per app and BASE_URL (a test may change the setting)."""
    address = current_app.config["BASE_URL"]
    made = current_app.extensions.get("symposium.public_urls")
    if made is None or made[0] != address:
        base = urlsplit(address)
        adapter = current_app.url_map.bind(
            base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
        )
        made = current_app.extensions["symposium.public_urls"] = (address, adapter)
    return made[1]


def external_url(endpoint: str, **values) -> str:
    """An absolute URL at the site's public address (SYMPOSIUM_BASE_URL), in a request or not."""
    return _public_adapter().build(endpoint, values, force_external=True)
