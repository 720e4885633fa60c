"""A speaker is invited by an organiser, signs in with the mailed link and shares slides.

The demo's upcoming edition opens with "Opening: wat werkt in de wijk?" by Marieke
Verbeek, who has no e-mail address in the demo: the fixture gives her one. The mail goes
over SMTP to an aiosmtpd server on loopback and is read back as its text part.
"""

import re
from dataclasses import dataclass
from email.message import EmailMessage

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from symposium.extensions import db
from symposium.program.models import Person
from tests.e2e.pages import SignInForm

pytestmark = pytest.mark.e2e

UPCOMING_TITLE = "Samen sterker in het sociaal domein"
SPEAKER = "Marieke Verbeek"
SESSION = "Opening: wat werkt in de wijk?"
SPEAKER_EMAIL = "marieke.verbeek@example.org"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass(frozen=True)
class SpeakerWords:
    invite: str
    language_of_the_mail: str
    send_the_invitation: str
    invitation_in_outbox: str
    mail_subject: str
    sign_in_for_speakers: str
    sign_in: str
    signed_in: str
    your_sessions: str
    file: str
    kind: str
    slides: str
    who_can_download: str
    everyone: str
    upload: str
    uploaded: str
    slides_and_handouts: str


SPEAKER_WORDS = {
    "nl": SpeakerWords(
        invite="{name} uitnodigen",
        language_of_the_mail="Taal van de mail",
        send_the_invitation="Uitnodiging versturen",
        invitation_in_outbox="De uitnodiging aan {email} staat in het postvak uit.",
        mail_subject="Je sprekerspagina voor {title}",
        sign_in_for_speakers="Inloggen voor sprekers",
        sign_in="Inloggen",
        signed_in="Je bent ingelogd.",
        your_sessions="Je sessies",
        file="Bestand",
        kind="Soort",
        slides="Dia's",
        who_can_download="Wie kan het downloaden",
        everyone="Iedereen: vermeld op de sessiepagina",
        upload="Uploaden",
        uploaded="“{name}” is geüpload.",
        slides_and_handouts="Dia's en hand-outs",
    ),
    "en": SpeakerWords(
        invite="Invite {name}",
        language_of_the_mail="Language of the mail",
        send_the_invitation="Send the invitation",
        invitation_in_outbox="The invitation to {email} is in the outbox.",
        mail_subject="Your speaker's page for {title}",
        sign_in_for_speakers="Sign in for speakers",
        sign_in="Sign in",
        signed_in="You are signed in.",
        your_sessions="Your sessions",
        file="File",
        kind="Kind",
        slides="Slides",
        who_can_download="Who can download it",
        everyone="Everyone: listed on the session page",
        upload="Upload",
        uploaded="“{name}” is uploaded.",
        slides_and_handouts="Slides and hand-outs",
    ),
}


@pytest.fixture
def speaker_id(site) -> int:
    """The demo speaker of the upcoming opening, with an address to invite her at."""
    with site.app.app_context():
        person = db.session.scalars(sa.select(Person).where(Person.name == SPEAKER)).one()
        person.email = SPEAKER_EMAIL
        db.session.commit()
        return person.id


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_an_invited_speaker_signs_in_from_the_mail_and_shares_public_slides(
    site, mailbox, organiser, speaker_id, language, organiser_words, open_page, tmp_path
):
    sw = SPEAKER_WORDS[language]
    organiser_page = open_page(site)
    organiser_page.goto(f"/organiser/people/{speaker_id}/invite")
    SignInForm(organiser_page, organiser_words).sign_in(organiser.email, organiser.password)
    heading = organiser_page.get_by_role("heading", level=1)
    expect(heading).to_have_text(sw.invite.format(name=SPEAKER))
    expect(organiser_page.get_by_role("main")).to_contain_text(SESSION)
    organiser_page.get_by_label(sw.language_of_the_mail, exact=True).select_option(language)
    organiser_page.get_by_role("button", name=sw.send_the_invitation).click()
    expect(organiser_page.get_by_role("status")).to_have_text(
        sw.invitation_in_outbox.format(email=SPEAKER_EMAIL)
    )
    organiser_page.context.close()

    mailbox.deliver()
    subject = sw.mail_subject.format(title=UPCOMING_TITLE)
    arrived = mailbox.to(SPEAKER_EMAIL, subject=subject)
    assert len(arrived) == 1, [message["Subject"] for message in mailbox.to(SPEAKER_EMAIL)]
    text = text_of(arrived[0])
    links = re.findall(rf"{re.escape(site.url)}/speaker/sign-in/\S+", text)
    assert len(links) == 1, f"expected one sign-in link in the mail:\n{text}"

    speaker = open_page(site)  # the mail program's browser, without the organiser's cookies
    speaker.goto(links[0])
    expect(speaker.get_by_role("heading", level=1)).to_have_text(sw.sign_in_for_speakers)
    speaker.get_by_role("main").get_by_role("button", name=sw.sign_in, exact=True).click()
    expect(speaker.get_by_role("status")).to_have_text(sw.signed_in)
    expect(speaker.get_by_role("heading", level=1)).to_have_text(sw.your_sessions)

    speaker.get_by_role("link", name=SESSION, exact=True).click()
    expect(speaker.get_by_role("heading", level=1)).to_have_text(SESSION)
    slides = tmp_path / f"opening-{language}.pdf"
    slides.write_bytes(PDF)
    speaker.get_by_label(sw.file, exact=True).set_input_files(slides)
    speaker.get_by_label(sw.kind, exact=True).select_option(label=sw.slides)
    speaker.get_by_label(sw.who_can_download, exact=True).select_option(label=sw.everyone)
    speaker.get_by_role("button", name=sw.upload, exact=True).click()
    expect(speaker.get_by_role("status")).to_have_text(sw.uploaded.format(name=slides.name))
    materials = speaker.get_by_role("region", name=sw.slides_and_handouts)
    expect(materials.get_by_role("row").filter(has_text=slides.name)).to_contain_text(sw.everyone)

    visitor = open_page(site)  # anyone, not signed in, reading the public session page
    visitor.goto(f"/{site.upcoming_edition}/")
    visitor.get_by_role("link", name=SESSION, exact=True).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(SESSION)
    listed = visitor.get_by_role("region", name=sw.slides_and_handouts)
    link = listed.get_by_role("link", name=slides.name, exact=True)
    expect(link).to_be_visible()
    expect(listed).to_contain_text(sw.slides)

    response = visitor.request.get(link.get_attribute("href"))
    assert response.ok, response.status
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment"), disposition
    assert slides.name in disposition
    assert response.body() == PDF
