"""A written message as MIME: text and HTML alternatives plus attachments.

`build_email` makes it with the email package; `email_bytes` writes the same message
straight to the bytes that go over SMTP. Flattening a `Message` (the email package folding
some twenty headers through its `Header` class, line by line) cost the worker more than the
SMTP conversation itself; the parts' header blocks are the same in every message, so they
are made once by the email package and kept, and the bodies are encoded in C (binascii).
"""

import base64
import binascii
import hashlib
import io
import secrets
from email import encoders
from email.charset import QP, Charset
from email.generator import BytesGenerator
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import SMTP, compat32
from email.utils import formatdate
from functools import lru_cache

from symposium.mail.models import OutboxMessage
from symposium.mail.outbox import Content, content
from symposium.text import has_control_characters

UNSENDABLE = "cannot be sent"
#: how the email package writes headers for SMTP (compat32, the policy of `email.mime`)
_WIRE = compat32.clone(linesep="\r\n")


class Unsendable(ValueError):
    """A message no attempt can send (a line break in a header): failed at once, no retry."""


def _check_headers(*values: str) -> None:
    if any(has_control_characters(value) for value in values):
        raise Unsendable("a header holds a line break or another control character")


def _utf8_quoted_printable() -> Charset:
    charset = Charset("utf-8")
    charset.header_encoding = QP
    charset.body_encoding = QP  # lines of at most 76 characters, however long a paragraph
    return charset


def _boundary() -> str:
    """A MIME boundary that cannot occur in our parts: quoted-printable writes "=" as "=3D"
    and base64 has no "_". Given here, it spares the email package a search of the whole
    message with a regular expression compiled for each boundary it makes up."""
    return f"=_{secrets.token_hex(16)}"


def message_id(message: OutboxMessage, sender: str) -> str:
    """The same Message-ID every time this outbox message is sent: a copy sent again (a
    worker killed between the server's "250" and marking it sent) is then recognisable as
    the same message, by mail programs as by people (X-Symposium-Key says the same)."""
    domain = sender.rpartition("@")[2].strip(">").strip() or "symposium.invalid"
    created = message.created_at.isoformat() if message.created_at else ""
    digest = hashlib.sha256(f"{message.dedupe_key}\n{created}".encode()).hexdigest()[:24]
    return f"<{message.id}.{digest}@{domain}>"


def _envelope_headers(message: OutboxMessage, sender: str, subject) -> list[tuple[str, object]]:
    return [
        ("From", sender),
        ("To", message.recipient),
        ("Subject", subject),
        ("Date", formatdate(localtime=False)),
        ("Message-ID", message_id(message, sender)),
        ("X-Symposium-Key", message.dedupe_key),
    ]


def build_email(message: OutboxMessage, sender: str, written: Content | None = None) -> Message:
    """The message as `email.message` objects (written now when not given); long lines are
    encoded, never sent raw.

    Built with `email.mime`: the `EmailMessage` API parses every header it sets, which cost
    about 2 ms a message, more than the SMTP conversation itself on loopback.
    """
    written = written or content(message)
    _check_headers(written.subject, message.recipient, sender)
    if not (message.recipient.isascii() and sender.isascii()):
        return _build_international(message, sender, written)
    charset = _utf8_quoted_printable()
    alternatives = MIMEMultipart("alternative", boundary=_boundary())
    alternatives.attach(MIMEText(written.text, "plain", charset))
    alternatives.attach(MIMEText(written.html, "html", charset))
    if written.attachments:
        email = MIMEMultipart("mixed", boundary=_boundary())
        email.attach(alternatives)
        for attachment in written.attachments:
            part = _attachment_part(attachment["content_type"], attachment["filename"])
            part.set_payload(attachment_bytes(attachment))
            encoders.encode_base64(part)
            email.attach(part)
    else:
        email = alternatives
    for name, value in _envelope_headers(message, sender, _subject(written.subject)):
        email[name] = value
    return email


def _subject(subject: str) -> str | Header:
    return subject if subject.isascii() else Header(subject, "utf-8")


def _attachment_part(content_type: str, filename: str) -> MIMEBase:
    maintype, subtype = content_type.split("/", 1)
    # RFC 5545 files are UTF-8; saying so keeps accents readable for every client.
    part = MIMEBase(maintype, subtype, **({"charset": "utf-8"} if maintype == "text" else {}))
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part


def attachment_bytes(attachment: dict) -> bytes:
    """Text as UTF-8; binary files (a PDF) are stored as base64 text."""
    if attachment.get("encoding") == "base64":
        return base64.b64decode(attachment["content"])
    return attachment["content"].encode()


def _build_international(message: OutboxMessage, sender: str, written: Content) -> EmailMessage:
    """For an address outside ASCII (zoë@...), which only the modern policy can send
    (SMTPUTF8); slower to build, so kept for the few messages that need it."""
    email = EmailMessage(policy=SMTP)
    for name, value in _envelope_headers(message, sender, written.subject):
        email[name] = value
    email.set_content(written.text)
    email.add_alternative(written.html, subtype="html")
    for attachment in written.attachments:
        maintype, subtype = attachment["content_type"].split("/", 1)
        email.add_attachment(
            attachment_bytes(attachment),
            maintype=maintype,
            subtype=subtype,
            filename=attachment["filename"],
        )
    return email


# -- straight to bytes --------------------------------------------------------------------


def email_bytes(message: OutboxMessage, sender: str, written: Content) -> bytes | None:
    """What `build_email` makes, as the bytes `smtplib.sendmail` sends (lines end in CRLF);
    None for an address outside ASCII, which goes through `build_email` and SMTPUTF8."""
    _check_headers(written.subject, message.recipient, sender)
    if not (message.recipient.isascii() and sender.isascii()):
        return None
    alternatives = _boundary()
    body = [
        _multipart_head("alternative", alternatives),
        f"--{alternatives}\r\n".encode(),
        _TEXT_HEAD["plain"],
        _quoted_printable(written.text),
        f"\r\n--{alternatives}\r\n".encode(),
        _TEXT_HEAD["html"],
        _quoted_printable(written.html),
        f"\r\n--{alternatives}--\r\n".encode(),
    ]
    if written.attachments:
        mixed = _boundary()
        parts = [f"--{mixed}\r\n".encode(), *body]
        for attachment in written.attachments:
            parts += [
                f"\r\n--{mixed}\r\n".encode(),
                _attachment_head(attachment["content_type"], attachment["filename"]),
                base64.encodebytes(attachment_bytes(attachment)).replace(b"\n", b"\r\n"),
            ]
        parts.append(f"\r\n--{mixed}--\r\n".encode())
        top, rest = _multipart_head("mixed", mixed), parts
    else:
        top, rest = body[0], body[1:]
    headers = b"".join(
        _header(name, value)
        for name, value in _envelope_headers(message, sender, _subject(written.subject))
    )
    # The top part's own headers (Content-Type, MIME-Version) end with the blank line.
    return b"".join([top[: -len(b"\r\n")], headers, b"\r\n", *rest])


def _header(name: str, value) -> bytes:
    """One header line: short ASCII as it is, anything else folded by the email package."""
    if isinstance(value, str) and value.isascii() and len(name) + len(value) < 76:
        return f"{name}: {value}\r\n".encode()
    return _WIRE.fold_binary(name, value)


def _multipart_head(subtype: str, boundary: str) -> bytes:
    """As the email package writes it (a line of 82 characters, which SMTP allows)."""
    return (
        f'Content-Type: multipart/{subtype}; boundary="{boundary}"\r\nMIME-Version: 1.0\r\n\r\n'
    ).encode()


def _quoted_printable(text: str) -> bytes:
    """UTF-8 in lines of at most 76 characters, as the email package encodes a text part
    (binascii does it in C); a line break is CRLF whatever the text used."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    return binascii.b2a_qp(lines.encode(), istext=True).replace(b"\n", b"\r\n")


def _part_head(part: Message) -> bytes:
    """A part's header block and the blank line after it, written by the email package."""
    out = io.BytesIO()
    BytesGenerator(out, policy=_WIRE).flatten(part, linesep="\r\n")
    return out.getvalue()


_TEXT_HEAD = {
    subtype: _part_head(MIMEText("", subtype, _utf8_quoted_printable()))
    for subtype in ("plain", "html")
}


@lru_cache(maxsize=256)
def _attachment_head(content_type: str, filename: str) -> bytes:
    part = _attachment_part(content_type, filename)
    part.set_payload(b"")
    encoders.encode_base64(part)
    return _part_head(part)
