"""School calendars (*.calendar.yaml): every check at the author's line and column, and the
school days of each vakantieregio in the calendar that ships with POPO."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from engine.calendar import (
    REGIONS,
    CalendarError,
    CalendarGap,
    SchoolCalendar,
    load_calendar,
    read_calendar,
)
from engine.errors import DefinitionError
from engine.workspace import discover, open_workspace
from runtime.cli import main

from .conftest import REPOSITORY, SHARED

SHIPPED = REPOSITORY / "definitions" / "calendars" / "schoolvakanties.calendar.yaml"
DUO = SHARED / "domain" / "duo-02-alle-schoolvestigingen-basisonderwijs.csv"

Write = Callable[[str, str], Path]

# a small calendar that checks clean; each test breaks one line of it
GOOD = """
calendar: proef
years:
  - year: 2026-2027
    holidays:
      - {name: herfstvakantie, regions: [noord], starts: 2026-10-10, ends: 2026-10-18}
      - {name: herfstvakantie, regions: [midden, zuid], starts: 2026-10-17, ends: 2026-10-25}
      - {name: zomervakantie, regions: all, starts: 2027-07-10, ends: 2027-08-22}
    days_off:
      - {name: Koningsdag, date: 2027-04-27}
"""


@cache
def shipped() -> SchoolCalendar:
    return read_calendar(SHIPPED)


def problems(path: Path) -> list[str]:
    """What an author sees: ``line:col: severity: message | hint`` for each problem."""
    return [
        f"{d.location.line}:{d.location.column}: {d.severity.value}: {d.message} | {d.hint}"
        for d in load_calendar(path).diagnostics.sorted()
    ]


def broken(write: Write, old: str, new: str) -> list[str]:
    assert old in GOOD
    return problems(write("proef.calendar.yaml", GOOD.replace(old, new)))


# ---------------------------------------------------------------------- the checks


def test_the_small_calendar_checks_clean(write: Write) -> None:
    loaded = load_calendar(write("proef.calendar.yaml", GOOD))
    assert list(loaded.diagnostics) == []
    assert loaded.calendar is not None
    assert loaded.calendar.covered_years() == ["2026-2027"]


def test_an_unknown_region_is_reported_at_the_item_with_did_you_mean(write: Write) -> None:
    assert broken(write, "regions: [midden, zuid]", "regions: [midden, zuidd]") == [
        "6:50: error: unknown vakantieregio 'zuidd' | did you mean 'zuid'?"
    ]


def test_an_unknown_region_written_alone_is_reported_at_it(write: Write) -> None:
    assert broken(
        write,
        "{name: Koningsdag, date: 2027-04-27}",
        "{name: Koningsdag, date: 2027-04-27, regions: nord}",
    ) == ["9:55: error: unknown vakantieregio 'nord' | did you mean 'noord'?"]


def test_a_region_nobody_knows_gets_the_list_of_regions(write: Write) -> None:
    assert broken(write, "regions: [noord]", "regions: [groningen]") == [
        "5:42: error: unknown vakantieregio 'groningen' | use noord, midden and zuid, or all "
        "(DUO's column VAKANTIEREGIO)"
    ]


def test_a_holiday_ending_before_it_starts(write: Write) -> None:
    assert broken(write, "ends: 2026-10-18", "ends: 2026-10-08") == [
        "5:76: error: the herfstvakantie ends (2026-10-08) before it starts (2026-10-10) "
        "| swap starts: and ends:, or correct the date"
    ]


def test_a_holiday_listed_twice_for_a_region(write: Write) -> None:
    assert broken(write, "regions: [midden, zuid]", "regions: [noord, zuid]") == [
        "5:16: error: the herfstvakantie of 2026-2027 has no dates for midden | add the "
        "herfstvakantie of midden (or write regions: all when every region has the same dates)",
        "6:16: error: the herfstvakantie of 2026-2027 is listed twice for noord | keep one of "
        "them (the first is at line 5); list each region once per holiday",
    ]


def test_overlapping_holidays_of_one_region_are_reported_once(write: Write) -> None:
    text = GOOD.replace(
        "    days_off:",
        "      - {name: kerstvakantie, regions: all, starts: 2026-10-24, ends: 2026-11-01}\n"
        "    days_off:",
    )
    assert problems(write("proef.calendar.yaml", text)) == [
        "8:53: error: in midden and zuid, the kerstvakantie (2026-10-24 to 2026-11-01) overlaps "
        "the herfstvakantie of 2026-2027 (2026-10-17 to 2026-10-25, line 6) | correct the "
        "dates: the holidays of one region never overlap"
    ]


def test_a_summer_running_into_the_next_years_holiday_overlaps_it(write: Write) -> None:
    text = GOOD + (
        "  - year: 2027-2028\n"
        "    holidays:\n"
        "      - {name: herfstvakantie, regions: all, starts: 2027-08-21, ends: 2027-08-29}\n"
        "      - {name: zomervakantie, regions: all, starts: 2028-07-08, ends: 2028-08-20}\n"
    )
    assert problems(write("proef.calendar.yaml", text)) == [
        "12:54: error: in noord, midden and zuid, the herfstvakantie (2027-08-21 to 2027-08-29) "
        "overlaps the zomervakantie of 2026-2027 (2027-07-10 to 2027-08-22, line 7) | correct "
        "the dates: the holidays of one region never overlap"
    ]


def test_a_school_year_without_zomervakantie(write: Write) -> None:
    text = GOOD.replace(
        "      - {name: zomervakantie, regions: all, starts: 2027-07-10, ends: 2027-08-22}\n", ""
    )
    assert problems(write("proef.calendar.yaml", text)) == [
        "3:11: error: school year 2026-2027 has no zomervakantie | every school year ends with a "
        "zomervakantie: add it for noord, midden and zuid"
    ]


def test_a_holiday_of_another_school_year(write: Write) -> None:
    assert broken(
        write, "starts: 2026-10-10, ends: 2026-10-18", "starts: 2025-10-10, ends: 2025-10-18"
    ) == [
        "5:58: error: the herfstvakantie starts on 2025-10-10, outside school year 2026-2027 "
        "(2026-08-01 to 2027-07-31) | list it under its own school year, or correct the date"
    ]


def test_only_the_zomervakantie_runs_on_into_the_next_school_year(write: Write) -> None:
    text = GOOD.replace(
        "    days_off:",
        "      - {name: meivakantie, regions: all, starts: 2027-07-30, ends: 2027-08-07}\n"
        "    days_off:",
    )
    assert problems(write("proef.calendar.yaml", text))[0] == (
        "8:69: error: the meivakantie ends on 2027-08-07, after school year 2026-2027 ends "
        "(2027-07-31) | only the zomervakantie runs on into the next school year; correct the date"
    )


def test_a_day_off_of_another_school_year(write: Write) -> None:
    assert broken(write, "date: 2027-04-27", "date: 2027-09-27") == [
        "9:34: error: Koningsdag on 2027-09-27 is outside school year 2026-2027 (2026-08-01 to "
        "2027-07-31) | list it under its own school year, or correct the date"
    ]


def test_a_holiday_missing_for_a_region(write: Write) -> None:
    assert broken(write, "regions: [midden, zuid]", "regions: [midden]") == [
        "5:16: error: the herfstvakantie of 2026-2027 has no dates for zuid | add the "
        "herfstvakantie of zuid (or write regions: all when every region has the same dates)"
    ]


def test_a_misspelt_region_is_not_also_reported_as_missing(write: Write) -> None:
    assert broken(write, "regions: [noord]", "regions: [nord]") == [
        "5:42: error: unknown vakantieregio 'nord' | did you mean 'noord'?"
    ]


def test_an_unknown_holiday_name(write: Write) -> None:
    assert broken(write, "name: zomervakantie", "name: zomervakanite") == [
        "3:11: error: school year 2026-2027 has no zomervakantie | every school year ends with a "
        "zomervakantie: add it for noord, midden and zuid",
        "7:16: error: unknown holiday 'zomervakanite' | did you mean one of 'zomervakantie', "
        "'meivakantie', 'kerstvakantie'?",
    ]


def test_an_unknown_key_gets_did_you_mean(write: Write) -> None:
    assert broken(write, "starts: 2026-10-10", "start: 2026-10-10") == [
        "5:9: error: 'starts' is missing | add 'starts:' here",
        "5:50: error: unknown key 'start' | did you mean 'starts'?",
    ]


def test_a_date_written_the_dutch_way(write: Write) -> None:
    (problem,) = broken(write, "date: 2027-04-27", "date: 27-04-2027")
    assert problem.startswith("9:34: error: 'date': Input should be a valid date")


def test_a_school_year_that_is_not_two_following_years(write: Write) -> None:
    assert broken(write, "year: 2026-2027", "year: 2026-2028") == [
        "3:11: error: '2026-2028' is not a school year | write the two calendar years it spans, "
        "e.g. year: 2026-2027"
    ]


def test_a_school_year_listed_twice(write: Write) -> None:
    text = GOOD + "  - year: 2026-2027\n    partial: true\n"
    assert problems(write("proef.calendar.yaml", text)) == [
        "10:11: error: school year 2026-2027 is listed twice | keep one of them (the first is at "
        "line 3)"
    ]


def test_a_day_off_on_a_weekend_is_a_warning(write: Write) -> None:
    text = GOOD + "      - {name: Bevrijdingsdag, date: 2027-05-01}\n"
    assert problems(write("proef.calendar.yaml", text)) == [
        "10:38: warning: Bevrijdingsdag on 2027-05-01 is a Saturday: it changes nothing | list "
        "only days off that fall on a weekday; remove this one"
    ]


def test_a_day_off_listed_twice(write: Write) -> None:
    text = GOOD + "      - {name: Koningsdag, regions: [zuid], date: 2027-04-27}\n"
    assert problems(write("proef.calendar.yaml", text)) == [
        "10:51: error: 2027-04-27 is listed twice as a day off for zuid | keep one of them (the "
        "first is at line 9)"
    ]


def test_a_calendar_without_years(write: Write) -> None:
    assert problems(write("proef.calendar.yaml", "calendar: proef\nyears: []\n")) == [
        "2:8: error: the calendar lists no school years | list them under years:, e.g. - year: "
        "2026-2027"
    ]


def test_a_file_that_is_not_a_mapping(write: Write) -> None:
    assert problems(write("proef.calendar.yaml", "- 2026-2027\n")) == [
        "1:1: error: a calendar file is a mapping with calendar: and years: | start with "
        "'calendar: schoolvakanties' and list the school years under 'years:'"
    ]


def test_a_repeated_key_is_reported_by_the_loader(write: Write) -> None:
    text = GOOD.replace("calendar: proef\n", "calendar: proef\ncalendar: twee\n")
    (problem,) = problems(write("proef.calendar.yaml", text))
    assert problem.startswith("2:1: error: the key 'calendar' appears twice in this mapping")


def test_read_calendar_refuses_a_broken_file_with_every_problem(write: Write) -> None:
    path = write("proef.calendar.yaml", GOOD.replace("[noord]", "[nord]"))
    with pytest.raises(DefinitionError) as refused:
        read_calendar(path)
    assert [str(d.location) for d in refused.value.diagnostics] == [f"{path}:5:42"]


# ---------------------------------------------------------------------- popo check


def test_popo_check_reports_a_broken_calendar(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write("definitions/calendars/proef.calendar.yaml", GOOD.replace("zuid]", "zuidd]"))
    assert main(["check", str(path.parent.parent)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:6:50: error: unknown vakantieregio 'zuidd'\n" in out
    assert "hint: did you mean 'zuid'?" in out
    assert "FAILED: 0 forms and 1 calendar checked, 1 error, 0 warnings" in out


def test_a_calendar_is_neither_a_form_nor_a_stray_file(write: Write) -> None:
    path = write("definitions/calendars/proef.calendar.yaml", GOOD)
    workspace = open_workspace([path.parent.parent])
    assert workspace.all_diagnostics() == []
    assert [c.path for c in workspace.calendars] == [path]
    assert discover([path], ".form.yaml") == []  # named on the command line, it is no form


def test_the_definitions_folder_checks_its_calendar_strictly(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["check", "--strict", str(SHIPPED.parent)]) == 0
    assert "OK: 0 forms and 1 calendar checked, 0 errors, 0 warnings" in capsys.readouterr().out


# ---------------------------------------------------------------------- school days


def test_the_shipped_calendar_covers_three_school_years() -> None:
    assert list(load_calendar(SHIPPED).diagnostics) == []
    assert shipped().covered_years() == ["2025-2026", "2026-2027", "2027-2028"]


def test_weekends_are_never_school_days() -> None:
    calendar = shipped()
    for region in (*REGIONS, None):
        assert not calendar.is_school_day(date(2026, 11, 28), region)  # a Saturday
        assert not calendar.is_school_day(date(2026, 11, 29), region)  # a Sunday
        assert calendar.is_school_day(date(2026, 11, 30), region)  # a Monday


def test_a_holiday_of_one_region_only() -> None:
    calendar = shipped()
    monday = date(2026, 2, 16)  # voorjaarsvakantie in midden and zuid, not in noord
    assert calendar.is_school_day(monday, "noord")
    assert not calendar.is_school_day(monday, "midden")
    assert not calendar.is_school_day(monday, "zuid")
    assert calendar.is_school_day(monday, None)  # no region: only what every region has off
    assert not calendar.is_school_day(date(2026, 12, 21), None)  # kerstvakantie everywhere


def test_koningsdag_outside_the_meivakantie_is_no_school_day() -> None:
    calendar = shipped()
    koningsdag = date(2027, 4, 27)  # a Tuesday; the meivakantie starts on 1 May 2027
    assert [p.name for p in calendar.closed_on(koningsdag, "noord")] == ["Koningsdag"]
    assert not any(calendar.is_school_day(koningsdag, region) for region in (*REGIONS, None))
    assert calendar.is_school_day(date(2027, 4, 26), "zuid")


def test_the_summer_before_the_first_year_counts() -> None:
    calendar = shipped()
    monday = date(2025, 8, 18)  # zuid is back at school, noord and midden are not
    assert calendar.is_school_day(monday, "zuid")
    assert not calendar.is_school_day(monday, "noord")
    assert not calendar.is_school_day(monday, "midden")


def test_the_region_is_read_as_duo_writes_it() -> None:
    assert not shipped().is_school_day(date(2026, 2, 23), "Noord")
    with pytest.raises(CalendarError) as refused:
        shipped().is_school_day(date(2026, 2, 23), "nord")
    assert str(refused.value) == "'nord' is not a vakantieregio (did you mean 'noord'?)"


@pytest.mark.skipif(not DUO.exists(), reason="the DUO register is not beside the repository")
def test_every_vakantieregio_of_the_duo_register_is_known() -> None:
    with DUO.open(encoding="cp1252", newline="") as handle:  # DUO writes Windows-1252
        regions = {
            row["VAKANTIEREGIO"].strip().lower() for row in csv.DictReader(handle, delimiter=";")
        }
    assert regions == set(REGIONS)


def test_a_day_outside_the_calendar_is_a_gap_not_a_guess() -> None:
    calendar = shipped()
    assert calendar.covers(date(2028, 7, 31))
    assert not calendar.covers(date(2028, 8, 1))
    with pytest.raises(CalendarGap) as gap:
        calendar.is_school_day(date(2028, 9, 4), "zuid")
    assert gap.value.school_year == "2028-2029"
    assert gap.value.message == (
        "the school calendar 'schoolvakanties' has no school year 2028-2029, so it cannot tell "
        "whether 2028-09-04 is a school day; it covers 2025-2026, 2026-2027 and 2027-2028"
    )
    assert gap.value.hint == (
        f"add school year 2028-2029 with its holidays to the calendar file ({SHIPPED})"
    )


def test_a_partial_school_year_is_not_covered() -> None:
    """2024-2025 is there for its summer holiday only: its other days are not known."""
    assert not shipped().covers(date(2025, 6, 2))
    with pytest.raises(CalendarGap) as gap:
        shipped().is_school_day(date(2025, 6, 2), "noord")
    assert gap.value.school_year == "2024-2025"
    assert gap.value.message.startswith(
        "the school calendar 'schoolvakanties' holds only some holidays of school year "
        "2024-2025, so it cannot tell whether 2025-06-02 is a school day"
    )
    assert gap.value.hint == (
        f"in the calendar file ({SHIPPED}), list every holiday of 2024-2025 and remove its "
        "partial: true"
    )


def test_the_example_of_the_docs_checks_clean(write: Write) -> None:
    page = (REPOSITORY / "docs" / "calendar.md").read_text(encoding="utf-8")
    example = page.split("```yaml\n", 1)[1].split("```", 1)[0]
    loaded = load_calendar(write("voorbeeld.calendar.yaml", example))
    assert [d.render() for d in loaded.diagnostics] == []
    assert loaded.calendar is not None
    assert not loaded.calendar.is_school_day(date(2027, 4, 27), "zuid")
