"""Diagnostics: every problem the engine finds knows where in the author's text it came from.

A :class:`Location` points at a file, line and column (1-based, as editors count) and the YAML
path of the node. A :class:`Diagnostic` adds the message, a fix hint and, for expressions, the
expression text with the offset of the fault so that a caret can be drawn under it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Location(NamedTuple):
    """A place in an author's file: 1-based line and column, and the YAML path of the node."""

    file: str
    line: int = 0
    column: int = 0
    yaml_path: str = ""

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.column}"
        return self.file

    def shifted(self, columns: int) -> Location:
        return Location(self.file, self.line, self.column + columns, self.yaml_path)


UNKNOWN = Location("<unknown>")


@dataclass(frozen=True, slots=True)
class Diagnostic:
    location: Location
    message: str
    hint: str = ""
    expression: str = ""
    offset: int = -1
    severity: Severity = Severity.ERROR

    def render(self) -> str:
        """The text shown to an author: ``file:line:col: message`` then context lines."""
        head = f"{self.location}: {self.severity.value}: {self.message}"
        lines = [head]
        if self.location.yaml_path:
            lines.append(f"  at {self.location.yaml_path}")
        if self.expression:
            lines.append(f"    {self.expression}")
            if self.offset >= 0:
                lines.append("    " + " " * min(self.offset, len(self.expression)) + "^")
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()


@dataclass
class Diagnostics:
    """An ordered collection of diagnostics; a checking stage appends, it never raises."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, diagnostic: Diagnostic) -> None:
        self.items.append(diagnostic)

    def error(
        self,
        location: Location,
        message: str,
        hint: str = "",
        expression: str = "",
        offset: int = -1,
    ) -> None:
        self.items.append(Diagnostic(location, message, hint, expression, offset))

    def warning(self, location: Location, message: str, hint: str = "") -> None:
        self.items.append(Diagnostic(location, message, hint, severity=Severity.WARNING))

    def extend(self, other: Iterable[Diagnostic]) -> None:
        self.items.extend(other)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.WARNING]

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def sorted(self) -> list[Diagnostic]:
        return sorted(
            self.items, key=lambda d: (d.location.file, d.location.line, d.location.column)
        )


class EngineError(Exception):
    """Base of every error the engine raises on purpose."""


class DefinitionError(EngineError):
    """A definition could not be loaded or compiled; carries all diagnostics found."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(d.render() for d in self.diagnostics))


class ExpressionError(EngineError):
    """An expression is malformed or ill-typed. ``offset`` is the 0-based column in the text."""

    def __init__(self, message: str, offset: int = -1, hint: str = ""):
        self.message = message
        self.offset = offset
        self.hint = hint
        super().__init__(message)


class HintedError(EngineError):
    """A question the engine cannot answer, with a message and a hint on what to do."""

    def __init__(self, message: str, hint: str = "") -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message} ({hint})" if hint else message)


class EvaluationError(EngineError):
    """An expression failed at run time (for example a value of an unexpected type)."""


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """A "did you mean" hint for a misspelt name, or an empty string."""
    import difflib

    matches = difflib.get_close_matches(name, list(candidates), n=3, cutoff=0.6)
    if not matches:
        return ""
    if len(matches) == 1:
        return f"did you mean '{matches[0]}'?"
    return "did you mean one of " + ", ".join(f"'{m}'" for m in matches) + "?"
