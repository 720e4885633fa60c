"""Printed documents: made at once when small, by the worker when large, kept while the
data behind them is unchanged.

A small document (one badge, one certificate, a door list) is rendered in the request. A
large one (badge sheets, all certificates, the booklet) is a DocumentJob: asking for it
stores the job with a fingerprint of what it will show; the worker renders it in chunks,
recording progress, and keeps the file. Asking again while nothing changed gets the same
job and file; any change to the names, choices, program or texts makes a new fingerprint
and so a new job.
"""

import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from symposium import storage
from symposium.database import use_case
from symposium.documents import badges as badge_docs
from symposium.documents import booklet as booklet_docs
from symposium.documents import certificates as certificate_docs
from symposium.documents import door_lists
from symposium.documents.models import DocumentJob, DocumentKind, JobStatus
from symposium.documents.parallel import process_count, render_in_parallel
from symposium.documents.rendering import STATIC_ROOT, render_pdf
from symposium.extensions import db
from symposium.program.models import Edition, Session
from symposium.registration.models import Registration, RegistrationStatus

log = logging.getLogger(__name__)

#: how long a worker may hold a running job without reporting progress
JOB_LEASE = timedelta(minutes=10)
TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates" / "documents"


def _now() -> datetime:
    return datetime.now(UTC)


# -- what each kind of document is made of ---------------------------------------------


@dataclass(frozen=True)
class Plan:
    """A document's content: items (one per badge, certificate or booklet) and how to turn
    a run of them into HTML."""

    items: Sequence
    to_html: Callable[[Sequence, str], str]
    stylesheet: str
    #: items per chunk rendered by one process; 0: the whole document at once (the
    #: booklet's contents need every page in one layout)
    chunk: int
    registration_ids: tuple[int, ...] = ()

    def chunks(self) -> list[Sequence]:
        if not self.chunk:
            return [self.items]
        return [self.items[i : i + self.chunk] for i in range(0, len(self.items), self.chunk)]


def plan(edition: Edition, kind: DocumentKind, selection: dict, language: str) -> Plan:
    """What a document of this kind will show now."""
    if kind in (DocumentKind.badges, DocumentKind.badge_sheets):
        sheets = kind == DocumentKind.badge_sheets
        registrations = badge_docs.selected_registrations(
            edition, badge_docs.BadgeSelection.of(selection)
        )
        items = badge_docs.badges(edition, registrations, language, own_languages=True)
        return Plan(
            items=items,
            to_html=lambda part, lang: badge_docs.badges_html(part, sheets, lang),
            stylesheet="badges.css",
            chunk=badge_docs.CHUNK,
            registration_ids=tuple(r.id for r in registrations),
        )
    if kind == DocumentKind.certificates:
        registrations = certificate_docs.checked_in(edition)
        return Plan(
            items=certificate_docs.certificates(
                edition, registrations, language, own_languages=True
            ),
            to_html=certificate_docs.certificates_html,
            stylesheet="certificates.css",
            chunk=25,
        )
    if kind == DocumentKind.booklet:
        book = booklet_docs.booklet(edition, language)
        return Plan(
            items=[book] if book.summaries else [],
            to_html=booklet_docs.booklet_html,
            stylesheet="booklet.css",
            chunk=0,
        )
    raise ValueError(kind)


@cache
def _templates_version() -> str:
    """Changes when a document template or print stylesheet does, so that an upgrade
    does not keep serving documents made the old way."""
    digest = hashlib.sha256()
    for folder in (TEMPLATES, STATIC_ROOT / "css" / "print"):
        for path in sorted(folder.iterdir()):
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def fingerprint(edition: Edition, kind: DocumentKind, selection: dict, language: str) -> str:
    content = plan(edition, kind, selection, language)
    digest = hashlib.sha256(_templates_version().encode())
    digest.update(json.dumps([kind, language, selection], sort_keys=True).encode())
    for item in content.items:
        digest.update(json.dumps(asdict(item), sort_keys=True, default=str).encode())
    return digest.hexdigest()


# -- small documents, made in the request ----------------------------------------------


def badge(registration: Registration, language: str) -> bytes:
    edition = registration.edition
    (item,) = badge_docs.badges(edition, [registration], language)
    return render_pdf(badge_docs.badges_html([item], False, language), "badges.css")


def certificate(registration: Registration, language: str) -> bytes:
    edition = registration.edition
    items = certificate_docs.certificates(edition, [registration], language)
    return render_pdf(certificate_docs.certificates_html(items, language), "certificates.css")


def door_list(edition: Edition, session: Session, language: str) -> bytes:
    listing = door_lists.door_list(edition, session, language)
    return render_pdf(door_lists.door_list_html(listing, language), "door_list.css")


def render_plan(
    content: Plan, language: str, on_progress=None, waited_for=False, renderers=None
) -> bytes:
    """The whole document; `on_progress(items_done)` as chunks finish. `waited_for`: on
    every CPU, for a command someone sits waiting for (see parallel.process_count).
    `renderers`: processes started beforehand (see `badges.renderers`)."""
    parts = content.chunks()
    sizes = [len(part) for part in parts]

    def progress(chunks_done: int) -> None:
        if on_progress:
            on_progress(sum(sizes[:chunks_done]))

    # A generator: each chunk's HTML is made while the processes render the ones before it.
    html = (content.to_html(part, language) for part in parts)
    if renderers is not None:
        return renderers.render(html, progress)
    if len(parts) == 1:
        pdf = render_pdf(next(html), content.stylesheet)
        progress(1)
        return pdf
    processes = process_count(current_app.config.get("DOCUMENT_PROCESSES"), waited_for)
    return render_in_parallel(html, content.stylesheet, len(parts), progress, processes)


# -- large documents, made by the worker -----------------------------------------------


def documents_folder() -> Path:
    """This host's folder of made documents (local storage; none with S3)."""
    somewhere = storage.current().local_path("documents", "_")
    if somewhere is None:
        raise RuntimeError("made documents are kept in the object storage, not in a folder")
    somewhere.parent.mkdir(parents=True, exist_ok=True)
    return somewhere.parent


def file_path(job: DocumentJob) -> Path | None:
    """The made file on this host's disk (local storage only; see `file_content`)."""
    if job.status != JobStatus.done or not job.file_name:
        return None
    path = storage.current().local_path("documents", job.file_name)
    return path if path is not None and path.is_file() else None


def file_content(job: DocumentJob) -> bytes | None:
    """The made file, from the local folder or the object storage; None when gone."""
    if job.status != JobStatus.done or not job.file_name:
        return None
    stream = storage.current().open("documents", job.file_name)
    if stream is None:
        return None
    with stream:
        return stream.read()


def _keep(name: str, pdf: bytes) -> None:
    handle, temporary = tempfile.mkstemp(prefix=".document-", suffix=".pdf")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(pdf)
        storage.current().put("documents", name, Path(temporary))
    finally:
        Path(temporary).unlink(missing_ok=True)


@use_case
def request_document(
    edition: Edition,
    kind: DocumentKind,
    selection: dict | None = None,
    language: str = "nl",
    requested_by_id: int | None = None,
) -> DocumentJob:
    """The job for this document as the data stands now: an existing one (queued, running
    or done) with the same fingerprint, or a new one in the queue."""
    selection = {key: value for key, value in (selection or {}).items() if value}
    wanted = fingerprint(edition, kind, selection, language)

    existing = db.session.scalars(
        sa.select(DocumentJob)
        .where(
            DocumentJob.edition_id == edition.id,
            DocumentJob.kind == kind,
            DocumentJob.fingerprint == wanted,
            DocumentJob.status != JobStatus.failed,
        )
        .order_by(DocumentJob.id.desc())
        .limit(1)
    ).first()
    if existing is not None and (existing.status != JobStatus.done or file_path(existing)):
        return existing
    job = DocumentJob(
        edition_id=edition.id,
        kind=kind,
        language=language,
        selection=selection,
        fingerprint=wanted,
        requested_by_id=requested_by_id,
    )
    db.session.add(job)
    return job


def latest_job(edition: Edition, kind: DocumentKind) -> DocumentJob | None:
    return db.session.scalars(
        sa.select(DocumentJob)
        .where(DocumentJob.edition_id == edition.id, DocumentJob.kind == kind)
        .order_by(DocumentJob.id.desc())
        .limit(1)
    ).first()


def job_of_edition(edition: Edition, job_id: int) -> DocumentJob | None:
    job = db.session.get(DocumentJob, job_id)
    return job if job is not None and job.edition_id == edition.id else None


@use_case
def _claim(now: datetime) -> int | None:
    job_id = db.session.scalars(
        sa.select(DocumentJob.id)
        .where(
            sa.or_(
                DocumentJob.status == JobStatus.queued,
                sa.and_(
                    DocumentJob.status == JobStatus.running,
                    DocumentJob.claimed_until < now,
                ),
            )
        )
        .order_by(DocumentJob.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    if job_id is not None:
        db.session.execute(
            sa.update(DocumentJob)
            .where(DocumentJob.id == job_id)
            .values(status=JobStatus.running, claimed_until=now + JOB_LEASE, done=0)
        )
    return job_id


@use_case
def _update(job_id: int, **values) -> bool:
    """False when the job is gone (its edition's documents were erased meanwhile)."""

    result = db.session.execute(
        sa.update(DocumentJob).where(DocumentJob.id == job_id).values(**values)
    )
    return result.rowcount > 0


def run_next(now: datetime | None = None) -> DocumentJob | None:
    """Make the oldest waiting document, if any; the job as it ended."""
    job_id = _claim(now or _now())
    if job_id is None:
        return None
    job = db.session.get(DocumentJob, job_id)
    started = time.perf_counter()
    try:
        content = plan(job.edition, job.kind, job.selection, job.language)
        if not content.items:
            raise EmptyDocument
        total = len(content.items) if content.chunk else len(content.items[0].summaries)
        _update(job_id, total=total, registration_ids=list(content.registration_ids))

        def progress(done: int) -> None:
            shown = done if content.chunk else total
            _update(job_id, done=shown, claimed_until=_now() + JOB_LEASE)

        pdf = render_plan(content, job.language, on_progress=progress)
        name = f"{job.edition_id}-{job.kind}-{job_id}.pdf"
        _keep(name, pdf)
        kept = _update(
            job_id,
            status=JobStatus.done,
            done=total,
            file_name=name,
            size=len(pdf),
            finished_at=_now(),
            claimed_until=None,
        )
        if not kept:
            storage.current().delete("documents", name)
            return None
        _forget_older(job_id)
        log.info("made %s %d in %.1f s", job.kind, job_id, time.perf_counter() - started)
    except EmptyDocument:
        _update(job_id, status=JobStatus.failed, error="empty", finished_at=_now())
    except Exception as error:
        log.exception("document job %d failed", job_id)
        _update(job_id, status=JobStatus.failed, error=repr(error)[:2000], finished_at=_now())
    db.session.expire_all()
    return db.session.get(DocumentJob, job_id)


class EmptyDocument(Exception):
    pass


def _forget_older(job_id: int) -> None:
    """Remove the files of earlier jobs of the same document: they show outdated data."""
    job = db.session.get(DocumentJob, job_id)
    older = db.session.scalars(
        sa.select(DocumentJob).where(
            DocumentJob.edition_id == job.edition_id,
            DocumentJob.kind == job.kind,
            DocumentJob.language == job.language,
            DocumentJob.id < job.id,
            DocumentJob.file_name.is_not(None),
        )
    ).all()
    for previous in older:
        if previous.selection != job.selection:
            continue
        storage.current().delete("documents", previous.file_name)
        _update(previous.id, file_name=None)


def run_forever(app, stop: Callable[[], bool], poll_seconds: float = 1.0) -> None:
    """The worker's documents thread: make waiting documents until stopped. A job in hand
    when the worker stops is taken over by the next worker when its lease runs out."""
    with app.app_context():
        while not stop():
            try:
                made = run_next()
            except Exception:  # the database went away for a moment: try again shortly
                log.exception("documents: could not take a job")
                db.session.rollback()
                made = None
            finally:
                db.session.remove()
            if made is None:
                time.sleep(poll_seconds)


def run_pending() -> int:
    """Make every waiting document (tests and the command line)."""
    made = 0
    while run_next() is not None:
        made += 1
    return made


@use_case
def mark_printed(job: DocumentJob, now: datetime | None = None) -> int:
    """The badges on a downloaded sheet count as printed (the "not yet printed" filter)."""
    ids = list(job.registration_ids or [])
    if not ids:
        return 0

    result = db.session.execute(
        sa.update(Registration)
        .where(Registration.id.in_(ids), Registration.badge_printed_at.is_(None))
        .values(badge_printed_at=now or _now())
    )
    return result.rowcount


#: documents that show attendees' names (the booklet shows only the program's own texts)
PERSONAL_KINDS = (DocumentKind.badges, DocumentKind.badge_sheets, DocumentKind.certificates)


def forget_documents(who: sa.Select, now: datetime) -> int:
    """Erasure and purge: drop the made badges and certificates of the editions these
    registrations belong to, files first. They are only copies: asked for again, they are
    made again from what the database then holds."""
    editions = sa.select(Registration.edition_id).where(Registration.id.in_(who)).distinct()
    jobs = db.session.scalars(
        sa.select(DocumentJob).where(
            DocumentJob.edition_id.in_(editions), DocumentJob.kind.in_(PERSONAL_KINDS)
        )
    ).all()
    for job in jobs:
        if job.file_name:
            storage.current().delete("documents", job.file_name)
    db.session.execute(sa.delete(DocumentJob).where(DocumentJob.id.in_([j.id for j in jobs])))
    return len(jobs)


KIND_LABELS = {
    DocumentKind.badges: lambda: _("Badges, one per page"),
    DocumentKind.badge_sheets: lambda: _("Badge sheets, four per A4"),
    DocumentKind.certificates: lambda: _("Certificates of attendance"),
    DocumentKind.booklet: lambda: _("Summaries booklet"),
}


# -- the organisers' documents page ----------------------------------------------------


@dataclass(frozen=True)
class Overview:
    confirmed: int
    not_yet_printed: int
    checked_in: int
    summaries: int
    recent: list[DocumentJob]


def overview(edition: Edition, recent: int = 8) -> Overview:
    def count(*conditions) -> int:
        return db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Registration)
            .where(
                Registration.edition_id == edition.id,
                Registration.status == RegistrationStatus.confirmed,
                *conditions,
            )
        )

    return Overview(
        confirmed=count(),
        not_yet_printed=count(Registration.badge_printed_at.is_(None)),
        checked_in=count(Registration.checked_in_at.is_not(None)),
        summaries=len(booklet_docs.published_summaries(edition)),
        recent=list(
            db.session.scalars(
                sa.select(DocumentJob)
                .where(DocumentJob.edition_id == edition.id)
                .order_by(DocumentJob.id.desc())
                .limit(recent)
            )
        ),
    )


def progress_text(job: DocumentJob) -> str:
    """What a person reads about a job's progress."""
    if job.status == JobStatus.queued:
        return _("Waiting for the worker to start.")
    if job.status == JobStatus.running and not job.total:
        return _("Collecting the data.")
    if job.kind == DocumentKind.booklet:
        return ngettext("%(num)d summary", "%(num)d summaries", job.total)
    if job.status == JobStatus.done:
        if job.kind == DocumentKind.certificates:
            return ngettext("%(num)d certificate", "%(num)d certificates", job.total)
        return ngettext("%(num)d badge", "%(num)d badges", job.total)
    return _("%(done)d of %(total)d done", done=job.done, total=job.total)
