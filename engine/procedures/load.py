"""Load a procedure file: assemble it (a variant through ``extends`` and ``changes``, as
forms do) and validate its shape, keeping what is sound when a part is broken."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from ..assemble import Assembler, Composition, copy_located
from ..errors import Diagnostics
from ..loader import attach_sources, build_model
from ..yamlsource import LocDict, LocList
from .model import ProcedureDefinition

LISTS = ("parties", "statuses", "transitions", "terms", "tasks")
PROCEDURES = Composition(
    LISTS,
    "party, status, transition, term or task",
    "parties, statuses, transitions, terms or tasks",
    ("modify", "remove", "add"),
    frozenset(LISTS),
    ("after", "before"),
)
# keys without which the rest cannot be checked get a stand-in (their error is reported)
_STAND_INS = {"id": "procedure", "version": 1, "title": ""}
MAX_PRUNING_ROUNDS = 20


@dataclass
class LoadedProcedure:
    path: Path
    data: LocDict | None
    model: ProcedureDefinition | None
    diagnostics: Diagnostics
    files: set[Path] = field(default_factory=set)
    # when the model has errors: the rest of it, to check it all the same
    partial: ProcedureDefinition | None = None
    # ids of items left out of the partial model, per list: references to them are not reported
    left_out: set[str] = field(default_factory=set)


def load_procedure(path: Path | str) -> LoadedProcedure:
    path = Path(path)
    diagnostics = Diagnostics()
    assembler = Assembler(diagnostics, PROCEDURES)
    data = assembler.assemble(path)
    loaded = LoadedProcedure(path, data, None, diagnostics, set(assembler.files))
    if data is None:
        return loaded
    assembled = not diagnostics.errors
    model = build_model(data, diagnostics, ProcedureDefinition)
    if model is not None and assembled:
        loaded.model = model
    elif model is not None:
        loaded.partial = model
    else:
        loaded.partial = _partial(data, loaded.left_out)
    return loaded


def _partial(data: LocDict, left_out: set[str]) -> ProcedureDefinition | None:
    """The procedure without its broken items, so that one run reports every problem."""
    work = copy_located(data)
    for _ in range(MAX_PRUNING_ROUNDS):
        try:
            model = ProcedureDefinition.model_validate(work)
        except ValidationError as exc:
            for error in reversed(exc.errors()):  # later items first: indexes stay right
                if not _prune(work, error["loc"], left_out):
                    return None
            continue
        attach_sources(model, work)
        return model
    return None


def _prune(work: LocDict, loc: tuple[object, ...], left_out: set[str]) -> bool:
    key = loc[0] if loc else None
    if not isinstance(key, str):
        return False
    items = work.get(key)
    if len(loc) >= 2 and isinstance(items, LocList) and isinstance(loc[1], int):
        index = loc[1]
        if 0 <= index < len(items):
            item = items[index]
            if isinstance(item, LocDict) and item.get("id") is not None:
                left_out.add(str(item["id"]))
            del items[index]
            del items.item_locs[index]
        return True
    if key in _STAND_INS:
        work[key] = _STAND_INS[key]
        return True
    known = ProcedureDefinition.model_fields.get(key)
    if key in work and (known is None or not known.is_required()):  # unknown, or optional
        work.pop(key)
        return True
    if key in LISTS and not isinstance(items, LocList):  # not a list: check the rest with none
        work[key] = LocList(work.loc)
        return True
    return False  # a required list is empty: nothing to check it against
