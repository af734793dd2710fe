"""Compile a checked expression tree into nested Python closures.

No text is ever handed to Python's ``eval``: each node becomes a small function that takes a
:class:`Context` and returns a value. Blank is ``None``; the rules for blanks (docs/expressions.md)
live in the helpers below, in one place.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, DivisionByZero, InvalidOperation
from typing import Any

from ..errors import EvaluationError
from . import functions
from .checker import Resolution, Scope, check_expression, resolve
from .nodes import Binary, Call, ChoiceAttr, ListLiteral, Literal, Node, Ref, Unary
from .parser import parse
from .regex import SafePattern
from .types import ExprType

Fn = Callable[["Context"], Any]


class Context:
    """What an expression sees while it runs.

    ``scope`` holds the value dictionaries from the form's top level down to the current row of
    each enclosing repeat; ``rows`` the 0-based indexes of those rows.
    """

    __slots__ = ("choice", "rows", "scope", "today")

    def __init__(
        self,
        scope: tuple[dict[str, Any], ...],
        today: date,
        rows: tuple[int, ...] = (),
        choice: dict[str, Any] | None = None,
    ) -> None:
        self.scope = scope
        self.today = today
        self.rows = rows
        self.choice = choice


@dataclass(frozen=True)
class CompiledExpression:
    source: str
    type: ExprType
    refs: frozenset[str]
    fn: Fn

    def __call__(self, ctx: Context) -> Any:
        try:
            return self.fn(ctx)
        except EvaluationError:
            raise
        except (
            TypeError,
            ValueError,
            ArithmeticError,
            AttributeError,
            KeyError,
            IndexError,
        ) as exc:
            raise EvaluationError(f"{self.source}: {exc}") from exc


def compile_expression(text: str, scope: Scope) -> CompiledExpression:
    """Parse, check and compile; raises :class:`~engine.errors.ExpressionError`."""
    tree = parse(text)
    scope.refs = set()
    result_type = check_expression(tree, scope)
    fn = _Compiler(scope).compile(tree)
    return CompiledExpression(text, result_type, frozenset(scope.refs), fn)


# ---------------------------------------------------------------- blank-aware operators


def _eq(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return bool(a == b)


def _ordered(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], Any]:
    def compare(a: Any, b: Any) -> Any:
        if a is None or b is None:
            return None
        return op(a, b)

    return compare


def _arith(op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def apply(a: Any, b: Any) -> Any:
        if a is None or b is None:
            return None
        return op(a, b)

    return apply


def _sub(a: Any, b: Any) -> Any:
    if isinstance(a, date):
        if isinstance(b, date):
            return (a - b).days
        return a - timedelta(days=int(b))
    return a - b


def _add(a: Any, b: Any) -> Any:
    if isinstance(a, date):
        return a + timedelta(days=int(b))
    return a + b


def _div(a: Any, b: Any) -> Any:
    if b == 0:
        return None
    try:
        result = Decimal(a) / Decimal(b)
    except (DivisionByZero, InvalidOperation):
        return None
    return int(result) if result == result.to_integral_value() else result


def _mod(a: Any, b: Any) -> Any:
    if b == 0:
        return None
    return a % b


_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "<": _ordered(operator.lt),
    "<=": _ordered(operator.le),
    ">": _ordered(operator.gt),
    ">=": _ordered(operator.ge),
    "+": _arith(_add),
    "-": _arith(_sub),
    "*": _arith(operator.mul),
    "/": _arith(_div),
    "%": _arith(_mod),
}


def _in(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return False
    return a in b


def gather(rows: Any, path: tuple[str, ...], name: str, out: list[Any]) -> None:
    """Collect ``name`` from every row reached by following the repeats in ``path``."""
    if not rows:
        return
    if not path:
        for row in rows:
            out.append(row.get(name))
        return
    head, rest = path[0], path[1:]
    for row in rows:
        gather(row.get(head), rest, name, out)


_ORDERINGS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def _literal(node: Literal) -> Any:
    """The run-time value of a literal: the empty text "" is blank, like an unanswered field."""
    return None if node.value == "" else node.value


class _Compiler:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self._resolved: dict[str, Resolution] = {}  # a name's resolution in this scope

    def resolve(self, name: str) -> Resolution:
        found = self._resolved.get(name)
        if found is None:
            found = self._resolved[name] = resolve(name, self.scope)
        return found

    def compile(self, node: Node) -> Fn:
        if isinstance(node, Literal):
            value = _literal(node)
            return lambda ctx: value
        if isinstance(node, Ref):
            return self.reference(self.resolve(node.name))
        if isinstance(node, ChoiceAttr):
            name = node.name
            return lambda ctx: ctx.choice.get(name) if ctx.choice else None
        if isinstance(node, ListLiteral):
            items = [self.compile(item) for item in node.items]
            return lambda ctx: [item(ctx) for item in items]
        if isinstance(node, Unary):
            operand = self.compile(node.operand)
            if node.op == "not":

                def negate(ctx: Context) -> Any:
                    value = operand(ctx)
                    return None if value is None else not value

                return negate

            def minus(ctx: Context) -> Any:
                value = operand(ctx)
                return None if value is None else -value

            return minus
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Call):
            return self.call(node)
        raise EvaluationError(f"cannot compile {type(node).__name__}")

    def reference(self, resolution: Resolution) -> Fn:
        name, depth = resolution.name, resolution.depth
        if not resolution.gather:
            if depth == 0:
                return lambda ctx: ctx.scope[0].get(name)
            return lambda ctx: ctx.scope[depth].get(name)
        path = resolution.gather
        if resolution.is_group:
            # rows of a group: the last path element is the group itself
            *outer, group = path
            outer_path = tuple(outer)

            def rows(ctx: Context) -> Any:
                out: list[Any] = []
                gather([ctx.scope[depth]], outer_path, group, out)
                flat: list[Any] = []
                for value in out:
                    if value:
                        flat.extend(value)
                return flat

            return rows
        first, rest = path[0], path[1:]

        def collect(ctx: Context) -> Any:
            out: list[Any] = []
            gather(ctx.scope[depth].get(first), rest, name, out)
            return out

        return collect

    def binary(self, node: Binary) -> Fn:
        special = self.field_against_constant(node)
        if special is not None:
            return special
        left = self.compile(node.left)
        right = self.compile(node.right)
        op = node.op
        if op == "and":

            def conj(ctx: Context) -> Any:
                a = left(ctx)
                if a is False:
                    return False
                b = right(ctx)
                if b is False:
                    return False
                if a is None or b is None:
                    return None
                return True

            return conj
        if op == "or":

            def disj(ctx: Context) -> Any:
                a = left(ctx)
                if a is True:
                    return True
                b = right(ctx)
                if b is True:
                    return True
                if a is None or b is None:
                    return None
                return False

            return disj
        if op == "==":
            if isinstance(node.right, Literal):
                constant = _literal(node.right)
                return lambda ctx: left(ctx) == constant
            return lambda ctx: _eq(left(ctx), right(ctx))
        if op == "!=":
            if isinstance(node.right, Literal):
                constant = _literal(node.right)
                return lambda ctx: left(ctx) != constant
            return lambda ctx: not _eq(left(ctx), right(ctx))
        if op == "in":
            return lambda ctx: _in(left(ctx), right(ctx))
        apply = _BINARY[op]
        return lambda ctx: apply(left(ctx), right(ctx))

    def field_against_constant(self, node: Binary) -> Fn | None:
        """``field OP constant``, the most common condition, as one closure instead of three."""
        if not (isinstance(node.left, Ref) and isinstance(node.right, Literal)):
            return None
        resolution = self.resolve(node.left.name)
        if resolution.gather or (node.op not in _BINARY and node.op not in ("==", "!=")):
            return None
        name, depth, constant = resolution.name, resolution.depth, _literal(node.right)
        op = node.op
        if op == "==":
            return lambda ctx: ctx.scope[depth].get(name) == constant
        if op == "!=":
            return lambda ctx: ctx.scope[depth].get(name) != constant
        if op not in ("<", "<=", ">", ">="):
            return None
        compare = _ORDERINGS[op]
        if constant is None:
            return lambda ctx: None

        def ordered(ctx: Context) -> Any:
            value = ctx.scope[depth].get(name)
            return None if value is None else compare(value, constant)

        return ordered

    def call(self, node: Call) -> Fn:
        name = node.name
        args = [self.compile(arg) for arg in node.args]
        if name == "if":
            cond, then, other = args

            def choose(ctx: Context) -> Any:
                return then(ctx) if cond(ctx) is True else other(ctx)

            return choose
        if name == "today":
            return lambda ctx: ctx.today
        if name == "age":
            (born,) = args
            return lambda ctx: functions.age_on(born(ctx), ctx.today)
        if name == "row":
            return lambda ctx: ctx.rows[-1] + 1 if ctx.rows else None
        if name == "matches":
            pattern = node.args[1]
            assert isinstance(pattern, Literal)
            compiled = SafePattern(str(pattern.value))
            text = args[0]

            def match(ctx: Context) -> Any:
                value = text(ctx)
                return False if value is None else compiled.fullmatch(value)

            return match
        impl = functions.FUNCTIONS[name].impl
        assert impl is not None
        if len(args) == 1:
            (only,) = args
            return lambda ctx: impl(only(ctx))
        if len(args) == 2:
            a, b = args
            return lambda ctx: impl(a(ctx), b(ctx))
        return lambda ctx: impl(*(arg(ctx) for arg in args))
