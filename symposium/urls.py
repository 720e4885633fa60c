"""Links that leave the site (mail, PDFs, feeds, QR codes, the API): one source, BASE_URL.

Never the request's Host: a mail-out posted with `Host: evil.example` must not send
everyone a link to evil.example. Flask's TRUSTED_HOSTS (set from BASE_URL in
config.py) refuses requests for other hosts as well.
"""

from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import MapAdapter


def _public_adapter() -> MapAdapter:
    adapter = current_app.extensions.get("symposium.public_urls")
    if adapter is None:
        base = urlsplit(current_app.config["BASE_URL"])
        adapter = current_app.url_map.bind(
            base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
        )
        current_app.extensions["symposium.public_urls"] = adapter
    return adapter


def external_url(endpoint: str, **values) -> str:
    """An absolute URL at the site's public address (SYMPOSIUM_BASE_URL), in a request or not."""
    return _public_adapter().build(endpoint, values, force_external=True)
