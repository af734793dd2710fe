"""The built-in functions: their type rules (for the checker) and implementations.

Every implementation follows the blank rules of docs/expressions.md: a blank argument gives a
blank result unless the function is about blankness or counting (empty, count, len, sum, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from ..errors import ExpressionError
from .nodes import Call, Literal
from .regex import SafePattern
from .types import ANY, BOOLEAN, DATE, NUMBER, STRING, ExprType, compatible, unify

if TYPE_CHECKING:
    from .checker import _Checker


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    min_args: int
    max_args: int | None
    usage: str
    check: Callable[[Call, list[ExprType], _Checker], ExprType]
    impl: Callable[..., Any] | None  # None: compiled specially (lazy or needs the context)
    summary: str


FUNCTIONS: dict[str, FunctionSpec] = {}


def _register(
    name: str,
    min_args: int,
    max_args: int | None,
    usage: str,
    summary: str,
    impl: Callable[..., Any] | None = None,
) -> Callable[[Callable[[Call, list[ExprType], _Checker], ExprType]], None]:
    def decorator(check: Callable[[Call, list[ExprType], _Checker], ExprType]) -> None:
        FUNCTIONS[name] = FunctionSpec(name, min_args, max_args, usage, check, impl, summary)

    return decorator


def _arg(node: Call, index: int, types: list[ExprType], wanted: str, checker: _Checker) -> None:
    """Check that argument ``index`` has kind ``wanted`` (a single value)."""
    arg = node.args[index]
    t = types[index]
    if t.kind in ("list", "repeat") and wanted not in ("list", "repeat"):
        checker.scalar(arg, f"{node.name}()")
    if t.kind != "any" and t.kind != wanted:
        names = {"number": "number", "string": "text", "date": "date", "boolean": "yes/no"}
        raise ExpressionError(
            f"argument {index + 1} of {node.name}() must be a {names.get(wanted, wanted)}, "
            f"not a {t}",
            arg.pos,
            f"usage: {FUNCTIONS[node.name].usage}",
        )


# ---------------------------------------------------------------- implementations


def age_on(born: Any, today: date) -> Any:
    if born is None:
        return None
    years = today.year - born.year
    if (today.month, today.day) < (born.month, born.day):
        years -= 1
    return years


def _days_between(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    return (b - a).days


def _len(x: Any) -> int:
    if x is None:
        return 0
    return len(x)


def _count(x: Any) -> int:
    if x is None:
        return 0
    return sum(1 for item in x if item is not None)


def _contains(haystack: Any, needle: Any) -> bool:
    if haystack is None or needle is None:
        return False
    if isinstance(haystack, str):
        return str(needle) in haystack
    return needle in haystack


def _sum(values: Any) -> Any:
    if values is None:
        return 0
    total: Any = 0
    for v in values:
        if v is not None:
            total += v
    return total


def _min(values: Any) -> Any:
    present = [v for v in values or () if v is not None]
    return min(present) if present else None


def _max(values: Any) -> Any:
    present = [v for v in values or () if v is not None]
    return max(present) if present else None


def _empty(x: Any) -> bool:
    return x is None or x == "" or (isinstance(x, list) and not x)


def _concat(*parts: Any) -> str:
    return "".join(_text(p) for p in parts if p is not None)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value if v is not None)
    return str(value)


def _date(text: Any) -> Any:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def _year(d: Any) -> Any:
    return None if d is None else d.year


def _month(d: Any) -> Any:
    return None if d is None else d.month


def _add_days(d: Any, n: Any) -> Any:
    if d is None or n is None:
        return None
    return d + timedelta(days=int(n))


def _round(n: Any, digits: Any = 0) -> Any:
    if n is None or digits is None:
        return None
    if isinstance(n, int) and digits >= 0:
        return n
    return Decimal(n).quantize(Decimal(1).scaleb(-int(digits)), rounding=ROUND_HALF_UP)


def _string(x: Any) -> Any:
    return None if x is None else _text(x)


# ---------------------------------------------------------------- type rules


@_register("today", 0, 0, "today()", "the evaluation date (a scenario may set it)")
def _check_today(node: Call, types: list[ExprType], checker: _Checker) -> ExprType:
    return DATE


@_register("age", 1, 1, "age(date)", "whole years from the date until today")
def _check_age(node: Call, types: list[ExprType], checker: _Checker) -> ExprType:
    _arg(node, 0, types, "date", checker)
    return NUMBER


@_register(
    "days_between",
    2,
    2,
    "days_between(from, to)",
    "days from the first date to the second (negative when earlier)",
    _days_between,
)
def _check_days(node: Call, types: list[ExprType], checker: _Checker) -> ExprType:
    _arg(node, 0, types, "date", checker)
    _arg(node, 1, types, "date", checker)
    return NUMBER


@_register("add_days", 2, 2, "add_days(date, days)", "the date a number of days later", _add_days)
def _check_add_days(node: Call, types: list[ExprType], checker: _Checker) -> ExprType:
    _arg(node, 0, types, "date", checker)
    _arg(node, 1, types, "number", checker)
    return DATE


@_register("date", 1, 1, 'date("2024-08-01")', "a date from ISO text", _date)
def _check_date(node: Call, types: list[ExprType], checker: _Checker) -> ExprType:
    _arg(node, 0, types, "string", checker)
    arg = node.args[0]
    if isinstance(arg, Literal) and isinstance(arg.value, str):
        try:
            date.fromisoformat(arg.value)
        except ValueError:
            raise ExpressionError(
                f"'{arg.value}' is not a date", arg.pos, 'write dates as "YYYY-MM-DD"'
            ) from None
    return DATE


@_register("year", 1, 1, "year(date)", "the year of a date", _year)
def _check_year(node: Call, types: list[ExprType], checker: _Checker) -> ExprType:
    _arg(node, 0, types, "date", checker)
    return NUMBER


@_register("month", 1, 1, "month(date)", "the month (1-12) of a date", _month)
def _check_month(node: Call, types: list[ExprType], checker: _Checker) -> ExprType:
    _arg(node, 0, types, "date", checker)
    return NUMBER


@_register("len", 1, 1, "len(text)", "the number of characters (0 when blank)", _len)
def _check_len(node: Call, types: list[ExprType], checker: _Checker) -> ExprType:
    t = types[0]
    if t.kind not in ("string", "list", "any"):
        raise ExpressionError(
            f"len() needs a text or a list, not a {t}", node.args[0].pos, "usage: len(text)"
        )
    return NUMBER


@_register(
    "count",
    1,
    1,
    "count(group) or count(multiple_choice)",
    "the rows of a group, or the non-blank values of a list",
    _count,
)
def _check_count(node: Call, types: list[ExprType], checker: _Checker) -> ExprType:
    if types[0].kind not in ("repeat", "list", "any"):
        raise ExpressionError(
            f"count() needs a repeating group or a list, not a {types[0]}",
            node.args[0].pos,
            "use len(text) for the length of a text",
        )
    return NUMBER


def _check_membership(node: Call, types: list[ExprType], checker: _Checker) -> ExprType:
    haystack, needle = types
    if node.args[1] is not None:
        checker.scalar(node.args[1], f"{node.name}()")
    if haystack.kind == "string":
        _arg(node, 1, types, "string", checker)
    elif haystack.kind == "list":
        if haystack.elem and not compatible(haystack.elem, needle):
            raise ExpressionError(
                f"cannot look for a {needle} in a list of {haystack.elem}", node.args[1].pos
            )
    elif haystack.kind != "any":
        raise ExpressionError(
            f"{node.name}() needs a list or a text, not a {haystack}",
            node.args[0].pos,
            f"usage: {FUNCTIONS[node.name].usage}",
        )
    return BOOLEAN


_register(
    "contains",
    2,
    2,
    "contains(list_or_text, value)",
    "whether the list holds the value, or the text holds the part",
    _contains,
)(_check_membership)
_register(
    "selected",
    2,
    2,
    "selected(multiple_choice, value)",
    "whether a choice is among those selected",
    _contains,
)(_check_membership)


def _check_numbers(node: Call, types: list[ExprType], checker: _Checker) -> ExprType:
    t = types[0]
    if t.kind == "list" and t.elem is not None and t.elem.kind in ("number", "any"):
        return NUMBER
    if t.kind == "list" and t.elem is not None and t.elem.kind == "date" and node.name != "sum":
        return DATE
    if t.kind == "any":
        return ANY
    raise ExpressionError(
        f"{node.name}() needs the numbers of a repeat column, not a {t}",
        node.args[0].pos,
        f"usage: {FUNCTIONS[node.name].usage}",
    )


_register("sum", 1, 1, "sum(column)", "the total of a repeat column (blanks skipped)", _sum)(
    _check_numbers
)
_register("min", 1, 1, "min(column)", "the smallest value of a repeat column", _min)(_check_numbers)
_register("max", 1, 1, "max(column)", "the largest value of a repeat column", _max)(_check_numbers)


@_register("if", 3, 3, "if(condition, then, else)", "the second or third argument")
def _check_if(node: Call, types: list[ExprType], checker: _Checker) -> ExprType:
    _arg(node, 0, types, "boolean", checker)
    joined = unify(types[1], types[2])
    if joined is None:
        raise ExpressionError(
            f"the two outcomes of if() differ: {types[1]} and {types[2]}",
            node.args[2].pos,
            "both outcomes must have the same type",
        )
    return joined


@_register("empty", 1, 1, "empty(x)", "whether the value is blank", _empty)
def _check_empty(node: Call, types: list[ExprType], checker: _Checker) -> ExprType:
    return BOOLEAN


@_register(
    "matches",
    2,
    2,
    'matches(text, "pattern")',
    "whether the whole text fits a safe pattern (see the regex subset)",
)
def _check_matches(node: Call, types: list[ExprType], checker: _Checker) -> ExprType:
    _arg(node, 0, types, "string", checker)
    pattern = node.args[1]
    if not (isinstance(pattern, Literal) and isinstance(pattern.value, str)):
        raise ExpressionError(
            "the pattern of matches() must be written as a text literal",
            pattern.pos,
            'e.g. matches(code, "[0-9]{4}")',
        )
    try:
        SafePattern(pattern.value)
    except ExpressionError as exc:
        raise ExpressionError(exc.message, pattern.pos + 1 + max(exc.offset, 0), exc.hint) from None
    return BOOLEAN


@_register("concat", 1, None, "concat(a, b, …)", "the values joined as text", _concat)
def _check_concat(node: Call, types: list[ExprType], checker: _Checker) -> ExprType:
    for arg in node.args:
        checker.scalar(arg, "concat()")
    return STRING


@_register("string", 1, 1, "string(x)", "the value as text", _string)
def _check_string(node: Call, types: list[ExprType], checker: _Checker) -> ExprType:
    checker.scalar(node.args[0], "string()")
    return STRING


@_register("round", 1, 2, "round(number, digits)", "rounded half up", _round)
def _check_round(node: Call, types: list[ExprType], checker: _Checker) -> ExprType:
    _arg(node, 0, types, "number", checker)
    if len(types) == 2:
        _arg(node, 1, types, "number", checker)
    return NUMBER


@_register("row", 0, 0, "row()", "the number (1, 2, …) of the current row of a repeat")
def _check_row(node: Call, types: list[ExprType], checker: _Checker) -> ExprType:
    if not checker.scope.context_path:
        raise ExpressionError("row() can only be used inside a repeating group", node.pos)
    return NUMBER


# ---------------------------------------------------------------- names from other tools

_DAYS = "days_between(from, to) gives the days from the first date to the second"
_TODAY = "today() gives the date (POPO has no time of day)"
_COUNT = "count(multiple_choice) gives the number of choices selected"
_IF = 'POPO writes if(condition, then, else), e.g. if(score >= 100, "hoog", "laag")'
_LEN = "len(text) gives the number of characters"
_PART = (
    'POPO has no substring function: test a part with contains(text, "part") '
    'or the form with matches(text, "pattern")'
)
_ROUND = "round(number) rounds half up to a whole number; round(number, 2) to two decimals"
_NUMBER = "POPO does not turn text into a number: ask it in an integer or decimal field"
_STRING = "string(x) gives the value as text"
_BLANK = "empty(x) tells whether x is blank"
_FIRST = "POPO writes this if(empty(a), b, a): a, or b when a is blank"
_ADD = "add_days(date, n) gives the date n days later (or write date + n)"
_MATCH = 'matches(text, "pattern") tells whether the whole text fits a pattern'
_MEAN = "divide a total by the number of rows: sum(score) / count(toetsen)"

OTHER_TOOLS: dict[str, str] = {
    # dates (ODK/XLSForm, Excel, SQL, JavaScript)
    "datediff": _DAYS,
    "date_diff": _DAYS,
    "datedif": _DAYS + "; age(date) gives whole years",
    "days": _DAYS,
    "daysbetween": _DAYS,
    "now": _TODAY,
    "current_date": _TODAY,
    "getdate": _TODAY,
    "sysdate": _TODAY,
    "date_now": _TODAY,
    "dateadd": _ADD,
    "date_add": _ADD,
    "adddays": _ADD,
    "edate": _ADD,
    "decimal_date_time": "compare dates directly (a < b) or use days_between(from, to)",
    # texts
    "concatenate": "concat(a, b, …) joins values as text",
    "join": "concat(a, b, …) joins values as text",
    "length": _LEN,
    "strlen": _LEN,
    "string_length": _LEN,
    "char_length": _LEN,
    "substr": _PART,
    "substring": _PART,
    "mid": _PART,
    "left": _PART,
    "right": _PART,
    "includes": 'contains(text, "part") tells whether the text holds the part',
    "indexof": 'contains(text, "part") tells whether the text holds the part',
    "instr": 'contains(text, "part") tells whether the text holds the part',
    "find": 'contains(text, "part") tells whether the text holds the part',
    "regex": _MATCH,
    "regexp": _MATCH,
    "regex_match": _MATCH,
    "like": _MATCH,
    "str": _STRING,
    "text": _STRING,
    "tostring": _STRING,
    "to_char": _STRING,
    # choices
    "count_selected": _COUNT,
    "countselected": _COUNT,
    "selected_at": "selected(multiple_choice, value) tells whether a choice is selected",
    "jr_choice_name": "a choice's value is what an expression sees; labels are for people",
    # logic and blanks
    "iif": _IF,
    "ifelse": _IF,
    "if_else": _IF,
    "ifs": _IF,
    "then": _IF,
    "else": _IF,
    "elif": _IF,
    "coalesce": _FIRST,
    "nvl": _FIRST,
    "ifnull": _FIRST,
    "isnull": _BLANK,
    "is_null": _BLANK,
    "isblank": _BLANK,
    "isempty": _BLANK,
    "is_empty": _BLANK,
    "blank": _BLANK,
    "null": 'a blank value is tested with empty(x) (or x == "")',
    "none": 'a blank value is tested with empty(x) (or x == "")',
    # numbers
    "int": _ROUND,
    "integer": _ROUND,
    "floor": _ROUND,
    "ceiling": _ROUND,
    "ceil": _ROUND,
    "trunc": _ROUND,
    "number": _NUMBER,
    "float": _NUMBER,
    "decimal": _NUMBER,
    "value": _NUMBER,
    "to_number": _NUMBER,
    "tonumber": _NUMBER,
    "parseint": _NUMBER,
    "parsefloat": _NUMBER,
    "total": "sum(column) adds up a repeat column",
    "average": _MEAN,
    "avg": _MEAN,
    "mean": _MEAN,
    "position": "row() gives the number (1, 2, …) of the current row",
    "index": "row() gives the number (1, 2, …) of the current row",
    "row_number": "row() gives the number (1, 2, …) of the current row",
}
"""Names an author may know from ODK/XLSForm, Excel, JavaScript or SQL, with what POPO writes
instead (docs/expressions.md, "Coming from other tools")."""


def other_tool_hint(name: str) -> str:
    """What POPO writes for a function name from another tool, or an empty string."""
    return OTHER_TOOLS.get(name.lower().replace("-", "_"), "")
