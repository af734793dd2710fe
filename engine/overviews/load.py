"""Load an overview file: read the located YAML and validate its shape (every shape error at
its node). An overview is small: one with shape errors is not checked further."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DefinitionError, Diagnostics, Location
from ..loader import build_model
from ..yamlsource import LocDict, load_file
from .model import OverviewDefinition


@dataclass
class LoadedOverview:
    path: Path
    data: LocDict | None
    model: OverviewDefinition | None
    diagnostics: Diagnostics
    files: set[Path] = field(default_factory=set)


def load_overview(path: Path | str) -> LoadedOverview:
    path = Path(path)
    diagnostics = Diagnostics()
    loaded = LoadedOverview(path, None, None, diagnostics, {path.resolve()})
    try:
        data = load_file(path, display(path))
    except DefinitionError as exc:  # a YAML error, a repeated key, a tag, …
        diagnostics.extend(exc.diagnostics)
        return loaded
    if not isinstance(data, LocDict):
        diagnostics.error(
            Location(display(path), 1, 1),
            "an overview is a mapping that starts with id:, version:, title: and source:",
            "see docs/overviews.md for a whole overview",
        )
        return loaded
    loaded.data = data
    loaded.model = build_model(data, diagnostics, OverviewDefinition)
    return loaded


def display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
