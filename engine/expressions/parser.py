"""Recursive-descent parser. The grammar (also in docs/expressions.md)::

expression  := or_expr
or_expr     := and_expr ("or" and_expr)*
and_expr    := not_expr ("and" not_expr)*
not_expr    := "not" not_expr | comparison
comparison  := additive (("==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not" "in") additive)?
additive    := term (("+" | "-") term)*
term        := unary (("*" | "/" | "%") unary)*
unary       := "-" unary | primary
primary     := NUMBER | STRING | "true" | "false" | NAME | "@" NAME
             | NAME "(" [expression ("," expression)*] ")"
             | "(" expression ")" | "[" [expression ("," expression)*] "]"
"""

from __future__ import annotations

from ..errors import ExpressionError
from .functions import OTHER_TOOLS
from .lexer import Token, tokenize
from .nodes import Binary, Call, ChoiceAttr, ListLiteral, Literal, Node, Ref, Unary

MAX_EXPRESSION_LENGTH = 4000
MAX_DEPTH = 60

_COMPARISONS = {"==", "!=", "<", "<=", ">", ">="}
# the operators of the shape ``a OP b`` that the parser reads without descending the grammar
_SIMPLE_OPERATORS = frozenset({*_COMPARISONS, "+", "-", "*", "/", "%"})


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    def at(self, kind: str, value: object = None) -> bool:
        token = self.current
        return token.kind == kind and (value is None or token.value == value)

    def expect_op(self, value: str, hint: str = "") -> Token:
        if not self.at("op", value):
            raise ExpressionError(
                f"expected '{value}' but found {self.describe(self.current)}",
                self.current.pos,
                hint,
            )
        return self.advance()

    @staticmethod
    def describe(token: Token) -> str:
        if token.kind == "end":
            return "the end of the expression"
        if token.kind == "string":
            return "a text"
        return f"'{token.value}'"

    def enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(
                f"the expression nests deeper than {MAX_DEPTH} levels",
                pos,
                "split it into calculated fields",
            )

    def parse(self) -> Node:
        if not self.text.strip():
            raise ExpressionError("the expression is empty", 0)
        simple = self.simple()
        if simple is not None:
            return simple
        node = self.or_expr()
        if not self.at("end"):
            token = self.current
            hint = ""
            if token.kind == "name" and token.value in ("if", "then", "else", "elif"):
                hint = OTHER_TOOLS["else"]
            elif token.kind in ("name", "number", "string"):
                hint = "is an operator such as 'and', 'or' or '==' missing?"
            raise ExpressionError(f"unexpected {self.describe(token)}", token.pos, hint)
        return node

    def simple(self) -> Node | None:
        """The tree of the commonest shapes, a value alone or ``a OP b`` with two values
        (``reden == "anders"``, ``a + b``), as the grammar below would build it; else None."""
        tokens = self.tokens
        if len(tokens) == 2:
            return _value(tokens[0])
        if len(tokens) != 4 or tokens[1].kind != "op" or tokens[1].value not in _SIMPLE_OPERATORS:
            return None
        left = _value(tokens[0])
        right = _value(tokens[2])
        if left is None or right is None:
            return None
        op = tokens[1]
        return Binary(left.pos, right.end, str(op.value), left, right, op.pos)

    def or_expr(self) -> Node:
        left = self.and_expr()
        while self.at("keyword", "or"):
            op = self.advance()
            right = self.and_expr()
            left = Binary(left.pos, right.end, "or", left, right, op.pos)
        return left

    def and_expr(self) -> Node:
        left = self.not_expr()
        while self.at("keyword", "and"):
            op = self.advance()
            right = self.not_expr()
            left = Binary(left.pos, right.end, "and", left, right, op.pos)
        return left

    def not_expr(self) -> Node:
        if self.at("keyword", "not"):
            op = self.advance()
            self.enter(op.pos)
            operand = self.not_expr()
            self.depth -= 1
            return Unary(op.pos, operand.end, "not", operand)
        return self.comparison()

    def comparison(self) -> Node:
        left = self.additive()
        token = self.current
        if token.kind == "op" and token.value in _COMPARISONS:
            self.advance()
            right = self.additive()
            node: Node = Binary(left.pos, right.end, str(token.value), left, right, token.pos)
        elif token.kind == "keyword" and token.value == "in":
            self.advance()
            right = self.additive()
            node = Binary(left.pos, right.end, "in", left, right, token.pos)
        elif (
            token.kind == "keyword"
            and token.value == "not"
            and self.tokens[self.index + 1].kind == "keyword"
            and self.tokens[self.index + 1].value == "in"
        ):
            self.advance()
            self.advance()
            right = self.additive()
            inner = Binary(left.pos, right.end, "in", left, right, token.pos)
            node = Unary(left.pos, right.end, "not", inner)
        else:
            return left
        following = self.current
        if (following.kind == "op" and following.value in _COMPARISONS) or (
            following.kind == "keyword" and following.value == "in"
        ):
            raise ExpressionError(
                "comparisons cannot be chained",
                following.pos,
                "combine two comparisons with 'and', e.g. a < b and b < c",
            )
        return node

    def additive(self) -> Node:
        left = self.term()
        while self.current.kind == "op" and self.current.value in ("+", "-"):
            op = self.advance()
            right = self.term()
            left = Binary(left.pos, right.end, str(op.value), left, right, op.pos)
        return left

    def term(self) -> Node:
        left = self.unary()
        while self.current.kind == "op" and self.current.value in ("*", "/", "%"):
            op = self.advance()
            right = self.unary()
            left = Binary(left.pos, right.end, str(op.value), left, right, op.pos)
        return left

    def unary(self) -> Node:
        if self.at("op", "-"):
            op = self.advance()
            self.enter(op.pos)
            operand = self.unary()
            self.depth -= 1
            return Unary(op.pos, operand.end, "-", operand)
        return self.primary()

    def primary(self) -> Node:
        token = self.current
        if token.kind == "number" or token.kind == "string":
            self.advance()
            return Literal(token.pos, token.end, token.value)
        if token.kind == "keyword" and token.value in ("true", "false"):
            self.advance()
            return Literal(token.pos, token.end, token.value == "true")
        if token.kind == "attr":
            self.advance()
            return ChoiceAttr(token.pos, token.end, str(token.value))
        if token.kind == "name":
            self.advance()
            if self.at("op", "("):
                self.advance()
                self.enter(token.pos)
                args = self.arguments(")")
                self.depth -= 1
                close = self.expect_op(")", f"close the call of {token.value}()")
                return Call(token.pos, close.end, str(token.value), tuple(args))
            return Ref(token.pos, token.end, str(token.value))
        if self.at("op", "("):
            self.advance()
            self.enter(token.pos)
            inner = self.or_expr()
            self.depth -= 1
            self.expect_op(")", "every '(' needs a matching ')'")
            return inner
        if self.at("op", "["):
            self.advance()
            self.enter(token.pos)
            items = self.arguments("]")
            self.depth -= 1
            close = self.expect_op("]", "close the list with ']'")
            return ListLiteral(token.pos, close.end, tuple(items))
        if token.kind == "end":
            raise ExpressionError("the expression ends too early", token.pos, "a value is missing")
        if token.kind == "keyword":
            raise ExpressionError(
                f"'{token.value}' cannot stand here", token.pos, "a value is missing before it"
            )
        raise ExpressionError(f"unexpected {self.describe(token)}", token.pos, "a value is missing")

    def arguments(self, closing: str) -> list[Node]:
        args: list[Node] = []
        if self.at("op", closing):
            return args
        args.append(self.or_expr())
        while self.at("op", ","):
            self.advance()
            args.append(self.or_expr())
        return args


def _value(token: Token) -> Node | None:
    """A token that is a value on its own (what ``primary`` makes of it), or None."""
    kind = token.kind
    if kind == "name":
        return Ref(token.pos, token.end, str(token.value))
    if kind == "number" or kind == "string":
        return Literal(token.pos, token.end, token.value)
    if kind == "keyword" and token.value in ("true", "false"):
        return Literal(token.pos, token.end, token.value == "true")
    if kind == "attr":
        return ChoiceAttr(token.pos, token.end, str(token.value))
    return None


_CACHE: dict[str, Node] = {}
_CACHE_SIZE = 4096


def parse(text: str) -> Node:
    """Parse an expression; raises :class:`ExpressionError` with the offset of the fault.

    Trees are immutable, so the tree of a text already parsed is shared (forms repeat the same
    condition on many fields)."""
    cached = _CACHE.get(text)
    if cached is not None:
        return cached
    tree = _parse(text)
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.clear()
    _CACHE[text] = tree
    return tree


def clear_cache() -> None:
    _CACHE.clear()


def _parse(text: str) -> Node:
    if not isinstance(text, str):
        raise ExpressionError("an expression must be text", 0)
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(
            f"the expression is longer than {MAX_EXPRESSION_LENGTH} characters",
            0,
            "split it into calculated fields",
        )
    return _Parser(text).parse()
