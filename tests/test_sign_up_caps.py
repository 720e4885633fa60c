"""One network address cannot take a workshop's seats or fill an edition."""

from symposium.extensions import limiter
from tests.test_api import body
from tests.test_sign_up_pages import form_for, text


def post(client, edition, number, session):
    first_round = edition.rounds[0]
    data = body(edition, email=f"script{number}@example.org")
    data["choices"] = {str(first_round.id): session.id, str(edition.rounds[1].id): None}
    return client.post(f"/api/v1/editions/{edition.slug}/registrations", json=data)


def test_sign_ups_from_one_address_are_capped_per_session_and_per_edition(sqlite_app, make_edition):
    sqlite_app.config.update(
        SIGN_UP_CAP_PER_SESSION="3 per hour", SIGN_UP_CAP_PER_EDITION="5 per hour"
    )
    limiter.reset()
    edition = make_edition(capacity=25)
    one, two, three = edition.rounds[0].sessions
    client = sqlite_app.test_client()

    same_session = [post(client, edition, n, one).status_code for n in range(4)]
    other_sessions = [
        post(client, edition, n, s).status_code for n, s in ((4, two), (5, two), (6, three))
    ]
    from_elsewhere = client.post(
        f"/api/v1/editions/{edition.slug}/registrations",
        json=body(edition, email="colleague@example.org"),
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )

    assert same_session == [201, 201, 201, 429]
    assert other_sessions == [201, 201, 429]  # the edition's five are used up
    assert from_elsewhere.status_code == 201


def test_the_form_says_why_a_capped_sign_up_is_refused(sqlite_app, make_edition):
    sqlite_app.config["SIGN_UP_CAP_PER_EDITION"] = "1 per hour"
    limiter.reset()
    edition = make_edition()
    client = sqlite_app.test_client()
    first = client.post(f"/{edition.slug}/register", data=form_for(client, edition))

    second = client.post(
        f"/{edition.slug}/register", data=form_for(client, edition, email="two@example.org")
    )

    assert first.status_code == 302
    assert second.status_code == 429
    assert "te veel aanmeldingen vanaf je netwerk" in text(second)
