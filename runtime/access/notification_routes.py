"""The logged-in person's notifications: the page /notifications (newest first, in their
language), marking one read by opening it, or all at once. Only their own, ever."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from .. import notifications
from ..state import AppState
from ..web import guards
from ..web.blocking import in_thread
from ..web.language import request_language, templates
from ..web.pages import language_url


@get("/notifications")
@in_thread
def notifications_page(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState]
) -> Response[str]:
    language = request_language(request)
    with popo.db.session() as session:
        who = guards.logged_in(request, session)
        items = [
            notifications.shown(n, language) for n in notifications.of_user(session, who.user_id)
        ]
    content = (
        templates(language)
        .get_template("notifications.html")
        .render(items=items, language_url=language_url(request))
    )
    return Response(content, media_type=MediaType.HTML, headers={"cache-control": "no-store"})


@post("/notifications/{notification_id:uuid}/open")
@in_thread
def open_notification(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    notification_id: FromPath[uuid.UUID],
) -> Redirect:
    with popo.db.session() as session:
        who = guards.logged_in(request, session)
        found = notifications.mark_read(session, who.user_id, notification_id)
        target = found.link if found is not None else "/notifications"
    return Redirect(target, status_code=303)


@post("/notifications/read")
@in_thread
def read_all(request: Request[Any, Any, Any], popo: NamedDependency[AppState]) -> Redirect:
    with popo.db.session() as session:
        who = guards.logged_in(request, session)
        notifications.mark_read(session, who.user_id)
    return Redirect("/notifications", status_code=303)


ROUTES = [notifications_page, open_notification, read_all]
