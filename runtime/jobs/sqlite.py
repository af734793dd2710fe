"""The jobs of the embedded SQLite database, on huey's ``SqliteHuey``, inside POPO's own file.

A job is deferred by inserting huey's serialised task into huey's ``task`` table through the
caller's SQLAlchemy session: it is committed, or rolled back, with the change that causes it.
That table's layout is huey's, not an API: migration 0012 creates it as huey does, and
tests/runtime/test_jobs.py guards it against the installed huey.

huey takes a job off the table when a worker starts it (at most once): a worker killed in
the middle loses that job, which is why every task has a periodic sweep behind it."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from huey import SqliteHuey, crontab
from huey.api import Huey, MemoryHuey
from huey.consumer import Consumer
from sqlalchemy import (
    Column,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    insert,
    select,
)
from sqlalchemy.orm import Session

from . import spec

if TYPE_CHECKING:
    from ..state import AppState

log = logging.getLogger("popo.jobs")
NAME = "popo"  # huey's queue name: the value of the ``queue`` column

# huey's task table, as SqliteStorage creates it (the columns the insert below relies on)
HUEY_TASK = Table(
    "task",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("queue", Text, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("priority", Float, nullable=False),
)


def _register(huey: Huey, state: AppState | None) -> Huey:
    for item in spec.TASKS.values():
        options: dict[str, Any] = {
            "retries": item.attempts - 1,
            "retry_delay": item.delay,
            "retry_backoff": item.backoff if item.backoff != 1 else 0,
            "name": item.name,
        }
        run = spec.body(item.name, state)  # the deferring side (no state) never runs it
        if item.cron is None:
            huey.task(**options)(run)
        else:
            minute, hour, day, month, weekday = item.cron.split()
            huey.periodic_task(crontab(minute, hour, day, month, weekday), **options)(run)
    return huey


def defer(session: Session, name: str, delay: float | None, kwargs: dict[str, Any]) -> None:
    huey = _register(MemoryHuey(NAME, utc=True, results=False), None)
    wrapper = huey._registry.string_to_task(f"{spec.__name__}.{name}")
    task = wrapper(
        (),
        kwargs,
        eta=(datetime.now(UTC) + timedelta(seconds=delay)).replace(tzinfo=None) if delay else None,
    )
    session.execute(
        insert(HUEY_TASK).values(queue=NAME, data=huey.serialize_task(task), priority=0)
    )


def pending(session: Session, name: str, kwargs: dict[str, Any]) -> bool:
    """A job in huey's task table (not taken by a worker yet) for ``name`` with ``kwargs``."""
    huey = _register(MemoryHuey(NAME, utc=True, results=False), None)
    rows = session.scalars(select(HUEY_TASK.c.data).where(HUEY_TASK.c.queue == NAME))
    for data in rows:
        task = huey.deserialize_task(data)
        if type(task).__name__ == name and _arguments(task.kwargs) == kwargs:
            return True
    return False


def _arguments(kwargs: dict[str, Any]) -> dict[str, Any]:
    """A job's arguments as its body gets them (without the id of the request it came from)."""
    return {key: value for key, value in kwargs.items() if key != spec.REQUEST_ID}


def huey_for(state: AppState) -> SqliteHuey:
    """A huey whose tasks run with ``state``, on the file of its database."""
    database = state.db.engine.url.database
    assert database and database != ":memory:", "jobs need a database file"
    huey = SqliteHuey(NAME, filename=database, results=False, utc=True, create_tables=False)
    _register(huey, state)
    return huey


class _Consumer(Consumer):  # type: ignore[misc]
    def _set_signal_handlers(self) -> None:
        pass  # the web server's own, not huey's, when it runs inside the application


class InProcessWorker:
    """huey's consumer in threads of the web process (``scripts/run``, ``popo serve``)."""

    def __init__(self, state: AppState, workers: int = 2) -> None:
        self.huey = huey_for(state)
        self.consumer = _Consumer(
            self.huey,
            workers=workers,
            periodic=True,
            worker_type="thread",
            initial_delay=0.05,
            max_delay=0.5,
            check_worker_health=False,
        )
        self.lock = threading.Lock()

    async def start(self) -> None:
        self.consumer.start()

    async def stop(self) -> None:
        import asyncio

        # a job being run is finished, none is started; bounded, so shutdown never hangs
        self.consumer.shutdown_timeout = 30
        await asyncio.to_thread(self.consumer.stop, True)
        self.huey.storage.close()


def run_worker(state: AppState, concurrency: int) -> None:
    """``popo worker`` on SQLite: the consumer in the foreground, until SIGINT/SIGTERM."""
    consumer = Consumer(
        huey_for(state),
        workers=concurrency,
        periodic=True,
        worker_type="thread",
        initial_delay=0.05,
        max_delay=0.5,
    )
    consumer.run()


def waiting(state: AppState) -> list[tuple[str, dict[str, Any]]]:
    huey = huey_for(state)
    try:
        return [(type(t).__name__, _arguments(t.kwargs)) for t in huey.pending() + huey.scheduled()]
    finally:
        huey.storage.close()


def run_until_idle(state: AppState, now: datetime | None = None) -> int:
    """Run every job that is due, in this thread, until none is left (tests, ``popo jobs``).
    ``now`` (naive UTC) also enqueues the periodic tasks due at that minute."""
    huey = huey_for(state)
    count = 0
    try:
        if now is not None:
            for task in huey.read_periodic(now):
                huey.enqueue(task)
        while True:
            for task in huey.read_schedule(huey._get_timestamp()):
                huey.enqueue(task)
            task = huey.dequeue()
            if task is None:
                return count
            huey.execute(task)
            count += 1
    finally:
        huey.storage.close()
