"""The placement domain: a region's central placement round (docs/placement.md). The round
runs as a job; the samenwerkingsverband sees the round, each school its result, and parents
their child's placement on their link's page (a section it adds to the transfers' page)."""

from __future__ import annotations

from pathlib import Path

from ..audit import Subject
from ..domain import Domain
from ..transfers import sections
from ..web.language import templates
from . import cli, models, routes, tasks
from .service import PlacementService


@sections.parents_section
def parents_section(context: sections.PageContext) -> str | None:
    """The child's placement on the parents' page, once a round placed the child."""
    view = PlacementService(context.session, context.popo.registry).parents_view(
        context.transfer, context.language
    )
    if view is None:
        return None
    return templates(context.language).get_template("placement_parents.html").render(**view)


DOMAIN = Domain(
    name="placement",
    routes=routes.ROUTES,
    models=models,
    templates=Path(__file__).parent / "templates",
    commands=cli.add_commands,
    tasks=tasks.TASKS,
    audited=(
        Subject(
            "placement",
            models.Placement.id,
            (models.Placement.school_id, models.Placement.first_choice_id),
            purposes=routes.PURPOSES,
        ),
    ),
)
