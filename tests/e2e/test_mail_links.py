"""The personal link in the confirmation mail works: open it, change a session, get a mail.

Mail is delivered over SMTP to an aiosmtpd server on loopback, as the worker would send
it, and read back as a person's mail program would: the text part of what arrived.
"""

import re
from email.message import EmailMessage

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import PersonalProgram, SignUpForm

pytestmark = pytest.mark.e2e

UPCOMING_TITLE = "Samen sterker in het sociaal domein"
#: a name with diacritics, and one in another script, for each language
PEOPLE = {"nl": ("Aslı", "Öztürk-van den Berg"), "en": ("美玲", "O'Neill")}
DEAR = {"nl": "Beste {name},", "en": "Dear {name},"}


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_the_link_in_the_confirmation_mail_opens_the_registration_to_change_a_session(
    site, mailbox, language, words, open_page
):
    first_name, last_name = PEOPLE[language]
    address = f"mail.{language}@example.org"
    page = open_page(site)
    page.goto("/")
    SignUpForm(page, words).sign_up(
        first_name,
        last_name,
        address,
        sessions={"Ronde 1": "Schulden en bestaanszekerheid", "Ronde 2": "Digitale ongelijkheid"},
    )
    page.context.close()  # the browser is gone; from here on the mail is all they have

    mailbox.deliver()
    arrived = mailbox.to(address)
    assert len(arrived) == 1, f"expected one mail for {address}, got {len(arrived)}"
    confirmation = arrived[0]
    assert confirmation["Subject"] == words.confirmation_subject.format(title=UPCOMING_TITLE)
    text = text_of(confirmation)
    assert DEAR[language].format(name=first_name) in text
    assert "Schulden en bestaanszekerheid" in text and "Digitale ongelijkheid" in text
    links = re.findall(rf"{re.escape(site.url)}/r/\S+", text)
    assert len(links) == 1, f"expected one personal link in the mail:\n{text}"

    reader = open_page(site)  # the mail program opens the link in a browser without cookies
    reader.goto(links[0])
    expect(reader.get_by_role("heading", level=1)).to_have_text(words.your_registration)
    expect(reader.get_by_text(f"{first_name} {last_name}", exact=True)).to_be_visible()
    plan = PersonalProgram(reader, words)
    expect(plan.held_in("Ronde 2")).to_contain_text("Digitale ongelijkheid")

    plan.change_session("Ronde 2", "Moreel beraad in het sociaal domein")
    expect(reader.get_by_role("status")).to_have_text(words.change_saved)
    expect(plan.held_in("Ronde 2")).to_contain_text("Moreel beraad in het sociaal domein")

    mailbox.deliver()
    changed = mailbox.to(
        address, subject=words.program_changed_subject.format(title=UPCOMING_TITLE)
    )
    assert len(changed) == 1, [message["Subject"] for message in mailbox.to(address)]
    text = text_of(changed[0])
    assert DEAR[language].format(name=first_name) in text
    assert "Moreel beraad in het sociaal domein" in text
    assert "Digitale ongelijkheid" not in text
    assert links[0] in text, "the program mail carries the same personal link"
    assert len(mailbox.to(address)) == 2, "the confirmation is not sent a second time"
