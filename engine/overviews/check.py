"""Check an overview: every name against the vocabulary of its source (:mod:`.sources`), each
measure's keys against its aggregate, the layout and chart against the rows, the audiences,
the suppression and the texts; every problem at the author's line and column, with a hint."""

from __future__ import annotations

from collections.abc import Iterable

from ..checker import check_texts
from ..errors import Diagnostics, Location, did_you_mean
from ..procedures.check import item_location
from .model import Filter, Measure, OverviewDefinition
from .sources import AUDIENCES, SOURCES, Source

MIN_SUPPRESSION = 2  # below 2 nothing would be hidden


def _unknown(what: str, name: str, known: Iterable[str]) -> str:
    known = list(known)
    return did_you_mean(name, known) or (
        f"the {what} of this source: {', '.join(known)}" if known else f"this source has no {what}"
    )


class OverviewChecker:
    def __init__(self, overview: OverviewDefinition, diagnostics: Diagnostics) -> None:
        self.overview = overview
        self.diagnostics = diagnostics
        self.source: Source | None = SOURCES.get(overview.source)

    def error(self, location: Location, message: str, hint: str = "") -> None:
        self.diagnostics.error(location, message, hint)

    def check(self) -> None:
        overview = self.overview
        check_texts(overview, overview.languages, self.diagnostics)
        if self.source is None:
            self.error(
                overview.location("source"),
                f"there is no source '{overview.source}'",
                _unknown("sources", overview.source, SOURCES).replace("of this source: ", ""),
            )
            return
        self.check_rows()
        self.check_measures()
        for index, item in enumerate(overview.filters):
            self.check_filter(item, item_location(overview, "filters", index))
        self.check_filter_by()
        self.check_sort()
        self.check_audiences()
        if overview.suppress_below is not None and overview.suppress_below < MIN_SUPPRESSION:
            self.error(
                overview.location("suppress_below"),
                f"suppress_below is {overview.suppress_below}: that hides nothing",
                "leave it out for the region's setting (5), or give a higher number",
            )

    # ------------------------------------------------------------------ names

    def dimension(self, name: str, location: Location) -> bool:
        assert self.source is not None
        if name in self.source.dimensions:
            return True
        self.error(
            location,
            f"the source '{self.source.name}' has no dimension '{name}'",
            _unknown("dimensions", name, self.source.dimensions),
        )
        return False

    def flag(self, name: str, location: Location) -> bool:
        assert self.source is not None
        if name in self.source.flags:
            return True
        self.error(
            location,
            f"the source '{self.source.name}' has no flag '{name}'",
            _unknown("flags", name, self.source.flags),
        )
        return False

    # ------------------------------------------------------------------ parts

    def check_rows(self) -> None:
        overview = self.overview
        for index, name in enumerate(overview.rows):
            self.dimension(name, item_location(overview, "rows", index))
        if len(set(overview.rows)) < len(overview.rows):
            self.error(
                overview.location("rows"),
                "the rows are grouped by the same dimension twice",
                "name two different dimensions, or one",
            )
        two = len(overview.rows) == 2
        if overview.layout == "matrix" and not two:
            self.error(
                overview.location("layout"),
                "a matrix needs two dimensions in rows: (from → to)",
                "add the second dimension to rows:, or use layout: table",
            )
        if overview.chart == "sankey" and not two:
            self.error(
                overview.location("chart"),
                "a Sankey diagram needs two dimensions in rows: (from → to)",
                "add the second dimension to rows:, or use chart: bar",
            )
        if overview.chart == "line" and self.source is not None:
            kind = self.source.dimensions.get(overview.rows[0])
            if kind is not None and kind.kind not in ("month", "year", "school_year"):
                self.error(
                    overview.location("chart"),
                    f"a line chart is over time, and '{overview.rows[0]}' is not a time",
                    "group the rows by month, year or school_year first, or use chart: bar",
                )

    def check_measures(self) -> None:
        overview = self.overview
        seen: set[str] = set()
        for measure in overview.measures:
            if measure.id in seen:
                self.error(
                    measure.location("id"),
                    f"there are two measures '{measure.id}'",
                    "give each measure its own id",
                )
            seen.add(measure.id)
            self.check_measure(measure)

    def check_measure(self, measure: Measure) -> None:
        assert self.source is not None
        aggregate = measure.aggregate
        if measure.flag is not None:
            if aggregate not in ("count", "share"):
                self.error(
                    measure.location("flag"),
                    f"a measure with aggregate: {aggregate} has no flag",
                    "a flag is for count and share; leave it out",
                )
            else:
                self.flag(measure.flag, measure.location("flag"))
        elif aggregate == "share":
            self.error(
                measure.location("aggregate"),
                "a share needs the flag of the rows it counts",
                f"add flag: (one of {', '.join(self.source.flags) or 'none'})",
            )
        if measure.of is not None:
            if aggregate != "share":
                self.error(
                    measure.location("of"),
                    f"a measure with aggregate: {aggregate} has no of",
                    "of: is for a share; leave it out",
                )
            elif self.flag(measure.of, measure.location("of")) and measure.of == measure.flag:
                self.error(
                    measure.location("of"),
                    "a share of the rows with the same flag is always 100%",
                    "name another flag in of:, or leave it out (a share of all rows)",
                )
        if aggregate in ("sum", "average"):
            if measure.value is None:
                values = ", ".join(self.source.values) or "none"
                self.error(
                    measure.location("aggregate"),
                    f"a measure with aggregate: {aggregate} needs the value it takes",
                    f"add value: (this source's values: {values})",
                )
            elif measure.value not in self.source.values:
                self.error(
                    measure.location("value"),
                    f"the source '{self.source.name}' has no value '{measure.value}'",
                    _unknown("values", measure.value, self.source.values),
                )
        elif measure.value is not None:
            self.error(
                measure.location("value"),
                f"a measure with aggregate: {aggregate} takes no value",
                "value: is for sum and average; leave it out",
            )

    def check_filter(self, item: Filter, location: Location) -> None:
        assert self.source is not None
        given = [key for key in ("dimension", "flag") if getattr(item, key) is not None]
        if len(given) != 1:
            self.error(
                location,
                "a filter has either dimension: (with in: or not_in:) or flag:",
                "for example {dimension: reason, in: [verhuizing]} or {flag: closed}",
            )
            return
        if item.flag is not None:
            self.flag(item.flag, item.location("flag"))
            for key in ("in", "not_in"):
                if getattr(item, "in_" if key == "in" else key) is not None:
                    self.error(item.location(key), f"a filter on a flag has no {key}:")
            return
        assert item.dimension is not None
        if not self.dimension(item.dimension, item.location("dimension")):
            return
        lists = (("in", item.in_), ("not_in", item.not_in))
        written = [(key, values) for key, values in lists if values is not None]
        if len(written) != 1:
            self.error(
                item.location("dimension"),
                "a filter on a dimension has in: or not_in:, one of them",
                "for example in: [verhuizing, conflict]",
            )
            return
        key, values = written[0]
        if not values:
            self.error(item.location(key), f"{key}: lists no value", "list one value or more")
            return
        known = self.source.dimensions[item.dimension].values
        for index, value in enumerate(values):
            if known and value not in known:
                self.error(
                    item_location(item, key, index),
                    f"'{value}' is not a value of {item.dimension}",
                    did_you_mean(value, known) or f"its values: {', '.join(known)}",
                )

    def check_filter_by(self) -> None:
        overview = self.overview
        for index, name in enumerate(overview.filter_by or ()):
            self.dimension(name, item_location(overview, "filter_by", index))

    def check_sort(self) -> None:
        overview = self.overview
        if overview.sort is None:
            return
        names = [m.id for m in overview.measures] + list(overview.rows)
        if overview.sort.by not in names:
            self.error(
                overview.sort.location("by"),
                f"the rows cannot be sorted by '{overview.sort.by}': it is no measure and no "
                "dimension of rows:",
                did_you_mean(overview.sort.by, names) or f"sort by one of {', '.join(names)}",
            )

    def check_audiences(self) -> None:
        overview = self.overview
        for index, name in enumerate(overview.audiences):
            if name not in AUDIENCES:
                self.error(
                    item_location(overview, "audiences", index),
                    f"there is no audience '{name}'",
                    did_you_mean(name, AUDIENCES) or f"the audiences: {', '.join(AUDIENCES)}",
                )
        if len(set(overview.audiences)) < len(overview.audiences):
            self.error(overview.location("audiences"), "an audience is listed twice")


def check_overview(overview: OverviewDefinition, diagnostics: Diagnostics) -> None:
    OverviewChecker(overview, diagnostics).check()
