"""Statuses with history: one mechanism for everything that moves through statuses (a draft
today; transfers, registrations and support requests later). docs/architecture.md, "Statuses
with history".

- ``workflow.py`` is pure data and logic (no database): a :class:`Workflow` of an Enum of
  statuses and :class:`Transition` s with :class:`Guard` s and :class:`Effect` s;
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
    "Transition",
    "TransitionRefused",
    "Workflow",
    "after_commit",
    "fact_guard",
    "history",
    "move",
    "role_guard",
]

_HISTORY = {"StatusChange", "after_commit", "history", "move"}


def __getattr__(name: str) -> Any:
    # the database part is imported when it is asked for: the pure part stays importable (and
    # testable) without SQLAlchemy
    if name in _HISTORY:
        from . import db as _db

        return getattr(_db, name)
    raise AttributeError(name)
