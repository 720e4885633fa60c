"""Two hosts: two gunicorn masters on their own ports and instance folders, sharing
PostgreSQL, Redis and the object store, as two machines behind one load balancer would.

Nothing that one host knows may be unknown to the other: rate limits count across both,
a file uploaded through one downloads through the other, a program edit on one shows on
the other's next request, and 300 sign-ups split over both for 30 seats fill exactly 30.
"""

import io
import json
import re
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from http.cookiejar import CookieJar

import lxml.html
import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from symposium.accounts import service as accounts
from symposium.extensions import db
from symposium.program.models import Round, Session
from symposium.registration.models import Choice, ChoiceState
from symposium.speakers.models import Material
from tests.conftest import _app_for, _empty_postgres
from tests.servers import app_env, call, gunicorn, new_bucket, object_store_server, redis_url
from tests.test_materials import PNG

pytestmark = pytest.mark.slow  # two gunicorn masters, PostgreSQL, Redis and an S3 server

PASSWORD = "correct horse battery staple"


@pytest.fixture
def app_under_test(pg_app):
    return pg_app


@pytest.fixture
def pg_app(postgres_url):
    _empty_postgres(postgres_url)
    yield from _app_for(postgres_url)


class _Keep(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # show the 302 itself


class Visitor:
    """A browser of one visitor (one address, via X-Forwarded-For) with its cookies."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), _Keep()
        )

    def open(self, url: str, data: bytes | None = None, content_type: str | None = None):
        request = urllib.request.Request(url, data=data)
        request.add_header("X-Forwarded-For", self.address)
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with self.opener.open(request, timeout=60) as answer:
                return answer.status, answer.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def form(self, url: str, **changes) -> dict:
        """The form on the page at `url` with the most fields, as they are, and `changes`."""
        status, page = self.open(url)
        assert status == 200, (url, status)
        forms = [dict(form.form_values()) for form in lxml.html.fromstring(page).forms]
        fields = max(forms, key=len)
        assert "csrf_token" in fields, url
        return {**fields, **changes}

    def post(self, url: str, fields: dict):
        boundary, body = encode_multipart(fields)
        return self.open(url, body, f"multipart/form-data; boundary={boundary}")


def test_two_hosts_share_limits_files_program_and_seats(pg_app, make_edition, tmp_path):
    edition = make_edition(rounds=1, sessions_per_round=1, capacity=30)
    [round_] = edition.rounds
    [session] = round_.sessions
    slug, round_id, session_id, session_slug = edition.slug, round_.id, session.id, session.slug
    accounts.create_organiser("org@example.org", "Olga Organiser", PASSWORD)
    db.session.commit()
    url = str(pg_app.config["SQLALCHEMY_DATABASE_URI"])

    with ExitStack() as stack:
        bucket = new_bucket(stack.enter_context(object_store_server(tmp_path / "moto.log")))
        settings = {
            "REDIS_URL": redis_url(),
            "TRUSTED_PROXIES": "1",
            "PRODUCTION": "true",
            "BASE_URL": "http://127.0.0.1",
            **bucket.settings(),
        }
        env = app_env(url, **settings)  # one key prefix: the same site
        a, b = (
            stack.enter_context(
                gunicorn(env, tmp_path / f"{n}.log", workers=2, instance=tmp_path / f"host-{n}")
            )
            for n in ("a", "b")
        )

        # A sign-in rate limit (10 a minute per address) counted across both hosts.
        guesser = Visitor("10.0.0.1")
        statuses = []
        for attempt in range(14):
            host = (a, b)[attempt % 2]
            fields = guesser.form(f"{host}/sign-in", email="org@example.org", password="wrong")
            statuses.append(guesser.post(f"{host}/sign-in", fields)[0])
        assert statuses.count(429) == 4, statuses

        # A material uploaded through host A downloads through host B.
        organiser = Visitor("10.0.0.2")
        signed_in = organiser.post(
            f"{a}/sign-in",
            organiser.form(f"{a}/sign-in", email="org@example.org", password=PASSWORD),
        )
        assert signed_in[0] == 302
        page = f"/speaker/sessions/{session_id}"
        fields = organiser.form(f"{a}{page}", kind="slides", visibility="public")
        fields["file"] = FileStorage(io.BytesIO(PNG), "dia.png")
        uploaded = organiser.post(f"{a}{page}/materials", fields)
        assert uploaded[0] == 302, re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]+)', uploaded[1])
        db.session.rollback()
        material = db.session.scalars(sa.select(Material)).one()
        download = f"/{slug}/sessions/{session_slug}/materials/{material.id}"
        answer = call(b, "GET", download, headers={"X-Forwarded-For": "10.0.0.3"})
        assert answer.status == 200 and answer.body == PNG
        assert answer.headers["content-disposition"].startswith("attachment")
        assert not any((tmp_path / f"host-{n}" / "materials").exists() for n in "ab")

        # A program edit on A shows on B's next request (B has served the page before).
        assert "Round 1" in call(b, "GET", f"/{slug}/").body.decode()
        edit = f"{a}/organiser/{slug}/rounds/{round_id}/edit"
        assert organiser.post(edit, organiser.form(edit, name="Ronde Zonnebloem"))[0] == 302
        assert "Ronde Zonnebloem" in call(b, "GET", f"/{slug}/").body.decode()

        # Scheduled work done once by several workers sharing PostgreSQL is shown with two
        # real `flask worker` processes in test_worker_stalls.py (one reminder batch).

        # 300 sign-ups split over both hosts for 30 seats: 30 confirmed, none over.
        def sign_up(number: int) -> int | None:
            body = {
                "first_name": "Twee",
                "last_name": f"Hosts {number}",
                "email": f"two-hosts-{number}@example.org",
                "organisation": "Gemeente",
                "role": "social_worker",
                "consent": True,
                "choices": {str(round_id): session_id},
            }
            headers = {
                "Content-Type": "application/json",
                "X-Forwarded-For": f"10.{1 + number // 250}.{number % 250}.1",
            }
            host = (a, b)[number % 2]
            return call(
                host, "POST", f"/api/v1/editions/{slug}/registrations", json.dumps(body), headers
            ).status

        with ThreadPoolExecutor(12) as pool:
            answers = list(pool.map(sign_up, range(300)))
        assert answers.count(201) == 300, sorted(set(answers), key=str)

    db.session.rollback()
    confirmed = db.session.scalar(
        sa.select(sa.func.count()).where(
            Choice.session_id == session_id, Choice.state == ChoiceState.confirmed
        )
    )
    assert confirmed == db.session.get(Session, session_id).taken == 30
    assert db.session.get(Round, round_id).name == "Ronde Zonnebloem"
