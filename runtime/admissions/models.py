"""The tables of admissions: a registration at each school of the parents' list (one row per
school, in their order), and the alerts sent before its deadlines.

What happened at a school (the receipt, information asked and received, the extension, the
decision) is on the transfer's timeline (``transfer_event``, with the school as its
organisation) and in the status history; the dates of the legal terms are derived from it
(clock.py) and stored here only so that the register and the alert sweep can find them."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..db.base import Base, utcnow

STATES = ("waiting", "active", "admitted", "refused", "not_handled", "withdrawn", "closed")
"""waiting: a school further down the list; active: the school handling the registration now;
admitted, refused, not_handled: its decision; withdrawn: by the parents; closed: the child
was admitted or enrolled elsewhere before this school's turn."""

EXCEPTIONS = ("no_place", "grondslag")
"""WPO art. 40 lid 5: a school may refuse a child needing extra support without finding
another school when it has no place, or when the parents will not respect its grondslag."""


class Admission(Base):
    """The registration of a transfer's child at one school of the parents' list."""

    __tablename__ = "admission"
    __table_args__ = (
        UniqueConstraint("transfer_id", "position"),
        # monitoring: a school's registrations received in a period
        Index("ix_admission_school_received", "school_id", "received_on"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    transfer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("transfer.id"), index=True)
    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 1: the first preference
    state: Mapped[str] = mapped_column(String(20), default="waiting")  # STATES
    received_on: Mapped[date | None] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    # the refusal of a child who needs extra support (WPO art. 40 lid 4, 5)
    needs_support: Mapped[bool | None] = mapped_column(Boolean)
    exception: Mapped[str | None] = mapped_column(String(20))  # EXCEPTIONS
    agreed_school_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisation.id"))
    agreed_on: Mapped[date | None] = mapped_column(Date)
    # derived from the events (clock.py), stored for the register and the alert sweep
    decision_due_on: Mapped[date | None] = mapped_column(Date, index=True)
    not_handled_due_on: Mapped[date | None] = mapped_column(Date)
    ten_weeks_on: Mapped[date | None] = mapped_column(Date)
    temporary_from: Mapped[date | None] = mapped_column(Date)
    temporary_flagged_on: Mapped[date | None] = mapped_column(Date)  # the task was opened
    explanation: Mapped[str | None] = mapped_column(Text)  # the decision date's, in Dutch
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AdmissionAlert(Base):
    """An alert sent before a deadline. Its key names the deadline, the days before and the
    due date: an alert is sent once, and again when its date moves."""

    __tablename__ = "admission_alert"
    __table_args__ = (UniqueConstraint("admission_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    admission_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("admission.id"))
    key: Mapped[str] = mapped_column(String(120))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
