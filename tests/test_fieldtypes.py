"""Field types turn what a person typed into a clean value, or say what is wrong in Dutch."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from engine import compile_file, evaluate
from engine.fieldtypes import FIELD_TYPES, Invalid

from .conftest import form_yaml

Write = Callable[[str, str], Path]


@pytest.mark.parametrize(
    ("kind", "raw", "clean"),
    [
        ("bsn", "111222333", "111222333"),
        ("bsn", "1112.22.333", "111222333"),
        ("bsn", "12345672", "012345672"),
        ("onderwijsnummer", "1012.22.331", "101222331"),
        ("phone", "06-12345678", "0612345678"),
        ("phone", "+31 20 123 4567", "0201234567"),
        ("postcode", "1234ab", "1234 AB"),
        ("brin", "12ab", "12AB"),
        ("brin_vestiging", "12ab 01", "12AB01"),
        ("email", " ouder@voorbeeld.nl ", "ouder@voorbeeld.nl"),
        ("integer", " 42", 42),
        ("decimal", "7,5", Decimal("7.5")),
        ("date", "31-01-2027", date(2027, 1, 31)),
        ("date", "2027-01-31", date(2027, 1, 31)),
        ("yesno", "ja", True),
        ("yesno", "nee", False),
        ("multichoice", ["a", "", "a", "b"], ["a", "b"]),
    ],
)
def test_clean_values(kind: str, raw: Any, clean: Any) -> None:
    cleaner = FIELD_TYPES[kind].clean
    assert cleaner is not None
    assert cleaner(raw) == clean


@pytest.mark.parametrize(
    ("kind", "raw", "message"),
    [
        ("bsn", "123456789", "Dit is geen geldig burgerservicenummer (9 cijfers, elfproef)."),
        ("bsn", "000000000", "Dit is geen geldig burgerservicenummer (9 cijfers, elfproef)."),
        (
            "onderwijsnummer",
            "100252333",
            "Dit is geen geldig onderwijsnummer (9 cijfers, begint met 10).",
        ),
        (
            "onderwijsnummer",
            "111222333",
            "Dit is geen geldig onderwijsnummer (9 cijfers, begint met 10).",
        ),
        (
            "phone",
            "12345",
            "Vul een Nederlands telefoonnummer in, zoals 06 12345678 of 020 1234567.",
        ),
        ("postcode", "0123 AB", "Vul een postcode in zoals 1234 AB."),
        ("postcode", "1234 SS", "Vul een postcode in zoals 1234 AB."),
        ("brin", "ABCD", "Vul een BRIN-code in: 2 cijfers en 2 letters, zoals 12AB."),
        ("email", "ouder@", "Vul een e-mailadres in zoals naam@voorbeeld.nl."),
        ("integer", "4,5", "Vul een heel getal in."),
        ("integer", "١٢", "Vul een heel getal in."),
        ("decimal", "zeven", "Vul een getal in, bijvoorbeeld 7,5."),
        ("date", "30-02-2027", "Vul een bestaande datum in, bijvoorbeeld 31-01-2027."),
        ("yesno", "misschien", "Kies ja of nee."),
    ],
)
def test_invalid_input_gets_a_dutch_message(kind: str, raw: Any, message: str) -> None:
    cleaner = FIELD_TYPES[kind].clean
    assert cleaner is not None
    with pytest.raises(Invalid) as caught:
        cleaner(raw)
    assert caught.value.msg.text("nl") == message
    assert caught.value.msg.text("en") != message  # every message has an English text


def test_a_generated_field_is_read_only_but_keeps_its_value(write: Write) -> None:
    form = compile_file(
        write(
            "f.form.yaml",
            form_yaml(
                """
                - {id: aanmeldcode, type: text, label: Aanmeldcode, generated: aanmeldcode}
                - {id: naam, type: text, label: Naam}
                """
            ),
        )
    )
    state = evaluate(form, {"aanmeldcode": "K7Q-3XM-PL2"}, date(2027, 1, 1))
    assert not state.is_enabled("aanmeldcode")
    assert state.submission()["aanmeldcode"] == "K7Q-3XM-PL2"
