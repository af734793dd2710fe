"""Structured logs: one JSON object per line (or plain text with POPO_LOG_FORMAT=text).

Every request is logged once (``popo.request``: method, path, status, duration) and every
server error with its traceback (``popo.error``, see runtime/web/errors.py). A path is logged
without its query string (a query may carry personal data) and with the secret part of a
parent's link or a reset link left out. Uvicorn's own loggers write through the same handler,
so the format stays the same from start to end.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from datetime import UTC, datetime
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send

_RESERVED = set(vars(logging.makeLogRecord({})))
_SECRET_PATH = re.compile(r"^(/r/|/start/|/password/reset/|/p/)[^/]+")

requests = logging.getLogger("popo.request")


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

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            duration = (time.perf_counter() - started) * 1000
            requests.log(
                logging.WARNING if status >= 500 else logging.INFO,
                "request",
                extra={
                    "method": scope.get("method", ""),
                    "path": loggable_path(str(scope.get("path", ""))),
                    "status": status,
                    "duration_ms": round(duration, 1),
                },
            )
