"""The aanmeldcode's form, without a database: Crockford base32 with a type prefix and a check
character; what people type is forgiven where Crockford folds look-alikes, and every single
mistyped character is caught before the code reaches the database."""

from __future__ import annotations

import itertools
import math
import uuid

import pytest

from runtime.consent import codes

KEY = b"test key"


def test_a_code_is_twelve_characters_in_three_groups_with_the_prefix_and_enough_chance() -> None:
    code = codes.derive(KEY, uuid.uuid4())
    assert len(code) == 12 and code[0] == "A" and codes.is_valid(code)
    assert set(code) <= set(codes.ALPHABET) and not set(code) & set("ILOU")
    assert len(codes.grouped(code).split("-")) == 3
    assert codes.BITS >= 40 and 2**codes.BITS >= 10**12
    assert math.log2(32**codes.BODY) == codes.BITS


def test_codes_are_derived_from_the_key_and_spread() -> None:
    ids = [uuid.uuid4() for _ in range(2000)]
    made = [codes.derive(KEY, i) for i in ids]
    assert len(set(made)) == len(made)
    assert made[0] == codes.derive(KEY, ids[0])  # shown again, never stored
    assert made[0] != codes.derive(b"another key", ids[0])
    # every character of the body is used, about evenly
    counts = {c: sum(code[1:11].count(c) for code in made) for c in codes.ALPHABET}
    assert min(counts.values()) > 0.6 * (2000 * 10 / 32)


def test_what_people_type_is_read_as_the_code() -> None:
    code = codes.derive(KEY, uuid.uuid4())
    shown = codes.grouped(code)
    for typed in (
        shown,
        shown.lower(),
        code,
        " ".join(code),
        shown.replace("-", "."),
        f"  {shown}  ",
        shown.replace("0", "O").replace("1", "I"),
        shown.replace("1", "l"),
    ):
        assert codes.normalise(typed) == code, typed


def test_every_single_mistyped_character_is_caught() -> None:
    for _ in range(50):
        code = codes.derive(KEY, uuid.uuid4())
        for position in range(1, len(code)):
            for other in codes.ALPHABET:
                if other == code[position]:
                    continue
                typo = code[:position] + other + code[position + 1 :]
                with pytest.raises(codes.Unreadable) as caught:
                    codes.normalise(typo)
                assert caught.value.why == "check"


def test_nearly_every_swap_of_neighbours_is_caught() -> None:
    swaps = caught = 0
    for _ in range(200):
        code = codes.derive(KEY, uuid.uuid4())
        for position in range(1, len(code) - 1):
            if code[position] == code[position + 1]:
                continue
            swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
            swaps += 1
            caught += not codes.is_valid(swapped)
    assert caught / swaps > 0.95


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("", "length"),
        ("A7K2-M9QX", "length"),
        ("A7K2-M9QX-4TRE-X", "length"),
        ("A7K2-M9QX-4TRU", "character"),
        ("A7K2-M9QX-4TR!", "character"),
        ("B7K2-M9QX-4TRE", "prefix"),
    ],
)
def test_what_cannot_be_a_code_says_why(typed: str, why: str) -> None:
    with pytest.raises(codes.Unreadable) as caught:
        codes.normalise(typed)
    assert caught.value.why == why


def test_the_lookup_is_keyed() -> None:
    code = codes.derive(KEY, uuid.uuid4())
    assert codes.lookup(KEY, code) != codes.lookup(b"other", code)
    assert (
        len(
            {
                codes.lookup(KEY, c)
                for c in itertools.islice(iter(lambda: codes.derive(KEY, uuid.uuid4()), None), 100)
            }
        )
        == 100
    )
