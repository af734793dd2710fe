"""The expression language: grammar, type checks with offsets, blank semantics, safety."""

from __future__ import annotations

import contextlib
import time
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import EngineError, ExpressionError
from engine.expressions import Context, Scope, SymbolInfo, compile_expression, parse
from engine.expressions.regex import SafePattern
from engine.expressions.types import BOOLEAN, DATE, NUMBER, REPEAT, STRING, list_of

SYMBOLS = {
    "reden": SymbolInfo(STRING),
    "geboortedatum": SymbolInfo(DATE),
    "aantal": SymbolInfo(NUMBER),
    "ja": SymbolInfo(BOOLEAN),
    "nee": SymbolInfo(BOOLEAN),
    "talen": SymbolInfo(list_of(STRING)),
    "toetsen": SymbolInfo(REPEAT, (), True),
    "score": SymbolInfo(NUMBER, ("toetsen",)),
    "toets": SymbolInfo(STRING, ("toetsen",)),
}
TODAY = date(2027, 1, 15)


def run(text: str, values: dict[str, Any] | None = None, context: tuple[str, ...] = ()) -> Any:
    compiled = compile_expression(text, Scope(SYMBOLS, context))
    top = values or {}
    if context:
        row = top["toetsen"][0]
        return compiled(Context((top, row), TODAY, (0,)))
    return compiled(Context((top,), TODAY))


def error(text: str, context: tuple[str, ...] = ()) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(text, Scope(SYMBOLS, context))
    return caught.value


def test_the_example_from_the_issue() -> None:
    values = {"reden": "anders", "geboortedatum": date(2020, 1, 16)}
    assert run('reden == "anders" and age(geboortedatum) >= 4', values) is True
    values["geboortedatum"] = date(2023, 1, 16)
    assert run('reden == "anders" and age(geboortedatum) >= 4', values) is False


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("7 / 2", Decimal("3.5")),
        ("7 % 3", 1),
        ("-aantal + 1", -4),
        ("'a' == \"a\"", True),
        ("concat('a', 1, true)", "a1true"),
        ('"nl" in talen', True),
        ('"de" not in talen', True),
        ("len(reden)", 6),
        ("count(talen)", 2),
        ("count(toetsen)", 2),
        ("sum(score)", 30),
        ("min(score) + max(score)", 30),
        ('contains(reden, "nde")', True),
        ('selected(talen, "en")', True),
        ("if(aantal > 3, 'veel', 'weinig')", "veel"),
        ("empty(reden)", False),
        ('matches(reden, "[a-z]+")', True),
        ('days_between(date("2027-01-01"), date("2027-01-15"))', 14),
        ('add_days(date("2027-01-01"), 31) == date("2027-02-01")', True),
        ("year(today()) * 100 + month(today())", 202701),
        ("round(10 / 3, 2)", Decimal("3.33")),
        ("string(aantal)", "5"),
        ('today() - date("2027-01-01")', 14),
    ],
)
def test_operators_and_functions(text: str, expected: Any) -> None:
    values = {
        "reden": "anders",
        "aantal": 5,
        "talen": ["nl", "en"],
        "toetsen": [{"score": 10, "toets": "a"}, {"score": 20, "toets": "b"}],
    }
    assert run(text, values) == expected


def test_row_references_and_row_number() -> None:
    values = {"aantal": 2, "toetsen": [{"score": 10}, {"score": 20}]}
    assert run("score * aantal + row()", values, ("toetsen",)) == 21


@pytest.mark.parametrize(
    ("text", "message", "offset"),
    [
        ("redn == 'x'", "unknown field 'redn'", 0),
        ("reden == 3", "comparing a text with a number is always false", 6),
        ("aantal < 'x'", "cannot order a number against a text", 7),
        ("foo(1)", "unknown function 'foo'", 0),
        ("age()", "age() takes 1 argument, got 0", 0),
        ("age(reden)", "argument 1 of age() must be a date, not a text", 4),
        ("score > 3", "'score' has one value per row; '>' needs a single value", 0),
        ("toetsen > 1", "a repeating group has no single value", 0),
        ("reden = 'x'", "unexpected character '='", 6),
        ("(reden == 'x'", "expected ')' but found the end of the expression", 13),
        ("reden == 'x' ja", "unexpected 'ja'", 13),
        ("1 < 2 < 3", "comparisons cannot be chained", 6),
        ("'open", "text is not closed", 0),
        ("ja and 1", "'and' needs a yes/no, not a number", 7),
        ("reden + 'x'", "'+' needs numbers, not a text", 0),
        ('matches(reden, "a(b")', "pattern: '(' is not closed", 19),
        ("matches(reden, reden)", "the pattern of matches() must be written as a text literal", 15),
        ("if(ja, 1, 'x')", "the two outcomes of if() differ: number and text", 10),
        ("row()", "row() can only be used inside a repeating group", 0),
        ("@provincie == 'x'", "'@provincie' can only be used in a choice_filter", 0),
    ],
)
def test_errors_name_the_fault_and_its_offset(text: str, message: str, offset: int) -> None:
    caught = error(text)
    assert caught.message == message
    assert caught.offset == offset


def test_did_you_mean_for_fields_and_functions() -> None:
    assert error("redne == 'x'").hint == "did you mean 'reden'?"
    assert error("lenght(reden)").hint == "did you mean 'len'?"
    assert "sum(score)" in error("score + 1").hint


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        (
            "datediff(geboortedatum, today()) > 3",
            "unknown function 'datediff'",
            "days_between(from, to) gives the days from the first date to the second",
        ),
        ("DATE_DIFF(geboortedatum, today())", "unknown function 'DATE_DIFF'", "days_between("),
        ("now() > geboortedatum", "unknown function 'now'", "today() gives the date"),
        ("today > geboortedatum", "unknown field 'today'", "today is a function: write today()"),
        ("concatenate(reden, 'x')", "unknown function 'concatenate'", "concat(a, b, …)"),
        (
            "count-selected(talen) > 1",
            "unknown function 'count-selected'",
            "count(multiple_choice) gives the number of choices selected",
        ),
        ("count_selected(talen) > 1", "unknown function 'count_selected'", "count(multiple"),
        ("iif(ja, 1, 2) > 1", "unknown function 'iif'", "POPO writes if(condition, then, else)"),
        ("1 if ja else 2", "unexpected 'if'", "POPO writes if(condition, then, else)"),
        ("length(reden) > 3", "unknown function 'length'", "len(text) gives the number"),
        ("substr(reden, 1, 2) == 'a'", "unknown function 'substr'", "POPO has no substring"),
        ("int(aantal) > 3", "unknown function 'int'", "round(number) rounds half up"),
        ("number(reden) > 3", "unknown function 'number'", "POPO does not turn text into a"),
        (
            "coalesce(reden, 'x') == 'x'",
            "unknown function 'coalesce'",
            "POPO writes this if(empty(a), b, a)",
        ),
        ("isnull(reden)", "unknown function 'isnull'", "empty(x) tells whether x is blank"),
    ],
)
def test_names_from_other_tools_get_popos_way_of_writing_them(
    text: str, message: str, hint: str
) -> None:
    caught = error(text)
    assert caught.message == message
    assert caught.hint.startswith(hint)


# ---------------------------------------------------------------- blank semantics (truth table)

B = None  # blank
TRUTH_TABLE = [
    # a, b, a and b, a or b, not a
    (True, True, True, True, False),
    (True, False, False, True, False),
    (True, B, B, True, False),
    (False, True, False, True, True),
    (False, False, False, False, True),
    (False, B, False, B, True),
    (B, True, B, True, B),
    (B, False, False, B, B),
    (B, B, B, B, B),
]


@pytest.mark.parametrize(("a", "b", "conj", "disj", "neg"), TRUTH_TABLE)
def test_blank_truth_table(a: Any, b: Any, conj: Any, disj: Any, neg: Any) -> None:
    values = {"ja": a, "nee": b}
    assert run("ja and nee", values) is conj
    assert run("ja or nee", values) is disj
    assert run("not ja", values) is neg


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("reden == 'x'", False),
        ("reden != 'x'", True),
        ("reden == ''", True),  # the empty text is blank
        ("aantal == aantal", True),  # blank equals blank
        ("aantal > 3", None),  # ordering with a blank is unknown
        ("aantal + 1", None),  # arithmetic with a blank is blank
        ("empty(aantal)", True),
        ("len(reden)", 0),
        ("count(talen)", 0),
        ("sum(score)", 0),
        ("min(score)", None),
        ("contains(talen, 'nl')", False),
        ("if(ja, 1, 2)", 2),
        ("age(geboortedatum)", None),
        ("concat(reden, 'x')", "x"),
        ("1 / 0", None),
    ],
)
def test_blank_values(text: str, expected: Any) -> None:
    assert run(text, {}) == expected


# ---------------------------------------------------------------- safety


def test_regex_subset_is_linear() -> None:
    pattern = SafePattern("(a+)+b")
    start = time.perf_counter()
    assert pattern.fullmatch("a" * 5000) is False
    assert time.perf_counter() - start < 2.0
    assert SafePattern("[1-9][0-9]{3} ?[A-Z]{2}").fullmatch("1234 AB")
    assert not SafePattern("[1-9][0-9]{3} ?[A-Z]{2}").fullmatch("0234 AB")
    assert SafePattern(r"\d{2}-\d{2}|x").fullmatch("x")


@pytest.mark.parametrize("pattern", ["a{1000}", "(?=a)", r"\1", "a**", "[b-a]", "a{2,1}"])
def test_regex_refuses_unsafe_or_unsupported_patterns(pattern: str) -> None:
    with pytest.raises(ExpressionError):
        SafePattern(pattern)


ALPHABET = st.sampled_from(
    [
        *list("abcdeghilnorstuy _0123456789.,()[]@\"'=!<>+-*/%\\\n"),
        "reden",
        "aantal",
        "score",
        "toetsen",
        " and ",
        " or ",
        "not ",
        " in ",
        "age(",
        "sum(",
        "matches(",
        "if(",
        "date(",
        "true",
        "false",
        "==",
        "!=",
        "<=",
        ">=",
        "talen",
        "count(",
    ]
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ALPHABET, max_size=30).map("".join))
def test_no_input_raises_anything_but_engine_errors(text: str) -> None:
    try:
        compiled = compile_expression(text, Scope(SYMBOLS))
    except EngineError:
        return
    values = {"reden": "x", "aantal": 0, "talen": [], "toetsen": [{"score": None}]}
    start = time.perf_counter()
    try:
        compiled(Context((values,), TODAY))
        compiled(Context(({},), TODAY))
    except EngineError:
        pass
    assert time.perf_counter() - start < 0.5


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_unicode_never_crashes_the_parser(text: str) -> None:
    with contextlib.suppress(EngineError):
        parse(text)


def test_deep_nesting_is_refused_not_a_recursion_error() -> None:
    with pytest.raises(ExpressionError, match="nests deeper"):
        parse("(" * 500 + "1" + ")" * 500)
    with pytest.raises(ExpressionError, match="nests deeper"):
        parse("not " * 500 + "true")


@settings(max_examples=400, deadline=None)
@given(st.lists(ALPHABET, max_size=20).map("".join))
def test_fast_tokenizer_agrees_with_the_careful_one(text: str) -> None:
    from engine.expressions.lexer import _tokenize_careful, _tokenize_fast

    fast = _tokenize_fast(text)
    if fast is None:
        return
    assert fast == _tokenize_careful(text)
