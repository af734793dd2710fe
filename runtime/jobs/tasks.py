"""POPO's background tasks: each takes the application state and ids, re-reads what it
needs and may run twice (a retry, a sweep, a worker that died) without harm. Their queues,
retries and schedules are given here, once, for both job libraries (runtime/jobs/spec.py)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from .spec import task

if TYPE_CHECKING:
    from ..state import AppState


@task("send_mail", queue="mail")  # the outbox counts and spaces its own attempts
def send_mail(state: AppState, outbox_id: str) -> None:
    from .. import outbox

    outbox.deliver(state.db, state.settings, uuid.UUID(outbox_id))


@task("mail_sweep", queue="mail", cron="* * * * *")
def mail_sweep(state: AppState) -> None:
    from .. import outbox

    outbox.sweep(state.db)


@task("render_archive", queue="pdf", attempts=5, delay=10, backoff=3)  # 10 s … 13.5 min
def render_archive(state: AppState, submission_id: str) -> None:
    from .. import notifications
    from ..forms import archive

    if archive.render_submission(state, uuid.UUID(submission_id)) is not None:
        notifications.submission_archived(state, uuid.UUID(submission_id))  # once per submission


@task("archive_sweep", queue="pdf", cron="*/5 * * * *")
def archive_sweep(state: AppState, older_than_seconds: float | None = None) -> None:
    from datetime import timedelta

    from ..forms import archive

    older = (
        archive.LOST_AFTER if older_than_seconds is None else timedelta(seconds=older_than_seconds)
    )
    archive.requeue_missing(state, older)
