"""A pupil's number (BSN or onderwijsnummer): its 11-test, its mask, and how it is kept.

The 11-test is the engine's (engine/fieldtypes.py), the one the forms' ``bsn`` and
``onderwijsnummer`` fields use: a BSN's weighted sum (weights 9 … 2 and −1) is divisible by 11,
an onderwijsnummer starts with 10 and leaves remainder 5. The two never hold for the same
number, so a number says which kind it is.

The number is stored encrypted with AES-256-GCM and found by an HMAC-SHA256 of it: two keys
derived from ``POPO_PUPIL_KEY`` (runtime/pupils/settings.py), one per purpose, so that the
lookup hash says nothing about the encryption key. A third derived value, the key's check,
is stored with every row: a changed key is refused with :class:`KeyChanged` instead of finding
no one and registering every child a second time.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from typing import Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from engine.fieldtypes import Invalid, clean_bsn, clean_onderwijsnummer

Kind = Literal["bsn", "onderwijsnummer"]
KINDS: tuple[Kind, ...] = ("bsn", "onderwijsnummer")
NONCE = 12  # bytes, AES-GCM's standard nonce
SHOWN_DIGITS = 4  # a masked number shows its last four digits


class InvalidNumber(ValueError):
    """Not a BSN or onderwijsnummer (or not of the kind asked for)."""


class KeyChanged(RuntimeError):
    """The pupil numbers in the database were stored with another ``POPO_PUPIL_KEY``."""

    def __init__(self) -> None:
        super().__init__(
            "the pupil numbers in the database were stored with another POPO_PUPIL_KEY "
            "(or, when it is not set, another POPO_SECRET_KEY): set the key they were stored "
            "with; nothing was read or written"
        )


class Damaged(RuntimeError):
    """A stored number does not decrypt with the right key: its row was changed or damaged."""


def valid(kind: Kind, number: str) -> str:
    """``number`` as the forms store it (spaces and dots removed; a BSN of 8 digits gets its
    leading zero), when it is a valid number of ``kind``; else InvalidNumber."""
    try:
        return (clean_bsn if kind == "bsn" else clean_onderwijsnummer)(number)
    except Invalid as exc:
        raise InvalidNumber(exc.msg.text("en")) from exc


def kind_of(number: str) -> Kind:
    """Which kind of number ``number`` is; InvalidNumber when it passes neither 11-test."""
    for kind in KINDS:
        try:
            valid(kind, number)
        except InvalidNumber:
            continue
        return kind
    raise InvalidNumber("not a valid BSN or onderwijsnummer (9 digits, 11-test)")


def masked(number: str) -> str:
    """The number with all but its last four digits hidden: ``*****6782``."""
    return "*" * (len(number) - SHOWN_DIGITS) + number[-SHOWN_DIGITS:]


def _derive(key: bytes, purpose: bytes) -> bytes:
    return hmac.new(key, b"popo pupil " + purpose, hashlib.sha256).digest()


@dataclass(frozen=True)
class Keys:
    """The keys of pupil numbers, derived from the one configured key."""

    encryption: bytes
    lookup: bytes
    check: str  # stored with every row: which key the row was written with

    @classmethod
    def of(cls, key: bytes) -> Keys:
        return cls(
            encryption=_derive(key, b"encryption"),
            lookup=_derive(key, b"lookup"),
            check=_derive(key, b"check").hex()[:16],
        )

    def lookup_hash(self, kind: Kind, number: str) -> str:
        """The keyed hash a number is found by (per kind: the unique index is per kind)."""
        return hmac.new(self.lookup, f"{kind}:{number}".encode(), hashlib.sha256).hexdigest()

    def encrypt(self, kind: Kind, number: str, lookup_hash: str) -> bytes:
        """Nonce and ciphertext; bound to the row's kind and hash, so that a ciphertext copied
        into another row does not decrypt there."""
        nonce = os.urandom(NONCE)
        sealed = AESGCM(self.encryption).encrypt(
            nonce, number.encode("ascii"), _aad(kind, lookup_hash)
        )
        return nonce + sealed

    def decrypt(self, kind: Kind, lookup_hash: str, stored: bytes, check: str) -> str:
        if not hmac.compare_digest(check, self.check):
            raise KeyChanged()
        try:
            plain = AESGCM(self.encryption).decrypt(
                stored[:NONCE], stored[NONCE:], _aad(kind, lookup_hash)
            )
        except InvalidTag as exc:
            raise Damaged("a stored pupil number was changed or is damaged") from exc
        return plain.decode("ascii")


def _aad(kind: str, lookup_hash: str) -> bytes:
    return f"popo-pupil:{kind}:{lookup_hash}".encode()
