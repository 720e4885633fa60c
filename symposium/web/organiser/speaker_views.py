"""The organisers' pages for speakers: invitations, and publishing or returning summaries."""

from datetime import UTC, datetime

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from symposium import program_editing
from symposium.program.models import SummaryStatus
from symposium.speakers import service as speakers
from symposium.web.access import current_actor
from symposium.web.common import edition_or_404, found_or_404
from symposium.web.organiser.blueprint import organiser_blueprint
from symposium.web.organiser.speaker_forms import (
    AttendeesVisibleForm,
    InviteForm,
    NoteTakerForm,
    PublishForm,
    ReturnForm,
)

bp = organiser_blueprint("organiser_speakers", __name__)


@bp.route("/<slug>/speakers")
def overview(slug: str):
    """Per session: its speakers and their invitations, materials, and the summary's state."""
    edition = edition_or_404(slug, include_drafts=True)
    return render_template(
        "organiser/speakers/overview.html",
        edition=edition,
        rows=speakers.edition_overview(edition),
        form=AttendeesVisibleForm(data={"visible": edition.speakers_see_attendees}),
        statuses=SummaryStatus,
    )


@bp.post("/<slug>/speakers/attendees")
def attendees_visible(slug: str):
    """Let speakers see who is coming to their sessions, or not."""
    edition = edition_or_404(slug, include_drafts=True)
    form = AttendeesVisibleForm()
    if form.validate_on_submit():
        speakers.set_attendees_visible(edition.id, bool(form.visible.data), current_actor())
        flash(
            _("Speakers now see their attendees' names and organisations.")
            if form.visible.data
            else _("Speakers now see only the numbers of their attendees."),
            "success",
        )
    return redirect(url_for(".overview", slug=slug))


@bp.route("/people/<int:person_id>/invite", methods=["GET", "POST"])
def invite(person_id: int):
    """Mail a speaker a sign-in link to their pages, valid for 7 days."""
    person = program_editing.person(person_id)
    if person is None:
        abort(404)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            account = speakers.invite(person.id, form.locale.data or "nl", current_actor())
        except speakers.SpeakerError as error:
            flash(str(error.message), "error")
        else:
            flash(
                _("The invitation to %(email)s is in the outbox.", email=account.email), "success"
            )
        return redirect(url_for(".invite", person_id=person_id))
    return render_template(
        "organiser/speakers/invite.html",
        person=person,
        form=form,
        sessions=speakers.sessions_of_person(person.id),
        account=speakers.speaker_account(person.id),
        errors={},
    )


def _review(edition, found, publish=None, back=None, note_taker=None, errors=None):
    return render_template(
        "organiser/speakers/summary.html",
        edition=edition,
        session=found,
        rendered=speakers.render_summary(found.summary),
        attendees=len(speakers.attendees(found)),
        publish_form=publish or PublishForm(data={"send": True}),
        return_form=back or ReturnForm(),
        note_taker_form=note_taker
        or NoteTakerForm(data={"person_id": str(found.summary_note_taker_id or "")}).for_people(
            program_editing.people()
        ),
        errors=errors or {},
        statuses=SummaryStatus,
        before_it_took_place=found.ends_at > datetime.now(UTC),
    )


@bp.route("/<slug>/sessions/<int:session_id>/summary")
def summary(slug: str, session_id: int):
    """A session's summary as the writers handed it in: publish it or send it back."""
    edition = edition_or_404(slug, include_drafts=True)
    return _review(edition, found_or_404(program_editing.session_of(edition, session_id)))


@bp.post("/<slug>/sessions/<int:session_id>/summary/publish")
def publish_summary(slug: str, session_id: int):
    """Publish the summary on the session page, and mail it to the attendees if asked."""
    edition = edition_or_404(slug, include_drafts=True)
    found = found_or_404(program_editing.session_of(edition, session_id))
    form = PublishForm()
    if form.validate_on_submit():
        try:
            sent = speakers.publish_summary(
                found.id, bool(form.send.data), current_actor(), early=bool(form.early.data)
            )
        except speakers.SpeakerError as error:
            flash(str(error.message), "error")
        else:
            message = _("The summary is published.")
            if form.send.data:
                message += " " + ngettext(
                    "%(num)d attendee gets it by mail.", "%(num)d attendees get it by mail.", sent
                )
            flash(message, "success")
    return redirect(url_for(".summary", slug=slug, session_id=session_id))


@bp.post("/<slug>/sessions/<int:session_id>/summary/send")
def send_summary(slug: str, session_id: int):
    """Mail the published summary to the session's attendees."""
    edition = edition_or_404(slug, include_drafts=True)
    found = found_or_404(program_editing.session_of(edition, session_id))
    try:
        sent = speakers.send_summary(found.id, current_actor())
    except speakers.SpeakerError as error:
        flash(str(error.message), "error")
    else:
        flash(
            ngettext(
                "%(num)d attendee gets the summary by mail.",
                "%(num)d attendees get the summary by mail.",
                sent,
            ),
            "success",
        )
    return redirect(url_for(".summary", slug=slug, session_id=session_id))


@bp.post("/<slug>/sessions/<int:session_id>/summary/return")
def return_summary(slug: str, session_id: int):
    """Send the summary back to its writers with a remark; a published one goes offline."""
    edition = edition_or_404(slug, include_drafts=True)
    found = found_or_404(program_editing.session_of(edition, session_id))
    form = ReturnForm()
    if form.validate_on_submit():
        try:
            speakers.return_summary(found.id, form.remark.data or "", current_actor())
        except speakers.Invalid as error:
            form.attach(error.errors)
            return _review(edition, found, back=form, errors=error.errors)
        except speakers.SpeakerError as error:
            flash(str(error.message), "error")
        else:
            flash(_("The summary is sent back to its writers."), "success")
    return redirect(url_for(".summary", slug=slug, session_id=session_id))


@bp.post("/<slug>/sessions/<int:session_id>/note-taker")
def note_taker(slug: str, session_id: int):
    """Name who writes the summary besides the speakers."""
    edition = edition_or_404(slug, include_drafts=True)
    found = found_or_404(program_editing.session_of(edition, session_id))
    form = NoteTakerForm().for_people(program_editing.people())
    if form.validate_on_submit():
        try:
            speakers.set_note_taker(found.id, form.selected(), current_actor())
        except speakers.Invalid as error:
            form.attach(error.errors)
            return _review(edition, found, note_taker=form, errors=error.errors)
        flash(_("The note-taker is saved."), "success")
    return redirect(url_for(".summary", slug=slug, session_id=session_id))
