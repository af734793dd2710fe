"""The tables of the audit log: its events (a hash chain) and the anchors of its head."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from ..db.base import Base, utcnow


class AuditEvent(Base):
    """One access to pupil data or a submission. Append-only; each event's hash is an HMAC (with
    the audit key) over its content and the previous event's hash, so that a changed or removed
    event breaks the chain. An event is written in its request's transaction without its place
    on the chain (``seq``, ``previous_hash``, ``hash``), which the chainer gives it after."""

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
    # its place on the chain (1, 2, …), given by the chainer; None: not chained yet
    seq: Mapped[int | None] = mapped_column(Integer)
    previous_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64), unique=True)

    __table_args__ = (
        Index("ix_audit_event_seq", "seq", unique=True),
        Index(
            "ix_audit_event_unchained",
            "id",
            sqlite_where=text("seq IS NULL"),
            postgresql_where=text("seq IS NULL"),
        ),
    )


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
