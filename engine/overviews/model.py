"""The overview language as a typed model: what a ``*.overview.yaml`` may contain.

An overview is a table of figures over one source of monitoring (transfers, registrations,
advices, support requests, absence, pupils at risk, pupil numbers): its rows grouped by one or
two dimensions, its measures (a count, a share, a sum, an average, distinct pupils), fixed
filters, the filters a person may set, its chart, and who may use it. The names of
dimensions, flags and values are the vocabulary of :mod:`.sources`; :mod:`.check` checks them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..model import FORM_ID_PATTERN, ID_PATTERN, Element, Languages, Text, languages_field
from .sources import AUDIENCES, SOURCES

AGGREGATES: dict[str, str] = {
    "count": "the number of rows (with flag: those where the flag holds)",
    "share": "the rows where flag holds out of the rows where of holds (all rows without of), "
    "shown as a percentage",
    "sum": "the sum of the source's value (value:)",
    "average": "the average of the source's value (value:) over the rows that have one",
    "pupils": "the number of distinct pupils of the rows",
}
"""The aggregates a measure can have: a closed list, each translated into SQL by the runtime
(runtime/monitoring/queries.py) and evaluated by :mod:`.evaluate` for scenarios."""

CHARTS = ("bar", "line", "sankey", "none")
LAYOUTS = ("table", "matrix")

_LABEL = "the name a person sees: one text, or one per language {nl: …, en: …}"


class Measure(Element):
    id: str = Field(
        pattern=ID_PATTERN,
        description="the measure's name: lower-case letters, digits and _; unique in the "
        "overview (sort: and scenarios name it)",
    )
    label: Text = Field(description=_LABEL)
    aggregate: Literal["count", "share", "sum", "average", "pupils"] = Field(
        description="what the measure counts: "
        + "; ".join(f"{name}: {text}" for name, text in AGGREGATES.items())
    )
    flag: str | None = Field(
        default=None,
        description="count and share: a flag of the source the counted rows must have, e.g. closed",
    )
    of: str | None = Field(
        default=None,
        description="share: the flag of the rows it is a share of (every row when left out)",
    )
    value: str | None = Field(
        default=None, description="sum and average: a value of the source, e.g. decision_days"
    )


class Filter(Element):
    """A condition every view of the overview applies: a dimension in (or not in) a list of
    values, or a flag that must hold."""

    dimension: str | None = Field(
        default=None, description="a dimension of the source, with in: or not_in:"
    )
    in_: list[str] | None = Field(
        default=None, alias="in", description="the values of the dimension kept"
    )
    not_in: list[str] | None = Field(
        default=None, description="the values of the dimension left out"
    )
    flag: str | None = Field(default=None, description="a flag of the source the rows must have")


class Sort(Element):
    by: str = Field(description="a measure's id or one of the rows' dimensions")
    order: Literal["asc", "desc"] = Field(
        default="asc", description="asc: smallest (or A) first; desc: largest first"
    )


class OverviewDefinition(Element):
    id: str = Field(
        pattern=FORM_ID_PATTERN,
        description="the overview's name: lower-case letters, digits, _ and -, e.g. "
        "overstappen-per-reden; its page is /monitoring/<id>",
    )
    version: int = Field(ge=1, description="a whole number from 1")
    title: Text = Field(description="the title a person sees: one text, or {nl: …, en: …}")
    languages: Languages = languages_field()
    description: Text | None = Field(
        default=None, description="what the overview shows and how to read it"
    )
    source: str = Field(
        description="what is counted: " + ", ".join(SOURCES),
        json_schema_extra={"enum": list(SOURCES)},
    )
    rows: list[str] = Field(
        min_length=1,
        max_length=2,
        description="the dimensions the rows are grouped by: one, or two (from → to, for a "
        "matrix or a Sankey diagram)",
    )
    measures: list[Measure] = Field(min_length=1, description="the figures of each row")
    filters: list[Filter] = Field(default_factory=list, description="conditions every view applies")
    filter_by: list[str] | None = Field(
        default=None,
        description="the dimensions a person may filter on besides the period (every "
        "dimension of the source when left out)",
    )
    sort: Sort | None = Field(
        default=None, description="the order of the rows (the first dimension when left out)"
    )
    chart: Literal["bar", "line", "sankey", "none"] = Field(
        default="bar",
        description="the chart above the table: bar, line (over time), sankey (flows between "
        "two dimensions) or none",
    )
    layout: Literal["table", "matrix"] = Field(
        default="table",
        description="table: a row per group; matrix: the second dimension across (a flow matrix)",
    )
    audiences: list[str] = Field(
        default_factory=lambda: [str(a) for a in AUDIENCES],
        min_length=1,
        description="who may use it, by the organisation a person works for: "
        + ", ".join(AUDIENCES),
    )
    suppress_below: int | None = Field(
        default=None,
        description="for a bestuur and an SWV: figures of fewer rows than this are hidden "
        "(the region's setting, 5 by default, when left out; never lower than it)",
    )
    period_months: int = Field(
        default=12, ge=1, le=120, description="the default period: the last N months"
    )
    drill_down: bool = Field(
        default=True, description="whether a figure links to the rows behind it"
    )
