"""The bytes the worker sends say exactly what the email package's message says: the same
headers, parts, attachments and decoded text, in lines SMTP servers accept."""

import email
import email.policy
from datetime import UTC, datetime

import pytest

from symposium.mail.mime import Unsendable, build_email, email_bytes, message_id
from symposium.mail.models import OutboxMessage
from symposium.mail.outbox import Content

SENDER = "Symposium <symposium@example.org>"
LONG = "Eén heel lange regel over zorg, welzijn en de wijk; " * 12


def outbox_message(recipient: str = "zoe@example.org") -> OutboxMessage:
    return OutboxMessage(
        id=12,
        recipient=recipient,
        dedupe_key="confirmation:12",
        created_at=datetime(2026, 12, 5, 21, 0, tzinfo=UTC),
    )


WRITTEN = [
    Content(
        "Je aanmelding voor Zorg én Welzijn",
        f"Beste Zoë,\n\n{LONG}\ntrailing spaces   \n.\nFrom here\r\nwindows\rmac\n",
        f"<p>Beste Zoë,</p>\n<p>{LONG}</p>\n<p>a = b</p>\n",
        [
            {
                "filename": "programma.ics",
                "content_type": "text/calendar",
                "content": "BEGIN:VCALENDAR\r\nSUMMARY:Één gesprek\r\nEND:VCALENDAR\r\n" * 20,
            },
            {
                "filename": "factuur 2026-001 (é).pdf",
                "content_type": "application/pdf",
                "content": "JVBERi0xLjQKJcfsj6IK",
                "encoding": "base64",
            },
        ],
    ),
    Content("A plain subject " * 8, "Short.\n", "<p>Short.</p>", []),
]


def parsed(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def parts(message) -> list[tuple]:
    return [
        (
            part.get_content_type(),
            part.get_content_charset(),
            part.get_filename(),
            part.get("Content-Transfer-Encoding"),
            None if part.is_multipart() else part.get_content(),
        )
        for part in message.walk()
    ]


@pytest.mark.parametrize("written", WRITTEN, ids=["attachments", "plain"])
def test_the_bytes_say_what_the_email_package_says(written):
    message = outbox_message()
    built = build_email(message, SENDER, written)
    expected = parsed(built.as_bytes(policy=built.policy.clone(linesep="\r\n")))

    raw = email_bytes(message, SENDER, written)
    got = parsed(raw)

    for name in ("From", "To", "Subject", "Message-ID", "X-Symposium-Key", "MIME-Version"):
        assert got[name] == expected[name], name
    assert got.get_content_type() == expected.get_content_type()
    assert parts(got) == parts(expected)
    assert all(not part.defects for part in got.walk())
    lines = raw.split(b"\r\n")
    assert b"\n" not in b"".join(lines) and b"\r" not in b"".join(lines)  # CRLF only
    assert max(len(line) for line in lines) <= 998  # SMTP's limit
    body = raw.partition(b"\r\n\r\n")[2].split(b"\r\n")
    text = [line for line in body if not line.startswith((b"Content-", b"MIME-Version"))]
    assert max(len(line) for line in text) <= 76  # encoded, never raw


def test_a_message_keeps_its_message_id_when_it_is_sent_again():
    message = outbox_message()
    first = parsed(email_bytes(message, SENDER, WRITTEN[1]))
    again = parsed(email_bytes(message, SENDER, WRITTEN[1]))
    assert first["Message-ID"] == again["Message-ID"] == message_id(message, SENDER)
    assert first["Message-ID"].endswith("@example.org>")

    other = outbox_message()
    other.id, other.dedupe_key = 13, "confirmation:13"
    assert message_id(other, SENDER) != message_id(message, SENDER)


def test_an_address_outside_ascii_is_left_to_the_email_package():
    assert email_bytes(outbox_message("zoë@example.org"), SENDER, WRITTEN[1]) is None


def test_a_line_break_in_a_header_is_unsendable():
    written = Content("Subject\r\nBcc: everyone@example.org", "text", "<p>html</p>", [])
    with pytest.raises(Unsendable):
        email_bytes(outbox_message(), SENDER, written)
