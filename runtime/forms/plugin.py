"""The forms domain: starting forms, drafts filled in by staff and by parents through public
links, submissions and their PDF archive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request

from renderers.html import for_parents

from ..audit import Subject
from ..domain import Domain
from ..notifications import Event
from ..state import AppState
from . import archive, cli, controllers, link_routes, list_routes, models, tasks
from .settings import FormsSettings


async def mark_parents_pages(request: Request[Any, Any, Any]) -> None:
    """A parent's pages (public links) show no staff navigation."""
    for_parents.set(request.url.path.startswith(controllers.PARENT_PATHS))


def sweep_archives(popo: AppState) -> None:
    """At start-up: the archives that a full disk or a crash left missing go to the jobs."""
    archive.sweep_once(popo)


DOMAIN = Domain(
    name="forms",
    routes=[*controllers.ROUTES, *link_routes.ROUTES, *list_routes.ROUTES],
    models=models,
    templates=Path(__file__).parent / "templates",
    commands=cli.add_commands,
    tasks=tasks.TASKS,
    events=(Event("submission_archived", frozenset({"organisation", "form"})),),
    audited=(Subject("draft", models.Draft.id, models.Draft.organisation_id),),
    settings=FormsSettings,
    page_hooks=(mark_parents_pages,),
    startup=sweep_archives,
)
