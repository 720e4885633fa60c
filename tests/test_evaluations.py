"""Evaluations: who is asked what and when, anonymous answers, results, mail and files."""

import csv
import io
import itertools
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from symposium.accounts.models import User
from symposium.audit.service import Actor
from symposium.evaluations import forms, notifications, service
from symposium.evaluations.models import (
    EvaluationQuestion,
    EvaluationResponse,
    FormScope,
)
from symposium.extensions import db
from symposium.mail import delivery
from symposium.program.models import Edition, Person
from symposium.registration.models import Registration
from symposium.registration.personal import manage_token
from symposium.speakers import service as speakers
from tests.test_organiser import PASSWORD, csrf_for, sign_in, text

ACTOR = Actor(None, "test@example.org")


@pytest.fixture
def org(app_under_test):
    from symposium.accounts import service as accounts

    accounts.create_organiser("org@example.org", "Olga Organiser", PASSWORD)
    client = app_under_test.test_client()
    assert sign_in(client).status_code == 302
    return client


@pytest.fixture
def held_yesterday(app_under_test, make_edition):
    """An edition held yesterday: its forms are open."""
    now = datetime.now(UTC)
    return make_edition(starts=(now - timedelta(days=1)).replace(microsecond=0))


def fresh_edition(edition_id: int) -> Edition:
    db.session.rollback()
    return db.session.get(Edition, edition_id)


NUMBERS = itertools.count(1000)


def people(edition: Edition, sign_up, count: int, checked_in: bool = True, session=None):
    """`count` people holding a seat in `session` (default: the first workshop), checked in."""
    edition = fresh_edition(edition.id)
    session = session or edition.rounds[0].sessions[0]
    made = []
    for _ in range(count):
        registration = sign_up(edition, next(NUMBERS), {session.round_id: session.id})
        made.append(registration.id)
    if checked_in:
        db.session.execute(
            sa.update(Registration)
            .where(Registration.id.in_(made))
            .values(checked_in_at=datetime.now(UTC))
        )
        db.session.commit()
    return [db.session.get(Registration, each) for each in made]


def form_url(registration: Registration, form: str) -> str:
    return f"/r/{manage_token(registration)}/evaluation/{form}"


def post(client, url: str, **fields):
    return client.post(url, data={"csrf_token": csrf_for(client), **fields})


def questions(edition_id: int, scope: FormScope) -> dict[str, EvaluationQuestion]:
    db.session.rollback()
    return {q.key or q.label: q for q in service.form_of(edition_id, scope).questions}


def answer_all(client, registration, session_slug: str, scores: dict[str, int], **texts):
    forms.ensure_forms(registration.edition_id)
    asked = questions(registration.edition_id, FormScope.session)
    fields = {asked[key].field_name: str(value) for key, value in scores.items()}
    fields |= {asked[key].field_name: value for key, value in texts.items()}
    return post(client, form_url(registration, session_slug), **fields)


# -- answering -------------------------------------------------------------------------


def test_a_checked_in_attendee_answers_a_session_and_the_day_and_changes_an_answer(
    app, client, held_yesterday, sign_up
):
    (anna,) = people(held_yesterday, sign_up, 1)
    session = fresh_edition(held_yesterday.id).rounds[0].sessions[0]

    personal = text(client.get(f"/r/{manage_token(anna)}"))
    assert "Wat vond je ervan?" in personal
    assert f"Geef je mening over {session.title}" in personal
    assert "Geef je mening over De dag als geheel" in personal

    page = client.get(form_url(anna, session.slug))
    assert page.status_code == 200 and "Relevantie voor mijn werk" in text(page)
    saved = answer_all(client, anna, session.slug, {"relevance": 4, "content": 5}, takeaway="Veel")
    assert saved.status_code == 302
    assert "Dank je wel: je antwoorden zijn bewaard." in text(client.get(saved.location))

    changed = answer_all(client, anna, session.slug, {"relevance": 2})
    assert "Je antwoorden zijn gewijzigd." in text(client.get(changed.location))
    day = questions(anna.edition_id, FormScope.day)
    with app.test_request_context():
        assert not service.filled_in(anna)  # what an accrediting register may ask
    saved_day = post(client, form_url(anna, "day"), **{day["recommend"].field_name: "9"})
    assert saved_day.status_code == 302
    db.session.rollback()
    with app.test_request_context():
        assert service.filled_in(db.session.get(Registration, anna.id))

    db.session.rollback()
    stored = db.session.scalars(sa.select(EvaluationResponse)).all()
    assert len(stored) == 2  # one per form: the change replaced the first answer
    by_session = {response.session_id: response for response in stored}
    asked = questions(anna.edition_id, FormScope.session)
    assert by_session[session.id].answers == {str(asked["relevance"].id): 2}
    # Nothing in the answer points at the person: only a one-way key.
    columns = set(EvaluationResponse.__table__.columns.keys())
    assert columns == {"token", "form_id", "session_id", "answers"}
    assert re.fullmatch("[0-9a-f]{64}", by_session[session.id].token)
    again = client.get(form_url(anna, session.slug)).get_data(as_text=True)
    assert re.search(r'value="2"\s+checked', again)  # the earlier answer is shown


def test_only_people_who_were_there_are_asked_and_a_form_opens_when_its_session_starts(
    app, client, make_edition, held_yesterday, sign_up
):
    (absent,) = people(held_yesterday, sign_up, 1, checked_in=False)
    edition = fresh_edition(held_yesterday.id)
    other = edition.rounds[0].sessions[1]
    (present,) = people(held_yesterday, sign_up, 1)

    assert "Wat vond je ervan?" not in text(client.get(f"/r/{manage_token(absent)}"))
    assert client.get(form_url(absent, "day")).status_code == 403
    assert client.get(form_url(present, other.slug)).status_code == 403  # not their session

    soon = make_edition(starts=datetime.now(UTC) - timedelta(minutes=30))
    (early,) = people(soon, sign_up, 1)
    opening = fresh_edition(soon.id).sessions[0]
    assert client.get(form_url(early, opening.slug)).status_code == 200  # the plenary started
    refused = client.get(form_url(early, "day"))
    assert refused.status_code == 200
    assert "Dit formulier gaat open als de sessie begint." in text(refused)


def test_bad_answers_are_refused_next_to_the_field_and_nothing_is_stored(
    sqlite_app, held_yesterday, sign_up
):
    client = sqlite_app.test_client()
    (anna,) = people(held_yesterday, sign_up, 1)
    session = fresh_edition(held_yesterday.id).rounds[0].sessions[0]

    refused = answer_all(client, anna, session.slug, {"relevance": 9}, takeaway="x" * 2001)

    assert refused.status_code == 200
    page = text(refused)
    assert page.startswith("Fout:") or "Er is een probleem" in page
    assert "Kies een van de opties." in page and "Gebruik maximaal 2000 tekens." in page
    assert 'aria-invalid="true"' in refused.get_data(as_text=True)
    empty = post(client, form_url(anna, session.slug))
    assert "Beantwoord minstens één vraag." in text(empty)
    closes = service.timing(fresh_edition(held_yesterday.id)).closes_at
    with pytest.raises(service.FormNotOpen, match="Dit formulier is gesloten"):
        service.answer(anna.id, session.slug, {}, now=closes + timedelta(minutes=1))
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvaluationResponse)) == 0


# -- organisers change the questions --------------------------------------------------


def test_organisers_add_move_and_switch_off_questions_until_the_first_answer(
    sqlite_app, org, held_yesterday, sign_up
):
    slug = held_yesterday.slug
    base = f"/organiser/{slug}/evaluations/questions/session"
    assert "Relevantie voor mijn werk" in text(org.get(base))
    added = post(
        org,
        base,
        label="Zaal",
        label_en="Room",
        kind="choice",
        audience="everyone",
        options="Te klein\nGoed",
        options_en="Too small\nFine",
    )
    assert added.status_code == 302
    refused = post(org, base, label="", kind="choice", audience="everyone", options="Een")
    assert refused.status_code == 200
    assert "Schrijf de vraag." in text(refused) and "minstens twee mogelijkheden" in text(refused)

    asked = questions(held_yesterday.id, FormScope.session)
    post(org, f"{base}/{asked['Zaal'].id}/up")
    post(org, f"{base}/{asked['content'].id}/off")
    asked = questions(held_yesterday.id, FormScope.session)
    assert asked["Zaal"].position < asked["for_organisers"].position
    assert not asked["content"].active

    (anna,) = people(held_yesterday, sign_up, 1)
    session = fresh_edition(held_yesterday.id).rounds[0].sessions[0]
    form_page = text(sqlite_app.test_client().get(form_url(anna, session.slug)))
    assert "Zaal" in form_page and "Te klein" in form_page and "Inhoud" not in form_page
    answer_all(sqlite_app.test_client(), anna, session.slug, {"Zaal": 1})

    locked = post(org, f"{base}/{asked['Zaal'].id}/down")
    assert "alleen de teksten" in text(org.get(locked.location))
    assert (
        questions(held_yesterday.id, FormScope.session)["Zaal"].position == asked["Zaal"].position
    )
    renamed = post(
        org,
        f"{base}/{asked['Zaal'].id}",
        label="De zaal",
        label_en="The room",
        options="Te klein\nPrima",
        options_en="",
    )
    assert renamed.status_code == 302
    assert questions(held_yesterday.id, FormScope.session)["De zaal"].options == [
        "Te klein",
        "Prima",
    ]
    fewer = post(org, f"{base}/{asked['Zaal'].id}", label="De zaal", options="A\nB\nC")
    assert fewer.status_code == 200 and "het aantal mogelijkheden" in text(fewer)


def test_settings_are_checked(sqlite_app, org, held_yesterday):
    url = f"/organiser/{held_yesterday.slug}/evaluations/settings"
    refused = post(org, url, reminder_days="20", close_days="10", minimum_answers="x")
    assert refused.status_code == 200
    assert "Geef een geheel getal." in text(refused)
    assert (
        post(org, url, reminder_days="2", close_days="10", minimum_answers="3").status_code == 302
    )
    db.session.rollback()
    assert service.settings_of(held_yesterday.id).minimum_answers == 3


# -- mail ------------------------------------------------------------------------------


def deliver(inbox, prefix: str) -> list:
    db.session.rollback()
    delivery.deliver_due(batch_size=500)
    return [m for m in inbox.messages if m["X-Symposium-Key"].startswith(prefix)]


def test_the_invitation_goes_after_the_day_and_one_reminder_to_who_has_forms_left(
    app, client, held_yesterday, sign_up, smtp_server
):
    anna, bert = people(held_yesterday, sign_up, 2)
    people(held_yesterday, sign_up, 1, checked_in=False)  # not there: not asked
    now = datetime.now(UTC)

    assert notifications.queue_due_mails(now - timedelta(days=1)) == 0  # the day not over
    assert notifications.queue_due_mails(now) == 2
    assert notifications.queue_due_mails(now) == 0  # once
    invitations = deliver(smtp_server, "evaluation-invite:")
    assert sorted(m["To"] for m in invitations) == [anna.email, bert.email]
    body = invitations[0].get_body(preferencelist=("plain",)).get_content()
    assert "Wat vond je van Symposium" in invitations[0]["Subject"]
    links = re.findall(r"https?://\S+/evaluation/\S+", body)
    assert len(links) == 3  # the opening plenary, the workshop and the day

    session = fresh_edition(held_yesterday.id).rounds[0].sessions[0]
    for form in ("opening", session.slug, "day"):
        asked = questions(anna.edition_id, FormScope.day if form == "day" else FormScope.session)
        key = "overall" if form == "day" else "relevance"
        post(client, form_url(anna, form), **{asked[key].field_name: "4"})

    later = now + timedelta(days=3, hours=1)
    assert notifications.queue_due_mails(later) == 1
    reminders = deliver(smtp_server, "evaluation-reminder:")
    assert [m["To"] for m in reminders] == [bert.email]
    reminded = reminders[0].get_body(preferencelist=("plain",)).get_content()
    assert "Een herinnering: er wachten nog formulieren" in reminded
    assert "Een herinnering" in reminders[0].get_body(preferencelist=("html",)).get_content()


def test_speakers_get_a_mail_when_the_forms_close(app, held_yesterday, smtp_server):
    edition = fresh_edition(held_yesterday.id)
    edition.sessions[0].speakers[0].email = "speaker@example.org"
    db.session.commit()
    closes = service.timing(edition).closes_at

    assert notifications.queue_due_mails(closes + timedelta(hours=1)) == 1
    assert notifications.queue_due_mails(closes + timedelta(hours=2)) == 0  # once
    (mail,) = deliver(smtp_server, "evaluation-results:")
    assert mail["To"] == "speaker@example.org"
    assert "/speaker/sessions/" in mail.get_body(preferencelist=("plain",)).get_content()


# -- results ---------------------------------------------------------------------------


def fill(edition, sign_up, session, scores: list[int], comment=None, organisers=None):
    """People at `session` answering it, each with a score for relevance and content."""
    forms.ensure_forms(edition.id)
    asked = questions(edition.id, FormScope.session)
    during = session.starts_at + timedelta(minutes=5)
    for registration, score in zip(
        people(edition, sign_up, len(scores), session=session), scores, strict=True
    ):
        given = {asked["relevance"].field_name: str(score), asked["content"].field_name: str(score)}
        if comment:
            given[asked["for_speaker"].field_name] = comment
        if organisers:
            given[asked["for_organisers"].field_name] = organisers
        service.answer(registration.id, session.slug, given, now=during)


def test_organisers_compare_sessions_with_charts_and_small_sessions_show_nothing(
    sqlite_app, org, held_yesterday, sign_up
):
    edition = fresh_edition(held_yesterday.id)
    big, small = edition.rounds[0].sessions[0], edition.rounds[0].sessions[1]
    fill(edition, sign_up, big, [5, 4, 4, 5, 3], organisers="Koffie was koud")
    fill(edition, sign_up, small, [1, 2])
    people(held_yesterday, sign_up, 1, session=big)  # asked, did not answer

    page = org.get(f"/organiser/{edition.slug}/evaluations?sort=overall&order=desc")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    rows = re.findall(r'<th scope="row"><a [^>]+>([^<]+)</a>', html)
    assert rows[0] == big.title  # the best first
    assert 'aria-sort="descending"' in html
    assert "83 %" in text(page) and "te weinig antwoorden" in text(page)
    assert "4,2" in text(page)

    results_page = org.get(f"/organiser/{edition.slug}/evaluations/sessions/{big.slug}")
    body = results_page.get_data(as_text=True)
    assert body.count('role="img"') >= 2 and "<title id=" in body and "<desc id=" in body
    assert "Koffie was koud" in body and "<table" in body
    hidden = text(org.get(f"/organiser/{edition.slug}/evaluations/sessions/{small.slug}"))
    assert "Te weinig antwoorden om resultaten te tonen" in hidden

    exported = org.get(f"/organiser/{edition.slug}/evaluations/answers.csv")
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["Antwoord nr.", "Formulier", "Sessie", "Vraag", "Antwoord"]
    everything = exported.get_data(as_text=True)
    assert "Koffie was koud" in everything
    assert big.title in everything and small.title not in everything  # below the minimum
    db.session.rollback()
    for registration in db.session.scalars(sa.select(Registration)):
        assert registration.email not in everything and registration.last_name not in everything
    xlsx = org.get(f"/organiser/{edition.slug}/evaluations/answers.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_a_session_repeated_in_another_year_is_compared(sqlite_app, org, make_edition, sign_up):
    now = datetime.now(UTC)
    before = make_edition(starts=now - timedelta(days=400))
    this = make_edition(starts=now - timedelta(days=1))
    session = fresh_edition(before.id).rounds[0].sessions[0]
    fill(fresh_edition(before.id), sign_up, session, [4, 4, 4, 4, 4])

    page = text(org.get(f"/organiser/{this.slug}/evaluations/sessions/{session.slug}"))

    assert "Dezelfde sessie in andere jaren" in page and "Symposium 1" in page and "4,0" in page


def test_speakers_see_their_results_and_comments_for_them_but_not_the_organisers_ones(
    sqlite_app, held_yesterday, sign_up
):
    edition = fresh_edition(held_yesterday.id)
    session = edition.rounds[0].sessions[0]
    person = Person(name="Ana de Spreker", email="ana@example.org")
    session.speakers = [person]
    db.session.commit()
    fill(
        edition,
        sign_up,
        session,
        [5, 5, 4, 4, 5],
        comment="Heldere uitleg",
        organisers="Alleen voor jullie",
    )
    user = speakers.invite(person.id, "nl", ACTOR)
    client = sqlite_app.test_client()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = db.session.get(User, user.id).get_id()
        cookie["_fresh"] = True

    page = client.get(f"/speaker/sessions/{session.id}/evaluation")

    assert page.status_code == 200
    assert "Heldere uitleg" in text(page) and "Alleen voor jullie" not in text(page)
    other = edition.rounds[0].sessions[1]
    assert client.get(f"/speaker/sessions/{other.id}/evaluation").status_code == 403


@pytest.mark.slow
def test_the_report_pdf_holds_the_day_and_the_sessions(sqlite_app, org, held_yesterday, sign_up):
    from pypdf import PdfReader

    edition = fresh_edition(held_yesterday.id)
    fill(edition, sign_up, edition.rounds[0].sessions[0], [5, 4, 4, 5, 3])

    pdf = org.get(f"/organiser/{edition.slug}/evaluations/report.pdf")

    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    words = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Evaluatie van Symposium" in words and "Workshop 1.1" in words
    assert "Te weinig antwoorden" in words  # the sessions nobody answered


def test_the_room_page_has_a_qr_code_per_session(sqlite_app, org, held_yesterday):
    page = org.get(f"/organiser/{held_yesterday.slug}/evaluations/rooms")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and body.count('class="segno"') == 7
    link = re.search(r"https?://[^\s<\"]+/evaluation/workshop-1-1", body).group(0)
    room = sqlite_app.test_client().get(urlsplit(link).path)
    assert room.status_code == 200 and "persoonlijke pagina" in text(room)


# -- personal data ---------------------------------------------------------------------


def test_erasure_keeps_the_answers_and_nobody_can_link_them_back(
    sqlite_app, held_yesterday, sign_up
):
    from symposium import privacy

    edition = fresh_edition(held_yesterday.id)
    session = edition.rounds[0].sessions[0]
    fill(edition, sign_up, session, [4])
    db.session.rollback()
    (anna,) = db.session.scalars(sa.select(Registration)).all()
    with sqlite_app.test_request_context():
        assert service.personal_forms(anna)[1].answered
    own = sqlite_app.test_client().get(f"/r/{manage_token(anna)}/my-data.json").get_json()
    assert {"about": session.title, "question": "Relevantie voor mijn werk", "answer": 4} in (
        own["evaluation_answers"]
    )

    privacy.erase(anna.id)

    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvaluationResponse)) == 1
    anna = db.session.get(Registration, anna.id)
    with sqlite_app.test_request_context():
        token = service.token_for(anna, forms.find_forms(edition.id).session, session)
    assert db.session.get(EvaluationResponse, token) is None  # the new secret finds nothing


def test_the_privacy_statement_says_how_answers_are_kept(sqlite_app, held_yesterday):
    page = text(sqlite_app.test_client().get(f"/{held_yesterday.slug}/privacy"))
    assert "Je antwoorden op de evaluatie" in page and "zonder je naam" in page


def test_the_demo_has_2019_answers_with_one_small_session_and_forms_for_next_time(sqlite_app, org):
    from symposium import demo

    demo.load(today=datetime(2026, 11, 28).date())
    demo.load(today=datetime(2026, 11, 28).date())  # again: nothing doubles

    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvaluationResponse)) > 150
    page = org.get("/organiser/2019/evaluations?sort=overall&order=desc")
    body = page.get_data(as_text=True)
    assert "De politiserende kracht van sociaal professionals" in body
    assert body.count('class="small-bar"') > 10 and "te weinig antwoorden" in text(page)
    day = org.get("/organiser/2019/evaluations/day").get_data(as_text=True)
    assert day.count('role="img"') == 4 and "Bestaanszekerheid" in day
    upcoming = org.get("/organiser/2027/evaluations/questions/day")
    assert "Wat moet er volgend jaar op het programma staan?" in text(upcoming)
