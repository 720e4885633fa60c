"""The mail speakers and attendees get from this room, written when the worker sends it:
the invitation and sign-in links (the token is signed at that moment), and a published
summary for the people who attended the session."""

from flask_babel import gettext as _

from symposium.accounts.models import User
from symposium.extensions import db
from symposium.mail.outbox import Mail, builder
from symposium.program.models import Session, SummaryStatus
from symposium.registration.models import Registration, RegistrationStatus
from symposium.registration.personal import manage_token, manage_url
from symposium.speakers import service
from symposium.speakers.models import SignInLink, Visibility
from symposium.urls import external_url


def _link_mail(kind: str, refs: dict) -> Mail | None:
    """None when the link is gone or already spent: there is nothing useful to send."""
    link = db.session.get(SignInLink, refs["link_id"])
    if link is None or link.used_at is not None:
        return None
    user = db.session.get(User, link.user_id)
    if user is None or user.person is None:
        return None
    person = user.person
    edition = service.latest_edition(person.id)

    def subject():
        if kind == "speaker_sign_in":
            return _("Your sign-in link for the speakers' pages")
        if edition is not None:
            return _("Your speaker's page for %(title)s", title=edition.title)
        return _("Your speaker's page")

    return Mail(
        kind=kind,
        dedupe_key="",
        recipient=user.email,
        locale=user.locale,
        subject=subject,
        context={
            "person": person,
            "edition": edition,
            "sessions": service.sessions_of_person(person.id),
            "link_url": external_url("speakers.follow_link", token=service.link_token(link)),
            "sign_in_url": external_url("speakers.sign_in"),
            "days": service.LINK_LIFETIME.days,
        },
    )


builder("speaker_invitation")(lambda refs: _link_mail("speaker_invitation", refs))
builder("speaker_sign_in")(lambda refs: _link_mail("speaker_sign_in", refs))


@builder("summary_published")
def _summary(refs: dict) -> Mail | None:
    """None when the summary was withdrawn or the person cancelled in the meantime."""
    registration = db.session.get(Registration, refs["registration_id"])
    session = db.session.get(Session, refs["session_id"])
    if (
        registration is None
        or session is None
        or session.summary_status != SummaryStatus.published
        or registration.status != RegistrationStatus.confirmed
    ):
        return None
    edition = session.edition
    token = manage_token(registration)
    materials = []
    for material in service.materials_of(session, [Visibility.public, Visibility.attendees]):
        extra = {"token": token} if material.visibility == Visibility.attendees else {}
        url = external_url(
            "speaker_files.download",
            slug=edition.slug,
            session_slug=session.slug,
            material_id=material.id,
            **extra,
        )
        materials.append((material, url))
    return Mail(
        kind="summary_published",
        dedupe_key="",
        recipient=registration.email,
        locale=registration.locale,
        subject=lambda: _("Summary of %(title)s", title=session.title),
        context={
            "registration": registration,
            "edition": edition,
            "session": session,
            "summary_html": service.render_summary(session.summary),
            "summary_text": session.summary,
            "session_url": external_url(
                "program.session", slug=edition.slug, session_slug=session.slug
            ),
            "materials": materials,
            "manage_url": manage_url(registration),
        },
        registration_id=registration.id,
    )
