"""The Litestar application: it only assembles the domains (forms, …) and their services."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, MediaType, Request, Response, get, post
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect
from litestar.static_files import create_static_files_router

from renderers import i18n
from renderers.html import for_parents, form_token, unread_notifications

from . import demo, jobs, logs, notifications
from .access import controllers as access_routes
from .access.scope import home_school
from .forms import archive
from .forms import controllers as forms
from .forms.service import FormsService, NotFound
from .notifications import routes as notification_routes
from .organisations.models import Organisation
from .oso import controllers as oso_routes
from .settings import REPOSITORY, Settings
from .state import AppState
from .web import errors, guards, identity
from .web.blocking import in_thread
from .web.headers import security_headers
from .web.language import remember_language, request_language, templates
from .web.posted import provide_posted

log = logging.getLogger("popo.app")
STATIC = REPOSITORY / "runtime" / "static"


def region_name(language: str, region: str | None) -> str:
    """A region's heading on the home page, in the person's language."""
    if region is None:
        return i18n.gettext(language, "Base forms")
    names = {
        "noord": i18n.gettext(language, "Region North"),
        "zuid": i18n.gettext(language, "Region South"),
    }
    return names.get(region, region)


@get("/")
@in_thread
def home(request: Request[Any, Any, Any], popo: NamedDependency[AppState]) -> Response[str]:
    language = request_language(request)
    with popo.db.session() as session:
        who = guards.logged_in(request, session)
    regions: dict[str, list[dict[str, Any]]] = {}
    for entry in popo.registry.offered():
        if entry.form.definition.kind == "custom":
            continue  # language examples, not instruments
        label = region_name(language, entry.form.definition.region)
        title = entry.form.definition.title
        regions.setdefault(label, []).append(
            {
                "id": entry.id,
                "version": entry.version,
                "title": title if isinstance(title, str) else title.get(language, ""),
            }
        )
    with popo.db.session() as session:
        parent_links = demo.parent_links(session, language)
        school = session.get(Organisation, home_school(who)) if home_school(who) else None
    content = (
        templates(language)
        .get_template("home.html")
        .render(
            regions=sorted(regions.items()),
            oso_forms={e.id for e in popo.registry.offered() if e.exchanges_oso},
            problems=popo.registry.problems,
            parent_links=parent_links,
            user=who,
            school=school,
            can_start=school is not None,  # only school staff start forms (see start_form)
            roles={role.role for role in who.roles},
            language_url=lambda code: f"/?lang={code}",
        )
    )
    return Response(content, media_type=MediaType.HTML)


@post("/forms/{form_id:str}/start")
@in_thread
def start_form(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], form_id: FromPath[str]
) -> Redirect | Response[str]:
    with popo.db.session() as session:
        _, school = guards.school_staff(request, session)
        service = FormsService(session, popo.registry, popo.settings, popo.files)
        try:
            draft = service.start(form_id, request_language(request), school)
        except NotFound as exc:
            raise NotFoundException() from exc
        target = f"/drafts/{draft.id}"
    return Redirect(target, status_code=303)


async def remember_form_token(request: Request[Any, Any, Any]) -> None:
    """Forms rendered for this request carry its anti-forgery token, and its header the
    person's unread notifications (see renderers.html)."""
    form_token.set(identity.csrf_token(request))
    parents = request.url.path.startswith(forms.PARENT_PATHS)
    for_parents.set(parents)
    token = request.cookies.get(identity.SESSION_COOKIE)
    page = request.method == "GET" and "hx-request" not in request.headers
    if token and page and not parents and not request.url.path.startswith("/static/"):
        # the header's count, read before the handler opens its transaction (one query)
        popo: AppState = request.app.state.popo
        count = await asyncio.to_thread(notifications.unread_for_token, popo.db, token)
        unread_notifications.set(count)
    else:
        unread_notifications.set(0)


def create_app(settings: Settings | None = None, popo: AppState | None = None) -> Litestar:
    settings = settings or Settings()
    logs.configure(settings.log_level, settings.log_format)
    app_state = popo or AppState.create(settings)
    htmx_dir = settings.assets_dir / "htmx.org" / "dist"
    if not (htmx_dir / "htmx.min.js").exists():
        raise RuntimeError(
            f"htmx is not installed in {settings.assets_dir}: run `npm ci` (scripts/setup does)"
        )

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        app_state.start_workers()
        worker = jobs.in_process_worker(app_state) if app_state.settings.inprocess_worker else None
        if worker is not None:
            await worker.start()
        log.info("started", extra={"forms": len(app_state.registry.forms)})
        # the archives that a full disk or a crash left missing are rendered by jobs
        sweep = asyncio.create_task(asyncio.to_thread(archive.sweep_once, app_state))
        try:
            yield
        finally:
            sweep.cancel()
            if worker is not None:
                await worker.stop()
            app_state.stop_workers()

    application = Litestar(
        route_handlers=[
            home,
            errors.problem,
            start_form,
            *access_routes.ROUTES,
            *forms.ROUTES,
            *oso_routes.ROUTES,
            *notification_routes.ROUTES,
            create_static_files_router(path="/static/vendor", directories=[htmx_dir]),
            create_static_files_router(path="/static", directories=[STATIC]),
        ],
        dependencies={
            "popo": Provide(lambda: app_state, sync_to_thread=False),
            "posted": provide_posted,  # read on the loop; the handlers then run in threads
        },
        state=State({"popo": app_state}),  # for identity.address (trusted proxies)
        exception_handlers=errors.EXCEPTION_HANDLERS,  # every error a page (runtime/web)
        logging_config=None,  # logs.configure set up logging; Litestar must not replace it
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_secure=settings.secure_cookies,
            cookie_httponly=True,
            cookie_samesite="lax",
        ),
        before_request=remember_form_token,
        before_send=[
            security_headers(settings.secure_cookies),
            remember_language(settings.secure_cookies),
        ],
        lifespan=[lifespan],
        openapi_config=None,  # no API documentation endpoints: POPO serves pages
        request_max_body_size=settings.max_upload_mb * 1024 * 1024 + 1024 * 1024,
        debug=False,
    )
    # outside everything Litestar does (routing included), so that every request is logged
    application.asgi_handler = logs.RequestLog(application.asgi_handler)
    return application
