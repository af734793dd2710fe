"""Routes for logging in and out and resetting a password."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque
from typing import Any

from litestar import MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect

from renderers import i18n

from .. import mail
from ..state import AppState, request_language, templates
from . import accounts, audit, web

# Logins per network address in the last ATTEMPT_WINDOW seconds (per process); the limit is
# the setting POPO_LOGIN_ATTEMPTS_PER_ADDRESS
ATTEMPT_WINDOW = 300.0
_attempts: dict[str, deque[float]] = defaultdict(deque)


def too_many_attempts(address: str | None, limit: int) -> bool:
    now = time.monotonic()
    recent = _attempts[address or "?"]
    while recent and now - recent[0] > ATTEMPT_WINDOW:
        recent.popleft()
    recent.append(now)
    return len(recent) > limit


def page(
    request: Request[Any, Any, Any], template: str, status: int = 200, **values: Any
) -> Response[str]:
    language = request_language(request)
    content = (
        templates(language)
        .get_template(template)
        .render(language_url=lambda code: f"{request.url.path}?lang={code}", **values)
    )
    return Response(content, status_code=status, media_type=MediaType.HTML)


@get("/login", sync_to_thread=False)
def login_form(request: Request[Any, Any, Any]) -> Response[str]:
    return login_page(request, "")


def login_page(request: Request[Any, Any, Any], message: str, status: int = 200) -> Response[str]:
    notice = ""
    if request.query_params.get("reset"):
        notice = i18n.gettext(request_language(request), "Your password was changed. Log in.")
    return page(
        request,
        "login.html",
        status,
        message=message,
        notice=notice,
        next=request.query_params.get("next", "/"),
    )


@post("/login")
async def do_login(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState]
) -> Response[Any]:
    form = await request.form()
    language = request_language(request)
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    target = str(form.get("next", "/"))
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    if too_many_attempts(web.address(request), popo.settings.login_attempts_per_address):
        message = i18n.gettext(language, "Too many attempts from your network. Wait a few minutes.")
        return login_page(request, message, 429)
    with popo.db.session() as session:
        try:
            token, _user = accounts.login(session, email, password, web.address(request))
        except accounts.LoginFailed as failed:
            if failed.locked_until is not None:
                message = i18n.gettext(
                    language, "Too many attempts. Your account is locked until %(time)s."
                ) % {"time": i18n.format_datetime(failed.locked_until, language)}
            else:
                message = i18n.gettext(language, "Wrong e-mail address or password.")
            failure = login_page(request, message, 401)
        else:
            failure = None
    if failure is not None:
        return failure
    response: Response[Any] = Redirect(target, status_code=303)
    response.set_cookie(
        web.SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=popo.settings.secure_cookies,
        max_age=int(accounts.SESSION_LIFETIME.total_seconds()),
    )
    return response


@post("/logout", sync_to_thread=False)
def do_logout(request: Request[Any, Any, Any], popo: NamedDependency[AppState]) -> Redirect:
    with popo.db.session() as session:
        who = web.current(request, session)
        if who is not None:
            if request.query_params.get("everywhere"):
                accounts.logout_everywhere(session, who.user_id)
            else:
                accounts.logout(session, who.session_id)
    response = Redirect("/login", status_code=303)
    response.delete_cookie(web.SESSION_COOKIE)
    return response


@get("/password/forgot", sync_to_thread=False)
def forgot_form(request: Request[Any, Any, Any]) -> Response[str]:
    return page(request, "password_forgot.html", sent=False)


@post("/password/forgot")
async def forgot(request: Request[Any, Any, Any], popo: NamedDependency[AppState]) -> Response[str]:
    language = request_language(request)
    data = await request.form()
    with popo.db.session() as session:
        found = accounts.start_reset(session, str(data.get("email", "")))
    if found is not None:
        user, token = found
        link = f"{str(request.base_url).rstrip('/')}/password/reset/{token}"
        await asyncio.to_thread(
            mail.send,
            popo.settings,
            user.email,
            i18n.gettext(language, "Set a new POPO password"),
            i18n.gettext(
                language,
                "Someone asked to set a new password for your POPO account. If that was you, "
                "open this link within an hour:",
            )
            + f"\n\n{link}\n\n"
            + i18n.gettext(language, "If it was not you, you can ignore this message."),
        )
    # the same answer whether or not the address is known
    return page(request, "password_forgot.html", sent=True)


@get("/password/reset/{token:str}", sync_to_thread=False)
def reset_form(request: Request[Any, Any, Any], token: FromPath[str]) -> Response[str]:
    return page(request, "password_reset.html", token=token, message="")


@post("/password/reset/{token:str}")
async def reset(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], token: FromPath[str]
) -> Response[Any]:
    language = request_language(request)
    data = await request.form()
    password, again = str(data.get("password", "")), str(data.get("password_again", ""))
    if password != again:
        message = i18n.gettext(language, "The two passwords are not the same.")
        return page(request, "password_reset.html", 400, token=token, message=message)
    with popo.db.session() as session:
        try:
            accounts.finish_reset(session, token, password)
        except accounts.ResetFailed as failed:
            failure = str(failed)
        else:
            failure = ""
    if failure == "short":
        message = i18n.gettext(language, "Use at least 12 characters.")
        return page(request, "password_reset.html", 400, token=token, message=message)
    if failure:
        message = i18n.gettext(
            language, "This link has expired or was used already. Ask for a new one."
        )
        return page(request, "password_reset.html", 400, token="", message=message)
    return Redirect("/login?reset=1", status_code=303)


@get("/privacy", sync_to_thread=False)
def privacy(request: Request[Any, Any, Any], popo: NamedDependency[AppState]) -> Response[str]:
    """For a privacy officer: every recorded access to one pupil's data at their organisation
    (what a parent is shown on request, AVG article 15)."""
    number = "".join(c for c in request.query_params.get("number", "") if c.isdigit())
    with popo.db.session() as session:
        who = web.require(request, session)
        officer_of = {
            r.organisation_id
            for r in who.roles
            if r.role == "privacy_officer" and r.organisation_id
        }
        if not officer_of:
            raise NotFoundException()
        events = audit.for_pupil(session, number, organisations=officer_of) if number else []
        rows = [
            (
                i18n.format_datetime(event.at, request_language(request)),
                event.actor,
                event.role or "",
                event.action,
                event.purpose,
                event.address or "",
            )
            for event in events
        ]
    return page(request, "privacy.html", number=number, rows=rows)


ROUTES = [login_form, do_login, do_logout, forgot_form, forgot, reset_form, reset, privacy]
