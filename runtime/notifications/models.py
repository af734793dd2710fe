"""The table of in-application notifications."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db.base import Base, utcnow


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
