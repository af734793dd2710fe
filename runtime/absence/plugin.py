"""The absence domain: a school's cases of relative and long-term absence and of children
enrolled at no school, the samenwerkingsverband's list of thuiszitters, and the daily sweep
that tells the SWV of a new thuiszitter (docs/absence.md). Its pages are linked from the home
page (runtime/home/links.py)."""

from __future__ import annotations

from pathlib import Path

from ..access.accounts import Principal
from ..access.scope import home_school
from ..audit import Subject
from ..domain import Domain
from ..home.links import Link, home_links
from ..notifications import Event
from . import models, routes, tasks


def N_(message: str) -> str:
    return message


@home_links
def _links(who: Principal) -> list[Link]:
    heading = N_("Absence")
    found = []
    if home_school(who) is not None:
        found.append(Link("/absence", N_("Absence (verzuim) of your school's pupils"), heading))
    if any(r.role in routes.SWV_ROLES and r.organisation_id for r in who.roles):
        found.append(
            Link("/thuiszitters", N_("Thuiszitters in your samenwerkingsverband"), heading)
        )
    return found


DOMAIN = Domain(
    name="absence",
    routes=routes.ROUTES,
    models=models,
    templates=Path(__file__).parent / "templates",
    tasks=tasks.TASKS,
    audited=(
        Subject(
            "absence_case",
            models.AbsenceCase.id,
            models.AbsenceCase.school_id,
            purposes=routes.PURPOSES,
        ),
    ),
    events=(
        # the SWV's staff: a child in its area became a thuiszitter (no name, no number)
        Event(
            "absence_thuiszitter",
            frozenset({"category", "school", "since", "weeks"}),
            dates=frozenset({"since"}),
            texts=frozenset({"category"}),
        ),
    ),
)
