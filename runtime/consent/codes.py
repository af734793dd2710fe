"""The aanmeldcode's form: what it looks like, how a typed one is read, and how it is made.

A code is twelve characters of Crockford's base32 (digits and letters without I, L, O and U),
shown in three groups of four: ``A7K2-M9QX-4TRE``. The first character is the type prefix
(``A``: an aanmeldcode, bound to an advice), then ten characters that carry 50 bits, then a
check character (Luhn mod 32 over the eleven before it), which catches every single mistyped
character and nearly every swap of two neighbours before the code reaches the database.

Reading a typed code forgives what people do: lower case, spaces, hyphens or dots between the
groups, and the look-alikes Crockford folds (O is 0; I and L are 1). A U is no character of
the code at all and is refused like any other stranger.

The code is not stored: its ten characters are the first 50 bits of an HMAC of the code's row
id under the code key, so that POPO can show the code again (on screen, on the parents' page,
on the letter) while the database holds only the keyed hash it is found by (:func:`lookup`).
This module knows no database; runtime/consent/service.py uses it.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
VALUE = {c: i for i, c in enumerate(ALPHABET)}
FOLDED = {"O": "0", "I": "1", "L": "1"}  # Crockford's look-alikes
SEPARATORS = " -._\t"
PREFIX = "A"  # an aanmeldcode
BODY = 10  # characters of chance: 50 bits, about 1.1 * 10^15 codes
LENGTH = 1 + BODY + 1
BITS = BODY * 5


@dataclass(frozen=True)
class Unreadable(ValueError):
    """A typed code that cannot be a code: why, for the person's message."""

    why: str  # "length" | "character" | "prefix" | "check"


def check_character(payload: str) -> str:
    """Luhn mod 32 over ``payload`` (characters of ALPHABET): the character that makes the
    whole code add up. One wrong character never adds up; two swapped neighbours almost never do."""
    total = 0
    factor = 2
    for char in reversed(payload):
        addend = factor * VALUE[char]
        factor = 1 if factor == 2 else 2
        total += addend // 32 + addend % 32
    return ALPHABET[(32 - total % 32) % 32]


def is_valid(code: str) -> bool:
    """Whether ``code`` (normalised, without separators) adds up."""
    return len(code) == LENGTH and check_character(code[:-1]) == code[-1]


def normalise(typed: str) -> str:
    """The code a person typed, as twelve characters without separators; :class:`Unreadable`
    when it cannot be one (too short or long, a character not in the alphabet, another type,
    or a check character that does not add up: a typing error)."""
    chars = []
    for char in typed.strip().upper():
        if char in SEPARATORS:
            continue
        char = FOLDED.get(char, char)
        if char not in VALUE:
            raise Unreadable("character")
        chars.append(char)
    code = "".join(chars)
    if len(code) != LENGTH:
        raise Unreadable("length")
    if code[0] != PREFIX:
        raise Unreadable("prefix")
    if not is_valid(code):
        raise Unreadable("check")
    return code


def grouped(code: str) -> str:
    """``A7K2M9QX4TRE`` as it is shown: ``A7K2-M9QX-4TRE``."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def derive(key: bytes, code_id: uuid.UUID) -> str:
    """The code of the row ``code_id`` under ``key``: the prefix, 50 bits of an HMAC, the
    check character (normalised, without separators)."""
    digest = hmac.new(key, b"popo aanmeldcode v1:" + code_id.bytes, hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big") >> (64 - BITS)
    body = "".join(ALPHABET[(number >> (5 * i)) & 31] for i in reversed(range(BODY)))
    payload = PREFIX + body
    return payload + check_character(payload)


def lookup(key: bytes, code: str) -> str:
    """The keyed hash a normalised code is found by (what the database holds)."""
    return hmac.new(key, b"popo aanmeldcode lookup v1:" + code.encode(), hashlib.sha256).hexdigest()
