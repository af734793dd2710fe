"""Accounts on the web: the session cookie, the logged-in principal, CSRF tokens, audit actors."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.utils.scope.state import ScopeState
from sqlalchemy.orm import Session

from .accounts import Principal, principal
from .audit import Actor

SESSION_COOKIE = "popo_session"


class LoginRequired(Exception):
    """The page is for staff: log in first."""


class ReadOnly(Exception):
    """The person may read this pupil data but not change it (see access.scope)."""


def current(request: Request[Any, Any, Any], session: Session) -> Principal | None:
    return principal(session, request.cookies.get(SESSION_COOKIE))


def require(request: Request[Any, Any, Any], session: Session) -> Principal:
    found = current(request, session)
    if found is None:
        raise LoginRequired()
    return found


def csrf_token(request: Request[Any, Any, Any]) -> str:
    token = ScopeState.from_scope(request.scope).csrf_token
    return token if isinstance(token, str) else ""


def address(request: Request[Any, Any, Any]) -> str | None:
    return request.client.host if request.client else None


def actor(request: Request[Any, Any, Any], who: Principal | None) -> Actor:
    if who is None:
        return Actor(None, "parent link", "parent", None, address(request))
    role = who.roles[0] if who.roles else None
    return Actor(
        who.user_id,
        who.email,
        role.role if role else None,
        role.organisation_id if role else None,
        address(request),
    )
