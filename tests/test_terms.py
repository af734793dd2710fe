"""Terms ("5 schooldagen", "6 weken"): reading them, writing them, and the day they end."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.calendar import REGIONS, CalendarError, CalendarGap
from engine.terms import Term, TermError, describe, parse_term

from .test_calendar import shipped


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("5 school days", Term(5, "school_days")),
        ("5 schooldagen", Term(5, "school_days")),
        ("1 schooldag", Term(1, "school_days")),
        ("1 school day", Term(1, "school_days")),
        ("4 weeks", Term(4, "weeks")),
        ("6 weken", Term(6, "weeks")),
        ("1 week", Term(1, "weeks")),
        ("14 days", Term(14, "days")),
        ("14 dagen", Term(14, "days")),
        ("1 dag", Term(1, "days")),
        ("  10   School  Days ", Term(10, "school_days")),
        ("3 school-days", Term(3, "school_days")),
        ("0 dagen", Term(0, "days")),
    ],
)
def test_terms_are_read_in_dutch_and_english(text: str, term: Term) -> None:
    assert parse_term(text) == term


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        (
            "5 schooldaagen",
            "'schooldaagen' is not a unit of a term",
            "did you mean one of 'schooldagen', 'schooldag', 'school day'? (e.g. 5 schooldagen, "
            "6 weken, 14 dagen or 5 school days, 6 weeks, 14 days)",
        ),
        (
            "6 weeken",
            "'weeken' is not a unit of a term",
            "did you mean one of 'weken', 'week', 'weeks'? (e.g. 5 schooldagen, 6 weken, 14 "
            "dagen or 5 school days, 6 weeks, 14 days)",
        ),
        (
            "5 maanden",
            "'maanden' is not a unit of a term",
            "units: dagen, weken, schooldagen (days, weeks, school days), e.g. 5 schooldagen, "
            "6 weken, 14 dagen or 5 school days, 6 weeks, 14 days",
        ),
        (
            "vijf dagen",
            "'vijf dagen' is not a term",
            "start with a whole number, e.g. 5 schooldagen, 6 weken, 14 dagen or 5 school "
            "days, 6 weeks, 14 days",
        ),
        (
            "5",
            "'5' has no unit",
            "add one: e.g. 5 schooldagen, 6 weken, 14 dagen or 5 school days, 6 weeks, 14 days",
        ),
        (
            "-3 dagen",
            "'-3 dagen': a term cannot be negative",
            "e.g. 5 schooldagen, 6 weken, 14 dagen or 5 school days, 6 weeks, 14 days",
        ),
        (
            "99999 dagen",
            "a term of 99999 days cannot be counted",
            "use a whole number from 0 to 3660",
        ),
    ],
)
def test_anything_else_is_refused_with_a_hint(text: str, message: str, hint: str) -> None:
    with pytest.raises(TermError) as refused:
        parse_term(text)
    assert (refused.value.message, refused.value.hint) == (message, hint)


def test_a_term_of_an_unknown_unit_cannot_be_made() -> None:
    with pytest.raises(TermError) as refused:
        Term(3, "schooldays")  # type: ignore[arg-type]
    assert refused.value.message == "'schooldays' is not a unit of a term"
    assert refused.value.hint == "did you mean 'school_days'?"


@pytest.mark.parametrize(
    ("term", "nl", "en"),
    [
        (Term(5, "school_days"), "5 schooldagen", "5 school days"),
        (Term(1, "school_days"), "1 schooldag", "1 school day"),
        (Term(6, "weeks"), "6 weken", "6 weeks"),
        (Term(1, "weeks"), "1 week", "1 week"),
        (Term(14, "days"), "14 dagen", "14 days"),
        (Term(1, "days"), "1 dag", "1 day"),
    ],
)
def test_terms_are_written_for_people(term: Term, nl: str, en: str) -> None:
    assert describe(term, "nl") == nl
    assert describe(term, "en") == en
    assert describe(term, "fy") == nl  # another language gets Dutch
    assert parse_term(nl) == parse_term(en) == term


def test_calendar_days_and_weeks_need_no_calendar() -> None:
    start = date(2026, 12, 18)
    assert Term(14, "days").due(start, None, None) == date(2027, 1, 1)
    assert Term(6, "weeks").due(start, None, None) == date(2027, 1, 29)


def test_school_days_without_a_calendar_are_refused() -> None:
    with pytest.raises(TermError) as refused:
        Term(5, "school_days").due(date(2026, 12, 1), None, "noord")
    assert refused.value.message == (
        "'5 school days' counts school days, and no school calendar was given"
    )


def test_school_days_skip_the_weekend() -> None:
    thursday = date(2026, 11, 26)
    assert Term(1, "school_days").due(thursday, shipped(), "noord") == date(2026, 11, 27)
    assert Term(2, "school_days").due(thursday, shipped(), "noord") == date(2026, 11, 30)


def test_school_days_skip_a_holiday() -> None:
    last_day_before_christmas = date(2026, 12, 18)  # the kerstvakantie is 19 Dec to 3 Jan
    due = Term(1, "school_days").due(last_day_before_christmas, shipped(), "zuid")
    assert due == date(2027, 1, 4)


def test_the_same_term_ends_later_in_the_region_with_voorjaarsvakantie() -> None:
    friday = date(2026, 2, 13)  # midden and zuid are off 14-22 Feb 2026, noord 21 Feb-1 Mar
    term = parse_term("5 schooldagen")
    assert term.due(friday, shipped(), "noord") == date(2026, 2, 20)
    assert term.due(friday, shipped(), "zuid") == date(2026, 2, 27)
    assert term.due(friday, shipped(), None) == date(2026, 2, 20)  # only what all have off


def test_koningsdag_is_skipped() -> None:
    monday = date(2027, 4, 26)
    assert Term(1, "school_days").due(monday, shipped(), "midden") == date(2027, 4, 28)


def test_a_term_runs_over_the_summer_into_the_next_school_year() -> None:
    friday = date(2026, 7, 3)  # the last school day in noord; back on Monday 17 August
    assert Term(1, "school_days").due(friday, shipped(), "noord") == date(2026, 8, 17)
    assert Term(1, "school_days").due(friday, shipped(), "midden") == date(2026, 7, 6)


def test_a_term_that_runs_out_of_the_calendar_says_so() -> None:
    friday = date(2028, 7, 21)  # the last school day in zuid; back on 4 September 2028
    with pytest.raises(CalendarGap) as gap:
        Term(1, "school_days").due(friday, shipped(), "zuid")
    assert gap.value.school_year == "2028-2029"


def test_an_unknown_region_is_refused_even_for_no_days() -> None:
    with pytest.raises(CalendarError) as refused:
        Term(0, "school_days").due(date(2026, 12, 1), shipped(), "west")
    assert refused.value.message == "'west' is not a vakantieregio"


# ---------------------------------------------------------------------- properties

STARTS = st.dates(min_value=date(2025, 9, 1), max_value=date(2027, 12, 31))
REGION = st.sampled_from([*REGIONS, None])
AMOUNT = st.integers(min_value=0, max_value=60)  # 60 school days from 2027 stay in 2027-2028
HALF = st.integers(min_value=0, max_value=30)  # two of them: together within the calendar too


@settings(max_examples=200, deadline=None)
@given(STARTS, REGION, st.integers(min_value=1, max_value=60))
def test_a_school_day_term_ends_on_a_school_day(start: date, region: str | None, n: int) -> None:
    due = Term(n, "school_days").due(start, shipped(), region)
    assert due > start
    assert due.weekday() < 5
    assert shipped().is_school_day(due, region)
    between = (start + timedelta(days=i) for i in range(1, (due - start).days + 1))
    assert sum(shipped().is_school_day(day, region) for day in between) == n


@settings(max_examples=200, deadline=None)
@given(STARTS, REGION, HALF, HALF)
def test_n_then_m_school_days_are_n_plus_m(start: date, region: str | None, n: int, m: int) -> None:
    calendar = shipped()
    after_n = Term(n, "school_days").due(start, calendar, region)
    assert Term(m, "school_days").due(after_n, calendar, region) == Term(n + m, "school_days").due(
        start, calendar, region
    )


@settings(max_examples=100, deadline=None)
@given(STARTS, st.sampled_from(REGIONS), AMOUNT)
def test_a_region_never_has_fewer_days_off_than_all_regions_together(
    start: date, region: str, n: int
) -> None:
    """The days every region has off are days off in each region: a term never ends earlier
    in a region than without one."""
    term = Term(n, "school_days")
    assert term.due(start, shipped(), region) >= term.due(start, shipped(), None)


@given(st.integers(min_value=0, max_value=3660), st.sampled_from(["days", "weeks", "school_days"]))
def test_describe_and_parse_agree(amount: int, unit: str) -> None:
    term = Term(amount, unit)  # type: ignore[arg-type]
    assert parse_term(describe(term, "nl")) == term
    assert parse_term(describe(term, "en")) == term
