"""Links that work outside a request too: in mail, PDFs and the worker."""

from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values) -> str:
    """An absolute URL for mail: the visitor's host in a request, else SYMPOSIUM_BASE_URL."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    adapter = current_app.extensions.get("symposium.mail_urls")
    if adapter is None:
        base = urlsplit(current_app.config["BASE_URL"])
        adapter = current_app.url_map.bind(
            base.netloc, script_name=base.path or "/", url_scheme=base.scheme
        )
        current_app.extensions["symposium.mail_urls"] = adapter
    return adapter.build(endpoint, values, force_external=True)
