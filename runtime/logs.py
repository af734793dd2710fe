"""Structured logs: one JSON object per line (or plain text with POPO_LOG_FORMAT=text).

Every request is logged once (``popo.request``: method, path, status, duration) and every
server error with its traceback (``popo.error``, see runtime/web/errors.py). Each request has
an id (the proxy's ``X-Request-ID`` when it sends a plain one, else a new one), answered in
``X-Request-ID`` and carried by every line logged while it is served, and by the lines of the
jobs it deferred (runtime/jobs): one id follows a submission from the click to its PDF.
A path is logged without its query string (a query may carry personal data) and with the
secret part of a parent's link or a reset link left out. Uvicorn's own loggers write through
the same handler, so the format stays the same from start to end.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from . import metrics

_RESERVED = set(vars(logging.makeLogRecord({})))
_SECRET_PATH = re.compile(r"^(/r/|/start/|/password/reset/|/p/)[^/]+")
_PLAIN_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

requests = logging.getLogger("popo.request")
request_id: ContextVar[str | None] = ContextVar("popo_request_id", default=None)


@contextmanager
def serving(identifier: str | None) -> Iterator[None]:
    """Lines logged inside carry ``identifier`` as their ``request_id`` (a job runs inside
    the id of the request that deferred it)."""
    token = request_id.set(identifier)
    try:
        yield
    finally:
        request_id.reset(token)


class _RequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        identifier = request_id.get()
        if identifier is not None and not hasattr(record, "request_id"):
            record.request_id = identifier
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure(level: str = "INFO", fmt: str = "json") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_RequestId())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # an ASGI server that configured its own loggers writes through ours from now on; its
    # access log is ours (RequestLog), which leaves out query strings
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "litestar"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True


def loggable_path(path: str) -> str:
    """The path as logged: never the secret token of a link."""
    return _SECRET_PATH.sub(r"\1…", path)


class RequestLog:
    """ASGI middleware: one log line per HTTP request, after its response has started."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        identifier = _given_id(scope) or uuid.uuid4().hex
        header = (b"x-request-id", identifier.encode("ascii"))

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        token = request_id.set(identifier)
        try:
            await self.app(scope, receive, sending)
        finally:
            seconds = time.perf_counter() - started
            method = str(scope.get("method", ""))
            metrics.observe(method, metrics.route_of(scope), status, seconds)
            requests.log(
                logging.WARNING if status >= 500 else logging.INFO,
                "request",
                extra={
                    "method": method,
                    "path": loggable_path(str(scope.get("path", ""))),
                    "status": status,
                    "duration_ms": round(seconds * 1000, 1),
                },
            )
            request_id.reset(token)


def _given_id(scope: Scope) -> str | None:
    """The request id a proxy in front sent, when it is a plain one (letters, digits, ``.``,
    ``_``, ``-``; at most 64): anything else is not written into the logs."""
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _PLAIN_ID.match(text) else None
    return None
