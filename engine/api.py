"""The one place that wires the stages together (like Jinja's Environment)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from .checker import CheckedForm, OsoCatalog, check_definition
from .compiler import CompiledForm, FormCache, compile_form
from .errors import DefinitionError, Diagnostics
from .loader import LoadedDefinition, load_definition
from .model import FormDefinition
from .yamlsource import to_plain

_cache = FormCache()


def _json_default(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot hash {type(value).__name__}")


def content_hash(data: Any) -> str:
    """SHA-256 of the assembled definition (fragments and base included), canonical JSON."""
    canonical = json.dumps(
        to_plain(data),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=_json_default,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass
class CheckResult:
    path: Path
    loaded: LoadedDefinition
    checked: CheckedForm | None
    compiled: CompiledForm | None
    content_hash: str | None

    @property
    def diagnostics(self) -> Diagnostics:
        return self.loaded.diagnostics

    @property
    def ok(self) -> bool:
        return self.compiled is not None and not self.diagnostics.errors

    @property
    def definition(self) -> FormDefinition | None:
        return self.loaded.model


def check_file(path: Path | str, oso: OsoCatalog | None = None) -> CheckResult:
    """Load, check and (when there are no errors) compile one definition file."""
    loaded = load_definition(path)
    if loaded.model is None or loaded.data is None:
        if loaded.partial is not None:  # report the rest of the form's problems as well
            check_definition(loaded.partial, loaded.diagnostics, oso, loaded.notes)
        return CheckResult(Path(path), loaded, None, None, None)
    digest = content_hash(loaded.data)
    checked = check_definition(loaded.model, loaded.diagnostics, oso, loaded.notes)
    compiled = None
    if not loaded.diagnostics.errors:
        compiled = _cache.get(digest)
        if compiled is None:
            compiled = compile_form(checked, digest)
            _cache.put(compiled)
    return CheckResult(Path(path), loaded, checked, compiled, digest)


def compile_file(path: Path | str, oso: OsoCatalog | None = None) -> CompiledForm:
    """A compiled form, or :class:`DefinitionError` with every diagnostic."""
    result = check_file(path, oso)
    if result.compiled is None:
        raise DefinitionError(result.diagnostics.sorted())
    return result.compiled


def compile_model(definition: FormDefinition, data: Any = None) -> CompiledForm:
    """Compile a definition model built in code (tests, benchmarks)."""
    diagnostics = Diagnostics()
    digest = content_hash(data if data is not None else definition.model_dump(mode="json"))
    cached = _cache.get(digest)
    if cached is not None:
        return cached
    checked = check_definition(definition, diagnostics)
    if diagnostics.errors:
        raise DefinitionError(diagnostics.sorted())
    compiled = compile_form(checked, digest)
    _cache.put(compiled)
    return compiled
