"""Name resolution and type checking of expressions against a form's fields."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import ExpressionError, did_you_mean
from . import functions
from .nodes import Binary, Call, ChoiceAttr, ListLiteral, Literal, Node, Ref, Unary
from .types import ANY, BOOLEAN, DATE, NUMBER, REPEAT, STRING, ExprType, compatible, list_of, unify


@dataclass(frozen=True, slots=True)
class SymbolInfo:
    """What an expression may know of a field: its value type and the repeats around it."""

    type: ExprType
    repeat_path: tuple[str, ...] = ()
    is_group: bool = False


@dataclass
class Scope:
    """Where an expression is written: the form's symbols and the repeat it sits in."""

    symbols: dict[str, SymbolInfo]
    context_path: tuple[str, ...] = ()
    choice_attributes: frozenset[str] | None = None  # set inside a choice_filter
    # inside the choice_filter of a field whose choice list is missing (reported there): any
    # attribute is accepted, so that one mistake gives one message
    attributes_unknown: bool = False
    self_name: str | None = None  # the field an expression belongs to ("." is not needed)
    refs: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class Resolution:
    """How a reference is fetched at run time.

    ``gather`` is empty for a reference in the same row (or an enclosing one): the value is
    ``scope[depth][name]``. Otherwise the value is the list gathered from ``scope[depth]`` through
    the repeats named in ``gather``; when the symbol is a group, its rows are gathered instead.
    """

    name: str
    depth: int
    gather: tuple[str, ...]
    is_group: bool


YES_NO_WORDS = {"ja": "true", "nee": "false", "yes": "true", "no": "false"}


def resolve(name: str, scope: Scope) -> Resolution:
    info = scope.symbols[name]
    own = info.repeat_path
    ctx = scope.context_path
    common = 0
    while common < len(own) and common < len(ctx) and own[common] == ctx[common]:
        common += 1
    if common == len(own) and not info.is_group:
        return Resolution(name, common, (), False)
    if info.is_group:
        # rows of the group, gathered from the deepest shared row
        return Resolution(name, common, (*own[common:], name), True)
    return Resolution(name, common, own[common:], False)


def reference_type(name: str, scope: Scope, pos: int, end: int) -> ExprType:
    if name not in scope.symbols:
        hint = did_you_mean(name, scope.symbols)
        if name.lower() in YES_NO_WORDS:  # ja, nee: a yes/no value is true or false
            word = YES_NO_WORDS[name.lower()]
            hint = f'write {word} (yes/no values are true and false); a text is quoted: "{name}"'
        if not hint and name in functions.FUNCTIONS:
            hint = f"{name} is a function: write {name}()"
        raise ExpressionError(
            f"unknown field '{name}'",
            pos,
            hint or functions.other_tool_hint(name) or "use the id of a field of this form",
        )
    info = scope.symbols[name]
    if info.type.kind == "none":
        raise ExpressionError(f"'{name}' is a text block and has no value", pos)
    scope.refs.add(name)
    if info.is_group:
        return REPEAT
    own = info.repeat_path
    if own and own != scope.context_path[: len(own)]:  # gathered from rows (see resolve)
        element = info.type.elem if info.type.kind == "list" else info.type
        return list_of(element or ANY)
    return info.type


def check_expression(node: Node, scope: Scope) -> ExprType:
    """Return the type of ``node``; raise :class:`ExpressionError` at the first fault."""
    return _Checker(scope).check(node)


def _repeat_hint(name: str, scope: Scope) -> str:
    info = scope.symbols.get(name)
    group = info.repeat_path[-1] if info and info.repeat_path else "the group"
    return (
        f"'{name}' is inside the repeating group '{group}'; use an aggregate such as "
        f"sum({name}), count({group}), contains({name}, …) or min/max({name})"
    )


class _Checker:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    def scalar(self, node: Node, what: str) -> ExprType:
        t = self.check(node)
        if t.kind == "list" and isinstance(node, Ref):
            info = self.scope.symbols[node.name]
            if info.type.kind != "list":
                raise ExpressionError(
                    f"'{node.name}' has one value per row; {what} needs a single value",
                    node.pos,
                    _repeat_hint(node.name, self.scope),
                )
        if t.kind == "repeat":
            raise ExpressionError(
                "a repeating group has no single value",
                node.pos,
                f"use count({getattr(node, 'name', 'group')}) for its number of rows",
            )
        return t

    def check(self, node: Node) -> ExprType:
        if isinstance(node, Literal):
            value = node.value
            if isinstance(value, bool):
                return BOOLEAN
            if isinstance(value, str):
                return STRING
            return NUMBER
        if isinstance(node, Ref):
            return reference_type(node.name, self.scope, node.pos, node.end)
        if isinstance(node, ChoiceAttr):
            attrs = self.scope.choice_attributes
            if attrs is None:
                raise ExpressionError(
                    f"'@{node.name}' can only be used in a choice_filter", node.pos
                )
            if node.name not in attrs and not self.scope.attributes_unknown:
                hint = did_you_mean(node.name, attrs)
                raise ExpressionError(
                    f"the choices have no attribute '{node.name}'",
                    node.pos,
                    hint
                    or (
                        "attributes: " + ", ".join(sorted(attrs))
                        if attrs
                        else "the choices of this field have no attributes: give them "
                        f"attributes: {{{node.name}: …}}"
                    ),
                )
            return STRING
        if isinstance(node, ListLiteral):
            elem: ExprType = ANY
            for item in node.items:
                t = self.scalar(item, "a list item")
                joined = unify(elem, t)
                if joined is None:
                    raise ExpressionError(
                        f"a list mixes {elem} and {t}", item.pos, "use values of one type"
                    )
                elem = joined
            return list_of(elem)
        if isinstance(node, Unary):
            if node.op == "not":
                self.expect(node.operand, BOOLEAN, "'not'")
                return BOOLEAN
            self.expect(node.operand, NUMBER, "'-'")
            return NUMBER
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Call):
            return self.call(node)
        raise ExpressionError("unsupported expression", node.pos)

    def expect(self, node: Node, wanted: ExprType, what: str) -> None:
        t = self.scalar(node, what)
        if t.kind != "any" and t.kind != wanted.kind:
            raise ExpressionError(f"{what} needs a {wanted}, not a {t}", node.pos)

    def binary(self, node: Binary) -> ExprType:
        op = node.op
        left_node, right_node = node.left, node.right
        if (
            op == "-"
            and isinstance(left_node, Ref)
            and isinstance(right_node, Call)
            and left_node.name not in self.scope.symbols
            and right_node.pos == node.op_pos + 1
        ):
            written = f"{left_node.name}-{right_node.name}"  # count-selected(x) from XLSForm
            hint = functions.other_tool_hint(written)
            if hint:
                raise ExpressionError(f"unknown function '{written}'", left_node.pos, hint)
        if op in ("and", "or"):
            self.expect(node.left, BOOLEAN, f"'{op}'")
            self.expect(node.right, BOOLEAN, f"'{op}'")
            return BOOLEAN
        if op == "in":
            left = self.scalar(node.left, "'in'")
            right = self.check(node.right)
            if right.kind not in ("list", "any"):
                raise ExpressionError(
                    f"'in' needs a list on its right, not a {right}",
                    node.right.pos,
                    'write a list such as ["a", "b"] or a multiple-choice field',
                )
            if right.elem is not None and not compatible(left, right.elem):
                raise ExpressionError(
                    f"cannot look for a {left} in a list of {right.elem}", node.op_pos
                )
            return BOOLEAN
        left = self.scalar(node.left, f"'{op}'")
        right = self.scalar(node.right, f"'{op}'")
        if op in ("==", "!="):
            if not compatible(left, right):
                raise ExpressionError(
                    f"comparing a {left} with a {right} is always false",
                    node.op_pos,
                    _comparison_hint(left, right),
                )
            return BOOLEAN
        if op in ("<", "<=", ">", ">="):
            if not compatible(left, right):
                raise ExpressionError(
                    f"cannot order a {left} against a {right}",
                    node.op_pos,
                    _comparison_hint(left, right),
                )
            kind = left.kind if left.kind != "any" else right.kind
            if kind not in ("number", "date", "string", "any"):
                raise ExpressionError(f"a {left} has no order", node.op_pos)
            return BOOLEAN
        # arithmetic
        kinds = (left.kind, right.kind)
        if op in ("+", "-") and kinds in (("date", "number"), ("date", "any")):
            return DATE
        if op == "-" and kinds == ("date", "date"):
            return NUMBER
        for side, t in ((node.left, left), (node.right, right)):
            if t.kind not in ("number", "any"):
                hint = "join texts with concat(a, b)" if t.kind == "string" and op == "+" else ""
                raise ExpressionError(f"'{op}' needs numbers, not a {t}", side.pos, hint)
        return NUMBER

    def call(self, node: Call) -> ExprType:
        spec = functions.FUNCTIONS.get(node.name)
        if spec is None:
            hint = functions.other_tool_hint(node.name) or did_you_mean(
                node.name, functions.FUNCTIONS
            )
            if node.name in self.scope.symbols:
                hint = f"'{node.name}' is a field; remove the parentheses"
            raise ExpressionError(
                f"unknown function '{node.name}'",
                node.pos,
                hint or "see docs/expressions.md for the functions",
            )
        count = len(node.args)
        if count < spec.min_args or (spec.max_args is not None and count > spec.max_args):
            if spec.max_args == spec.min_args:
                wanted = f"{spec.min_args}"
            elif spec.max_args is None:
                wanted = f"at least {spec.min_args}"
            else:
                wanted = f"{spec.min_args} to {spec.max_args}"
            raise ExpressionError(
                f"{node.name}() takes {wanted} argument{'s' if wanted != '1' else ''}, got {count}",
                node.pos,
                f"usage: {spec.usage}",
            )
        arg_types = [self.check(arg) for arg in node.args]
        return spec.check(node, arg_types, self)


def _comparison_hint(left: ExprType, right: ExprType) -> str:
    kinds = {left.kind, right.kind}
    if kinds == {"number", "string"}:
        return 'quote the number ("3") if the field holds text, or compare with a number field'
    if "date" in kinds and "string" in kinds:
        return 'write a date as date("2024-08-01")'
    return "compare values of the same type"
