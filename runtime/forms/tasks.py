"""The background tasks of forms: render a submission's PDF archive (then tell the person who
sent it), and the sweep that finds archives a crash or a full disk left missing."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from .. import notifications
from ..access.models import UserAccount
from ..audit.models import AuditEvent
from ..jobs.spec import task
from ..organisations.models import Organisation
from . import archive
from .models import Submission

if TYPE_CHECKING:
    from ..state import AppState


@task("render_archive", queue="pdf", attempts=5, delay=10, backoff=3)  # 10 s … 13.5 min
def render_archive(state: AppState, submission_id: str) -> None:
    if archive.render_submission(state, uuid.UUID(submission_id)) is not None:
        submission_archived(state, uuid.UUID(submission_id))  # once per submission


@task("archive_sweep", queue="pdf", cron="*/5 * * * *")
def archive_sweep(state: AppState, older_than_seconds: float | None = None) -> None:
    older = (
        archive.LOST_AFTER if older_than_seconds is None else timedelta(seconds=older_than_seconds)
    )
    archive.requeue_missing(state, older)


def submission_archived(popo: AppState, submission_id: uuid.UUID) -> int:
    """After the archive job: tell the person who sent the form (a logged-in member of staff,
    as the audit log recorded them; a parent has no account and gets nothing) that its PDF is
    there, with a link to the submission. Once per submission."""
    with popo.db.session() as session:
        submission = session.get(Submission, submission_id)
        if submission is None:
            return 0
        sender = session.scalar(
            select(AuditEvent.user_id)
            .where(
                AuditEvent.object_type == "draft",
                AuditEvent.object_id == str(submission.draft_id),
                AuditEvent.purpose.startswith("submit the form"),
                AuditEvent.user_id.is_not(None),
            )
            .order_by(AuditEvent.id.desc())
            .limit(1)
        )
        account = session.get(UserAccount, sender) if sender is not None else None
        if account is None:
            return 0
        organisation = (
            session.get(Organisation, submission.organisation_id)
            if submission.organisation_id is not None
            else None
        )
        entry = popo.registry.get(submission.form_id, submission.form_version)
        language = notifications.recipient_language(account)
        title: Any = entry.form.definition.title if entry is not None else submission.form_id
        form = title if isinstance(title, str) else title.get(language) or submission.form_id
        base = popo.settings.base_url.rstrip("/")
        return notifications.notify(
            session,
            "submission_archived",
            [account],
            f"{base}/drafts/{submission.draft_id}/submission",
            ref=str(submission.id),
            organisation=organisation.name if organisation is not None else "POPO",
            form=form,
        )


TASKS = (render_archive, archive_sweep)
