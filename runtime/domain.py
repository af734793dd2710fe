"""A domain: one folder under ``runtime/`` that plugs into POPO (docs/architecture.md, "How to
add a domain").

A domain brings, in one ``Domain`` value in its ``plugin.py``:

- ``routes``: its Litestar route handlers (thin: the web kit, runtime/web, does the rest);
- ``models``: the module of its tables (``runtime/<domain>/models.py``); the one Alembic
  history (runtime/db/migrations) holds their migrations;
- ``templates``: its folder of page templates (and ``mail/`` of notification texts);
- ``commands``: a function that adds its ``popo`` sub-commands to the parser;
- ``tasks``: its background tasks (runtime/jobs.spec.Task), periodic ones included;
- ``events``: the notification events it sends (runtime/notifications.Event);
- ``audited``: the kinds of object its audit events name (runtime/audit.Subject), so that the
  log can be shown to whom may read them;
- ``settings``: the settings it reads (a runtime.settings.Section, part of ``POPO_*``);
- ``exception_handlers``, ``page_hooks`` and ``startup`` for what it adds to every request or to
  the start of the application.

``runtime/domains.py`` lists the domains; the application (runtime/app.py), the command line
(runtime/cli.py), the job workers and the migrations take everything from that list, so adding
a domain touches no other domain and none of the shared mechanisms.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from litestar.config.app import AppConfig
from litestar.plugins import InitPluginProtocol
from litestar.types import ControllerRouterHandler

from .jobs.spec import Task

if TYPE_CHECKING:
    from litestar import Request

    from .audit import Subject
    from .notifications import Event
    from .settings import Section
    from .state import AppState

Commands = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]
PageHook = Callable[["Request[Any, Any, Any]"], Awaitable[None]]


@dataclass(frozen=True, eq=False)
class Domain(InitPluginProtocol):
    """What one domain adds to POPO; a Litestar plugin for the part that is web."""

    name: str
    routes: Sequence[ControllerRouterHandler] = ()
    models: ModuleType | None = None
    templates: Path | None = None
    commands: Commands | None = None
    tasks: Sequence[Task] = ()
    events: Sequence[Event] = ()
    audited: Sequence[Subject] = ()
    settings: type[Section] | None = None
    exception_handlers: Mapping[type[Exception], Callable[..., Any]] | None = None
    page_hooks: Sequence[PageHook] = ()
    startup: Callable[[AppState], None] | None = None  # run in a thread when the app starts

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.route_handlers.extend(self.routes)
        for exception, handler in (self.exception_handlers or {}).items():
            app_config.exception_handlers.setdefault(exception, handler)
        return app_config

    @property
    def mail_templates(self) -> Path | None:
        """The folder of its notification texts, ``<event>.<language>.txt``."""
        return self.templates / "mail" if self.templates is not None else None
