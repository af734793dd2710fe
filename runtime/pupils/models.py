"""The tables of pupils: one row per child, one per parent or guardian.

The number is never stored in plain text: ``number_sealed`` holds it encrypted and
``number_hash`` is the keyed hash it is found by (runtime/pupils/numbers.py). Names, birth date
and the guardians' contact details are stored plainly (docs/security.md, "Pupil numbers")."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db.base import Base, utcnow


class Pupil(Base):
    __tablename__ = "pupil"
    __table_args__ = (
        # "find the pupil with this BSN" is one lookup, and a child is one row
        Index("uq_pupil_number", "number_kind", "number_hash", unique=True),
        # lists within a scope (access/scope.py on the current school), by name
        Index("ix_pupil_school_name", "current_school_id", "achternaam"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    number_kind: Mapped[str] = mapped_column(String(20))  # numbers.KINDS
    number_hash: Mapped[str] = mapped_column(String(64))
    number_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    key_check: Mapped[str] = mapped_column(String(16))
    voornamen: Mapped[str] = mapped_column(String(100))
    roepnaam: Mapped[str | None] = mapped_column(String(50))
    tussenvoegsel: Mapped[str | None] = mapped_column(String(20))
    achternaam: Mapped[str] = mapped_column(String(100))
    geboortedatum: Mapped[date] = mapped_column(Date)
    current_school_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisation.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    guardians: Mapped[list[Guardian]] = relationship(
        back_populates="pupil", order_by="Guardian.position", cascade="all, delete-orphan"
    )


class Guardian(Base):
    """A parent or guardian of one pupil, in the order they were given."""

    __tablename__ = "guardian"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    pupil_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pupil.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    naam: Mapped[str] = mapped_column(String(200))
    relatie: Mapped[str] = mapped_column(String(20))  # service.RELATIONS
    gezag: Mapped[bool] = mapped_column(Boolean)
    telefoon: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    # the address must not be given to others (a secret address, "geheim adres")
    address_secret: Mapped[bool] = mapped_column(Boolean, default=False)

    pupil: Mapped[Pupil] = relationship(back_populates="guardians")
