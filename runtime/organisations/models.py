"""The tables of organisations: SWVs, school boards and school locations, the processing
agreements between them, and the history of each school location's pupil numbers."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db.base import Base, utcnow


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
    # the vakantieregio whose school holidays a school keeps (DUO): noord | midden | zuid
    holiday_region: Mapped[str | None] = mapped_column(String(10))
    denomination: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(40))
    website: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


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


class PupilCount(Base):
    """The number of pupils of a school location on the count date, 1 October of ``year``, as
    a source gave it: ``origin`` "duo" (DUO's history, ``popo import-counts``). One number per
    school, year and origin."""

    __tablename__ = "pupil_count"
    __table_args__ = (
        UniqueConstraint("school_id", "year", "origin", name="uq_pupil_count_school_year_origin"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)  # the count date is 1 October of this year
    pupils: Mapped[int] = mapped_column(Integer)
    origin: Mapped[str] = mapped_column(String(10))  # duo
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
