"""Signals from sign-up, afterwards and the rapporteur; personal data; the booklet's
harvest chapter."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from symposium.database import use_case
from symposium.extensions import db
from symposium.program.models import Session
from symposium.signals import service
from symposium.signals.models import Signal, SignalSource, SignalStatus
from tests.test_organiser import csrf_for, text
from tests.test_signals import (
    ACTOR,
    english,
    make_today_edition,
    post,
    session_of,
    signed_in_organiser,
)


@pytest.fixture
def today_edition(make_edition):
    return make_today_edition(make_edition)


@pytest.fixture
def organiser_client(sqlite_app):
    return signed_in_organiser(sqlite_app)


# -- sign-up and afterwards --------------------------------------------------------------


def test_sign_up_asks_for_a_signal_only_when_the_edition_wants_it(sqlite_app, today_edition):
    from symposium.signals.models import HarvestSubscription
    from tests.test_sign_up_pages import form_for

    client = english(sqlite_app.test_client())
    assert "Which signal or question do you bring?" not in text(
        client.get(f"/{today_edition.slug}/register")
    )
    service.save_settings(today_edition.id, True, None, ACTOR)
    assert "Which signal or question do you bring?" in text(
        client.get(f"/{today_edition.slug}/register")
    )
    too_long = form_for(client, today_edition, signal_text="x" * 2001)
    refused = client.post(f"/{today_edition.slug}/register", data=too_long)
    assert "Use at most 2000 characters." in text(refused)
    data = form_for(
        client, today_edition, signal_text="Wachtlijsten in de jeugdzorg", harvest_mail="y"
    )
    assert client.post(f"/{today_edition.slug}/register", data=data).status_code == 302
    signal = db.session.scalars(sa.select(Signal)).one()
    assert (signal.source, signal.status, signal.name) == (
        SignalSource.sign_up,
        SignalStatus.pending,
        "",
    )
    assert db.session.scalar(sa.select(sa.func.count(HarvestSubscription.registration_id))) == 1

    # the wish is in the person's own copy, and they can take it back from their page
    token = _token_of_the_only_registration()
    own = client.get(f"/r/{token}/my-data.json").get_json()
    assert own["harvest_mail"] == {"asked": True, "mailed_at": None}
    page = text(client.get(f"/r/{token}"))
    assert "No mail about the harvest" in page
    client.post(f"/r/{token}/harvest-mail", data={"csrf_token": csrf_for(client), "wanted": "no"})
    assert "Mail me the harvest" in text(client.get(f"/r/{token}"))
    assert client.get(f"/r/{token}/my-data.json").get_json()["harvest_mail"] is None
    assert db.session.scalar(sa.select(sa.func.count(HarvestSubscription.registration_id))) == 0


def _token_of_the_only_registration() -> str:
    from symposium.registration.models import Registration
    from symposium.registration.personal import manage_token

    return manage_token(db.session.scalars(sa.select(Registration)).one())


def test_the_afterwards_form_takes_signals_until_its_closing_date(sqlite_app, make_edition):
    edition = make_edition(starts=datetime.now(UTC) - timedelta(days=3))
    client = english(sqlite_app.test_client())
    url = f"/{edition.slug}/signal"
    assert "This form is closed" in text(client.get(url))
    service.save_settings(edition.id, False, datetime.now(UTC) + timedelta(days=7), ACTOR)
    sent = client.post(url, data={"csrf_token": csrf_for(client), "text": "Te weinig tijd"})
    assert "Thank you for your signal" in text(sent)
    assert db.session.scalars(sa.select(Signal.source)).all() == [SignalSource.afterwards]
    service.save_settings(edition.id, False, datetime.now(UTC) - timedelta(minutes=1), ACTOR)
    closed = client.post(url, data={"csrf_token": csrf_for(client), "text": "Te laat"})
    assert "This form is closed" in text(closed)
    assert db.session.scalar(sa.select(sa.func.count(Signal.id))) == 1


def test_erasure_and_purge_forget_the_harvest_wish_and_chosen_names(
    sqlite_app, today_edition, sign_up
):
    from symposium import privacy
    from symposium.signals import publishing
    from symposium.signals.models import HarvestSubscription

    person = sign_up(today_edition, 1)
    publishing.subscribe(person.id)
    use_case(lambda: service.add_signal(today_edition, text="Signaal", name="Anna Jansen"))()
    privacy.erase(person.id)
    assert db.session.scalar(sa.select(sa.func.count(HarvestSubscription.registration_id))) == 0
    privacy.purge_edition(today_edition.id, ACTOR, now=today_edition.ends_at + timedelta(days=1))
    assert db.session.scalars(sa.select(Signal.name)).all() == [""]


# -- the rapporteur ----------------------------------------------------------------------


def test_a_rapporteur_invited_by_mail_writes_the_sessions_harvest(
    organiser_client, today_edition, smtp_server
):
    from symposium.mail import delivery
    from symposium.signals.models import SessionHarvest
    from tests.test_speakers import link_in

    session = session_of(today_edition)
    url = f"/organiser/{today_edition.slug}/signals/rapporteurs"
    refused = post(organiser_client, url, session=str(session.id), name="Rita", email="nope")
    assert "Enter an e-mail address like" in text(refused)
    invited = post(
        organiser_client,
        url,
        session=str(session.id),
        name="Rita Rapporteur",
        email="rita@example.org",
        locale="en",
    )
    assert invited.status_code == 302
    assert "Rita Rapporteur" in text(organiser_client.get(url))
    delivery.deliver_due(batch_size=500)
    message = smtp_server.to("rita@example.org")[0]
    body = message.get_body(("plain",)).get_content()
    assert "rapporteur" in body
    rita = english(organiser_client.application.test_client())
    assert post(rita, link_in(message)).status_code == 302
    write = f"/{today_edition.slug}/sessions/{session.slug}/harvest/write"
    assert "Sessions you write the harvest of" in text(rita.get("/speaker/"))
    bad = post(rita, write, main_points="Veel", **{"at_table-student": "veel"})
    assert "Enter a number of people, like 4." in text(bad)
    saved = post(
        rita,
        write,
        main_points="Agenderen gebeurt ook buiten de beleidstafel.",
        signals="- Professionals voelen zich niet gehoord\n\n- Te weinig tijd voor netwerken",
        agreements="De Werkplaats organiseert een kenniscafé.",
        **{"at_table-professional": "14", "at_table-lived_experience": "2"},
    )
    assert saved.status_code == 302
    found = db.session.get(SessionHarvest, session.id)
    assert found.at_table == {"professional": 14, "lived_experience": 2}
    page = text(rita.get(f"/{today_edition.slug}/harvest"))
    assert "Agenderen gebeurt ook buiten de beleidstafel." in page
    assert "Professionals voelen zich niet gehoord" in page and "Lived experience: 2" in page
    assert rita.get(f"/{today_edition.slug}/sessions/workshop-1-2/harvest/write").status_code == 403


# -- the booklet -------------------------------------------------------------------------


def test_the_booklet_ends_with_the_harvest_chapter(sqlite_app, today_edition, tmp_path):
    from symposium.documents import service as documents
    from symposium.program.models import SummaryStatus
    from tests.test_documents import pages_of

    sqlite_app.config["DOCUMENTS_FOLDER"] = str(tmp_path / "documents")
    session = session_of(today_edition)
    session.summary, session.summary_status = "Kort verslag.", SummaryStatus.published
    session.summary_published_at = datetime.now(UTC)
    today_edition.program_version += 1
    db.session.commit()
    signal_id = use_case(
        lambda: (
            service.add_signal(
                today_edition,
                text="Schulden blijven te lang onzichtbaar",
                themes=["huisuitzettingen"],
            ).id
        )
    )()
    service.moderate(signal_id, True, ACTOR)
    client = sqlite_app.test_client()
    client.get(f"/{today_edition.slug}/summaries.pdf")
    documents.run_pending()
    pdf = client.get(f"/{today_edition.slug}/summaries.pdf").data
    pages = pages_of(pdf)
    assert "Oogst" in pages[1] or "Harvest" in pages[1]
    last = " ".join(pages[2:])
    assert "Huisuitzettingen" in last and "Schulden blijven te lang onzichtbaar" in last


# -- the demo ----------------------------------------------------------------------------


def test_the_demo_harvest_of_2019_feeds_an_agenda_that_reaches_the_next_edition(sqlite_app):
    from symposium import demo
    from symposium.signals.models import SessionHarvest

    demo.load(today=datetime(2026, 11, 28).date())
    client = english(sqlite_app.test_client())
    harvest = text(client.get("/2019/harvest"))
    assert "Evictions and financial security" in harvest
    assert "Een kleine huurschuld loopt op tot een uitzetting" in harvest
    assert "Deurwaarders zouden standaard" not in harvest  # still waiting for approval
    agenda = text(client.get("/agenda"))
    for status in ("Taken up by policy", "Being researched", "Proposed"):
        assert status in agenda
    assert "De wethouder nam de concrete suggesties mee" in agenda
    assert "(2027)" in agenda  # a session of the next edition works on an item
    upcoming = client.get("/2027/signals.json").json
    assert [t["slug"] for t in upcoming["themes"]][:2] == [
        "eenzaamheid",
        "zelfredzaamheid-jongeren",
    ]
    invited = db.session.scalars(
        sa.select(SessionHarvest.session_id).where(SessionHarvest.rapporteur_id.is_not(None))
    ).all()
    assert [db.session.get(Session, i).edition.slug for i in invited] == ["2027"]
    demo.load(today=datetime(2026, 11, 28).date())  # a second load adds nothing
    assert db.session.scalar(sa.select(sa.func.count(SessionHarvest.session_id))) == 2


def test_the_door_list_carries_the_short_link_to_the_room_form(sqlite_app, make_edition):
    from tests.test_documents import pages_of

    edition = make_edition()
    session = session_of(edition)
    client = signed_in_organiser(sqlite_app)
    pdf = client.get(f"/organiser/{edition.slug}/sessions/{session.id}/door-list.pdf?lang=en")
    (page,) = pages_of(pdf.data)
    assert f"/{edition.slug}/s/{session.id}" in page.replace("\n", "")
