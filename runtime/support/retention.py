"""Forgetting what the law says must go: an SWV keeps the data of a support request three years
after its decision (WPO art. 18a lid 12; a withdrawn request three years after it was
withdrawn). The purge deletes, per request whose day has come: the request, its timeline and
status history, the parents' links and decisions, the request's form (draft, sent form and its
attachments) and the files behind them: the reports and the archived PDF, unless another
record holds the same bytes. A dry run lists the same without deleting anything. The audit log
keeps its lines (who looked at what, never the content): its own term applies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..forms.models import Attachment, Draft, PublicLink, Submission
from ..statuses.db import StatusChange
from ..storage import BlobStore
from .files import held_elsewhere, remove_when_final
from .models import SupportEvent, SupportParentLink, SupportParentsRecord, SupportRequest
from .service import CASE


@dataclass
class Gone:
    """One request the purge deletes (or would): what went with it."""

    reference: str
    kind: str
    decided_on: date | None
    purge_on: date
    rows: int = 0
    files: list[str] = field(default_factory=list)  # the SHA-256 of each file deleted


@dataclass
class Report:
    """What a purge did (``dry_run``: would do) on ``today``."""

    today: date
    dry_run: bool
    requests: list[Gone] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(r.rows for r in self.requests)

    @property
    def files(self) -> int:
        return sum(len(r.files) for r in self.requests)

    def lines(self) -> list[str]:
        verb = "would delete" if self.dry_run else "deleted"
        out = [
            f"{r.reference} ({r.kind}, decided {r.decided_on or '-'}, due {r.purge_on}): "
            f"{verb} {r.rows} records and {len(r.files)} files"
            for r in self.requests
        ]
        summary = "would be deleted" if self.dry_run else "deleted"
        out.append(
            f"{len(self.requests)} support requests, {self.rows} records, {self.files} files "
            f"{summary} (retention: 3 years after the decision, WPO art. 18a)"
        )
        return out


def due(session: Session, today: date) -> list[SupportRequest]:
    """The requests whose data are due to go on ``today``, oldest first."""
    return list(
        session.scalars(
            select(SupportRequest)
            .where(SupportRequest.purge_on.is_not(None), SupportRequest.purge_on <= today)
            .order_by(SupportRequest.purge_on, SupportRequest.id)
            .with_for_update(skip_locked=True)  # two purges at once share the work
        )
    )


def purge(
    session: Session,
    files: BlobStore,
    archive: BlobStore,
    today: date,
    *,
    dry_run: bool,
    limit: int = 500,
) -> Report:
    """Delete (or with ``dry_run`` only list) the support data whose day has come, at most
    ``limit`` requests a run (the next run takes the rest). The files go once the caller's
    transaction has committed: a file of a row that stays is never removed (a crash between
    the commit and the removal would leave a file that no record names)."""
    report = Report(today, dry_run)
    for request in due(session, today)[:limit]:
        gone = Gone(request.reference, request.kind, request.decided_on, request.purge_on or today)
        report.requests.append(gone)
        drafts = [request.draft_id] if request.draft_id else []
        submissions = (
            list(session.scalars(select(Submission).where(Submission.draft_id.in_(drafts))))
            if drafts
            else []
        )
        attachments = (
            list(session.scalars(select(Attachment).where(Attachment.draft_id.in_(drafts))))
            if drafts
            else []
        )
        counted = [
            (SupportParentsRecord, SupportParentsRecord.request_id == request.id),
            (SupportParentLink, SupportParentLink.request_id == request.id),
            (SupportEvent, SupportEvent.request_id == request.id),
            (
                StatusChange,
                (StatusChange.subject_type == CASE.name)
                & (StatusChange.subject_id == str(request.id)),
            ),
        ]
        for model, condition in counted:
            gone.rows += int(
                session.scalar(select(func.count()).select_from(model).where(condition)) or 0
            )
        gone.rows += 1 + len(submissions) + len(attachments) + len(drafts)
        draft_rows = (
            list(session.scalars(select(Draft).where(Draft.id.in_(drafts)))) if drafts else []
        )
        blobs = (
            [(files, a.sha256) for a in attachments]
            + [(archive, s.pdf_sha256) for s in submissions if s.pdf_sha256]
            + [
                (files, d.oso_import["sha256"])  # the OSO dossier it was started from
                for d in draft_rows
                if isinstance(d.oso_import, dict) and d.oso_import.get("sha256")
            ]
        )
        if dry_run:
            gone.files = sorted({digest for _, digest in blobs})
            continue
        for model, condition in counted:
            session.execute(delete(model).where(condition))
        session.delete(request)
        session.flush()
        if drafts:
            session.execute(delete(PublicLink).where(PublicLink.draft_id.in_(drafts)))
            session.execute(delete(Attachment).where(Attachment.draft_id.in_(drafts)))
            session.execute(delete(Submission).where(Submission.draft_id.in_(drafts)))
            session.execute(delete(Draft).where(Draft.id.in_(drafts)))
        session.flush()
        for store, digest in blobs:
            if held_elsewhere(session, digest) or not store.exists(digest):
                continue
            gone.files.append(digest)
            remove_when_final(session, store, digest, on="commit")
    return report
