"""Periodic reports: on the first of every month the job ``monitoring_reports`` makes, for
every school, bestuur and SWV with staff who read its monitoring, a report of the month
before: every overview offered to it, as a PDF/A (charts and tables) and an XLSX file (a sheet
per overview), kept in the archive's store and listed on ``/monitoring/reports``; its staff
are told by e-mail with the link. ``popo monitoring report`` makes them now.

A report is made once per organisation, period and language (a job that runs twice makes
nothing new); its figures are those of the organisation's population on the day it is made,
suppressed like the dashboard's."""

from __future__ import annotations

import logging
import tempfile
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from renderers import i18n
from renderers.pdf import ReportInfo, ReportSection, render_report_pdf, report_html

from .. import notifications
from ..access.accounts import Principal, Role, staff_at
from ..access.models import RoleAssignment
from ..clock import clock_of
from ..forms.archive import in_worker
from ..jobs.spec import task
from ..organisations.models import Organisation
from ..state import AppState
from . import exports, present, queries
from .models import MonitoringReport
from .results import Perspective, Result, View
from .settings import MonitoringSettings

log = logging.getLogger("popo.monitoring")
EVENT = "monitoring_report"
READERS: dict[str, tuple[str, ...]] = {
    # who is told of a report, by the organisation's kind (and whose role it reads with)
    "school": ("directeur",),
    "bestuur": ("bestuur",),
    "swv": ("swv",),
}
REPORT_ROWS = 200  # the rows of an overview a report's table holds (the XLSX: all of them)


def N_(message: str) -> str:
    return message


TITLE = N_("Monthly monitoring report")


def last_month(today: date) -> tuple[date, date]:
    """The calendar month before ``today``'s: its first and last day."""
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def perspective_for(organisation: Organisation) -> Perspective | None:
    """The perspective a report of ``organisation`` is made from: a reader's role there."""
    roles = READERS.get(organisation.kind)
    if not roles:
        return None
    audience = queries.AUDIENCE_OF_ROLE[roles[0]]
    principal = Principal(
        uuid.UUID(int=0),
        "",
        "POPO",
        (Role(roles[0], organisation.id, organisation.kind),),
        uuid.UUID(int=0),
    )
    return Perspective(audience, organisation.id, organisation.name, principal)


def organisations_with_readers(session: Session) -> list[Organisation]:
    """The organisations whose staff read their monitoring: those a report is made for."""
    found = []
    for kind, roles in READERS.items():
        found.extend(
            session.scalars(
                select(Organisation)
                .where(
                    Organisation.kind == kind,
                    Organisation.id.in_(
                        select(RoleAssignment.organisation_id).where(RoleAssignment.role.in_(roles))
                    ),
                )
                .order_by(Organisation.name)
            )
        )
    return found


@dataclass(frozen=True)
class Made:
    report: MonitoringReport
    new: bool


def results_for(
    popo: AppState,
    session: Session,
    perspective: Perspective,
    period: tuple[date, date],
    language: str,
    per_page: int,
) -> list[Result]:
    today = clock_of(session).today()
    setting = MonitoringSettings.of(popo.settings).suppress_below
    found = []
    for overview in popo.registry.overviews_for(perspective.audience):
        view = View(period_from=period[0], period_to=period[1], per_page=per_page)
        found.append(
            queries.run(
                session,
                popo.registry,
                overview,
                perspective,
                view,
                on=today,
                language=language,
                suppress_below=setting,
            )
        )
    return found


def _section(result: Result, index: int) -> ReportSection:
    overview, language, k = result.overview, result.language, result.suppress_below
    return ReportSection(
        title=present.label(overview.title, language),
        description=present.label(overview.description, language),
        chart=present.chart(result, result.rows, f"report-{index}"),
        header=exports.header(result),
        rows=[
            [
                *row.labels,
                *(
                    present.figure(m, c, language, k)
                    for m, c in zip(overview.measures, row.cells, strict=True)
                ),
            ]
            for row in result.rows
        ],
        totals=[
            present.figure(m, c, language, k)
            for m, c in zip(overview.measures, result.totals, strict=True)
        ],
    )


def period_text(period: tuple[date, date], language: str) -> str:
    return i18n.gettext(language, "%(from)s to %(until)s") % {
        "from": i18n.format_date(period[0], language),
        "until": i18n.format_date(period[1], language),
    }


def make(
    popo: AppState,
    organisation_id: uuid.UUID,
    period: tuple[date, date],
    language: str = "nl",
) -> Made | None:
    """The report of ``organisation_id`` for ``period``: made now (and its staff told), or
    the one made before. None for an organisation without monitoring."""
    with popo.db.session() as session:
        organisation = session.get(Organisation, organisation_id)
        perspective = perspective_for(organisation) if organisation else None
        if organisation is None or perspective is None:
            return None
        known = session.scalar(
            select(MonitoringReport).where(
                MonitoringReport.organisation_id == organisation_id,
                MonitoringReport.period_from == period[0],
                MonitoringReport.period_to == period[1],
                MonitoringReport.language == language,
            )
        )
        if known is not None:
            session.expunge(known)
            return Made(known, False)
        results = results_for(popo, session, perspective, period, language, queries.MAX_GROUPS)
        report_id = uuid.uuid4()
        shown = [
            Result(
                r.overview, r.perspective, r.view, r.language,
                r.rows[:REPORT_ROWS], r.total_rows, r.totals, r.suppress_below,
            )
            for r in results
        ]  # fmt: skip
        threshold = next((r.suppress_below for r in results if r.suppress_below), None)
        note = (
            i18n.gettext(language, "Figures of fewer than %(n)d are hidden to protect privacy.")
            % {"n": threshold}
            if threshold
            else ""
        )
        info = ReportInfo(
            identifier=report_id.hex,
            title=i18n.gettext(language, TITLE),
            organisation=organisation.name,
            period=period_text(period, language),
            note=note,
            sections=[_section(r, i) for i, r in enumerate(shown)],
            made_at=clock_of(session).now(),
            language=language,
        )
        name = organisation.name
        session.rollback()
    pdf = in_worker(popo, render_report_pdf, report_html(info), info)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.xlsx"
        exports.write_workbook(results, path)
        xlsx = path.read_bytes()
    pdf_digest, xlsx_digest = popo.archive.put(pdf), popo.archive.put(xlsx)
    with popo.db.session() as session:
        report = MonitoringReport(
            id=report_id,
            organisation_id=organisation_id,
            audience=perspective.audience,
            period_from=period[0],
            period_to=period[1],
            language=language,
            pdf_sha256=pdf_digest,
            xlsx_sha256=xlsx_digest,
            overviews=len(results),
        )
        session.add(report)
        session.flush()
        readers = staff_at(session, organisation_id, READERS[perspective.audience])
        notifications.notify(
            session,
            EVENT,
            readers,
            f"{popo.settings.base_url.rstrip('/')}/monitoring/reports/{report_id}",
            ref=f"monitoring_report:{report_id}",
            organisation=name[:200],
            period_from=period[0],
            period_to=period[1],
        )
        session.commit()
        session.expunge(report)
    log.info(
        "monitoring report made",
        extra={"organisation": str(organisation_id), "overviews": len(results)},
    )
    return Made(report, True)


def make_all(popo: AppState, period: tuple[date, date] | None = None) -> list[Made]:
    """Every organisation's report of ``period`` (by default last month)."""
    with popo.db.session() as session:
        period = period or last_month(clock_of(session).today())
        ids = [o.id for o in organisations_with_readers(session)]
    made = [make(popo, organisation_id, period) for organisation_id in ids]
    return [m for m in made if m is not None]


@task("monitoring_reports", queue="pdf", cron="0 5 1 * *")  # the first of every month
def monitoring_reports(state: AppState) -> None:
    made = make_all(state)
    log.info("monthly monitoring reports", extra={"new": sum(m.new for m in made)})


TASKS = (monitoring_reports,)
