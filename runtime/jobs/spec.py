"""The table of POPO's background tasks: which queue each runs on, how often a failed run is
tried again (and how long it waits), and when the periodic ones run. Both job libraries are
configured from this table alone (runtime/jobs/sqlite.py, runtime/jobs/pg.py)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..state import AppState

QUEUES = ("mail", "pdf", "default")


@dataclass(frozen=True)
class Task:
    """A task body is a plain function of the application state and JSON-able keyword
    arguments (ids, never objects): it re-reads what it needs, so running it twice is safe."""

    name: str
    run: Callable[..., None]
    queue: str = "default"
    attempts: int = 1  # runs in all, the first one included
    delay: float = 0.0  # seconds before the first retry
    backoff: float = 2.0  # each later retry waits this many times longer
    cron: str | None = None  # periodic: "minute hour day month weekday"

    def retry_delay(self, retry: int) -> float:
        """The wait before retry number ``retry`` (1 is the first retry)."""
        return self.delay * self.backoff ** (retry - 1)


TASKS: dict[str, Task] = {}


def task(
    name: str,
    *,
    queue: str = "default",
    attempts: int = 1,
    delay: float = 0.0,
    backoff: float = 2.0,
    cron: str | None = None,
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register a task body under ``name`` (the decorator of runtime/jobs/tasks.py)."""
    assert queue in QUEUES, queue

    def register(fn: Callable[..., None]) -> Callable[..., None]:
        TASKS[name] = Task(name, fn, queue, attempts, delay, backoff, cron)
        return fn

    return register


@contextmanager
def extra_tasks(*tasks: Task) -> Iterator[None]:
    """Tasks added for a while (the contract tests add theirs)."""
    for item in tasks:
        TASKS[item.name] = item
    try:
        yield
    finally:
        for item in tasks:
            TASKS.pop(item.name, None)


def body(name: str, state: AppState | None) -> Callable[..., None]:
    """The task ``name`` bound to the state of the process that runs it. A periodic task is
    given the moment it was due (``timestamp``, on PostgreSQL) if its body asks for it."""
    spec = TASKS[name]
    wants_timestamp = "timestamp" in inspect.signature(spec.run).parameters

    def run(**kwargs: Any) -> None:
        if not wants_timestamp:
            kwargs.pop("timestamp", None)
        spec.run(state, **kwargs)

    run.__name__ = run.__qualname__ = name
    return run
