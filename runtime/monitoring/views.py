"""What a person asked of an overview, read from the page's address: the period, the filters,
the order, the page and the organisation they look for (their perspective), checked against
the overview, with a message for what could not be read (the rest of the view still holds).

Pure: no request, no database. The routes read ``request.query_params`` into a mapping of
lists and hand it here; the same mapping, changed, gives the address of a sorted column, the
next page or a drill-down, so that every link works without JavaScript."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from engine.overviews.compiled import CompiledOverview
from engine.overviews.sources import SOURCES

from .results import View

PER_PAGE = 50
RECORDS_PER_PAGE = 50
MAX_FILTER_VALUES = 50  # per dimension: an address is not a place for more
FILTER_PREFIX = "f."
FIRST_YEAR, LAST_YEAR = 1990, 2100  # a period outside these is a typing error


def N_(message: str) -> str:
    return message


BAD_DATE = N_("Give a date as day-month-year.")
BACKWARDS = N_("The end of the period is before its start.")


def months_back(today: date, months: int) -> date:
    """The first day of the month ``months - 1`` months before ``today``'s: the default period
    of an overview of ``months`` months ends today and holds that many calendar months."""
    index = today.year * 12 + today.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1)


def default_period(overview: CompiledOverview, today: date) -> tuple[date, date]:
    return months_back(today, overview.period_months), today


def filterable(overview: CompiledOverview) -> tuple[str, ...]:
    """The dimensions a person may filter this overview on: its rows' and the author's (every
    dimension of the source when the author named none)."""
    source = SOURCES[overview.source]
    offered = overview.offered_filters or tuple(source.dimensions)
    return tuple(dict.fromkeys((*overview.rows, *offered)))


@dataclass(frozen=True)
class Asked:
    """A view as asked, with what could not be read (message ids by parameter)."""

    view: View
    perspective: str | None  # an organisation id as text, unchecked
    problems: dict[str, str] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)  # the period as typed, to show it again


def _first(params: Mapping[str, Sequence[str]], name: str) -> str:
    values = params.get(name) or ()
    return (values[0] if values else "").strip()[:100]


def _date(text: str) -> date | None:
    """A date as a date input sends it (2026-03-01), or as a person types it (1-3-2026)."""
    try:
        if "-" in text and len(text.split("-")[0]) == 4:
            found = date.fromisoformat(text)
        else:
            day, month, year = (int(p) for p in text.replace("/", "-").split("-"))
            found = date(year, month, day)
    except ValueError:
        return None
    return found if FIRST_YEAR <= found.year <= LAST_YEAR else None


def _page(text: str) -> int:
    return int(text) if text.isdigit() and 0 < int(text) < 100_000 else 1


def read(
    overview: CompiledOverview,
    params: Mapping[str, Sequence[str]],
    today: date,
    per_page: int = PER_PAGE,
) -> Asked:
    """The view ``params`` ask of ``overview``; what is wrong is left at its default and said."""
    problems: dict[str, str] = {}
    start, end = default_period(overview, today)
    raw = {"from": _first(params, "from"), "until": _first(params, "until")}
    for name in ("from", "until"):
        if not raw[name]:
            continue
        found = _date(raw[name])
        if found is None:
            problems[name] = BAD_DATE
        elif name == "from":
            start = found
        else:
            end = found
    if start > end:
        problems["until"] = BACKWARDS
        start, end = default_period(overview, today)
    allowed = set(filterable(overview))
    filters: dict[str, tuple[str, ...]] = {}
    for name, values in params.items():
        if not name.startswith(FILTER_PREFIX):
            continue
        dimension = name[len(FILTER_PREFIX) :]
        kept = tuple(dict.fromkeys(v[:100] for v in values if v))[:MAX_FILTER_VALUES]
        if dimension in allowed and kept:
            filters[dimension] = kept
    sort_by = _first(params, "sort") or None
    sortable = {m.id for m in overview.measures} | set(overview.rows)
    if sort_by is not None and sort_by not in sortable:
        sort_by = None
    order = _first(params, "order") or None
    if order not in ("asc", "desc"):
        order = None
    view = View(
        period_from=start,
        period_to=end,
        filters=filters,
        sort_by=sort_by,
        order=order,
        page=_page(_first(params, "page")),
        per_page=per_page,
    )
    return Asked(view, _first(params, "as") or None, problems, raw)


def query(
    view: View, perspective: str | None, *, keep_page: bool = False, **changes: str | None
) -> str:
    """The address's query string of ``view`` (and the perspective), with ``changes``: a
    parameter set to None is left out. The page is left out unless ``keep_page``."""
    pairs: list[tuple[str, str]] = []
    values: dict[str, str | None] = {
        "as": perspective,
        "from": view.period_from.isoformat(),
        "until": view.period_to.isoformat(),
        "sort": view.sort_by,
        "order": view.order,
        "page": str(view.page) if keep_page and view.page > 1 else None,
    }
    values.update(changes)
    for name, value in values.items():
        if value:
            pairs.append((name, value))
    for dimension, kept in view.filters.items():
        pairs.extend((FILTER_PREFIX + dimension, v) for v in kept)
    return urlencode(pairs)


def keys_param(keys: Sequence[str | None]) -> list[tuple[str, str]]:
    """A group's keys as address parameters (``k0``, ``k1``; an unknown value as ``~``)."""
    return [(f"k{i}", "~" if key is None else key) for i, key in enumerate(keys)]


def read_keys(params: Mapping[str, Sequence[str]], count: int) -> tuple[str | None, ...] | None:
    """The group's keys of a drill-down address, or None when one is missing."""
    found: list[str | None] = []
    for i in range(count):
        text = _first(params, f"k{i}")
        if not text:
            return None
        found.append(None if text == "~" else text)
    return tuple(found)


def read_perspective(params: Mapping[str, Sequence[str]]) -> str | None:
    """The organisation the person asked to look for (``?as=``), unchecked."""
    return _first(params, "as") or None
