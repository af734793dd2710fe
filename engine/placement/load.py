"""Load a placement policy file: read the located YAML and validate its shape, keeping what
is sound when a part is broken (a school or group with an error is left out, so that one
run of ``popo check`` reports every other problem too).

A policy is one region's, for one round: it has no ``extends`` or ``changes`` (a new round is
a new version, or a new policy)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from ..assemble import copy_located
from ..errors import DefinitionError, Diagnostics, Location
from ..loader import attach_sources, build_model
from ..yamlsource import LocDict, LocList, load_file
from .model import PlacementPolicy, PlacementSchool, RoundDates

LISTS = ("groups", "schools")
# keys without which the rest cannot be checked get a stand-in (their error is reported)
_STAND_INS: dict[str, Any] = {"id": "placement", "version": 1, "title": "", "region": "region"}
MAX_PRUNING_ROUNDS = 20


@dataclass
class LoadedPolicy:
    path: Path
    data: LocDict | None
    model: PlacementPolicy | None
    diagnostics: Diagnostics
    files: set[Path] = field(default_factory=set)
    # when the model has errors: the rest of it, to check it all the same
    partial: PlacementPolicy | None = None
    # ids and school codes of items left out of the partial model: not reported again
    left_out: set[str] = field(default_factory=set)
    # keys that could not be read at all (round, schools, ...): nothing about them is reported
    lost: set[str] = field(default_factory=set)


def load_policy(path: Path | str) -> LoadedPolicy:
    path = Path(path)
    diagnostics = Diagnostics()
    loaded = LoadedPolicy(path, None, None, diagnostics, {path.resolve()})
    try:
        data = load_file(path, _display(path))
    except DefinitionError as exc:  # a YAML error, a repeated key, a tag, …
        diagnostics.extend(exc.diagnostics)
        return loaded
    if not isinstance(data, LocDict):
        diagnostics.error(
            Location(_display(path), 1, 1),
            "a placement policy is a mapping that starts with id:, version: and title:",
            "see docs/placement.md for a whole policy",
        )
        return loaded
    loaded.data = data
    model = build_model(data, diagnostics, PlacementPolicy)
    if model is not None:
        loaded.model = model
        return loaded
    loaded.lost = {key for key in ("round", *LISTS) if not _readable(data, key)}
    loaded.partial = _partial(data, loaded.left_out, loaded.lost)
    return loaded


def _readable(data: LocDict, key: str) -> bool:
    value = data.get(key)
    if key == "round":
        return isinstance(value, LocDict)
    return value is None or isinstance(value, LocList)


class _Partial(PlacementPolicy):
    """The rest of a policy with errors: its schools may all have been left out."""

    schools: list[PlacementSchool] = Field(default_factory=list)


def _partial(data: LocDict, left_out: set[str], lost: set[str]) -> PlacementPolicy | None:
    """The policy without its broken items (see the module)."""
    work = copy_located(data)
    for _ in range(MAX_PRUNING_ROUNDS):
        try:
            model = _Partial.model_validate(work)
        except ValidationError as exc:
            items = {
                (str(error["loc"][0]), error["loc"][1])
                for error in exc.errors()
                if len(error["loc"]) >= 2
                and error["loc"][0] in LISTS
                and isinstance(error["loc"][1], int)
            }
            for key, index in sorted(items, key=lambda item: -int(item[1])):  # indexes stay right
                _leave_out(work, key, int(index), left_out)
            others = [error["loc"] for error in exc.errors() if error["loc"][:2] not in items]
            if not all(_prune(work, loc, lost) for loc in others):
                return None
            continue
        attach_sources(model, work)
        return model
    return None


def _leave_out(work: LocDict, key: str, index: int, left_out: set[str]) -> None:
    items = work.get(key)
    if isinstance(items, LocList) and 0 <= index < len(items):
        item = items[index]
        if isinstance(item, LocDict):
            name = item.get("id") if key == "groups" else item.get("school")
            if name is not None:
                left_out.add(str(name))
        del items[index]
        del items.item_locs[index]


def _prune(work: LocDict, loc: tuple[Any, ...], lost: set[str]) -> bool:
    key = loc[0] if loc else None
    if not isinstance(key, str):
        return False
    if key in _STAND_INS:
        work[key] = _STAND_INS[key]
        return True
    if key == "round":  # the dates cannot be checked against each other: none are
        lost.add("round")
        work[key] = _stand_in_round(work.get(key))
        return True
    if key == "lottery":
        work[key] = "single"
        return True
    if key == "max_preferences":
        lost.add(key)
        work[key] = 1
        return True
    if key in LISTS:  # not a list: check the rest with none
        lost.add(key)
        work[key] = LocList(work.loc)
        return True
    known = PlacementPolicy.model_fields.get(key)
    if key in work and (known is None or not known.is_required()):  # unknown, or optional
        work.pop(key)
        return True
    return False


def _stand_in_round(source: Any) -> LocDict:
    """Dates that stand in for a round that could not be read (never compared)."""
    stand_in = LocDict(source.loc if isinstance(source, LocDict) else Location("<round>"))
    for key in RoundDates.model_fields:
        stand_in[key] = date(2000, 1, 1)
    return stand_in


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
