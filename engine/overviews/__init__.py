"""Overview definitions (``*.overview.yaml``): monitoring made to measure, through the same
stages as forms: :mod:`.load` (the located YAML, shape errors at the node), :mod:`.model` (what
a file may hold), :mod:`.check` (names against the vocabulary of :mod:`.sources`),
:mod:`.compile` (plain frozen data, :mod:`.compiled`) and :mod:`.evaluate` (what the figures
mean, suppression and order; the runtime's SQL gives the same). Scenarios on a small data set:
:mod:`.scenarios`. docs/overviews.md is the guide."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ..api import content_hash
from ..errors import DefinitionError, Diagnostics
from .check import check_overview
from .compile import compile_overview
from .compiled import CompiledFilter, CompiledMeasure, CompiledOverview
from .load import LoadedOverview, load_overview
from .model import AGGREGATES, OverviewDefinition

OVERVIEW_SUFFIX = ".overview.yaml"


@dataclass
class OverviewResult:
    path: Path
    loaded: LoadedOverview
    compiled: CompiledOverview | None

    @property
    def diagnostics(self) -> Diagnostics:
        return self.loaded.diagnostics

    @cached_property
    def content_hash(self) -> str | None:
        """The hash ``popo.lock`` records for a published version; None when it does not
        load."""
        if self.loaded.model is None or self.loaded.data is None:
            return None
        return content_hash(self.loaded.data)

    @property
    def definition(self) -> OverviewDefinition | None:
        return self.loaded.model

    @property
    def ok(self) -> bool:
        return self.compiled is not None


def check_overview_file(path: Path | str) -> OverviewResult:
    """Load, check and (without errors) compile one overview."""
    path = Path(path)
    loaded = load_overview(path)
    result = OverviewResult(path, loaded, None)
    if loaded.model is None or loaded.data is None:
        return result
    check_overview(loaded.model, loaded.diagnostics)
    if not loaded.diagnostics.errors:
        result.compiled = compile_overview(loaded.model, content_hash(loaded.data))
    return result


def compile_overview_file(path: Path | str) -> CompiledOverview:
    """A compiled overview, or :class:`DefinitionError` with every diagnostic."""
    result = check_overview_file(path)
    if result.compiled is None:
        raise DefinitionError(result.diagnostics.sorted())
    return result.compiled


__all__ = [
    "AGGREGATES",
    "OVERVIEW_SUFFIX",
    "CompiledFilter",
    "CompiledMeasure",
    "CompiledOverview",
    "LoadedOverview",
    "OverviewDefinition",
    "OverviewResult",
    "check_overview_file",
    "compile_overview",
    "compile_overview_file",
    "load_overview",
]
