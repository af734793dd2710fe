"""A safe regular-expression subset for ``matches()``, run by a Thompson NFA in linear time.

Supported: literal characters, ``.``, classes ``[a-z0-9]`` and ``[^...]``, the escapes ``\\d \\w
\\s \\D \\W \\S`` and escaped punctuation, groups ``( )``, alternation ``|``, and the quantifiers
``* + ?``, ``{n}``, ``{n,}``, ``{n,m}`` (n, m ≤ 100). No back-references and no look-around, so no
pattern can backtrack: the time is proportional to len(text) × len(pattern). The pattern must
match the whole text; a leading ``^`` and a trailing ``$`` are accepted and change nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..errors import ExpressionError

MAX_REPEAT = 100
MAX_STATES = 5000

CharTest = Callable[[str], bool]


def _digit(c: str) -> bool:
    return "0" <= c <= "9"


def _word(c: str) -> bool:
    return c.isalnum() or c == "_"


def _space(c: str) -> bool:
    return c in " \t\r\n\f\v"


_CLASS_ESCAPES: dict[str, CharTest] = {
    "d": _digit,
    "w": _word,
    "s": _space,
    "D": lambda c: not _digit(c),
    "W": lambda c: not _word(c),
    "S": lambda c: not _space(c),
}
_LITERAL_ESCAPES = set("\\.^$|?*+()[]{}-/ ")


def _any_but_newline(ch: str) -> bool:
    return ch != "\n"


def _literal(c: str) -> CharTest:
    return lambda ch: ch == c


def _range(low: str, high: str) -> CharTest:
    return lambda ch: low <= ch <= high


# AST of a pattern
@dataclass
class _Char:
    test: CharTest


@dataclass
class _Seq:
    items: list[object]


@dataclass
class _Alt:
    options: list[object]


@dataclass
class _Repeat:
    item: object
    low: int
    high: int | None  # None: unbounded


class _PatternParser:
    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0

    def error(self, message: str, hint: str = "") -> ExpressionError:
        return ExpressionError(f"pattern: {message}", self.i, hint)

    def parse(self) -> object:
        if self.p.startswith("^"):
            self.i = 1
        node = self.alternation()
        if self.i < len(self.p):
            if self.p[self.i] == ")":
                raise self.error("')' without a matching '('")
            raise self.error(f"unexpected '{self.p[self.i]}'")
        return node

    def alternation(self) -> object:
        options = [self.sequence()]
        while self.i < len(self.p) and self.p[self.i] == "|":
            self.i += 1
            options.append(self.sequence())
        return options[0] if len(options) == 1 else _Alt(options)

    def sequence(self) -> object:
        items: list[object] = []
        while self.i < len(self.p) and self.p[self.i] not in "|)":
            if self.p[self.i] == "$" and self.i == len(self.p) - 1:
                self.i += 1
                break
            atom = self.atom()
            items.append(self.quantified(atom))
        return _Seq(items)

    def quantified(self, atom: object) -> object:
        if self.i >= len(self.p):
            return atom
        c = self.p[self.i]
        if c in "*+?":
            self.i += 1
            low, high = {"*": (0, None), "+": (1, None), "?": (0, 1)}[c]
            node: object = _Repeat(atom, low, high)
        elif c == "{":
            node = _Repeat(atom, *self.braces())
        else:
            return atom
        if self.i < len(self.p) and self.p[self.i] in "*+?{":
            raise self.error("a quantifier cannot follow another quantifier", "use a group ( )")
        return node

    def braces(self) -> tuple[int, int | None]:
        close = self.p.find("}", self.i)
        if close < 0:
            raise self.error("'{' is not closed")
        body = self.p[self.i + 1 : close]
        parts = body.split(",")
        low: int
        high: int | None
        try:
            if len(parts) == 1:
                low = high = int(parts[0])
            elif len(parts) == 2:
                low = int(parts[0])
                high = int(parts[1]) if parts[1].strip() else None
            else:
                raise ValueError
        except ValueError:
            raise self.error(
                f"'{{{body}}}' is not a valid repetition", "write {n}, {n,} or {n,m}"
            ) from None
        if low > MAX_REPEAT or (high is not None and (high > MAX_REPEAT or high < low)):
            raise self.error(f"repetition counts must be at most {MAX_REPEAT} and ordered")
        self.i = close + 1
        return low, high

    def atom(self) -> object:
        c = self.p[self.i]
        if c == "(":
            self.i += 1
            if self.p.startswith("?", self.i):
                raise self.error("group options like (?...) are not supported")
            inner = self.alternation()
            if self.i >= len(self.p) or self.p[self.i] != ")":
                raise self.error("'(' is not closed")
            self.i += 1
            return inner
        if c == "[":
            return self.char_class()
        if c == "\\":
            return _Char(self.escape())
        if c in "*+?{":
            raise self.error(f"'{c}' has nothing to repeat", f"write \\{c} for the character")
        if c == "^":
            raise self.error("'^' is only allowed at the start")
        if c == "$":
            raise self.error("'$' is only allowed at the end")
        self.i += 1
        if c == ".":
            return _Char(_any_but_newline)
        return _Char(_literal(c))

    def escape(self) -> CharTest:
        if self.i + 1 >= len(self.p):
            raise self.error("the pattern ends with '\\'")
        e = self.p[self.i + 1]
        self.i += 2
        if e in _CLASS_ESCAPES:
            return _CLASS_ESCAPES[e]
        if e in _LITERAL_ESCAPES:
            return _literal(e)
        self.i -= 2
        raise self.error(
            f"the escape '\\{e}' is not supported", "supported: \\d \\w \\s \\D \\W \\S"
        )

    def char_class(self) -> _Char:
        self.i += 1
        negate = self.p.startswith("^", self.i)
        if negate:
            self.i += 1
        tests: list[CharTest] = []
        first = True
        while True:
            if self.i >= len(self.p):
                raise self.error("'[' is not closed")
            c = self.p[self.i]
            if c == "]" and not first:
                self.i += 1
                break
            first = False
            if c == "\\":
                tests.append(self.escape())
                continue
            self.i += 1
            if (
                self.p.startswith("-", self.i)
                and self.i + 1 < len(self.p)
                and self.p[self.i + 1] != "]"
            ):
                end = self.p[self.i + 1]
                if end < c:
                    raise self.error(f"the range {c}-{end} is reversed")
                self.i += 2
                tests.append(_range(c, end))
            else:
                tests.append(_literal(c))

        def test(ch: str) -> bool:
            return any(t(ch) for t in tests) != negate

        return _Char(test)


class SafePattern:
    """A compiled pattern. ``fullmatch(text)`` runs in O(len(text) × states)."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        tree = _PatternParser(pattern).parse()
        # NFA: per state, either a char test with one successor, or epsilon successors.
        self.tests: list[CharTest | None] = []
        self.next: list[list[int]] = []
        start, end = self._build(tree)
        self.start = start
        self.accept = end

    def _state(self, test: CharTest | None = None) -> int:
        if len(self.tests) >= MAX_STATES:
            raise ExpressionError("pattern: too complex", 0, "use fewer or smaller repetitions")
        self.tests.append(test)
        self.next.append([])
        return len(self.tests) - 1

    def _build(self, node: object) -> tuple[int, int]:
        if isinstance(node, _Char):
            s = self._state(node.test)
            e = self._state()
            self.next[s].append(e)
            return s, e
        if isinstance(node, _Seq):
            s = self._state()
            cur = s
            for item in node.items:
                a, b = self._build(item)
                self.next[cur].append(a)
                cur = b
            return s, cur
        if isinstance(node, _Alt):
            s = self._state()
            e = self._state()
            for option in node.options:
                a, b = self._build(option)
                self.next[s].append(a)
                self.next[b].append(e)
            return s, e
        assert isinstance(node, _Repeat)
        s = self._state()
        cur = s
        for _ in range(node.low):
            a, b = self._build(node.item)
            self.next[cur].append(a)
            cur = b
        if node.high is None:
            a, b = self._build(node.item)
            loop_end = self._state()
            self.next[cur].append(a)
            self.next[cur].append(loop_end)
            self.next[b].append(cur)
            return s, loop_end
        end = self._state()
        self.next[cur].append(end)
        for _ in range(node.high - node.low):
            a, b = self._build(node.item)
            self.next[cur].append(a)
            self.next[b].append(end)
            cur = b
        return s, end

    def _closure(self, states: set[int]) -> set[int]:
        stack = list(states)
        seen = set(states)
        while stack:
            state = stack.pop()
            if self.tests[state] is None:
                for nxt in self.next[state]:
                    if nxt not in seen:
                        seen.add(nxt)
                        stack.append(nxt)
        return seen

    def fullmatch(self, text: str) -> bool:
        current = self._closure({self.start})
        for ch in text:
            step: set[int] = set()
            for state in current:
                test = self.tests[state]
                if test is not None and test(ch):
                    step.update(self.next[state])
            if not step:
                return False
            current = self._closure(step)
        return self.accept in current
