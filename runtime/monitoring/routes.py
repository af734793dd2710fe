"""The pages of monitoring.

- ``/monitoring``: the dashboard of the organisation a person looks for (their perspective: a
  school, a bestuur or an SWV they work for; ``?as=`` switches between them): a tile per
  overview offered to that audience, with its totals and its chart.
- ``/monitoring/{overview}``: one overview: the period and filters, the table (or the flow
  matrix) with its chart, sorted by any column and paged; every figure links to the rows
  behind it. A filter change through htmx answers with the results only; without JavaScript
  the form's button and the links do the same.
- ``/monitoring/{overview}/records``: the rows behind one figure (the drill-down), only those
  the person may read; every pupil listed is recorded in the audit log (queries.records).
- ``/monitoring/{overview}/export.csv`` and ``export.xlsx``: the view as a file, every row of
  it (exports.py); the XLSX written in constant memory to a temporary file and streamed. A
  view of more rows than ``POPO_MONITORING_EXPORT_INLINE_ROWS`` is made by a job instead: the
  overview's buttons (and, for an old link, this address's page) post to
  ``/monitoring/{overview}/exports``, which asks for it (export_jobs.py) and sends the person
  to ``/monitoring/exports/{id}``: its progress (a progress bar htmx refreshes every 2 s, a
  "Vernieuwen" link without JavaScript), then its ``/download``; both only for the person who
  asked, while the figures are still theirs to see.

An overview not offered to the perspective's audience is 404, as is a perspective the person
does not have. Figures for a bestuur or an SWV suppress small cells (results.Result)."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Stream
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.overviews.compiled import CompiledOverview
from engine.overviews.sources import SOURCES
from renderers import i18n

from ..clock import clock_of
from ..organisations.models import Organisation
from ..state import AppState
from ..web import guards
from ..web.blocking import in_thread
from ..web.downloads import attachment_headers
from ..web.identity import actor
from ..web.language import request_language, templates
from ..web.pages import html, language_url
from ..web.posted import Posted
from . import export_jobs, exports, present, queries, views
from .models import EXPORT, ExportStatus, MonitoringExport, MonitoringReport
from .results import Perspective, Result, View
from .settings import MonitoringSettings

DASHBOARD_ROWS = 5  # the rows a tile's chart shows


def _params(request: Request[Any, Any, Any]) -> dict[str, list[str]]:
    return {name: list(request.query_params.getall(name)) for name in request.query_params}


def _render(request: Request[Any, Any, Any], template: str, **values: Any) -> Response[str]:
    """``template`` in the person's language, never cached (a drill-down holds pupil data)."""
    content = (
        templates(request_language(request))
        .get_template(template)
        .render(language_url=language_url(request), **values)
    )
    return html(content)


def _perspective(
    request: Request[Any, Any, Any], session: Session, wanted: str | None
) -> tuple[Perspective, list[Perspective]]:
    """The perspective asked for (``?as=``), else the person's first; 404 for a person who
    looks for no school, bestuur or SWV, and for one asked that is not theirs."""
    who = guards.logged_in(request, session)
    found = queries.perspectives(session, who)
    if not found:
        raise NotFoundException()
    if wanted is None:
        return found[0], found
    for perspective in found:
        if str(perspective.organisation_id) == wanted:
            return perspective, found
    raise NotFoundException()


def _overview(popo: AppState, overview_id: str, perspective: Perspective) -> CompiledOverview:
    overview = popo.registry.overview(overview_id)
    if overview is None or perspective.audience not in overview.audiences:
        raise NotFoundException()
    return overview


def _threshold(popo: AppState) -> int:
    return MonitoringSettings.of(popo.settings).suppress_below


def _inline_rows(popo: AppState) -> int:
    """The most rows an export is made of in the request; a larger one is a job's."""
    return MonitoringSettings.of(popo.settings).export_inline_rows


def _run(
    popo: AppState,
    session: Session,
    overview: CompiledOverview,
    perspective: Perspective,
    view: View,
    language: str,
) -> Result:
    return queries.run(
        session,
        popo.registry,
        overview,
        perspective,
        view,
        on=clock_of(session).today(),
        language=language,
        suppress_below=_threshold(popo),
    )


@get("/monitoring")
@in_thread
def dashboard(request: Request[Any, Any, Any], popo: NamedDependency[AppState]) -> Response[str]:
    language = request_language(request)
    params = _params(request)
    with popo.db.session() as session:
        perspective, perspectives = _perspective(request, session, views.read_perspective(params))
        today = clock_of(session).today()
        tiles = []
        for overview in popo.registry.overviews_for(perspective.audience):
            asked = views.read(overview, {}, today, per_page=DASHBOARD_ROWS)
            result = _run(popo, session, overview, perspective, asked.view, language)
            tiles.append(
                {
                    "overview": overview,
                    "result": result,
                    "chart": present.chart(result, result.rows, f"chart-{overview.id}"),
                    "address": f"/monitoring/{overview.id}?"
                    + urlencode({"as": str(perspective.organisation_id)}),
                }
            )
        session.commit()
    return _render(
        request,
        "monitoring_dashboard.html",
        perspective=perspective,
        perspectives=perspectives,
        tiles=tiles,
        present=present,
        today=today,
    )


def _filter_options(
    popo: AppState,
    session: Session,
    overview: CompiledOverview,
    perspective: Perspective,
    language: str,
) -> list[dict[str, Any]]:
    """The filters the overview's form offers: each dimension with its values by label."""
    source = SOURCES[overview.source]
    options = []
    for name in views.filterable(overview):
        dimension = source.dimensions[name]
        if dimension.kind in ("month", "year", "school_year"):
            continue  # the period says it
        values = queries.options(
            session,
            popo.registry,
            overview,
            name,
            perspective,
            clock_of(session).today(),
            language,
        )
        if values:
            options.append(
                {"name": name, "label": present.label(dimension.label, language), "values": values}
            )
    return options


@get("/monitoring/{overview_id:str}")
@in_thread
def overview_page(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], overview_id: str
) -> Response[str]:
    language = request_language(request)
    params = _params(request)
    with popo.db.session() as session:
        perspective, perspectives = _perspective(request, session, views.read_perspective(params))
        overview = _overview(popo, overview_id, perspective)
        today = clock_of(session).today()
        asked = views.read(overview, params, today)
        result = _run(popo, session, overview, perspective, asked.view, language)
        options = _filter_options(popo, session, overview, perspective, language)
        session.commit()
    values = _overview_values(perspective, overview, asked, result, options, language)
    values["export_inline"] = result.total_rows <= _inline_rows(popo)
    template = (
        "monitoring_results.html"
        if request.headers.get("hx-request")
        else "monitoring_overview.html"
    )
    return _render(request, template, perspectives=perspectives, **values)


def _overview_values(
    perspective: Perspective,
    overview: CompiledOverview,
    asked: views.Asked,
    result: Result,
    options: list[dict[str, Any]],
    language: str,
) -> dict[str, Any]:
    view = asked.view
    who = str(perspective.organisation_id)
    base = f"/monitoring/{overview.id}"

    def address(**changes: str | None) -> str:
        return f"{base}?{views.query(view, who, **changes)}"

    def sort_address(column: str) -> str:
        current = view.sort_by or overview.sort_by
        order = view.order or overview.order
        flipped = "asc" if current == column and order == "desc" else "desc"
        if column in overview.rows and current != column:
            flipped = "asc"
        return address(sort=column, order=flipped)

    def records_address(keys: Sequence[str | None], measure: str | None = None) -> str:
        extra = [*views.keys_param(keys), *([("measure", measure)] if measure else [])]
        return f"{base}/records?{views.query(view, who)}&{urlencode(extra)}"

    sort_by = view.sort_by or overview.sort_by or overview.rows[0]
    return {
        "perspective": perspective,
        "overview": overview,
        "source": SOURCES[overview.source],
        "asked": asked,
        "view": view,
        "result": result,
        "matrix": present.matrix(result, result.rows),
        "chart": present.chart(result, result.rows, f"chart-{overview.id}"),
        "options": options,
        "present": present,
        "address": address,
        "sort_address": sort_address,
        "records_address": records_address,
        "sort_by": sort_by,
        "order": view.order or overview.order,
        "export_query": views.query(view, who),
        "problems": {k: i18n.gettext(language, v) for k, v in asked.problems.items()},
    }


@get("/monitoring/{overview_id:str}/records")
@in_thread
def records_page(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], overview_id: str
) -> Response[str]:
    """The rows behind one figure; a suppressed figure has none to show (404 would hide why:
    the page says so)."""
    language = request_language(request)
    params = _params(request)
    with popo.db.session() as session:
        perspective, perspectives = _perspective(request, session, views.read_perspective(params))
        overview = _overview(popo, overview_id, perspective)
        if not overview.drill_down:
            raise NotFoundException()
        today = clock_of(session).today()
        asked = views.read(overview, params, today, per_page=views.RECORDS_PER_PAGE)
        keys = views.read_keys(params, len(overview.rows))
        measure = _first(params, "measure")
        if keys is None or (measure and measure not in {m.id for m in overview.measures}):
            raise NotFoundException()
        who = guards.logged_in(request, session)
        try:
            found = queries.records(
                session,
                popo.registry,
                overview,
                perspective,
                asked.view,
                keys,
                measure or None,
                on=today,
                page=asked.view.page,
                per_page=views.RECORDS_PER_PAGE,
                actor=actor(request, who),
                audit_key=popo.settings.audit_key,
                suppress_below=_threshold(popo),
            )
            hidden = False
        except queries.Suppressed:
            found, hidden = None, True
        labels = queries.key_labels(session, popo.registry, overview, keys, language)
        session.commit()
    values = _overview_values(
        perspective, overview, asked, _empty(overview, perspective, asked, language), [], language
    )
    pages = max(1, -(-found.total // found.per_page)) if found else 1

    def page_address(number: int) -> str:
        pairs = [*views.keys_param(keys), *([("measure", measure)] if measure else [])]
        return (
            f"/monitoring/{overview.id}/records?"
            f"{views.query(asked.view, str(perspective.organisation_id), page=str(number))}"
            f"&{urlencode(pairs)}"
        )

    return _render(
        request,
        "monitoring_records.html",
        perspectives=perspectives,
        found=found,
        hidden=hidden,
        labels=labels,
        measure=overview.measure(measure) if measure else None,
        pages=pages,
        page_address=page_address,
        threshold=_threshold(popo),
        **values,
    )


def _empty(
    overview: CompiledOverview, perspective: Perspective, asked: views.Asked, language: str
) -> Result:
    return Result(overview, perspective, asked.view, language, (), 0, (), None)


def _first(params: Mapping[str, Sequence[str]], name: str) -> str:
    values = params.get(name) or ()
    return (values[0] if values else "").strip()[:100]


CHUNK = 64 * 1024


def _export_result(
    request: Request[Any, Any, Any], popo: AppState, overview_id: str
) -> tuple[Result, Perspective]:
    language = request_language(request)
    params = _params(request)
    with popo.db.session() as session:
        perspective, _ = _perspective(request, session, views.read_perspective(params))
        overview = _overview(popo, overview_id, perspective)
        result = exports.result_of(popo, session, overview, perspective, params, language)
        session.commit()
    return result, perspective


def _ask_page(
    request: Request[Any, Any, Any], result: Result, perspective: Perspective, format: str
) -> Response[str]:
    """An export too large for the request, reached by a link: the button that has it made
    (a GET changes nothing; the job is asked for by a POST)."""
    return _render(
        request,
        "monitoring_export_ask.html",
        perspective=perspective,
        overview=result.overview,
        result=result,
        format=format,
        present=present,
        export_query=views.query(result.view, str(perspective.organisation_id)),
    )


@get("/monitoring/{overview_id:str}/export.csv")
@in_thread
def export_csv(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], overview_id: str
) -> Stream | Response[str]:
    result, perspective = _export_result(request, popo, overview_id)
    if result.total_rows > _inline_rows(popo):
        return _ask_page(request, result, perspective, "csv")
    return Stream(
        exports.csv_chunks(result),
        media_type=exports.MEDIA_TYPES["csv"],
        headers=attachment_headers(exports.file_name(result, "csv")),
    )


def _stream_and_remove(path: Path) -> Iterator[bytes]:
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                yield chunk
    finally:
        path.unlink(missing_ok=True)


@get("/monitoring/{overview_id:str}/export.xlsx")
@in_thread
def export_xlsx(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], overview_id: str
) -> Stream | Response[str]:
    result, perspective = _export_result(request, popo, overview_id)
    if result.total_rows > _inline_rows(popo):
        return _ask_page(request, result, perspective, "xlsx")
    handle, name = tempfile.mkstemp(suffix=".xlsx", dir=popo.settings.data_dir)
    os.close(handle)
    path = Path(name)
    try:
        exports.write_xlsx(result, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Stream(
        _stream_and_remove(path),
        media_type=exports.XLSX,
        headers=attachment_headers(exports.file_name(result, "xlsx")),
    )


@post("/monitoring/{overview_id:str}/exports")
@in_thread
def ask_export(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
    overview_id: str,
) -> Redirect:
    """Have the view of the address's query made as a file by a job (``format``: csv or
    xlsx), and go to its page. The perspective and the overview are checked as for the
    request's export (404); the view is kept as its canonical query, the period in dates."""
    language = request_language(request)
    params = _params(request)
    format = posted.get("format")
    if format not in exports.FORMATS:
        raise NotFoundException()
    with popo.db.session() as session:
        perspective, _ = _perspective(request, session, views.read_perspective(params))
        overview = _overview(popo, overview_id, perspective)
        who = guards.logged_in(request, session)
        view = views.read(overview, params, clock_of(session).today()).view
        canonical = parse_qs(views.query(view, str(perspective.organisation_id)))
        export = export_jobs.ask(
            session, who, perspective, overview.id, canonical, language, format
        )
        target = f"/monitoring/exports/{export.id}"
        session.commit()
    return Redirect(target, status_code=303)


def _my_export(
    request: Request[Any, Any, Any], session: Session, export_id: uuid.UUID
) -> tuple[MonitoringExport, Perspective | None, list[Perspective]]:
    """The export if this person asked for it (else 404), with its perspective while they
    still look at its organisation's figures (None once they do not), and all of theirs."""
    who = guards.logged_in(request, session)
    export = export_jobs.mine(session, who, export_id)
    if export is None:
        raise NotFoundException()
    perspectives = queries.perspectives(session, who)
    perspective = next(
        (p for p in perspectives if p.organisation_id == export.organisation_id), None
    )
    return export, perspective, perspectives


@get("/monitoring/exports/{export_id:uuid}")
@in_thread
def export_page(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], export_id: FromPath[uuid.UUID]
) -> Response[str]:
    """How far the export is, then its download (or why it failed). Polled by htmx every 2 s
    while it is being made (the status alone: the fragment), and no more once it finished;
    without JavaScript the page's "Vernieuwen" link does the same. Only the person who asked
    sees it; it shows no figures, so a look is not recorded, and it still says why the file
    was not made to someone who since lost the right to see them."""
    language = request_language(request)
    with popo.db.session() as session:
        export, perspective, _ = _my_export(request, session, export_id)
        organisation = session.get(Organisation, export.organisation_id)
        session.commit()
    overview = popo.registry.overview(export.overview_id)
    title = present.label(overview.title, language) if overview else export.overview_id
    query = urlencode([(k, v) for k, values in export.params.items() for v in values])
    values = {
        "export": export,
        "done": export.status is ExportStatus.DONE and perspective is not None,
        "failed": export.status is ExportStatus.FAILED
        or (export.status is ExportStatus.DONE and perspective is None),
        "status_label": EXPORT.label(export.status, language),
        "problem": i18n.gettext(
            language,
            export_jobs.PROBLEMS.get(
                export.problem or ("no_access" if perspective is None else "error"),
                export_jobs.PROBLEMS["error"],
            ),
        ),
        "perspective": perspective,
        "organisation_name": organisation.name if organisation else "",
        "overview_title": title,
        "overview_address": f"/monitoring/{export.overview_id}?{query}",
    }
    template = (
        "monitoring_export_status.html"
        if request.headers.get("hx-request")
        else "monitoring_export.html"
    )
    return _render(request, template, **values)


@get("/monitoring/exports/{export_id:uuid}/download")
@in_thread
def export_download(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], export_id: FromPath[uuid.UUID]
) -> Response[bytes]:
    """The file the job made, under the name the request's export gives it: for the person
    who asked, while they still look at its organisation's figures (else 404)."""
    with popo.db.session() as session:
        export, perspective, _ = _my_export(request, session, export_id)
        session.commit()
    digest = export.sha256
    if (
        perspective is None
        or export.status is not ExportStatus.DONE
        or not digest
        or not popo.archive.exists(digest)
    ):
        raise NotFoundException()
    return Response(
        popo.archive.get(digest),
        media_type=exports.MEDIA_TYPES[export.format],
        headers=attachment_headers(export.file_name or f"{export.overview_id}.{export.format}"),
    )


def _reports_of(session: Session, perspective: Perspective) -> list[MonitoringReport]:
    return list(
        session.scalars(
            select(MonitoringReport)
            .where(MonitoringReport.organisation_id == perspective.organisation_id)
            .order_by(MonitoringReport.period_from.desc(), MonitoringReport.made_at.desc())
            .limit(120)
        )
    )


@get("/monitoring/reports")
@in_thread
def reports_page(request: Request[Any, Any, Any], popo: NamedDependency[AppState]) -> Response[str]:
    """The periodic reports of the organisation the person looks for, newest first."""
    params = _params(request)
    with popo.db.session() as session:
        perspective, perspectives = _perspective(request, session, views.read_perspective(params))
        found = _reports_of(session, perspective)
        session.commit()
    return _render(
        request,
        "monitoring_reports.html",
        perspective=perspective,
        perspectives=perspectives,
        reports=found,
        one=False,
    )


def _report(
    request: Request[Any, Any, Any], session: Session, report_id: uuid.UUID
) -> MonitoringReport:
    """The report if it is of an organisation the person looks at figures for; else 404."""
    report = session.get(MonitoringReport, report_id)
    who = guards.logged_in(request, session)
    mine = {p.organisation_id for p in queries.perspectives(session, who)}
    if report is None or report.organisation_id not in mine:
        raise NotFoundException()
    return report


@get("/monitoring/reports/{report_id:uuid}")
@in_thread
def report_page(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], report_id: uuid.UUID
) -> Response[str]:
    with popo.db.session() as session:
        report = _report(request, session, report_id)
        perspective, perspectives = _perspective(request, session, str(report.organisation_id))
        session.commit()
    return _render(
        request,
        "monitoring_reports.html",
        perspective=perspective,
        perspectives=perspectives,
        reports=[report],
        one=True,
    )


@get("/monitoring/reports/{report_id:uuid}/{name:str}")
@in_thread
def report_file(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    report_id: uuid.UUID,
    name: str,
) -> Response[bytes]:
    """A report's PDF (``rapport.pdf``) or XLSX (``rapport.xlsx``)."""
    with popo.db.session() as session:
        report = _report(request, session, report_id)
        session.commit()
    kinds = {
        "rapport.pdf": (report.pdf_sha256, "application/pdf"),
        "rapport.xlsx": (report.xlsx_sha256, exports.XLSX),
    }
    if name not in kinds or not popo.archive.exists(kinds[name][0]):
        raise NotFoundException()
    digest, media_type = kinds[name]
    extension = name.rsplit(".", 1)[1]
    filename = f"monitoring-{report.period_from.isoformat()[:7]}.{extension}"
    return Response(
        popo.archive.get(digest), media_type=media_type, headers=attachment_headers(filename)
    )


ROUTES = [
    dashboard,
    reports_page,
    report_page,
    report_file,
    overview_page,
    records_page,
    export_csv,
    export_xlsx,
    ask_export,
    export_page,
    export_download,
]
