"""The table of monitoring: the periodic reports made for an organisation (reports.py), each
a PDF and an XLSX file in the archive's store, by their SHA-256."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db.base import Base, utcnow


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
