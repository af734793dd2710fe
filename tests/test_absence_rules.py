"""The law's thresholds of absence (runtime/absence/rules.py), without a database: when a case
must be reported, when it is long-term, how long it lasts, and who is a thuiszitter."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from runtime.absence import rules
from runtime.absence.rules import Kind

FIRST = date(2027, 1, 11)  # a Monday


def test_the_thresholds_are_the_laws() -> None:
    # Leerplichtwet art. 21: sixteen hours within four consecutive school weeks
    assert rules.REPORT_HOURS == 16 and rules.REPORT_WINDOW_WEEKS == 4
    assert rules.LONG_TERM_WEEKS == 4 and rules.LONG_TERM_DAYS == 28


@pytest.mark.parametrize(
    ("kind", "hours", "must"),
    [
        (Kind.RELATIVE, 15, False),
        (Kind.RELATIVE, 16, True),  # sixteen is enough
        (Kind.RELATIVE, 40, True),
        (Kind.RELATIVE, None, False),
        (Kind.LONG_TERM, None, True),
        (Kind.NOT_ENROLLED, None, True),
    ],
)
def test_a_case_must_be_reported_from_sixteen_hours(
    kind: Kind, hours: int | None, must: bool
) -> None:
    assert rules.must_report(kind, hours) is must


def test_a_case_is_long_term_after_more_than_four_weeks() -> None:
    four_weeks_later = FIRST + timedelta(days=28)
    assert not rules.is_long_term(FIRST, four_weeks_later)
    assert rules.is_long_term(FIRST, four_weeks_later + timedelta(days=1))
    assert rules.long_term_from(FIRST) == date(2027, 2, 9)
    assert rules.kind_on(Kind.RELATIVE, FIRST, four_weeks_later) is Kind.RELATIVE
    assert rules.kind_on(Kind.RELATIVE, FIRST, date(2027, 2, 9)) is Kind.LONG_TERM
    assert rules.kind_on(Kind.NOT_ENROLLED, FIRST, date(2027, 6, 1)) is Kind.NOT_ENROLLED


def test_the_duration_counts_the_first_day_and_stops_at_the_end() -> None:
    assert rules.duration(FIRST, FIRST).days == 1
    assert rules.duration(FIRST, FIRST + timedelta(days=13)).weeks == 2
    assert rules.duration(FIRST, date(2027, 6, 1), ended_on=FIRST + timedelta(days=6)).days == 7
    assert rules.duration(FIRST, FIRST - timedelta(days=3)).days == 0  # not started yet


def test_who_is_a_thuiszitter() -> None:
    later = date(2027, 2, 15)
    assert rules.thuiszitter(Kind.RELATIVE, FIRST, FIRST + timedelta(days=10)) is None
    assert rules.thuiszitter(Kind.RELATIVE, FIRST, later) is Kind.LONG_TERM
    assert rules.thuiszitter(Kind.LONG_TERM, FIRST, FIRST) is Kind.LONG_TERM
    assert rules.thuiszitter(Kind.NOT_ENROLLED, FIRST, FIRST) is Kind.NOT_ENROLLED
    assert rules.thuiszitter(Kind.NOT_ENROLLED, FIRST, later, ended_on=later) is None
    assert rules.thuiszitter(Kind.NOT_ENROLLED, FIRST, FIRST - timedelta(days=1)) is None


@pytest.mark.parametrize(
    ("birth", "compulsory"),
    [
        (date(2022, 3, 14), date(2027, 4, 1)),
        (date(2022, 12, 31), date(2028, 1, 1)),  # the month after December
        (date(2020, 2, 29), date(2025, 3, 1)),
    ],
)
def test_compulsory_schooling_starts_the_month_after_the_fifth_birthday(
    birth: date, compulsory: date
) -> None:
    assert rules.compulsory_from(birth) == compulsory


def test_the_age_is_in_whole_years() -> None:
    assert rules.age_on(date(2017, 3, 14), date(2027, 3, 13)) == 9
    assert rules.age_on(date(2017, 3, 14), date(2027, 3, 14)) == 10
