"""The operators' endpoints, for a load balancer and Prometheus rather than for people:
``/health`` (the process lives), ``/ready`` (it can serve: :mod:`.checks`) and ``/metrics``
(runtime/metrics.py). They carry no pupil data and no session; ``/metrics`` answers only with
the configured token, or without one to this machine and private networks."""

from __future__ import annotations

import hmac
import json
from ipaddress import ip_address
from typing import Any

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException

from .. import metrics
from ..state import AppState
from ..web import identity
from ..web.blocking import in_thread
from .checks import checks
from .figures import DatabaseFigures
from .settings import OperationsSettings

NO_STORE = {"Cache-Control": "no-store"}


@get("/health", include_in_schema=False)
async def health() -> Response[str]:
    """The process answers: restart it when this fails (no database asked)."""
    return Response("ok\n", media_type="text/plain", headers=NO_STORE)


@get("/ready", include_in_schema=False)
@in_thread
def ready(popo: NamedDependency[AppState]) -> Response[str]:
    """Whether to send this process requests: 200 when every check holds, else 503; the body
    says which (JSON, for the load balancer's log)."""
    found = checks(popo)
    ok = all(check.ok for check in found)
    body = {
        "status": "ready" if ok else "not ready",
        "checks": {check.name: {"ok": check.ok, "detail": check.detail} for check in found},
    }
    return Response(
        json.dumps(body) + "\n",
        status_code=200 if ok else 503,
        media_type="application/json",
        headers=NO_STORE,
    )


def _may_scrape(request: Request[Any, Any, Any], token: str | None) -> bool:
    if token is not None:
        given = request.headers.get("authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    client = identity.address(request)
    try:
        where = ip_address(client or "")
    except ValueError:
        return False
    return where.is_loopback or where.is_private


@get("/metrics", include_in_schema=False)
@in_thread
def scrape(request: Request[Any, Any, Any], popo: NamedDependency[AppState]) -> Response[bytes]:
    if not _may_scrape(request, OperationsSettings.of(popo.settings).metrics_token):
        raise NotFoundException()
    page = metrics.exposition(DatabaseFigures(popo))
    return Response(page, media_type=metrics.CONTENT_TYPE, headers=NO_STORE)


ROUTES = (health, ready, scrape)
