"""The tables of absence: a case per child and period of absence, and its history.

An :class:`AbsenceCase` is kept by the school that reports it (``school_id``: the organisation
column the scope rule filters on) in the area of a samenwerkingsverband (``swv_id``); a case of
a child enrolled at no school may be reported to the SWV directly (``school_id`` empty), which
then reads it as its own (access.scope.own_swv). Every change is an :class:`AbsenceUpdate` row
(who, when, what changed from what to what), only ever added, so that the SWV sees the course
of a case. Whether a case counts as long-term is derived from its first day (rules.py), never
stored."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db.base import Base, utcnow
from ..statuses.column import StatusColumn
from .rules import Acting, Ending, Kind
from .status import CaseStatus


class AbsenceCase(Base):
    __tablename__ = "absence_case"
    __table_args__ = (
        Index("ix_absence_case_school", "school_id", "status"),
        Index("ix_absence_case_swv", "swv_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    pupil_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pupil.id"), index=True)
    school_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisation.id"))
    swv_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisation.id"))
    kind: Mapped[Kind] = mapped_column(StatusColumn(Kind))  # as recorded; rules.kind_on
    status: Mapped[CaseStatus] = mapped_column(StatusColumn(CaseStatus), default=CaseStatus.OPEN)
    first_absent_on: Mapped[date] = mapped_column(Date)
    hours: Mapped[int | None] = mapped_column(SmallInteger)  # unauthorised, last 4 school weeks
    reported_on: Mapped[date | None] = mapped_column(Date)  # to the leerplichtambtenaar
    acting: Mapped[Acting | None] = mapped_column(StatusColumn(Acting))
    acting_text: Mapped[str | None] = mapped_column(String(200))  # who, by name or role
    agreed: Mapped[str | None] = mapped_column(Text)
    review_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    ending: Mapped[Ending | None] = mapped_column(StatusColumn(Ending, length=20))
    ending_note: Mapped[str | None] = mapped_column(String(500))
    # the SWV was told the child became a thuiszitter (tasks.py: once per case)
    thuiszitter_told_on: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AbsenceUpdate(Base):
    """One change of a case: by whom (name and role as they were), when, and each changed
    field as ``{field: [before, after]}`` (dates as ISO text). Never changed, never deleted."""

    __tablename__ = "absence_update"
    __table_args__ = (Index("ix_absence_update_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("absence_case.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[uuid.UUID | None] = mapped_column()  # None: POPO itself
    by_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(40))
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)
