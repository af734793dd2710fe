"""The log of a placement round: everything needed to check the round, as one JSON object.

A region publishes the log of its round so that anyone can confirm the result: the log holds
the round's input (pseudonymised: children appear only by their opaque ids), its SHA-256 hash,
the seed, the lottery mode and every lottery number, the result (each child's school, each
school's cutoff) and the placement policy's id and version. :func:`verify` draws the lottery
again from the seed, runs the match again on the input and lists every difference with what
the log says: an input changed after the round, numbers that do not follow from the seed, a
placement or cutoff that is not the result of the input.

The log (version 1)::

    {
      "format": "popo-placement-log", "version": 1,
      "policy": {"id": ..., "version": ..., ...},      # as the round was given it
      "seed": "...",
      "lottery": {"mode": "single" | "per_school", "numbers": {...}},
      "input": {"groups": [...],
                "schools": [{"id": ..., "capacity": ...}, ...],
                "children": [{"id": ..., "preferences": [[school, rank], ...]}, ...]},
      "input_sha256": "...",
      "result": {"placed": {child: school or null},
                 "cutoffs": {school: [rank, number] or null}}
    }

The lottery numbers are {child: number} (single) or {school: {child: number}} (per school);
:mod:`engine.placement.lottery` tells how they follow from the seed. The **canonical input**
lists schools and children sorted by id (a child's preferences stay in the parents' order),
and its hash is the SHA-256 of its JSON with sorted keys, no spaces (separators ``,`` and
``:``) and UTF-8 text: :func:`input_sha256`, published before the seed is drawn.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import HintedError
from .lottery import Lottery, LotteryError, Mode, check_mode, draw_for
from .match import Child, Instance, PlacementError, Priority, Result, School, place

FORMAT = "popo-placement-log"
VERSION = 1


class RoundLogError(HintedError):
    """A round's log that cannot be made or read."""


def instance_to_json(instance: Instance) -> dict[str, Any]:
    """The canonical input: schools and children sorted by id, preferences in their order."""
    return {
        "groups": list(instance.groups),
        "schools": [
            {"id": s.id, "capacity": s.capacity} for s in sorted(instance.schools, key=_id)
        ],
        "children": [
            {"id": c.id, "preferences": [[school, rank] for school, rank in c.preferences]}
            for c in sorted(instance.children, key=_id)
        ],
    }


def _id(item: Child | School) -> str:
    return item.id


def canonical_json(data: Any) -> bytes:
    """JSON with sorted keys, no spaces and UTF-8 text: the bytes the input's hash is of."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def input_sha256(instance: Instance | Mapping[str, Any]) -> str:
    """The hexadecimal SHA-256 of the canonical input (an instance, or its JSON as logged)."""
    data = instance_to_json(instance) if isinstance(instance, Instance) else instance
    return hashlib.sha256(canonical_json(data)).hexdigest()


def instance_from_json(data: Any) -> Instance:
    """The instance of a log's input, or a :class:`RoundLogError` saying what is malformed."""
    if not isinstance(data, Mapping):
        raise RoundLogError("the input is not an object with groups, schools and children")
    groups, schools, children = data.get("groups"), data.get("schools"), data.get("children")
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        raise RoundLogError("the input's groups are not a list of group ids")
    if not isinstance(schools, list) or not isinstance(children, list):
        raise RoundLogError("the input's schools and children are not lists")
    try:
        return Instance(
            children=tuple(_child(entry) for entry in children),
            schools=tuple(_school(entry) for entry in schools),
            groups=tuple(groups),
        )
    except PlacementError as error:
        raise RoundLogError(f"the input cannot be placed: {error}") from None


def _school(entry: Any) -> School:
    if not isinstance(entry, Mapping) or not isinstance(entry.get("id"), str):
        raise RoundLogError(f"a school of the input is not an object with an id: {entry!r}")
    capacity = entry.get("capacity")
    if isinstance(capacity, bool) or not isinstance(capacity, int):
        raise RoundLogError(f"school '{entry['id']}' of the input has capacity {capacity!r}")
    return School(entry["id"], capacity)


def _child(entry: Any) -> Child:
    if not isinstance(entry, Mapping) or not isinstance(entry.get("id"), str):
        raise RoundLogError(f"a child of the input is not an object with an id: {entry!r}")
    preferences = entry.get("preferences")
    if not isinstance(preferences, list) or not all(
        isinstance(p, list) and len(p) == 2 and isinstance(p[0], str) for p in preferences
    ):
        raise RoundLogError(
            f"the preferences of child '{entry['id']}' are not a list of [school, rank]"
        )
    return Child(entry["id"], tuple((school, rank) for school, rank in preferences))


def result_to_json(result: Result) -> dict[str, Any]:
    """The result as the log holds it: each child's school, each school's cutoff."""
    return {
        "placed": dict(result.placed),
        "cutoffs": {
            school: None if cutoff is None else [cutoff.rank, cutoff.number]
            for school, cutoff in result.cutoffs.items()
        },
    }


def make_log(
    instance: Instance, lottery_mode: Mode, seed: str, result: Result, policy: Mapping[str, Any]
) -> dict[str, Any]:
    """The JSON-able log of a round that placed ``instance`` with the lottery ``lottery_mode``
    drawn from ``seed`` (:func:`~engine.placement.lottery.draw_for`) and gave ``result``, under
    ``policy`` (a JSON-able object with at least its ``id`` and ``version``). The log is
    verified before it is returned: a log that would not verify is a :class:`RoundLogError`."""
    if "id" not in policy or "version" not in policy:
        raise RoundLogError("the policy of a round's log needs its id and version")
    if result.instance is not instance and result.instance != instance:
        raise RoundLogError("the result is not the result of this instance")
    if result.lottery.mode != lottery_mode:
        raise RoundLogError(
            f"the result's lottery mode is {result.lottery.mode}, not {lottery_mode}"
        )
    if result.lottery.seed != seed:
        raise RoundLogError("the result's lottery was drawn from another seed")
    try:
        policy_json = json.loads(json.dumps(dict(policy)))
    except (TypeError, ValueError) as error:
        raise RoundLogError(f"the policy of a round's log is not JSON-able: {error}") from None
    data = instance_to_json(instance)
    log: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "policy": policy_json,
        "seed": seed,
        "lottery": {"mode": lottery_mode, "numbers": result.lottery.to_json()},
        "input": data,
        "input_sha256": input_sha256(data),
        "result": result_to_json(result),
    }
    checked = verify(log)
    if not checked.ok:
        raise RoundLogError(
            "the round's log does not verify: " + "; ".join(checked.problems[:5]),
            "draw the lottery with engine.placement.lottery.draw_for(instance, seed, mode) "
            "and place with engine.placement.match.place",
        )
    return log


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of :func:`verify`: ``ok`` when ``problems`` is empty. ``result`` is the
    result recomputed from the log's input and seed (None if the log could not be rerun)."""

    problems: list[str] = field(default_factory=list)
    result: Result | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(log: Any) -> Verification:
    """Rerun the round of ``log`` and list every difference with what it says."""
    problems: list[str] = []
    if not isinstance(log, Mapping):
        return Verification(["the log is not a JSON object"])
    if log.get("format") != FORMAT:
        problems.append(f"the log's format is {log.get('format')!r}, not {FORMAT!r}")
    if log.get("version") != VERSION:
        return Verification([*problems, f"the log's version is {log.get('version')!r}, not 1"])
    policy = log.get("policy")
    if not isinstance(policy, Mapping) or "id" not in policy or "version" not in policy:
        problems.append("the log does not name the policy's id and version")
    seed = log.get("seed")
    if not isinstance(seed, str):
        return Verification([*problems, f"the log's seed is {seed!r}, not a text"])
    lottery_part = log.get("lottery")
    if not isinstance(lottery_part, Mapping):
        return Verification([*problems, "the log has no lottery"])
    try:
        mode = check_mode(str(lottery_part.get("mode")))
    except LotteryError as error:
        return Verification([*problems, str(error)])
    data = log.get("input")
    expected_hash = input_sha256(data) if isinstance(data, Mapping) else None
    if expected_hash is not None and log.get("input_sha256") != expected_hash:
        problems.append(
            f"the input's SHA-256 is {expected_hash}, the log says {log.get('input_sha256')}: "
            "the input is not the input the round was logged with"
        )
    try:
        instance = instance_from_json(data)
        lottery = draw_for(instance, seed, mode)
    except (RoundLogError, LotteryError) as error:
        return Verification([*problems, str(error)])
    problems.extend(_compare_numbers(lottery, lottery_part.get("numbers")))
    result = place(instance, lottery)
    problems.extend(_compare_result(result, log.get("result")))
    return Verification(problems, result)


def _compare_numbers(lottery: Lottery, logged: Any) -> list[str]:
    if not isinstance(logged, Mapping):
        return ["the log has no lottery numbers"]
    if lottery.mode == "single":
        return _compare_table("", lottery.numbers, logged)
    drawn = lottery.school_numbers
    problems = []
    for school in sorted(set(drawn) | set(logged)):
        if school not in logged:
            problems.append(f"the log has no lottery numbers at school '{school}'")
        elif school not in drawn:
            problems.append(f"the log has lottery numbers at school '{school}', not in the input")
        elif not isinstance(logged[school], Mapping):
            problems.append(f"the log's lottery numbers at school '{school}' are not a table")
        else:
            problems.extend(_compare_table(f" at school '{school}'", drawn[school], logged[school]))
    return problems


def _compare_table(where: str, drawn: Mapping[str, Any], logged: Mapping[str, Any]) -> list[str]:
    problems = []
    for child in sorted(set(drawn) | set(logged)):
        if child not in logged:
            problems.append(f"child '{child}' has no lottery number{where} in the log")
        elif child not in drawn:
            problems.append(
                f"the log gives child '{child}' a lottery number{where}, but it is "
                "not in the input" + ("" if not where else " at that school")
            )
        elif logged[child] != drawn[child]:
            problems.append(
                f"the lottery number of child '{child}'{where}: the log says {logged[child]!r}, "
                f"the seed gives {drawn[child]}"
            )
    return problems


def _compare_result(result: Result, logged: Any) -> list[str]:
    if not isinstance(logged, Mapping):
        return ["the log has no result"]
    placed, cutoffs = logged.get("placed"), logged.get("cutoffs")
    if not isinstance(placed, Mapping) or not isinstance(cutoffs, Mapping):
        return ["the log's result has no placements and cutoffs"]
    problems = []
    for child in sorted(set(result.placed) | set(placed)):
        if child not in placed:
            problems.append(f"the log's result does not place child '{child}'")
        elif child not in result.placed:
            problems.append(f"the log's result places child '{child}', not in the input")
        elif placed[child] != result.placed[child]:
            problems.append(
                f"child '{child}': the log places it at {_school_text(placed[child])}, the "
                f"round at {_school_text(result.placed[child])}"
            )
    for school in sorted(set(result.cutoffs) | set(cutoffs)):
        ours = result.cutoffs.get(school)
        if school not in cutoffs:
            problems.append(f"the log's result has no cutoff for school '{school}'")
        elif school not in result.cutoffs:
            problems.append(
                f"the log's result has a cutoff for school '{school}', not in the input"
            )
        elif cutoffs[school] != _cutoff_json(ours):
            problems.append(
                f"the cutoff of school '{school}': the log says {cutoffs[school]!r}, the round "
                f"gives {_cutoff_json(ours)!r}"
            )
    return problems


def _cutoff_json(cutoff: Priority | None) -> list[int] | None:
    return None if cutoff is None else [cutoff.rank, cutoff.number]


def _school_text(school: Any) -> str:
    return "no school" if school is None else f"school '{school}'"


def dump_log(log: Mapping[str, Any], path: str | Path) -> None:
    """Write ``log`` to ``path`` as UTF-8 JSON (indented, keys sorted, a final newline)."""
    text = json.dumps(log, indent=2, sort_keys=True, ensure_ascii=False)
    Path(path).write_text(text + "\n", encoding="utf-8")


def load_log(path: str | Path) -> dict[str, Any]:
    """The log in ``path`` (as :func:`dump_log` wrote it); a :class:`RoundLogError` if it is
    not a JSON object. Check it with :func:`verify`."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RoundLogError(f"{path}: cannot read the round's log: {error}") from None
    if not isinstance(data, dict):
        raise RoundLogError(f"{path}: the round's log is not a JSON object")
    return data


__all__ = [
    "FORMAT",
    "VERSION",
    "RoundLogError",
    "Verification",
    "canonical_json",
    "dump_log",
    "input_sha256",
    "instance_from_json",
    "instance_to_json",
    "load_log",
    "make_log",
    "result_to_json",
    "verify",
]
