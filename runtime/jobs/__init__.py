"""Background work: POPO's one port onto two job libraries (docs/architecture.md,
"Background work").

- ``defer(session, "task", **ids)`` adds a job in the session's transaction: it exists if, and
  only if, the change that caused it is committed; ``defer_once`` adds it unless the same job
  is pending already;
- the tasks and their policies (queue, retries with backoff, schedules) are one table,
  runtime/jobs/spec.py, filled from the domains (runtime/domains.py); their bodies are plain
  functions next to the work they do, free of either library;
- ``in_process_worker(state)`` runs jobs inside the web process (the application's lifespan
  starts it unless POPO_INPROCESS_WORKER=0), ``run_worker(state)`` is ``popo worker``.

On SQLite the library is huey (runtime/jobs/sqlite.py), in POPO's own database file; on
PostgreSQL it is procrastinate (runtime/jobs/pg.py), with workers on any number of machines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.orm import Session

from . import spec

if TYPE_CHECKING:
    from ..state import AppState


class Worker(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


def _is_sqlite(dialect: str) -> bool:
    return dialect == "sqlite"


def defer(session: Session, task: str, *, delay: float | None = None, **kwargs: Any) -> None:
    """Add a job for ``task`` with ``kwargs`` (JSON values: ids as strings) to the session's
    transaction, to run at once or ``delay`` seconds after it commits."""
    if task not in spec.TASKS:
        raise KeyError(f"no task {task!r}: no domain declares it (runtime/domains.py)")
    from ..logs import request_id

    identifier = request_id.get()
    if identifier is not None:
        kwargs = {**kwargs, spec.REQUEST_ID: identifier}
    if _is_sqlite(session.get_bind().dialect.name):
        from . import sqlite

        sqlite.defer(session, task, delay, kwargs)
    else:
        from . import pg

        pg.defer(session, task, delay, kwargs)


def pending(session: Session, task: str, **kwargs: Any) -> bool:
    """Whether a job for ``task`` with exactly ``kwargs`` waits to be taken by a worker, as
    the session's transaction sees it (one being run does not count: its worker may die)."""
    if _is_sqlite(session.get_bind().dialect.name):
        from . import sqlite

        return sqlite.pending(session, task, kwargs)
    from . import pg

    return pg.pending(session, task, kwargs)


def defer_once(session: Session, task: str, **kwargs: Any) -> bool:
    """``defer`` unless such a job is pending already (a download asking for a PDF whose job
    is queued, a sweep finding the same submission again); whether one was added."""
    if pending(session, task, **kwargs):
        return False
    defer(session, task, **kwargs)
    return True


def in_process_worker(state: AppState) -> Worker:
    workers = max(1, state.settings.job_workers)
    if _is_sqlite(state.db.engine.dialect.name):
        from . import sqlite

        return sqlite.InProcessWorker(state, workers)
    from . import pg

    return pg.InProcessWorker(state, workers)


def run_worker(state: AppState, concurrency: int) -> None:
    """Run jobs in the foreground until SIGINT/SIGTERM (``popo worker``)."""
    if _is_sqlite(state.db.engine.dialect.name):
        from . import sqlite

        sqlite.run_worker(state, concurrency)
    else:
        from . import pg

        pg.run_worker(state, concurrency)


def run_until_idle(state: AppState) -> None:
    """Run the jobs that are due now, in this process, and return (tests, one-off use)."""
    if _is_sqlite(state.db.engine.dialect.name):
        from . import sqlite

        sqlite.run_until_idle(state)
    else:
        from . import pg

        pg.run_until_idle(state)


def waiting(state: AppState) -> list[tuple[str, dict[str, Any]]]:
    """The jobs not run yet (due or later): task name and arguments, oldest first."""
    if _is_sqlite(state.db.engine.dialect.name):
        from . import sqlite

        return sqlite.waiting(state)
    from . import pg

    return pg.waiting(state)
