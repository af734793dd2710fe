"""The jobs of a PostgreSQL deployment, on procrastinate (imported only there).

A job is deferred on the psycopg connection of the caller's SQLAlchemy session
(``configure(connection=…)``), so it commits or rolls back with the change that causes it.
Workers on any number of machines take jobs with ``FOR UPDATE SKIP LOCKED``; a periodic task
is deferred by every worker but recorded once per due moment (the database's unique key); a
job whose worker was killed is found by its stale heartbeat and run again."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from functools import cache
from typing import TYPE_CHECKING, Any

from procrastinate import App, BaseRetryStrategy, PsycopgConnector, RetryDecision
from procrastinate.jobs import Job
from sqlalchemy import make_url, text
from sqlalchemy.orm import Session

from . import spec

if TYPE_CHECKING:
    from ..state import AppState

log = logging.getLogger("popo.jobs")
STALLED = "retry_stalled_jobs"
STALLED_AFTER = 60  # seconds without a heartbeat (workers beat every 10 s)


class Retry(BaseRetryStrategy):
    """The policy of runtime/jobs/spec.py: ``attempts`` runs, waits growing by ``backoff``."""

    def __init__(self, item: spec.Task) -> None:
        self.item = item

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if job.attempts + 1 >= self.item.attempts:
            return None
        return RetryDecision(retry_in={"seconds": self.item.retry_delay(job.attempts + 1)})


def conninfo(url: str) -> str:
    """libpq's form of POPO's SQLAlchemy URL (``postgresql+psycopg://…``)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def build(connector: PsycopgConnector, state: AppState | None) -> App:
    app = App(connector=connector)
    for item in spec.TASKS.values():
        task = app.task(
            name=item.name,
            queue=item.queue,
            retry=Retry(item) if item.attempts > 1 else False,
            pass_context=False,
        )(spec.body(item.name, state))
        if item.cron is not None:
            app.periodic(cron=item.cron, periodic_id=item.name)(task)

    @app.periodic(cron="*/5 * * * *", periodic_id=STALLED)
    @app.task(name=STALLED, queue="default", pass_context=False)
    async def retry_stalled_jobs(timestamp: int) -> None:
        for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER):
            log.warning("job of a stopped worker run again", extra={"job": job.id})
            await app.job_manager.retry_job(job)

    return app


@cache
def _deferring_app(names: frozenset[str]) -> App:
    # never opened: a defer runs on the caller's connection (the synchronous connector)
    return build(PsycopgConnector(), None)


def defer(session: Session, name: str, delay: float | None, kwargs: dict[str, Any]) -> None:
    connection = session.connection().connection.driver_connection
    app = _deferring_app(frozenset(spec.TASKS))
    options: dict[str, Any] = {"connection": connection}
    if delay:
        options["schedule_in"] = {"seconds": delay}
    app.tasks[name].configure(**options).defer(**kwargs)


def pending(session: Session, name: str, kwargs: dict[str, Any]) -> bool:
    """A job for ``name`` with ``kwargs`` that waits to be taken ('todo'). One being run is not
    pending: its worker may have been killed (the sweep then defers it again)."""
    found = session.execute(
        text(
            "SELECT 1 FROM procrastinate_jobs WHERE task_name = :name"
            " AND status = 'todo' AND args - :request_id = CAST(:args AS jsonb) LIMIT 1"
        ),
        {"name": name, "args": json.dumps(kwargs), "request_id": spec.REQUEST_ID},
    ).first()
    return found is not None


def worker_app(state: AppState, max_size: int = 4) -> App:
    connector = PsycopgConnector(
        conninfo=conninfo(state.settings.database_url), min_size=1, max_size=max_size
    )
    return build(connector, state)


WORKER_OPTIONS: dict[str, Any] = {
    "fetch_job_polling_interval": 1.0,  # scheduled retries; new jobs come by LISTEN/NOTIFY
    "delete_jobs": "successful",
    "shutdown_graceful_timeout": 30,
}


class InProcessWorker:
    """A procrastinate worker on the web process's event loop (jobs run in threads)."""

    def __init__(self, state: AppState, workers: int = 2) -> None:
        self.app = worker_app(state)
        self.workers = workers
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.app.open_async()
        self.task = asyncio.create_task(
            self.app.run_worker_async(
                concurrency=self.workers, install_signal_handlers=False, **WORKER_OPTIONS
            ),
            name="jobs",
        )

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()  # procrastinate stops taking jobs and lets running ones end
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        await self.app.close_async()


def run_worker(state: AppState, concurrency: int) -> None:
    """``popo worker`` on PostgreSQL: until SIGINT/SIGTERM."""
    app = worker_app(state, max_size=concurrency + 2)
    app.run_worker(concurrency=concurrency, **WORKER_OPTIONS)


async def run_until_idle_async(state: AppState) -> None:
    app = worker_app(state)
    async with app.open_async():
        await app.run_worker_async(wait=False, install_signal_handlers=False, **WORKER_OPTIONS)


def run_until_idle(state: AppState) -> None:
    asyncio.run(run_until_idle_async(state))


def waiting(state: AppState) -> list[tuple[str, dict[str, Any]]]:
    with state.db.session() as session:
        rows = session.execute(
            text("SELECT task_name, args FROM procrastinate_jobs WHERE status = 'todo' ORDER BY id")
        ).all()
    return [
        (row.task_name, {k: v for k, v in row.args.items() if k != spec.REQUEST_ID}) for row in rows
    ]


def schema() -> str:
    """procrastinate's whole schema (migration 0012)."""
    return App(connector=PsycopgConnector()).schema_manager.get_schema()
