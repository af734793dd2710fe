"""Operations: the endpoints a load balancer and Prometheus read (``/health``, ``/ready``,
``/metrics``; docs/operations.md). The figures themselves are recorded by the shared
mechanisms (runtime/metrics.py, from the request log and the job runner)."""

from __future__ import annotations

from ..domain import Domain
from . import routes
from .settings import OperationsSettings

DOMAIN = Domain(name="operations", routes=routes.ROUTES, settings=OperationsSettings)
