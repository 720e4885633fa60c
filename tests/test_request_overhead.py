"""What every request and every process pays for: the program page's one read, pooled
connections tested only after they sat idle, the session cookie's signer, the garbage
collector at start-up. The behaviour stays what it was; these prove it."""

import gc
import re

import pytest
import sqlalchemy as sa

from symposium import create_app
from symposium.database import one_statement_read
from symposium.extensions import db
from symposium.program.models import Session
from symposium.program.service import Seats, _read_seats, page_state
from tests.conftest import TEST_SETTINGS


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_the_seats_text_of_the_page_state_reads_back_into_seats():
    assert _read_seats("3 10 4 0,7 - 12 0,9 5 5 2") == {
        3: Seats(10, 4, 0),
        7: Seats(None, 12, 0),
        9: Seats(5, 5, 2),
    }
    assert _read_seats(None) == {}


def test_a_request_without_a_transaction_reads_the_page_without_a_session(
    app, make_edition, sign_up
):
    edition = make_edition(rounds=1, sessions_per_round=2, capacity=3)
    unlimited = edition.rounds[0].sessions[1]
    unlimited.capacity = None
    workshop = edition.rounds[0].sessions[0]
    db.session.commit()
    sign_up(edition, 1, {workshop.round_id: workshop.id})
    slug, workshop_id, unlimited_id = edition.slug, workshop.id, unlimited.id
    db.session.remove()
    client = app.test_client()

    first = client.get(f"/{slug}/")  # rendered, through the session
    db.session.remove()
    again = client.get(f"/{slug}/")  # the kept page
    assert not db.session.registry.has()  # its state read on a connection of its own
    assert again.get_data() == first.get_data()
    with db.engine.begin() as connection:  # another process takes a seat meanwhile
        connection.execute(
            sa.update(Session).where(Session.id == workshop_id).values(taken=Session.taken + 1)
        )
    second = client.get(f"/{slug}/", headers={"If-None-Match": first.headers["ETag"]})

    assert first.status_code == second.status_code == 200
    assert "nog 2 plaatsen" in text(first)
    assert "nog 1 plaats" in text(second)
    state = page_state(slug)
    assert state is not None and state.seats[workshop_id] == Seats(3, 2, 0)
    assert state.seats[unlimited_id].capacity is None


def test_a_request_that_holds_a_transaction_reads_the_page_state_in_it(app, make_edition):
    edition = make_edition(rounds=1, sessions_per_round=1, capacity=3)
    workshop = edition.rounds[0].sessions[0]
    workshop.taken = 2  # written, not committed: this request's own change
    db.session.flush()

    state = page_state(edition.slug)

    assert state is not None and state.seats[workshop.id].taken == 2
    db.session.rollback()


def test_an_edition_without_sessions_has_a_page_state_without_seats(app, make_edition):
    edition = make_edition(rounds=0)
    slug = edition.slug
    db.session.execute(sa.delete(Session).where(Session.edition_id == edition.id))
    db.session.commit()
    db.session.remove()

    state = page_state(slug)

    assert state is not None and state.seats == {}
    assert page_state("no-such-edition") is None


def test_the_page_state_row_read_by_the_driver_is_the_row_sqlalchemy_reads(app, make_edition):
    from symposium.database import one_row
    from symposium.program.models import EditionStatus
    from symposium.program.service import _PAGE_STATE

    edition = make_edition(rounds=1, sessions_per_round=2, capacity=3)
    slug, starts_at = edition.slug, edition.starts_at
    db.session.commit()
    db.session.remove()

    row = one_row(_PAGE_STATE, {"slug": slug})
    with db.engine.connect() as connection:
        expected = connection.execute(_PAGE_STATE, {"slug": slug}).first()

    assert tuple(row) == tuple(expected)
    assert row._fields == tuple(expected._fields)
    assert row.status is EditionStatus.published
    assert row.starts_at.utcoffset() is not None and row.starts_at == starts_at
    assert one_row(_PAGE_STATE, {"slug": "no-such-edition"}) is None


# -- pooled connections: tested after sitting idle, not before every use ----------------


def _terminate_pooled_backends(app) -> int:
    """What a database restart does to the connections waiting in the pool."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    server = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        count = len(
            connection.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %(name)s AND pid <> pg_backend_pid()",
                {"name": sa.make_url(url).database},
            ).all()
        )
    server.dispose()
    return count


@pytest.fixture
def pg_url(postgres_url):
    from tests.conftest import _empty_postgres

    _empty_postgres(postgres_url)
    return postgres_url


def _pg_app(url: str, **settings):
    return create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": url, **settings})


def _read_one(app) -> int:
    with app.app_context(), one_statement_read() as connection:
        return connection.execute(sa.text("SELECT 1")).scalar_one()


def test_a_connection_that_sat_idle_is_tested_and_replaced_before_use(pg_url):
    app = _pg_app(pg_url, DATABASE_PING_AFTER_IDLE_SECONDS=0)
    assert _read_one(app) == 1
    assert _terminate_pooled_backends(app) >= 1

    assert _read_one(app) == 1  # the dead connection was found out before use
    with app.app_context():
        db.engine.dispose()


def test_a_connection_used_a_moment_ago_is_not_tested_and_a_broken_one_renews_the_pool(
    pg_url,
):
    app = _pg_app(pg_url, DATABASE_PING_AFTER_IDLE_SECONDS=3600)
    statements = []
    with app.app_context():
        sa.event.listen(
            db.engine, "before_cursor_execute", lambda c, cur, s, *a: statements.append(s)
        )
    assert _read_one(app) == 1
    assert statements == ["SELECT 1"]  # no SELECT 1 of a ping before it
    assert _terminate_pooled_backends(app) >= 1

    with pytest.raises(sa.exc.DBAPIError) as broken:
        _read_one(app)
    assert broken.value.connection_invalidated  # what requests and use cases run again on
    assert _read_one(app) == 1
    with app.app_context():
        db.engine.dispose()


def test_the_program_page_answers_after_its_pooled_connection_was_terminated(pg_url):
    app = _pg_app(pg_url, DATABASE_PING_AFTER_IDLE_SECONDS=3600)
    client = app.test_client()
    assert client.get("/no-such-edition/").status_code == 404  # a pooled connection
    assert _terminate_pooled_backends(app) >= 1

    assert client.get("/no-such-edition/").status_code == 404  # not 500: asked again
    with app.app_context():
        db.engine.dispose()


def test_a_driver_read_on_a_terminated_connection_is_reported_as_lost(pg_url):
    from symposium.database import lost_connection, one_row
    from symposium.program.service import _PAGE_STATE

    app = _pg_app(pg_url, DATABASE_PING_AFTER_IDLE_SECONDS=3600)
    with app.app_context():
        db.create_all()
        assert one_row(_PAGE_STATE, {"slug": "x"}) is None  # a connection now in the pool
    assert _terminate_pooled_backends(app) >= 1

    with app.app_context():
        with pytest.raises(sa.exc.DBAPIError) as broken:
            one_row(_PAGE_STATE, {"slug": "x"})
        assert lost_connection(broken.value)  # what requests run again on
        assert one_row(_PAGE_STATE, {"slug": "x"}) is None  # a new connection
        db.engine.dispose()


def test_sqlalchemy_s_own_pre_ping_still_works_when_asked_for(pg_url):
    app = _pg_app(pg_url, SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True, "pool_size": 2})
    assert _read_one(app) == 1
    assert _terminate_pooled_backends(app) >= 1
    assert _read_one(app) == 1
    with app.app_context():
        db.engine.dispose()


# -- the session cookie, the garbage collector ------------------------------------------


def test_a_new_secret_key_still_refuses_cookies_signed_with_the_old_one(sqlite_app):
    client = sqlite_app.test_client()
    client.get("/nope/?lang=en")  # the language goes into the session cookie
    assert "Page not found" in text(client.get("/nope/"))

    sqlite_app.secret_key = "another-secret-key"

    assert "Pagina niet gevonden" in text(client.get("/nope/"))


@pytest.mark.parametrize("enabled", [True, False])
def test_create_app_leaves_the_garbage_collector_as_it_found_it(sqlite_url, enabled):
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": sqlite_url})
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_a_one_statement_read_hands_its_connection_back_for_transactions(pg_url):
    app = _pg_app(pg_url, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0})
    assert _read_one(app) == 1
    with app.app_context():
        with db.engine.connect() as connection:  # the same pooled connection
            assert connection.connection.dbapi_connection.autocommit is False
            connection.execute(sa.text("SELECT 1"))
            assert connection.in_transaction()
        db.engine.dispose()


def test_the_program_page_answers_conditions_as_werkzeug_does(sqlite_app, make_edition):
    slug = make_edition().slug
    client = sqlite_app.test_client()

    plain = client.get(f"/{slug}/")
    etag = plain.headers["ETag"]

    assert plain.headers["Date"] and int(plain.headers["Content-Length"]) == len(plain.data)
    assert plain.headers["Cache-Control"] == "no-cache, private"
    assert client.get(f"/{slug}/", headers={"If-None-Match": etag}).status_code == 304
    assert client.get(f"/{slug}/", headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get(f"/{slug}/", headers={"If-Match": '"other"'}).status_code == 412
    assert client.get(f"/{slug}/", headers={"If-Match": etag}).status_code == 200
    since = plain.headers["Last-Modified"]
    assert client.get(f"/{slug}/", headers={"If-Modified-Since": since}).status_code == 304


def test_the_kept_sync_check_answers_as_flask_does(sqlite_app):
    def plain():
        return "plain"

    async def coroutine():
        return "coroutine"

    for _ in range(2):  # the second time from what was kept
        assert sqlite_app.ensure_sync(plain) is plain
        # Flask without its async extra refuses coroutine views, every time
        with pytest.raises(RuntimeError, match="async"):
            sqlite_app.ensure_sync(coroutine)
