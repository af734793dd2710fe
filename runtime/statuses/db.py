"""A status move in the database: the check, the history row, the subject's status column and
the move's jobs, in the caller's one transaction (docs/architecture.md, "Statuses with history").
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

from sqlalchemy import Index, Integer, String, Text, event, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..clock import clock_of
from ..db.base import Base
from .column import StatusColumn
from .workflow import Attempt, Transition, Workflow

S = TypeVar("S", bound=Enum)

AFTER_COMMIT = "popo_statuses_after_commit"  # Session.info: callables to run once committed


class StatusChange(Base):
    """One move of one subject from a status to another: who, in which role, when and why.
    Append-only; the subject's own status column holds the current status."""

    __tablename__ = "status_change"
    __table_args__ = (Index("ix_status_change_subject", "subject_type", "subject_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_type: Mapped[str] = mapped_column(String(40))  # the workflow's name: draft, ...
    subject_id: Mapped[str] = mapped_column(String(64))
    from_status: Mapped[str] = mapped_column(String(40))
    to_status: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[uuid.UUID | None] = mapped_column()  # None: the system (a job, a sweep)
    role: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column()


def after_commit(session: Session, action: Callable[[], None]) -> None:
    """Run ``action`` once the session's transaction is committed; never if it rolls back.
    For what may be lost (an in-memory cache, a log line); durable work is a job (Effect)."""
    pending: list[Callable[[], None]] | None = session.info.get(AFTER_COMMIT)
    if pending is None:
        pending = session.info[AFTER_COMMIT] = []
        # listened to for the session's life: a listener cannot be removed while it runs
        event.listen(session, "after_commit", _run_pending)
        event.listen(session, "after_soft_rollback", _drop_pending)
    pending.append(action)


def _run_pending(session: Session) -> None:
    pending: list[Callable[[], None]] = session.info.get(AFTER_COMMIT, [])
    actions, pending[:] = list(pending), []
    for action in actions:
        action()


def _drop_pending(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:  # the outermost transaction: nothing is kept
        session.info.get(AFTER_COMMIT, []).clear()


def _subject_id(subject: Any) -> str:
    identity = inspect(subject).identity
    if identity is None:
        raise ValueError(f"{subject!r} has no id yet: flush it before moving it")
    return ":".join(str(part) for part in identity)


def move(
    session: Session,
    subject: Any,
    to: S | str,
    *,
    workflow: Workflow[S],
    actor: uuid.UUID | None = None,
    role: str | None = None,
    reason: str | None = None,
    facts: Mapping[str, Any] | None = None,
    column: str = "status",
    after: Callable[[], None] | None = None,
) -> Transition[S]:
    """Move ``subject`` (a mapped object with a ``column`` holding its status) to ``to``.

    The subject's row is locked and its status re-read, so that two requests cannot both move
    it from the same status; the workflow checks the move (TransitionRefused, with the reason a
    person reads, if it may not be made); then, in the session's transaction, the status column
    is set, the history row written and the transition's jobs deferred. ``after`` runs once the
    transaction is committed. Nothing is committed here: the caller's transaction decides."""
    subject_id = _subject_id(subject)
    session.refresh(subject, attribute_names=[column], with_for_update=True)
    current = workflow.status(getattr(subject, column))
    attempt = Attempt(actor=actor, role=role, reason=reason, facts=facts or {})
    transition = workflow.check(current, to, attempt)
    # a typed column (StatusColumn) holds the member; a plain string column its value
    typed = isinstance(inspect(type(subject)).columns[column].type, StatusColumn)
    setattr(subject, column, transition.target if typed else transition.target.value)
    session.add(
        StatusChange(
            subject_type=workflow.name,
            subject_id=subject_id,
            from_status=str(transition.source.value),
            to_status=str(transition.target.value),
            actor_id=actor,
            role=role,
            reason=reason,
            at=clock_of(session).now(),
        )
    )
    if transition.effects:
        from .. import jobs

        for effect in transition.effects:
            jobs.defer(session, effect.task, **effect.kwargs(subject_id))
    if after is not None:
        after_commit(session, after)
    session.flush()
    return transition


def history(session: Session, workflow: Workflow[Any], subject: Any) -> list[StatusChange]:
    """The subject's moves, oldest first."""
    return list(
        session.scalars(
            select(StatusChange)
            .where(
                StatusChange.subject_type == workflow.name,
                StatusChange.subject_id == _subject_id(subject),
            )
            .order_by(StatusChange.id)
        )
    )
