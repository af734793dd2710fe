"""What operators watch, in Prometheus' text format (``GET /metrics``, runtime/operations):
every request counted and timed by its route (recorded by runtime/logs.RequestLog, the one
place that sees every request), and, read from the database when scraped, the jobs waiting and
failed, the mail waiting and given up on, and the audit events not chained yet.

With several server processes on one machine set ``PROMETHEUS_MULTIPROC_DIR`` to an empty
folder of their own (prometheus_client's multiprocess mode): each process writes its
counters there and any of them answers for all. Processes on several machines are each a
target of their own; the database's figures are the same from every one of them."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from .state import AppState

log = logging.getLogger("popo.metrics")
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# seconds: a page renders in milliseconds, a monitoring overview or an export in a second
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "popo_http_requests",
    "HTTP requests answered, by method, route and status",
    ["method", "route", "status"],
    registry=REGISTRY,
)
DURATION = Histogram(
    "popo_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route",
    ["method", "route"],
    buckets=BUCKETS,
    registry=REGISTRY,
)
JOB_FAILURES = Counter(
    "popo_job_failures",
    "Runs of a background job that failed in this process (each try), by task",
    ["task"],
    registry=REGISTRY,
)


def observe(method: str, route: str, status: int, seconds: float) -> None:
    """One answered request. ``route`` is the route's template (``/forms/{form_id}/…``),
    never the path itself: paths carry ids and secrets, and would be a series each."""
    REQUESTS.labels(method, route, str(status)).inc()
    DURATION.labels(method, route).observe(seconds)


def job_failed(task: str) -> None:
    JOB_FAILURES.labels(task).inc()


class _Process(Collector):
    """This process's counters, or with ``PROMETHEUS_MULTIPROC_DIR`` those of every process."""

    def collect(self) -> Iterator[Metric]:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            yield from registry.collect()
        else:
            yield from REGISTRY.collect()


class _Database(Collector):
    """The figures kept in the database, read at each scrape (a few counts on indexes)."""

    def __init__(self, state: AppState) -> None:
        self.state = state

    def collect(self) -> Iterator[Metric]:
        try:
            with self.state.db.session() as session:
                yield from _database_figures(session)
        except Exception:  # a scrape while the database is away still answers
            log.warning("the database's figures could not be read", exc_info=True)
            up = GaugeMetricFamily("popo_database_up", "Whether the database answered the scrape")
            up.add_metric([], 0)
            yield up


def _database_figures(session: Session) -> Iterator[Metric]:
    from .audit.models import AuditEvent
    from .outbox import OutboxMessage

    up = GaugeMetricFamily("popo_database_up", "Whether the database answered the scrape")
    up.add_metric([], 1)
    yield up
    waiting = GaugeMetricFamily(
        "popo_jobs_waiting", "Background jobs waiting to be run, by queue", labels=["queue"]
    )
    failed = GaugeMetricFamily(
        "popo_jobs_failed",
        "Background jobs that failed for good and wait for an operator (PostgreSQL), by queue",
        labels=["queue"],
    )
    for queue, count in _jobs(session, "todo"):
        waiting.add_metric([queue], count)
    for queue, count in _jobs(session, "failed"):
        failed.add_metric([queue], count)
    yield waiting
    yield failed
    unsent = OutboxMessage.sent_at.is_(None)
    mail = session.execute(
        select(
            func.count().filter(unsent, OutboxMessage.body != ""),
            func.count().filter(unsent, OutboxMessage.body == ""),
        )
    ).one()
    mail_waiting = GaugeMetricFamily("popo_mail_waiting", "E-mails in the outbox, not sent yet")
    mail_waiting.add_metric([], mail[0] or 0)
    yield mail_waiting
    given_up = GaugeMetricFamily(
        "popo_mail_given_up", "E-mails not sent and no longer tried (expired or refused)"
    )
    given_up.add_metric([], mail[1] or 0)
    yield given_up
    unchained = GaugeMetricFamily(
        "popo_audit_unchained", "Audit events written but not on the chain yet (runtime/audit)"
    )
    unchained.add_metric(
        [], session.scalar(select(func.count()).where(AuditEvent.seq.is_(None))) or 0
    )
    yield unchained


def _jobs(session: Session, status: str) -> list[tuple[str, int]]:
    """(queue, count) of the jobs in ``status``: procrastinate's table on PostgreSQL; on
    SQLite huey's, which holds only the waiting ones (a job that failed for good is logged
    and counted in ``popo_job_failures``)."""
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            text(
                "SELECT queue_name, count(*) FROM procrastinate_jobs"
                " WHERE status = :status GROUP BY queue_name"
            ),
            {"status": status},
        )
        return [(str(queue), int(count)) for queue, count in rows]
    if status != "todo":
        return []
    from .jobs.sqlite import HUEY_TASK

    count = session.scalar(select(func.count()).select_from(HUEY_TASK))
    return [("all", int(count or 0))]


def exposition(state: AppState) -> bytes:
    """The page Prometheus scrapes."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Process())
    registry.register(_Database(state))
    return generate_latest(registry)  # type: ignore[no-any-return]


def route_of(scope: Any) -> str:
    """The route template of a request Litestar routed (it notes it in the scope), else a
    fixed word: a path that matched no route is not a series of its own."""
    template = scope.get("path_template")
    return str(template) if template else "unmatched"
