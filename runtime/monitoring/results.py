"""What a view of an overview gives: the rows of figures a page, an export and a periodic
report show, already scoped to the person's population and with small cells suppressed.

Plain frozen data, made by ``queries.run`` (one SQL aggregate per view) and read by the
routes, ``charts`` (renderers/charts.py), ``exports`` and ``reports``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from engine.overviews.compiled import CompiledOverview
from engine.overviews.evaluate import Cell
from engine.overviews.sources import Audience

from ..access.accounts import Principal

__all__ = ["Cell", "Perspective", "Record", "Records", "Result", "Row", "View"]


@dataclass(frozen=True)
class Perspective:
    """Whom a person looks at the figures for: one organisation they work for (a school, a
    bestuur, an SWV: the audience), with ``principal`` narrowed to their roles there, so that
    the scope rule counts that organisation's population and nothing of their other roles."""

    audience: Audience
    organisation_id: uuid.UUID
    organisation_name: str
    principal: Principal


@dataclass(frozen=True)
class View:
    """What the person asked: the period (on the source's date, both days included), the
    filters (dimension → the values kept), the order and the page."""

    period_from: date
    period_to: date
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sort_by: str | None = None  # a measure id or a dimension; None: the overview's
    order: str | None = None  # "asc" | "desc"; None: the overview's
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True)
class Row:
    keys: tuple[str | None, ...]  # the dimension values: an organisation id, "2026-03", a status
    labels: tuple[str, ...]  # the same as a person reads them, in the view's language
    cells: tuple[Cell, ...]  # one per measure, in the overview's order


@dataclass(frozen=True)
class Result:
    overview: CompiledOverview
    perspective: Perspective
    view: View
    language: str
    rows: tuple[Row, ...]  # this page
    total_rows: int  # all pages
    totals: tuple[Cell, ...]  # over every row of the view, suppressed like the cells
    suppress_below: int | None  # the threshold applied; None: not applied (a school's own)

    @property
    def any_suppressed(self) -> bool:
        return any(c.suppressed for r in self.rows for c in r.cells) or any(
            c.suppressed for c in self.totals
        )

    @property
    def pages(self) -> int:
        return max(1, -(-self.total_rows // self.view.per_page))


@dataclass(frozen=True)
class Record:
    """One row behind a figure, as the drill-down lists it: the case's reference and page,
    its date, the schools, its status, and the pupil (their name is pupil data: a listed
    record is recorded in the audit log)."""

    id: uuid.UUID
    reference: str
    url: str
    on: date | None
    pupil_id: uuid.UUID | None
    pupil_name: str
    school: str
    other_school: str | None
    status: str


@dataclass(frozen=True)
class Records:
    records: tuple[Record, ...]  # this page
    total: int
    page: int
    per_page: int
