"""Author scenarios for an overview: given this small data set, for this audience, expect
these rows and figures. A ``*.scenarios.yaml`` names its overview::

    overview: overstappen-per-reden.overview.yaml
    scenarios:
      - name: een bestuur ziet kleine aantallen niet
        audience: bestuur
        records:
          - {reason: verhuizing, on: 2026-03-02, flags: [closed]}
          - {reason: verhuizing, on: 2026-03-09}
          - {reason: conflict, on: 2026-04-01}
        expect:
          rows:
            - {keys: [verhuizing], overstappen: suppressed}
          totals: {overstappen: suppressed}

A record's keys are the source's dimensions, with ``on`` (its date), ``flags``, ``values``
and ``pupil``; an expected figure is a number, a share as ``"50%"``, ``suppressed`` or null
(nothing to show). Every name is checked against the overview before anything runs, at its
line and column."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..errors import Diagnostics, Location, did_you_mean
from ..loader import validate_plain
from ..yamlsource import LocDict, LocList
from .compiled import CompiledOverview
from .evaluate import Cell, Group, Record, evaluate, order, suppress
from .sources import SOURCES

DEFAULT_THRESHOLD = 5  # the region's setting when a scenario names none
RESERVED = ("on", "flags", "values", "pupil")
SUPPRESSED = "suppressed"
TOLERANCE = 0.0005


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Period(_Strict):
    from_: date = Field(alias="from", description="the first day (YYYY-MM-DD)")
    until: date = Field(description="the last day (YYYY-MM-DD)")


class ScenarioSort(_Strict):
    by: str = Field(description="a measure's id or a dimension of rows:")
    order: Literal["asc", "desc"] = Field(default="asc", description="asc or desc")


class ExpectedFigures(_Strict):
    rows: list[dict[str, Any]] | None = Field(
        default=None,
        description="every row of the result: keys: (the dimensions' values) and figures by "
        "measure id",
    )
    totals: dict[str, Any] | None = Field(default=None, description="the totals by measure id")
    ordered: bool = Field(default=False, description="true: the rows must come in the order listed")


class OverviewScenario(_Strict):
    name: str = Field(description="what the scenario shows, in a few words")
    audience: Literal["school", "bestuur", "swv"] = Field(
        default="school", description="who looks: a school sees its own figures unsuppressed"
    )
    suppress_below: int = Field(
        default=DEFAULT_THRESHOLD, ge=2, description="the region's setting (5 by default)"
    )
    period: Period | None = Field(default=None, description="the period asked (every date)")
    filters: dict[str, list[str]] = Field(
        default_factory=dict, description="the person's filters: dimension: [values kept]"
    )
    sort: ScenarioSort | None = Field(default=None, description="the order asked")
    records: list[dict[str, Any]] = Field(description="the data set: one mapping per row")
    expect: ExpectedFigures = Field(description="the rows and totals the overview must show")


class OverviewScenarioFile(_Strict):
    overview: str = Field(description="path of the overview, relative to this file")
    scenarios: list[OverviewScenario] = Field(
        min_length=1, description="given a data set, what the overview must show"
    )


def parse(data: LocDict, diagnostics: Diagnostics) -> OverviewScenarioFile | None:
    return validate_plain(OverviewScenarioFile, data, diagnostics, _allowed)


def _allowed(loc: tuple[Any, ...]) -> list[str]:
    model: type[BaseModel] = OverviewScenarioFile
    if len(loc) >= 3 and loc[0] == "scenarios":
        model = OverviewScenario
        if len(loc) >= 4 and loc[2] == "expect":
            model = ExpectedFigures
        elif len(loc) >= 4 and loc[2] == "period":
            model = Period
        elif len(loc) >= 4 and loc[2] == "sort":
            model = ScenarioSort
    return sorted(info.alias or name for name, info in model.model_fields.items())


Problem = tuple[Location, str]


def _at(raw: Any, key: str | int) -> Location:
    if isinstance(raw, (LocDict, LocList)):
        return raw.location_of(key)  # type: ignore[arg-type]
    return Location("<scenario>")


def records_of(
    overview: CompiledOverview, raw: LocList | None, problems: list[Problem]
) -> list[Record]:
    """The scenario's records, each name checked against the overview's source."""
    source = SOURCES[overview.source]
    found: list[Record] = []
    for index, item in enumerate(raw or []):
        where = _at(raw, index)
        if not isinstance(item, LocDict):
            problems.append((where, "a record is a mapping: {dimension: value, on: date, …}"))
            continue
        dimensions: dict[str, str | None] = {}
        for key, value in item.items():
            if key in RESERVED:
                continue
            if key not in source.dimensions:
                known = [*source.dimensions, *RESERVED]
                problems.append(
                    (
                        item.key_locs.get(key, where),
                        f"the source '{source.name}' has no dimension '{key}'"
                        + _hint(did_you_mean(str(key), known)),
                    )
                )
                continue
            dimensions[str(key)] = None if value is None else str(value)
        flags = item.get("flags") or []
        for name in flags if isinstance(flags, list) else [flags]:
            if name not in source.flags:
                problems.append(
                    (
                        item.location_of("flags"),
                        f"the source '{source.name}' has no flag '{name}'"
                        + _hint(did_you_mean(str(name), source.flags)),
                    )
                )
        values = item.get("values") or {}
        for name in values if isinstance(values, dict) else []:
            if name not in source.values:
                problems.append(
                    (
                        item.location_of("values"),
                        f"the source '{source.name}' has no value '{name}'",
                    )
                )
        on = item.get("on")
        if on is not None and not isinstance(on, date):
            problems.append((item.location_of("on"), "on: is a date (YYYY-MM-DD)"))
            on = None
        found.append(
            Record(
                on=on,
                dimensions=dimensions,
                flags=frozenset(str(f) for f in (flags if isinstance(flags, list) else [flags])),
                values={str(k): v for k, v in values.items()} if isinstance(values, dict) else {},
                pupil=None if item.get("pupil") is None else str(item.get("pupil")),
            )
        )
    return found


def _hint(text: str) -> str:
    return f" ({text})" if text else ""


def _expected(text: Any) -> float | str | None:
    if text is None or text == SUPPRESSED:
        return text  # type: ignore[no-any-return]
    if isinstance(text, str) and text.strip().endswith("%"):
        return float(text.strip()[:-1].replace(",", ".")) / 100
    return float(text)


def _shown(cell: Cell) -> str:
    if cell.suppressed:
        return SUPPRESSED
    if cell.value is None:
        return "nothing (null)"
    return f"{cell.value:g}" if isinstance(cell.value, float) else str(cell.value)


def _compare_cells(
    overview: CompiledOverview,
    cells: tuple[Cell, ...],
    expected: LocDict,
    what: str,
    problems: list[Problem],
) -> None:
    ids = [m.id for m in overview.measures]
    for key, text in expected.items():
        if key == "keys":
            continue
        where = expected.location_of(key)
        if key not in ids:
            problems.append(
                (where, f"the overview has no measure '{key}'" + _hint(did_you_mean(str(key), ids)))
            )
            continue
        try:
            wanted = _expected(text)
        except (TypeError, ValueError):
            problems.append((where, f"'{text}' is no figure: a number, 'n%', suppressed or null"))
            continue
        cell = cells[ids.index(str(key))]
        if wanted == SUPPRESSED:
            ok = cell.suppressed
        elif wanted is None:
            ok = cell.value is None and not cell.suppressed
        else:
            ok = (
                not cell.suppressed
                and cell.value is not None
                and abs(float(cell.value) - float(wanted)) <= TOLERANCE
            )
        if not ok:
            problems.append((where, f"{what}: {key} is {_shown(cell)}, not {text}"))


def run_scenario(
    overview: CompiledOverview, scenario: OverviewScenario, raw: LocDict
) -> list[Problem]:
    problems: list[Problem] = []
    source = SOURCES[overview.source]
    for name in scenario.filters:
        if name not in source.dimensions:
            problems.append(
                (
                    raw["filters"].key_locs.get(name, raw.location_of("filters")),
                    f"the source '{source.name}' has no dimension '{name}'",
                )
            )
    records = records_of(overview, raw.get("records"), problems)
    if scenario.sort is not None and scenario.sort.by not in (
        *(m.id for m in overview.measures),
        *overview.rows,
    ):
        problems.append((raw.location_of("sort"), f"cannot sort by '{scenario.sort.by}'"))
    if problems:  # expectations on wrong records would pass or fail for the wrong reason
        return problems
    period = (scenario.period.from_, scenario.period.until) if scenario.period else None
    groups, totals = evaluate(overview, records, period, scenario.filters)
    threshold = (
        None
        if scenario.audience == "school"
        else max(scenario.suppress_below, overview.suppress_below or 0)
    )
    groups, totals = suppress(groups, totals, threshold)
    sort = scenario.sort
    groups = order(
        overview,
        groups,
        sort.by if sort else overview.sort_by,
        (sort.order if sort else overview.order) == "desc",
    )
    expect = raw["expect"]
    if scenario.expect.rows is not None:
        _compare_rows(overview, groups, expect["rows"], scenario.expect.ordered, problems)
    if scenario.expect.totals is not None:
        _compare_cells(overview, totals, expect["totals"], "the totals", problems)
    if scenario.expect.rows is None and scenario.expect.totals is None:
        problems.append(
            (raw.location_of("expect"), "the scenario expects nothing: add rows: or totals:")
        )
    return problems


def _keys(raw: LocDict, width: int, problems: list[Problem]) -> tuple[str | None, ...] | None:
    keys = raw.get("keys")
    if not isinstance(keys, list) or len(keys) != width:
        problems.append(
            (
                raw.location_of("keys") if "keys" in raw else raw.loc,
                f"keys: lists {width} value(s), one per dimension of rows:",
            )
        )
        return None
    return tuple(None if k is None else str(k) for k in keys)


def _compare_rows(
    overview: CompiledOverview,
    groups: list[Group],
    expected: LocList,
    ordered: bool,
    problems: list[Problem],
) -> None:
    by_keys = {group.keys: group for group in groups}
    listed: list[tuple[str | None, ...]] = []
    for item in expected:
        if not isinstance(item, LocDict):
            problems.append((expected.loc, "a row is a mapping: {keys: […], measure: figure}"))
            continue
        keys = _keys(item, len(overview.rows), problems)
        if keys is None:
            continue
        listed.append(keys)
        group = by_keys.get(keys)
        shown = " → ".join(str(k) for k in keys)
        if group is None:
            problems.append((item.location_of("keys"), f"there is no row {shown}"))
            continue
        _compare_cells(overview, group.cells, item, f"the row {shown}", problems)
    extra = [g.keys for g in groups if g.keys not in listed]
    if extra:
        rows = "; ".join(" → ".join(str(k) for k in keys) for keys in extra)
        problems.append((expected.loc, f"there are rows not listed: {rows}"))
    if ordered and not extra:
        actual = [g.keys for g in groups if g.keys in listed]
        if actual != listed:
            problems.append(
                (
                    expected.loc,
                    "the rows come in another order: "
                    + "; ".join(" → ".join(str(k) for k in keys) for keys in actual),
                )
            )
