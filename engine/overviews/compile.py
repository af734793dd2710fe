"""Compile a checked overview into :class:`CompiledOverview`: plain frozen data, every text a
mapping of each of the overview's languages, the filters and the order resolved."""

from __future__ import annotations

from ..model import Text
from .compiled import CompiledFilter, CompiledMeasure, CompiledOverview
from .model import OverviewDefinition
from .sources import SOURCES


def texts(text: Text, languages: list[str]) -> dict[str, str]:
    """``text`` in each language: one string stands for all of them."""
    if isinstance(text, str):
        return {language: text for language in languages}
    return dict(text)


def compile_overview(overview: OverviewDefinition, content_hash: str) -> CompiledOverview:
    languages = overview.languages
    return CompiledOverview(
        id=overview.id,
        version=overview.version,
        title=texts(overview.title, languages),
        description=texts(overview.description, languages) if overview.description else None,
        source=overview.source,
        rows=tuple(overview.rows),
        measures=tuple(
            CompiledMeasure(
                id=m.id,
                label=texts(m.label, languages),
                aggregate=m.aggregate,
                flag=m.flag,
                of=m.of,
                value=m.value,
                persons=m.value is not None and SOURCES[overview.source].values[m.value].persons,
            )
            for m in overview.measures
        ),
        filters=tuple(
            CompiledFilter(flag=f.flag)
            if f.flag is not None
            else CompiledFilter(
                dimension=f.dimension,
                values=tuple(f.in_ if f.in_ is not None else f.not_in or ()),
                negate=f.in_ is None,
            )
            for f in overview.filters
        ),
        offered_filters=tuple(overview.filter_by or ()),
        sort_by=overview.sort.by if overview.sort else None,
        order=overview.sort.order if overview.sort else "asc",
        chart=overview.chart,
        layout=overview.layout,
        audiences=tuple(overview.audiences),  # type: ignore[arg-type]  # checked
        suppress_below=overview.suppress_below,
        period_months=overview.period_months,
        drill_down=overview.drill_down,
        content_hash=content_hash,
        languages=tuple(languages),
    )
