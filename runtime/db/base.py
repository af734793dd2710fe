"""The declarative base of every table: each domain keeps its own tables next to its code
(``runtime/<domain>/models.py``); the shared mechanisms keep theirs with them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
)
from sqlalchemy.orm import DeclarativeBase

from ..clock import SESSION_KEY


def utcnow(context: Any) -> datetime:
    """The default of the timestamp columns: now on the clock of the database that runs the
    statement (runtime.db.session.Database hands it over), else the system's."""
    clock = context.execution_options.get(SESSION_KEY) if context is not None else None
    return clock.now() if clock is not None else datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        datetime: DateTime(timezone=True),
    }
