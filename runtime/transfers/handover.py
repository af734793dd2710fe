"""The dates a hand-over records (pure rules, no web): the enrolment at the new school and the
deregistration at the previous one.

A step whose procedure transition says ``records: enrolment`` asks the receiving school for the
day the pupil is enrolled; ``records: deregistration`` asks the sending school for the day the
pupil is deregistered. The deregistration date follows the rule that leaves no gap and no
overlap: the day before the enrolment (the pupil is on exactly one school's register every day).
A date that breaks a rule is refused with a message and nothing is written.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from renderers import i18n

from ..statuses.workflow import TransitionRefused

ENROLMENT = "enrolment"
DEREGISTRATION = "deregistration"
MAX_AHEAD = timedelta(days=365)  # an enrolment is recorded at most a year ahead

DATE_REFUSALS: dict[str, dict[str, str]] = {
    "date:missing": {
        "nl": "Vul de datum in (dag-maand-jaar); er is niets veranderd.",
        "en": "Fill in the date (day-month-year); nothing was changed.",
    },
    "date:before_start": {
        "nl": "De inschrijfdatum {date} ligt vóór het begin van de overstap ({start}); er is "
        "niets veranderd.",
        "en": "The enrolment date {date} is before the transfer started ({start}); nothing was "
        "changed.",
    },
    "date:too_far": {
        "nl": "De inschrijfdatum {date} ligt meer dan een jaar vooruit (uiterlijk {last}); er is "
        "niets veranderd.",
        "en": "The enrolment date {date} is more than a year ahead (at the latest {last}); "
        "nothing was changed.",
    },
    "date:no_enrolment": {
        "nl": "De nieuwe school heeft nog geen inschrijfdatum vastgelegd; uitschrijven kan pas "
        "daarna.",
        "en": "The new school has not recorded an enrolment date yet; deregistering can only "
        "follow it.",
    },
    "date:gap": {
        "nl": "Met uitschrijving op {date} staat de leerling tot de inschrijving op {enrolled} "
        "op geen enkele school ingeschreven. Schrijf uit per {proposed}, de dag vóór de "
        "inschrijving; er is niets veranderd.",
        "en": "Deregistered on {date}, the pupil would be on no school's register until the "
        "enrolment on {enrolled}. Deregister on {proposed}, the day before the enrolment; "
        "nothing was changed.",
    },
    "date:overlap": {
        "nl": "Met uitschrijving op {date} staat de leerling vanaf {enrolled} op twee scholen "
        "ingeschreven. Schrijf uit per {proposed}, de dag vóór de inschrijving; er is niets "
        "veranderd.",
        "en": "Deregistered on {date}, the pupil would be on two schools' registers from "
        "{enrolled}. Deregister on {proposed}, the day before the enrolment; nothing was "
        "changed.",
    },
}


class DateRefused(TransitionRefused):
    """A step that records a date, refused because of the date: nothing was written."""


def deregistration_for(enrolled_on: date) -> date:
    """The deregistration date that leaves no gap and no overlap: the day before."""
    return enrolled_on - timedelta(days=1)


def proposed(records: str | None, enrolled_on: date | None, today: date) -> date | None:
    """The date a step's date field shows at first."""
    if records == ENROLMENT:
        return today
    if records == DEREGISTRATION and enrolled_on is not None:
        return deregistration_for(enrolled_on)
    return None


def _day(value: date) -> Any:
    return lambda language: i18n.format_date(value, language)


def checked_enrolment(on: date | None, started_on: date, today: date) -> date:
    """``on`` if it is a real date not before the transfer started and at most a year ahead."""
    if on is None:
        raise DateRefused("date:missing", DATE_REFUSALS["date:missing"])
    if on < started_on:
        raise DateRefused(
            "date:before_start",
            DATE_REFUSALS["date:before_start"],
            date=_day(on),
            start=_day(started_on),
        )
    if on > today + MAX_AHEAD:
        raise DateRefused(
            "date:too_far",
            DATE_REFUSALS["date:too_far"],
            date=_day(on),
            last=_day(today + MAX_AHEAD),
        )
    return on


def checked_deregistration(on: date | None, enrolled_on: date | None) -> date:
    """``on`` if it is the day before the enrolment (no gap, no overlap)."""
    if enrolled_on is None:
        raise DateRefused("date:no_enrolment", DATE_REFUSALS["date:no_enrolment"])
    if on is None:
        raise DateRefused("date:missing", DATE_REFUSALS["date:missing"])
    wanted = deregistration_for(enrolled_on)
    if on != wanted:
        code = "date:gap" if on < wanted else "date:overlap"
        raise DateRefused(
            code,
            DATE_REFUSALS[code],
            date=_day(on),
            enrolled=_day(enrolled_on),
            proposed=_day(wanted),
        )
    return on
