"""Static types of expression values."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ExprType:
    kind: str  # number, string, date, boolean, list, repeat, any, none
    elem: ExprType | None = None

    def __str__(self) -> str:
        if self.kind == "list":
            return f"list of {self.elem}" if self.elem else "list"
        if self.kind == "repeat":
            return "repeating group"
        if self.kind == "none":
            return "no value"
        return {
            "number": "number",
            "string": "text",
            "date": "date",
            "boolean": "yes/no",
            "file": "file",
        }.get(self.kind, self.kind)

    @property
    def is_list(self) -> bool:
        return self.kind == "list"


NUMBER = ExprType("number")
STRING = ExprType("string")
DATE = ExprType("date")
BOOLEAN = ExprType("boolean")
ANY = ExprType("any")
REPEAT = ExprType("repeat")
NONE = ExprType("none")
FILE = ExprType("file")


def list_of(elem: ExprType) -> ExprType:
    return ExprType("list", elem)


def compatible(a: ExprType, b: ExprType) -> bool:
    """Whether values of the two types may be compared for equality."""
    if a.kind == "any" or b.kind == "any":
        return True
    if a.kind == "list" and b.kind == "list":
        return a.elem is None or b.elem is None or compatible(a.elem, b.elem)
    return a.kind == b.kind


def unify(a: ExprType, b: ExprType) -> ExprType | None:
    if a.kind == "any":
        return b
    if b.kind == "any":
        return a
    if a == b:
        return a
    if a.kind == "list" and b.kind == "list":
        if a.elem is None:
            return b
        if b.elem is None:
            return a
        inner = unify(a.elem, b.elem)
        return list_of(inner) if inner else None
    return None
