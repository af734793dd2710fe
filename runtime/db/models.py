"""The database tables. Pupil data lives in drafts and submissions, always with its form version."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from ..clock import SESSION_KEY


def utcnow(context: Any) -> datetime:
    """The default of the timestamp columns: now on the clock of the database that runs the
    statement (runtime.db.session.Database hands it over), else the system's."""
    clock = context.execution_options.get(SESSION_KEY) if context is not None else None
    return clock.now() if clock is not None else datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        datetime: DateTime(timezone=True),
    }


class Organisation(Base):
    """An SWV, a school board (bestuur) or a school location (BRIN4 + vestigingscode).

    Schools belong to their bestuur (``parent_id``) and to the SWV of their area (``swv_id``);
    a bestuur belongs to the SWVs of its schools.
    """

    __tablename__ = "organisation"
    __table_args__ = (
        UniqueConstraint("kind", "code", name="uq_organisation_kind_code"),
        # the scope rule's subqueries: a board's schools, an SWV's schools (access/scope.py)
        Index("ix_organisation_parent_id", "parent_id"),
        Index("ix_organisation_swv_id", "swv_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(20))  # swv | bestuur | school
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(20))  # SWV code, bestuur number, BRIN+vestiging
    region: Mapped[str | None] = mapped_column(String(40))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisation.id"))
    swv_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisation.id"))
    swv_source: Mapped[str | None] = mapped_column(String(20))  # derived | manual
    street: Mapped[str | None] = mapped_column(String(200))
    house_number: Mapped[str | None] = mapped_column(String(20))
    postcode: Mapped[str | None] = mapped_column(String(10))
    city: Mapped[str | None] = mapped_column(String(100))
    municipality_code: Mapped[str | None] = mapped_column(String(10))
    municipality: Mapped[str | None] = mapped_column(String(100))
    province: Mapped[str | None] = mapped_column(String(40))
    denomination: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(40))
    website: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


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
    language: Mapped[str] = mapped_column(String(5), default="nl")
    # loaded only when needed: a page whose rendering is cached does not read the answers
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict, deferred=True)
    # pages the person tried to leave: their errors are shown (GOV.UK pattern)
    attempted_pages: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20), default="open")  # a forms.status.DraftStatus
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
    language: Mapped[str] = mapped_column(String(5))
    answers: Mapped[dict[str, Any]] = mapped_column()
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    # the code parents give the receiving school (forms with a generated aanmeldcode field)
    aanmeldcode: Mapped[str | None] = mapped_column(String(20), unique=True)


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


class UserAccount(Base):
    """A person who logs in: school, bestuur or SWV staff, or a platform role."""

    __tablename__ = "user_account"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RoleAssignment(Base):
    """A role of a user at an organisation (platform roles have no organisation)."""

    __tablename__ = "role_assignment"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id", "role", name="uq_role"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisation.id"))
    role: Mapped[str] = mapped_column(String(40))


class LoginSession(Base):
    """A server-side session; the cookie holds a random token, the database its hash."""

    __tablename__ = "login_session"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    address: Mapped[str | None] = mapped_column(String(64))


class AuditEvent(Base):
    """One access to pupil data or a submission. Append-only; each event's hash is an HMAC (with
    the audit key) over its content and the previous event's hash, so that a changed or removed
    event breaks the chain."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[uuid.UUID | None] = mapped_column()
    actor: Mapped[str] = mapped_column(String(254))  # e-mail, or "parent link"
    role: Mapped[str | None] = mapped_column(String(40))
    organisation_id: Mapped[uuid.UUID | None] = mapped_column()
    action: Mapped[str] = mapped_column(String(40))  # read | change | submit | download | …
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(64), index=True)
    pupil: Mapped[str | None] = mapped_column(String(64), index=True)  # keyed hash of the BSN
    purpose: Mapped[str] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(64))
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditAnchor(Base):
    """A recorded head of the audit chain (the first event of each day, every N-th event, and
    each ``popo audit anchor``). ``popo audit verify`` checks that every anchor is still on the
    chain, so that removing the newest events or rewriting the chain is noticed."""

    __tablename__ = "audit_anchor"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    event_id: Mapped[int] = mapped_column(Integer, index=True)
    event_hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))  # HMAC of event id and hash with the audit key


class ProcessingAgreement(Base):
    """A verwerkersovereenkomst: a school board lets a processor (the board's own office, or an
    SWV) process its schools' pupil data from ``starts_on`` until ``ends_on`` (inclusive)."""

    __tablename__ = "processing_agreement"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    bestuur_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    processor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PasswordReset(Base):
    """A single-use password reset link sent by e-mail; only the token's hash is stored."""

    __tablename__ = "password_reset"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccessAttempt(Base):
    """A failed login or a password-reset request, by network address and by e-mail address
    (known or not), so that limits hold across processes; rows older than the longest window
    are deleted."""

    __tablename__ = "access_attempt"
    __table_args__ = (
        Index("ix_access_attempt_address", "kind", "address", "at"),
        Index("ix_access_attempt_email", "kind", "email", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))  # login_failed | reset_request
    address: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class OutboxMessage(Base):
    """An e-mail to send, written in the transaction of the request that asks for it and sent
    by a background sender (``runtime/outbox.py``): no request waits for or fails on SMTP."""

    __tablename__ = "outbox_message"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # emptied once sent or expired
    expires_at: Mapped[datetime | None] = mapped_column()  # not worth sending after this
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)


class Notification(Base):
    """What happened, for one person, shown in the application (runtime/notifications): an
    event kind, its declared facts (never pupil data) and a link; read once opened."""

    __tablename__ = "notification"
    __table_args__ = (
        # one notification per event, person and object: a job run twice notifies once
        UniqueConstraint("user_id", "event", "ref", name="uq_notification_ref"),
        Index("ix_notification_user_read", "user_id", "read_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    event: Mapped[str] = mapped_column(String(40))
    ref: Mapped[str | None] = mapped_column(String(64))  # the object it is about, e.g. an id
    facts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    link: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column()
