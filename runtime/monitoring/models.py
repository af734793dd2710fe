"""The tables of monitoring: the periodic reports made for an organisation (reports.py), each
a PDF and an XLSX file in the archive's store, by their SHA-256; and the large exports a
person asked for, made by a job (export_jobs.py), each moving through the statuses of
:data:`EXPORT` with its progress, its file in the same store once it is there."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db.base import Base, utcnow
from ..statuses.column import StatusColumn
from ..statuses.workflow import Transition, Workflow


class MonitoringReport(Base):
    """One organisation's report of one period (a calendar month): made once by the monthly
    job or ``popo monitoring report``, kept in the application, read by its staff."""

    __tablename__ = "monitoring_report"
    __table_args__ = (
        UniqueConstraint(
            "organisation_id", "period_from", "period_to", "language",
            name="uq_monitoring_report_period",
        ),
    )  # fmt: skip

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    audience: Mapped[str] = mapped_column(String(10))  # school | bestuur | swv
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(5), default="nl")
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    xlsx_sha256: Mapped[str] = mapped_column(String(64))
    overviews: Mapped[int] = mapped_column(default=0)
    made_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExportStatus(enum.StrEnum):
    WAITING = "waiting"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


EXPORT = Workflow(
    name="monitoring_export",
    statuses=ExportStatus,
    initial=ExportStatus.WAITING,
    transitions=(
        Transition(ExportStatus.WAITING, ExportStatus.RUNNING),
        Transition(ExportStatus.WAITING, ExportStatus.FAILED),
        Transition(ExportStatus.RUNNING, ExportStatus.DONE),
        Transition(ExportStatus.RUNNING, ExportStatus.FAILED),
        # the sweep: a job whose worker stopped (its progress stood still) waits again
        Transition(ExportStatus.RUNNING, ExportStatus.WAITING),
    ),
    labels={
        ExportStatus.WAITING: {"nl": "wacht op zijn beurt", "en": "waiting its turn"},
        ExportStatus.RUNNING: {"nl": "wordt gemaakt", "en": "being made"},
        ExportStatus.DONE: {"nl": "klaar", "en": "ready"},
        ExportStatus.FAILED: {"nl": "mislukt", "en": "failed"},
    },
    subject_label={"nl": "Export", "en": "Export"},
)


class MonitoringExport(Base):
    """One person's export of one view of an overview, too large to make in the request.

    What it was asked for is kept as the request's export would read it (``params``: the
    view's query parameters, the perspective's ``as`` among them; ``language``; ``format``),
    so that the job makes the same file with the person's rights at the time it runs. Only
    ``user_id`` reads it, while they still look at the figures of ``organisation_id``.
    ``attempt`` counts the job's runs: a run's progress is written only while it is the
    latest (a run the sweep gave up on, found again, stops). ``problem`` is the key of the
    message a failed export shows (export_jobs.PROBLEMS), never an exception's text."""

    __tablename__ = "monitoring_export"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    audience: Mapped[str] = mapped_column(String(10))  # school | bestuur | swv
    overview_id: Mapped[str] = mapped_column(String(100))
    params: Mapped[dict[str, Any]] = mapped_column()  # name -> [values], as the address has them
    language: Mapped[str] = mapped_column(String(5), default="nl")
    format: Mapped[str] = mapped_column(String(4))  # csv | xlsx
    status: Mapped[ExportStatus] = mapped_column(
        StatusColumn(ExportStatus), default=ExportStatus.WAITING
    )
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    rows_total: Mapped[int | None] = mapped_column(Integer)  # known once the job counted them
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str | None] = mapped_column(String(64))  # the file in the archive's store
    file_name: Mapped[str | None] = mapped_column(String(200))
    problem: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    progressed_at: Mapped[datetime] = mapped_column(default=utcnow)  # the last sign of life
    finished_at: Mapped[datetime | None] = mapped_column()
