"""Statuses with history: one mechanism for everything that moves through statuses (a draft
today; transfers, registrations and support requests later). docs/architecture.md, "Statuses
with history".

- ``workflow.py`` is pure data and logic (no database): a :class:`Workflow` of an Enum of
  statuses and :class:`Transition` s with :class:`Guard` s and :class:`Effect` s;
- ``column.py`` is the column type of a status (:class:`StatusColumn`): the Enum's value in the
  database, the Enum member in Python, and a clear error for any other value;
- ``db.py`` is the database part: :func:`move` checks a move, sets the subject's status
  column, writes a :class:`StatusChange` row and defers the move's jobs, in one transaction.
"""

from __future__ import annotations

from typing import Any

from .workflow import (
    Attempt,
    Effect,
    Guard,
    Transition,
    TransitionRefused,
    Workflow,
    fact_guard,
    role_guard,
)

__all__ = [
    "Attempt",
    "Effect",
    "Guard",
    "StatusChange",
    "StatusColumn",
    "Transition",
    "TransitionRefused",
    "UnknownStatus",
    "Workflow",
    "after_commit",
    "fact_guard",
    "history",
    "move",
    "role_guard",
]

_HISTORY = {"StatusChange", "after_commit", "history", "move"}
_COLUMN = {"StatusColumn", "UnknownStatus"}


def __getattr__(name: str) -> Any:
    # the database part is imported when it is asked for: the pure part stays importable (and
    # testable) without SQLAlchemy
    if name in _HISTORY:
        from . import db as _db

        return getattr(_db, name)
    if name in _COLUMN:
        from . import column as _column

        return getattr(_column, name)
    raise AttributeError(name)
