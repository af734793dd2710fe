"""The PDF/A archive of submissions: built from the submission alone, rendered by a
background job (``render_archive``, deferred in the transaction that commits the submission)
in worker processes, stored content-addressed, and swept for submissions whose PDF is missing
(``archive_sweep``, periodic: it defers the job again, so a worker killed while rendering, or
a job lost with it, loses nothing).

An archive is made from what was submitted (``submission.answers`` evaluated with the
submission's definition version) and the files it carries, never from the draft, which may
have changed since. Rendering is deterministic (see renderers/pdf.py), so a missing PDF
rendered again has the SHA-256 recorded the first time; the recorded hash is set once and
never changed.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.evaluate import evaluate
from renderers.pdf import (
    ArchiveFile,
    ArchiveInfo,
    document_html,
    pupil_name,
    render_pdf,
    submitted_files,
)

from .. import jobs
from ..organisations.models import Organisation
from ..state import AppState
from .models import Submission

log = logging.getLogger("popo.archive")


class ArchiveUnavailable(Exception):
    """The submission's definition version is no longer loaded: it cannot be rendered now."""


@dataclass(frozen=True)
class ArchiveJob:
    submission_id: uuid.UUID
    document: str
    answers: dict[str, Any]
    info: ArchiveInfo
    files: tuple[ArchiveFile, ...] = ()


def archive_job(popo: AppState, session: Session, submission: Submission) -> ArchiveJob:
    """Everything the worker needs to render the archive of one submission."""
    entry = popo.registry.get(submission.form_id, submission.form_version)
    if entry is None or entry.form.content_hash != submission.definition_hash:
        raise ArchiveUnavailable(f"{submission.form_id}@{submission.form_version}")
    info = ArchiveInfo(
        submission_id=str(submission.id),
        submitted_at=submission.submitted_at,
        organisation=_organisation_name(session, submission.organisation_id),
        form_id=submission.form_id,
        version=submission.form_version,
        definition_hash=submission.definition_hash,
        language=submission.language,
    )
    # evaluated on the day it was submitted: "today" in a rule means that day, in the archive
    state = evaluate(entry.form, submission.answers, info.moment.date())
    info = replace(info, pupil=pupil_name(entry.form, state))
    files = []
    for item in submitted_files(entry.form, state, submission.language):
        if popo.files.exists(item.sha256):
            files.append(replace(item, data=popo.files.get(item.sha256)))
        else:
            log.error(
                "attachment missing from the file store",
                extra={"submission": str(submission.id), "sha256": item.sha256},
            )
    return ArchiveJob(
        submission.id,
        document_html(entry.form, state, info, files),
        submission.answers,
        info,
        tuple(files),
    )


def _organisation_name(session: Session, organisation_id: uuid.UUID | None) -> str:
    if organisation_id is None:
        return ""
    organisation = session.get(Organisation, organisation_id)
    return organisation.name if organisation else ""


def render(popo: AppState, job: ArchiveJob) -> bytes:
    """Render in a worker process and wait for it (called from a handler's thread, never on
    the event loop)."""
    return in_worker(popo, render_pdf, job.document, job.answers, job.info, job.files)


def in_worker(popo: AppState, fn: Callable[..., bytes], *args: Any) -> bytes:
    """Run a PDF rendering ``fn(*args)`` in a worker process and wait for it (every PDF POPO
    makes goes through here: the submissions' archives, a transfer's bewijs van uitschrijving).
    A worker that died (killed, out of memory) breaks its pool, and a pool shut down by another
    application that shares this state refuses work: either way the pool is built again and
    the job tried once more."""
    for attempt in (1, 2):
        pool = popo.workers()
        try:
            future = pool.submit(fn, *args)
        except RuntimeError:
            # the pool was shut down under us (an application sharing this state stopped)
            if attempt == 2:
                raise
            log.warning("PDF workers were shut down; starting new workers", exc_info=True)
            popo.restart_workers(pool)
            continue
        try:
            return future.result()
        except BrokenProcessPool:
            if attempt == 2:
                raise
            log.warning("PDF worker died; starting new workers", exc_info=True)
            popo.restart_workers(pool)
    raise AssertionError("unreachable")


def record(popo: AppState, job: ArchiveJob, pdf: bytes) -> str:
    """Store the PDF and record its hash on the submission, once."""
    digest = popo.archive.put(pdf)
    with popo.db.session() as session:
        submission = session.get(Submission, job.submission_id)
        if submission is not None:
            if submission.pdf_sha256 is None:
                submission.pdf_sha256 = digest
            elif submission.pdf_sha256 != digest:
                # not expected (rendering is deterministic) unless the renderer itself changed;
                # the record keeps the hash of the first archive
                log.warning(
                    "re-rendered archive differs from the recorded one",
                    extra={
                        "submission": str(job.submission_id),
                        "recorded": submission.pdf_sha256,
                        "rendered": digest,
                    },
                )
    return digest


def run_archive(popo: AppState, job: ArchiveJob) -> str:
    """Render the PDF/A, store it, record it; the digest of the stored file."""
    return record(popo, job, render(popo, job))


def missing(popo: AppState, session: Session) -> list[uuid.UUID]:
    """Submissions without an archived PDF, or whose recorded PDF is not in the store."""
    rows = session.execute(select(Submission.id, Submission.pdf_sha256)).all()
    return [
        row.id for row in rows if row.pdf_sha256 is None or not popo.archive.exists(row.pdf_sha256)
    ]


@dataclass
class SweepResult:
    missing: int = 0
    rendered: int = 0
    failed: int = 0


def sweep(popo: AppState) -> SweepResult:
    """Render every missing archive; one that fails is logged and left for the next sweep."""
    with popo.db.session() as session:
        ids = missing(popo, session)
    result = SweepResult(missing=len(ids))
    for submission_id in ids:
        try:
            with popo.db.session() as session:
                submission = session.get(Submission, submission_id)
                if submission is None:
                    continue
                job = archive_job(popo, session, submission)
            run_archive(popo, job)
            result.rendered += 1
        except Exception:
            result.failed += 1
            log.exception(
                "archive sweep: rendering failed", extra={"submission": str(submission_id)}
            )
    if ids:
        log.info(
            "archive sweep done",
            extra={"missing": result.missing, "rendered": result.rendered, "failed": result.failed},
        )
    return result


def render_submission(popo: AppState, submission_id: uuid.UUID) -> str | None:
    """The job: the archive of one submission, unless it is there already (a job run twice,
    or after the sweep, renders nothing twice). A rendering error is raised, so that the job
    library tries again (runtime/forms/tasks.py); a definition no longer loaded is logged and
    left to the sweep."""
    with popo.db.session() as session:
        submission = session.get(Submission, submission_id)
        if submission is None:
            return None
        if submission.pdf_sha256 is not None and popo.archive.exists(submission.pdf_sha256):
            return submission.pdf_sha256
        try:
            job = archive_job(popo, session, submission)
        except ArchiveUnavailable:
            log.error("archive: definition not loaded", extra={"submission": str(submission_id)})
            return None
    return run_archive(popo, job)


def queue(session: Session, submission_id: uuid.UUID) -> bool:
    """Make sure the archive job of a submission is queued, in the session's transaction:
    deferred unless one is pending already (the submit, a download before the PDF is there
    and the sweep all ask for it). Whether a job was added."""
    return jobs.defer_once(session, "render_archive", submission_id=str(submission_id))


LOST_AFTER = timedelta(minutes=2)  # a submission this old without its PDF has lost its job


def requeue_missing(popo: AppState, older_than: timedelta = LOST_AFTER) -> int:
    """The periodic sweep: defer the archive job again for every submission without its PDF
    that was submitted ``older_than`` ago (younger ones still have their first job waiting),
    unless its job is pending already. The number deferred."""
    cutoff = popo.db.clock.now() - older_than
    with popo.db.session() as session:
        ids = missing(popo, session)
        if older_than:
            old = set(
                session.scalars(
                    select(Submission.id).where(
                        Submission.id.in_(ids), Submission.submitted_at <= cutoff
                    )
                )
            )
            ids = [i for i in ids if i in old]
        deferred = sum(1 for submission_id in ids if queue(session, submission_id))
    if deferred:
        log.info("archive sweep deferred missing archives", extra={"count": deferred})
    return deferred


def sweep_once(popo: AppState) -> None:
    """At start-up, once per application state (tests start many clients on one): defer
    the archive job for every submission without its PDF, however young."""
    if popo.swept:
        return
    popo.swept = True
    try:
        with popo.db.session() as session:
            jobs.defer(session, "archive_sweep", older_than_seconds=0)
    except Exception:  # the database may not be migrated yet; the next start sweeps again
        log.exception("archive sweep at start-up failed")
