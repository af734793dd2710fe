"""The files behind a support request (its reports, its archived PDF, the OSO dossier it was
started from) are stored once per content (runtime/storage.py), so a file goes only when no
other record holds the same bytes, and only once the database change that dropped it is
final."""

from __future__ import annotations

import uuid

from sqlalchemy import String, cast, event, select
from sqlalchemy.orm import Session

from ..forms.models import Attachment, Draft, Submission
from ..storage import BlobStore


def held_elsewhere(session: Session, digest: str, draft_id: uuid.UUID | None = None) -> bool:
    """Whether a record other than the draft ``draft_id`` (and its own rows) holds these
    bytes: an attachment, an archived PDF, or the dossier another draft was started from."""
    attachments = select(Attachment.id).where(Attachment.sha256 == digest)
    dossiers = select(Draft.id).where(cast(Draft.oso_import, String).contains(digest))
    if draft_id is not None:
        attachments = attachments.where(Attachment.draft_id != draft_id)
        dossiers = dossiers.where(Draft.id != draft_id)
    return bool(
        session.scalar(attachments.limit(1))
        or session.scalar(select(Submission.id).where(Submission.pdf_sha256 == digest).limit(1))
        or session.scalar(dossiers.limit(1))
    )


def remove_when_final(session: Session, store: BlobStore, digest: str, *, on: str) -> None:
    """Remove the file once the session's transaction ends as ``on`` says: ``"commit"`` (the
    rows that named it are gone) or ``"rollback"`` (the rows that would have named it were
    never kept)."""

    def remove(*_: object) -> None:
        store.delete(digest)

    event.listen(
        session, "after_commit" if on == "commit" else "after_soft_rollback", remove, once=True
    )
