"""The tables of transfers: the transfer itself (pupil, schools, reason, procedure, status), the
schools the parents prefer in order, and its timeline of events other than status changes (those
are the shared history of runtime/statuses, ``status_change``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db.base import Base, utcnow


class Transfer(Base):
    """One case: a pupil leaving ``sending_school_id`` (None: a first school, or a registration
    by parents without one) for ``receiving_school_id`` (the school now deciding; the others
    they would go to are :class:`TransferChoice` rows), following the procedure
    ``procedure_id`` version ``procedure_version``. ``version`` counts every change: a page
    posts the version it showed, and a change made on an older one is refused (two people
    acting at once cannot both win)."""

    __tablename__ = "transfer"
    __table_args__ = (
        # the register of a school: the transfers from it and to it, newest first
        Index("ix_transfer_sending", "sending_school_id", "updated_at"),
        Index("ix_transfer_receiving", "receiving_school_id", "updated_at"),
        Index("ix_transfer_pupil", "pupil_id"),
        # monitoring: a school's, board's or SWV's transfers started in a period
        Index("ix_transfer_sending_created", "sending_school_id", "created_at"),
        Index("ix_transfer_receiving_created", "receiving_school_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # OV-2026-4F7K2Q
    pupil_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pupil.id"))
    sending_school_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisation.id"))
    receiving_school_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisation.id"))
    procedure_id: Mapped[str] = mapped_column(String(100))
    procedure_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(40))
    reason_note: Mapped[str | None] = mapped_column(Text)
    started_by_party: Mapped[str] = mapped_column(String(20))  # sending_school | parents | ...
    started_by: Mapped[uuid.UUID | None] = mapped_column()  # the account; None: a parent
    desired_date: Mapped[date | None] = mapped_column(Date)
    enrolled_on: Mapped[date | None] = mapped_column(Date)  # at the receiving school
    deregistered_on: Mapped[date | None] = mapped_column(Date)  # at the sending school
    # derived from its events after every change (TransferService.refresh), kept for the
    # register's filters: the earliest due date of a running term, and whether it has passed
    due_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column()

    choices: Mapped[list[TransferChoice]] = relationship(
        back_populates="transfer", order_by="TransferChoice.position", cascade="all, delete-orphan"
    )


class TransferChoice(Base):
    """A school the pupil would go to, in the parents' order of preference (1 first)."""

    __tablename__ = "transfer_choice"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    transfer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("transfer.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"))

    transfer: Mapped[Transfer] = relationship(back_populates="choices")


class TransferEvent(Base):
    """What happened to a transfer that is not a status change: a form sent for it, the
    enrolment or deregistration date recorded, the parents' view added, the report made ready
    or retrieved. Who (account, or None for a parent or the system), in which party and role,
    when; ``visible_to`` lists the parties that see it on the timeline (all when empty)."""

    __tablename__ = "transfer_event"
    __table_args__ = (Index("ix_transfer_event_transfer", "transfer_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    transfer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("transfer.id"))
    kind: Mapped[str] = mapped_column(String(40))  # events.KINDS
    subject: Mapped[str | None] = mapped_column(String(100))  # a form id, a date, ...
    actor_id: Mapped[uuid.UUID | None] = mapped_column()
    actor_name: Mapped[str] = mapped_column(String(200))
    party: Mapped[str | None] = mapped_column(String(20))
    role: Mapped[str | None] = mapped_column(String(40))
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisation.id"))
    on: Mapped[date] = mapped_column(Date)  # the day it counts for (terms)
    at: Mapped[datetime] = mapped_column()
    visible_to: Mapped[str] = mapped_column(String(100), default="")  # "sending_school,parents"
    detail: Mapped[str | None] = mapped_column(Text)


class ParentAccess(Base):
    """A parent's link to follow their child's transfer, without an account: the link holds a
    random secret, the database only its hash. Made by a school (or when parents register
    their child themselves), valid until ``expires_at``, switched off with ``revoked_at``."""

    __tablename__ = "parent_access"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    transfer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("transfer.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    guardian_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("guardian.id"))
    language: Mapped[str] = mapped_column(String(5), default="nl")
    created_by: Mapped[uuid.UUID | None] = mapped_column()  # the account; None: the parents
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()


class TransferMessage(Base):
    """A message on a transfer's thread, from one party to another: written by an account (a
    school's staff member, in the party and role they act in) or by the parents on their
    link (``author_id`` None, ``author_access_id`` their :class:`ParentAccess`), addressed to
    a party and, for a school, optionally one of its roles ("the IB of De Linde"), never to a
    person: every account with that role at that school reads it (runtime/transfers/
    messages.py)."""

    __tablename__ = "transfer_message"
    __table_args__ = (Index("ix_transfer_message_transfer", "transfer_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    transfer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("transfer.id"))
    author_id: Mapped[uuid.UUID | None] = mapped_column()  # the account; None: the parents
    author_access_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("parent_access.id"))
    author_name: Mapped[str] = mapped_column(String(200))
    author_party: Mapped[str] = mapped_column(String(20))  # sending_school | ... | parents
    author_role: Mapped[str | None] = mapped_column(String(40))
    author_organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisation.id"))
    to_party: Mapped[str] = mapped_column(String(20))
    to_role: Mapped[str | None] = mapped_column(String(40))  # None: anyone of the party
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    attachments: Mapped[list[MessageAttachment]] = relationship(
        back_populates="message", order_by="MessageAttachment.position"
    )


class MessageAttachment(Base):
    """A file sent with a message, checked and stored as a form's attachment is (its type read
    from its content, within the upload limit; the bytes content-addressed in the BlobStore)."""

    __tablename__ = "message_attachment"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    message_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("transfer_message.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    message: Mapped[TransferMessage] = relationship(back_populates="attachments")


class MessageRead(Base):
    """That one addressee read a message, and when: an account of the addressed school and
    role, or the parents by their link (``parent_access_id``). Read status is per account: a
    colleague's reading does not mark it read for another; the sender sees who read it."""

    __tablename__ = "message_read"
    __table_args__ = (
        UniqueConstraint("message_id", "account_id", name="uq_message_read_account"),
        UniqueConstraint("message_id", "parent_access_id", name="uq_message_read_access"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("transfer_message.id"), index=True)
    account_id: Mapped[uuid.UUID | None] = mapped_column()
    parent_access_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("parent_access.id"))
    reader_name: Mapped[str] = mapped_column(String(200))
    read_at: Mapped[datetime] = mapped_column(default=utcnow)
