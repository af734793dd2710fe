"""The figures of ``/metrics`` kept in the database, read at each scrape: the jobs waiting and
failed, the mail waiting and given up on, the audit events not chained yet
(runtime/metrics.py has the process's own counters)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ..audit.models import AuditEvent
from ..jobs.sqlite import HUEY_TASK
from ..outbox import OutboxMessage

if TYPE_CHECKING:
    from ..state import AppState

log = logging.getLogger("popo.metrics")


class DatabaseFigures(Collector):
    """The figures kept in the database, read at each scrape (a few counts on indexes)."""

    def __init__(self, state: AppState) -> None:
        self.state = state

    def collect(self) -> Iterator[Metric]:
        try:
            with self.state.db.session() as session:
                figures = list(_database_figures(session))  # all or none of them
        except Exception:  # a scrape while the database is away still answers
            log.warning("the database's figures could not be read", exc_info=True)
            up = GaugeMetricFamily("popo_database_up", "Whether the database answered the scrape")
            up.add_metric([], 0)
            yield up
            return
        yield from figures


def _database_figures(session: Session) -> Iterator[Metric]:
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
    count = session.scalar(select(func.count()).select_from(HUEY_TASK))
    return [("all", int(count or 0))]
