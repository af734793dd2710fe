"""The lottery of a placement round: lottery numbers anyone can recompute from the seed.

Within a priority group a school takes the children with the best (lowest) lottery number
first. The numbers are not random in the computer's sense: they follow from the round's
published **seed** and the children's opaque ids, so that anyone holding the log can draw them
again (``popo placement verify``) and nobody can pick a number for a child afterwards.

How a number is derived (version 1; this is the whole recipe):

1. A child's **ticket** is the SHA-256 digest of the UTF-8 bytes of the seed, one zero byte
   and the child's id; in the ``per_school`` mode one more zero byte and the school's id
   follow::

       single:      sha256(seed + "\\0" + child)
       per_school:  sha256(seed + "\\0" + child + "\\0" + school)

   In a shell: ``printf '%s\\0%s' "$SEED" "$CHILD" | sha256sum``.
2. The children are sorted by their ticket as unsigned big-endian numbers (the same order as
   the tickets' lowercase hexadecimal text); two equal tickets (which SHA-256 makes
   practically impossible) are ordered by the child's id (its UTF-8 bytes, which is the
   order of its characters' code points).
3. A child's **lottery number** is its place in that order: 1 for the first, 2 for the next.

``single`` (single tie-break) sorts all children of the round once: a child has one number,
at every school. ``per_school`` sorts, for every school, the children who applied to it (who
list it): a child has a number per school, counted among that school's applicants. Either
way a school's order of its applicants is fixed before anyone applies anywhere else, which
is what keeps the round strategy-proof (:mod:`engine.placement.match`).

The seed must be drawn after the round's input is fixed (publish the input's hash first,
:func:`engine.placement.roundlog.input_sha256`), or whoever chooses the ids could try seeds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

from ..errors import HintedError, did_you_mean

if TYPE_CHECKING:
    from .match import Instance

Mode = Literal["single", "per_school"]
MODES: tuple[Mode, ...] = get_args(Mode)
SEPARATOR = "\0"


class LotteryError(HintedError):
    """A lottery that cannot be drawn or read (no seed, an unknown mode, an unknown child)."""


def check_mode(mode: str) -> Mode:
    """``mode`` as a lottery mode, or a :class:`LotteryError` naming the modes."""
    for known in MODES:
        if mode == known:
            return known
    raise LotteryError(
        f"'{mode}' is not a lottery mode",
        did_you_mean(str(mode), MODES)
        or "single (one number per child) or per_school (one per child per school)",
    )


def ticket(seed: str, child: str, school: str | None = None) -> str:
    """The hexadecimal SHA-256 ticket of ``child`` (at ``school`` in the per-school mode)."""
    text = seed + SEPARATOR + child if school is None else SEPARATOR.join((seed, child, school))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _numbered(prefix: bytes, suffix: bytes, children: Iterable[str]) -> dict[str, int]:
    """Children numbered 1, 2, ... in the order of sha256(prefix + child + suffix), then id."""
    sha256 = hashlib.sha256

    def order(child: str) -> bytes:
        # the 32 bytes of the ticket, then the id's UTF-8 bytes: equal tickets by id
        text = child.encode("utf-8")
        return sha256(prefix + text + suffix).digest() + text

    return {child: number for number, child in enumerate(sorted(children, key=order), 1)}


def _check_text(kind: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise LotteryError(f"a lottery's {kind} is a non-empty text, not {value!r}")
    if SEPARATOR in value:
        raise LotteryError(
            f"the {kind} {value!r} holds a zero byte",
            "the zero byte separates the parts of a ticket; ids and seeds cannot hold one",
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise LotteryError(f"the {kind} {value!r} is not text that UTF-8 can write") from None
    return value


def _check_unique(kind: str, values: Iterable[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise LotteryError(f"the {kind} '{value}' occurs twice in the lottery")
        seen.add(value)


def _table(where: str, numbers: object) -> dict[str, int]:
    """child -> number read from JSON, or a :class:`LotteryError` saying what is wrong."""
    if not isinstance(numbers, Mapping):
        raise LotteryError(f"the lottery numbers {where}are not a table of child -> number")
    table: dict[str, int] = {}
    for child, number in numbers.items():
        if isinstance(number, bool) or not isinstance(number, int):
            raise LotteryError(f"the lottery number of child '{child}' {where}is {number!r}")
        table[str(child)] = number
    return table


@dataclass(frozen=True, slots=True)
class Lottery:
    """The drawn numbers. ``numbers`` (mode ``single``): child -> number; ``school_numbers``
    (mode ``per_school``): school -> child -> number. Lower is better; within one table every
    number is a different whole number from 1."""

    seed: str
    mode: Mode
    numbers: Mapping[str, int]
    school_numbers: Mapping[str, Mapping[str, int]]

    def __post_init__(self) -> None:
        check_mode(self.mode)
        tables = [self.numbers] if self.mode == "single" else list(self.school_numbers.values())
        for table in tables:
            values = list(table.values())
            if any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in values):
                raise LotteryError("a lottery number is a whole number from 1")
            if len(set(values)) != len(values):
                raise LotteryError("two children share a lottery number at one school")

    def number(self, child: str, school: str) -> int:
        """The lottery number of ``child`` at ``school`` (in the single mode: at every school)."""
        table = self.numbers_at(school)
        try:
            return table[child]
        except KeyError:
            where = "" if self.mode == "single" else f" at school '{school}'"
            raise LotteryError(f"child '{child}' has no lottery number{where}") from None

    def numbers_at(self, school: str) -> Mapping[str, int]:
        """child -> number at ``school``: the one table of the single mode, or the school's."""
        if self.mode == "single":
            return self.numbers
        try:
            return self.school_numbers[school]
        except KeyError:
            raise LotteryError(f"school '{school}' has no lottery numbers") from None

    def largest(self) -> int:
        """The highest number drawn (0 for a lottery without children)."""
        tables = [self.numbers] if self.mode == "single" else self.school_numbers.values()
        return max((max(t.values(), default=0) for t in tables), default=0)

    def to_json(self) -> dict[str, int] | dict[str, dict[str, int]]:
        """The numbers as JSON: {child: number} (single) or {school: {child: number}}."""
        if self.mode == "single":
            return dict(self.numbers)
        return {school: dict(table) for school, table in self.school_numbers.items()}

    @classmethod
    def from_json(cls, seed: str, mode: str, numbers: Mapping[str, object]) -> Lottery:
        """The lottery whose numbers :meth:`to_json` wrote (as read from a round's log)."""
        checked = check_mode(mode)
        if checked == "single":
            return cls(seed, checked, _table("", numbers), {})
        if not isinstance(numbers, Mapping):
            raise LotteryError("the lottery numbers are not a table of school -> child -> number")
        tables = {str(s): _table(f"at school '{s}' ", t) for s, t in numbers.items()}
        return cls(seed, checked, {}, tables)


def draw(
    seed: str,
    children: Sequence[str],
    schools: Sequence[str],
    mode: Mode,
    *,
    applicants: Mapping[str, Sequence[str]] | None = None,
) -> Lottery:
    """Draw the numbers of ``children`` from ``seed`` as the module explains. In the
    ``per_school`` mode each school of ``schools`` numbers its ``applicants`` (school ->
    the children who list it); without ``applicants`` every child applies everywhere. A round
    draws with :func:`draw_for`, which passes its instance's applicants."""
    checked = check_mode(mode)
    _check_text("seed", seed)
    for child in children:
        _check_text("child id", child)
    _check_unique("child", children)
    prefix = seed.encode("utf-8") + b"\0"
    if checked == "single":
        return Lottery(seed, checked, _numbered(prefix, b"", children), {})
    for school in schools:
        _check_text("school id", school)
    _check_unique("school", schools)
    known = set(children)
    tables: dict[str, dict[str, int]] = {}
    for school in schools:
        entrants = children if applicants is None else applicants.get(school, ())
        if applicants is not None:
            _check_unique(f"applicant of school {school!r}: child", entrants)
            stranger = next((c for c in entrants if c not in known), None)
            if stranger is not None:
                raise LotteryError(f"applicant '{stranger}' of school '{school}' is no child")
        tables[school] = _numbered(prefix, b"\0" + school.encode("utf-8"), entrants)
    return Lottery(seed, checked, {}, tables)


def draw_for(instance: Instance, seed: str, mode: Mode) -> Lottery:
    """The lottery of a round: :func:`draw` over the instance's children and schools, each
    school numbering the children who list it (in the per-school mode)."""
    return draw(
        seed,
        [child.id for child in instance.children],
        [school.id for school in instance.schools],
        mode,
        applicants=instance.applicants(),
    )


__all__ = [
    "MODES",
    "Lottery",
    "LotteryError",
    "Mode",
    "check_mode",
    "draw",
    "draw_for",
    "ticket",
]
