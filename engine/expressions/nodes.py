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


def walk(node: Node):  # type: ignore[no-untyped-def]
    """Yield the node and all its descendants, depth first."""
    yield node
    if isinstance(node, Unary):
        yield from walk(node.operand)
    elif isinstance(node, Binary):
        yield from walk(node.left)
        yield from walk(node.right)
    elif isinstance(node, Call):
        for arg in node.args:
            yield from walk(arg)
    elif isinstance(node, ListLiteral):
        for item in node.items:
            yield from walk(item)
