"""The JSON API: same rules as the form, answers in the documented shapes."""

import sqlalchemy as sa

from symposium.extensions import db
from symposium.registration.models import Registration


def body(edition, **overrides):
    first_round, second_round = edition.rounds
    data = {
        "first_name": "李",
        "last_name": "小龙",
        "email": "li@example.org",
        "organisation": "Wijkteam Zuid",
        "role": "researcher",
        "consent": True,
        "choices": {
            str(first_round.id): first_round.sessions[0].id,
            str(second_round.id): None,
        },
    }
    data.update(overrides)
    return data


def registrations() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Registration))


def test_editions_are_listed(client, make_edition):
    edition = make_edition()

    answer = client.get("/api/v1/editions").get_json()

    [listed] = answer["editions"]
    assert listed["slug"] == edition.slug
    assert listed["registration_open"] is True
    assert {"title", "starts_at", "ends_at", "venue"} <= listed.keys()


def test_an_edition_lists_its_rounds_with_seats(client, make_edition, sign_up):
    edition = make_edition(capacity=4)
    first_session = edition.rounds[0].sessions[0]
    sign_up(edition, 1, {first_session.round_id: first_session.id})

    answer = client.get(f"/api/v1/editions/{edition.slug}").get_json()

    assert answer["slug"] == edition.slug
    assert [p["title"] for p in answer["plenaries"]] == ["Opening"]
    first = answer["rounds"][0]["sessions"][0]
    assert first["id"] == first_session.id
    assert (first["capacity"], first["seats_left"], first["waitlist_length"]) == (4, 3, 0)
    assert {"id", "slug", "title", "room", "starts_at", "ends_at"} <= first.keys()


def test_signing_up_answers_with_the_choices_and_the_manage_link(client, make_edition):
    edition = make_edition()

    response = client.post(f"/api/v1/editions/{edition.slug}/registrations", json=body(edition))

    assert response.status_code == 201
    answer = response.get_json()
    assert answer["status"] == "confirmed"
    assert answer["choices"] == [
        {
            "round_id": edition.rounds[0].id,
            "session_id": edition.rounds[0].sessions[0].id,
            "state": "confirmed",
        }
    ]
    assert client.get(answer["manage_url"].removeprefix("http://localhost")).status_code == 200


def test_a_full_session_answers_waitlisted(client, make_edition, sign_up):
    edition = make_edition(capacity=1)
    full = edition.rounds[0].sessions[0]
    sign_up(edition, 1, {full.round_id: full.id})

    response = client.post(f"/api/v1/editions/{edition.slug}/registrations", json=body(edition))

    assert response.get_json()["choices"][0]["state"] == "waitlisted"


def test_a_duplicate_address_is_a_conflict(client, make_edition):
    edition = make_edition()
    url = f"/api/v1/editions/{edition.slug}/registrations"
    client.post(url, json=body(edition))

    response = client.post(url, json=body(edition, email=" LI@example.org"))

    assert response.status_code == 409
    assert registrations() == 1


def test_bad_fields_are_listed_per_field(client, make_edition):
    edition = make_edition()

    response = client.post(
        f"/api/v1/editions/{edition.slug}/registrations",
        json=body(edition, first_name="", email="nope", consent="yes", role="king"),
        headers={"Accept-Language": "en"},
    )

    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"first_name", "email", "consent", "role"}
    assert errors["first_name"] == ["Enter your first name."]
    assert registrations() == 0


def test_sessions_of_another_round_or_edition_are_refused(client, make_edition):
    edition = make_edition()
    other = make_edition()
    first_round, second_round = edition.rounds
    url = f"/api/v1/editions/{edition.slug}/registrations"

    wrong_round = client.post(
        url, json=body(edition, choices={str(first_round.id): second_round.sessions[0].id})
    )
    foreign = client.post(
        url, json=body(edition, choices={str(first_round.id): other.rounds[0].sessions[0].id})
    )
    unknown_round = client.post(url, json=body(edition, choices={"999999": 1}))

    assert wrong_round.status_code == foreign.status_code == unknown_round.status_code == 422
    assert f"choices.{first_round.id}" in wrong_round.get_json()["errors"]
    assert registrations() == 0


def test_a_body_that_is_not_json_is_a_bad_request(client, make_edition):
    edition = make_edition()
    url = f"/api/v1/editions/{edition.slug}/registrations"

    assert client.post(url, data="{not json", content_type="application/json").status_code == 400
    assert client.post(url, data={"first_name": "Form"}).status_code == 400
    assert client.post(url, json=["a", "list"]).status_code == 400
    assert registrations() == 0


def test_an_unknown_edition_is_not_found(client):
    assert client.get("/api/v1/editions/1999").status_code == 404
    assert client.get("/api/v1/editions/1999").is_json
