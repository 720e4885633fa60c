"""Queueing mail in the caller's transaction; writing it in the recipient's language.

A message is queued either ready-made (`queue`, for mail-outs) or as references that a
builder turns into a `Mail` when the worker sends it (`queue_later`).
"""

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app, render_template
from flask_babel import force_locale, get_translations
from jinja2 import pass_context
from markupsafe import Markup

from symposium.database import conflict_insert
from symposium.extensions import db
from symposium.mail.models import OutboxMessage


@dataclass
class Attachment:
    filename: str
    content_type: str
    #: text; binary files as base64 text, with `encoding` "base64"
    content: str
    encoding: str = ""


@dataclass
class Mail:
    kind: str
    dedupe_key: str
    recipient: str
    locale: str
    #: a callable, so that lazy texts are rendered in the recipient's language
    subject: object
    context: dict = field(default_factory=dict)
    attachments: list[Attachment] = field(default_factory=list)
    registration_id: int | None = None


def _paragraphs(text: str) -> str:
    """A plain-text part as people read it: paragraphs apart by one blank line (the
    templates' includes leave more), no trailing spaces."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def render(mail: Mail) -> tuple[str, str, str]:
    """Subject, text and HTML of a message, in its recipient's language."""
    with force_locale(mail.locale):
        return _render_here(mail)


#: kind -> makes the message from its stored references (None: nothing left to send)
BUILDERS: dict[str, Callable[[dict], Mail | None]] = {}
#: loads what a batch's builders will read, in a few queries for the whole batch
PRELOADERS: list[Callable[[list[dict]], object]] = []


def preloader(load: Callable[[list[dict]], object]):
    """Register a function that gets the references of every message of a batch before
    any is written, to load their rows at once (the builders then find them in the session);
    what it returns is held until the batch is written, so that the session keeps the rows."""
    PRELOADERS.append(load)
    return load


def builder(kind: str):
    """Register how messages of a kind queued with `queue_later` are written."""

    def register(build: Callable[[dict], Mail | None]):
        BUILDERS[kind] = build
        return build

    return register


@functools.cache
def _insert_statement(dialect: str):
    """Built once per process: building it took longer than running it (a sign-up queues one)."""
    insert = conflict_insert(dialect, OutboxMessage.__table__)
    return insert.on_conflict_do_nothing(index_elements=["dedupe_key"])


def _insert(**values) -> None:
    """Insert unless the dedupe key is known: the same event never queues twice."""
    session = db.session()
    if session.autoflush:  # as the session's own `execute` would: what is pending goes first
        session.flush()
    dialect = session.get_bind().dialect.name
    session.connection().execute(_insert_statement(dialect), values)


def queue(mail: Mail) -> None:
    """Add a ready-made message to the outbox in the current transaction."""
    subject, text, html = render(mail)
    _insert(
        dedupe_key=mail.dedupe_key,
        kind=mail.kind,
        recipient=mail.recipient,
        subject=subject,
        text_body=text,
        html_body=html,
        attachments=[vars(attachment) for attachment in mail.attachments],
        registration_id=mail.registration_id,
    )


def queue_later(
    kind: str, dedupe_key: str, recipient: str, refs: dict, registration_id: int | None = None
) -> None:
    """Add a message to be written when it is sent, in the current transaction."""
    _insert(
        dedupe_key=dedupe_key,
        kind=kind,
        recipient=recipient,
        refs=refs,
        registration_id=registration_id,
    )


@dataclass
class Content:
    subject: str
    text: str
    html: str
    attachments: list[dict]
    #: already in the outbox row (ready-made, or written when it was sent before)
    stored: bool = False


def content(message: OutboxMessage) -> Content | None:
    """What a message says: as stored, or written now from its references."""
    said = contents([message])[message.id]
    if isinstance(said, Exception):
        raise said
    return said


def contents(messages: list[OutboxMessage]) -> dict[int, Content | Exception | None]:
    """What each message of a batch says (None: nothing left to send; an exception: it
    could not be written). The rows the builders read are loaded for the whole batch, and
    messages are written a language at a time."""
    written: dict[int, Content | Exception | None] = {}
    later = []
    for message in messages:
        if message.text_body is not None:
            written[message.id] = Content(
                message.subject or "",
                message.text_body,
                message.html_body or "",
                message.attachments or [],
                stored=True,
            )
        else:
            later.append(message)
    if not later:
        return written
    refs = [message.refs or {} for message in later]
    loaded = [load(refs) for load in PRELOADERS]
    mails: dict[str, list[tuple[int, Mail]]] = {}
    for message, references in zip(later, refs, strict=True):
        try:
            mail = BUILDERS[message.kind](references)
        except Exception as error:  # one message's fault must not stop the others
            written[message.id] = error
            continue
        if mail is None:
            written[message.id] = None
        else:
            mails.setdefault(mail.locale, []).append((message.id, mail))
    for locale, group in mails.items():
        with force_locale(locale):
            batch = _batch_context(shared={})
            for message_id, mail in group:
                try:
                    subject, text, html = _render_here(mail, batch)
                except Exception as error:
                    written[message_id] = error
                    continue
                attachments = [vars(attachment) for attachment in mail.attachments]
                written[message_id] = Content(subject, text, html, attachments)
    del loaded  # the session may let go of the batch's rows now
    return written


def _template_gettext(shared: dict | None = None) -> dict:
    """The templates' `_()` and `ngettext()` for the language in force, its catalogue looked
    up once: through Flask-Babel every one of a message's ~50 texts looked up the app, the
    context, the language and the catalogue again (a fifth of writing a message). Given as
    template variables, they serve that one render only (other threads render too).

    `shared`: where the batch keeps the parts its messages have in common (`shared_part`),
    for this language."""
    from jinja2.ext import _make_new_gettext, _make_new_ngettext

    catalogue = get_translations()
    return {
        "gettext": _make_new_gettext(catalogue.ugettext),
        "ngettext": _make_new_ngettext(catalogue.ungettext),
        "shared_part": _shared_parts(shared),
    }


def _shared_parts(shared: dict | None):
    """The templates' `shared_part(name, *key)`: the template `name` rendered as an include
    would, once for each `key` in a batch (then kept for the batch's other messages of the
    language). The key holds everything the part reads that differs between messages (the
    edition's id, a program's `key`): a confirmation's program, which took a third of
    writing one, is the same for everyone who chose the same sessions."""

    @pass_context
    def shared_part(context, name: str, *key):
        made = None if shared is None else shared.get((name, *key))
        if made is None:
            template = context.environment.get_template(name)
            # As `{% include %}` does it: the context shared, not copied with the globals.
            made = "".join(template.root_render_func(template.new_context(context.get_all(), True)))
            if shared is not None:
                shared[(name, *key)] = made
        # Rendered by the template engine, which escaped what it had to: safe as it is.
        return Markup(made) if context.eval_ctx.autoescape else made  # nosec B704

    return shared_part


def _batch_context(shared: dict) -> dict:
    """What every template of a batch sees in the language in force, made once: the
    environment's globals, what the app's context processors add and `_template_gettext`.
    `render_template` made them again for each of a message's two templates (a sixth of
    writing it)."""
    processors: dict = {}
    current_app.update_template_context(processors)
    return {**current_app.jinja_env.globals, **processors, **_template_gettext(shared)}


def _render_batch_template(name: str, context: dict) -> str:
    """`render_template` less what the batch made once (`_batch_context`): the context is
    given whole, as `{% include %}` gives it, rather than merged with the globals again.
    (No `template_rendered` signal: nothing listens for mail.)"""
    template = current_app.jinja_env.get_template(name)
    return template.environment.concat(
        template.root_render_func(template.new_context(context, shared=True))
    )


def _render_here(mail: Mail, batch: dict | None = None) -> tuple[str, str, str]:
    """As `render`, in the language already chosen; `batch`: its `_batch_context`."""
    subject = str(mail.subject() if callable(mail.subject) else mail.subject)
    if batch is None:
        context = {"subject": subject, **mail.context, **_UNSHARED}
        text = _paragraphs(render_template(f"mail/{mail.kind}.txt", **context))
        html = render_template(f"mail/{mail.kind}.html", **context)
        return subject, text, html
    context = {**batch, "subject": subject, **mail.context}
    text = _paragraphs(_render_batch_template(f"mail/{mail.kind}.txt", context))
    html = _render_batch_template(f"mail/{mail.kind}.html", context)
    return subject, text, html


#: outside a batch: Flask-Babel's own `_()`, every part rendered each time
_UNSHARED = {"shared_part": _shared_parts(None)}
