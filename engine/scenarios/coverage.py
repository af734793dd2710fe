"""Coverage: whether the scenarios saw each condition, constraint and choice filter both ways."""

from __future__ import annotations

from typing import Any

from ..checker import CheckedForm, TypedExpression
from ..compiler import TRACED_PURPOSES
from ..procedures.scenarios import TransitionCoverage


class Coverage:
    """Which conditions, constraints and choice filters the scenarios saw both ways.

    An expression is known by where it is written, so a condition that a variant inherits
    unchanged from its base is covered by the base's scenarios; one the variant changes needs
    scenarios of its own.
    """

    def __init__(self) -> None:
        self.expected: dict[tuple[str, int, int, str], tuple[TypedExpression, str, str]] = {}
        self.seen: dict[tuple[str, int, int, str], set[str]] = {}
        self.transitions = TransitionCoverage()  # of procedures: each one made by a scenario

    @staticmethod
    def key(typed: TypedExpression, purpose: str) -> tuple[str, int, int, str]:
        loc = typed.location
        return (loc.file, loc.line, loc.column, purpose.split(":")[0])

    def expect(self, checked: CheckedForm) -> None:
        for (owner, purpose), typed in checked.expressions.items():
            if purpose in TRACED_PURPOSES or purpose.startswith("constraint:"):
                self.expected.setdefault(
                    self.key(typed, purpose), (typed, owner, purpose.split(":")[0])
                )

    def record(self, typed: TypedExpression, owner: str, purpose: str, outcome: Any) -> None:
        if purpose.startswith("constraint:"):
            if outcome is None:
                return
            label = "kept" if outcome is True else "broken"
        else:
            label = "true" if outcome is True else "false"
        self.seen.setdefault(self.key(typed, purpose), set()).add(label)

    def missing(self) -> list[tuple[TypedExpression, str, str, list[str]]]:
        """Each expression not yet seen both ways, with the outcomes never seen."""
        result = []
        for key, (typed, owner, purpose) in sorted(self.expected.items()):
            wanted = ["kept", "broken"] if purpose == "constraint" else ["true", "false"]
            absent = [label for label in wanted if label not in self.seen.get(key, set())]
            if absent:
                result.append((typed, owner, purpose, absent))
        return result

    @property
    def total(self) -> int:
        return len(self.expected)


_PURPOSE_WORDS = {
    "visible": "visible_if",
    "required": "required",
    "enabled": "enabled_if",
    "choice_filter": "choice_filter (per choice)",
    "constraint": "constraint",
}


def describe_missing(typed: TypedExpression, owner: str, purpose: str, absent: list[str]) -> str:
    what = _PURPOSE_WORDS.get(purpose, purpose)
    name = owner.split(":", 1)[-1]
    return (
        f"{typed.location}: not covered: {what} of '{name}' never seen "
        + " or ".join(absent)
        + f": {typed.source}"
    )
