"""Values in messages as an author writes them in YAML, shortened when long (engine.display)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from engine.display import MAX_TEXT, shorten, show_text, show_value, show_yaml


def test_show_value_speaks_yaml() -> None:
    assert show_value(Decimal("6")) == "6"
    assert show_value(date(2027, 1, 15)) == "2027-01-15"
    assert show_value("text") == '"text"'
    assert show_value(["a", "b"]) == "[a, b]"
    assert show_value({"x": 1}) == "{x: 1}"
    assert show_value(True) == "true"
    assert show_value(None) == "blank"
    # inside a list, a text that YAML would read otherwise is quoted
    assert show_value(["2", "true", "a: b", "12AB", None]) == '["2", "true", "a: b", 12AB, null]'
    assert show_value([{"naam": "Jan", "geboren": date(2020, 1, 1)}]) == (
        "[{naam: Jan, geboren: 2020-01-01}]"
    )


def test_show_yaml_writes_texts_plain_and_none_as_null() -> None:
    assert show_yaml("anders") == "anders"
    assert show_yaml("ja: nee") == '"ja: nee"'
    assert show_yaml(None) == "null"
    assert show_yaml({"b", "a"}) == "[a, b]"


def test_long_lists_and_texts_are_shortened_to_the_limits_asked() -> None:
    assert show_value(list(range(20))) == "[0, 1, 2, 3, 4, 5, 6, 7, … and 12 more]"
    assert show_value(list(range(20)), items=2) == "[0, 1, … and 18 more]"
    assert (
        show_yaml({f"k{i}": i for i in range(4)}, items=3) == "{k0: 0, k1: 1, k2: 2, … and 1 more}"
    )
    long = "x" * 5000
    assert show_value(long) == f'"{"x" * (MAX_TEXT - 3)}…" (5000 characters)'
    assert len(show_value(long).split(" (")[0]) == MAX_TEXT
    assert show_value(long, limit=10) == '"xxxxxxx…" (5000 characters)'
    assert show_value(["kort", long], limit=10) == '[kort, "xxxxxxx…" (5000 characters)]'
    assert show_text("precies") == '"precies"'


def test_shorten_gives_one_line_of_at_most_the_limit() -> None:
    assert shorten("Kort genoeg") == "Kort genoeg"
    assert shorten("Een\n  label over\ttwee regels") == "Een label over twee regels"
    cut = shorten("Een heel lang label dat niet op een regel past", 20)
    assert cut == "Een heel lang label…" and len(cut) <= 20
    assert shorten("Een heel lang label dat", 15) == "Een heel lang…"  # no space before …
