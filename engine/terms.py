"""Terms: "5 schooldagen", "6 weken", "14 days", as laws and regional agreements write them.

A :class:`Term` is an amount and a unit (calendar days, weeks, or school days); :meth:`Term.due`
gives the day a term that starts on a date ends. School days are counted with a
:class:`~engine.calendar.SchoolCalendar` and the school's vakantieregio: the n-th school day
after the start (the start itself does not count). :func:`parse_term` reads a term written in
Dutch or English; :func:`describe` writes one for a person to read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, get_args

from .calendar import SchoolCalendar, region_name
from .errors import HintedError, did_you_mean

Unit = Literal["days", "weeks", "school_days"]
UNITS: tuple[Unit, ...] = get_args(Unit)
DEFAULT_LANGUAGE = "nl"

# one place for the words of every unit: parse_term reads them, describe writes them
_WORDS: dict[Unit, dict[str, tuple[str, str]]] = {
    "days": {"nl": ("dag", "dagen"), "en": ("day", "days")},
    "weeks": {"nl": ("week", "weken"), "en": ("week", "weeks")},
    "school_days": {"nl": ("schooldag", "schooldagen"), "en": ("school day", "school days")},
}
_UNIT_OF_WORD: dict[str, Unit] = {
    word: unit for unit, languages in _WORDS.items() for pair in languages.values() for word in pair
}
_TERM = re.compile(r"^\s*(-?\d+)\s*(.*?)\s*$")
_EXAMPLES = "e.g. 5 schooldagen, 6 weken, 14 dagen or 5 school days, 6 weeks, 14 days"
MAX_AMOUNT = 3660  # ten years of days: a larger term is a typing error


class TermError(HintedError):
    """A term that cannot be read or counted; ``hint`` says how to write it."""


@dataclass(frozen=True, slots=True)
class Term:
    amount: int
    unit: Unit

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise TermError(
                f"'{self.unit}' is not a unit of a term",
                did_you_mean(str(self.unit), UNITS) or "units: " + ", ".join(UNITS),
            )
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise TermError(f"the amount of a term is a whole number, not {self.amount!r}")
        if not 0 <= self.amount <= MAX_AMOUNT:
            raise TermError(
                f"a term of {self.amount} {self.unit.replace('_', ' ')} cannot be counted",
                f"use a whole number from 0 to {MAX_AMOUNT}",
            )

    def due(
        self, start: date, calendar: SchoolCalendar | None = None, region: str | None = None
    ) -> date:
        """The day the term ends when it starts on ``start``. Calendar days and weeks need no
        calendar; school days count the school days of ``region`` (None: only the days off of
        every region) after ``start``, and raise
        :class:`~engine.calendar.CalendarGap` when they run out of the calendar."""
        if self.unit == "days":
            return start + timedelta(days=self.amount)
        if self.unit == "weeks":
            return start + timedelta(weeks=self.amount)
        if calendar is None:
            raise TermError(
                f"'{describe(self, 'en')}' counts school days, and no school calendar was given",
                "pass the school calendar (definitions/calendars/*.calendar.yaml) to count "
                "school days",
            )
        if region is not None:
            region_name(region)  # an unknown region is refused, also for a term of 0 days
        day = start
        left = self.amount
        while left:
            day += timedelta(days=1)
            if calendar.is_school_day(day, region):
                left -= 1
        return day


def parse_term(text: str) -> Term:
    """A term written as a whole number and a unit, in Dutch or English: ``5 schooldagen``,
    ``5 school days``, ``6 weken``, ``4 weeks``, ``14 dagen``, ``1 week``, ``1 dag``."""
    found = _TERM.match(text)
    if found is None:
        raise TermError(
            f"'{text.strip()}' is not a term", "start with a whole number, " + _EXAMPLES
        )
    amount, word = int(found.group(1)), " ".join(found.group(2).lower().split())
    if not word:
        raise TermError(f"'{text.strip()}' has no unit", "add one: " + _EXAMPLES)
    unit = _UNIT_OF_WORD.get(word) or _UNIT_OF_WORD.get(word.replace("-", " "))
    if unit is None:
        hint = did_you_mean(word, _UNIT_OF_WORD)
        raise TermError(
            f"'{found.group(2).strip()}' is not a unit of a term",
            f"{hint} ({_EXAMPLES})"
            if hint
            else "units: dagen, weken, schooldagen (days, weeks, school days), " + _EXAMPLES,
        )
    if amount < 0:
        raise TermError(f"'{text.strip()}': a term cannot be negative", _EXAMPLES)
    return Term(amount, unit)


def describe(term: Term, language: str) -> str:
    """The term for a person to read: ``5 schooldagen`` (nl), ``5 school days`` (en); other
    languages get Dutch."""
    words = _WORDS[term.unit]
    singular, plural = words.get(language, words[DEFAULT_LANGUAGE])
    return f"{term.amount} {singular if term.amount == 1 else plural}"


__all__ = ["UNITS", "Term", "TermError", "Unit", "describe", "parse_term"]
