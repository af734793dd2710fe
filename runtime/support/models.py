"""The tables of 1Loket, the SWV's support desk.

A :class:`SupportRequest` is one request of a school to its samenwerkingsverband (SWV) for a
pupil: its kind (a consultation, extra support, an arrangement, a TLV, an MDO), the procedure it
follows, its status (the shared history of runtime/statuses holds every move), the form the
school fills in (a forms draft, then its submission), and what the SWV decided. What happened
besides a status change (a loketoverleg planned, an advice, an evaluation, a suspension) is a
:class:`SupportEvent`. The parents see the request through a :class:`SupportParentLink` of
their own; their "voor gezien" and their decision on each medical or psychological report are
:class:`SupportParentsRecord` rows, only ever added (the newest decides). An SWV's own terms
and its decision numbers are its :class:`SupportDesk`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db.base import Base, utcnow


class SupportRequest(Base):
    """A request for support: the pupil at ``school_id`` (the school asking, the organisation
    the scope rule reads it by), to the SWV ``swv_id``; a TLV names the SBO or SO school
    (``receiving_school_id``) and may belong to the pupil's transfer there. ``version`` counts
    every change (a page posts the version it showed). The decision's fields are filled by the
    step that records it; ``purge_on`` is the day its data are deleted (WPO art. 18a: three
    years after the decision)."""

    __tablename__ = "support_request"
    __table_args__ = (
        Index("ix_support_request_school", "school_id", "updated_at"),
        Index("ix_support_request_swv", "swv_id", "submitted_at"),
        Index("ix_support_request_purge", "purge_on"),
        UniqueConstraint("swv_id", "decision_number", name="uq_support_decision_number"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # OL-2027-4F7K2Q
    kind: Mapped[str] = mapped_column(String(30))  # the procedure's support.kind
    procedure_id: Mapped[str] = mapped_column(String(100))
    procedure_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer, default=1)
    pupil_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pupil.id"), index=True)
    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"))
    swv_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"))
    receiving_school_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organisation.id"), index=True
    )
    transfer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("transfer.id"), index=True)
    draft_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("draft.id"), index=True)
    submission_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("submission.id"))
    started_by: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column()  # to the SWV
    completed_on: Mapped[date | None] = mapped_column(Date)  # the term starts
    suspended_on: Mapped[date | None] = mapped_column(Date)  # while suspended
    suspended_days: Mapped[int] = mapped_column(Integer, default=0)  # the term stood still
    due_on: Mapped[date | None] = mapped_column(Date)  # the decision, derived
    meeting_on: Mapped[date | None] = mapped_column(Date)  # the loketoverleg planned
    decided_on: Mapped[date | None] = mapped_column(Date)
    decision: Mapped[str | None] = mapped_column(String(20))  # granted | rejected | advised
    decision_number: Mapped[str | None] = mapped_column(String(40))
    granted_content: Mapped[str | None] = mapped_column(Text)
    granted_scope: Mapped[str | None] = mapped_column(Text)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    tlv_kind: Mapped[str | None] = mapped_column(String(10))  # sbo | so
    tlv_category: Mapped[str | None] = mapped_column(String(10))  # laag | midden | hoog
    reasons: Mapped[str | None] = mapped_column(Text)  # a rejection's
    purge_on: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None] = mapped_column()


class SupportEvent(Base):
    """What happened to a request besides a status change: who (account, or None for a
    parent), in which party and role, on which day, and what (``detail``: the loketoverleg's
    date and professionals, an advice, an evaluation, a suspension's reason)."""

    __tablename__ = "support_event"
    __table_args__ = (Index("ix_support_event_request", "request_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("support_request.id"))
    kind: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[uuid.UUID | None] = mapped_column()
    actor_name: Mapped[str] = mapped_column(String(200))
    party: Mapped[str | None] = mapped_column(String(20))
    role: Mapped[str | None] = mapped_column(String(40))
    on: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column()
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class SupportParentLink(Base):
    """A guardian's link to a request: a random secret, the database keeps only its hash.
    Mailed to each guardian with gezag when the school asks the parents to read the request;
    valid until ``expires_at``, switched off with ``revoked_at``."""

    __tablename__ = "support_parent_link"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("support_request.id"), index=True)
    guardian_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("guardian.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    language: Mapped[str] = mapped_column(String(5), default="nl")
    created_by: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()


class SupportParentsRecord(Base):
    """A decision of the parents on a request: ``seen`` (they signed it "voor gezien"), or a
    report (``report`` the attachment's id) ``shared`` with the SWV or ``withheld``. Who (the
    guardian, with gezag), on which link, with the exact wording they were shown, when."""

    __tablename__ = "support_parents_record"
    __table_args__ = (Index("ix_support_parents_record_request", "request_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("support_request.id"))
    decision: Mapped[str] = mapped_column(String(20))  # seen | shared | withheld
    report: Mapped[str | None] = mapped_column(String(64))  # the attachment id
    guardian_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("guardian.id"))
    link_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("support_parent_link.id"))
    wording: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(5))
    at: Mapped[datetime] = mapped_column()


class SupportDesk(Base):
    """An SWV's own settings of its desk: the weeks within which it decides per kind of
    request (``decision_weeks``: {kind: weeks}; a kind not named follows its procedure) and
    the last decision number it gave in a year."""

    __tablename__ = "support_desk"

    swv_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    decision_weeks: Mapped[dict[str, Any]] = mapped_column(default=dict)
    number_year: Mapped[int] = mapped_column(Integer, default=0)
    last_number: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
