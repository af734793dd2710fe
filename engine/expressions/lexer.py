"""Tokens of the expression language."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import NamedTuple

from ..errors import ExpressionError

KEYWORDS = {"and", "or", "not", "in", "true", "false"}
OPERATORS = ("==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "%", "(", ")", "[", "]", ",")
MAX_NUMBER_DIGITS = 30


class Token(NamedTuple):
    kind: str  # "number", "string", "name", "attr", "op", "keyword", "end"
    value: object
    pos: int
    end: int


_FAST = re.compile(
    r"\s*(?:(?P<number>[0-9]+(?:\.[0-9]+)?)(?![0-9A-Za-z_.])"
    r"|(?P<string>\"[^\"\\\\\n]*\"|'[^'\\\\\n]*')"
    r"|(?P<word>@?[A-Za-z_][A-Za-z0-9_]*)(?![^\x00-\x7f])"
    r"|(?P<op>==|!=|<=|>=|[<>+\-*/%()\[\],]))"
)


def tokenize(text: str) -> list[Token]:
    """Tokens of ``text``. A regular expression handles the common case; anything unusual
    (escapes, odd characters, errors) goes through the careful scanner below."""
    fast = _tokenize_fast(text)
    return fast if fast is not None else _tokenize_careful(text)


def _tokenize_fast(text: str) -> list[Token] | None:
    tokens: list[Token] = []
    position = 0
    end = len(text)
    match = _FAST.match
    while True:
        found = match(text, position)
        if found is None:
            if text[position:].strip():
                return None
            break
        kind = found.lastgroup
        start = found.start(kind)  # type: ignore[arg-type]
        value = found.group(kind)  # type: ignore[arg-type]
        position = found.end()
        if kind == "number":
            if len(value) > MAX_NUMBER_DIGITS:
                return None
            tokens.append(
                Token("number", Decimal(value) if "." in value else int(value), start, position)
            )
        elif kind == "string":
            tokens.append(Token("string", value[1:-1], start, position))
        elif kind == "word":
            if value[0] == "@":
                tokens.append(Token("attr", value[1:], start, position))
            elif value in KEYWORDS:
                tokens.append(Token("keyword", value, start, position))
            else:
                tokens.append(Token("name", value, start, position))
        else:
            tokens.append(Token("op", value, start, position))
        if position >= end:
            break
    tokens.append(Token("end", None, end, end))
    return tokens


def _tokenize_careful(text: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\r\n":
            i += 1
            continue
        start = i
        if ch.isdigit():
            while i < n and text[i].isdigit():
                i += 1
            if i < n and text[i] == "." and i + 1 < n and text[i + 1].isdigit():
                i += 1
                while i < n and text[i].isdigit():
                    i += 1
            literal = text[start:i]
            if len(literal) > MAX_NUMBER_DIGITS:
                raise ExpressionError(
                    f"number literal longer than {MAX_NUMBER_DIGITS} digits", start
                )
            if not literal.isascii():
                raise ExpressionError("numbers must be written with the digits 0-9", start)
            number: int | Decimal = Decimal(literal) if "." in literal else int(literal)
            tokens.append(Token("number", number, start, i))
            continue
        if ch in "\"'":
            quote = ch
            i += 1
            chars: list[str] = []
            while True:
                if i >= n:
                    raise ExpressionError("text is not closed", start, f"end the text with {quote}")
                c = text[i]
                if c == quote:
                    i += 1
                    break
                if c == "\\":
                    if i + 1 >= n:
                        raise ExpressionError("text is not closed", start)
                    escaped = text[i + 1]
                    mapping = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'"}
                    # other escapes stay as written, so that patterns like "\d" read naturally
                    chars.append(mapping.get(escaped, "\\" + escaped))
                    i += 2
                    continue
                chars.append(c)
                i += 1
            tokens.append(Token("string", "".join(chars), start, i))
            continue
        if ch.isalpha() or ch == "_" or ch == "@":
            i += 1
            while i < n and (text[i].isalnum() or text[i] == "_"):
                i += 1
            word = text[start:i]
            if not word.isascii():
                raise ExpressionError(
                    f"'{word}' is not a valid name", start, "names use the letters a-z, 0-9 and _"
                )
            if ch == "@":
                if len(word) == 1:
                    raise ExpressionError("'@' must be followed by a choice attribute name", start)
                tokens.append(Token("attr", word[1:], start, i))
            elif word in KEYWORDS:
                tokens.append(Token("keyword", word, start, i))
            else:
                tokens.append(Token("name", word, start, i))
            continue
        for op in OPERATORS:
            if text.startswith(op, i):
                tokens.append(Token("op", op, start, i + len(op)))
                i += len(op)
                break
        else:
            hint = ""
            if ch == "=":
                hint = "compare with '=='"
            elif ch == "&":
                hint = "write 'and'"
            elif ch == "|":
                hint = "write 'or'"
            elif ch == "!":
                hint = "write 'not' or '!='"
            raise ExpressionError(f"unexpected character '{ch}'", start, hint)
    tokens.append(Token("end", None, n, n))
    return tokens
