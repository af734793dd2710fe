"""Error pages: every error a person can meet is a page in their language, never raw JSON.

Two handlers: one for Litestar's HTTP exceptions (400, 403, 405, 413, 429, …) and one for
every other exception, which is a server error: it is logged with its traceback and a short
reference that the page shows, so that a person can quote it and the helpdesk can find the log
line. Requests from htmx (which does not show an error response) are sent to the same page with
``HX-Redirect``. The refusals with a page of their own (page not found, login required, read
only, not school staff, a link that expired) have their own handlers; ``EXCEPTION_HANDLERS`` is
the application's whole list. Under ``/api/`` every one of them answers with a JSON problem
instead (web/api.py), never a page.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from litestar import MediaType, Request, Response, get
from litestar.exceptions import HTTPException, NotFoundException
from litestar.response import Redirect
from litestar.types import ExceptionHandlersMap

from oso_mapping.dossier import N_
from renderers import i18n

from ..logs import loggable_path
from ..refusals import Gone, LoginRequired, NotSchoolStaff, ReadOnly
from ..statuses.workflow import TransitionRefused
from . import api
from .identity import is_api
from .language import request_language, templates
from .pages import message_page, page

log = logging.getLogger("popo.error")


# status → (title, explanation); the texts are translated when the page is made
_TEXTS: dict[int, tuple[str, str]] = {
    400: (
        N_("The request could not be read"),
        N_("Something in what was sent is not right. Go back, reload the page and try again."),
    ),
    401: (N_("Log in to continue"), N_("You need to log in to see this page.")),
    403: (
        N_("You may not do this"),
        N_(
            "You do not have permission for this page or action. If you came from a page of POPO, "
            "reload that page and try again."
        ),
    ),
    404: (N_("Page not found"), N_("This page does not exist, or you may not see it.")),
    405: (
        N_("This action is not possible here"),
        N_("This page cannot be used in this way. Go back to the previous page."),
    ),
    413: (
        N_("What you sent is too large"),
        N_("A file or form was larger than POPO accepts. Go back and choose a smaller file."),
    ),
    429: (N_("Too many requests"), N_("Wait a moment and try again.")),
}
_SERVER_ERROR = (
    N_("Something went wrong"),
    N_(
        "POPO could not handle your request. What you saved before is kept. Try again in a "
        "moment; if it keeps happening, give the reference below to your helpdesk."
    ),
)
_OTHER = (N_("The request could not be handled"), N_("Go back to the previous page and try again."))


def new_reference() -> str:
    """A short reference for one error, shown to the person and logged with the traceback."""
    return secrets.token_hex(4).upper()


def server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[str]:
    reference = new_reference()
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
    return error_response(request, 500, reference)


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[str]:
    status = exc.status_code
    reference = None
    if status >= 500:
        reference = new_reference()
        log.error(
            "server error",
            exc_info=(type(exc), exc, exc.__traceback__),
            extra={"reference": reference, "path": loggable_path(request.url.path)},
        )
    else:
        log.info(
            "refused",
            # not the detail: it may repeat what was sent (a path with a link's secret, values)
            extra={
                "status": status,
                "path": loggable_path(request.url.path),
                "error": type(exc).__name__,
            },
        )
    return error_response(request, status, reference, dict(exc.headers or {}))


def error_response(
    request: Request[Any, Any, Any],
    status: int,
    reference: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response[str]:
    headers = {**(headers or {}), "Cache-Control": "no-store"}
    if request.headers.get("HX-Request"):
        query = {"status": str(status), **({"reference": reference} if reference else {})}
        headers["HX-Redirect"] = "/problem?" + urlencode(query)
        content = error_fragment(request_language(request), status, reference)
    else:
        content = error_page(request, status, reference)
    return Response(content, status_code=status, media_type=MediaType.HTML, headers=headers)


def _texts(language: str, status: int) -> tuple[str, str]:
    title, message = _TEXTS.get(status) or (_SERVER_ERROR if status >= 500 else _OTHER)
    return i18n.gettext(language, title), i18n.gettext(language, message)


def error_fragment(language: str, status: int, reference: str | None) -> str:
    title, message = _texts(language, status)
    return (
        templates(language)
        .get_template("error_fragment.html")
        .render(title=title, message=message, reference=reference)
    )


def error_page(request: Request[Any, Any, Any], status: int, reference: str | None) -> str:
    language = request_language(request)
    title, message = _texts(language, status)
    return (
        templates(language)
        .get_template("error.html")
        .render(
            title=title,
            message=message,
            status=status,
            reference=reference,
            language_url=lambda code: f"/?lang={code}",
        )
    )


@get("/problem", sync_to_thread=False)
def problem(request: Request[Any, Any, Any]) -> Response[str]:
    """Where an htmx request that failed sends the browser: the same page as without htmx."""
    try:
        status = int(request.query_params.get("status", "500"))
    except ValueError:
        status = 500
    if not 400 <= status <= 599:
        status = 500
    reference = request.query_params.get("reference")
    if reference is not None and not (len(reference) == 8 and reference.isalnum()):
        reference = None
    return Response(
        error_page(request, status, reference),
        status_code=200,
        media_type=MediaType.HTML,
        headers={"Cache-Control": "no-store"},
    )


def not_found(request: Request[Any, Any, Any], exc: Exception) -> Response[str]:
    language = request_language(request)
    return message_page(
        request,
        language,
        i18n.gettext(language, "Page not found"),
        i18n.gettext(language, "This page does not exist, or you may not see it."),
        404,
    )


def login_required(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """To the login page, and back to this page after (htmx: the whole page goes there)."""
    if request.headers.get("HX-Request"):
        return Response("", status_code=401, headers={"HX-Redirect": "/login"})
    return Redirect(f"/login?next={quote(request.url.path)}", status_code=303)


def read_only(request: Request[Any, Any, Any], exc: Exception) -> Response[str]:
    """A role that only reads (bestuur, SWV, privacy officer) tried to change a draft."""
    language = request_language(request)
    return page(
        request,
        "message.html",
        403,
        title=i18n.gettext(language, "You cannot change this form"),
        message=i18n.gettext(language, "You may see this form, but not change it."),
    )


def refused(request: Request[Any, Any, Any], exc: TransitionRefused) -> Response[str]:
    """A rule that said no where a route did not answer it itself (409): why, in the
    person's language; nothing was changed."""
    language = request_language(request)
    return message_page(
        request,
        language,
        i18n.gettext(language, "That did not happen"),
        exc.text(language),
        409,
    )


def not_school_staff(request: Request[Any, Any, Any], exc: Exception) -> Response[str]:
    """403 for a role that may not start forms (only school staff do: scope.home_school)."""
    language = request_language(request)
    return message_page(
        request,
        language,
        i18n.gettext(language, "You cannot start forms"),
        i18n.gettext(
            language, "Forms are started by the staff of a school. Your role does not allow it."
        ),
        403,
    )


def gone(request: Request[Any, Any, Any], exc: Exception) -> Response[str]:
    """A link that expired or was switched off (410), with the school it was for."""
    language = i18n.normalize(request.query_params.get("lang"))
    return message_page(
        request,
        language,
        i18n.gettext(language, "This link no longer works"),
        i18n.gettext(
            language, "The link has expired or was switched off. Ask the school for a new link."
        ),
        410,
        school_name=exc.school if isinstance(exc, Gone) else "",
    )


def pages_or_problems(
    handler: Callable[[Request[Any, Any, Any], Any], Response[Any]],
) -> Callable[[Request[Any, Any, Any], Any], Response[Any]]:
    """``handler``'s page for a page's request; the JSON problem for an API request."""

    def handle(request: Request[Any, Any, Any], exc: Any) -> Response[Any]:
        if is_api(request.url.path):
            return api.problem_of(request, exc)
        return handler(request, exc)

    handle.__name__ = handler.__name__
    handle.__doc__ = handler.__doc__
    return handle


# for Litestar(exception_handlers=...): the most specific class that matches answers
EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    exception: pages_or_problems(handler)
    for exception, handler in {
        NotFoundException: not_found,
        Gone: gone,
        LoginRequired: login_required,
        ReadOnly: read_only,
        NotSchoolStaff: not_school_staff,
        TransitionRefused: refused,
        HTTPException: http_error,  # every other refusal: a page, never JSON
        Exception: server_error,  # logged with its traceback and a reference
    }.items()
}
