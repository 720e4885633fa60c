"""The day form's "next year" answers turned into signals by an organiser."""

import sqlalchemy as sa

from symposium.evaluations import forms, service
from symposium.evaluations.models import FormScope
from symposium.extensions import db
from symposium.signals.models import Signal, SignalKind, SignalSource, SignalStatus
from tests import test_evaluations
from tests.test_evaluations import fresh_edition, people, questions
from tests.test_organiser import csrf_for, text

org = test_evaluations.org
held_yesterday = test_evaluations.held_yesterday

WISH = "Meer over schulden bij jongeren"


def answer_next_year(edition, sign_up, wishes: list[str]) -> None:
    forms.ensure_forms(edition.id)
    asked = questions(edition.id, FormScope.day)
    for registration, wish in zip(people(edition, sign_up, len(wishes)), wishes, strict=True):
        service.answer(registration.id, "day", {asked["next_year"].field_name: wish})


def turn(client, edition, wish: str, kind: str = "research_question"):
    return client.post(
        f"/organiser/{edition.slug}/evaluations/day/signals",
        data={"csrf_token": csrf_for(client), "text": wish, "kind": kind},
    )


def signals_of(edition) -> list[Signal]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(Signal).where(Signal.edition_id == edition.id)))


def test_an_organiser_turns_a_next_year_answer_into_a_pending_signal_once(
    app, org, held_yesterday, sign_up
):
    edition = fresh_edition(held_yesterday.id)
    day_page = f"/organiser/{edition.slug}/evaluations/day"
    answer_next_year(edition, sign_up, [WISH, WISH, "Wonen en zorg"])
    assert "Maak er een signaal van" not in text(org.get(day_page))  # too few answers
    assert turn(org, edition, WISH).status_code == 302
    assert signals_of(edition) == []  # nothing hidden can become a signal

    answer_next_year(edition, sign_up, ["Wonen en zorg", "Armoede"])
    page = text(org.get(day_page))
    assert WISH in page and "Maak er een signaal van" in page

    done = turn(org, edition, WISH)
    shown = org.get(done.location)
    assert "Toegevoegd als signaal" in text(shown)
    assert f"/organiser/{edition.slug}/signals#signal-" in shown.get_data(as_text=True)
    (signal,) = signals_of(edition)
    assert (signal.text, signal.kind, signal.source, signal.status) == (
        WISH,
        SignalKind.research_question,
        SignalSource.evaluation,
        SignalStatus.pending,
    )
    assert WISH in text(org.get(f"/organiser/{edition.slug}/signals"))
    assert WISH not in text(org.get(f"/{edition.slug}/harvest"))

    again = org.get(turn(org, edition, WISH).location)
    assert "Dit antwoord is al een signaal." in text(again)
    assert len(signals_of(edition)) == 1

    stranger = app.test_client()
    refused = turn(stranger, edition, "Armoede")
    assert refused.status_code == 403 or "sign-in" in refused.location
    assert len(signals_of(edition)) == 1
