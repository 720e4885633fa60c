"""Sign-up and the manage page, through the HTML forms with CSRF protection on."""

import re
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa
from flask_wtf.csrf import generate_csrf

from symposium.extensions import db
from symposium.program.models import Session
from symposium.registration.models import Choice, ChoiceState, Registration, RegistrationStatus


@pytest.fixture
def client(sqlite_app):
    return sqlite_app.test_client()


def csrf_token(page: str) -> str:
    field = re.search(r'<input[^>]*name="csrf_token"[^>]*>', page).group(0)
    return re.search(r'value="([^"]+)"', field).group(1)


def text(response) -> str:
    """The page as a person reads it: tags stripped, whitespace collapsed."""
    without_tags = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", unescape(without_tags))


def form_for(client, edition, **overrides):
    page = client.get(f"/{edition.slug}/register").get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(page),
        "first_name": "Zoë",
        "last_name": "Çelik",
        "email": "zoe@example.org",
        "organisation": "Wijkteam Noord",
        "role": "social_worker",
        "consent": "y",
    }
    for round_ in edition.rounds:
        data[f"round-{round_.id}"] = "none"
    data.update(overrides)
    return data


def registration_count() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Registration))


def test_signing_up_shows_the_confirmation_with_the_personal_program(client, make_edition):
    edition = make_edition()
    first_round, second_round = edition.rounds
    one, two = first_round.sessions[0], second_round.sessions[1]

    response = client.post(
        f"/{edition.slug}/register",
        data=form_for(
            client,
            edition,
            **{f"round-{first_round.id}": one.id, f"round-{second_round.id}": two.id},
        ),
    )

    assert response.status_code == 302
    assert re.fullmatch(r"/r/[\w.-]+", response.location)
    page = text(client.get(response.location))
    assert "Je bent aangemeld" in page
    assert one.title in page and two.title in page
    assert "http://127.0.0.1:5000/r/" in page  # the manage link itself, at BASE_URL


def test_the_form_offers_full_sessions_as_waiting_lists(client, make_edition, sign_up):
    edition = make_edition(rounds=1, capacity=1)
    full = edition.rounds[0].sessions[0]
    sign_up(edition, 1, {full.round_id: full.id})

    page = client.get(f"/{edition.slug}/register").get_data(as_text=True)

    assert f'name="waitlist-{full.round_id}" value="{full.id}"' in page
    assert f'name="round-{full.round_id}" value="{full.id}"' not in page
    assert "vol" in text(client.get(f"/{edition.slug}/register"))


def test_a_person_can_wait_for_a_full_session_and_keep_another(client, make_edition, sign_up):
    edition = make_edition(rounds=1, capacity=1)
    full, other, _ = edition.rounds[0].sessions
    sign_up(edition, 1, {full.round_id: full.id})

    response = client.post(
        f"/{edition.slug}/register",
        data=form_for(
            client,
            edition,
            **{f"round-{full.round_id}": other.id, f"waitlist-{full.round_id}": full.id},
        ),
    )

    page = text(client.get(response.location))
    assert f"Je staat op nummer 1 van de wachtlijst voor {full.title}" in page
    assert other.title in page


def test_a_post_without_a_valid_csrf_token_is_refused(client, make_edition):
    edition = make_edition()
    data = form_for(client, edition, csrf_token="forged")

    response = client.post(f"/{edition.slug}/register", data=data)

    assert response.status_code == 400
    assert registration_count() == 0


def test_errors_sit_beside_their_fields_and_in_a_summary(client, make_edition):
    edition = make_edition()
    data = form_for(client, edition, first_name="", email="not-an-address", consent="")
    del data[f"round-{edition.rounds[0].id}"]

    response = client.post(f"/{edition.slug}/register", data=data)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Fout: " in page
    assert "Er is een probleem" in page
    for field in ("first_name", "email", "consent", f"round-{edition.rounds[0].id}"):
        assert f'href="#{field}"' in page
        assert f'id="{field}"' in page
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*id="first_name"', page)
    assert 'value="Çelik"' in page  # what was typed stays
    assert registration_count() == 0


def test_a_second_sign_up_with_the_same_address_reveals_nothing(client, make_edition, sign_up):
    edition = make_edition()
    sign_up(edition, 1, email="anna@example.org", first_name="Anna", organisation="Geheim BV")

    response = client.post(
        f"/{edition.slug}/register", data=form_for(client, edition, email=" ANNA@example.org ")
    )

    page = text(response)
    assert "Met dit e-mailadres is al een aanmelding gedaan" in page
    assert "Anna" not in page and "Geheim BV" not in page
    assert registration_count() == 1


def test_closed_registration_shows_why_and_accepts_nothing(client, make_edition):
    edition = make_edition(opens_in=timedelta(days=-20), closes_in=timedelta(days=-1))

    with client:
        response = client.get(f"/{edition.slug}/register")
        token = generate_csrf()
    assert "De aanmelding voor dit symposium is gesloten" in text(response)
    assert "<form" not in response.get_data(as_text=True)

    data = {"csrf_token": token, "first_name": "A", "last_name": "B", "email": "a@example.org"}
    data |= {"role": "student", "consent": "y", f"round-{edition.rounds[0].id}": "none"}
    data[f"round-{edition.rounds[1].id}"] = "none"
    refused = client.post(f"/{edition.slug}/register", data=data)
    assert "De aanmelding voor dit symposium is gesloten" in text(refused)
    assert registration_count() == 0


def test_a_full_venue_offers_its_waiting_list(client, make_edition, sign_up):
    edition = make_edition(venue_capacity=1)
    sign_up(edition, 1)

    page = text(client.get(f"/{edition.slug}/register"))
    assert "De locatie is vol" in page or "vol" in page

    response = client.post(f"/{edition.slug}/register", data=form_for(client, edition))
    assert "Je staat op de wachtlijst" in text(client.get(response.location))


def manage_link(client, edition, sign_up_data=None):
    response = client.post(
        f"/{edition.slug}/register", data=sign_up_data or form_for(client, edition)
    )
    return response.location


def test_changing_a_breakout_on_the_manage_page(client, make_edition):
    edition = make_edition(rounds=1)
    one, two, _ = edition.rounds[0].sessions
    link = manage_link(
        client, edition, form_for(client, edition, **{f"round-{one.round_id}": one.id})
    )
    page = client.get(link).get_data(as_text=True)

    response = client.post(
        f"{link}/rounds/{one.round_id}",
        data={"csrf_token": csrf_token(page), "session": two.id},
    )

    assert response.status_code == 302
    after = text(client.get(response.location))
    assert "Je wijziging is opgeslagen" in after
    db.session.rollback()
    assert [
        s.taken
        for s in db.session.scalars(
            sa.select(Session).where(Session.id.in_([one.id, two.id])).order_by(Session.id)
        )
    ] == [0, 1]


def test_cancelling_asks_first_and_then_frees_the_seat(client, make_edition):
    edition = make_edition(rounds=1)
    one = edition.rounds[0].sessions[0]
    link = manage_link(
        client, edition, form_for(client, edition, **{f"round-{one.round_id}": one.id})
    )

    confirm = client.get(f"{link}/cancel")
    assert "Weet je zeker" in text(confirm)
    assert registration_count() == 1
    response = client.post(
        f"{link}/cancel", data={"csrf_token": csrf_token(confirm.get_data(as_text=True))}
    )

    assert "geannuleerd" in text(client.get(response.location))
    db.session.rollback()
    assert db.session.scalar(sa.select(Registration.status)) == RegistrationStatus.cancelled
    assert db.session.get(Session, one.id).taken == 0
    assert db.session.scalar(sa.select(Choice.state)) == ChoiceState.declined


@pytest.mark.parametrize("token", ["nonsense", "WzEsImFiYyJd.forged"])
def test_an_unknown_or_tampered_manage_link_is_not_found(client, make_edition, token):
    make_edition()
    assert client.get(f"/r/{token}").status_code == 404
