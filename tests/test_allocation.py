"""Ranked preferences and the allocation after their deadline: sign-up, changes, demand,
preview, commit, the mails, first come afterwards, the organisers' pages and the command."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import sqlalchemy as sa
from flask_wtf.csrf import generate_csrf

from symposium.accounts import service as accounts
from symposium.allocation import service as allocation
from symposium.allocation.solver import Ranking, SessionSeats, allocate
from symposium.audit.models import AuditEntry
from symposium.audit.service import Actor
from symposium.extensions import db
from symposium.mail import delivery
from symposium.mail.models import OutboxMessage
from symposium.program.models import AllocationMode, Edition, Session
from symposium.registration import service
from symposium.registration.models import Choice, ChoiceState, Registration
from symposium.registration.service import RoundRequest
from tests.conftest import person

ORGANISER = Actor(None, "org@example.org")
PASSWORD = "lange-zin-met-koffie-42"


def text(response) -> str:
    """The page as a person reads it: tags stripped, whitespace collapsed."""
    without_tags = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", unescape(without_tags))


def csrf_for(client) -> str:
    with client:
        client.get("/sign-in")
        return generate_csrf()


def fresh(model, id_):
    db.session.rollback()
    return db.session.get(model, id_)


def choices(state: ChoiceState) -> list[Choice]:
    db.session.rollback()
    return list(
        db.session.scalars(sa.select(Choice).where(Choice.state == state).order_by(Choice.id))
    )


def outbox_count() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))


@pytest.fixture
def ranked_edition(make_edition):
    """An edition open for sign-up whose seats are shared out after a deadline in a week."""

    def make(**options) -> Edition:
        edition = make_edition(**options)
        deadline = (datetime.now(UTC) + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
        allocation.change_settings(
            edition.id, allocation.SettingsData("ranked", deadline), ORGANISER
        )
        return fresh(Edition, edition.id)

    return make


def rank(edition: Edition, number: int, wishes: dict[int, tuple[int, ...]], **fields):
    """Sign person `number` up with a ranking per round id."""
    wanted = person(number, **fields)
    wanted.choices = {round_id: RoundRequest(ranking=tuple(r)) for round_id, r in wishes.items()}
    return service.register(edition.id, wanted)


def close_preferences(edition: Edition) -> None:
    """The deadline passes."""
    db.session.execute(
        sa.update(Edition)
        .where(Edition.id == edition.id)
        .values(preferences_close_at=datetime.now(UTC) - timedelta(minutes=1))
    )
    db.session.commit()


# -- signing up with a ranking ---------------------------------------------------------


@pytest.fixture
def client(sqlite_app):
    return sqlite_app.test_client()


def sign_up_form(client, edition, **fields):
    with client:
        client.get(f"/{edition.slug}/register")
        token = generate_csrf()
    data = {
        "csrf_token": token,
        "first_name": "Zoë",
        "last_name": "Çelik",
        "email": "zoe@example.org",
        "organisation": "Wijkteam Noord",
        "role": "social_worker",
        "consent": "y",
    }
    data.update(fields)
    return data


def test_the_form_asks_for_a_first_second_and_third_choice_per_round(client, ranked_edition):
    edition = ranked_edition(rounds=2, sessions_per_round=3)
    small = ranked_edition(rounds=1, sessions_per_round=2)

    page = client.get(f"/{edition.slug}/register")
    two = client.get(f"/{small.slug}/register").get_data(as_text=True)

    html = page.get_data(as_text=True)
    for round_ in edition.rounds:
        for number in (1, 2, 3):
            assert f'name="rank-{round_.id}-{number}"' in html
        assert f'id="round-{round_.id}"' in html  # where the error summary's link lands
    assert "Eerste keus" in text(page) and "Tweede keus" in text(page)
    assert "Derde keus" in text(page)
    assert "uiterste datum voor voorkeuren" in text(page)
    assert f'name="rank-{small.rounds[0].id}-2"' in two
    assert f'name="rank-{small.rounds[0].id}-3"' not in two  # two sessions, two choices


def test_signing_up_stores_the_ranking_and_takes_only_the_venue_place(client, ranked_edition):
    edition = ranked_edition(rounds=2)
    first_round, second_round = edition.rounds
    a, b, _ = first_round.sessions
    d = second_round.sessions[0]

    response = client.post(
        f"/{edition.slug}/register",
        data=sign_up_form(
            client,
            edition,
            **{
                f"rank-{first_round.id}-1": b.id,
                f"rank-{first_round.id}-2": "none",
                f"rank-{first_round.id}-3": a.id,
                f"rank-{second_round.id}-1": d.id,
                f"rank-{second_round.id}-2": "none",
                f"rank-{second_round.id}-3": "none",
            },
        ),
    )

    assert response.status_code == 302
    ranked = choices(ChoiceState.ranked)
    assert [(c.session_id, c.rank) for c in ranked] == [(b.id, 1), (a.id, 2), (d.id, 1)]
    assert db.session.scalar(sa.select(sa.func.sum(Session.taken))) == 0
    assert fresh(Edition, edition.id).registered == 1
    page = text(client.get(response.location))
    assert f"Je voorkeur: {b.title}" in page
    assert "De plaatsen in de deelsessies worden verdeeld na de uiterste datum" in page


@pytest.mark.parametrize(
    ("picks", "message"),
    [
        (("{a}", "{a}", "none"), "Kies voor elke keus een andere sessie."),
        (("", "{a}", "none"), "Kies je eerste keus, of geen deelsessie, voor Round 1."),
        (("none", "{a}", "none"), "Kies eerst je eerste keus, dan pas een tweede of derde."),
        (("{other}", "none", "none"), "Kies een deelsessie uit deze ronde."),
    ],
)
def test_a_ranking_with_a_problem_is_shown_beside_the_round(client, ranked_edition, picks, message):
    edition = ranked_edition(rounds=1)
    other_edition = ranked_edition(rounds=1)
    round_ = edition.rounds[0]
    values = {"a": round_.sessions[0].id, "other": other_edition.rounds[0].sessions[0].id}
    fields = {
        f"rank-{round_.id}-{number}": pick.format(**values)
        for number, pick in enumerate(picks, start=1)
    }

    response = client.post(
        f"/{edition.slug}/register", data=sign_up_form(client, edition, **fields)
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Fout: " in html
    assert f'href="#round-{round_.id}"' in html and message in text(response)
    assert re.search(rf'<select[^>]*id="round-{round_.id}"[^>]*aria-invalid="true"', html)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0


def test_one_can_sign_up_for_no_breakout_session_in_a_round(client, ranked_edition):
    edition = ranked_edition(rounds=1)
    round_ = edition.rounds[0]

    response = client.post(
        f"/{edition.slug}/register",
        data=sign_up_form(client, edition, **{f"rank-{round_.id}-1": "none"}),
    )

    assert response.status_code == 302
    assert choices(ChoiceState.ranked) == []


@pytest.fixture
def api_client(app):
    return app.test_client()


def api_body(**fields):
    return {
        "first_name": "Fatima",
        "last_name": "el Amrani",
        "email": "fatima@example.org",
        "role": "social_worker",
        "consent": True,
        **fields,
    }


def test_the_api_takes_rankings_in_ranked_mode(api_client, ranked_edition):
    edition = ranked_edition(rounds=2)
    first_round = edition.rounds[0]
    a, b, c = first_round.sessions

    response = api_client.post(
        f"/api/v1/editions/{edition.slug}/registrations",
        json=api_body(rankings={str(first_round.id): [c.id, a.id, b.id]}),
    )

    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert answer["choices"] == []
    assert answer["rankings"] == [
        {"round_id": first_round.id, "session_id": c.id, "rank": 1},
        {"round_id": first_round.id, "session_id": a.id, "rank": 2},
        {"round_id": first_round.id, "session_id": b.id, "rank": 3},
    ]
    assert db.session.scalar(sa.select(sa.func.sum(Session.taken))) == 0


@pytest.mark.parametrize(
    ("ranked", "fields", "field"),
    [
        (True, lambda r, s: {"choices": {str(r.id): s[0].id}}, "choices.{round}"),
        (True, lambda r, s: {"rankings": {str(r.id): [s[0].id] * 2}}, "choices.{round}"),
        (True, lambda r, s: {"rankings": {str(r.id): [s[0].id, s[1].id, s[2].id, 99]}}, None),
        (True, lambda r, s: {"rankings": {str(r.id): [str(s[0].id)]}}, "choices.{round}"),
        (True, lambda r, s: {"rankings": [s[0].id]}, "rankings"),
        (False, lambda r, s: {"rankings": {str(r.id): [s[0].id]}}, "choices.{round}"),
    ],
)
def test_the_api_refuses_rankings_that_break_the_rules(
    api_client, make_edition, ranked_edition, ranked, fields, field
):
    edition = ranked_edition(rounds=1) if ranked else make_edition(rounds=1)
    round_ = edition.rounds[0]

    response = api_client.post(
        f"/api/v1/editions/{edition.slug}/registrations",
        json=api_body(**fields(round_, round_.sessions)),
    )

    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert (field or "choices.{round}").format(round=round_.id) in errors
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0


def test_the_confirmation_lists_the_ranking_and_says_when_seats_are_shared_out(
    app, ranked_edition, smtp_server
):
    edition = ranked_edition(rounds=1)
    a, b, _ = edition.rounds[0].sessions
    rank(edition, 1, {a.round_id: (b.id, a.id)})

    db.session.rollback()
    delivery.deliver_due(batch_size=500)

    [mail] = smtp_server.messages
    plain = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert f"je voorkeur: 1. {b.title}; 2. {a.title}" in plain
    assert "worden verdeeld na de uiterste datum voor voorkeuren" in plain
    assert re.search(r"om \d{1,2}\.\d{2} uur", plain)
    assert f"<li>{b.title}</li><li>{a.title}</li>" in html


# -- changing a ranking ----------------------------------------------------------------


def test_a_ranking_can_be_changed_on_the_manage_page_until_the_deadline(client, ranked_edition):
    edition = ranked_edition(rounds=1)
    round_ = edition.rounds[0]
    a, b, c = round_.sessions
    signed_up = client.post(
        f"/{edition.slug}/register",
        data=sign_up_form(client, edition, **{f"rank-{round_.id}-1": a.id}),
    )
    link = signed_up.location
    page = client.get(link).get_data(as_text=True)
    assert "Voorkeur opslaan" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    url = f"{link}/rounds/{round_.id}/ranking"
    new = {
        "csrf_token": token,
        f"rank-{round_.id}-1": c.id,
        f"rank-{round_.id}-2": b.id,
        f"rank-{round_.id}-3": "none",
    }

    changed = client.post(url, data=new)

    assert "Je voorkeur is opgeslagen" in text(client.get(changed.location))
    assert [(x.session_id, x.rank) for x in choices(ChoiceState.ranked)] == [(c.id, 1), (b.id, 2)]

    close_preferences(edition)
    refused = client.post(url, data={**new, f"rank-{round_.id}-2": "none"})

    after = text(client.get(refused.location))
    assert "De uiterste datum voor voorkeuren is voorbij" in after
    assert "Voorkeur opslaan" not in after
    assert [(x.session_id, x.rank) for x in choices(ChoiceState.ranked)] == [(c.id, 1), (b.id, 2)]


def test_the_service_refuses_a_ranking_after_the_deadline(app, ranked_edition):
    edition = ranked_edition(rounds=1)
    a, b, _ = edition.rounds[0].sessions
    registration = rank(edition, 1, {a.round_id: (a.id,)})
    later = fresh(Edition, edition.id).preferences_close_at + timedelta(seconds=1)

    with pytest.raises(allocation.PreferencesClosed):
        allocation.change_ranking(registration.id, a.round_id, (b.id,), now=later)
    allocation.change_ranking(registration.id, a.round_id, (b.id, a.id))

    assert [(x.session_id, x.rank) for x in choices(ChoiceState.ranked)] == [(b.id, 1), (a.id, 2)]


def test_in_ranked_mode_nobody_takes_a_seat_directly(app, ranked_edition):
    edition = ranked_edition(rounds=1)
    a = edition.rounds[0].sessions[0]
    registration = rank(edition, 1, {a.round_id: (a.id,)})

    with pytest.raises(service.NotAllowed):
        service.change_choice(registration.id, a.round_id, a.id)
    assert choices(ChoiceState.confirmed) == []


def test_cancelling_drops_the_ranking(app, ranked_edition):
    edition = ranked_edition(rounds=1)
    a = edition.rounds[0].sessions[0]
    registration = rank(edition, 1, {a.round_id: (a.id,)})

    service.cancel(registration.id)

    assert choices(ChoiceState.ranked) == []
    assert allocation.ranking_counts(fresh(Edition, edition.id)) == (0, 0)


# -- demand ----------------------------------------------------------------------------


def test_demand_counts_each_rank_and_warns_past_twice_the_capacity(app, ranked_edition):
    edition = ranked_edition(rounds=1, capacities=[2, 10, 10])
    popular, second, third = edition.rounds[0].sessions
    round_id = popular.round_id
    for number in range(5):
        rank(edition, number, {round_id: (popular.id, second.id, third.id)})
    rank(edition, 9, {round_id: (second.id, third.id)})

    [round_demand] = allocation.demand(fresh(Edition, edition.id))

    by_session = {item.session.id: item for item in round_demand.sessions}
    assert round_demand.people == 6
    assert dict(by_session[popular.id].by_rank) == {1: 5}
    assert dict(by_session[second.id].by_rank) == {2: 5, 1: 1}
    assert dict(by_session[third.id].by_rank) == {3: 5, 2: 1}
    assert by_session[popular.id].overloaded  # 5 first choices > 2 x 2 seats
    assert not by_session[second.id].overloaded


# -- preview and commit ----------------------------------------------------------------


def many_rankings(edition, people: int, seed: int = 3) -> dict[int, dict[int, tuple]]:
    """Everybody ranks three sessions per round, the first session of each round most."""
    import random

    chance = random.Random(seed)
    wishes = {}
    for number in range(people):
        wishes[number] = {}
        for round_ in edition.rounds:
            ids = [s.id for s in round_.sessions]
            weights = [6, 2, 1, 1][: len(ids)]
            picked = []
            while len(picked) < 3:
                pick = chance.choices(ids, weights)[0]
                if pick not in picked:
                    picked.append(pick)
            wishes[number][round_.id] = tuple(picked)
        rank(edition, number, wishes[number])
    return wishes


def test_a_preview_shows_the_outcome_and_saves_nothing(app, ranked_edition):
    edition = ranked_edition(rounds=2, capacities=[3, 4, 5])
    many_rankings(edition, 10)
    mails = outbox_count()

    outcome = allocation.preview(edition.id)

    assert outcome.rankings == 20 and outcome.people == 10
    assert sum(outcome.by_rank.values()) == 20
    assert sum(item.given for item in outcome.fill) == 20 - outcome.none
    assert choices(ChoiceState.confirmed) == []
    assert len(choices(ChoiceState.ranked)) == 60
    assert db.session.scalar(sa.select(sa.func.sum(Session.taken))) == 0
    assert fresh(Edition, edition.id).allocation_mode == AllocationMode.ranked
    assert outbox_count() == mails


def test_committing_before_the_deadline_is_refused(app, ranked_edition):
    edition = ranked_edition(rounds=1)
    many_rankings(edition, 3)

    with pytest.raises(allocation.AllocationError):
        allocation.commit(edition.id, ORGANISER)

    assert choices(ChoiceState.confirmed) == []


def test_the_commit_gives_the_solvers_seats_within_capacity(app, ranked_edition):
    edition = ranked_edition(rounds=2, capacities=[4, 3, 3, 10])
    wishes = many_rankings(edition, 14)
    close_preferences(edition)
    registrations = {r.email: r.id for r in db.session.scalars(sa.select(Registration))}
    ids = {number: registrations[f"person{number}@example.org"] for number in wishes}
    edition = fresh(Edition, edition.id)
    expected = allocate(
        [
            Ranking(ids[number], round_id, sessions)
            for number in sorted(wishes)
            for round_id, sessions in sorted(wishes[number].items())
        ],
        [SessionSeats(s.id, s.round_id, s.capacity) for r in edition.rounds for s in r.sessions],
        seed=edition.allocation_seed,
    )
    preview = allocation.preview(edition.id)

    outcome = allocation.commit(edition.id, ORGANISER)

    confirmed = choices(ChoiceState.confirmed)
    assert {(c.registration_id, c.round_id): c.session_id for c in confirmed} == (
        expected.assignment
    )
    assert outcome.by_rank == expected.by_rank == preview.by_rank
    for round_ in fresh(Edition, edition.id).rounds:
        for session in round_.sessions:
            given = sum(1 for c in confirmed if c.session_id == session.id)
            assert session.taken == given <= session.capacity
    assert {c.rank for c in confirmed} <= {1, 2, 3}
    assert choices(ChoiceState.ranked) == []
    assert fresh(Edition, edition.id).allocation_mode == AllocationMode.first_come
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "allocation.commit"))
    assert entry.after["first"] == expected.by_rank[1]


def test_everyone_who_ranked_gets_one_mail_with_their_seats(app, ranked_edition, smtp_server):
    edition = ranked_edition(rounds=1, capacities=[1, 5, 5])
    popular, other, _ = edition.rounds[0].sessions
    round_id = popular.round_id
    rank(edition, 1, {round_id: (popular.id, other.id)}, first_name="Anna")
    rank(edition, 2, {round_id: (popular.id, other.id)}, first_name="Bram")
    close_preferences(edition)
    db.session.rollback()
    delivery.deliver_due(batch_size=500)  # the sign-up confirmations
    before = len(smtp_server.messages)

    allocation.commit(edition.id, ORGANISER)
    db.session.rollback()
    delivery.deliver_due(batch_size=500)

    mails = smtp_server.messages[before:]
    assert sorted(m["To"] for m in mails) == ["person1@example.org", "person2@example.org"]
    for mail in mails:
        assert mail["Subject"] == f"Je plaatsen voor {edition.title}"
        body = mail.get_body(preferencelist=("plain",)).get_content()
        assert "zijn verdeeld" in body
        assert popular.title in body or other.title in body
        assert any(part.get_filename() == "programma.ics" for part in mail.iter_attachments())
    assert sorted(popular.title in m.get_body(("plain",)).get_content() for m in mails) == [
        False,
        True,
    ]


def test_after_the_allocation_the_seats_left_go_first_come(app, ranked_edition, sign_up):
    edition = ranked_edition(rounds=1, capacities=[1, 2, 5])
    full, half, _ = edition.rounds[0].sessions
    round_id = full.round_id
    first = rank(edition, 1, {round_id: (full.id,)})
    rank(edition, 2, {round_id: (half.id,)})
    close_preferences(edition)
    allocation.commit(edition.id, ORGANISER)

    late = sign_up(edition, 3, {round_id: full.id})
    seated = sign_up(edition, 4, {round_id: half.id})

    def state(registration_id: int, session_id: int) -> ChoiceState:
        db.session.rollback()
        return db.session.scalars(
            sa.select(Choice.state)
            .where(Choice.registration_id == registration_id, Choice.session_id == session_id)
            .order_by(Choice.id.desc())
        ).first()

    assert state(late.id, full.id) == ChoiceState.waitlisted
    assert state(seated.id, half.id) == ChoiceState.confirmed
    assert fresh(Session, half.id).taken == 2
    service.cancel(first.id)
    assert state(late.id, full.id) == ChoiceState.confirmed  # the waiting list moved up
    assert fresh(Session, full.id).taken == 1


def test_seats_held_before_ranked_mode_stay_and_only_the_rest_is_shared(app, make_edition, sign_up):
    edition = make_edition(rounds=1, capacities=[2, 2, 2])
    a, b, _ = edition.rounds[0].sessions
    holder = sign_up(edition, 1, {a.round_id: a.id})
    deadline = (datetime.now(UTC) + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    allocation.change_settings(edition.id, allocation.SettingsData("ranked", deadline), ORGANISER)
    for number in (2, 3, 4):
        rank(edition, number, {a.round_id: (a.id, b.id)})
    with pytest.raises(allocation.AllocationError):
        allocation.change_ranking(holder.id, a.round_id, (b.id,))

    close_preferences(edition)
    outcome = allocation.commit(edition.id, ORGANISER)

    assert outcome.by_rank == {1: 1, 2: 2}
    assert fresh(Session, a.id).taken == 2 and fresh(Session, b.id).taken == 2
    assert [c.session_id for c in fresh(Registration, holder.id).choices] == [a.id]


def test_going_back_to_first_come_drops_the_rankings(app, ranked_edition):
    edition = ranked_edition(rounds=1)
    a = edition.rounds[0].sessions[0]
    rank(edition, 1, {a.round_id: (a.id,)})

    allocation.change_settings(edition.id, allocation.SettingsData("first_come", ""), ORGANISER)

    assert choices(ChoiceState.ranked) == []
    assert fresh(Edition, edition.id).preferences_close_at is None


@pytest.mark.parametrize(
    ("mode", "deadline", "field", "message"),
    [
        ("ranked", "", "preferences_close", "Vul de uiterste datum"),
        ("ranked", "morgen", "preferences_close", "Vul een datum en tijd in"),
        ("ranked", "2999-01-01T09:00", "preferences_close", "voordat het symposium begint"),
        ("lottery", "", "allocation_mode", "Kies hoe de plaatsen worden verdeeld"),
    ],
)
def test_settings_with_a_problem_change_nothing(
    sqlite_app, make_edition, mode, deadline, field, message
):
    edition = make_edition()

    with pytest.raises(allocation.InvalidSettings) as refused:
        allocation.change_settings(edition.id, allocation.SettingsData(mode, deadline), ORGANISER)

    assert message in str(refused.value.errors[field][0])
    assert fresh(Edition, edition.id).allocation_mode == AllocationMode.first_come


# -- the organisers' pages and the command ----------------------------------------------


@pytest.fixture
def organiser_client(sqlite_app):
    accounts.create_organiser("org@example.org", "Olga Organiser", PASSWORD)
    client = sqlite_app.test_client()
    client.post(
        "/sign-in",
        data={"csrf_token": csrf_for(client), "email": "org@example.org", "password": PASSWORD},
    )
    return client


def test_organisers_switch_to_ranked_preview_and_commit_in_the_browser(
    organiser_client, make_edition, smtp_server
):
    edition = make_edition(rounds=1, capacities=[1, 3, 3])
    popular, other, _ = edition.rounds[0].sessions
    url = f"/organiser/{edition.slug}/allocation"
    assert "Verdeling van de plaatsen" in text(
        organiser_client.get(f"/organiser/{edition.slug}/program")
    )
    deadline = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")

    empty = organiser_client.post(
        url, data={"csrf_token": csrf_for(organiser_client), "allocation_mode": "ranked"}
    )
    assert "Vul de uiterste datum" in text(empty) and 'href="#preferences_close"' in unescape(
        empty.get_data(as_text=True)
    )
    switched = organiser_client.post(
        url,
        data={
            "csrf_token": csrf_for(organiser_client),
            "allocation_mode": "ranked",
            "preferences_close": deadline,
        },
    )
    assert switched.status_code == 302
    for number in range(3):
        rank(edition, number, {popular.round_id: (popular.id, other.id)})

    demand = text(organiser_client.get(f"{url}/demand"))
    assert "Waarschuwing: de eerste keuzes zijn meer dan twee keer de capaciteit." in demand
    preview = text(organiser_client.get(f"{url}/preview"))
    assert "zo veel mogelijk mensen een van de sessies uit hun voorkeur" in preview
    assert "hun eerste keus 1 33 %" in preview and "hun tweede keus 2 67 %" in preview
    not_yet = text(organiser_client.get(f"{url}/commit"))
    assert "Je kunt de plaatsen verdelen na de uiterste datum" in not_yet

    close_preferences(edition)
    confirm = organiser_client.get(f"{url}/commit")
    assert "Ja, verdeel de plaatsen" in text(confirm)
    assert choices(ChoiceState.confirmed) == []
    done = organiser_client.post(f"{url}/commit", data={"csrf_token": csrf_for(organiser_client)})

    assert "De plaatsen zijn verdeeld" in text(done)
    assert "3 personen krijgen een e-mail met hun plaatsen." in text(done)
    assert len(choices(ChoiceState.confirmed)) == 3
    assert fresh(Edition, edition.id).allocation_mode == AllocationMode.first_come
    again = organiser_client.post(f"{url}/commit", data={"csrf_token": csrf_for(organiser_client)})
    assert again.status_code == 302 and len(choices(ChoiceState.confirmed)) == 3


def test_the_command_previews_and_with_commit_assigns(sqlite_app, ranked_edition):
    edition = ranked_edition(rounds=1, capacities=[1, 3, 3])
    popular, other, _ = edition.rounds[0].sessions
    for number in range(3):
        rank(edition, number, {popular.round_id: (popular.id, other.id)})
    runner = sqlite_app.test_cli_runner()

    early = runner.invoke(args=["allocate", edition.slug, "--commit"])
    assert early.exit_code != 0
    preview = runner.invoke(args=["allocate", edition.slug])
    close_preferences(edition)
    committed = runner.invoke(args=["allocate", edition.slug, "--commit"])
    missing = runner.invoke(args=["allocate", "nope"])

    assert preview.exit_code == 0, preview.output
    assert "3 people, 3 rankings" in preview.output
    assert re.search(r"first choice\s+1\s+33\.3%", preview.output)
    assert re.search(r"second choice\s+2\s+66\.7%", preview.output)
    assert "nothing was saved" in preview.output
    assert committed.exit_code == 0, committed.output
    assert "3 mails queued" in committed.output
    assert len(choices(ChoiceState.confirmed)) == 3
    assert missing.exit_code != 0 and "No edition" in missing.output
