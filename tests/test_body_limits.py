"""Request bodies: small for forms and JSON, the upload limit only where files are uploaded."""

import io
import json

import pytest

from symposium.web.body_limits import LONG_TEXT_ENDPOINTS, UPLOAD_ENDPOINTS


class CountingStream(io.BytesIO):
    """A request body that remembers how much of it the app read."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk

    def readline(self, size=-1):
        line = super().readline(size)
        self.bytes_read += len(line)
        return line


def test_a_24_mb_json_sign_up_is_refused_before_its_body_is_read(client, make_edition):
    edition = make_edition()
    first_round = edition.rounds[0]
    data = json.dumps(
        {
            "first_name": "x" * (24 * 1024 * 1024),
            "last_name": "Tester",
            "email": "big@example.org",
            "role": "researcher",
            "consent": True,
            "choices": {str(first_round.id): first_round.sessions[0].id},
        }
    ).encode()
    body = CountingStream(data)

    answer = client.post(
        f"/api/v1/editions/{edition.slug}/registrations",
        input_stream=body,
        content_length=len(data),
        content_type="application/json",
    )

    assert answer.status_code == 413
    assert answer.get_json() == {"error": "Request Entity Too Large"}
    assert body.bytes_read == 0


@pytest.mark.parametrize("path", ["/sign-in", "/speaker/sign-in", "/2031/link"])
def test_a_form_over_64_kb_is_refused(sqlite_app, make_edition, path):
    make_edition()
    answer = sqlite_app.test_client().post(
        path, data={"email": "x" * (65 * 1024)}, headers={"Accept-Language": "en"}
    )

    assert answer.status_code == 413
    assert "Nothing was saved" in answer.get_data(as_text=True)


def test_only_the_upload_forms_take_large_bodies(sqlite_app):
    """The lists name real routes: a renamed view would silently fall back to 64 KB."""
    endpoints = {rule.endpoint for rule in sqlite_app.url_map.iter_rules()}
    assert endpoints >= UPLOAD_ENDPOINTS
    assert endpoints >= LONG_TEXT_ENDPOINTS
    assert sqlite_app.config["MAX_BODY_KB"] == 64
    assert sqlite_app.config["MAX_CONTENT_LENGTH"] > 24 * 1024 * 1024
