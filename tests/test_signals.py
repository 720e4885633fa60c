"""Signals from practice: sent from the room on a phone, moderated by the session's host,
supported once per browser, shown in the harvest and its JSON only once approved."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from symposium.audit.service import Actor
from symposium.database import use_case
from symposium.extensions import db
from symposium.signals import harvest, service
from symposium.signals.models import Signal, SignalSource, SignalStatus
from tests.test_organiser import csrf_for, text

ACTOR = Actor(None, "test@example.org")


@pytest.fixture
def today_edition(make_edition):
    return make_today_edition(make_edition)


def make_today_edition(make_edition):
    """An edition taking place today, with two themes."""
    now = datetime.now(UTC)
    edition = make_edition(starts=now - timedelta(hours=1), rounds=1, sessions_per_round=2)
    service.set_themes(edition.id, "Huisuitzettingen | Evictions\nEenzaamheid", ACTOR)
    return edition


@pytest.fixture
def client(app):
    """A browser that reads English."""
    return english(app.test_client())


def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def session_of(edition, slug="workshop-1-1"):
    return next(s for s in edition.sessions if s.slug == slug)


def test_add_signal_makes_an_unapproved_signal_in_the_callers_transaction(app, today_edition):
    session = session_of(today_edition)

    @use_case
    def evaluation_turns_answer_into_signal():
        return service.add_signal(
            today_edition,
            text="  Jongeren met een beperking vallen tussen wal en schip. ",
            kind="bottleneck",
            perspective="lived_experience",
            themes=["eenzaamheid"],
            session=session,
            source="evaluation",
        ).id

    signal = db.session.get(Signal, evaluation_turns_answer_into_signal())
    assert signal.status == SignalStatus.pending
    assert signal.text == "Jongeren met een beperking vallen tussen wal en schip."
    assert [t.slug for t in signal.themes] == ["eenzaamheid"]
    assert signal.source == SignalSource.evaluation
    assert harvest.as_json(today_edition)["themes"][1]["signals"] == []


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"text": " "}, "text"),
        ({"text": "x" * 2001}, "text"),
        ({"text": "a\x00b"}, "text"),
        ({"text": "ok", "kind": "gossip"}, "kind"),
        ({"text": "ok", "perspective": "alien"}, "perspective"),
        ({"text": "ok", "themes": ["not-a-theme"]}, "themes"),
    ],
)
def test_add_signal_refuses_bad_fields_and_keeps_nothing(sqlite_app, today_edition, fields, field):
    with pytest.raises(service.SignalError) as refused:
        use_case(lambda: service.add_signal(today_edition, **fields))()
    assert field in refused.value.errors
    assert db.session.scalar(sa.select(sa.func.count(Signal.id))) == 0


def room_post(client, edition, session, **data):
    data.setdefault("csrf_token", csrf_for(client))
    return client.post(f"/{edition.slug}/sessions/{session.slug}/signal", data=data)


def test_a_phone_sends_a_signal_that_shows_only_after_approval(app, client, today_edition):
    session = session_of(today_edition)
    form = client.get(f"/{today_edition.slug}/sessions/{session.slug}/signal")
    assert form.status_code == 200 and "Send signal" in text(form)

    sent = room_post(
        client,
        today_edition,
        session,
        text="Huurachterstand <b>te laat</b> gezien",
        theme="huisuitzettingen",
    )
    assert sent.status_code == 302 and sent.location.endswith("/signal/thanks")
    assert "Thank you for your signal" in text(client.get(sent.location))

    assert "te laat" not in text(client.get(f"/{today_edition.slug}/harvest"))
    assert client.get(f"/{today_edition.slug}/signals.json").json["themes"][0]["signals"] == []

    signal = db.session.scalars(sa.select(Signal)).one()
    service.moderate(signal.id, True, ACTOR)

    page = client.get(f"/{today_edition.slug}/harvest").get_data(as_text=True)
    assert "Huurachterstand &lt;b&gt;te laat&lt;/b&gt; gezien" in page
    exported = client.get(f"/{today_edition.slug}/signals.json").json
    assert exported["edition"] == today_edition.slug
    assert exported["themes"][0]["signals"] == [
        {
            "text": "Huurachterstand <b>te laat</b> gezien",
            "kind": "practice",
            "perspective": "professional",
            "session": session.slug,
        }
    ]


def test_an_empty_signal_is_refused_beside_its_field(sqlite_app, today_edition):
    client = english(sqlite_app.test_client())
    session = session_of(today_edition)
    refused = room_post(client, today_edition, session, text="   ", name="Anna")
    page = text(refused)
    assert refused.status_code == 200
    assert "Error:" in page and "Write your signal or question." in page
    assert db.session.scalar(sa.select(sa.func.count(Signal.id))) == 0


def test_the_room_form_says_it_opens_on_the_day(sqlite_app, make_edition):
    edition = make_edition()  # in 60 days
    client = english(sqlite_app.test_client())
    session = session_of(edition)
    page = room_post(client, edition, session, text="Te vroeg")
    assert "This form opens on the day of the symposium" in text(page)
    assert "no longer" not in text(page)
    assert db.session.scalar(sa.select(sa.func.count(Signal.id))) == 0


def test_the_projector_shows_a_qr_code_and_the_short_link(sqlite_app, make_edition):
    edition = make_edition()
    client = english(sqlite_app.test_client())
    session = session_of(edition)
    page = text(client.get(f"/{edition.slug}/sessions/{session.slug}/projector"))
    short = f"/{edition.slug}/s/{session.id}"
    assert short in page
    qr = client.get(f"/{edition.slug}/sessions/{session.slug}/qr.svg")
    assert qr.mimetype == "image/svg+xml" and b"<svg" in qr.data
    assert client.get(short).location.endswith(f"/sessions/{session.slug}/signal")


def test_each_browser_supports_a_signal_once(app, client, today_edition):
    signal_id = use_case(lambda: service.add_signal(today_edition, text="Eenzame ouderen").id)()
    url = f"/{today_edition.slug}/signals/{signal_id}/support"
    not_yet = client.post(url, data={"csrf_token": csrf_for(client)})
    assert db.session.get(Signal, signal_id).supports == 0  # not public, not counted
    service.moderate(signal_id, True, ACTOR)
    for _ in range(3):
        client.post(url, data={"csrf_token": csrf_for(client)})
    other = english(app.test_client())
    other.post(url, data={"csrf_token": csrf_for(other)})
    db.session.expire_all()
    assert db.session.get(Signal, signal_id).supports == 2
    assert not_yet.status_code == 302
    assert "You recognise this" in text(client.get(f"/{today_edition.slug}/harvest"))


def test_merging_a_duplicate_counts_it_with_the_other(app, today_edition):
    first, second = (
        use_case(lambda t=t: service.add_signal(today_edition, text=t).id)()
        for t in ("Wachtlijsten schuldhulp", "Lange wachtlijst bij schuldhulp")
    )
    service.moderate(first, True, ACTOR)
    service.merge(second, first, ACTOR)
    with pytest.raises(service.SignalError):
        service.merge(first, first, ACTOR)
    shown = harvest.approved(today_edition.id)
    assert [(s.text, s.supports) for s in shown] == [("Wachtlijsten schuldhulp", 1)]


# -- the host ----------------------------------------------------------------------------


def speakers_of(edition):
    """Ana speaks in workshop 1.1, Bo in workshop 1.2; both signed in by their links."""
    from symposium.program.models import Person
    from symposium.speakers import service as speakers

    mine, theirs = session_of(edition), session_of(edition, "workshop-1-2")
    ana = Person(name="Ana de Spreker", email="ana@example.org")
    bo = Person(name="Bo van Praat", email="bo@example.org")
    mine.speakers, theirs.speakers = [ana], [bo]
    db.session.commit()
    return speakers.invite(ana.id, "en", ACTOR), speakers.invite(bo.id, "en", ACTOR)


def test_the_host_approves_and_merges_and_only_then_the_public_sees_it(sqlite_app, today_edition):
    from tests.test_speakers import as_user

    ana, bo = speakers_of(today_edition)
    session = session_of(today_edition)
    phone = english(sqlite_app.test_client())
    for words in ("Huisuitzetting door kleine schuld", "Uitzetting om een kleine schuld", "Nep"):
        room_post(phone, today_edition, session, text=words)
    host = as_user(english(sqlite_app.test_client()), ana)
    base = f"/{today_edition.slug}/sessions/{session.slug}/signals"
    page = text(host.get(f"{base}/host"))
    assert "3 signals wait for you" in page and "Huisuitzetting door kleine schuld" in page
    assert "http-equiv" not in host.get(f"{base}/host").get_data(as_text=True)
    assert 'http-equiv="refresh"' in host.get(f"{base}/host?live=1").get_data(as_text=True)

    first, second, fake = db.session.scalars(sa.select(Signal.id).order_by(Signal.id)).all()
    token = csrf_for(host)
    host.post(f"{base}/{first}/moderate", data={"csrf_token": token, "decision": "approve"})
    host.post(f"{base}/{fake}/moderate", data={"csrf_token": token, "decision": "reject"})
    assert "Which signal says the same?" in text(host.get(f"{base}/{second}/merge"))
    refused = host.post(f"{base}/{second}/merge", data={"csrf_token": token})
    assert "Choose the signal to merge this one into." in text(refused)
    merged = host.post(f"{base}/{second}/merge", data={"csrf_token": token, "into": first})
    assert merged.status_code == 302

    public = text(phone.get(f"/{today_edition.slug}/harvest"))
    assert "Huisuitzetting door kleine schuld" in public
    assert "1 person recognises this" in public
    assert "Uitzetting om een kleine schuld" not in public and "Nep" not in public

    other_speaker = as_user(english(sqlite_app.test_client()), bo)
    assert other_speaker.get(f"{base}/host").status_code == 403
    assert phone.get(f"{base}/host").status_code == 302
    stranger = other_speaker.post(
        f"{base}/{first}/moderate",
        data={"csrf_token": csrf_for(other_speaker), "decision": "reject"},
    )
    assert stranger.status_code == 403


# -- organisers: themes, moderation, agenda, CSV, publishing ------------------------------


@pytest.fixture
def organiser_client(sqlite_app):
    return signed_in_organiser(sqlite_app)


def signed_in_organiser(sqlite_app):
    from symposium.accounts import service as accounts
    from tests.test_organiser import PASSWORD, sign_in

    accounts.create_organiser("org@example.org", "Olga Organiser", PASSWORD)
    client = english(sqlite_app.test_client())
    assert sign_in(client).status_code == 302
    return client


def post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf_for(client), **data})


def test_organisers_edit_themes_and_a_bad_list_changes_nothing(organiser_client, today_edition):
    url = f"/organiser/{today_edition.slug}/signals"
    assert "Huisuitzettingen | Evictions" in text(organiser_client.get(url))
    refused = post(organiser_client, f"{url}/themes", themes="Armoede\narmoede")
    assert "Line 2 repeats a theme." in text(refused)
    assert [t.slug for t in service.themes_of(today_edition.id)] == [
        "huisuitzettingen",
        "eenzaamheid",
    ]
    post(organiser_client, f"{url}/themes", themes="Eenzaamheid | Loneliness\nArmoede")
    themes = service.themes_of(today_edition.id)
    assert [(t.title, t.title_en) for t in themes] == [
        ("Eenzaamheid", "Loneliness"),
        ("Armoede", ""),
    ]


def test_an_agenda_item_carries_signals_into_the_regional_agenda(
    organiser_client, today_edition, make_edition
):
    signal_id = use_case(
        lambda: (
            service.add_signal(
                today_edition,
                text="Deurwaarders zien schulden eerder dan het wijkteam",
                perspective="policy",
                themes=["huisuitzettingen"],
            ).id
        )
    )()
    post(
        organiser_client,
        f"/organiser/{today_edition.slug}/signals/{signal_id}/moderate",
        decision="approve",
    )
    later = make_edition(slug="2099")
    workshop = session_of(later)
    refused = post(organiser_client, "/organiser/agenda/new", title=" ", status="proposed")
    assert "Give the item a title." in text(refused)
    saved = post(
        organiser_client,
        "/organiser/agenda/new",
        title="Huisuitzettingen voorkomen met vroegsignalering",
        partners="Gemeente, woningcorporaties",
        status="on_agenda",
        signals=str(signal_id),
        themes=str(service.themes_of(today_edition.id)[0].id),
        sessions=str(workshop.id),
    )
    assert saved.status_code == 302
    item_url = saved.location
    follow = post(
        organiser_client,
        f"{item_url}/follow-ups",
        happened_on="2099-02-01",
        text="De wethouder nam de suggesties mee",
        status="taken_up",
    )
    assert follow.status_code == 302

    agenda_page = text(organiser_client.get("/agenda"))
    assert "Huisuitzettingen voorkomen met vroegsignalering" in agenda_page
    assert (
        "Taken up by policy" in agenda_page and "De wethouder nam de suggesties mee" in agenda_page
    )
    assert "1 signal behind it: Policy 1" in agenda_page
    assert f"{workshop.title} (2099)" in agenda_page
    exported = organiser_client.get(f"/{today_edition.slug}/signals.json").json
    assert exported["themes"][0]["agenda_items"] == [
        {
            "title": "Huisuitzettingen voorkomen met vroegsignalering",
            "status": "taken_up",
            "signal_count": 1,
        }
    ]
    harvest_page = text(organiser_client.get(f"/{today_edition.slug}/harvest"))
    assert "Signals per theme" in harvest_page and "Signals per perspective" in harvest_page
    csv = organiser_client.get(f"/organiser/{today_edition.slug}/signals.csv")
    assert csv.mimetype == "text/csv"
    assert "Deurwaarders zien schulden eerder dan het wijkteam" in csv.get_data(as_text=True)
    assert "Huisuitzettingen voorkomen" in text(organiser_client.get("/organiser/agenda"))


def test_publishing_the_harvest_mails_the_attendees_who_asked_once(
    organiser_client, today_edition, sign_up, smtp_server
):
    from symposium.mail import delivery
    from symposium.signals import publishing

    asked, not_asked = sign_up(today_edition, 1), sign_up(today_edition, 2)
    publishing.subscribe(asked.id)
    url = f"/organiser/{today_edition.slug}/signals/publish"
    assert "Publish and send the mail" in text(organiser_client.get(url))
    done = post(organiser_client, url)
    assert "1 attendees will get a mail" in text(organiser_client.get(done.location))
    post(organiser_client, url)
    delivery.deliver_due(batch_size=500)
    harvest_url = f"/{today_edition.slug}/harvest"
    harvest_mails = [m for m in smtp_server.messages if harvest_url in m.as_string()]
    assert [m["To"] for m in harvest_mails] == [asked.email]
    assert not_asked.email not in [m["To"] for m in harvest_mails]


def test_the_json_export_keeps_the_word_of_the_openapi_document(app, client, today_edition):
    import json

    import jsonschema

    from symposium.web.api.program import OPENAPI

    document = json.loads(OPENAPI.read_text())
    operation = document["paths"]["/{slug}/signals.json"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    signal_id = use_case(
        lambda: service.add_signal(today_edition, text="Eenzaamheid onder mantelzorgers").id
    )()
    service.moderate(signal_id, True, ACTOR)
    answer = client.get(f"/{today_edition.slug}/signals.json")
    jsonschema.validate(answer.json, {**schema, "components": document["components"]})
    assert answer.json["themes"][-1]["slug"] == "other"
    missing = client.get("/no-such-edition/signals.json")
    assert missing.status_code == 404 and missing.json["error"]
