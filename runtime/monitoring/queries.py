"""An overview's figures from the database: one SQL aggregate per view over the source's rows
(sources.py) that the person may see, grouped by the overview's dimensions; small figures
suppressed and the groups ordered by engine/overviews/evaluate.py, the same functions the
author's scenarios run. The drill-down lists the rows behind one figure, each pupil listed
recorded in the audit log.

The rows of a view are grouped in the database; what comes back is one line per group (at most
a few thousand: the schools of an SWV, their pairs), so sorting and paging the groups is done
here, after suppression, which needs every group of a column."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.orm import Session

from engine.messages import localize
from engine.overviews.compiled import CompiledFilter, CompiledMeasure, CompiledOverview
from engine.overviews.evaluate import Cell, Group, order, suppress
from engine.overviews.sources import SOURCES, Audience
from renderers import i18n

from .. import audit
from ..access import scope
from ..access.accounts import ROLES_AT_SCHOOL, Principal
from ..db.lists import one_of
from ..definitions import Registry
from ..organisations.models import Organisation
from ..pupils.models import Pupil
from .results import Perspective, Record, Records, Result, Row, View
from .sources import SQL, URLS, Ask


def N_(message: str) -> str:
    return message


PURPOSE_RECORDS = N_("see the rows behind a monitoring figure")
AUDIENCE_OF_ROLE: dict[str, Audience] = {
    **{role: "school" for role in (*ROLES_AT_SCHOOL, "privacy_officer")},
    "bestuur": "bestuur",
    "swv": "swv",
}
ORGANISATION_KINDS = ("school", "bestuur")
MAX_GROUPS = 20_000  # a view groups at most this many (a page says when there were more)


class Suppressed(Exception):
    """The figure asked to drill into is hidden: its rows are not listed either."""


# ---------------------------------------------------------------------- perspectives


def perspectives(session: Session, who: Principal) -> list[Perspective]:
    """The organisations ``who`` looks at figures for: each school, bestuur and SWV they have a
    role at (a privacy officer's school too), with the principal narrowed to those roles."""
    by_organisation: dict[uuid.UUID, list[Any]] = {}
    for role in who.roles:
        if role.organisation_id is not None and role.role in AUDIENCE_OF_ROLE:
            by_organisation.setdefault(role.organisation_id, []).append(role)
    if not by_organisation:
        return []
    query = select(Organisation.id, Organisation.name).where(
        Organisation.id.in_(list(by_organisation))
    )
    names = {key: name for key, name in session.execute(query).tuples()}
    found = []
    for organisation_id, roles in by_organisation.items():
        audience = AUDIENCE_OF_ROLE[roles[0].role]
        narrowed = Principal(
            who.user_id, who.email, who.name, tuple(roles), who.session_id, who.api_token
        )
        found.append(
            Perspective(audience, organisation_id, names.get(organisation_id, ""), narrowed)
        )
    rank = {"school": 0, "bestuur": 1, "swv": 2}
    return sorted(found, key=lambda p: (rank[p.audience], p.organisation_name.casefold()))


def threshold(overview: CompiledOverview, perspective: Perspective, setting: int) -> int | None:
    """The suppression threshold of ``overview`` for ``perspective``: none for a school's own
    figures; else the setting, or the overview's if higher."""
    if perspective.audience == "school":
        return None
    return max(setting, overview.suppress_below or 0)


# ---------------------------------------------------------------------- SQL


def advice_forms(registry: Registry) -> tuple[str, ...]:
    return tuple(
        sorted(
            {
                form_id
                for (form_id, _), entry in registry.forms.items()
                if str(entry.form.definition.kind) == "adviesformulier"
            }
        )
    )


def readable_ids(session: Session, principal: Principal, on: date) -> tuple[uuid.UUID, ...]:
    """The organisations whose data ``principal`` reads on ``on``, by the scope rule: a
    school's one, a board's schools, an SWV's schools and itself (what it holds)."""
    query = select(Organisation.id).where(scope.readable(Organisation.id, principal, on))
    return tuple(session.scalars(query))


def ask_of(
    session: Session, registry: Registry, perspective: Perspective, view: View, on: date
) -> Ask:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        # the aggregates are short: compiling them (JIT) costs more than it saves
        session.execute(text("SET LOCAL jit = off"))
    return Ask(
        principal=perspective.principal,
        today=on,
        period_from=view.period_from,
        period_to=view.period_to,
        dialect=dialect,
        advice_forms=advice_forms(registry),
        readable_ids=readable_ids(session, perspective.principal, on),
    )


def _is_organisation(overview_source: str, dimension: str) -> bool:
    return SOURCES[overview_source].dimensions[dimension].kind in ORGANISATION_KINDS


def _value_of(source: str, dimension: str, text: str) -> Any:
    """A filter's or key's text as the column compares it: an organisation's id as a UUID."""
    if _is_organisation(source, dimension):
        try:
            return uuid.UUID(text)
        except ValueError:
            return None
    return text


def _condition(rows: Any, source: str, dimension: str, values: Sequence[str]) -> Any:
    column = rows.c[f"d_{dimension}"]
    wanted = [_value_of(source, dimension, v) for v in values]
    known = [v for v in wanted if v is not None]
    return column.in_(known) if known else literal(False)


def _fixed(rows: Any, source: str, condition: CompiledFilter) -> ColumnElement[bool]:
    if condition.flag is not None:
        return rows.c[f"f_{condition.flag}"] == 1  # type: ignore[no-any-return]
    assert condition.dimension is not None
    inside = _condition(rows, source, condition.dimension, condition.values)
    if condition.negate:
        return or_(~inside, rows.c[f"d_{condition.dimension}"].is_(None))
    return inside  # type: ignore[no-any-return]


def _filtered(overview: CompiledOverview, ask: Ask, view: View) -> tuple[Any, list[Any]]:
    rows = SQL[overview.source](ask).subquery("rows")
    conditions = [_fixed(rows, overview.source, f) for f in overview.filters]
    conditions.extend(
        _condition(rows, overview.source, name, values) for name, values in view.filters.items()
    )
    return rows, conditions


def _aggregates(rows: Any, measure: CompiledMeasure) -> list[ColumnElement[Any]]:
    """Two columns per measure: its value and the number of rows behind it."""
    if measure.aggregate == "count":
        counted = func.count() if measure.flag is None else func.sum(rows.c[f"f_{measure.flag}"])
        return [counted, counted]
    if measure.aggregate == "share":
        base = rows.c[f"f_{measure.of}"] if measure.of else literal(1)
        hits = func.sum(case((base == 1, rows.c[f"f_{measure.flag}"]), else_=0))
        return [hits, func.sum(base)]
    if measure.aggregate == "pupils":
        distinct = func.count(rows.c.pupil_id.distinct())
        return [distinct, distinct]
    value = rows.c[f"v_{measure.value}"]
    if measure.aggregate == "sum":
        return [func.sum(value), func.count()]
    return [func.avg(value), func.count(value)]


def _cells(measures: Sequence[CompiledMeasure], values: Sequence[Any]) -> tuple[Cell, ...]:
    cells = []
    for index, measure in enumerate(measures):
        value, n = values[2 * index], int(values[2 * index + 1] or 0)
        if measure.aggregate == "share":
            cells.append(Cell(float(value or 0) / n if n else None, n))
        elif measure.aggregate == "average":
            cells.append(Cell(float(value) if value is not None and n else None, n))
        elif measure.aggregate == "sum" and measure.persons:
            cells.append(Cell(int(value or 0), int(value or 0)))
        else:
            cells.append(Cell(int(value or 0), n))
    return tuple(cells)


class _Keys(dict[Any, str | None]):
    """A value of a dimension as a group's key: its text, made once per value (an SWV's flows
    are thousands of groups over a few hundred schools, and a UUID's text is slow to make)."""

    def __missing__(self, value: Any) -> str | None:
        text = None if value is None else str(value)
        self[value] = text
        return text


def aggregate(
    session: Session, overview: CompiledOverview, ask: Ask, view: View
) -> tuple[list[Group], tuple[Cell, ...]]:
    """The groups and totals of a view, not suppressed. The totals are aggregated from the
    rows, not summed from the groups (a share or distinct pupils cannot be): on PostgreSQL in
    the same pass (``GROUPING SETS``, the whole as one more set, first), on SQLite by a second
    query."""
    rows, conditions = _filtered(overview, ask, view)
    dimensions = [rows.c[f"d_{name}"] for name in overview.rows]
    measures = [column for m in overview.measures for column in _aggregates(rows, m)]
    width = len(dimensions)
    keys = _Keys()

    def group(line: Sequence[Any]) -> Group:
        return Group(tuple(keys[v] for v in line[:width]), _cells(overview.measures, line[width:]))

    if ask.dialect == "postgresql":
        # a school's or a board's id as its text, made by the database: thousands of UUIDs
        # made and printed again in Python cost more than the aggregate
        shown = [
            cast(column, String) if _is_organisation(overview.source, name) else column
            for name, column in zip(overview.rows, dimensions, strict=True)
        ]
        whole_set = func.grouping(*dimensions).label("whole_set")
        both: Select[Any] = (
            select(*shown, *measures, whole_set)
            .select_from(rows)
            .where(and_(*conditions))
            .group_by(func.grouping_sets(tuple_(*dimensions), tuple_()))
            .order_by(whole_set.desc())
            .limit(MAX_GROUPS + 1)
        )
        lines = session.execute(both).all()
        totals = _cells(overview.measures, lines[0][width:-1])
        return [group(line[:-1]) for line in lines[1:]], totals
    grouped: Select[Any] = (
        select(*dimensions, *measures)
        .select_from(rows)
        .where(and_(*conditions))
        .group_by(*dimensions)
        .limit(MAX_GROUPS)
    )
    groups = [group(line) for line in session.execute(grouped)]
    whole = session.execute(select(*measures).select_from(rows).where(and_(*conditions))).one()
    return groups, _cells(overview.measures, whole)


def run(
    session: Session,
    registry: Registry,
    overview: CompiledOverview,
    perspective: Perspective,
    view: View,
    *,
    on: date,
    language: str,
    suppress_below: int,
) -> Result:
    """One view of ``overview`` for ``perspective``: scoped, suppressed, ordered and paged."""
    ask = ask_of(session, registry, perspective, view, on)
    groups, totals = aggregate(session, overview, ask, view)
    hide = threshold(overview, perspective, suppress_below)
    groups, totals = suppress(groups, totals, hide)
    labels = Labels(session, registry, overview, language, groups)
    ordered = order(
        overview,
        groups,
        view.sort_by or overview.sort_by,
        (view.order or overview.order) == "desc",
        labels.of,
    )
    start = (view.page - 1) * view.per_page
    page = ordered[start : start + view.per_page]
    rows = tuple(
        Row(g.keys, tuple(labels.of(i, k) for i, k in enumerate(g.keys)), g.cells) for g in page
    )
    return Result(overview, perspective, view, language, rows, len(ordered), totals, hide)


# ---------------------------------------------------------------------- labels


class Labels:
    """How a person reads each dimension's values: an organisation's name, a month, a choice's
    label from the vocabulary or from the region's definitions (a transfer's reasons and
    statuses, a form's title)."""

    def __init__(
        self,
        session: Session,
        registry: Registry,
        overview: CompiledOverview,
        language: str,
        groups: Sequence[Group] = (),
        keys: Sequence[str | None] = (),
    ) -> None:
        self.overview = overview
        self.language = language
        self.registry = registry
        source = SOURCES[overview.source]
        self.dimensions = [source.dimensions[name] for name in overview.rows]
        wanted: set[uuid.UUID] = set()
        for index, dimension in enumerate(self.dimensions):
            if dimension.kind not in ORGANISATION_KINDS:
                continue
            values = {g.keys[index] for g in groups} or {keys[index] if index < len(keys) else None}
            for value in values:
                found = _value_of(overview.source, dimension.name, value) if value else None
                if found is not None:
                    wanted.add(found)
        self.names = organisation_names(session, wanted)
        self.choices = choice_labels(registry, overview.source, language)

        self.known: dict[tuple[int, str | None], str] = {}

    def of(self, index: int, key: str | None) -> str:
        """The label of ``key`` of dimension ``index`` (kept: sorting asks again and again)."""
        found = self.known.get((index, key))
        if found is None:
            dimension = self.dimensions[index]
            found = self.known[(index, key)] = value_label(
                dimension.name, dimension.kind, key, self.language, self.names, self.choices
            )
        return found


def organisation_names(session: Session, ids: set[uuid.UUID]) -> dict[str, str]:
    """The names of the organisations ``ids``, by the text of their id."""
    if not ids:
        return {}
    dialect = session.get_bind().dialect.name
    # PostgreSQL prints the ids itself (see aggregate)
    key = cast(Organisation.id, String) if dialect == "postgresql" else Organisation.id
    found = session.execute(
        select(key, Organisation.name).where(one_of(Organisation.id, ids, dialect))
    )
    return {str(i): name for i, name in found.tuples()}


def value_label(
    name: str,
    kind: str,
    key: str | None,
    language: str,
    names: dict[str, str],
    choices: dict[str, dict[str, str]],
) -> str:
    if key is None:
        return (
            i18n.gettext(language, "unknown")
            if kind not in ORGANISATION_KINDS
            else i18n.gettext(language, "none")
        )
    if kind in ORGANISATION_KINDS:
        return names.get(key, key)
    if kind == "month":
        year, month = key.split("-")
        return i18n.format_month(date(int(year), int(month), 1), language)
    if kind == "school_year":
        return f"{key}–{int(key) + 1}" if key.isdigit() else key
    return choices.get(name, {}).get(key, key)


def choice_labels(registry: Registry, source: str, language: str) -> dict[str, dict[str, str]]:
    """The labels of each choice dimension's values: the vocabulary's, and for those it
    leaves to the region (a transfer's reasons and statuses, a request's kind and status,
    an advice's form) the region's definitions'."""
    found: dict[str, dict[str, str]] = {}
    for name, dimension in SOURCES[source].dimensions.items():
        if dimension.values:
            found[name] = {k: localize(v, language) for k, v in dimension.values.items()}
    procedures = [entry.procedure for entry in registry.procedures.values()]
    supports = [p for p in procedures if p.support is not None]
    transfers = [p for p in procedures if p.support is None]

    def statuses(pool: Sequence[Any]) -> dict[str, str]:
        return {
            status.id: localize(status.label, language)
            for procedure in pool
            for status in procedure.statuses.values()
        }

    if source == "transfers":
        found["reason"] = {
            reason: localize(text, language)
            for procedure in transfers
            for reason, text in procedure.reasons
        }
        found["status"] = statuses(transfers)
    elif source == "support":
        found["status"] = statuses(supports)
        found["kind"] = {
            p.support.kind: registry.form_title(p.support.form, language)
            for p in supports
            if p.support is not None
        }
    elif source == "advices":
        found["form"] = {
            form_id: registry.form_title(form_id, language) for (form_id, _) in registry.forms
        }
    return found


def key_labels(
    session: Session,
    registry: Registry,
    overview: CompiledOverview,
    keys: Sequence[str | None],
    language: str,
) -> list[str]:
    labels = Labels(session, registry, overview, language, keys=keys)
    return [labels.of(i, k) for i, k in enumerate(keys)]


def options(
    session: Session,
    registry: Registry,
    overview: CompiledOverview,
    dimension: str,
    perspective: Perspective,
    on: date,
    language: str,
) -> list[tuple[str, str]]:
    """The values a person can filter ``dimension`` on, by label: the vocabulary's or the
    region's choices; for a school or board dimension the schools of the person's population
    (the scope rule) or their boards. Read from the organisations, not from the rows, so that
    the form costs the same on a nation's register."""
    kind = SOURCES[overview.source].dimensions[dimension].kind
    if kind not in ORGANISATION_KINDS:
        labels = choice_labels(registry, overview.source, language).get(dimension, {})
        return sorted(labels.items(), key=lambda item: item[1].casefold())
    schools = select(Organisation.id).where(
        Organisation.kind == "school",
        scope.readable(Organisation.id, perspective.principal, on),
    )
    if kind == "school":
        wanted = Organisation.id.in_(schools)
    else:
        wanted = Organisation.id.in_(
            select(Organisation.parent_id).where(Organisation.id.in_(schools))
        )
    found = session.execute(
        select(Organisation.id, Organisation.name).where(wanted).limit(2000)
    ).tuples()
    return sorted(((str(key), name) for key, name in found), key=lambda item: item[1].casefold())


# ---------------------------------------------------------------------- drill-down


def records(
    session: Session,
    registry: Registry,
    overview: CompiledOverview,
    perspective: Perspective,
    view: View,
    keys: Sequence[str | None],
    measure_id: str | None,
    *,
    on: date,
    page: int,
    per_page: int,
    actor: audit.Actor,
    audit_key: bytes,
    suppress_below: int,
) -> Records:
    """The rows behind the figure of group ``keys`` (and of ``measure_id``'s flag), this page,
    each pupil recorded in the audit log. :class:`Suppressed` when that figure is hidden."""
    ask = ask_of(session, registry, perspective, view, on)
    hide = threshold(overview, perspective, suppress_below)
    if hide is not None:
        groups, totals = aggregate(session, overview, ask, view)
        groups, _ = suppress(groups, totals, hide)
        index = next((i for i, m in enumerate(overview.measures) if m.id == measure_id), 0)
        group = next((g for g in groups if g.keys == tuple(keys)), None)
        if group is None or any(c.suppressed for c in group.cells[index : index + 1]):
            raise Suppressed()
    rows, conditions = _filtered(overview, ask, view)
    for name, key in zip(overview.rows, keys, strict=True):
        column = rows.c[f"d_{name}"]
        conditions.append(
            column.is_(None) if key is None else column == _value_of(overview.source, name, key)
        )
    measure = overview.measure(measure_id) if measure_id else None
    if measure is not None and measure.flag and measure.aggregate == "count":
        conditions.append(rows.c[f"f_{measure.flag}"] == 1)
    where = and_(*conditions)
    total = int(session.scalar(select(func.count()).select_from(rows).where(where)) or 0)
    school = Organisation.__table__.alias("school")
    other = Organisation.__table__.alias("other")
    listed = session.execute(
        select(
            rows.c.id,
            rows.c.reference,
            rows.c.on,
            rows.c.pupil_id,
            rows.c.status_text,
            Pupil.voornamen,
            Pupil.roepnaam,
            Pupil.tussenvoegsel,
            Pupil.achternaam,
            school.c.name,
            other.c.name,
        )
        .select_from(rows)
        .outerjoin(Pupil, Pupil.id == rows.c.pupil_id)
        .outerjoin(school, school.c.id == rows.c.school_id)
        .outerjoin(other, other.c.id == rows.c.other_school_id)
        .where(where)
        .order_by(rows.c.on.desc(), rows.c.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    link: Callable[[uuid.UUID], str] | None = URLS.get(overview.source)
    found = []
    for line in listed:
        name = " ".join(
            p for p in (line.roepnaam or line.voornamen, line.tussenvoegsel, line.achternaam) if p
        )
        on_day = line.on.date() if hasattr(line.on, "date") and callable(line.on.date) else line.on
        found.append(
            Record(
                id=line.id,
                reference=line.reference or "",
                url=link(line.id) if link else "",
                on=on_day,
                pupil_id=line.pupil_id,
                pupil_name=name,
                school=line[9] or "",
                other_school=line[10],
                status=line.status_text or "",
            )
        )
        if line.pupil_id is not None:
            audit.record(
                session,
                audit_key,
                actor,
                "read",
                "monitoring_figure",
                str(line.pupil_id),
                f"{PURPOSE_RECORDS}: {overview.id}",
                str(line.pupil_id),
            )
    return Records(tuple(found), total, page, per_page)
