"""The law's thresholds of absence, pure (no database, no web; tests/test_absence_rules.py).

Sources (2015 texts, ../shared/domain/law-excerpts-2015.md; docs/absence.md):

- Leerplichtwet 1969 art. 21 (primary schools; art. 21a says the same for secondary day
  schools): a pupil who, without a valid reason, misses lessons for a total of sixteen hours
  within four consecutive school weeks is reported by the head of the school, without delay,
  to the municipality where the pupil lives (its leerplichtambtenaar).
- Besluit verzuimmelding, bijlage: the kinds of a report include "ongeoorloofd verzuim van 1
  maand of langer": long-term absence. POPO counts a case as long-term when more than
  :data:`LONG_TERM_WEEKS` weeks have passed since its first day of absence.
- A thuiszitter (the national definition of OCW and the Ingrado convenant): a child of
  compulsory school age who is enrolled and absent without a valid reason for more than four
  consecutive weeks, or who is not enrolled at any school (absoluut verzuim, whose control is
  the municipality's: Leerplichtwet art. 19).
- Leerplichtwet art. 3 lid 1: the duty to be enrolled starts on the first school day of the
  month after the child turns five.

Weeks are counted in calendar days (seven a week): school holidays count as well, so a case
that spans a holiday is long-term sooner than by school weeks (docs/absence.md says so).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta


class Kind(enum.StrEnum):
    RELATIVE = "relative"  # relatief verzuim: enrolled, absent without a valid reason
    LONG_TERM = "long_term"  # more than four weeks (recorded so, or a relative case grown)
    NOT_ENROLLED = "not_enrolled"  # absoluut verzuim: enrolled at no school


class Acting(enum.StrEnum):
    """Who acts on a case (with a free text naming the person)."""

    SCHOOL = "school"
    SWV = "swv"
    LEERPLICHT = "leerplicht"  # the leerplichtambtenaar
    JEUGDHULP = "jeugdhulp"
    OTHER = "other"


class Ending(enum.StrEnum):
    """How a case ended."""

    BACK_AT_SCHOOL = "back_at_school"
    ENROLLED_ELSEWHERE = "enrolled_elsewhere"
    EXEMPTION = "exemption"  # vrijstelling (Leerplichtwet art. 5, 11, 15)
    MOVED_AWAY = "moved_away"
    OTHER = "other"


# Leerplichtwet 1969 art. 21 lid 1 (art. 21a lid 1): sixteen hours within four school weeks
REPORT_HOURS = 16
REPORT_WINDOW_WEEKS = 4
# more than four weeks of absence is long-term (Besluit verzuimmelding: "1 maand of langer";
# the thuiszitter's "meer dan vier aaneengesloten weken")
LONG_TERM_WEEKS = 4
LONG_TERM_DAYS = LONG_TERM_WEEKS * 7
# the most unauthorised hours four school weeks can hold: a primary school teaches at most
# about 26 hours a week (WPO art. 8: 7,520 hours in eight years), 4 x 30 leaves room
MAX_HOURS = 120
# Leerplichtwet art. 3 lid 1: compulsory schooling from the month after the fifth birthday
COMPULSORY_AGE = 5


def must_report(kind: Kind, hours: int | None) -> bool:
    """Whether the school must report the case to the leerplichtambtenaar: sixteen hours or
    more of unauthorised absence within four school weeks (art. 21), and every long-term case
    and child not enrolled anywhere (those pass the sixteen hours, or are absoluut verzuim)."""
    if kind is Kind.RELATIVE:
        return hours is not None and hours >= REPORT_HOURS
    return True


def long_term_from(first_day: date) -> date:
    """The first day on which a case that started on ``first_day`` is long-term: more than
    four weeks later."""
    return first_day + timedelta(days=LONG_TERM_DAYS + 1)


def is_long_term(first_day: date, on: date) -> bool:
    """Whether more than four weeks have passed on ``on`` since the first day of absence."""
    return on >= long_term_from(first_day)


def kind_on(kind: Kind, first_day: date, on: date) -> Kind:
    """The case's kind on ``on``: a relative case that passed four weeks counts as long-term."""
    if kind is Kind.RELATIVE and is_long_term(first_day, on):
        return Kind.LONG_TERM
    return kind


@dataclass(frozen=True)
class Duration:
    days: int

    @property
    def weeks(self) -> int:
        """Whole weeks."""
        return self.days // 7


def duration(first_day: date, on: date, ended_on: date | None = None) -> Duration:
    """How long a case lasts on ``on`` (or lasted, once ended): the days from its first day of
    absence, that day included; nothing before it starts."""
    until = min(on, ended_on) if ended_on is not None else on
    return Duration(max(0, (until - first_day).days + 1))


def thuiszitter(kind: Kind, first_day: date, on: date, ended_on: date | None = None) -> Kind | None:
    """Whether the child is a thuiszitter on ``on``, and as which: not enrolled anywhere
    (absoluut verzuim) from the first day, or enrolled and absent for more than four weeks
    (long-term). None for a case that ended by then, or is (still) relative absence."""
    if ended_on is not None and ended_on <= on:
        return None
    if on < first_day:
        return None
    found = kind_on(kind, first_day, on)
    return found if found in (Kind.LONG_TERM, Kind.NOT_ENROLLED) else None


def compulsory_from(birth: date) -> date:
    """The first day of compulsory schooling (Leerplichtwet art. 3 lid 1): the first day of
    the month after the fifth birthday (its first school day may be later)."""
    year = birth.year + COMPULSORY_AGE
    month = birth.month + 1
    if month > 12:
        year, month = year + 1, 1
    return date(year, month, 1)


def age_on(birth: date, on: date) -> int:
    """Age in whole years."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
