"""The monitoring domain: the dashboards and overviews of a school, a bestuur and an SWV, each
of its own population, with their drill-down and exports, a large export made by a job with
its progress on a page (docs/monitoring.md). The overviews
are definitions (engine/overviews, definitions/base/overviews); the home page links the
dashboard for everyone who works for a school, a bestuur or an SWV."""

from __future__ import annotations

from pathlib import Path

from ..access.accounts import Principal
from ..audit import Subject
from ..domain import Domain
from ..home.links import Link, home_links
from ..notifications import Event
from ..pupils.models import Pupil
from . import cli, export_jobs, models, reports, routes
from .queries import AUDIENCE_OF_ROLE, PURPOSE_RECORDS
from .settings import MonitoringSettings


def N_(message: str) -> str:
    return message


@home_links
def _links(who: Principal) -> list[Link]:
    if not any(r.role in AUDIENCE_OF_ROLE and r.organisation_id for r in who.roles):
        return []
    return [Link("/monitoring", N_("Dashboards and overviews"), N_("Monitoring"))]


DOMAIN = Domain(
    name="monitoring",
    routes=routes.ROUTES,
    models=models,
    commands=cli.add_commands,
    tasks=(*reports.TASKS, *export_jobs.TASKS),
    templates=Path(__file__).parent / "templates",
    settings=MonitoringSettings,
    events=(
        # the staff of a school, bestuur or SWV: its monthly report is ready (no pupil data)
        Event(
            reports.EVENT,
            frozenset({"organisation", "period_from", "period_to"}),
            dates=frozenset({"period_from", "period_to"}),
        ),
    ),
    audited=(
        # a pupil listed behind a figure (the drill-down): its id is the pupil's
        Subject(
            "monitoring_figure",
            Pupil.id,
            Pupil.current_school_id,
            purposes=(PURPOSE_RECORDS,),
        ),
    ),
)
