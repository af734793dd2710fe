"""The expression language: lexer → parser (AST) → type checker → compiler (closures).

See docs/expressions.md for the grammar and the semantics of blank values.
"""

from .checker import Scope, SymbolInfo, check_expression
from .compiler import CompiledExpression, Context, compile_expression
from .nodes import Node
from .parser import MAX_EXPRESSION_LENGTH, parse
from .types import ExprType

__all__ = [
    "MAX_EXPRESSION_LENGTH",
    "CompiledExpression",
    "Context",
    "ExprType",
    "Node",
    "Scope",
    "SymbolInfo",
    "check_expression",
    "compile_expression",
    "parse",
]
