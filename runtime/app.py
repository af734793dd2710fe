"""The Litestar application: it only assembles. Every route, model, template, task and page
hook comes from a domain (runtime/domains.py); what all of them share comes from the web kit
and the application state."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Request
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.static_files import create_static_files_router

from renderers.html import form_token

from . import jobs, logs
from .domain import Domain
from .domains import DOMAINS, AppSettings
from .forms.settings import FormsSettings
from .settings import REPOSITORY, Settings
from .state import AppState
from .web import api, errors, identity
from .web.headers import security_headers
from .web.language import remember_language
from .web.posted import provide_posted

log = logging.getLogger("popo.app")
STATIC = REPOSITORY / "runtime" / "static"


def create_app(
    settings: Settings | None = None,
    popo: AppState | None = None,
    domains: Sequence[Domain] = DOMAINS,
) -> Litestar:
    settings = settings or AppSettings()
    logs.configure(settings.log_level, settings.log_format)
    app_state = popo or AppState.create(settings)
    htmx_dir = settings.assets_dir / "htmx.org" / "dist"
    if not (htmx_dir / "htmx.min.js").exists():
        raise RuntimeError(
            f"htmx is not installed in {settings.assets_dir}: run `npm ci` (scripts/setup does)"
        )
    hooks = [hook for domain in domains for hook in domain.page_hooks]

    async def before_request(request: Request[Any, Any, Any]) -> None:
        """Forms rendered for this request carry its anti-forgery token; each domain adds
        what its pages need (the parents' pages, the header's notification count)."""
        form_token.set(identity.csrf_token(request))
        for hook in hooks:
            await hook(request)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        app_state.start_workers()
        worker = jobs.in_process_worker(app_state) if app_state.settings.inprocess_worker else None
        if worker is not None:
            await worker.start()
        log.info("started", extra={"forms": len(app_state.registry.forms)})
        started = [
            asyncio.create_task(asyncio.to_thread(domain.startup, app_state))
            for domain in domains
            if domain.startup is not None
        ]
        try:
            yield
        finally:
            for task in started:
                task.cancel()
            if worker is not None:
                await worker.stop()
            app_state.stop_workers()

    application = Litestar(
        route_handlers=[
            errors.problem,
            create_static_files_router(path="/static/vendor", directories=[htmx_dir]),
            create_static_files_router(path="/static", directories=[STATIC]),
        ],
        plugins=list(domains),  # each brings its routes and exception handlers
        dependencies={
            "popo": Provide(lambda: app_state, sync_to_thread=False),
            "posted": provide_posted,  # read on the loop; the handlers then run in threads
        },
        state=State({"popo": app_state}),  # for identity.address (trusted proxies)
        # every error a page (runtime/web); the domains add theirs (Domain.exception_handlers)
        exception_handlers=dict(errors.EXCEPTION_HANDLERS),
        logging_config=None,  # logs.configure set up logging; Litestar must not replace it
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_secure=settings.secure_cookies,
            cookie_httponly=True,
            cookie_samesite="lax",
        ),
        before_request=before_request,
        before_send=[
            security_headers(settings.secure_cookies),
            remember_language(settings.secure_cookies),
        ],
        lifespan=[lifespan],
        # the API's document at /schema/openapi.json: its routes only (web/api.py's router
        # includes them), never the pages
        openapi_config=api.openapi_config(),
        include_in_schema=False,
        request_max_body_size=FormsSettings.of(settings).max_upload_mb * 1024 * 1024 + 1024 * 1024,
        debug=False,
    )
    # outside everything Litestar does (routing included), so that every request is logged
    application.asgi_handler = logs.RequestLog(application.asgi_handler)
    return application
