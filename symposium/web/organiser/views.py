"""The organisers' area: editions, the outbox, mail-outs."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from symposium.audit import service as audit
from symposium.extensions import db
from symposium.mail import delivery
from symposium.mail import service as outbox
from symposium.mail.models import Mailout, MessageStatus
from symposium.mail.outbox import content
from symposium.program import service as program
from symposium.program.models import Edition
from symposium.registration import mailouts
from symposium.web.access import current_actor
from symposium.web.common import edition_or_404
from symposium.web.organiser.blueprint import organiser_blueprint
from symposium.web.organiser.forms import MailoutForm

bp = organiser_blueprint("organiser", __name__)


@bp.route("/")
def index():
    """The organisers' start page: editions and the state of the outbox."""
    return render_template(
        "organiser/index.html",
        editions=program.all_editions(),
        counts=outbox.outbox_page(None, 1, per_page=1).counts,
    )


@bp.route("/audit")
def audit_log():
    """Who changed what and when, newest first."""
    return render_template("organiser/audit.html", entries=audit.entries())


@bp.route("/audit/access")
def access_log():
    """Who looked at or exported personal data, and when, newest first."""
    return render_template("organiser/audit_access.html", entries=audit.access_entries())


@bp.route("/outbox")
def outbox_list():
    """Every message with its status, newest first."""
    status = request.args.get("status")
    page = request.args.get("page", "1")
    shown = MessageStatus(status) if status in MessageStatus.__members__ else None
    number = int(page) if page.isdecimal() and len(page) < 7 else 1
    audit.record_access(current_actor(), "outbox.list", details={"status": shown, "page": number})
    return render_template(
        "organiser/outbox.html",
        outbox=outbox.outbox_page(shown, number),
        status=status if status in MessageStatus.__members__ else None,
        statuses=MessageStatus,
    )


@bp.route("/outbox/<int:message_id>")
def outbox_message(message_id: int):
    """One message as it was rendered, with its delivery history."""
    message = outbox.message(message_id)
    if message is None:
        abort(404)
    audit.record_access(
        current_actor(), "outbox.message", message, label=f"{message.kind} #{message.id}"
    )
    return render_template(
        "organiser/outbox_message.html",
        message=message,
        written=content(message),
        statuses=MessageStatus,
    )


@bp.post("/outbox/<int:message_id>/retry")
def retry_message(message_id: int):
    """Send a failed message again."""
    delivery.retry(message_id)
    flash(_("The message will be sent again."), "success")
    return redirect(url_for(".outbox_message", message_id=message_id))


@bp.route("/<slug>/mailouts")
def mailout_list(slug: str):
    """The edition's past mail-outs with their recipients and how far sending is."""
    edition = edition_or_404(slug, include_drafts=True)
    return render_template(
        "organiser/mailouts.html", edition=edition, past=mailouts.history(edition.id)
    )


@bp.route("/<slug>/mailouts/new", methods=["GET", "POST"])
def new_mailout(slug: str):
    """Write to a group of attendees: compose, preview for one person, then send."""
    edition = edition_or_404(slug, include_drafts=True)
    form = MailoutForm().for_sessions(program.breakouts(edition))
    errors: dict = {}
    preview = None
    if form.validate_on_submit():
        draft = mailouts.MailoutDraft(
            edition_id=edition.id,
            subject=form.subject.data or "",
            body=form.body.data or "",
            segment=form.segment.data or "",
            session_id=form.selected_session(),
        )
        if request.form.get("action") == "send":
            try:
                mailout = mailouts.send(draft, current_user.id)
            except mailouts.MailoutError as error:
                errors = error.errors
            else:
                return redirect(url_for(".mailout", mailout_id=mailout.id))
        else:
            errors = mailouts.check(draft)
            if not errors:
                people = mailouts.recipients(draft)
                preview = {
                    "recipient": people[0],
                    "count": len(people),
                    **mailouts.personalise(draft, people[0]),
                }
        form.attach(errors)
    return render_template(
        "organiser/mailout_new.html", edition=edition, form=form, errors=errors, preview=preview
    )


@bp.route("/mailouts/<int:mailout_id>")
def mailout(mailout_id: int):
    """How far the outbox is with a mail-out; refreshes itself until it is done."""
    sent_out = db.session.get(Mailout, mailout_id)
    if sent_out is None:
        abort(404)
    counts = mailouts.progress(mailout_id)
    return render_template(
        "organiser/mailout.html",
        edition=db.session.get(Edition, sent_out.edition_id),
        mailout=sent_out,
        counts=counts,
        statuses=MessageStatus,
        done=counts[MessageStatus.queued] + counts[MessageStatus.sending] == 0,
    )
