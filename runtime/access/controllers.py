"""Routes for logging in and out and resetting a password."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect
from sqlalchemy import ColumnElement

from renderers import i18n

from .. import audit, notifications
from ..clock import clock_of
from ..state import AppState
from ..web import guards, identity
from ..web.blocking import in_thread
from ..web.language import chosen_language, request_language
from ..web.pages import page
from ..web.posted import Posted
from . import accounts, scope
from .settings import AccessSettings


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
@in_thread
def do_login(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
) -> Response[Any]:
    language = request_language(request)
    email, password = posted.get("email"), posted.get("password")
    target = posted.get("next", "/")
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    try:
        # hashing a password takes a while: like every handler, this one runs in a thread
        token, _user = accounts.login(
            popo.db,
            email,
            password,
            identity.address(request),
            AccessSettings.of(popo.settings).login_attempts_per_address,
            chosen_language(request),  # the account keeps the language chosen
        )
    except accounts.TooManyAttempts:
        message = i18n.gettext(language, "Too many attempts from your network. Wait a few minutes.")
        return login_page(request, message, 429)
    except accounts.LoginFailed:
        # one message for a wrong password, an unknown and a locked account
        message = i18n.gettext(
            language,
            "Wrong e-mail address or password. After 5 failed attempts, logging in with this "
            "e-mail address is blocked for 15 minutes.",
        )
        return login_page(request, message, 401)
    response: Response[Any] = Redirect(target, status_code=303)
    response.set_cookie(
        identity.SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=popo.settings.secure_cookies,
        max_age=int(accounts.SESSION_LIFETIME.total_seconds()),
    )
    return response


@post("/logout")
@in_thread
def do_logout(request: Request[Any, Any, Any], popo: NamedDependency[AppState]) -> Redirect:
    with popo.db.session() as session:
        who = identity.current(request, session)
        if who is not None:
            if request.query_params.get("everywhere"):
                accounts.logout_everywhere(session, who.user_id)
            else:
                accounts.logout(session, who.session_id)
    response = Redirect("/login", status_code=303)
    response.delete_cookie(identity.SESSION_COOKIE)
    return response


@get("/password/forgot", sync_to_thread=False)
def forgot_form(request: Request[Any, Any, Any]) -> Response[str]:
    return page(request, "password_forgot.html", sent=False, message="")


@post("/password/forgot")
@in_thread
def forgot(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
) -> Response[str]:
    """The same answer, status and work for every address, known or not: the mail goes to the
    outbox in this transaction and is sent later (runtime/notifications, runtime/outbox.py)."""
    language = request_language(request)
    email, address = posted.get("email"), identity.address(request)

    def ask() -> bool:
        with popo.db.session() as session:
            recent = accounts.attempts(
                session, accounts.RESET_REQUEST, accounts.ADDRESS_WINDOW, address=address
            )
            if recent >= AccessSettings.of(popo.settings).login_attempts_per_address:
                return False
            found = accounts.start_reset(session, email, address)
            if found is not None:
                user, token = found
                # never the request's Host header: whoever sends the request would choose it
                link = f"{popo.settings.base_url.rstrip('/')}/password/reset/{token}"
                notifications.notify(  # in the account's language
                    session,
                    "password_reset",
                    [user],
                    link,
                    expires_at=clock_of(session).now() + accounts.RESET_LIFETIME,
                )
        return True

    if not ask():
        message = i18n.gettext(language, "Too many attempts from your network. Wait a few minutes.")
        return page(request, "password_forgot.html", 429, sent=False, message=message)
    return page(request, "password_forgot.html", sent=True, message="")


@get("/password/reset/{token:str}", sync_to_thread=False)
def reset_form(request: Request[Any, Any, Any], token: FromPath[str]) -> Response[str]:
    return page(request, "password_reset.html", token=token, message="")


@post("/password/reset/{token:str}")
@in_thread
def reset(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
    token: FromPath[str],
) -> Response[Any]:
    language = request_language(request)
    password, again = posted.get("password"), posted.get("password_again")
    if password != again:
        message = i18n.gettext(language, "The two passwords are not the same.")
        return page(request, "password_reset.html", 400, token=token, message=message)

    def finish() -> str:
        with popo.db.session() as session:
            try:
                accounts.finish_reset(session, token, password)
            except accounts.ResetFailed as failed:
                return str(failed)
        return ""

    failure = finish()
    if failure == "short":
        message = i18n.gettext(language, "Use at least 12 characters.")
        return page(request, "password_reset.html", 400, token=token, message=message)
    if failure:
        message = i18n.gettext(
            language, "This link has expired or was used already. Ask for a new one."
        )
        return page(request, "password_reset.html", 400, token="", message=message)
    return Redirect("/login?reset=1", status_code=303)


def _officer_of(
    request: Request[Any, Any, Any], session: Any
) -> Callable[[Any], ColumnElement[bool]]:
    """Whose records' audit log the logged-in person may read (404 for everyone else)."""
    who = guards.one_of(request, session, {"privacy_officer"})
    return partial(scope.audit_log_readable, principal=who)


def privacy_page(
    request: Request[Any, Any, Any], searched: bool, groups: list[audit.AccessGroup]
) -> Response[str]:
    language = request_language(request)
    rows = [
        {
            "day": i18n.format_date(group.day, language),
            "first": i18n.format_time(group.first, language),
            "last": i18n.format_time(group.last, language),
            "who": group.actor,
            "role": audit.role_text(language, group.role),
            "action": audit.action_text(language, group.action),
            "purpose": audit.purpose_text(language, group.purpose),
            "count": group.count,
            "addresses": ", ".join(group.addresses),
        }
        for group in groups
    ]
    response = page(request, "privacy.html", searched=searched, rows=rows)
    response.headers["Cache-Control"] = "no-store"
    return response


@get("/privacy")
@in_thread
def privacy(request: Request[Any, Any, Any], popo: NamedDependency[AppState]) -> Response[str]:
    """For a privacy officer: the search for one pupil's audit log. The number is posted, never
    put in an address (it would stay in browser histories and server logs)."""
    with popo.db.session() as session:
        _officer_of(request, session)
    return privacy_page(request, False, [])


@post("/privacy")
@in_thread
def privacy_search(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
) -> Response[str]:
    """Every recorded access to one pupil's data at the officer's organisation, grouped per
    person, form, action, purpose and day (what a parent is shown on request, AVG article 15)."""
    number = "".join(c for c in posted.get("number") if c.isdigit())
    with popo.db.session() as session:
        officer_of = _officer_of(request, session)
        events = (
            audit.for_pupil(session, popo.audit_key, number, readable=officer_of) if number else []
        )
        groups = audit.grouped(events)
    return privacy_page(request, bool(number), groups)


ROUTES = [
    login_form,
    do_login,
    do_logout,
    forgot_form,
    forgot,
    reset_form,
    reset,
    privacy,
    privacy_search,
]
