"""An edition's own questions: organisers set them up, people answer them when signing up."""

import csv
import io
import re
from html import unescape

import pytest
import sqlalchemy as sa

from symposium.audit.service import Actor
from symposium.extensions import db
from symposium.registration import questions, service
from symposium.registration.models import Registration
from tests.conftest import person
from tests.test_organiser import csrf_for, organiser, organiser_client  # noqa: F401
from tests.test_sign_up_pages import form_for

ORGANISER = Actor(id=None, email="org@example.org")


def text(response) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


@pytest.fixture
def edition_with_questions(app_under_test, make_edition):
    edition = make_edition(rounds=1)
    day = questions.add(
        edition.id,
        questions.QuestionDraft(
            label="Welke lunch wil je?",
            kind="one_choice",
            required=True,
            options_text="Vegetarisch\nVegan\nGeen voorkeur",
        ),
        ORGANISER,
    )
    topics = questions.add(
        edition.id,
        questions.QuestionDraft(
            label="Welke thema's?", kind="several_choices", options_text="Wonen\nWerk\nZorg"
        ),
        ORGANISER,
    )
    photo = questions.add(
        edition.id,
        questions.QuestionDraft(label="Mogen we je fotograferen?", kind="yes_no", required=True),
        ORGANISER,
    )
    remark = questions.add(
        edition.id, questions.QuestionDraft(label="Opmerking", kind="text"), ORGANISER
    )
    return edition, day, topics, photo, remark


def test_answers_are_kept_with_the_registration(app, edition_with_questions):
    edition, lunch, topics, photo, remark = edition_with_questions

    registration = service.register(
        edition.id,
        person(
            1,
            answers={
                lunch.id: "Vegan",
                topics.id: ["Wonen", "Zorg"],
                photo.id: False,
                remark.id: "  Graag een stoel vooraan  ",
            },
        ),
    )

    db.session.rollback()
    stored = db.session.get(Registration, registration.id).answers
    assert stored == {
        str(lunch.id): "Vegan",
        str(topics.id): ["Wonen", "Zorg"],
        str(photo.id): False,
        str(remark.id): "Graag een stoel vooraan",
    }


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({}, "Answer this question."),
        ({"lunch": "Pizza"}, "Choose one of the options."),
        ({"topics": ["Wonen", "Sport"]}, "Choose one of the options."),
        ({"photo": "ja"}, "Choose one of the options."),
        ({"remark": "x" * 1001}, "Use at most 1000 characters."),
        ({"remark": 5}, "Enter text."),
    ],
)
def test_bad_answers_get_a_message_and_change_nothing(
    sqlite_app, edition_with_questions, answer, message
):
    edition, lunch, topics, photo, remark = edition_with_questions
    ids = {"lunch": lunch.id, "topics": topics.id, "photo": photo.id, "remark": remark.id}
    answers = {str(lunch.id): "Vegan", str(photo.id): True}
    answers |= {str(ids[key]): value for key, value in answer.items()}
    if not answer:
        answers.pop(str(lunch.id))

    response = sqlite_app.test_client().post(
        f"/api/v1/editions/{edition.slug}/registrations",
        json={
            "first_name": "A",
            "last_name": "B",
            "email": "a@example.org",
            "role": "student",
            "consent": True,
            "answers": answers,
        },
        headers={"Accept-Language": "en"},
    )

    assert response.status_code == 422
    assert message in str(response.get_json()["errors"])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0


def test_the_sign_up_form_asks_the_questions_in_order(sqlite_app, edition_with_questions):
    edition, lunch, topics, photo, remark = edition_with_questions
    client = sqlite_app.test_client()
    questions.move(remark.id, -1)

    page = text(client.get(f"/{edition.slug}/register"))
    assert page.index("Welke lunch wil je?") < page.index("Welke thema's?")
    assert page.index("Opmerking") < page.index("Mogen we je fotograferen?")

    missing = client.post(f"/{edition.slug}/register", data=form_for(client, edition))
    assert "Beantwoord deze vraag" in text(missing)

    data = form_for(client, edition) | {
        lunch.field_name: "Vegetarisch",
        photo.field_name: "yes",
    }
    data[topics.field_name] = ["Werk", "Zorg"]
    response = client.post(f"/{edition.slug}/register", data=data)
    assert response.status_code == 302
    registration = db.session.scalar(sa.select(Registration))
    assert registration.answers[str(topics.id)] == ["Werk", "Zorg"]
    assert registration.answers[str(photo.id)] is True


def test_organisers_add_change_and_remove_questions(sqlite_app, make_edition, organiser_client):  # noqa: F811
    edition = make_edition()
    url = f"/organiser/{edition.slug}/questions"

    refused = organiser_client.post(
        url,
        data={
            "csrf_token": csrf_for(organiser_client),
            "label": "Dag?",
            "kind": "one_choice",
            "options_text": "Alleen maandag",
        },
    )
    assert "Geef minstens twee opties" in text(refused)
    assert 'value="Dag?"' in refused.get_data(as_text=True)

    organiser_client.post(
        url,
        data={
            "csrf_token": csrf_for(organiser_client),
            "label": "Dag?",
            "kind": "one_choice",
            "options_text": "Maandag\nDinsdag",
            "required": "y",
        },
    )
    listing = text(organiser_client.get(url))
    assert "Dag?" in listing and "Maandag, Dinsdag" in listing
    question = service.edition_questions(edition.id)[0]

    confirm = organiser_client.get(f"{url}/{question.id}/remove")
    assert "Dag?" in text(confirm)
    organiser_client.post(
        f"{url}/{question.id}/remove", data={"csrf_token": csrf_for(organiser_client)}
    )
    assert service.edition_questions(edition.id) == []
    assert "question.remove" in text(organiser_client.get("/organiser/audit"))


def test_answers_are_columns_in_the_export(sqlite_app, edition_with_questions, organiser_client):  # noqa: F811
    edition, lunch, topics, photo, _remark = edition_with_questions
    service.register(
        edition.id,
        person(1, answers={lunch.id: "Vegan", topics.id: ["Wonen", "Zorg"], photo.id: False}),
    )

    response = organiser_client.get(f"/organiser/{edition.slug}/registrations.csv")

    header, row = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    answers = dict(zip(header, row, strict=True))
    assert answers["Welke lunch wil je?"] == "Vegan"
    assert answers["Welke thema's?"] == "Wonen, Zorg"
    assert answers["Mogen we je fotograferen?"] == "Nee"
    assert answers["Opmerking"] == ""
