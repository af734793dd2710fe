"""Procedures: how a case moves between statuses, as a definition (``*.procedure.yaml``).

The stages, one module each: :mod:`.model` (what a file may hold), :mod:`.load` (assembled
with ``extends``/``changes`` like forms, shape errors at the YAML node), :mod:`.check`
(cross-references: statuses, parties and roles, forms, terms), :mod:`.compile` (plain frozen
data) and :mod:`.evaluate` (given events, the status, refusals, open tasks and due dates).
:mod:`.scenarios` runs an author's procedure scenarios. docs/procedures.md is the guide.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import MappingProxyType

from ..api import content_hash
from ..assemble import Assembler
from ..calendar import CALENDAR_SUFFIX, SchoolCalendar, load_calendar
from ..errors import DefinitionError, Diagnostics, Location
from ..versions import LOCK_NAME
from .check import check_procedure
from .compile import Actor, CompiledProcedure, compile_procedure
from .evaluate import CaseState, Event, Refusal, available, evaluate, tasks_for
from .load import LoadedProcedure, load_procedure
from .model import PARTY_ROLES, ProcedureDefinition, Transition

PROCEDURE_SUFFIX = ".procedure.yaml"
_FORM_SUFFIX = ".form.yaml"


@dataclass
class ProcedureResult:
    path: Path
    loaded: LoadedProcedure
    compiled: CompiledProcedure | None
    forms: Collection[str] | None = None  # the form ids it was checked against

    def transition_locations(self) -> dict[str, Location]:
        """Where each transition was written: in its base's file when a variant inherits it
        unchanged, at the variant's first change to it when the variant modifies it (so that
        coverage asks the variant's scenarios to make it)."""
        model = self.loaded.model or self.loaded.partial
        if model is None:
            return {}
        return {transition.id: _written_at(transition) for transition in model.transitions}

    @property
    def diagnostics(self) -> Diagnostics:
        return self.loaded.diagnostics

    @cached_property
    def content_hash(self) -> str | None:
        """The hash ``popo.lock`` records for a published version (as for a form's: of the
        procedure as assembled, its base included); None when it does not load."""
        if self.loaded.model is None or self.loaded.data is None:
            return None
        return content_hash(self.loaded.data)

    @property
    def definition(self) -> ProcedureDefinition | None:
        return self.loaded.model

    @property
    def ok(self) -> bool:
        return self.compiled is not None


def _written_at(transition: Transition) -> Location:
    where = transition.location()
    source = transition._src
    if source is None:
        return where
    changed = [loc for loc in source.value_locs.values() if loc.file != where.file]
    return min(changed, key=lambda loc: (loc.file, loc.line, loc.column), default=where)


def definitions_root(path: Path) -> Path:
    """The folder of definitions a file belongs to: the nearest one with a popo.lock (so
    definitions/ for definitions/zuid/x.procedure.yaml), else the file's own folder."""
    path = path.resolve()
    for folder in path.parents:
        if (folder / LOCK_NAME).exists():
            return folder
    return path.parent


_FORM_KINDS: dict[tuple[Path, tuple[tuple[Path, int], ...]], Mapping[str, str]] = {}


def form_kinds(root: Path) -> Mapping[str, str]:
    """The forms under ``root`` (variants included), id → kind (``""`` when it has none that
    can be read), read without checking them."""
    files = sorted(p for p in root.rglob(f"*{_FORM_SUFFIX}") if p.is_file())
    key = (root.resolve(), tuple((p, p.stat().st_mtime_ns) for p in files))
    if key not in _FORM_KINDS:
        kinds: dict[str, str] = {}
        for path in files:
            data = Assembler(Diagnostics()).assemble(path)
            if data is not None and isinstance(data.get("id"), str):
                kind = data.get("kind")
                kinds[data["id"]] = kind if isinstance(kind, str) else ""
        _FORM_KINDS.clear()  # one folder at a time is enough
        _FORM_KINDS[key] = MappingProxyType(kinds)
    return _FORM_KINDS[key]


def form_ids(root: Path) -> frozenset[str]:
    """The ids of the forms under ``root`` (variants included), read without checking them."""
    return frozenset(form_kinds(root))


def _needs_a_calendar(model: ProcedureDefinition, path: Path, diagnostics: Diagnostics) -> None:
    """A term in school days cannot be counted without the school calendar."""
    for term in model.terms:
        if term.unit == "school_days" and school_calendar(path) is None:
            diagnostics.warning(
                term.location("unit"),
                f"the term '{term.id}' counts school days, and the definitions folder has no "
                "school calendar that can be read",
                f"add the school holidays as a *{CALENDAR_SUFFIX} file in "
                f"{definitions_root(path)} (or fix its errors)",
            )
            return


def school_calendar(path: Path) -> SchoolCalendar | None:
    """The school calendar (``*.calendar.yaml``) of the definitions folder ``path`` is in, for
    terms in school days; None when there is none or it has errors (popo check reports them)."""
    for found in sorted(definitions_root(path).rglob(f"*{CALENDAR_SUFFIX}")):
        return load_calendar(found).calendar
    return None


def check_procedure_file(path: Path | str, forms: Collection[str] | None = None) -> ProcedureResult:
    """Load, check and (without errors) compile one procedure. ``forms``: the form ids that
    may be named (a mapping id → kind also checks that ``support: form:`` is a support
    request); by default those of the definitions folder the file is in, with their kinds."""
    path = Path(path)
    loaded = load_procedure(path)
    if forms is None:
        forms = form_kinds(definitions_root(path))
    model = loaded.model or loaded.partial
    if model is None:
        return ProcedureResult(path, loaded, None, forms)
    check_procedure(model, loaded.diagnostics, forms, loaded.left_out, loaded.lost)
    _needs_a_calendar(model, path, loaded.diagnostics)
    compiled = None
    if loaded.model is not None and loaded.data is not None and not loaded.diagnostics.errors:
        compiled = compile_procedure(loaded.model, content_hash(loaded.data))
    return ProcedureResult(path, loaded, compiled, forms)


def compile_procedure_file(
    path: Path | str, forms: Collection[str] | None = None
) -> CompiledProcedure:
    """A compiled procedure, or :class:`DefinitionError` with every diagnostic."""
    result = check_procedure_file(path, forms)
    if result.compiled is None:
        raise DefinitionError(result.diagnostics.sorted())
    return result.compiled


__all__ = [
    "PARTY_ROLES",
    "PROCEDURE_SUFFIX",
    "Actor",
    "CaseState",
    "CompiledProcedure",
    "Event",
    "ProcedureDefinition",
    "ProcedureResult",
    "Refusal",
    "available",
    "check_procedure",
    "check_procedure_file",
    "compile_procedure",
    "compile_procedure_file",
    "definitions_root",
    "evaluate",
    "form_ids",
    "form_kinds",
    "load_procedure",
    "school_calendar",
    "tasks_for",
]
