"""The JSON API for school administration systems (docs/api.md), in one place: its router, the
bearer-token guard with the audit record of every call, the problem responses (RFC 9457) that
its errors are, and the OpenAPI document of its routes.

A domain adds endpoints with ``api.router(handler, ...)`` in its plugin's ``routes``: every
route of such a router is under ``/api/v1``, in the OpenAPI document, and reached only with a
working token (``Authorization: Bearer popo_…``). The guard resolves the token to a
``Principal`` with its one role (access/tokens.py) and puts it on the request, where
``identity.current`` (and so ``guards``, ``scoped.reach`` and the scope rule) finds it; a
handler gets it with :func:`principal`. The session cookie counts nowhere under ``/api/``, so
the API needs no anti-forgery token.

Every error under ``/api/`` is ``application/problem+json``, its ``detail`` in the language of
``Accept-Language`` (Dutch unless English is preferred): web/errors.py hands each exception of
an API request to :func:`problem_of`; pages keep their HTML error pages.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from importlib import metadata
from typing import Any, cast

import msgspec
from litestar import Request, Response, Router
from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException, NotAuthorizedException, NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.types import ControllerRouterHandler

from oso_mapping.dossier import N_
from renderers import i18n

from .. import audit
from ..access import tokens
from ..access.accounts import Principal
from ..logs import loggable_path
from ..refusals import Gone, LoginRequired, NotSchoolStaff, ReadOnly
from ..state import AppState
from ..statuses.workflow import TransitionRefused
from .identity import API_PREFIX, API_PRINCIPAL, actor

log = logging.getLogger("popo.api")

VERSION = "v1"
PROBLEM = "application/problem+json"
BEARER = "bearer"  # the OpenAPI security scheme's name
SCHEMA_PATH = "/schema"  # the document is at /schema/openapi.json
_CHALLENGE = 'Bearer realm="POPO API"'

# status → (code, detail): the code is for programs, the detail for people (translated)
_PROBLEMS: dict[int, tuple[str, str]] = {
    400: ("bad_request", N_("The request could not be read: check its parameters and body.")),
    401: (
        "token_missing",
        N_("This API needs an API token: send the header Authorization: Bearer popo_…"),
    ),
    403: ("forbidden", N_("The role of this API token does not allow this.")),
    404: ("not_found", N_("This does not exist, or this API token may not see it.")),
    405: ("method_not_allowed", N_("This method is not possible at this address.")),
    410: ("gone", N_("This has expired or was switched off.")),
    413: ("too_large", N_("What was sent is larger than POPO accepts.")),
    429: ("too_many_requests", N_("Too many requests: wait a moment and try again.")),
    500: (
        "server_error",
        N_("POPO could not handle the request. Try again later; if it keeps happening, give the "
           "reference to your helpdesk."),
    ),
}  # fmt: skip
_INVALID_TOKEN = (
    "token_invalid",
    N_("This API token is unknown or was revoked. Ask your organisation for a new one."),
)
_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    410: "Gone",
    413: "Content Too Large",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


class Problem(msgspec.Struct, omit_defaults=True):
    """An error of the API (RFC 9457): ``code`` for programs, ``detail`` for people in the
    language of ``Accept-Language`` (Dutch unless English is preferred)."""

    type: str
    title: str
    status: int
    code: str
    detail: str
    reference: str | None = None  # a server error's, in POPO's log


def _answer(description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem, description=description, media_type=PROBLEM, generate_examples=False
    )


# the errors of every API route, for its documentation: ``@get(..., responses=api.ERRORS)``
ERRORS: dict[int, ResponseSpec] = {
    401: _answer("No API token, or an unknown or revoked one (code token_missing, token_invalid)"),
    404: _answer("Not found, or outside the token's scope (code not_found)"),
}


class TokenRequired(NotAuthorizedException):
    """No working API token with the request: ``invalid`` when one was sent but is unknown or
    revoked (RFC 6750's ``invalid_token``)."""

    def __init__(self, invalid: bool) -> None:
        challenge = _CHALLENGE + (', error="invalid_token"' if invalid else "")
        super().__init__(headers={"WWW-Authenticate": challenge})
        self.invalid = invalid


def language(request: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The language of ``Accept-Language`` that POPO has with the highest weight; Dutch when the
    header names neither (or is absent)."""
    best, weight = "nl", -1.0
    for position, item in enumerate(request.headers.get("accept-language", "").split(",")):
        tag, _, params = item.strip().partition(";")
        base = tag.strip().lower().split("-")[0]
        if base not in i18n.LANGUAGES:
            continue
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        quality -= position / 1000  # the first of equal weights wins
        if quality > 0 and quality > weight:
            best, weight = base, quality
    return best


def problem(
    request: ASGIConnection[Any, Any, Any, Any],
    status: int,
    *,
    code: str | None = None,
    detail: str | None = None,
    reference: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Problem]:
    """A problem response: ``detail`` (an English message id) translated to the request's
    language; the status's own code and detail unless given."""
    own_code, own_detail = _PROBLEMS.get(status) or _PROBLEMS[500 if status >= 500 else 400]
    content = Problem(
        type="about:blank",
        title=_TITLES.get(status, "Error"),
        status=status,
        code=code or own_code,
        detail=i18n.gettext(language(request), detail or own_detail),
        reference=reference,
    )
    return Response(
        content,
        status_code=status,
        media_type=PROBLEM,
        headers={**(headers or {}), "Cache-Control": "no-store"},
    )


def refused(
    request: ASGIConnection[Any, Any, Any, Any], status: int, code: str, detail: str
) -> Response[Problem]:
    """A problem response for a refusal whose ``detail`` is already in the request's language
    (a domain's rule said why: a step not possible now, a stale version)."""
    content = Problem(
        type="about:blank",
        title=_TITLES.get(status, "Error"),
        status=status,
        code=code,
        detail=detail,
    )
    return Response(
        content, status_code=status, media_type=PROBLEM, headers={"Cache-Control": "no-store"}
    )


def problem_of(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    """The problem response for an exception of an API request (web/errors.py asks)."""
    if isinstance(exc, TokenRequired):
        code, detail = _INVALID_TOKEN if exc.invalid else _PROBLEMS[401]
        # never the token: a mistyped one may be one letter from a working one
        log.info(
            "refused", extra={"status": 401, "error": code, "path": loggable_path(request.url.path)}
        )
        return problem(request, 401, code=code, detail=detail, headers=dict(exc.headers or {}))
    if isinstance(exc, LoginRequired):  # a guard of the pages: the API's person is its token
        return problem(request, 401, headers={"WWW-Authenticate": _CHALLENGE})
    if isinstance(exc, NotFoundException):
        return problem(request, 404)
    if isinstance(exc, ReadOnly | NotSchoolStaff):
        return problem(request, 403)
    if isinstance(exc, Gone):
        return problem(request, 410)
    if isinstance(exc, TransitionRefused):  # a rule said no, in the caller's language
        return refused(request, 409, exc.code, exc.text(language(request)))
    if isinstance(exc, HTTPException) and exc.status_code < 500:
        log.info(
            "refused",
            extra={"status": exc.status_code, "path": loggable_path(request.url.path)},
        )
        return problem(request, exc.status_code, headers=dict(exc.headers or {}))
    reference = secrets.token_hex(4).upper()
    log.error(
        "server error",
        exc_info=(type(exc), exc, exc.__traceback__),
        extra={
            "reference": reference,
            "method": request.method,
            "path": loggable_path(request.url.path),
            "error": type(exc).__name__,
        },
    )
    return problem(request, 500, reference=reference)


def bearer(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer …`` header."""
    scheme, _, value = (header or "").strip().partition(" ")
    return (value.strip() or None) if scheme.lower() == "bearer" else None


def _authenticate(
    popo: AppState, connection: ASGIConnection[Any, Any, Any, Any], secret: str
) -> Principal | None:
    """The token's principal, and the call in the audit log (in one transaction)."""
    request = cast("Request[Any, Any, Any]", connection)
    with popo.db.session() as session:
        who = tokens.principal_for(session, secret)
        if who is None:
            return None
        audit.record(
            session,
            popo.audit_key,
            actor(request, who),
            "read" if connection.scope.get("method") in ("GET", "HEAD") else "change",
            "api_token",
            str(who.api_token),
            f"{tokens.CALL}: {connection.scope.get('method')} {connection.url.path}"[:100],
        )
    return who


async def authenticated(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """The guard of every API route: a working token (else 401), recorded in the audit log;
    its principal goes on the request (see :func:`principal`)."""
    secret = bearer(connection.headers.get("authorization"))
    if secret is None:
        raise TokenRequired(invalid=False)
    popo: AppState = connection.app.state.popo
    who = await asyncio.to_thread(_authenticate, popo, connection, secret)
    if who is None:
        raise TokenRequired(invalid=True)
    connection.state[API_PRINCIPAL] = who


def principal(request: Request[Any, Any, Any]) -> Principal:
    """The principal of the request's token (the guard put it there)."""
    found = request.state.get(API_PRINCIPAL)
    if not isinstance(found, Principal):
        raise TokenRequired(invalid=False)
    return found


def router(*handlers: ControllerRouterHandler, version: str = VERSION) -> Router:
    """A domain's API routes, under ``/api/<version>``: guarded by a token, audited, in the
    OpenAPI document, free of the pages' anti-forgery check (no cookie counts here)."""
    return Router(
        path=f"{API_PREFIX}{version}",
        route_handlers=list(handlers),
        guards=[authenticated],
        include_in_schema=True,
        security=[{BEARER: []}],
        opt={"exclude_from_csrf": True},
    )


def package_version() -> str:
    try:
        return metadata.version("popo")
    except metadata.PackageNotFoundError:  # run from a checkout that was not installed
        return "0.0.0"


def openapi_config() -> OpenAPIConfig:
    """The OpenAPI document of the API's routes only (the application leaves its pages out
    with ``include_in_schema=False``), served as JSON at ``/schema/openapi.json``, with POPO's
    version."""
    return OpenAPIConfig(
        title="POPO API",
        version=package_version(),
        description=(
            "The API of POPO for school administration systems. Authenticate with an API token "
            "of your organisation: Authorization: Bearer popo_… (docs/api.md)."
        ),
        path=SCHEMA_PATH,
        render_plugins=[JsonRenderPlugin()],
        components=Components(
            security_schemes={
                BEARER: SecurityScheme(
                    type="http",
                    scheme="bearer",
                    description="An API token of an organisation (popo_…), made by its "
                    "directeur, bestuur or SWV account in POPO.",
                )
            }
        ),
    )
