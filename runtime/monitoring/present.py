"""A :class:`Result` as people read it, in one place for the page, the export and the report:
each figure formatted in the person's language (a share as a percentage, a suppressed cell as
"<5" and never its number), a two-dimensional overview pivoted into a matrix (from → to), and
its chart as server-rendered SVG (renderers/charts.py) with the same figures as its table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from engine.overviews.compiled import CompiledMeasure, CompiledOverview
from engine.overviews.sources import SOURCES
from renderers import charts, i18n

from .results import Cell, Result, Row

MATRIX_COLUMNS = 25  # a wider matrix is shown as its list of pairs


def label(text: dict[str, str] | None, language: str) -> str:
    if not text:
        return ""
    return text.get(i18n.normalize(language)) or text.get("nl") or next(iter(text.values()))


def dimension_label(overview: CompiledOverview, name: str, language: str) -> str:
    return label(SOURCES[overview.source].dimensions[name].label, language)


def measure_label(measure: CompiledMeasure, language: str) -> str:
    return label(measure.label, language)


def suppressed_text(threshold: int | None) -> str:
    return f"<{threshold or 5}"


def figure(measure: CompiledMeasure, cell: Cell, language: str, threshold: int | None) -> str:
    """One figure as a person reads it."""
    if cell.suppressed:
        return suppressed_text(threshold)
    if cell.value is None:
        return "–"
    if measure.aggregate == "share":
        return i18n.format_number(round(float(cell.value) * 100, 1), language) + "%"
    if measure.aggregate == "average":
        return i18n.format_number(round(float(cell.value), 1), language)
    return i18n.format_number(int(cell.value), language)


def unit(overview: CompiledOverview, measure: CompiledMeasure, language: str) -> str:
    if measure.aggregate in ("sum", "average") and measure.value:
        return label(SOURCES[overview.source].values[measure.value].unit, language)
    return ""


@dataclass(frozen=True)
class Matrix:
    """The first measure of a two-dimensional result: rows by the first dimension, columns by
    the second, each cell formatted (empty where the pair has no rows)."""

    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    row_keys: tuple[str | None, ...]
    column_keys: tuple[str | None, ...]
    cells: tuple[tuple[tuple[str, Cell | None], ...], ...]


def matrix(result: Result, rows: Sequence[Row]) -> Matrix | None:
    """``rows`` pivoted, or None when the overview is not a matrix or it would be too wide."""
    if result.overview.layout != "matrix" or len(result.overview.rows) != 2:
        return None
    measure = result.overview.measures[0]
    columns: dict[str | None, str] = {}
    lines: dict[str | None, str] = {}
    found: dict[tuple[str | None, str | None], Cell] = {}
    for row in rows:
        lines.setdefault(row.keys[0], row.labels[0])
        columns.setdefault(row.keys[1], row.labels[1])
        found[(row.keys[0], row.keys[1])] = row.cells[0]
    if len(columns) > MATRIX_COLUMNS:
        return None
    ordered = sorted(columns, key=lambda k: columns[k].casefold())
    cells = tuple(
        tuple(
            (
                figure(measure, found[(line, column)], result.language, result.suppress_below)
                if (line, column) in found
                else "",
                found.get((line, column)),
            )
            for column in ordered
        )
        for line in lines
    )
    return Matrix(
        row_labels=tuple(lines.values()),
        column_labels=tuple(columns[k] for k in ordered),
        row_keys=tuple(lines),
        column_keys=tuple(ordered),
        cells=cells,
    )


def chart(result: Result, rows: Sequence[Row], chart_id: str) -> Markup | None:
    """The overview's chart of ``rows`` (its first measure), or None (``chart: none``)."""
    overview, language = result.overview, result.language
    if overview.chart == "none" or not overview.measures:
        return None
    measure = overview.measures[0]
    title = label(overview.title, language)
    if overview.chart == "sankey" and len(overview.rows) == 2:
        return charts.sankey(
            [
                (row.labels[0], row.labels[1], row.cells[0].value)
                for row in rows
                if row.cells[0].value
            ],
            title=title,
            language=language,
            other_label=i18n.gettext(language, "Other"),
            id=chart_id,
        )
    if overview.chart == "line":
        points = [(row.labels[0], _plain(row.cells[0])) for row in rows]
        points.sort(key=lambda point: point[0])
        return charts.line_chart(
            [(label(measure.label, language), points)],
            title=title,
            unit=unit(overview, measure, language),
            language=language,
            id=chart_id,
        )
    return charts.bar_chart(
        [(" → ".join(row.labels), _plain(row.cells[0]), row.cells[0].suppressed) for row in rows],
        title=title,
        unit=unit(overview, measure, language),
        language=language,
        percent=measure.aggregate == "share",
        threshold=result.suppress_below or 5,
        id=chart_id,
    )


def _plain(cell: Cell) -> float | int | None:
    return None if cell.suppressed else cell.value
