"""Who holds the duty of care (zorgplicht) for a registered child on every day, derived from
the histories of the parents' choices, never stored as a state.

The law (WPO art. 40 lid 2-5; ../shared/domain/law-excerpts-2015.md): the parents register at
one or more schools and say in which order (lid 2); the school that handles the registration
judges whether the child needs extra support (lid 3) and may refuse such a child only after it
has made sure, with the parents, that another school is willing to admit the child (lid 4),
unless the school has no place or the parents will not respect (or subscribe to) the school's
grondslag (lid 5). POPO applies it as follows (docs/procedures.md, "Terms and the duty of care"):

1. The school of first preference handles the registration first and holds the duty from the
   day it received the registration (a school that received it earlier holds nothing: the
   parents' order decides, and the days before are a gap).
2. A school holds it until its decision, that day included. An admission ends the duty: the
   child has a school. The parents' withdrawal at the last school ends it too.
3. A refusal, a decision not to handle the registration (art. 63 lid 4) or the parents'
   withdrawal at one school activates the next school in the parents' order: it holds the duty
   from the next day, or from its own receipt of the registration when that is later.
4. A lawful refusal of a child who needs extra support names the school that agreed to admit the
   child (lid 4; a refusal of another child may name one too). That school holds the duty on the
   days no school of the parents' order does: before the next school received the registration,
   and after the last one, until it decides itself.
5. A refusal of a child who needs extra support without another school's agreement (made before
   the refusal) and without an exception is not a lawful refusal: the refusing school keeps the
   duty, whatever the other schools do, until the child is admitted or enrolled. POPO refuses
   such a refusal (:func:`may_refuse`); a history that holds one anyway shows it.
6. An enrolment (the child was enrolled at a school on a day) ends the duty: the school of
   enrolment holds that day, the days before belong to whoever held them. An enrolment before
   the first receipt (the school the child attends now) ends nothing.
7. A day nobody holds it is a gap (``school`` None): a flag for the school and the SWV, e.g. a
   child refused everywhere, or a next school that has not received the registration.

:func:`derive` gives the :class:`Duty`: its periods cover every day from the first receipt to
the end (the last one open when nothing ended it), without overlap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, NamedTuple, get_args

from . import clock as clocks
from .clock import N_, Event

Exemption = Literal["no_place", "grondslag"]
Why = Literal[
    "first_preference",
    "next_preference",
    "agreed_to_admit",
    "refused_without_agreement",
    "enrolled",
    "nobody",
]
EXCEPTIONS: tuple[Exemption, ...] = get_args(Exemption)
DAY = timedelta(days=1)

# why a school holds the duty in a period, for a person (English message ids)
WHY: dict[str, str] = {
    "first_preference": N_("first school in the parents' order, from its receipt"),
    "next_preference": N_("next school in the parents' order, after the previous school"),
    "agreed_to_admit": N_("agreed to admit the child when the previous school refused"),
    "refused_without_agreement": N_(
        "refused a child who needs extra support without another school's agreement: the duty "
        "stays with this school"
    ),
    "enrolled": N_("the child is enrolled at this school"),
    "nobody": N_("no school holds the duty of care"),
}

# why a refusal may not be decided (may_refuse), for the person deciding
REFUSALS: dict[str, str] = {
    "unknown_exception": N_(
        "POPO knows two exceptions to the duty of care: no place at the school, or the parents "
        "do not respect the school's grondslag."
    ),
    "support_needs_agreement": N_(
        "This child needs extra support: the school may refuse only after another school has "
        "agreed to admit the child. Name that school and the day it agreed, or say which "
        "exception applies (no place, or the parents do not respect the school's grondslag)."
    ),
    "agreement_own_school": N_(
        "The school that agrees to admit the child must be another school than the one that "
        "refuses."
    ),
    "agreement_undated": N_("Give the day the other school agreed to admit the child."),
    "agreement_after_refusal": N_(
        "The other school agreed after the refusal: the school may refuse only once another "
        "school has agreed to admit the child."
    ),
}


@dataclass(frozen=True, slots=True)
class Choice:
    """One school of the parents' list, with its registration's events and, for a refusal, the
    school's finding on support, the exception it relies on and the school that agreed to admit."""

    school: str
    events: tuple[Event, ...] = ()
    needs_support: bool = False
    exception: Exemption | None = None
    agreed_school: str | None = None
    agreed_on: date | None = None


@dataclass(frozen=True, slots=True)
class Enrolment:
    school: str
    on: date


class Period(NamedTuple):
    """A school holds the duty from ``start`` to ``until`` (both included; None: still)."""

    school: str | None  # None: nobody (a gap)
    start: date
    until: date | None
    why: Why

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.until is None or day <= self.until)


@dataclass(frozen=True, slots=True)
class Duty:
    """The periods of the duty of care, in order, one after the other without gap or overlap
    (a day nobody holds it is a period with ``school`` None)."""

    periods: tuple[Period, ...]

    @property
    def start(self) -> date | None:
        return self.periods[0].start if self.periods else None

    @property
    def end(self) -> date | None:
        """The last day covered; None while the duty is still held (or nothing started)."""
        return self.periods[-1].until if self.periods else None

    def period_on(self, day: date) -> Period | None:
        return next((p for p in self.periods if p.covers(day)), None)

    def holder_on(self, day: date) -> str | None:
        """The school holding the duty on ``day``; None on a gap day or outside the periods."""
        period = self.period_on(day)
        return period.school if period is not None else None

    def gaps(self) -> list[Period]:
        """The periods nobody holds the duty: each one is a flag."""
        return [p for p in self.periods if p.school is None]


def may_refuse(
    needs_support: bool,
    exception: str | None,
    agreed_school: str | None,
    *,
    school: str | None = None,
    agreed_on: date | None = None,
    refused_on: date | None = None,
) -> str | None:
    """None when the school may refuse, else the code of why not (its message: ``REFUSALS``).
    A child who needs extra support may be refused only after another school agreed to admit
    the child (lid 4; with ``refused_on`` the agreement's day is required and may not be later),
    unless there is no place or the parents do not respect the grondslag (lid 5)."""
    if exception is not None and exception not in EXCEPTIONS:
        return "unknown_exception"
    if not needs_support or exception is not None:
        return None
    if not agreed_school:
        return "support_needs_agreement"
    if school is not None and agreed_school == school:
        return "agreement_own_school"
    if refused_on is not None:
        if agreed_on is None:
            return "agreement_undated"
        if agreed_on > refused_on:
            return "agreement_after_refusal"
    return None


class _Periods:
    """Periods in the making: adjacent ones of the same holder and reason are one."""

    def __init__(self) -> None:
        self.items: list[Period] = []

    def add(self, school: str | None, start: date, until: date | None, why: Why) -> None:
        if until is not None and until < start:
            return
        if self.items:
            last = self.items[-1]
            if last.school == school and last.why == why and last.until == start - DAY:
                self.items[-1] = last._replace(until=until)
                return
        self.items.append(Period(school, start, until, why))


def derive(choices: Sequence[Choice], enrolment: Enrolment | None = None) -> Duty:
    """The duty of care from the parents' choices (in their order) and the enrolment, if any
    (see the module for the rules)."""
    found = [
        clocks.derive(c.events) if any(e.kind == "received" for e in c.events) else None
        for c in choices
    ]
    receipts = [k.received for k in found if k is not None]
    if not receipts:
        return Duty(())
    periods = _Periods()
    day = min(receipts)
    keeper: str | None = None  # a school whose refusal did not end its duty (rule 5)
    agreed: str | None = None  # the school that agreed to admit (rule 4)
    ended = False
    for index, (choice, found_clock) in enumerate(zip(choices, found)):
        why: Why = "first_preference" if index == 0 else "next_preference"
        if found_clock is None:
            break  # the next school has not received the registration: see the tail
        begin = max(day, found_clock.received)
        if begin > day:
            _fill(periods, day, begin - DAY, keeper, agreed)
        holder: str = keeper or choice.school
        reason: Why = "refused_without_agreement" if keeper else why
        last_day = found_clock.decided_on or found_clock.withdrawn_on
        if last_day is None:
            periods.add(holder, begin, None, reason)
            ended = True
            break
        last_day = max(last_day, begin)
        periods.add(holder, begin, last_day, reason)
        day = last_day + DAY
        if found_clock.decision == "admitted":
            ended = True
            break
        if found_clock.decision == "refused":
            problem = may_refuse(
                choice.needs_support,
                choice.exception,
                choice.agreed_school,
                school=choice.school,
                agreed_on=choice.agreed_on,
                refused_on=found_clock.decided_on,
            )
            if problem is not None:
                keeper = keeper or choice.school
            elif choice.agreed_school:
                agreed = choice.agreed_school
        if agreed == choice.school:
            agreed = None  # it agreed, then decided itself: its agreement is spent
        if found_clock.withdrawn_on is not None and index == len(choices) - 1:
            ended = True  # the parents withdrew at the last school of their list
    if not ended:
        _fill(periods, day, None, keeper, agreed)
    return Duty(_enrolled(tuple(periods.items), enrolment))


def _fill(
    periods: _Periods, start: date, until: date | None, keeper: str | None, agreed: str | None
) -> None:
    """Days no school of the parents' order holds the duty: the keeper, else the school that
    agreed to admit, else nobody."""
    if keeper is not None:
        periods.add(keeper, start, until, "refused_without_agreement")
    elif agreed is not None:
        periods.add(agreed, start, until, "agreed_to_admit")
    else:
        periods.add(None, start, until, "nobody")


def _enrolled(periods: tuple[Period, ...], enrolment: Enrolment | None) -> tuple[Period, ...]:
    if enrolment is None or not periods:
        return periods
    on = enrolment.on
    last = periods[-1].until
    if on < periods[0].start or (last is not None and on > last):
        return periods  # before the registration, or after the duty ended
    kept = [
        p._replace(until=on - DAY) if p.until is None or p.until >= on else p
        for p in periods
        if p.start < on
    ]
    return (*kept, Period(enrolment.school, on, on, "enrolled"))


__all__ = [
    "EXCEPTIONS",
    "REFUSALS",
    "WHY",
    "Choice",
    "Duty",
    "Enrolment",
    "Period",
    "Why",
    "derive",
    "may_refuse",
]
