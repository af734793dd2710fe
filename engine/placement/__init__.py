"""Placement: a region's central placement round, as a definition (``*.placement.yaml``) and
as a pure algorithm.

The definition's stages, one module each: :mod:`.model` (what a file may hold), :mod:`.load`
(the located YAML, shape errors at the node, broken items left out), :mod:`.check` (dates,
schools, groups and rules, the aanmeldformulier's questions, the register of schools) and
:mod:`.compile` (plain frozen data, and a child's priority group at a school from the facts
the runtime gathers). The round itself is :mod:`.match` (child-proposing deferred acceptance),
:mod:`.lottery` (the numbers from the seed) and :mod:`.roundlog` (the verifiable log).
docs/placement.md is the guide.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..api import CheckResult, check_file, content_hash
from ..assemble import Assembler
from ..errors import DefinitionError, Diagnostics
from ..procedures import definitions_root
from .check import check_policy, school_code
from .compile import (
    ChildFacts,
    CompiledGroup,
    CompiledPolicy,
    CompiledSchool,
    compile_policy,
    postcode4,
)
from .load import LoadedPolicy, load_policy
from .model import LOTTERY_MODES, RULES, PlacementPolicy

PLACEMENT_SUFFIX = ".placement.yaml"
REGISTRATION_KIND = "aanmeldformulier"
_FORM_SUFFIX = ".form.yaml"


@dataclass
class PlacementResult:
    path: Path
    loaded: LoadedPolicy
    compiled: CompiledPolicy | None
    checked_against: dict[str, bool] = field(default_factory=dict)  # register, questions

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
    def definition(self) -> PlacementPolicy | None:
        return self.loaded.model

    @property
    def ok(self) -> bool:
        return self.compiled is not None


def registration_questions(forms: Iterable[CheckResult], region: str) -> dict[str, str] | None:
    """The questions (field id → type) of the aanmeldformulier a region's parents fill in:
    the region's own variants, else the base forms (of no region). None when there is none
    that checks."""
    found = [
        result.checked
        for result in forms
        if result.checked is not None and str(result.checked.definition.kind) == REGISTRATION_KIND
    ]
    own = [form for form in found if form.definition.region == region]
    pool = own or [form for form in found if form.definition.region is None]
    if not pool:
        return None
    questions: dict[str, str] = {}
    for form in pool:
        for spec in form.fields:
            questions.setdefault(spec.id, spec.type)
    return questions


def _registration_forms(root: Path) -> list[CheckResult]:
    """The aanmeldformulieren under ``root``, checked (read first to see their kind)."""
    found = []
    for path in sorted(p for p in root.rglob(f"*{_FORM_SUFFIX}") if p.is_file()):
        data = Assembler(Diagnostics()).assemble(path)
        if data is not None and data.get("kind") == REGISTRATION_KIND:
            found.append(check_file(path))
    return found


def check_placement_file(
    path: Path | str,
    register: Mapping[str, str | None] | None = None,
    forms: Iterable[CheckResult] | None = None,
) -> PlacementResult:
    """Load, check and (without errors) compile one placement policy. ``register``: the
    school locations POPO knows (code → region), None when not at hand (``popo check`` reads
    no database); ``forms``: the checked forms of its definitions folder (by default found
    there), for the questions a group with ``rule: answer`` names."""
    path = Path(path)
    loaded = load_policy(path)
    model = loaded.model or loaded.partial
    result = PlacementResult(path, loaded, None)
    if model is None:
        return result
    if forms is None:
        forms = _registration_forms(definitions_root(path))
    questions = registration_questions(forms, model.region)
    check_policy(model, loaded.diagnostics, register, questions, loaded.left_out, loaded.lost)
    result.checked_against = {"register": register is not None, "questions": questions is not None}
    if loaded.model is not None and loaded.data is not None and not loaded.diagnostics.errors:
        result.compiled = compile_policy(loaded.model, content_hash(loaded.data))
    return result


def compile_placement_file(
    path: Path | str, register: Mapping[str, str | None] | None = None
) -> CompiledPolicy:
    """A compiled policy, or :class:`DefinitionError` with every diagnostic."""
    result = check_placement_file(path, register)
    if result.compiled is None:
        raise DefinitionError(result.diagnostics.sorted())
    return result.compiled


__all__ = [
    "LOTTERY_MODES",
    "PLACEMENT_SUFFIX",
    "RULES",
    "ChildFacts",
    "CompiledGroup",
    "CompiledPolicy",
    "CompiledSchool",
    "LoadedPolicy",
    "PlacementPolicy",
    "PlacementResult",
    "check_placement_file",
    "check_policy",
    "compile_placement_file",
    "compile_policy",
    "definitions_root",
    "load_policy",
    "postcode4",
    "registration_questions",
    "school_code",
]
