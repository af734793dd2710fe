"""Security headers on every response POPO sends: pages, htmx fragments, downloads, static
files and error pages alike (a ``before_send`` hook sees every response of the application).

The Content-Security-Policy allows scripts, styles and form targets of POPO's own origin only:
no inline script or style, no ``eval`` (htmx runs with ``allowEval`` and
``includeIndicatorStyles`` off, see renderers/templates/layout.html), no framing. Every response
outside ``/static/`` is ``Cache-Control: no-store`` unless it says otherwise (pages with pupil
data must not stay in a browser's or proxy's cache); a route's own, stricter headers (an
attachment's sandbox policy) are kept."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    )
)
HSTS = "max-age=31536000; includeSubDomains"
STATIC_PREFIX = "/static/"


def security_headers(
    secure: bool,
) -> Callable[[Message, Scope], Coroutine[Any, Any, None]]:
    """The hook for ``Litestar(before_send=[...])``; ``secure``: served over HTTPS only (the
    setting POPO_SECURE_COOKIES), which adds Strict-Transport-Security."""
    fixed = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if secure:
        fixed["Strict-Transport-Security"] = HSTS

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        for name, value in fixed.items():
            if name not in headers:
                headers[name] = value
        if "Cache-Control" not in headers and not str(scope.get("path", "")).startswith(
            STATIC_PREFIX
        ):
            headers["Cache-Control"] = "no-store"

    return add_headers
