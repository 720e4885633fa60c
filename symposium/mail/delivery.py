"""Delivering the outbox over SMTP: claim a batch, send it over one connection, record each.

A batch is claimed by marking its messages `sending` until a lease runs out, in a short
transaction of its own (`FOR UPDATE SKIP LOCKED` lets several workers share the outbox
on PostgreSQL). Messages are marked sent soon after the SMTP server accepted them, a few
at a time (`SentMarks`), and all of them whatever ends the batch: a worker killed outright
mid-batch leaves unsent messages behind, which the next worker picks up when their lease
expires, and at most the last few sent ones, which go out once more as the same message.

The whole batch is written (templates, calendar files) and turned into the bytes that go
over SMTP before the conversation starts, in this thread: a writing thread beside the
conversation held the GIL whenever the server answered, which made every SMTP command wait
for it (the conversation took twice as long as smtplib alone).
"""

import functools
import logging
import smtplib
import time
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import Message
from email.utils import parseaddr

import sqlalchemy as sa
from flask import current_app

from symposium.database import use_case, writing
from symposium.extensions import db
from symposium.mail.mime import UNSENDABLE, Unsendable, build_email, email_bytes
from symposium.mail.models import MessageStatus, OutboxMessage
from symposium.mail.outbox import Content, contents

__all__ = ["BatchResult", "build_email", "deliver_due", "retry"]

log = logging.getLogger(__name__)


@dataclass
class BatchResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def _now() -> datetime:
    return datetime.now(UTC)


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
def _record_sent(marks: list[tuple[sa.Update, dict]]) -> None:
    """Sent, and the text as it went out for messages written at sending."""
    for statement, values in marks:
        db.session.execute(statement, values)


#: a crash may send again the messages accepted by the SMTP server but not yet marked sent:
#: never more than this many,
MARK_AT_MOST = 10
#: nor any accepted longer than this after the first of them went on the wire (seconds). A
#: mark costs 0.1-0.4 ms and a message on loopback about a millisecond: marking each one
#: on its own took a fifth of the worker's time. Against a slow server (a message taking
#: longer than this), every message is marked as soon as it is accepted.
MARK_WITHIN = 0.01


class SentMarks:
    """Marks messages sent soon after the SMTP server accepted them, a few in one
    transaction (see MARK_AT_MOST and MARK_WITHIN), and all of them before the batch ends,
    whatever ends it (a stop, a lost connection, an error). A worker killed outright (kill -9,
    a power cut) may so send again at most the last few messages it sent; they carry the
    same Message-ID and X-Symposium-Key as the first copy, so that they are recognised. Mail
    is never lost: a mark is only written for a message the server accepted.

    Through a connection of its own for the batch rather than the ORM session, whose commit
    would expire every row the batch was written from. On PostgreSQL with synchronous_commit
    off: the commit does not wait for the disk. A worker dying loses nothing by that; only
    the database server crashing could forget the last fraction of a second of marks, and
    those messages would go out once more, never be lost. On SQLite the transaction is begun
    with the write lock (`BEGIN IMMEDIATE`); an in-memory database, which has one
    connection for the whole process, goes through the session.
    """

    def __init__(self) -> None:
        self.connection: sa.Connection | None = None
        engine = db.engine
        self.postgresql = engine.dialect.name == "postgresql"
        if self.postgresql or engine.url.database not in (None, "", ":memory:"):
            self.connection = engine.connect()
        if self.postgresql:
            self.connection.exec_driver_sql("SET synchronous_commit TO OFF")
            self.connection.commit()
        self.unmarked: list[tuple[sa.Update, dict]] = []
        #: when the first unmarked message went on the wire (time.monotonic)
        self.since = 0.0

    def sent(self, message_id: int, written: Content | None, since: float) -> MessageStatus:
        """`message_id` was accepted; `since`: when it went on the wire (time.monotonic)."""
        if not self.unmarked:
            self.since = since
        self.unmarked.append(_sent_values(message_id, written))
        if len(self.unmarked) >= MARK_AT_MOST or time.monotonic() - self.since >= MARK_WITHIN:
            self.write()
        return MessageStatus.sent

    def write(self) -> None:
        """Write the marks not yet written, in one transaction."""
        marks, self.unmarked = self.unmarked, []
        if not marks:
            return
        if self.connection is None:
            _record_sent(marks)
            return
        with writing(), self.connection.begin():
            for statement in dict.fromkeys(statement for statement, _ in marks):
                rows = [values for each, values in marks if each is statement]
                self.connection.execute(statement, rows)  # one executemany

    def close(self) -> None:
        """Write what is left, then let the connection go (also when writing failed)."""
        try:
            self.write()
        finally:
            if self.connection is not None:
                self._let_go()

    def _let_go(self) -> None:
        try:
            if self.postgresql:  # the pooled connection must not keep the setting
                self.connection.exec_driver_sql("RESET synchronous_commit")
                self.connection.commit()
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
    marks = None
    try:
        outgoing = _write_batch(claimed, sender)
        marks = SentMarks()
        with interruptible():
            smtp = connect(config)
        while pending and not should_stop():
            message_id = pending[0]
            mail = outgoing[message_id]
            if mail.email is None:
                status = (
                    _record(message_id, mail.problem, final=mail.problem.startswith(UNSENDABLE))
                    if mail.problem
                    else _record(message_id, "nothing to send: it was removed", final=True)
                )
                pending.pop(0)
                _count(result, status)
                continue
            try:
                on_the_wire = time.monotonic()
                with interruptible():
                    mail.send(smtp, sender)
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
                status = marks.sent(message_id, mail.written, on_the_wire)
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
        # Marks and hand-back first: hanging up waits for the server, and a stop during that
        # wait (or one already asked for) must not leave sent messages unmarked or claimed
        # messages claimed. Each is tried even when the one before failed.
        try:
            try:
                if marks is not None:
                    marks.close()
            finally:
                if pending:
                    _release(pending)
        finally:
            _hang_up(smtp, interruptible, stopping=should_stop())
    return result


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        smtp.close()


@dataclass
class _Outgoing:
    """One claimed message, ready to send: `email` is None when there is nothing to send
    (`problem` says why, or it was removed)."""

    recipient: str
    email: bytes | Message | None
    written: Content | None = None
    problem: str | None = None

    def send(self, smtp: smtplib.SMTP, sender: str) -> None:
        if isinstance(self.email, bytes):
            # The bare address: smtplib parses what it is given again for every message.
            smtp.sendmail(_envelope_address(sender), [self.recipient], self.email)
        else:  # an address outside ASCII: smtplib asks for SMTPUTF8
            smtp.send_message(self.email, from_addr=sender, to_addrs=[self.recipient])


@functools.lru_cache(maxsize=8)
def _envelope_address(sender: str) -> str:
    """ "Symposium <symposium@example.org>" -> "symposium@example.org"."""
    return parseaddr(sender)[1] or sender


def _write_batch(message_ids: list[int], sender: str) -> dict[int, _Outgoing]:
    """Every claimed message written and made ready to send, in one read, before the SMTP
    conversation."""
    messages = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.id.in_(message_ids))
    ).all()
    written = contents(list(messages))
    outgoing = {}
    for message in messages:
        said = written.get(message.id)
        try:
            if isinstance(said, Exception):
                raise said
            if said is None:
                email = None
            else:
                email = email_bytes(message, sender, said) or build_email(message, sender, said)
        except Unsendable as error:
            problem = f"{UNSENDABLE}: {error}"
            outgoing[message.id] = _Outgoing(message.recipient, None, problem=problem)
        except Exception as error:  # one message's fault must not stop the outbox
            log.exception("could not write message %s", message.id)
            problem = f"{type(error).__name__}: {error}"
            outgoing[message.id] = _Outgoing(message.recipient, None, problem=problem)
        else:
            outgoing[message.id] = _Outgoing(message.recipient, email, said)
    db.session.rollback()  # no transaction held open while talking to SMTP
    # A message deleted since it was claimed: nothing to send.
    for message_id in message_ids:
        outgoing.setdefault(message_id, _Outgoing("", None))
    return outgoing


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
