"""The summary of a session, from draft to published and mailed to its attendees."""

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from symposium.accounts.models import Role, User
from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import use_case
from symposium.extensions import db
from symposium.mail.outbox import Mail, queue, queue_later
from symposium.program.models import (
    Edition,
    Person,
    Session,
    SummaryStatus,
)
from symposium.speakers.models import Material
from symposium.speakers.rules import (
    REMARK_LENGTH,
    SUMMARY_LENGTH,
    Invalid,
    SpeakerError,
    _now,
    _text,
    attendees,
)
from symposium.text import has_control_characters, safe_markdown
from symposium.urls import external_url

# -- summaries -------------------------------------------------------------------------

_RAW_HTML = re.compile(r"<\s*/?\s*[a-zA-Z!?]")
_HEADING_LINE = re.compile(r"^\s{0,3}#{1,6}(\s.*)?$")


def render_summary(text: str) -> Markup:
    """A summary as safe HTML, its headings from h3 down (under the session's h2)."""
    return safe_markdown(text, top_heading=3)


def summary_has_html(text: str) -> bool:
    """Whether the text holds HTML, which is shown as plain text rather than run."""
    return bool(_RAW_HTML.search(text or ""))


def summary_outline() -> str:
    """The headings a summary starts from, in the writer's language."""
    return "\n\n".join(
        [
            "## " + _("What was discussed"),
            "## " + _("Signals from practice"),
            "## " + _("Agreements and follow-up"),
            "",
        ]
    )


def _has_content(text: str) -> bool:
    """More than headings: something was written."""
    return any(line.strip() and not _HEADING_LINE.match(line) for line in text.splitlines())


def summary_problems(text: str, submitting: bool) -> list:
    if len(text) > SUMMARY_LENGTH:
        return [_l("Use at most %(limit)d characters.", limit=SUMMARY_LENGTH)]
    if has_control_characters(text, multiline=True):
        return [_l("Remove the control characters from the summary.")]
    if submitting and not _has_content(text):
        return [_l("Write the summary before you submit it.")]
    return []


@use_case
def save_summary(session_id: int, text: str, submit: bool, by: User) -> Session:
    """Keep the text; `submit` hands it to the organisers. Speakers change drafts only;
    organisers may also correct a submitted or published summary."""
    text = (text or "").replace("\r\n", "\n")
    problems = summary_problems(text, submit)
    if problems:
        raise Invalid({"summary": problems})

    session_ = db.session.get(Session, session_id)
    if by.role != Role.organiser and session_.summary_status != SummaryStatus.draft:
        raise SpeakerError(
            _l(
                "This summary has been handed in, so it can no longer be changed here. "
                "Ask the organisers to send it back if you want to change it."
            )
        )
    session_.summary = text  # an organiser may correct a published text: the program shows it
    if submit and session_.summary_status == SummaryStatus.draft:
        session_.summary_status = SummaryStatus.submitted
        session_.summary_submitted_at = _now()
        session_.summary_remark = ""
        audit.record(
            Actor(by.id, by.email),
            "summary.submit",
            session_,
            before={"status": SummaryStatus.draft},
            after={"status": SummaryStatus.submitted},
        )
        _tell_organisers(session_)
    return session_


def _moment_key(moment) -> str:
    return moment.strftime("%Y%m%d%H%M%S%f")


def _tell_organisers(session_: Session) -> None:
    """Every active organiser hears that a summary waits for them, once per hand-in."""
    organisers = db.session.scalars(
        sa.select(User).where(User.role == Role.organiser, User.active.is_(True))
    ).all()
    review = external_url(
        "organiser_speakers.summary", slug=session_.edition.slug, session_id=session_.id
    )
    for organiser in organisers:
        queue(
            Mail(
                kind="summary_submitted",
                dedupe_key=(
                    f"summary_submitted:{session_.id}:"
                    f"{_moment_key(session_.summary_submitted_at)}:{organiser.id}"
                ),
                recipient=organiser.email,
                locale=organiser.locale,
                subject=lambda: _("Summary handed in: %(title)s", title=session_.title),
                context={"session": session_, "edition": session_.edition, "review_url": review},
            )
        )


def _tell_writers(session_: Session, remark: str, returned_at) -> None:
    """The speakers and the note-taker with an account hear why their summary came back."""
    writers = {person.id for person in session_.speakers}
    if session_.summary_note_taker_id:
        writers.add(session_.summary_note_taker_id)
    accounts = db.session.scalars(
        sa.select(User).where(User.person_id.in_(writers), User.active.is_(True))
    ).all()
    page = external_url("speakers.summary", session_id=session_.id)
    for account in accounts:
        queue(
            Mail(
                kind="summary_returned",
                dedupe_key=f"summary_returned:{session_.id}:{_moment_key(returned_at)}:{account.id}",
                recipient=account.email,
                locale=account.locale,
                subject=lambda: _("Your summary came back: %(title)s", title=session_.title),
                context={
                    "session": session_,
                    "edition": session_.edition,
                    "name": account.person.name if account.person else account.name,
                    "remark": remark,
                    "summary_url": page,
                },
            )
        )


@use_case
def publish_summary(session_id: int, send: bool, actor: Actor, early: bool = False) -> int:
    """Make the summary public; with `send`, mail it to the attendees. How many mails.
    Before the session has taken place only when the organiser confirms it (`early`)."""

    session_ = db.session.get(Session, session_id)
    if session_.summary_status == SummaryStatus.published:
        raise SpeakerError(_l("This summary is already published."))
    if not _has_content(session_.summary):
        raise SpeakerError(_l("There is no summary to publish yet."))
    if session_.ends_at > _now() and not early:
        raise SpeakerError(
            _l(
                "This session has not taken place yet. Tick that you want to publish its "
                "summary before it has, or wait until after it."
            )
        )
    before = session_.summary_status
    session_.summary_status = SummaryStatus.published
    session_.summary_published_at = _now()
    session_.summary_remark = ""
    audit.record(
        actor,
        "summary.publish",
        session_,
        before={"status": before},
        after={"status": SummaryStatus.published},
    )
    return _queue_summary(session_, actor) if send else 0


@use_case
def send_summary(session_id: int, actor: Actor) -> int:
    """Mail a published summary to the session's attendees, once."""

    session_ = db.session.get(Session, session_id)
    if session_.summary_status != SummaryStatus.published:
        raise SpeakerError(_l("Publish the summary before you send it."))
    if session_.summary_sent_at is not None:
        raise SpeakerError(_l("This summary has already been sent to the attendees."))
    return _queue_summary(session_, actor)


def _queue_summary(session_: Session, actor: Actor) -> int:
    people = attendees(session_)
    for registration in people:
        queue_later(
            "summary_published",
            f"summary:{session_.id}:{registration.id}",
            registration.email,
            {"registration_id": registration.id, "session_id": session_.id},
            registration_id=registration.id,
        )
    session_.summary_sent_at = _now()
    audit.record(actor, "summary.send", session_, after={"recipients": len(people)})
    return len(people)


@use_case
def return_summary(session_id: int, remark: str, actor: Actor) -> Session:
    """Send a submitted or published summary back to its writers, saying why."""
    errors: dict[str, list] = {}
    remark = _text(
        errors, "remark", remark, REMARK_LENGTH, _l("Say what should change."), multiline=True
    )
    if errors:
        raise Invalid(errors)

    session_ = db.session.get(Session, session_id)
    if session_.summary_status == SummaryStatus.draft:
        raise SpeakerError(_l("Only a submitted or published summary can be sent back."))
    before = session_.summary_status
    session_.summary_status = SummaryStatus.draft
    session_.summary_published_at = None
    session_.summary_remark = remark
    _tell_writers(session_, remark, _now())
    audit.record(
        actor,
        "summary.return",
        session_,
        before={"status": before},
        after={"status": SummaryStatus.draft, "remark": remark},
    )
    return session_


@use_case
def set_note_taker(session_id: int, person_id: int | None, actor: Actor) -> None:
    """Name who writes the summary besides the speakers; None for nobody."""

    session_ = db.session.get(Session, session_id)
    person = db.session.get(Person, person_id) if person_id is not None else None
    if person_id is not None and person is None:
        raise Invalid({"person_id": [_l("Choose someone from the list.")]})
    before = session_.note_taker.name if session_.note_taker else ""
    session_.summary_note_taker_id = person.id if person else None
    audit.record(
        actor,
        "summary.note_taker",
        session_,
        before={"note_taker": before},
        after={"note_taker": person.name if person else ""},
    )


def published_summaries(edition: Edition) -> list[Session]:
    """The edition's published summaries in the order of the day, for the booklet."""
    return list(
        db.session.scalars(
            sa.select(Session)
            .where(
                Session.edition_id == edition.id,
                Session.summary_status == SummaryStatus.published,
            )
            .order_by(Session.starts_at, Session.title)
        )
    )


@dataclass
class SessionSummaryRow:
    session: Session
    materials: int
    #: per speaker: their account, if invited
    speakers: list[tuple[Person, User | None]]


def edition_overview(edition: Edition) -> list[SessionSummaryRow]:
    """Per session: speakers and whether they were invited, materials, summary state."""
    sessions_ = list(
        db.session.scalars(
            sa.select(Session)
            .where(Session.edition_id == edition.id)
            .order_by(Session.starts_at, Session.title)
        )
    )
    counts = {
        session_id: count
        for session_id, count in db.session.execute(
            sa.select(Material.session_id, sa.func.count())
            .join(Session, Session.id == Material.session_id)
            .where(Session.edition_id == edition.id)
            .group_by(Material.session_id)
        )
    }
    accounts = {
        user.person_id: user
        for user in db.session.scalars(sa.select(User).where(User.person_id.is_not(None)))
    }
    return [
        SessionSummaryRow(
            session=s,
            materials=counts.get(s.id, 0),
            speakers=[(p, accounts.get(p.id)) for p in s.speakers],
        )
        for s in sessions_
    ]
