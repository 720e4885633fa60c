"""Running it for real: several gunicorn workers, shared Redis, a front proxy, one public
address, dropped database connections, health and metrics.

The tests with real servers (gunicorn, Redis, nginx, PostgreSQL) are marked slow.
"""

import json
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from symposium import create_app
from symposium.extensions import db
from symposium.mail.models import OutboxMessage
from symposium.registration import service
from symposium.registration.models import Registration
from tests.conftest import TEST_SETTINGS, _app_for, _empty_postgres, person
from tests.servers import SlowClient, app_env, call, copy_database, gunicorn, nginx, redis_url
from tests.test_organiser import mailout_form, sign_in
from tests.test_organiser import organiser as organiser


@pytest.fixture
def app_under_test(request):
    if "pg_app" in request.fixturenames:
        return request.getfixturevalue("pg_app")
    return request.getfixturevalue("sqlite_app")


@pytest.fixture
def organiser_client(sqlite_app, organiser):
    client = sqlite_app.test_client()
    assert sign_in(client).status_code == 302
    return client


@pytest.fixture
def pg_app(postgres_url):
    _empty_postgres(postgres_url)
    yield from _app_for(postgres_url)


def sign_up_body(number: int, choices: dict[int, int]) -> str:
    return json.dumps(
        {
            "first_name": "Load",
            "last_name": f"Person {number}",
            "email": f"load{number}@example.org",
            "organisation": "Gemeente",
            "role": "social_worker",
            "consent": True,
            "choices": {str(r): s for r, s in choices.items()},
        }
    )


JSON = {"Content-Type": "application/json"}


# -- one source of public addresses ----------------------------------------------------


def test_a_request_for_another_host_is_refused(sqlite_app):
    client = sqlite_app.test_client()

    assert client.get("/", base_url="http://evil.example").status_code == 400
    assert client.get("/healthz").status_code == 200  # localhost, in development


def test_production_trusts_the_host_of_the_base_url_only(sqlite_url):
    app = create_app(
        {
            **TEST_SETTINGS,
            "SQLALCHEMY_DATABASE_URI": sqlite_url,
            "PRODUCTION": True,
            "BASE_URL": "https://symposium.example.nl",
        }
    )
    client = app.test_client()

    assert client.get("/healthz", base_url="http://localhost").status_code == 400
    assert client.get("/healthz", base_url="https://symposium.example.nl").status_code == 200


def test_links_in_a_mail_out_use_the_base_url_not_the_requests_host(
    sqlite_app, organiser_client, make_edition
):
    sqlite_app.config["BASE_URL"] = "https://symposium.example.nl/"
    edition = make_edition()
    service.register(edition.id, person(1))
    url = f"/organiser/{edition.slug}/mailouts/new"

    refused = organiser_client.post(
        url,
        data=mailout_form(organiser_client, action="send"),
        base_url="http://evil.example",
    )
    assert refused.status_code == 400
    db.session.rollback()
    kinds = db.session.scalars(sa.select(OutboxMessage.kind)).all()
    assert "mailout" not in kinds

    sent = organiser_client.post(url, data=mailout_form(organiser_client, action="send"))
    assert sent.status_code == 302
    db.session.rollback()
    [message] = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "mailout")
    ).all()
    assert "https://symposium.example.nl/r/" in message.html_body
    assert "http://localhost/" not in message.html_body + message.text_body


# -- production refuses per-process state ---------------------------------------------


def test_production_with_several_workers_refuses_memory_rate_limits(sqlite_url):
    settings = {
        **TEST_SETTINGS,
        "SQLALCHEMY_DATABASE_URI": sqlite_url,
        "PRODUCTION": True,
        "WEB_WORKERS": 4,
    }
    with pytest.raises(RuntimeError, match="SYMPOSIUM_REDIS_URL"):
        create_app(settings)

    create_app({**settings, "WEB_WORKERS": 1})
    app = create_app({**settings, "REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"


# -- health and metrics ----------------------------------------------------------------


def test_health_names_each_part_and_what_is_down(sqlite_app, tmp_path):
    client = sqlite_app.test_client()

    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json == {
        "status": "ok",
        "database": "ok",
        "redis": "not used",
        "storage": "ok",
    }

    sqlite_app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder should be")
    sqlite_app.config["MATERIALS_FOLDER"] = str(blocked / "materials")
    sqlite_app.extensions.pop("symposium.storage", None)
    down = client.get("/healthz")
    assert down.status_code == 503
    assert down.json["status"] == "down: redis, storage"
    assert down.json["database"] == "ok"


def test_health_is_never_rate_limited(sqlite_app):
    client = sqlite_app.test_client()
    assert {client.get("/healthz").status_code for _ in range(150)} == {200}


def test_metrics_for_organisers_in_prometheus_text(sqlite_app, organiser_client, make_edition):
    anonymous = sqlite_app.test_client()
    assert anonymous.get("/metrics").status_code == 302  # to the sign-in page
    make_edition()
    organiser_client.get("/")

    answer = organiser_client.get("/metrics")

    assert answer.status_code == 200
    assert answer.mimetype == "text/plain"
    text = answer.get_data(as_text=True)
    assert "symposium_outbox_waiting" in text and "symposium_outbox_oldest_seconds" in text
    assert 'symposium_document_jobs{status="queued"} 0.0' in text
    assert 'symposium_requests_total{endpoint="program.index",method="GET",status="' in text
    assert "symposium_request_seconds_bucket" in text


def test_metrics_can_be_switched_off_or_open(sqlite_app):
    client = sqlite_app.test_client()
    sqlite_app.config["METRICS"] = "off"
    assert client.get("/metrics").status_code == 404
    sqlite_app.config["METRICS"] = "open"
    assert client.get("/metrics").status_code == 200


# -- limits counted across gunicorn workers, in Redis ------------------------------------


@pytest.mark.slow
def test_rate_limits_hold_across_four_gunicorn_workers_with_redis(tmp_path, sqlite_template):
    url = copy_database(sqlite_template, tmp_path / "db")
    env = app_env(url, REDIS_URL=redis_url(), PRODUCTION="true", BASE_URL="http://127.0.0.1")
    with gunicorn(env, tmp_path / "gunicorn.log", workers=4, instance=tmp_path / "i") as base:
        path = "/api/v1/editions/none/registrations"
        with ThreadPoolExecutor(8) as pool:
            answers = list(
                pool.map(lambda n: call(base, "POST", path, "{}", JSON).status, range(90))
            )
    # The sign-up limit is 60 a minute per address: counted once, not once per worker.
    assert answers.count(429) == 30
    assert None not in answers


@pytest.mark.slow
def test_production_gunicorn_with_several_workers_will_not_start_on_memory(
    tmp_path, sqlite_template
):
    url = copy_database(sqlite_template, tmp_path / "db")
    env = app_env(url, PRODUCTION="true", BASE_URL="http://127.0.0.1")
    log = tmp_path / "gunicorn.log"
    with (
        pytest.raises(RuntimeError, match="did not start"),
        gunicorn(env, log, workers=2, instance=tmp_path / "i"),
    ):
        pass
    assert "SYMPOSIUM_REDIS_URL" in log.read_text()


# -- dropped database connections ------------------------------------------------------


@pytest.mark.slow
def test_terminated_database_connections_cost_no_500s(pg_app, make_edition, tmp_path):
    url = str(pg_app.config["SQLALCHEMY_DATABASE_URI"])
    edition = make_edition(rounds=1, sessions_per_round=2, capacity=1000)
    [round_] = edition.rounds
    session_id = round_.sessions[0].id
    round_id, slug = round_.id, edition.slug
    database = sa.make_url(url).database
    db.session.remove()
    env = app_env(url, RATELIMIT_ENABLED="false")
    server = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    terminated = []
    with gunicorn(env, tmp_path / "gunicorn.log", workers=2, instance=tmp_path / "i") as base:
        # Every worker's pool holds connections before the first termination.
        for number in range(4):
            call(
                base,
                "POST",
                f"/api/v1/editions/{slug}/registrations",
                sign_up_body(number, {round_id: session_id}),
                JSON,
            )

        def sign_up(number: int) -> int | None:
            path = f"/api/v1/editions/{slug}/registrations"
            body = sign_up_body(number, {round_id: session_id})
            return call(base, "POST", path, body, JSON).status

        # Three waves of sign-ups; between them every connection of the app is terminated
        # while it waits in its pool, as a database restart, a firewall or a network
        # hiccup does. Each worker's next request meets a dead connection.
        statuses = []
        with server.connect() as connection, ThreadPoolExecutor(6) as pool:
            for wave in range(3):
                terminated.extend(
                    connection.exec_driver_sql(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = %(name)s AND pid <> pg_backend_pid()",
                        {"name": database},
                    ).scalars()
                )
                statuses += pool.map(sign_up, range(4 + 40 * wave, 44 + 40 * wave))
    server.dispose()
    print(f"terminated {len(terminated)} connections; answers {Counter(statuses)}")
    assert len(terminated) >= 6, "the test terminated too few connections"
    assert [s for s in statuses if s != 201] == []
    with pg_app.app_context():
        db.engine.dispose()  # the terminations took this process's pooled connections too
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 124


def test_a_use_case_whose_connection_is_terminated_runs_again(pg_app):
    from symposium.database import use_case

    server = sa.create_engine(str(pg_app.config["SQLALCHEMY_DATABASE_URI"]))
    attempts = []

    @use_case
    def write_after_losing_the_connection():
        attempts.append(1)
        pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        if len(attempts) == 1:
            with server.begin() as connection:
                connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        db.session.execute(sa.text("CREATE TEMPORARY TABLE IF NOT EXISTS t (x int)"))
        return pid

    write_after_losing_the_connection()

    server.dispose()
    assert len(attempts) == 2


# -- a front proxy: slow clients ------------------------------------------------------


@pytest.mark.slow
def test_behind_nginx_four_slow_clients_no_longer_stop_a_normal_request(tmp_path, sqlite_template):
    url = copy_database(sqlite_template, tmp_path / "db")
    env = app_env(url, TRUSTED_PROXIES="1")
    with (
        gunicorn(env, tmp_path / "gunicorn.log", workers=2, instance=tmp_path / "i") as direct,
        nginx(direct, tmp_path / "nginx") as proxied,
    ):
        answers = {}
        for name, base in (("direct", direct), ("nginx", proxied)):
            slow = [SlowClient(base, every=2.0) for _ in range(4)]
            threads = [threading.Thread(target=c.trickle, args=(20,)) for c in slow]
            for thread in threads:
                thread.start()
            time.sleep(1.0)  # the slow ones are in
            answers[name] = call(base, "GET", "/", timeout=8).status
            for client in slow:
                client.close()
            for thread in threads:
                thread.join()
        print(f"a normal request while four slow clients trickle headers: {answers}")
        # Straight at gunicorn the slow ones hold every worker and the page gets no answer;
        # through nginx it is answered.
        assert answers == {"direct": None, "nginx": 200}
        # nginx tells the app who the visitor is; the app trusts that one proxy.
        assert call(proxied, "GET", "/healthz").status == 200
