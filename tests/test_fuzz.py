"""Every form and the JSON API, fed arbitrary values: never a 5xx; an error says what is
wrong and changes nothing (every table, and the file store, compared before and after).

Hypothesis starts from a valid post and replaces, repeats or leaves out some of its fields
with odd values: control characters and NUL, direction marks, combining and astral
characters, 10,000 characters, empty, numbers written in many ways, impossible dates and
times, format strings and markup, bytes that are not UTF-8; files with odd names and odd
bytes; JSON of every type. Beside it, a sweep puts each of a few values that databases
refuse (NUL, past a column's length, past 32 and 64 bits) into every field in turn, which
hypothesis would only hit by luck. Each form gets a world of its own on SQLite and on
PostgreSQL, and each example a fresh client, signed in, with a real CSRF token.
tests/test_bad_input.py checks the API's messages field by field; this module is about
reaching every field there is.
"""

import io
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import flask
import pytest
import sqlalchemy as sa
from flask_wtf.csrf import generate_csrf
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from symposium import program_editing as admin
from symposium.accounts import service as accounts
from symposium.accounts.models import User
from symposium.allocation import service as allocation
from symposium.audit.service import Actor
from symposium.demo import demo_pdf
from symposium.extensions import db, limiter
from symposium.program.models import Edition, Person, Session, SessionKind, SummaryStatus
from symposium.registration import questions
from symposium.registration import service as registrations
from symposium.registration.models import Registration
from symposium.registration.service import RoundRequest
from symposium.registration.tokens import make_manage_token
from symposium.speakers import service as speakers
from tests.conftest import POSTGRES_URL, examples, person

pytestmark = pytest.mark.slow  # hypothesis over every form, and the sweeps field by field

ACTOR = Actor(None, "fuzz@example.org")
PASSWORD = "lange-zin-met-koffie-42"
PDF = demo_pdf("Dia's", ["Een regel"])
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def fuzzing(world: "World", count: int = 40) -> settings:
    """Forty examples on SQLite (in the ci profile); fewer on PostgreSQL, where what differs
    is the database's own limits (NUL in text, integer ranges, column lengths), not the app's
    rules: the sweeps of dangerous values below cover those field by field."""
    return settings(
        max_examples=examples(count) if world.sqlite else examples(max(10, count * 3 // 8)),
        deadline=None,
        database=None,  # nothing written into the working tree
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# -- odd values ------------------------------------------------------------------------

EDGE_TEXT = [
    "", " ", "\t", "\n", "\r\n", "\x00", "a\x00b", "\x1b[31m", "\x7f", "\x85", "\u2028",
    "\u200b", "\u200e", "\u200f", "\u202e", "\u2066", "\ufeff", "\ufffd", "\U0001f600",
    "e\u0301", "Z\u0335\u0321a\u0334", "ﷺ", "𒐫", "İ", "ß", "ǅ", "ﬃ", "𝔘𝔫𝔦",
    "٣", "²", "𝟙𝟚", "١٢٣٤-٠١-٠١", "-1", "0", "00", "+1", "1.5", "1e9", "1e309", "NaN",
    "inf", "-0", "2147483648", "9223372036854775808", "99999999999999999999999999",
    "2031-02-30", "0000-00-00", "9999-12-31", "0001-01-01", "1-1-1", "31/12/2031",
    "24:00", "23:60", "-1:00", "9:5", "09.30 uur", "2031-11-24T25:00", "2031-11-24T09:30",
    "<script>alert(1)</script>", "' OR '1'='1", "%s%s%n", "{}", "{0}", "{first_name}",
    "{__class__}", "{{", "}", "../../etc/passwd", "C:\\con", "none", "None", "null", "true",
    "false", "[]", "a@b", "@", "a@b.c", "x@example.org", " X@EXAMPLE.ORG ", "\u202egro.x@y",
    "Europe/Amsterdam", "Mars/Olympus", "UTC", "ranked", "first_come", "breakout",
    "plenary", "session", "confirmed", "yes", "no", "nl", "en", "move", "release", "save",
    "preview", "submit", "send", "up", "down", "1", "2", "3",
]  # fmt: skip
LONG_TEXT = st.builds(
    lambda char, times: char * times,
    st.sampled_from(["x", "é", "😀", "\u200f", " ", "\n", "1", "-", "a\u0301"]),
    st.sampled_from([101, 201, 255, 256, 301, 1001, 5001, 10_000]),
)
ODD_TEXT = st.one_of(
    st.sampled_from(EDGE_TEXT),
    st.text(max_size=30),  # any code point but surrogates: control characters included
    LONG_TEXT,
    st.integers().map(str),
    st.floats().map(str),
    st.dates().map(str),
    st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M")),
    st.times().map(lambda moment: moment.strftime("%H:%M")),
)
#: what a form field can carry: one value (most often), the same name repeated, or bytes
#: that are not UTF-8
FORM_VALUE = st.one_of(
    ODD_TEXT,
    ODD_TEXT,
    ODD_TEXT,
    st.lists(ODD_TEXT, min_size=2, max_size=3),
    st.binary(min_size=1, max_size=8),
)
JSON_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**31 - 2, max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    ODD_TEXT,
    st.text(alphabet=st.characters(categories=["Cs", "Cc", "Cf", "Co"]), max_size=5),
)
JSON_ANY = st.recursive(
    JSON_SCALAR,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ODD_TEXT, inner, max_size=3),
    max_leaves=8,
)
LANGUAGES = st.sampled_from(["nl", "en", "", "xx", "en;q=abc", "*", "nl-BE, en;q=0.5"])


# -- the world every form works on -----------------------------------------------------


@dataclass
class World:
    """Ids of what the forms work on; pages are looked up afresh for every example."""

    app: flask.Flask
    sqlite: bool
    folder: Path
    edition_id: int
    ranked_id: int
    registration_id: int
    ranked_registration_id: int
    organiser_id: int
    speaker_id: int
    speaker_person_id: int
    session_id: int
    material_id: int
    question_ids: list[int]
    serial: itertools.count = field(default_factory=lambda: itertools.count(1))

    def edition(self, ranked: bool = False) -> Edition:
        return db.session.get(Edition, self.ranked_id if ranked else self.edition_id)

    def slug(self, ranked: bool = False) -> str:
        return self.edition(ranked).slug

    def round_ids(self, ranked: bool = False) -> list[int]:
        return [round_.id for round_ in self.edition(ranked).rounds]

    def token(self, ranked: bool = False) -> str:
        registration = db.session.get(
            Registration, self.ranked_registration_id if ranked else self.registration_id
        )
        return make_manage_token(self.app.secret_key, registration.id, registration.manage_secret)

    def session(self) -> Session:
        return db.session.get(Session, self.session_id)

    def fresh_session(self) -> Session:
        """A breakout with one seat taken, to delete."""
        edition = self.edition()
        round_ = edition.rounds[0]
        number = next(self.serial)
        session = Session(
            edition=edition,
            round=round_,
            kind=SessionKind.breakout,
            title=f"Te verwijderen {number}",
            slug=f"te-verwijderen-{number}",
            room="Zaal 9",
            capacity=5,
            starts_at=round_.starts_at,
            ends_at=round_.ends_at,
        )
        db.session.add(session)
        db.session.commit()
        return session


@pytest.fixture
def world(app_under_test, make_edition, sign_up, tmp_path) -> World:
    """An edition open for sign-up with a question of every kind and someone signed up, a
    ranked one with someone who ranked, an organiser, and a speaker with slides."""
    app = app_under_test
    folder = tmp_path / "materials"
    app.config.update(MATERIALS_FOLDER=str(folder))
    edition = make_edition(capacity=500)
    for label, kind, options in [
        ("Wat verwacht je?", "text", ""),
        ("Welke sector?", "one_choice", "Zorg\nOnderwijs\nGemeente"),
        ("Welke thema's?", "several_choices", "Wonen\nSchulden\nWerk"),
        ("Blijf je lunchen?", "yes_no", ""),
    ]:
        draft = questions.QuestionDraft(label, kind, required=True, options_text=options)
        questions.add(edition.id, draft, ACTOR)
    first, second = edition.rounds
    second.sessions[0].capacity = 1  # full, for the waiting list
    db.session.commit()
    sign_up(
        edition, 3, {first.id: None, second.id: second.sessions[0].id}, answers=_answers(edition)
    )
    registration = sign_up(
        edition,
        1,
        {first.id: first.sessions[0].id, second.id: None},
        answers=_answers(edition),
    )

    ranked = make_edition(capacity=500)
    deadline = (datetime.now(UTC) + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    allocation.change_settings(ranked.id, allocation.SettingsData("ranked", deadline), ACTOR)
    wanted = person(2)
    wanted.choices = {
        round_.id: RoundRequest(ranking=tuple(s.id for s in round_.sessions[:2]))
        for round_ in ranked.rounds
    }
    ranked_registration = registrations.register(ranked.id, wanted)

    organiser = accounts.create_organiser("org@example.org", "Olga Organiser", PASSWORD)
    session = first.sessions[0]
    ana = Person(name="Ana de Spreker", affiliation="Hogeschool", email="ana@example.org")
    session.speakers = [ana]
    db.session.commit()
    speaker = speakers.invite(ana.id, "nl", ACTOR)
    material = speakers.add_material(
        session.id, speakers.MaterialData(), speakers.Upload(io.BytesIO(PDF), "dias.pdf"), speaker
    )
    return World(
        app=app,
        sqlite=db.engine.dialect.name == "sqlite",
        folder=folder,
        edition_id=edition.id,
        ranked_id=ranked.id,
        registration_id=registration.id,
        ranked_registration_id=ranked_registration.id,
        organiser_id=organiser.id,
        speaker_id=speaker.id,
        speaker_person_id=ana.id,
        session_id=session.id,
        material_id=material.id,
        question_ids=[q.id for q in registrations.edition_questions(edition.id)],
    )


def _answers(edition: Edition) -> dict[int, object]:
    by_kind = {
        "text": "Inspiratie",
        "one_choice": "Zorg",
        "several_choices": ["Wonen"],
        "yes_no": True,
    }
    return {q.id: by_kind[q.kind.value] for q in registrations.edition_questions(edition.id)}


# -- asking and checking ---------------------------------------------------------------


def snapshot(world: World) -> dict:
    """Every row of every table, and the names in the file store."""
    db.session.rollback()
    tables = {
        table.name: sorted(map(repr, db.session.execute(sa.select(table)).all()))
        for table in db.metadata.sorted_tables
    }
    tables["files"] = (
        sorted(str(p) for p in world.folder.rglob("*")) if world.folder.exists() else []
    )
    return tables


def changed(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def client_for(world: World, who: str):
    """A fresh browser: signed in as `who` (or nobody), with a CSRF token of its own."""
    limiter.reset()  # the sign-in forms allow ten tries a minute; fuzzing makes forty
    with world.app.test_request_context():
        flask.g.pop("csrf_token", None)  # the app context outlives this request's
        token = generate_csrf()
        secret = flask.session["csrf_token"]
        flask.g.pop("csrf_token", None)
    client = world.app.test_client()
    with client.session_transaction() as session:
        session["csrf_token"] = secret
        if who != ANONYMOUS:
            user_id = world.organiser_id if who == ORGANISER else world.speaker_id
            db.session.rollback()  # signing out (a route fuzzed before) ends its sessions
            session["_user_id"] = db.session.get(User, user_id).get_id()
            session["_fresh"] = True
    return client, token


def form_body(values: dict) -> bytes:
    """An urlencoded body; values may repeat a name, or be bytes that are not UTF-8."""
    pairs = []
    for name, value in values.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((name, item))
    return urlencode(pairs, quote_via=quote).encode("ascii")


def flashed_errors(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for category, message in session.get("_flashes", []) if category == "error"]


def page_says_what_is_wrong(response) -> bool:
    html = response.get_data(as_text=True)
    return (
        'class="error-summary"' in html
        or 'class="flash flash-error"' in html
        or (response.status_code >= 400 and "<h1>" in html)
    )


def what_is_wrong(html: str) -> str:
    """The error summary's messages, for a failing test's report."""
    found = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0))) if found else html[:2000]


def check(world: World, client, response, before: dict, case: "Case") -> None:
    """Not a 5xx; a success, or a message and nothing changed."""
    status = response.status_code
    assert status < 500, (status, response.get_data(as_text=True)[:2000])
    if status in (301, 302, 303):
        errors = flashed_errors(client)
        if not errors:
            return
        after = snapshot(world)
        assert not changed(before, after), (changed(before, after), errors)
        return
    html = response.get_data(as_text=True)
    if status == 200 and any(marker in html for marker in case.success_markers):
        return
    after = snapshot(world)
    allowed = case.allowed_changes(html) if case.allowed_changes else set()
    assert not set(changed(before, after)) - allowed, changed(before, after)
    if status == 200 and any(marker in html for marker in case.fine_markers):
        return  # a preview: nothing to complain about
    assert status in (200, 400, 403, 404, 413, 422), status
    assert page_says_what_is_wrong(response), html[:3000]


# -- the forms -------------------------------------------------------------------------


@dataclass
class Case:
    who: str
    #: the address, from the world as it is now
    path: Callable[[World], str]
    #: a valid post, which hypothesis then spoils
    valid: Callable[[World], dict]
    method: str = "POST"
    #: fields that take a file
    files: tuple[str, ...] = ()
    #: run before each example: put back what an earlier example may have used up
    prepare: Callable[[World], None] | None = None
    #: a 200 page with one of these is a success (no redirect after it)
    success_markers: tuple[str, ...] = ()
    #: a 200 page with one of these is a fine answer that changes nothing (a preview)
    fine_markers: tuple[str, ...] = ()
    #: tables an error may change on purpose, judged by its page
    allowed_changes: Callable[[str], set[str]] | None = None
    #: extra fields hypothesis may add, with their values
    extra_fields: Callable[[World], list[str]] = lambda world: []


def _sign_up_valid(world: World, ranked: bool = False) -> dict:
    edition = world.edition(ranked)
    values = {
        "first_name": "Zoë",
        "last_name": "Çelik",
        "email": f"fuzz{next(world.serial)}@example.org",
        "organisation": "Wijkteam Zuid",
        "role": "researcher",
        "dietary_needs": "",
        "access_needs": "",
        "consent": "y",
    }
    for round_ in edition.rounds:
        if ranked:
            values[f"rank-{round_.id}-1"] = str(round_.sessions[0].id)
            values[f"rank-{round_.id}-2"] = str(round_.sessions[1].id)
        else:
            values[f"round-{round_.id}"] = str(round_.sessions[1].id)
    for question in registrations.edition_questions(edition.id):
        answer = {"text": "Ideeën", "one_choice": "Zorg", "several_choices": ["Werk", "Wonen"]}
        values[question.field_name] = answer.get(question.kind.value, "yes")
    return values


def _sign_up_extra(world: World, ranked: bool = False) -> list[str]:
    names = ["newsletter", "form", "choices", "answers"]
    for round_id in world.round_ids(ranked):
        names += [f"round-{round_id}", f"waitlist-{round_id}", f"rank-{round_id}-3"]
    return names


def _duplicate_mail(html: str) -> set[str]:
    """Signing up twice mails the existing link again, as the message on the page says."""
    said = "already been used to sign up" in html or "al gebruikt om je aan te melden" in html
    return {"outbox_message"} if said else set()


def _reset_summary(status: SummaryStatus) -> Callable[[World], None]:
    def prepare(world: World) -> None:
        session = world.session()
        session.summary = "## Wat we bespraken\n\nVeel."
        session.summary_status = status
        db.session.commit()

    return prepare


ORGANISER = "organiser"
SPEAKER = "speaker"
ANONYMOUS = "anonymous"
DELETED = 'class="panel-confirmation"'

CASES: dict[str, Case] = {
    # -- attendees ---------------------------------------------------------------------
    "sign-up": Case(
        ANONYMOUS,
        lambda w: f"/{w.slug()}/register",
        _sign_up_valid,
        allowed_changes=_duplicate_mail,
        extra_fields=_sign_up_extra,
    ),
    "sign-up-ranked": Case(
        ANONYMOUS,
        lambda w: f"/{w.slug(ranked=True)}/register",
        lambda w: _sign_up_valid(w, ranked=True),
        allowed_changes=_duplicate_mail,
        extra_fields=lambda w: _sign_up_extra(w, ranked=True),
    ),
    "send-my-link": Case(
        ANONYMOUS, lambda w: f"/{w.slug()}/link", lambda w: {"email": "person1@example.org"}
    ),
    "manage-change-session": Case(
        ANONYMOUS,
        lambda w: f"/r/{w.token()}/rounds/{w.round_ids()[0]}",
        lambda w: {"session": str(w.edition().rounds[0].sessions[2].id)},
    ),
    "manage-waiting-list": Case(
        ANONYMOUS,
        lambda w: f"/r/{w.token()}/rounds/{w.round_ids()[1]}/waitlist",
        lambda w: {"session": str(w.edition().rounds[1].sessions[0].id)},
    ),
    "manage-ranking": Case(
        ANONYMOUS,
        lambda w: f"/r/{w.token(ranked=True)}/rounds/{w.round_ids(ranked=True)[0]}/ranking",
        lambda w: {
            f"rank-{w.round_ids(ranked=True)[0]}-{rank}": str(s.id)
            for rank, s in enumerate(reversed(w.edition(ranked=True).rounds[0].sessions), 1)
        },
    ),
    # -- signing in --------------------------------------------------------------------
    "organiser-sign-in": Case(
        ANONYMOUS,
        lambda w: "/sign-in?next=" + quote("//evil.example/\x00"),
        lambda w: {"email": "org@example.org", "password": PASSWORD},
    ),
    "speaker-link-request": Case(
        ANONYMOUS, lambda w: "/speaker/sign-in", lambda w: {"email": "iemand@example.org"}
    ),
    # -- organisers: accounts, program, questions --------------------------------------
    "organiser-account": Case(
        ORGANISER,
        lambda w: "/organiser/accounts",
        lambda w: {
            "email": f"nieuw{next(w.serial)}@example.org",
            "name": "Nieuwe Organisator",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    ),
    "organiser-account-active": Case(
        ORGANISER,
        lambda w: f"/organiser/accounts/{w.organiser_id}/active",
        lambda w: {"active": "1"},
    ),
    "new-edition": Case(
        ORGANISER,
        lambda w: "/organiser/editions/new",
        lambda w: {
            **asdict(admin.edition_values(w.edition())),
            "slug": f"fuzz-{next(w.serial)}",
        },
    ),
    "edit-edition": Case(
        ORGANISER,
        lambda w: f"/organiser/{w.slug()}/edit",
        lambda w: asdict(admin.edition_values(w.edition())),
    ),
    "copy-edition": Case(
        ORGANISER,
        lambda w: f"/organiser/{w.slug()}/copy",
        lambda w: {"title": "Volgend jaar", "slug": f"kopie-{next(w.serial)}"},
    ),
    "new-round": Case(
        ORGANISER,
        lambda w: f"/organiser/{w.slug()}/rounds/new",
        lambda w: {
            **asdict(admin.new_round_values(w.edition())),
            "starts_time": "16:00",
            "ends_time": "16:45",
        },
    ),
    "edit-round": Case(
        ORGANISER,
        lambda w: f"/organiser/{w.slug()}/rounds/{w.round_ids()[1]}/edit",
        lambda w: asdict(admin.round_values(w.edition().rounds[1])),
    ),
    "new-session": Case(
        ORGANISER,
        lambda w: f"/organiser/{w.slug()}/sessions/new",
        lambda w: {
            **asdict(admin.session_values(w.session())),
            "slug": "",
            "title": f"Nieuw {next(w.serial)}",
            # a copy of a session shares its room and speaker: the organiser means it
            "save_anyway": "yes",
        },
    ),
    "edit-session": Case(
        ORGANISER,
        lambda w: f"/organiser/{w.slug()}/sessions/{w.session_id}/edit",
        lambda w: asdict(admin.session_values(w.session())),
    ),
    "delete-session": Case(
        ORGANISER,
        lambda w: f"/organiser/{w.slug()}/sessions/{w.fresh_session().id}/delete",
        lambda w: {"outcome": "move", "target_session_id": str(w.session_id)},
        success_markers=(DELETED,),
    ),
    "new-speaker": Case(
        ORGANISER,
        lambda w: "/organiser/people/new",
        lambda w: {"name": "Bo van Praat", "affiliation": "", "bio": "", "email": ""},
    ),
    "edit-speaker": Case(
        ORGANISER,
        lambda w: f"/organiser/people/{w.speaker_person_id}/edit",
        lambda w: asdict(admin.person_values(db.session.get(Person, w.speaker_person_id))),
    ),
    "new-question": Case(
        ORGANISER,
        lambda w: f"/organiser/{w.slug()}/questions",
        lambda w: {
            "label": "Hoe kwam je hier?",
            "hint": "",
            "kind": "one_choice",
            "options_text": "Trein\nFiets",
            "required": "y",
        },
    ),
    "edit-question": Case(
        ORGANISER,
        lambda w: f"/organiser/{w.slug()}/questions/{w.question_ids[1]}",
        lambda w: {
            "label": "Welke sector?",
            "hint": "Kies er één.",
            "kind": "one_choice",
            "options_text": "Zorg\nOnderwijs\nGemeente",
        },
    ),
    "move-question": Case(
        ORGANISER,
        lambda w: f"/organiser/{w.slug()}/questions/{w.question_ids[1]}/move",
        lambda w: {"direction": "up"},
    ),
    "mail-out": Case(
        ORGANISER,
        lambda w: f"/organiser/{w.slug()}/mailouts/new",
        lambda w: {
            "subject": "Praktisch",
            "body": "Beste {first_name},\n\n**Tot dan.** {manage_link}",
            "segment": "confirmed",
            "session_id": "",
            "action": "preview",
        },
        fine_markers=('id="preview-title"',),
    ),
    # -- organisers: registrations, check-in, allocation --------------------------------
    "registration-details": Case(
        ORGANISER,
        lambda w: f"/organiser/registrations/{w.registration_id}/edit",
        lambda w: {
            "first_name": "Person1",
            "last_name": "Tester",
            "email": "person1@example.org",
            "organisation": "Gemeente Utrecht",
            "role": "social_worker",
            "dietary_needs": "",
            "access_needs": "",
            "locale": "nl",
        },
    ),
    "registration-move": Case(
        ORGANISER,
        lambda w: f"/organiser/registrations/{w.registration_id}/rounds/{w.round_ids()[0]}/move",
        lambda w: {"session": str(w.edition().rounds[0].sessions[1].id), "add_seat": "y"},
    ),
    "check-in": Case(
        ORGANISER,
        lambda w: f"/organiser/{w.slug()}/check-in/{w.registration_id}",
        lambda w: {"q": "Person", "back": "door"},
    ),
    "allocation-settings": Case(
        ORGANISER,
        lambda w: f"/organiser/{w.slug(ranked=True)}/allocation",
        lambda w: asdict(allocation.settings_values(w.edition(ranked=True))),
    ),
    # -- organisers: speakers and summaries --------------------------------------------
    "invite-speaker": Case(
        ORGANISER,
        lambda w: f"/organiser/people/{w.speaker_person_id}/invite",
        lambda w: {"locale": "en"},
    ),
    "speakers-see-attendees": Case(
        ORGANISER, lambda w: f"/organiser/{w.slug()}/speakers/attendees", lambda w: {"visible": "y"}
    ),
    "publish-summary": Case(
        ORGANISER,
        lambda w: f"/organiser/{w.slug()}/sessions/{w.session_id}/summary/publish",
        lambda w: {"send": "y", "early": "y"},  # the world's sessions are still to come
        prepare=_reset_summary(SummaryStatus.submitted),
    ),
    "return-summary": Case(
        ORGANISER,
        lambda w: f"/organiser/{w.slug()}/sessions/{w.session_id}/summary/return",
        lambda w: {"remark": "Graag een kopje per vraag."},
        prepare=_reset_summary(SummaryStatus.submitted),
    ),
    "note-taker": Case(
        ORGANISER,
        lambda w: f"/organiser/{w.slug()}/sessions/{w.session_id}/note-taker",
        lambda w: {"person_id": str(w.speaker_person_id)},
    ),
    # -- speakers ----------------------------------------------------------------------
    "speaker-summary": Case(
        SPEAKER,
        lambda w: f"/speaker/sessions/{w.session_id}/summary",
        lambda w: {"summary": "## Wat we bespraken\n\nVeel.", "action": "save"},
        prepare=_reset_summary(SummaryStatus.draft),
        fine_markers=('id="preview-title"',),
    ),
    "speaker-profile": Case(
        SPEAKER,
        lambda w: "/speaker/profile",
        lambda w: {"name": "Ana de Spreker", "affiliation": "Hogeschool", "bio": "Onderzoeker."},
        files=("photo",),
    ),
    "speaker-upload": Case(
        SPEAKER,
        lambda w: f"/speaker/sessions/{w.session_id}/materials",
        lambda w: {"kind": "slides", "visibility": "public"},
        files=("file",),
    ),
    "speaker-material-edit": Case(
        SPEAKER,
        lambda w: f"/speaker/sessions/{w.session_id}/materials/{w.material_id}/edit",
        lambda w: {"kind": "handout", "visibility": "attendees"},
        files=("file",),
    ),
}

FILE_CONTENT = st.one_of(
    st.sampled_from([b"", PDF, PNG, b"PK\x03\x04", b"%PDF-", b"\xff\xd8\xff\xe0" + b"\x00" * 20]),
    st.binary(max_size=64),
    st.binary(max_size=64).map(lambda tail: b"PK\x03\x04" + tail),
)
FILE_NAME = st.one_of(
    st.sampled_from(["dias.pdf", "", ".pdf", "../../x.pdf", "C:\\temp\\x.pdf", "a\x00b.pdf"]),
    ODD_TEXT,
)


@st.composite
def spoiled(draw, valid: dict, extra: list[str]) -> dict:
    """The valid post with some fields given odd values, and some left out."""
    values = dict(valid)
    names = sorted(set(values) | set(extra))
    for name in draw(st.lists(st.sampled_from(names), max_size=len(names), unique=True)):
        values[name] = draw(FORM_VALUE)
    for name in draw(st.lists(st.sampled_from(sorted(values)), max_size=2, unique=True)):
        if draw(st.booleans()):
            del values[name]
    return values


def send(client, token: str, case: "Case", path: str, values: dict, data=None, language="nl"):
    """Post the values as a browser would: urlencoded, or multipart with files drawn from
    `data` for a form that takes them."""
    headers = {"Accept-Language": language}
    if case.files:
        form = {k: v for k, v in values.items() if not isinstance(v, bytes | list)}
        for name in case.files if data is not None else ():
            if data.draw(st.booleans(), label=f"send {name}"):
                content = data.draw(FILE_CONTENT, label=f"{name} content")
                filename = data.draw(FILE_NAME, label=f"{name} name")
                form[name] = (io.BytesIO(content), filename)
        return client.post(path, data={**form, "csrf_token": token}, headers=headers)
    return client.post(
        path,
        data=form_body({**values, "csrf_token": token}),
        content_type="application/x-www-form-urlencoded",
        headers=headers,
    )


@pytest.mark.parametrize("name", CASES)
def test_no_form_answers_odd_input_with_an_error_or_a_change(sqlite_app, world, name):
    case = CASES[name]

    @fuzzing(world)
    @given(data=st.data(), language=LANGUAGES)
    def post_odd_values(data, language):
        if case.prepare:
            case.prepare(world)
        client, token = client_for(world, case.who)
        path = case.path(world)
        values = data.draw(spoiled(case.valid(world), case.extra_fields(world)), label="values")
        before = snapshot(world)

        response = send(client, token, case, path, values, data, language)
        check(world, client, response, before, case)

    post_odd_values()


def strictest_world(request) -> World:
    """The world on PostgreSQL where there is one: it refuses all that SQLite refuses (NUL
    in text, numbers past 32 bits, text past a column's length) and more, so the sweeps
    need not run twice."""
    if POSTGRES_URL and request.node.callspec.params["database_url"] == "sqlite":
        pytest.skip("swept on PostgreSQL, which refuses all that SQLite refuses and more")
    return request.getfixturevalue("world")


#: what databases refuse and code forgets: NUL (PostgreSQL refuses it in text), a value
#: past any column's length (and past the 4,300 digits Python reads), numbers past 32 and
#: 64 bits
DANGEROUS: dict[str, Callable[[str], str]] = {
    "NUL": lambda valid: f"{valid}\x00",
    "10,000 characters": lambda valid: ((valid or "1") * 10_000)[:10_000],
    "past 32 bits": lambda valid: "2147483648",
    "past 64 bits": lambda valid: "99999999999999999999",
}


@pytest.mark.parametrize("name", CASES)
def test_every_field_of_every_form_takes_each_dangerous_value(database_url, request, name):
    """Field by field, what hypothesis would only find by luck."""
    world = strictest_world(request)
    case = CASES[name]
    problems = []
    fields = sorted(set(case.valid(world)) | set(case.extra_fields(world)))
    for field_name, (danger, spoil) in itertools.product(fields, DANGEROUS.items()):
        if case.prepare:
            case.prepare(world)
        client, token = client_for(world, case.who)
        path = case.path(world)
        values = case.valid(world)
        valid = values.get(field_name, "")
        values[field_name] = (
            [spoil(valid[0]), *valid[1:]]
            if isinstance(valid, list) and valid
            else spoil(str(valid))
        )
        before = snapshot(world)
        try:
            check(world, client, send(client, token, case, path, values), before, case)
        except Exception as error:  # every field's problem in one report
            problems.append(f"{field_name} {danger}: {type(error).__name__}: {str(error)[:300]}")
    assert not problems, "\n".join(problems)


# -- the JSON API ----------------------------------------------------------------------


def _api_valid(world: World, ranked: bool = False) -> dict:
    edition = world.edition(ranked)
    first, second = edition.rounds
    data = {
        "first_name": "李",
        "last_name": "小龙",
        "email": f"api{next(world.serial)}@example.org",
        "organisation": "Wijkteam Zuid",
        "role": "researcher",
        "consent": True,
        "answers": {str(q): a for q, a in _answers(edition).items()},
    }
    if ranked:
        data["rankings"] = {
            str(first.id): [first.sessions[0].id, first.sessions[1].id],
            str(second.id): [second.sessions[2].id],
        }
    else:
        data["choices"] = {str(first.id): first.sessions[0].id, str(second.id): None}
    return data


@st.composite
def spoiled_json(draw, world: World, ranked: bool) -> object:
    """A valid body with odd values put in, at the top or inside choices, answers and
    rankings; or something that is not an object at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(JSON_ANY)
    data = _api_valid(world, ranked)
    edition = world.edition(ranked)
    round_keys = [str(r.id) for r in edition.rounds] + ["0", "999999999", "1e3", "-1", "٣"]
    session_ids = [s.id for r in edition.rounds for s in r.sessions]
    top = [*data, "choices", "rankings", "answers", "newsletter", "locale", "status"]
    for name in draw(st.lists(st.sampled_from(sorted(set(top))), max_size=4, unique=True)):
        data[name] = draw(JSON_ANY)
    for inner in ("choices", "rankings", "answers"):
        if not isinstance(data.get(inner), dict) or not draw(st.booleans()):
            continue
        keys = round_keys if inner != "answers" else [*map(str, world.question_ids), "0", "x"]
        values = st.one_of(
            JSON_ANY,
            st.sampled_from(session_ids),
            st.lists(st.one_of(st.sampled_from(session_ids), st.integers()), max_size=4),
        )
        for key in draw(st.lists(st.sampled_from(keys), max_size=3, unique=True)):
            data[inner][key] = draw(values)
    return data


def api_client(world: World):
    limiter.reset()  # sign-ups are limited per address; fuzzing is one address
    return world.app.test_client()


def registrations_count() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Registration))


@pytest.mark.parametrize("ranked", [False, True], ids=["first-come", "ranked"])
def test_the_api_answers_any_json_with_errors_or_a_registration(app, world, ranked):
    @fuzzing(world, count=80)
    @given(data=st.data(), language=LANGUAGES)
    def post_odd_json(data, language):
        body = data.draw(spoiled_json(world, ranked), label="body")
        client = api_client(world)
        before = snapshot(world)

        response = client.post(
            f"/api/v1/editions/{world.slug(ranked)}/registrations",
            data=json.dumps(body),
            content_type="application/json",
            headers={"Accept-Language": language},
        )

        # 413: a body over the 64 KB limit for JSON
        assert response.status_code in (201, 400, 409, 413, 422), response.get_data(as_text=True)
        answer = response.get_json()
        if response.status_code == 201:
            assert answer["manage_url"]
            return
        assert not changed(before, snapshot(world))
        if response.status_code == 422:
            assert answer["errors"] and all(answer["errors"].values()), answer
        else:
            assert answer["error"], answer

    post_odd_json()


#: JSON values past what a column holds or a database takes
DANGEROUS_JSON = [
    "x\x00", "\ud800", "x" * 10_000, 2**31, 2**63, 2**70, -1, 1e308, True, None, [2**70],
    {"1": 2**70},
]  # fmt: skip


@pytest.mark.parametrize("ranked", [False, True], ids=["first-come", "ranked"])
def test_every_api_field_takes_each_dangerous_value(database_url, request, ranked):
    """At the top of the body and inside choices, rankings and answers, one at a time."""
    world = strictest_world(request)
    valid = _api_valid(world, ranked)
    places = [(name,) for name in [*valid, "newsletter", "choices", "rankings", "answers"]]
    for inner in ("choices", "rankings", "answers"):
        places += [(inner, key) for key in valid.get(inner, {})]
    places += [("choices", "0"), ("rankings", "2147483648"), ("answers", "99999999999999999999")]
    problems = []
    for place, value in itertools.product(places, DANGEROUS_JSON):
        body = _api_valid(world, ranked)
        if len(place) == 1:
            body[place[0]] = value
        else:
            body.setdefault(place[0], {})[place[1]] = value
        before = snapshot(world)
        try:
            response = api_client(world).post(
                f"/api/v1/editions/{world.slug(ranked)}/registrations", json=body
            )
            assert response.status_code in (201, 409, 422), response.status_code
            if response.status_code != 201:
                assert not changed(before, snapshot(world))
                assert response.get_json().get("errors") or response.get_json().get("error")
        except Exception as error:  # every place's problem in one report
            problems.append(f"{place} = {str(value)[:20]!r}: {type(error).__name__}: {error}"[:400])
    assert not problems, "\n".join(problems)


NOT_AN_OBJECT = st.one_of(
    st.binary(max_size=64),
    st.sampled_from(
        [b"", b"{", b"[]", b"null", b'{"a":1,"a":2}', b"\xef\xbb\xbf{}", b"NaN", b"1e999"]
    ),
    st.integers(1, 2000).map(lambda depth: b"[" * depth + b"]" * depth),
    st.integers(1, 2000).map(lambda depth: b'{"a":' * depth + b"1" + b"}" * depth),
)
CONTENT_TYPES = st.sampled_from(
    ["application/json", "application/json; charset=latin-1", "text/json", "text/plain", ""]
)


def test_the_api_answers_bytes_that_are_not_a_json_object_with_400(sqlite_app, world):
    @fuzzing(world)
    @given(raw=NOT_AN_OBJECT, content_type=CONTENT_TYPES)
    @example(raw=b"[" * 5000 + b"]" * 5000, content_type="application/json")
    def post_bytes(raw, content_type):
        before = registrations_count()
        client = api_client(world)

        response = client.post(
            f"/api/v1/editions/{world.slug()}/registrations", data=raw, content_type=content_type
        )

        assert response.status_code in (400, 422), response.get_data(as_text=True)
        assert response.get_json()["error" if response.status_code == 400 else "errors"]
        assert registrations_count() == before

    post_bytes()


# -- addresses and searches ------------------------------------------------------------

SEARCHES = {
    "registrations": (ORGANISER, "/organiser/{slug}/registrations", ["q", "status", "round_id",
                      "session_id", "place", "checked_in", "page"]),
    "registrations.csv": (ORGANISER, "/organiser/{slug}/registrations.csv", ["q", "status",
                          "round_id", "session_id", "place", "checked_in"]),
    "door": (ORGANISER, "/organiser/{slug}/check-in", ["q"]),
    "outbox": (ORGANISER, "/organiser/outbox", ["status", "page"]),
    "new-session": (ORGANISER, "/organiser/{slug}/sessions/new", ["kind", "round_id"]),
    "speaker-link": (ANONYMOUS, "/speaker/sign-in/{value}", []),
    "check-in-code": (ORGANISER, "/organiser/check-in/{value}", []),
    "manage-link": (ANONYMOUS, "/r/{value}", []),
    "material-download": (ANONYMOUS, "/{slug}/sessions/workshop-1-1/materials/1", ["token"]),
    "program": (ANONYMOUS, "/{value}/", ["lang"]),
    "session-page": (ANONYMOUS, "/{slug}/sessions/{value}", []),
    "feed": (ANONYMOUS, "/{value}/program.ics", []),
    "api-edition": (ANONYMOUS, "/api/v1/editions/{value}", []),
    "organiser-program": (ORGANISER, "/organiser/{value}/program", []),
}  # fmt: skip


#: organisers reading personal data is logged on purpose: that is no change by the input
READS_LOGGED = {"access_entry"}


def get(world: World, who: str, path: str, query: dict, language: str = "nl") -> None:
    """Ask for a page with odd arguments: an answer, and nothing changed."""
    client, _token = client_for(world, who)
    before = snapshot(world)
    response = client.get(
        path + "?" + form_body(query).decode(), headers={"Accept-Language": language}
    )
    response.close()  # a download's file
    # 308: an encoded slash in the value makes two slashes in a row, which the router
    # merges by a redirect to the same page.
    assert response.status_code in (200, 302, 308, 400, 403, 404), response.status_code
    assert not set(changed(before, snapshot(world))) - READS_LOGGED


@pytest.mark.parametrize("name", SEARCHES)
def test_odd_addresses_and_searches_change_nothing(sqlite_app, world, name):
    who, template, names = SEARCHES[name]

    @fuzzing(world)
    @given(data=st.data(), language=LANGUAGES)
    def get_odd_address(data, language):
        value = data.draw(ODD_TEXT.filter(lambda text: text not in ("", ".", "..")), label="value")
        path = template.format(slug=world.slug(), value=quote(value, safe=""))
        query = data.draw(
            st.dictionaries(st.sampled_from(names or ["x"]), FORM_VALUE), label="query"
        )
        get(world, who, path, query, language)

    get_odd_address()


@pytest.mark.parametrize("name", SEARCHES)
def test_every_search_takes_each_dangerous_value(database_url, request, name):
    world = strictest_world(request)
    who, template, names = SEARCHES[name]
    problems = []
    for argument, (danger, spoil) in itertools.product([None, *names], DANGEROUS.items()):
        value = quote(spoil("x"), safe="") if argument is None else "x"
        path = template.format(slug=world.slug(), value=value)
        try:
            get(world, who, path, {argument: spoil("1")} if argument else {})
        except Exception as error:  # every argument's problem in one report
            problems.append(f"{argument or 'address'} {danger}: {type(error).__name__}: {error}")
    assert not problems, "\n".join(p[:400] for p in problems)


NEXT = st.builds(
    lambda start, rest: start + rest,
    st.sampled_from(["", "/", "//", "/\\", "\\\\", "/\t/", "/\n/", "/\r\n", "http://", "/%2f/"]),
    st.one_of(st.sampled_from(["evil.example", "evil.example/organiser/", ""]), ODD_TEXT),
)


def test_signing_in_goes_on_to_a_page_of_this_site_only(sqlite_app, world):
    """The address to go back to after signing in is the fuzzed field people forget."""

    @fuzzing(world)
    @given(target=NEXT)
    def sign_in_then_go_to(target):
        client, token = client_for(world, ANONYMOUS)
        response = client.post(
            f"/sign-in?next={quote(target, safe='')}",
            data={"csrf_token": token, "email": "org@example.org", "password": PASSWORD},
        )

        assert response.status_code == 302
        location = response.headers["Location"]
        assert location.startswith("/") and not location.startswith(("//", "/\\")), location
        assert not urlsplit(location).netloc, location

    sign_in_then_go_to()


def test_the_fuzzing_world_takes_valid_posts(app, world):
    """The valid posts the fuzzing starts from are accepted: the odd values are what fails."""
    for name, case in CASES.items():
        if case.prepare:
            case.prepare(world)
        client, token = client_for(world, case.who)
        response = client.post(case.path(world), data={**case.valid(world), "csrf_token": token})
        if case.files:
            continue  # a file is required for an upload: see the fuzzing
        assert response.status_code in (200, 302), (name, response.status_code)
        assert not flashed_errors(client), (name, flashed_errors(client))
        html = response.get_data(as_text=True)
        assert 'class="error-summary"' not in html, (name, what_is_wrong(html))
