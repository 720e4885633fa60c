"""Who may do what: every route of the app, as each kind of visitor, against one table.

A route without a line in RULES fails the test, so a new route cannot go out without a
rule. To add one: one line `"<endpoint>": Rule(<who>)`, and a value in `world_values` for
any new kind of URL argument.
"""

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import flask
import pytest
import sqlalchemy as sa
from flask_wtf.csrf import generate_csrf

from symposium.accounts.models import User
from symposium.documents import service as documents
from symposium.documents.models import DocumentKind
from symposium.extensions import db
from symposium.mail.models import Mailout, OutboxMessage
from symposium.program.models import SummaryStatus
from symposium.registration import questions, service
from symposium.registration.tokens import make_manage_token
from symposium.speakers import service as speakers
from symposium.speakers.models import SignInLink
from tests import test_speakers
from tests.conftest import person
from tests.test_materials import PNG
from tests.test_organiser import example_values
from tests.test_speakers import ACTOR, pdf_bytes

# Two speakers with a breakout each (Ana: session A, Bo: session B), an organiser, and a
# file store per test: the speakers' fixtures.
cast = test_speakers.cast
file_store = test_speakers.file_store
organiser = test_speakers.organiser

#: who the walk goes as
PERSONAS = ("anonymous", "attendee", "speaker", "other_speaker", "organiser")

EVERYONE = frozenset(PERSONAS)
#: whoever holds the registration's manage link (/r/<token>); the others try a forged one
HOLDER = frozenset({"attendee"})
#: signed in to the speakers' area: any speaker, and organisers
SIGNED_IN = frozenset({"speaker", "other_speaker", "organiser"})
#: session A's own speaker, and organisers; the other speaker tries session A's pages
SESSION_A = frozenset({"speaker", "organiser"})
ORGANISERS = frozenset({"organiser"})


@dataclass(frozen=True)
class Rule:
    """Who may use a route (every method it allows), and what the walk sends it."""

    who: frozenset[str]
    #: form fields beyond the CSRF token: {field: name in the world's values}
    form: dict[str, str] = field(default_factory=dict)
    #: a JSON body instead of a form
    json: dict[str, Any] | None = None
    #: URL arguments taken from another of the world's values: {argument: value name}
    values: dict[str, str] = field(default_factory=dict)
    #: its answer to those allowed is itself a sign-in page (signing out)
    ends_at_sign_in: bool = False


API_SIGN_UP = {
    "first_name": "Matrix",
    "last_name": "Tester",
    "email": "matrix@example.org",
    "organisation": "Wijkteam",
    "role": "social_worker",
    "consent": True,
}

RULES: dict[str, Rule] = {
    # -- public pages, feeds and the API
    "static": Rule(EVERYONE),
    "program.index": Rule(EVERYONE),
    "program.program": Rule(EVERYONE),
    "program.session": Rule(EVERYONE),
    "program.privacy": Rule(EVERYONE),
    "program.speakers": Rule(EVERYONE),
    "program.archive": Rule(EVERYONE),
    "feeds.embed": Rule(EVERYONE),
    "feeds.program_calendar": Rule(EVERYONE),
    "feeds.schedule_json": Rule(EVERYONE),
    "feeds.schedule_xml": Rule(EVERYONE),
    "program_api.editions": Rule(EVERYONE),
    "program_api.edition": Rule(EVERYONE),
    "program_api.openapi": Rule(EVERYONE),
    # the world's edition sells tickets (an invoiced group); JSON sign-up is for free ones
    "registration_api.create_registration": Rule(
        EVERYONE, json=API_SIGN_UP, values={"slug": "free_slug"}
    ),
    "registration.register": Rule(EVERYONE),
    "registration.send_link": Rule(EVERYONE),
    "speaker_files.photo": Rule(EVERYONE),
    # a material for the organisers and the session's speakers
    "speaker_files.download": Rule(SESSION_A),
    # -- signing in and out
    "accounts.sign_in": Rule(EVERYONE),
    "accounts.sign_out": Rule(EVERYONE, ends_at_sign_in=True),
    "accounts.forgot_password": Rule(EVERYONE),
    "accounts.reset_password": Rule(EVERYONE),
    "accounts.change_password": Rule(ORGANISERS),
    "accounts.sign_in_code": Rule(EVERYONE, ends_at_sign_in=True),
    "accounts.two_factor": Rule(ORGANISERS),
    "accounts.two_factor_required": Rule(ORGANISERS),
    "accounts.two_factor_qr": Rule(ORGANISERS),
    "speakers.sign_in": Rule(EVERYONE),
    "speakers.follow_link": Rule(EVERYONE, values={"token": "sign_in_link"}),
    # -- behind an attendee's manage link
    "registration.manage": Rule(HOLDER),
    "registration.confirm_email": Rule(HOLDER),
    "registration.calendar": Rule(HOLDER),
    "registration.personal_data": Rule(HOLDER),
    "registration.change_choice": Rule(HOLDER, form={"session": "session_b_id"}),
    "registration.change_ranking": Rule(HOLDER),
    "registration.join_waitlist": Rule(HOLDER, form={"session": "session_b_id"}),
    "registration.leave_waitlist": Rule(HOLDER),
    "registration.cancel": Rule(HOLDER),
    "registration.own_details": Rule(HOLDER),
    "registration.erase": Rule(HOLDER),
    "registration.register_numbers": Rule(HOLDER),
    "documents.badge": Rule(HOLDER),
    "documents.certificate": Rule(HOLDER),
    # -- documents for everyone: the booklet of published summaries
    "documents.booklet": Rule(EVERYONE),
    "documents.booklet_progress": Rule(EVERYONE),
    # -- online payments: Mollie's webhook (it believes nothing it is sent), and the payer's
    # return address (signed per order; this world has no payment, so nobody gets in)
    "payments.webhook": Rule(EVERYONE),
    "payments.returned": Rule(frozenset()),
    "payments.retry": Rule(frozenset()),
    # -- the speakers' area
    "speakers.index": Rule(SIGNED_IN),
    "speakers.profile": Rule(SIGNED_IN),
    "speakers.session_page": Rule(SESSION_A),
    "speakers.upload_material": Rule(SESSION_A),
    "speakers.material_file": Rule(SESSION_A),
    "speakers.edit_material": Rule(SESSION_A),
    "speakers.delete_material": Rule(SESSION_A),
    "speakers.summary": Rule(SESSION_A),
    # -- the organisers' area
    "organiser.index": Rule(ORGANISERS),
    "operations.healthz": Rule(EVERYONE),
    "operations.metrics": Rule(ORGANISERS),
    "organiser.audit_log": Rule(ORGANISERS),
    "organiser.access_log": Rule(ORGANISERS),
    "organiser.mailout_list": Rule(ORGANISERS),
    "organiser.new_mailout": Rule(ORGANISERS),
    "organiser.mailout": Rule(ORGANISERS),
    "organiser.outbox_list": Rule(ORGANISERS),
    "organiser.outbox_message": Rule(ORGANISERS),
    "organiser.retry_message": Rule(ORGANISERS),
    "organiser_accounts.account_list": Rule(ORGANISERS),
    "organiser_accounts.set_active": Rule(ORGANISERS),
    "organiser_allocation.settings": Rule(ORGANISERS),
    "organiser_allocation.commit": Rule(ORGANISERS),
    "organiser_allocation.demand": Rule(ORGANISERS),
    "organiser_allocation.preview": Rule(ORGANISERS),
    "organiser_checkin.door": Rule(ORGANISERS),
    "organiser_checkin.door_count": Rule(ORGANISERS),
    "organiser_checkin.check_in": Rule(ORGANISERS),
    "organiser_checkin.undo_check_in": Rule(ORGANISERS),
    "organiser_checkin.check_out": Rule(ORGANISERS),
    "organiser_checkin.undo_check_out": Rule(ORGANISERS),
    "organiser_checkin.check_out_badge": Rule(ORGANISERS),
    "organiser_accreditation.overview": Rule(ORGANISERS),
    "organiser_accreditation.new": Rule(ORGANISERS),
    "organiser_accreditation.edit": Rule(ORGANISERS),
    "organiser_accreditation.delete": Rule(ORGANISERS),
    "organiser_accreditation.presence_page": Rule(ORGANISERS),
    "organiser_accreditation.correct": Rule(ORGANISERS),
    "organiser_accreditation.report": Rule(ORGANISERS),
    "organiser_accreditation.pe_online_page": Rule(ORGANISERS),
    "organiser_checkin.check_in_by_code": Rule(ORGANISERS),
    "organiser_checkin.check_in_badge": Rule(ORGANISERS),
    "organiser_checkin.attendance_index": Rule(ORGANISERS),
    "organiser_checkin.session_attendance": Rule(ORGANISERS),
    "organiser_checkin.mark_attended": Rule(ORGANISERS),
    "organiser_checkin.undo_attended": Rule(ORGANISERS),
    "organiser_program.rooms": Rule(ORGANISERS),
    "organiser_program.edit_room": Rule(ORGANISERS),
    "organiser_program.new_edition": Rule(ORGANISERS),
    "organiser_program.edition": Rule(ORGANISERS),
    "organiser_program.edit_edition": Rule(ORGANISERS),
    "organiser_program.copy_edition": Rule(ORGANISERS),
    "organiser_program.publish": Rule(ORGANISERS),
    "organiser_program.archive": Rule(ORGANISERS),
    "organiser_program.new_round": Rule(ORGANISERS),
    "organiser_program.edit_round": Rule(ORGANISERS),
    "organiser_program.delete_round": Rule(ORGANISERS),
    "organiser_program.new_session": Rule(ORGANISERS),
    "organiser_program.edit_session": Rule(ORGANISERS),
    "organiser_program.delete_session": Rule(ORGANISERS),
    "organiser_program.people": Rule(ORGANISERS),
    "organiser_program.new_person": Rule(ORGANISERS),
    "organiser_program.edit_person": Rule(ORGANISERS),
    "organiser_questions.question_list": Rule(ORGANISERS),
    "organiser_questions.edit_question": Rule(ORGANISERS),
    "organiser_questions.move_question": Rule(ORGANISERS),
    "organiser_questions.remove_question": Rule(ORGANISERS),
    "organiser_registrations.dashboard": Rule(ORGANISERS),
    "organiser_registrations.reports_page": Rule(ORGANISERS),
    "organiser_registrations.registration_list": Rule(ORGANISERS),
    "organiser_registrations.registration": Rule(ORGANISERS),
    "organiser_registrations.edit": Rule(ORGANISERS),
    "organiser_registrations.move": Rule(ORGANISERS),
    "organiser_registrations.cancel": Rule(ORGANISERS),
    "organiser_registrations.reinstate": Rule(ORGANISERS),
    "organiser_registrations.resend": Rule(ORGANISERS),
    "organiser_registrations.promote": Rule(ORGANISERS),
    "organiser_registrations.export_csv": Rule(ORGANISERS),
    "organiser_registrations.export_xlsx": Rule(ORGANISERS),
    "organiser_registrations.session_csv": Rule(ORGANISERS),
    "organiser_registrations.session_xlsx": Rule(ORGANISERS),
    "organiser_speakers.overview": Rule(ORGANISERS),
    "organiser_speakers.attendees_visible": Rule(ORGANISERS),
    "organiser_speakers.invite": Rule(ORGANISERS),
    "organiser_speakers.note_taker": Rule(ORGANISERS),
    "organiser_speakers.summary": Rule(ORGANISERS),
    "organiser_speakers.publish_summary": Rule(ORGANISERS),
    "organiser_speakers.return_summary": Rule(ORGANISERS),
    "organiser_speakers.send_summary": Rule(ORGANISERS),
    "organiser_documents.documents": Rule(ORGANISERS),
    "organiser_documents.door_list": Rule(ORGANISERS),
    "organiser_documents.job": Rule(ORGANISERS),
    "organiser_documents.job_file": Rule(ORGANISERS),
    "organiser_documents.job_progress": Rule(ORGANISERS),
    # -- evaluations
    "evaluation_forms.fill": Rule(HOLDER),
    "evaluation_forms.room": Rule(EVERYONE),
    "speaker_evaluations.session_results": Rule(SESSION_A),
    **{
        f"organiser_evaluations.{name}": Rule(ORGANISERS)
        for name in (
            "overview",
            "day_results",
            "session_results",
            "settings",
            "questions",
            "change_question",
            "edit_question",
            "rooms",
            "answers",
            "report",
            "mail_speakers",
            "day_signal",
        )
    },
    # -- a group's order: whoever holds the contact's link (the secret is in the URL)
    "orders.new_order": Rule(EVERYONE),
    "orders.group": Rule(EVERYONE),
    "orders.add_person": Rule(EVERYONE),
    "orders.transfer": Rule(
        EVERYONE,
        form={
            "first_name": "transfer_first",
            "last_name": "transfer_last",
            "email": "transfer_email",
        },
    ),
    "orders.cancel": Rule(EVERYONE),
    "orders.pay": Rule(EVERYONE),
    "orders.document": Rule(EVERYONE),
    "organiser_finance.finance_page": Rule(ORGANISERS),
    "organiser_finance.mark_paid": Rule(ORGANISERS),
    "organiser_finance.bank_statement": Rule(ORGANISERS),
    "organiser_finance.document": Rule(ORGANISERS),
    "organiser_finance.export_csv": Rule(ORGANISERS),
    "organiser_finance.export_xlsx": Rule(ORGANISERS),
    # -- signals: the room, the public harvest and agenda, the host, the organisers
    "signals.room": Rule(EVERYONE),
    "signals.short": Rule(EVERYONE),
    "signals.thanks": Rule(EVERYONE),
    "signals.projector": Rule(EVERYONE),
    "signals.qr": Rule(EVERYONE),
    "signals.support": Rule(EVERYONE),
    "signals.afterwards": Rule(EVERYONE),
    "signals_public.harvest": Rule(EVERYONE),
    "signals_public.agenda": Rule(EVERYONE),
    "signals_public.signals_json": Rule(EVERYONE),
    "signals_host.host": Rule(SESSION_A),
    "signals_host.merge": Rule(SESSION_A),
    "signals_host.moderate": Rule(SESSION_A),
    "signals_host.write": Rule(SESSION_A),
    "signals_public.harvest_mail": Rule(HOLDER),
    "organiser_signals.signals": Rule(ORGANISERS),
    "organiser_signals.themes": Rule(ORGANISERS),
    "organiser_signals.settings": Rule(ORGANISERS),
    "organiser_signals.moderate": Rule(ORGANISERS),
    "organiser_signals.signals_csv": Rule(ORGANISERS),
    "organiser_signals.publish": Rule(ORGANISERS),
    "organiser_signals.rapporteur_list": Rule(ORGANISERS),
    "organiser_signals.agenda_items": Rule(ORGANISERS),
    "organiser_signals.agenda_item": Rule(ORGANISERS),
    "organiser_signals.follow_up": Rule(ORGANISERS),
}

SIGN_IN_PAGES = {"/sign-in", "/speaker/sign-in"}
#: walked after every other request, in this order: what they do cannot be undone
LAST = ("remove", "delete", "archive", "cancel", "erase")


def world_values(edition, cast, registration, organiser) -> dict[str, Any]:
    """One real value for every kind of URL argument (and form field) the walk needs.

    The symposium has begun and the attendee is checked in (so a certificate exists), and
    session B's summary is published (so the booklet does); session A is the one walked."""
    now = datetime.now(UTC)
    edition.starts_at = now - timedelta(hours=1)
    registration.checked_in_at = now
    cast.theirs.summary = "## Wat we deden\n\nEen goed gesprek."
    cast.theirs.summary_status = SummaryStatus.published
    cast.theirs.summary_published_at = now
    db.session.commit()
    job = documents.request_document(edition, DocumentKind.badge_sheets)
    documents.run_pending()
    message_id = db.session.scalar(sa.select(OutboxMessage.id).order_by(OutboxMessage.id))
    mailout = Mailout(edition_id=edition.id, subject="S", body="B", segment="confirmed")
    db.session.add(mailout)
    db.session.commit()
    question = questions.add(
        edition.id, questions.QuestionDraft(label="Lunch?", kind="yes_no"), ACTOR
    )
    material = speakers.add_material(
        cast.mine.id,
        speakers.MaterialData("slides", "organisers"),
        speakers.Upload(io.BytesIO(pdf_bytes()), "dias.pdf"),
        cast.me,
    )
    speakers.update_profile(
        cast.me,
        speakers.ProfileData(name="Ana de Spreker"),
        speakers.Upload(io.BytesIO(PNG), "ana.png"),
    )
    link = db.session.scalars(
        sa.select(SignInLink).where(SignInLink.user_id == cast.me.id, SignInLink.used_at.is_(None))
    ).first()
    # Bo's account, so that switching an account off leaves the organiser's own alone.
    values = example_values(
        edition, registration, mailout.id, message_id, question.id, cast.them.id, job.id
    )
    assert values["session_id"] == cast.mine.id and values["person_id"] == cast.my_person.id
    return values | {
        "material_id": material.id,
        "filename": "css/site.css",
        "sign_in_link": speakers.link_token(link),
        "session_b_id": cast.theirs.id,
    }


def current_session_id(user_id: int) -> str:
    """What a fresh sign-in would keep in the session: signing out on one route ends the
    account's sessions, so the next route gets a new one."""
    db.session.rollback()
    return db.session.get(User, user_id).get_id()


@dataclass
class Visitor:
    app: flask.Flask
    user_id: int | None
    token: str
    csrf: tuple[str, str]

    def client(self):
        """A fresh browser each time: signing out or in on one route leaves the next alone."""
        client = self.app.test_client()
        with client.session_transaction() as session:
            if self.user_id is not None:
                session["_user_id"] = current_session_id(self.user_id)
                session["_fresh"] = True
            session["csrf_token"] = self.csrf[0]
        return client


def _csrf_pair(app) -> tuple[str, str]:
    """A CSRF token as Flask-WTF keeps it in the session, and as a form sends it."""
    with app.test_request_context():
        form_value = generate_csrf()
        return flask.session["csrf_token"], form_value


def _order(item) -> tuple:
    rule, method = item
    last = next((i for i, word in enumerate(LAST) if word in rule.endpoint), -1)
    return (method != "GET", last, rule.rule, method)


def _is_sign_in(response) -> bool:
    return response.status_code in (301, 302, 303, 307, 308) and (
        urlsplit(response.headers.get("Location", "")).path in SIGN_IN_PAGES
    )


def test_every_route_has_a_rule(sqlite_app):
    endpoints = {rule.endpoint for rule in sqlite_app.url_map.iter_rules()}

    missing = sorted(endpoints - RULES.keys())
    stale = sorted(RULES.keys() - endpoints)

    assert not missing, (
        f"No access rule for {missing}: add a line for each to RULES in "
        "tests/test_access_matrix.py saying who may use it."
    )
    assert not stale, f"RULES names routes that no longer exist: {stale}; remove them."


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_route_answers_each_visitor_as_the_rules_say(
    sqlite_app, cast, organiser, file_store, tmp_path, persona, make_edition
):
    sqlite_app.config["DOCUMENTS_FOLDER"] = str(tmp_path / "documents")
    edition = cast.edition
    registration = service.register(edition.id, person(1, {cast.mine.round_id: cast.mine.id}))
    values = world_values(edition, cast, registration, organiser)
    values["free_slug"] = make_edition().slug
    own_token = make_manage_token(
        sqlite_app.secret_key, registration.id, registration.manage_secret
    )
    forged = make_manage_token("not-our-key", registration.id, registration.manage_secret)
    user_id = {"speaker": cast.me.id, "other_speaker": cast.them.id, "organiser": organiser.id}
    visitor = Visitor(
        sqlite_app,
        user_id.get(persona),
        own_token if persona == "attendee" else forged,
        _csrf_pair(sqlite_app),
    )
    values["token"] = visitor.token

    walk = sorted(
        (
            (rule, method)
            for rule in sqlite_app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}
        ),
        key=_order,
    )
    wrong = []
    for url_rule, method in walk:
        rule = RULES.get(url_rule.endpoint)
        if rule is None:
            continue  # test_every_route_has_a_rule says which
        arguments = {name: values[rule.values.get(name, name)] for name in url_rule.arguments}
        url = url_rule.build(arguments)[1]
        options: dict[str, Any] = {}
        if method != "GET":
            if rule.json is not None:
                options["json"] = rule.json
            else:
                options["data"] = {"csrf_token": visitor.csrf[1]} | {
                    name: str(values[value]) for name, value in rule.form.items()
                }
        with visitor.client().open(url, method=method, **options) as response:
            status, to_sign_in = response.status_code, _is_sign_in(response)
            where = response.headers.get("Location", "")
            kept = response.headers.get("Cache-Control", "")
        if persona in rule.who:
            fine = 200 <= status < 400 and (rule.ends_at_sign_in or not to_sign_in)
            if status == 200 and rule.who != EVERYONE and "no-store" not in kept:
                fine, where = False, f"Cache-Control: {kept!r}, not no-store"
        else:
            fine = status in (403, 404) or to_sign_in
        if not fine:
            allowed = "allowed" if persona in rule.who else "denied"
            wrong.append(f"{method} {url} ({url_rule.endpoint}, {allowed}): {status} {where}")

    assert not wrong, f"{persona}:\n" + "\n".join(wrong)
