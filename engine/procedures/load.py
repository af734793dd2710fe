"""Load a procedure file: assemble it (a variant through ``extends`` and ``changes``, as
forms do) and validate its shape, keeping what is sound when a part is broken."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import Field, ValidationError

from ..assemble import Assembler, Composition, copy_located
from ..errors import Diagnostics
from ..loader import attach_sources, build_model
from ..yamlsource import LocDict, LocList
from .model import Party, ProcedureDefinition, Status, Transition

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
    # ids of items left out of the partial model: references to them are not reported
    left_out: set[str] = field(default_factory=set)
    # lists missing or unreadable as a whole: no reference into them is reported
    lost: set[str] = field(default_factory=set)


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
        loaded.lost = {key for key in LISTS if not isinstance(data.get(key, []), LocList | list)}
        loaded.lost |= {key for key in LISTS if _required(key) and key not in data}
        loaded.partial = _partial(data, loaded.left_out)
    return loaded


class _Partial(ProcedureDefinition):
    """The rest of a procedure with errors: its lists may have lost every item."""

    parties: list[Party] = Field(default_factory=list)
    statuses: list[Status] = Field(default_factory=list)
    transitions: list[Transition] = Field(default_factory=list)


def _required(key: str) -> bool:
    return ProcedureDefinition.model_fields[key].is_required()


def _partial(data: LocDict, left_out: set[str]) -> ProcedureDefinition | None:
    """The procedure without its broken items, so that one run reports every problem."""
    work = copy_located(data)
    for _ in range(MAX_PRUNING_ROUNDS):
        try:
            model = _Partial.model_validate(work)
        except ValidationError as exc:
            items = {
                (error["loc"][0], error["loc"][1])
                for error in exc.errors()
                if len(error["loc"]) >= 2 and isinstance(error["loc"][1], int)
            }
            for key, index in sorted(items, key=lambda item: -item[1]):  # indexes stay right
                _leave_out(work, str(key), index, left_out)
            others = [error["loc"] for error in exc.errors() if (error["loc"][:2]) not in items]
            if not all(_prune(work, loc) for loc in others):
                return None
            continue
        attach_sources(model, work)
        return model
    return None


def _leave_out(work: LocDict, key: str, index: int, left_out: set[str]) -> None:
    items = work.get(key)
    if isinstance(items, LocList) and 0 <= index < len(items):
        item = items[index]
        if isinstance(item, LocDict) and item.get("id") is not None:
            left_out.add(str(item["id"]))
        del items[index]
        del items.item_locs[index]


def _prune(work: LocDict, loc: tuple[object, ...]) -> bool:
    key = loc[0] if loc else None
    if not isinstance(key, str):
        return False
    items = work.get(key)
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
    return False
