"""The tables of forms. Pupil data lives in drafts and submissions, always with its form version."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db.base import Base, utcnow
from ..statuses.column import StatusColumn
from .status import DraftStatus


class Draft(Base):
    """Answers being filled in. A draft stays on the definition version it was started on."""

    __tablename__ = "draft"
    __table_args__ = (
        # lists and counts within a scope (access/scope.py), by status, newest change first
        Index("ix_draft_organisation_status_updated", "organisation_id", "status", "updated_at"),
        Index("ix_draft_organisation_created", "organisation_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    form_id: Mapped[str] = mapped_column(String(100), index=True)
    form_version: Mapped[int] = mapped_column(Integer)
    definition_hash: Mapped[str] = mapped_column(String(64))
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisation.id"))
    # the pupil the form is about and the transfer it is for, when it was started for them
    pupil_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pupil.id"))
    transfer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("transfer.id"), index=True)
    language: Mapped[str] = mapped_column(String(5), default="nl")
    # loaded only when needed: a page whose rendering is cached does not read the answers
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict, deferred=True)
    # pages the person tried to leave: their errors are shown (GOV.UK pattern)
    attempted_pages: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[DraftStatus] = mapped_column(StatusColumn(DraftStatus), default=DraftStatus.OPEN)
    revision: Mapped[int] = mapped_column(Integer, default=0)  # +1 on every save
    # per answer (instance key, or a group's key for its rows) the revision that last changed
    # it: a page posted from an older revision must not overwrite a newer answer unseen
    answer_revisions: Mapped[dict[str, Any] | None] = mapped_column(deferred=True)
    # a draft started from an OSO dossier: its source and every element the form did not carry
    oso_import: Mapped[dict[str, Any] | None] = mapped_column(deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    attachments: Mapped[list[Attachment]] = relationship(back_populates="draft")
    links: Mapped[list[PublicLink]] = relationship(back_populates="draft")


class Submission(Base):
    """A submitted form: immutable. Only visible fields' values are stored."""

    __tablename__ = "submission"
    __table_args__ = (
        UniqueConstraint("draft_id", name="uq_submission_draft"),
        # lists and counts within a scope (access/scope.py), newest first
        Index("ix_submission_organisation_submitted", "organisation_id", "submitted_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    draft_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("draft.id"))
    form_id: Mapped[str] = mapped_column(String(100), index=True)
    form_version: Mapped[int] = mapped_column(Integer)
    definition_hash: Mapped[str] = mapped_column(String(64))
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisation.id"))
    pupil_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pupil.id"))
    transfer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("transfer.id"), index=True)
    language: Mapped[str] = mapped_column(String(5))
    answers: Mapped[dict[str, Any]] = mapped_column()
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))


class Attachment(Base):
    """An uploaded file; the bytes live outside the database, content-addressed."""

    __tablename__ = "attachment"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    draft_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("draft.id"), index=True)
    field_key: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    draft: Mapped[Draft] = relationship(back_populates="attachments")


class PublicLink(Base):
    """A link for a parent without an account: only its hash is stored; it expires and can be
    revoked."""

    __tablename__ = "public_link"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    draft_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("draft.id"))
    form_id: Mapped[str] = mapped_column(String(100))
    purpose: Mapped[str] = mapped_column(String(20))  # start | resume
    language: Mapped[str] = mapped_column(String(5), default="nl")
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisation.id"))
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)

    draft: Mapped[Draft | None] = relationship(back_populates="links")
