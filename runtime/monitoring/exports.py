"""An overview's view as a file: CSV (semicolon-separated, UTF-8 with a BOM, so that Excel
reads it; every figure as the page shows it) and XLSX (written row by row in xlsxwriter's
constant-memory mode; counts and sums as numbers, shares as percentages, a hidden figure as
"<5"). Both hold the same rows as the page, every page of them, and the totals, with what the
figures are for above them.

The request and the export job (export_jobs.py) read a view the same way (:func:`result_of`)
and write it with the same functions, so that a file made in the background is the file the
request would have given; the writers tell a ``progress`` callback how far they are."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import xlsxwriter
from sqlalchemy.orm import Session

from engine.overviews.compiled import CompiledOverview
from renderers import i18n
from renderers.spreadsheets import safe_cell

from ..clock import clock_of
from ..state import AppState
from . import present, queries, views
from .results import Cell, Perspective, Result
from .settings import MonitoringSettings

EXPORT_ROWS = queries.MAX_GROUPS  # an export holds every group of the view
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX}
FORMATS = tuple(MEDIA_TYPES)
PROGRESS_EVERY = 500  # rows between two calls of a writer's ``progress``

Progress = Callable[[int], None]  # told the number of rows written so far


def result_of(
    popo: AppState,
    session: Session,
    overview: CompiledOverview,
    perspective: Perspective,
    params: Mapping[str, Sequence[str]],
    language: str,
) -> Result:
    """Every row of the view ``params`` ask of ``overview`` for ``perspective``: what an
    export holds, in the request and in the job alike."""
    today = clock_of(session).today()
    asked = views.read(overview, params, today, per_page=EXPORT_ROWS)
    return queries.run(
        session,
        popo.registry,
        overview,
        perspective,
        asked.view,
        on=today,
        language=language,
        suppress_below=MonitoringSettings.of(popo.settings).suppress_below,
    )


def file_name(result: Result, extension: str) -> str:
    """The name a download of ``result`` is given: the overview and its period."""
    view = result.view
    return (
        f"{result.overview.id}-{view.period_from.isoformat()}-{view.period_to.isoformat()}"
        f".{extension}"
    )


def header(result: Result) -> list[str]:
    overview, language = result.overview, result.language
    return [
        *(present.dimension_label(overview, name, language) for name in overview.rows),
        *(present.measure_label(m, language) for m in overview.measures),
    ]


def title_lines(result: Result) -> list[str]:
    """What the figures are: the overview, for whom, the period, and the suppression."""
    language = result.language
    lines = [
        present.label(result.overview.title, language),
        result.perspective.organisation_name,
        i18n.gettext(language, "%(from)s to %(until)s")
        % {
            "from": i18n.format_date(result.view.period_from, language),
            "until": i18n.format_date(result.view.period_to, language),
        },
    ]
    if result.suppress_below:
        lines.append(
            i18n.gettext(language, "Figures of fewer than %(n)d are hidden to protect privacy.")
            % {"n": result.suppress_below}
        )
    return lines


def csv_chunks(
    result: Result, progress: Progress | None = None, every: int = PROGRESS_EVERY
) -> Iterator[bytes]:
    """The CSV file, a line at a time (a BOM first); ``progress`` is told the rows written
    every ``every`` rows."""
    yield "\ufeff".encode()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")

    def line(cells: list[str]) -> bytes:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        return buffer.getvalue().encode("utf-8")

    overview, language, k = result.overview, result.language, result.suppress_below
    yield line(header(result))
    for number, row in enumerate(result.rows, start=1):
        figures = [
            present.figure(m, cell, language, k)
            for m, cell in zip(overview.measures, row.cells, strict=True)
        ]
        yield line([*(safe_cell(text) for text in row.labels), *figures])
        if progress is not None and number % every == 0:
            progress(number)
    if result.totals:
        total = [i18n.gettext(language, "Total"), *([""] * (len(overview.rows) - 1))]
        figures = [
            present.figure(m, cell, language, k)
            for m, cell in zip(overview.measures, result.totals, strict=True)
        ]
        yield line([*total, *figures])
    yield line([])
    for text in title_lines(result):
        yield line([safe_cell(text)])


def write_xlsx(
    result: Result, path: Path, progress: Progress | None = None, every: int = PROGRESS_EVERY
) -> None:
    """The XLSX file of one view at ``path``, written row by row (constant memory);
    ``progress`` is told the rows written every ``every`` rows."""
    write_workbook([result], path, progress, every)


def write_workbook(
    results: Sequence[Result],
    path: Path,
    progress: Progress | None = None,
    every: int = PROGRESS_EVERY,
) -> None:
    """An XLSX file with a sheet per view (a periodic report's), row by row; ``progress`` is
    told the rows written so far (of every sheet) every ``every`` rows."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "in_memory": False})
    try:
        formats = {
            "bold": book.add_format({"bold": True}),
            "share": book.add_format({"num_format": "0.0%"}),
            "average": book.add_format({"num_format": "0.0"}),
        }
        used: set[str] = set()
        written = 0
        for result in results:
            written = _sheet(book, formats, result, used, progress, every, written)
    finally:
        book.close()


def _sheet_name(text: str, used: set[str]) -> str:
    """A worksheet's name: at most 31 characters, none of []:*?/\\, unique in the book."""
    cleaned = "".join(" " if c in "[]:*?/\\" else c for c in text).strip()[:31] or "POPO"
    name, number = cleaned, 2
    while name.casefold() in used:
        suffix = f" ({number})"
        name, number = cleaned[: 31 - len(suffix)] + suffix, number + 1
    used.add(name.casefold())
    return name


def _sheet(
    book: Any,
    formats: dict[str, Any],
    result: Result,
    used: set[str],
    progress: Progress | None,
    every: int,
    written: int,
) -> int:
    """One view's sheet; the rows written so far, these included."""
    overview, language, k = result.overview, result.language, result.suppress_below
    sheet = book.add_worksheet(_sheet_name(present.label(overview.title, language), used))
    names = header(result)
    sheet.write_row(0, 0, names, formats["bold"])
    sheet.set_column(0, len(overview.rows) - 1, 32)
    sheet.set_column(len(overview.rows), len(names), 14)
    line = 1

    def figures(cells: Sequence[Cell], row: int) -> None:
        column = len(overview.rows)
        for measure, cell in zip(overview.measures, cells, strict=True):
            if cell.suppressed:
                sheet.write_string(row, column, present.suppressed_text(k))
            elif cell.value is None:
                sheet.write_blank(row, column, None)
            elif measure.aggregate in ("share", "average"):
                sheet.write_number(row, column, float(cell.value), formats[measure.aggregate])
            else:
                sheet.write_number(row, column, cell.value)
            column += 1

    for row in result.rows:
        for column, text in enumerate(row.labels):
            sheet.write_string(line, column, text)
        figures(row.cells, line)
        line += 1
        written += 1
        if progress is not None and written % every == 0:
            progress(written)
    if result.totals:
        sheet.write_string(line, 0, i18n.gettext(language, "Total"), formats["bold"])
        figures(result.totals, line)
        line += 1
    line += 1
    for text in title_lines(result):
        sheet.write_string(line, 0, text)
        line += 1
    return written
