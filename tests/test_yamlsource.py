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
