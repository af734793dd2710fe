"""The abstract syntax tree of an expression. Every node keeps its offset in the source text."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Node:
    pos: int
    end: int


@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: object


@dataclass(frozen=True, slots=True)
class ListLiteral(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Ref(Node):
    """A reference to a field by its id."""

    name: str


@dataclass(frozen=True, slots=True)
class ChoiceAttr(Node):
    """``@attr``: an attribute of the candidate choice, inside a ``choice_filter``."""

    name: str


@dataclass(frozen=True, slots=True)
class Unary(Node):
    op: str  # "-" or "not"
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary(Node):
    op: str  # arithmetic, comparison, "in", "and", "or"
    left: Node
    right: Node
    op_pos: int


@dataclass(frozen=True, slots=True)
class Call(Node):
    name: str
    args: tuple[Node, ...]


def walk(node: Node) -> list[Node]:
    """The node and all its descendants, depth first (a node before its children, the
    children from left to right)."""
    found: list[Node] = []
    stack = [node]
    while stack:
        node = stack.pop()
        found.append(node)
        kind = type(node)
        if kind is Binary:
            stack.append(node.right)  # type: ignore[attr-defined]
            stack.append(node.left)  # type: ignore[attr-defined]
        elif kind is Unary:
            stack.append(node.operand)  # type: ignore[attr-defined]
        elif kind is Call:
            stack.extend(reversed(node.args))  # type: ignore[attr-defined]
        elif kind is ListLiteral:
            stack.extend(reversed(node.items))  # type: ignore[attr-defined]
    return found
