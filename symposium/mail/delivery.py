"""Delivering the outbox over SMTP: claim a batch, send it over one connection, record each.

A batch is claimed by marking its messages `sending` until a lease runs out, in a short
transaction of its own (`FOR UPDATE SKIP LOCKED` lets several workers share the outbox
on PostgreSQL). Each message is marked sent right after the SMTP server accepted it, so
a worker killed mid-batch leaves only unsent messages behind, which the next worker picks
up when their lease expires.

The batch is written (templates, calendar files) a slice at a time by a thread of its own
while the SMTP conversation waits for the server: writing took as long as sending.
"""

import base64
import logging
import secrets
import smtplib
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import encoders
from email.charset import QP, Charset
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import SMTP
from email.utils import formatdate, make_msgid

import sqlalchemy as sa
from flask import current_app

from symposium.database import use_case
from symposium.extensions import db
from symposium.mail.models import MessageStatus, OutboxMessage
from symposium.mail.outbox import Content, content, contents
from symposium.text import has_control_characters

log = logging.getLogger(__name__)


@dataclass
class BatchResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def _now() -> datetime:
    return datetime.now(UTC)


def _utf8_quoted_printable() -> Charset:
    charset = Charset("utf-8")
    charset.header_encoding = QP
    charset.body_encoding = QP  # lines of at most 76 characters, however long a paragraph
    return charset


UNSENDABLE = "cannot be sent"


class Unsendable(ValueError):
    """A message no attempt can send (a line break in a header): failed at once, no retry."""


def _check_headers(*values: str) -> None:
    if any(has_control_characters(value) for value in values):
        raise Unsendable("a header holds a line break or another control character")


def _boundary() -> str:
    """A MIME boundary that cannot occur in our parts: quoted-printable writes "=" as "=3D"
    and base64 has no "_". Given here, it spares the email package a search of the whole
    message with a regular expression compiled for each boundary it makes up."""
    return f"=_{secrets.token_hex(16)}"


def build_email(message: OutboxMessage, sender: str, written: Content | None = None) -> Message:
    """Text and HTML alternatives plus attachments; long lines are encoded, never sent raw.

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
            maintype, subtype = attachment["content_type"].split("/", 1)
            # RFC 5545 files are UTF-8; saying so keeps accents readable for every client.
            part = MIMEBase(
                maintype, subtype, **({"charset": "utf-8"} if maintype == "text" else {})
            )
            part.set_payload(_attachment_bytes(attachment))
            encoders.encode_base64(part)
            part.add_header("Content-Disposition", "attachment", filename=attachment["filename"])
            email.attach(part)
    else:
        email = alternatives
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = (
        written.subject if written.subject.isascii() else Header(written.subject, "utf-8")
    )
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">") or None)
    email["X-Symposium-Key"] = message.dedupe_key
    return email


def _attachment_bytes(attachment: dict) -> bytes:
    """Text as UTF-8; binary files (a PDF) are stored as base64 text."""
    if attachment.get("encoding") == "base64":
        return base64.b64decode(attachment["content"])
    return attachment["content"].encode()


def _build_international(message: OutboxMessage, sender: str, written: Content) -> EmailMessage:
    """For an address outside ASCII (zoë@...), which only the modern policy can send
    (SMTPUTF8); slower to build, so kept for the few messages that need it."""
    email = EmailMessage(policy=SMTP)
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = written.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">") or None)
    email["X-Symposium-Key"] = message.dedupe_key
    email.set_content(written.text)
    email.add_alternative(written.html, subtype="html")
    for attachment in written.attachments:
        maintype, subtype = attachment["content_type"].split("/", 1)
        email.add_attachment(
            _attachment_bytes(attachment),
            maintype=maintype,
            subtype=subtype,
            filename=attachment["filename"],
        )
    return email


@use_case
def _claim_batch(size: int) -> list[int]:
    lease = timedelta(seconds=current_app.config["MAIL_LEASE_SECONDS"])

    now = _now()
    due = db.session.scalars(
        sa.select(OutboxMessage.id)
        .where(
            OutboxMessage.status.in_([MessageStatus.queued, MessageStatus.sending]),
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(size)
        .with_for_update(skip_locked=True)
    ).all()
    if due:
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id.in_(due))
            .values(status=MessageStatus.sending, next_attempt_at=now + lease)
        )
    return list(due)


@use_case
def _record(message_id: int, error: str, final: bool = False) -> MessageStatus:
    """One more failed attempt: back-off doubles until the limit, then failed; `final`
    fails at once."""
    message = db.session.get(OutboxMessage, message_id)
    message.attempts += 1
    message.last_error = error
    if final or message.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        message.status = MessageStatus.failed
    else:
        delay = current_app.config["MAIL_RETRY_SECONDS"] * 2 ** (message.attempts - 1)
        message.status = MessageStatus.queued
        message.next_attempt_at = _now() + timedelta(seconds=delay)
    return message.status


#: built once: marking a message sent is the one statement run for every message
_MARK_SENT = (
    sa.update(OutboxMessage)
    .where(OutboxMessage.id == sa.bindparam("message_id"))
    .values(
        status=MessageStatus.sent,
        attempts=OutboxMessage.attempts + 1,
        sent_at=sa.bindparam("sent_at"),
        last_error=None,
    )
    .execution_options(synchronize_session=False)
)
_MARK_SENT_AS_WRITTEN = _MARK_SENT.values(
    subject=sa.bindparam("subject"),
    text_body=sa.bindparam("text_body"),
    html_body=sa.bindparam("html_body"),
    attachments=sa.bindparam("attachments"),
)


def _sent_values(message_id: int, written: Content | None) -> tuple[sa.Update, dict]:
    values = {"message_id": message_id, "sent_at": _now()}
    if written is None or written.stored:
        return _MARK_SENT, values
    values |= {
        "subject": written.subject,
        "text_body": written.text,
        "html_body": written.html,
        "attachments": written.attachments,
    }
    return _MARK_SENT_AS_WRITTEN, values


@use_case
def _record_sent(message_id: int, written: Content | None) -> MessageStatus:
    """One UPDATE: sent, and the text as it went out for messages written at sending."""
    db.session.execute(*_sent_values(message_id, written))
    return MessageStatus.sent


class SentMarks:
    """Marks each message sent right after the SMTP server accepted it, so that a worker
    killed mid-batch sends again at most the message it had on the wire.

    On PostgreSQL through a connection of its own for the batch, in autocommit (one round
    trip a message instead of four) and with synchronous_commit off: the commit does not
    wait for the disk. A worker dying loses nothing by that; only the database server
    crashing could forget the last fraction of a second of marks, and those messages would
    go out once more, never be lost. Elsewhere (SQLite) one short transaction a message.
    """

    def __init__(self) -> None:
        self.connection: sa.Connection | None = None
        if db.engine.dialect.name == "postgresql":
            connection = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            connection.exec_driver_sql("SET synchronous_commit TO OFF")
            self.connection = connection

    def sent(self, message_id: int, written: Content | None) -> MessageStatus:
        if self.connection is None:
            return _record_sent(message_id, written)
        self.connection.execute(*_sent_values(message_id, written))
        return MessageStatus.sent

    def close(self) -> None:
        if self.connection is None:
            return
        try:
            self.connection.exec_driver_sql("RESET synchronous_commit")
            self.connection.close()
        except sa.exc.DBAPIError:
            self.connection.invalidate()
        self.connection = None


@use_case
def _release(message_ids: list[int]) -> None:
    """Give claimed messages back at once, when the worker stops before sending them."""
    if not message_ids:
        return

    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_(message_ids), OutboxMessage.status == MessageStatus.sending)
        .values(status=MessageStatus.queued, next_attempt_at=_now())
    )


def connect(config) -> smtplib.SMTP:
    """An SMTP connection with the settings' timeouts: MAIL_CONNECT_TIMEOUT to connect and
    read the greeting, MAIL_TIMEOUT for every command after that (each read and write)."""
    server, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
    connect_timeout = float(config["MAIL_CONNECT_TIMEOUT"])
    if config["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(server, port, timeout=connect_timeout)
    else:
        smtp = smtplib.SMTP(server, port, timeout=connect_timeout)
    try:
        smtp.sock.settimeout(float(config["MAIL_TIMEOUT"]))
        if config["MAIL_USE_TLS"]:
            smtp.starttls()  # the TLS socket keeps the plain one's timeout
        if config["MAIL_USERNAME"] and config["MAIL_PASSWORD"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    except BaseException:
        smtp.close()
        raise
    return smtp


def _hang_up(smtp: smtplib.SMTP | None, interruptible, stopping: bool) -> None:
    if smtp is None:
        return
    if stopping:  # no polite QUIT to a server that may stall: the worker is on its way out
        _close(smtp)
        return
    try:
        with interruptible():
            smtp.quit()
    except (OSError, smtplib.SMTPException):
        pass
    finally:
        smtp.close()


def deliver_due(batch_size: int = 50, should_stop=lambda: False) -> BatchResult:
    """Send the messages that are due over one SMTP connection.

    `should_stop` is asked before each message; when it also has `interruptible()` (the
    worker's StopFlag), every wait for the SMTP server happens inside it, so that a signal
    can end a stalled conversation: what is not yet recorded as sent goes back to the outbox.
    """
    interruptible = getattr(should_stop, "interruptible", nullcontext)
    result = BatchResult()
    claimed = _claim_batch(batch_size)
    if not claimed:
        return result
    # Settings are read per batch, so that they can change without a new worker.
    config = current_app.config
    sender = config["MAIL_DEFAULT_SENDER"]
    pending = list(claimed)
    smtp = None
    marks = SentMarks()
    writer = None
    try:
        writer = _Writer(claimed, sender)
        with interruptible():
            smtp = connect(config)
        while pending and not should_stop():
            message_id = pending[0]
            recipient, email, written, problem = writer.written(message_id)
            if email is None:
                status = (
                    _record(message_id, problem, final=problem.startswith(UNSENDABLE))
                    if problem
                    else _record(message_id, "nothing to send: it was removed", final=True)
                )
                pending.pop(0)
                _count(result, status)
                continue
            try:
                with interruptible():
                    smtp.send_message(email, from_addr=sender, to_addrs=[recipient])
            except smtplib.SMTPRecipientsRefused as error:
                status = _record(message_id, f"recipient refused: {error.recipients}")
            except smtplib.SMTPResponseException as error:
                status = _record(message_id, f"{error.smtp_code} {error.smtp_error!r}")
            except (smtplib.SMTPServerDisconnected, OSError):
                raise  # the connection is gone: handled for the whole batch below
            except Exception as error:  # one message's fault must not stop the outbox
                log.exception("could not send message %s", message_id)
                status = _record(message_id, f"{type(error).__name__}: {error}")
            else:
                status = marks.sent(message_id, written)
            pending.pop(0)
            _count(result, status)
    except (OSError, smtplib.SMTPException) as error:
        # The server is unreachable, stalled past the timeout or hung up: every message not
        # yet sent waits to retry.
        log.warning("SMTP delivery failed: %s", error)
        _close(smtp)
        smtp = None
        for message_id in pending:
            _count(result, _record(message_id, f"{type(error).__name__}: {error}"))
        pending = []
    except BaseException:
        _close(smtp)  # stopped mid-conversation: no polite QUIT to a server that stalls
        smtp = None
        raise
    finally:
        # Hand back first: hanging up waits for the server, and a stop during that wait
        # (or one already asked for) must not leave claimed messages claimed.
        if writer is not None:
            writer.close()
        marks.close()
        _release(pending)
        _hang_up(smtp, interruptible, stopping=should_stop())
    return result


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        smtp.close()


#: messages written at a time by the writer thread: the first slice is what the SMTP
#: conversation waits for, the rest is written while it runs
WRITE_SLICE = 10


class _Writer:
    """Writes a claimed batch a slice at a time in a thread with its own app context and
    database session, while the caller sends what is written: the SMTP conversation spends
    most of its time waiting for the server, when this process has a CPU to spare. It only
    reads; marking sent stays with the caller. An in-memory SQLite database (one connection
    for the whole process) is written in the caller's thread, before sending."""

    def __init__(self, message_ids: list[int], sender: str) -> None:
        self.slices: dict[int, Future] = {}
        self.pool: ThreadPoolExecutor | None = None
        parts = [message_ids[i : i + WRITE_SLICE] for i in range(0, len(message_ids), WRITE_SLICE)]
        if db.engine.url.database in (None, "", ":memory:"):
            done: Future = Future()
            done.set_result(_write_batch(message_ids, sender))
            self.slices = dict.fromkeys(message_ids, done)
            return
        app = current_app._get_current_object()
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mail-writer")
        for part in parts:  # one thread: the slices are written in order
            future = self.pool.submit(self._write, app, part, sender)
            self.slices.update(dict.fromkeys(part, future))

    @staticmethod
    def _write(app, message_ids: list[int], sender: str) -> dict[int, tuple]:
        with app.app_context():
            try:
                return _write_batch(message_ids, sender)
            finally:
                db.session.remove()

    def written(self, message_id: int) -> tuple:
        return self.slices[message_id].result()[message_id]

    def close(self) -> None:
        """Stop writing what will not be sent (a stop, a lost connection)."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


def _write_batch(message_ids: list[int], sender: str) -> dict[int, tuple]:
    """Every claimed message written and built in one read, before the SMTP conversation:
    (recipient, email, what it says, the problem when it could not be written)."""
    messages = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.id.in_(message_ids))
    ).all()
    written = contents(list(messages))
    emails = {}
    for message in messages:
        said = written.get(message.id)
        try:
            if isinstance(said, Exception):
                raise said
            email = build_email(message, sender, said) if said is not None else None
        except Unsendable as error:
            emails[message.id] = (message.recipient, None, None, f"{UNSENDABLE}: {error}")
        except Exception as error:  # one message's fault must not stop the outbox
            log.exception("could not write message %s", message.id)
            emails[message.id] = (message.recipient, None, None, f"{type(error).__name__}: {error}")
        else:
            emails[message.id] = (message.recipient, email, said, None)
    db.session.rollback()  # no transaction held open while talking to SMTP
    return emails


def _count(result: BatchResult, status: MessageStatus) -> None:
    if status == MessageStatus.sent:
        result.sent += 1
    elif status == MessageStatus.failed:
        result.failed += 1
    else:
        result.retried += 1


@use_case
def retry(message_id: int) -> None:
    """Send a failed message again, soon."""

    message = db.session.get(OutboxMessage, message_id)
    if message is not None and message.status == MessageStatus.failed:
        message.status = MessageStatus.queued
        message.attempts = 0
        message.next_attempt_at = _now()
