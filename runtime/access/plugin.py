"""The access domain: accounts, login sessions, roles and scopes; the organisations' API tokens
(and their page); the login, password, privacy and audit pages; and the person's notifications
(the page and the header's count of unread ones: sending them is the shared mechanism of
runtime/notifications)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from litestar import Request

from renderers.html import unread_notifications

from .. import audit, notifications
from ..db.session import Database
from ..domain import Domain
from ..notifications import Event
from ..state import AppState
from ..web import identity
from . import cli, controllers, models, notification_routes, token_routes, tokens
from .accounts import principal
from .settings import AccessSettings


def unread_for_token(database: Database, token: str) -> int:
    """The unread notifications of the person logged in with ``token``."""
    with database.session() as session:
        who = principal(session, token)
        return notifications.unread(session, who.user_id) if who is not None else 0


async def count_unread(request: Request[Any, Any, Any]) -> None:
    """The header's count on every page of a logged-in person, read before the handler opens
    its transaction (one query, in a thread)."""
    token = request.cookies.get(identity.SESSION_COOKIE)
    page = request.method == "GET" and "hx-request" not in request.headers
    if token and page and not request.url.path.startswith("/static/"):
        popo: AppState = request.app.state.popo
        unread_notifications.set(await asyncio.to_thread(unread_for_token, popo.db, token))
    else:
        unread_notifications.set(0)


DOMAIN = Domain(
    name="access",
    routes=[*controllers.ROUTES, *notification_routes.ROUTES, *token_routes.ROUTES],
    models=models,
    templates=Path(__file__).parent / "templates",
    commands=cli.add_commands,
    # the link is the secret: it is mailed, never stored where another could read it
    events=(Event("password_reset", frozenset(), in_app=False),),
    # every API call is recorded with the token that made it (web/api.py)
    audited=(
        audit.Subject(
            "api_token", models.ApiToken.id, models.ApiToken.organisation_id, (tokens.CALL,)
        ),
    ),
    settings=AccessSettings,
    page_hooks=(count_unread,),
)
