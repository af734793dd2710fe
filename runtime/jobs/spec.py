r"""The table of POPO's background tasks: which queue each runs on, how often a failed run is
tried again (and how long it waits), and when the periodic ones run. Both job libraries are
configured from this table alone (runtime/jobs/sqlite.py, runtime/jobs/pg.py).

A task is declared where its work is (``@task`` next to the function that does it: the
outbox's in runtime/outbox.py, a domain's in runtime/<domain>/tasks.py); the domains list
theirs in their plugin and runtime/domains.py ``register``\ s them all, once."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..state import AppState

QUEUES = ("mail", "pdf", "default")
# the id of the request that deferred a job, among its arguments (runtime/logs): the job's log
# lines carry it; its body never sees it, nor does ``pending``
REQUEST_ID = "popo_request_id"


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
) -> Callable[[Callable[..., None]], Task]:
    """Declare a task: the function becomes its body, under ``name``; ``register`` puts it in
    the table the workers run from."""
    assert queue in QUEUES, queue

    def declare(fn: Callable[..., None]) -> Task:
        return Task(name, fn, queue, attempts, delay, backoff, cron)

    return declare


def register(*tasks: Task) -> None:
    """Put tasks in the table (runtime/domains.py, at start-up); a name is one task."""
    for item in tasks:
        known = TASKS.get(item.name)
        if known is not None and known.run is not item.run:
            raise ValueError(f"two tasks are called {item.name!r}")
        TASKS[item.name] = item


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
    from .. import logs, metrics

    spec = TASKS[name]
    wants_timestamp = "timestamp" in inspect.signature(spec.run).parameters

    def run(**kwargs: Any) -> None:
        if not wants_timestamp:
            kwargs.pop("timestamp", None)
        with logs.serving(kwargs.pop(REQUEST_ID, None)):
            try:
                spec.run(state, **kwargs)
            except Exception:
                metrics.job_failed(name)
                raise

    run.__name__ = run.__qualname__ = name
    return run
