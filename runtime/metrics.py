"""What operators watch, in Prometheus' text format (``GET /metrics``, runtime/operations):
every request counted and timed by its route (recorded by runtime/logs.RequestLog, the one
place that sees every request) and the failed runs of jobs (runtime/jobs). The figures kept in
the database are read when scraped, by runtime/operations/figures.py.

With several server processes on one machine set ``PROMETHEUS_MULTIPROC_DIR`` to an empty
folder of their own (prometheus_client's multiprocess mode): each process writes its
counters there and any of them answers for all. Processes on several machines are each a
target of their own; the database's figures are the same from every one of them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import Metric
from prometheus_client.registry import Collector

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


def exposition(*collectors: Collector) -> bytes:
    """The page Prometheus scrapes: this process's counters (or every process's) and
    ``collectors``, read at the scrape (runtime/operations: the database's figures)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Process())
    for collector in collectors:
        registry.register(collector)
    return generate_latest(registry)  # type: ignore[no-any-return]


def route_of(scope: Any) -> str:
    """The route template of a request Litestar routed (it notes it in the scope), else a
    fixed word: a path that matched no route is not a series of its own."""
    template = scope.get("path_template")
    return str(template) if template else "unmatched"
