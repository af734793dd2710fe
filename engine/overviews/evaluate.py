"""What an overview's figures mean, as pure functions: the measures of a group of rows, small
cells suppressed, and the groups in order.

The runtime lets the database group and aggregate (one SQL query per view,
``runtime/monitoring/queries.py``) and hands the groups to :func:`suppress` and :func:`order`
here; :func:`evaluate` does the grouping and aggregating itself over a small data set, for the
author's scenarios and for the test that the SQL agrees with it.

Suppression (for a bestuur and an SWV, so that no child can be recognised): a figure behind
fewer than ``k`` rows, but more than none, is hidden (primary); where a measure's column has
exactly one hidden figure, the smallest other figure of that column is hidden too (secondary),
so that the hidden one cannot be found from the total. A total is hidden by the primary rule
only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from .compiled import CompiledFilter, CompiledMeasure, CompiledOverview

Key = tuple[str | None, ...]


class Cell(NamedTuple):
    """One figure. ``value`` is None when it is suppressed or there is nothing to average or to
    take a share of; ``n`` is the number of rows behind it (for a share: the rows it is a
    share of; for an average: the rows with a value). A tuple: a view makes one per group and
    measure, tens of thousands for an SWV's flows."""

    value: float | int | None
    n: int
    suppressed: bool = False


class Group(NamedTuple):
    keys: Key  # the value of each of the overview's row dimensions
    cells: tuple[Cell, ...]  # one per measure


@dataclass(frozen=True)
class Record:
    """One row of a source, as a scenario writes it: its date, its dimensions' values, the
    flags that hold, its values and its pupil."""

    on: date | None = None
    dimensions: Mapping[str, str | None] = field(default_factory=dict)
    flags: frozenset[str] = frozenset()
    values: Mapping[str, float | int | None] = field(default_factory=dict)
    pupil: str | None = None


def holds(condition: CompiledFilter, record: Record) -> bool:
    if condition.flag is not None:
        return condition.flag in record.flags
    value = record.dimensions.get(condition.dimension or "")
    inside = value in condition.values
    return not inside if condition.negate else inside


def kept(
    overview: CompiledOverview,
    record: Record,
    period: tuple[date, date] | None,
    asked: Mapping[str, Sequence[str]],
) -> bool:
    """Whether ``record`` counts in a view: in the period, through the overview's filters and
    the person's (dimension → the values kept)."""
    if period is not None and (record.on is None or not period[0] <= record.on <= period[1]):
        return False
    if not all(holds(condition, record) for condition in overview.filters):
        return False
    return all(record.dimensions.get(name) in values for name, values in asked.items() if values)


def measure(spec: CompiledMeasure, records: Sequence[Record]) -> Cell:
    """``spec`` over ``records`` (see model.AGGREGATES)."""
    if spec.aggregate == "count":
        count = sum(1 for r in records if spec.flag is None or spec.flag in r.flags)
        return Cell(count, count)
    if spec.aggregate == "share":
        base = [r for r in records if spec.of is None or spec.of in r.flags]
        hits = sum(1 for r in base if spec.flag in r.flags)
        return Cell(hits / len(base) if base else None, len(base))
    if spec.aggregate == "pupils":
        pupils = len({r.pupil for r in records if r.pupil is not None})
        return Cell(pupils, pupils)
    name = spec.value or ""
    numbers: list[float | int] = [
        value for r in records if (value := r.values.get(name)) is not None
    ]
    if spec.aggregate == "sum":
        total = sum(numbers)
        return Cell(total, int(total) if spec.persons else len(records))
    return Cell(sum(numbers) / len(numbers) if numbers else None, len(numbers))


def evaluate(
    overview: CompiledOverview,
    records: Iterable[Record],
    period: tuple[date, date] | None = None,
    asked: Mapping[str, Sequence[str]] | None = None,
) -> tuple[list[Group], tuple[Cell, ...]]:
    """The groups (in the order first met) and the totals of ``records``, not suppressed."""
    chosen = [r for r in records if kept(overview, r, period, asked or {})]
    grouped: dict[Key, list[Record]] = {}
    for record in chosen:
        key = tuple(record.dimensions.get(name) for name in overview.rows)
        grouped.setdefault(key, []).append(record)
    groups = [
        Group(key, tuple(measure(spec, rows) for spec in overview.measures))
        for key, rows in grouped.items()
    ]
    return groups, tuple(measure(spec, chosen) for spec in overview.measures)


def _hidden(cell: Cell) -> Cell:
    return Cell(None, cell.n, True)


def too_small(cell: Cell, threshold: int) -> bool:
    return 0 < cell.n < threshold


def suppress(
    groups: Sequence[Group], totals: Sequence[Cell], threshold: int | None
) -> tuple[list[Group], tuple[Cell, ...]]:
    """``groups`` and ``totals`` with small figures hidden (see the module); unchanged when
    ``threshold`` is None (a school's own figures)."""
    if threshold is None:
        return list(groups), tuple(totals)
    cells = [list(group.cells) for group in groups]
    columns = len(totals) if totals else (len(cells[0]) if cells else 0)
    for column in range(columns):
        hidden = 0
        for row in cells:
            if too_small(row[column], threshold):
                row[column] = _hidden(row[column])
                hidden += 1
        if hidden == 1:
            candidates = [row for row in cells if not row[column].suppressed and row[column].n > 0]
            if candidates:
                smallest = min(candidates, key=lambda row: row[column].n)
                smallest[column] = _hidden(smallest[column])
    return (
        [Group(group.keys, tuple(row)) for group, row in zip(groups, cells, strict=True)],
        tuple(_hidden(cell) if too_small(cell, threshold) else cell for cell in totals),
    )


def order(
    overview: CompiledOverview,
    groups: Sequence[Group],
    sort_by: str | None,
    descending: bool,
    label: Callable[[int, str | None], str] | None = None,
) -> list[Group]:
    """``groups`` sorted by a measure (hidden and empty figures last) or by a dimension (by
    its label, if given: a school's name rather than its id); the first dimension by
    default. Ties keep the order of the dimensions."""
    measure_ids = [m.id for m in overview.measures]
    # each key's text to sort on, made once per key (an SWV's flows: thousands of groups over
    # a few hundred schools)
    texts: list[dict[str | None, tuple[bool, str]]] = [{} for _ in overview.rows]

    def text(index: int, key: str | None) -> tuple[bool, str]:
        known = texts[index].get(key)
        if known is None:
            shown = label(index, key) if label else key or ""
            known = texts[index][key] = (key is None, shown.casefold())
        return known

    def by_keys(group: Group) -> tuple[Any, ...]:
        return tuple(text(i, key) for i, key in enumerate(group.keys))

    ordered = sorted(groups, key=by_keys)
    if sort_by in measure_ids:
        column = measure_ids.index(sort_by)
        present = [g for g in ordered if g.cells[column].value is not None]
        absent = [g for g in ordered if g.cells[column].value is None]
        present.sort(key=lambda g: g.cells[column].value, reverse=descending)  # type: ignore[arg-type, return-value]
        return present + absent
    if sort_by in overview.rows:
        index = overview.rows.index(sort_by)
        known = [g for g in ordered if g.keys[index] is not None]
        unknown = [g for g in ordered if g.keys[index] is None]
        known.sort(key=lambda g: text(index, g.keys[index])[1], reverse=descending)
        return known + unknown
    return list(reversed(ordered)) if descending else ordered
