"""A compiled overview: plain, frozen data that the runtime turns into one SQL query per view
(``runtime/monitoring``) and that :mod:`engine.overviews.evaluate` runs over a small data set
for the author's scenarios. Made by ``compile.py`` from a checked ``*.overview.yaml``; the
names in it are the vocabulary of :mod:`engine.overviews.sources`, checked."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .sources import Audience

Aggregate = Literal["count", "share", "sum", "average", "pupils"]
"""count: the rows (where ``flag`` holds, if given); share: the rows where ``flag`` holds out
of those where ``of`` holds (all rows without it), a fraction 0..1; sum and average: of the
source's ``value``; pupils: the distinct pupils of the rows."""
Chart = Literal["bar", "line", "sankey", "none"]
Layout = Literal["table", "matrix"]  # matrix: the second dimension across (a flow matrix)
Order = Literal["asc", "desc"]


@dataclass(frozen=True)
class CompiledMeasure:
    id: str
    label: dict[str, str]  # by language; the compiler fills every language of the overview
    aggregate: Aggregate
    flag: str | None = None  # count/share: the source's flag the rows must have
    of: str | None = None  # share: the flag of the rows it is a share of
    value: str | None = None  # sum/average: the source's value
    persons: bool = False  # the value counts persons: a sum is suppressed by itself


@dataclass(frozen=True)
class CompiledFilter:
    """A condition every view of the overview applies: ``dimension`` is one of ``values``
    (``negate``: none of them), or the rows have ``flag``."""

    dimension: str | None = None
    values: tuple[str, ...] = ()
    negate: bool = False
    flag: str | None = None


@dataclass(frozen=True)
class CompiledOverview:
    id: str
    version: int
    title: dict[str, str]
    description: dict[str, str] | None
    source: str  # a name of sources.SOURCES
    rows: tuple[str, ...]  # the dimensions grouped by, 1 or 2 (matrix and sankey: 2)
    measures: tuple[CompiledMeasure, ...]
    filters: tuple[CompiledFilter, ...] = ()
    # the dimensions a person may filter on besides the period (every dimension: all of them)
    offered_filters: tuple[str, ...] = ()
    sort_by: str | None = None  # a measure's id or a dimension; None: the first dimension
    order: Order = "asc"
    chart: Chart = "bar"
    layout: Layout = "table"
    audiences: tuple[Audience, ...] = ("school", "bestuur", "swv")
    suppress_below: int | None = None  # None: the setting (POPO_MONITORING_SUPPRESS_BELOW)
    period_months: int = 12  # the default period: the last N months up to today
    drill_down: bool = True
    content_hash: str = ""
    languages: tuple[str, ...] = field(default=("nl", "en"))

    def measure(self, measure_id: str) -> CompiledMeasure:
        return next(m for m in self.measures if m.id == measure_id)
