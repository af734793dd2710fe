"""Safe YAML loading: positions kept, dangerous or ambiguous input refused with a message."""

from __future__ import annotations

import pytest

from engine.errors import DefinitionError
from engine.yamlsource import MAX_BYTES, load_text


def messages(text: str) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        load_text(text, "f.yaml")
    return [f"{d.location}: {d.message}" for d in caught.value.diagnostics]


def test_positions_of_keys_and_values() -> None:
    data = load_text("a: 1\nb:\n  c: 'x == 1'\n", "f.yaml")
    assert str(data.key_locs["b"]) == "f.yaml:2:1"
    inner = data["b"]
    assert str(inner.location_of("c")) == "f.yaml:3:7"  # first character inside the quotes
    assert "c" in inner.exact


def test_only_true_and_false_are_booleans() -> None:
    data = load_text("a: yes\nb: no\nc: on\nd: true\ne: false\n", "f.yaml")
    assert data == {"a": "yes", "b": "no", "c": "on", "d": True, "e": False}


def test_alias_bomb_is_refused() -> None:
    bomb = 'a: &a ["x","x"]\nb: &b [*a,*a]\nc: &c [*b,*b]\n'
    (message,) = messages(bomb)
    assert message.startswith("f.yaml:2:8: YAML aliases")


def test_custom_tags_are_refused() -> None:
    (message,) = messages("a: !!python/object/apply:os.system ['true']\n")
    assert "tag" in message and "not allowed" in message


def test_duplicate_keys_are_errors() -> None:
    (message,) = messages("label: a\nlabel: b\n")
    assert message == "f.yaml:2:1: the key 'label' appears twice in this mapping"


def test_only_one_document_per_file() -> None:
    (message,) = messages("a: 1\n---\nb: 2\n")
    assert message == "f.yaml:2:1: a definition file holds one YAML document"


def test_huge_and_deep_documents_are_refused() -> None:
    (message,) = messages("a: '" + "x" * (MAX_BYTES + 1) + "'\n")
    assert "larger than" in message
    (message,) = messages("a: " + "[" * 100 + "]" * 100 + "\n")
    assert "nests deeper" in message
    (message,) = messages("a: " + "[" * 100_000 + "\n")
    assert "nest" in message  # refused by the parser's own limit, not a crash


def test_syntax_error_has_position_and_hint() -> None:
    with pytest.raises(DefinitionError) as caught:
        load_text("label: {nl: Waarom, en: [Why}\n", "f.yaml")
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.location.line == 1
    assert "quotes" in diagnostic.hint or "indentation" in diagnostic.hint


def rendered(text: str) -> str:
    with pytest.raises(DefinitionError) as caught:
        load_text(text, "f.yaml")
    (diagnostic,) = caught.value.diagnostics
    return diagnostic.render()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "id: x\npages:\n\t- id: p\n",
            "f.yaml:3:1: error: a tab is used for indentation\n"
            "     - id: p\n"
            "    ^\n"
            "  hint: YAML indents with spaces only: replace the tab by spaces",
        ),
        (
            "pages:\n  - id: p\n    title: T\n  id: q\n",
            "f.yaml:4:3: error: a dash is missing: this line is not an item of the list that "
            "starts at line 2\n"
            "      id: q\n"
            "      ^\n"
            "  hint: start every item of a list with '- ' (e.g. '- id: q'), or indent the line "
            "like the keys of the item above",
        ),
        (
            "fields:\n  - id: a\n    hint: Voorbeeld: 12AB\n",
            "f.yaml:3:20: error: the text after 'hint:' contains ': '\n"
            "        hint: Voorbeeld: 12AB\n"
            "                       ^\n"
            '  hint: put the whole text in quotes: hint: "Voorbeeld: 12AB"',
        ),
        (
            "label: ? waarom\n",
            "f.yaml:1:8: error: a text cannot start with a question mark unless it is in quotes\n"
            "    label: ? waarom\n"
            "           ^\n"
            '  hint: put the whole text in quotes: label: "? waarom"',
        ),
        (
            "label: @naam\n",
            "f.yaml:1:8: error: a text cannot start with '@' unless it is in quotes\n"
            "    label: @naam\n"
            "           ^\n",
        ),
        (
            'label: "Naam\nx: 1\n',
            "f.yaml:1:8: error: this quote is never closed\n"
            '    label: "Naam\n'
            "           ^\n"
            '  hint: end the text with " on the same line',
        ),
        (
            "languages: [nl, en\nx: 1\n",
            "f.yaml:1:12: error: this '[' is not closed\n"
            "    languages: [nl, en\n"
            "               ^\n"
            "  hint: close it with ']' on the same line",
        ),
        (
            "id: x\n  title: y\n",
            "f.yaml:2:3: error: this line is indented further than the line above\n"
            "      title: y\n"
            "      ^\n"
            "  hint: keys of one mapping start in the same column; line 1 ('id: x') already has "
            "a value, so this line cannot be inside it",
        ),
        (
            'label: "Naam" van kind\n',
            "f.yaml:1:15: error: text follows the closing quote\n"
            '    label: "Naam" van kind\n'
            "                  ^\n"
            "  hint: a quoted text ends at its closing quote: quote the whole text, e.g. "
            "label: '\"Naam\" van kind'",
        ),
    ],
    ids=[
        "tab",
        "dash",
        "colon",
        "question-mark",
        "at",
        "quote",
        "bracket",
        "indent",
        "after-quote",
    ],
)
def test_syntax_errors_show_the_line_a_caret_and_the_usual_cause(text: str, expected: str) -> None:
    assert rendered(text).startswith(expected)


def test_a_null_key_is_a_located_problem_not_a_crash() -> None:
    with pytest.raises(DefinitionError) as refused:
        load_text("~: 1\nb: 2\n", "form.yaml")
    assert [str(d) for d in refused.value.diagnostics] == [
        "form.yaml:1:1: error: a mapping key must be a plain name"
    ]
