"""School calendars: which days are school days in each vakantieregio (``*.calendar.yaml``).

Terms in law and in regional agreements count in calendar days or in school days; a school day
is a weekday that is not in a school holiday or a national day off of the school's
vakantieregio (``noord``, ``midden`` or ``zuid``: the column VAKANTIEREGIO of DUO's register of
school locations). A calendar file lists school years, each with its holidays per region and its
days off, so that a region can update it without a programmer (docs/calendar.md)::

    calendar: schoolvakanties
    years:
      - year: 2026-2027
        holidays:
          - {name: herfstvakantie, regions: [noord, midden], starts: 2026-10-17, ends: 2026-10-25}
          - {name: kerstvakantie, regions: all, starts: 2026-12-19, ends: 2027-01-03}
          ...
        days_off:
          - {name: Koningsdag, date: 2027-04-27}

A school year runs from 1 August to 31 July (as the WPO counts it); its zomervakantie, at its
end, may run into August. A year marked ``partial: true`` is there only for its holidays (the
summer holiday that runs into the first full year); the calendar does not cover its other days.

Stages as elsewhere in the engine: :func:`load_calendar` reads the located YAML, validates its
shape (:class:`CalendarFile`), checks it (every problem at file:line:col with a hint) and builds
a :class:`SchoolCalendar`, which answers :meth:`SchoolCalendar.is_school_day`. A day outside
the calendar's school years raises :class:`CalendarGap` rather than guessing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import DefinitionError, Diagnostics, HintedError, Location, did_you_mean
from .loader import _explain, _locate
from .yamlsource import LocDict, LocList, load_file, to_plain

CALENDAR_SUFFIX = ".calendar.yaml"
REGIONS = ("noord", "midden", "zuid")
"""The vakantieregio's, as DUO writes them in lower case."""
ALL_REGIONS = "all"
HOLIDAYS = ("herfstvakantie", "kerstvakantie", "voorjaarsvakantie", "meivakantie", "zomervakantie")
SUMMER = "zomervakantie"
SCHOOL_YEAR_STARTS = (8, 1)  # 1 August
_YEAR = re.compile(r"^(\d{4})-(\d{4})$")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# what an editor offers for regions: (the checks below explain any other value)
_REGIONS_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "array", "items": {"enum": list(REGIONS)}},
        {"enum": [ALL_REGIONS, *REGIONS]},
    ]
}
_REGIONS_DESCRIPTION = (
    "the vakantieregio's this applies to: a list of noord, midden and zuid, or all; "
    "a school's region is the column VAKANTIEREGIO of DUO's register of school locations"
)


# ---------------------------------------------------------------------- the file's shape


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HolidayEntry(_Strict):
    name: str = Field(
        description="which holiday: herfstvakantie, kerstvakantie, voorjaarsvakantie, "
        "meivakantie or zomervakantie",
        json_schema_extra={"enum": list(HOLIDAYS)},
    )
    regions: list[str] | str = Field(
        description=_REGIONS_DESCRIPTION, json_schema_extra=_REGIONS_SCHEMA
    )
    starts: dt.date = Field(
        description="the first day of the holiday (YYYY-MM-DD), often a Saturday"
    )
    ends: dt.date = Field(description="the last day of the holiday (YYYY-MM-DD), often a Sunday")


class DayOffEntry(_Strict):
    name: str = Field(description="what the day is, e.g. Koningsdag or Tweede Pinksterdag")
    date: dt.date = Field(description="the day (YYYY-MM-DD); list only days off on a weekday")
    regions: list[str] | str = Field(
        default=ALL_REGIONS, description=_REGIONS_DESCRIPTION, json_schema_extra=_REGIONS_SCHEMA
    )


class SchoolYearEntry(_Strict):
    year: str = Field(
        description="the school year, e.g. 2026-2027 (1 August to 31 July)",
        json_schema_extra={"pattern": _YEAR.pattern},
    )
    indicative: bool = Field(
        default=False,
        description="true: the dates are advice published ahead (adviesdata) and may still "
        "change; update them when the definitive dates are published",
    )
    partial: bool = Field(
        default=False,
        description="true: only the holidays listed matter (e.g. the summer holiday that runs "
        "into the first full year); the calendar does not cover the rest of this year",
    )
    source: str | None = Field(default=None, description="where the dates were published")
    holidays: list[HolidayEntry] = Field(
        default_factory=list, description="the school holidays, per region"
    )
    days_off: list[DayOffEntry] = Field(
        default_factory=list,
        description="national days off that fall on a weekday and outside a holiday or not "
        "(Tweede Paasdag, Koningsdag, Hemelvaartsdag, Tweede Pinksterdag, Bevrijdingsdag in "
        "a lustrum year)",
    )


class CalendarFile(_Strict):
    calendar: str = Field(
        pattern=r"^[a-z][a-z0-9_-]*$", description="the name of this calendar, e.g. schoolvakanties"
    )
    description: str | None = Field(default=None, description="what the calendar holds")
    source: str | None = Field(default=None, description="where the dates come from")
    years: list[SchoolYearEntry] = Field(description="the school years, each with its holidays")


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    model: type[BaseModel] = CalendarFile
    if len(loc) >= 3 and loc[0] == "years":
        model = SchoolYearEntry
        if len(loc) >= 5:
            model = HolidayEntry if loc[2] == "holidays" else DayOffEntry
    return sorted(model.model_fields)


# ---------------------------------------------------------------------- the calendar


class CalendarError(HintedError):
    """A question the calendar cannot answer (an unknown region, a day it does not cover)."""


class CalendarGap(CalendarError):
    """The day lies in a school year the calendar does not hold: nothing is guessed."""

    def __init__(self, calendar: SchoolCalendar, day: dt.date) -> None:
        start = school_year_of(day)
        self.school_year = school_year_label(start)
        self.day = day
        known = calendar.covered_years()
        held = f"it covers {_and(known)}" if known else "it covers no school year"
        where = f" ({calendar.source})" if calendar.source else ""
        if start in calendar.partial:
            has = f"holds only some holidays of school year {self.school_year}"
            hint = (
                f"in the calendar file{where}, list every holiday of {self.school_year} and "
                "remove its partial: true"
            )
        else:
            has = f"has no school year {self.school_year}"
            hint = (
                f"add school year {self.school_year} with its holidays to the calendar file{where}"
            )
        super().__init__(
            f"the school calendar '{calendar.name}' {has}, so it cannot tell whether "
            f"{day.isoformat()} is a school day; {held}",
            hint,
        )


def school_year_of(day: dt.date) -> int:
    """The year in which the school year of ``day`` starts (1 August)."""
    return day.year if (day.month, day.day) >= SCHOOL_YEAR_STARTS else day.year - 1


def school_year_label(start: int) -> str:
    return f"{start}-{start + 1}"


def school_year_bounds(start: int) -> tuple[dt.date, dt.date]:
    return dt.date(start, *SCHOOL_YEAR_STARTS), dt.date(start + 1, 7, 31)


def region_name(region: str) -> str:
    """``region`` as the calendar writes it (DUO writes ``Noord``); refused when unknown."""
    name = region.strip().lower()
    if name not in REGIONS:
        raise CalendarError(
            f"'{region}' is not a vakantieregio",
            did_you_mean(name, REGIONS) or "use noord, midden or zuid",
        )
    return name


@dataclass(frozen=True, slots=True)
class ClosedPeriod:
    """A holiday or a day off: the days from ``first`` to ``last`` in ``regions``."""

    name: str
    first: dt.date
    last: dt.date
    regions: frozenset[str]
    school_year: int

    def days(self) -> Iterator[dt.date]:
        day = self.first
        while day <= self.last:
            yield day
            day += dt.timedelta(days=1)


@dataclass(frozen=True)
class SchoolCalendar:
    """The school days of every vakantieregio in the school years of one calendar."""

    name: str
    years: frozenset[int]  # start years of the school years the calendar covers
    periods: tuple[ClosedPeriod, ...]
    indicative: frozenset[int] = frozenset()
    partial: frozenset[int] = frozenset()  # school years listed only for some holidays
    source: str = ""
    _closed: dict[str, frozenset[dt.date]] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        closed: dict[str, set[dt.date]] = {region: set() for region in REGIONS}
        for period in self.periods:
            for region in period.regions:
                closed[region].update(period.days())
        everywhere = set.intersection(*closed.values())
        frozen = {region: frozenset(days) for region, days in closed.items()}
        frozen[ALL_REGIONS] = frozenset(everywhere)
        object.__setattr__(self, "_closed", frozen)

    def covers(self, day: dt.date) -> bool:
        """Whether ``day`` lies in a school year this calendar holds."""
        return school_year_of(day) in self.years

    def covered_years(self) -> list[str]:
        return [school_year_label(year) for year in sorted(self.years)]

    def is_indicative(self, day: dt.date) -> bool:
        """Whether the dates of the school year of ``day`` are advice that may still change."""
        return school_year_of(day) in self.indicative

    def is_school_day(self, day: dt.date, region: str | None) -> bool:
        """Whether pupils of ``region`` go to school on ``day``. Weekends never are school days;
        ``region`` None counts only the days off of every region (a holiday of one region is
        then a school day). Raises :class:`CalendarGap` for a weekday the calendar does not
        cover, and :class:`CalendarError` for an unknown region."""
        key = ALL_REGIONS if region is None else region_name(region)
        if day.weekday() >= 5:
            return False
        if not self.covers(day):
            raise CalendarGap(self, day)
        return day not in self._closed[key]

    def closed_on(self, day: dt.date, region: str | None) -> list[ClosedPeriod]:
        """The holidays and days off on ``day`` in ``region`` (all regions when None)."""
        wanted = frozenset(REGIONS) if region is None else frozenset({region_name(region)})
        return [
            period
            for period in self.periods
            if period.first <= day <= period.last and wanted <= period.regions
        ]


# ---------------------------------------------------------------------- loading and checking


@dataclass
class LoadedCalendar:
    path: Path
    calendar: SchoolCalendar | None
    diagnostics: Diagnostics = field(default_factory=Diagnostics)


def load_calendar(path: Path | str) -> LoadedCalendar:
    """Read and check one calendar file; ``calendar`` is None when it has errors."""
    path = Path(path)
    loaded = LoadedCalendar(path, None)
    try:
        data = load_file(path)
    except DefinitionError as exc:  # a YAML error, a repeated key, …
        loaded.diagnostics.extend(exc.diagnostics)
        return loaded
    if not isinstance(data, LocDict):
        loaded.diagnostics.error(
            Location(str(path), 1, 1),
            "a calendar file is a mapping with calendar: and years:",
            "start with 'calendar: schoolvakanties' and list the school years under 'years:'",
        )
        return loaded
    parsed = _validate(data, loaded.diagnostics)
    if parsed is None:
        return loaded
    _CalendarCheck(data, parsed, loaded.diagnostics).run()
    if not loaded.diagnostics.errors:
        loaded.calendar = build_calendar(parsed, str(path))
    return loaded


def read_calendar(path: Path | str) -> SchoolCalendar:
    """The calendar of ``path``, or :class:`DefinitionError` with every problem."""
    loaded = load_calendar(path)
    if loaded.calendar is None:
        raise DefinitionError(loaded.diagnostics.sorted())
    return loaded.calendar


def _validate(data: LocDict, diagnostics: Diagnostics) -> CalendarFile | None:
    try:
        return CalendarFile.model_validate(to_plain(data))
    except ValidationError as exc:
        seen: set[Location] = set()
        for error in exc.errors():
            location, _node, parent, key = _locate(data, error["loc"])
            if error["type"] == "extra_forbidden" and isinstance(parent, LocDict):
                location = parent.key_locs.get(key, location)
                allowed = _allowed_keys(error["loc"])
                diagnostics.error(
                    location,
                    f"unknown key '{key}'",
                    did_you_mean(str(key), allowed) or "allowed: " + ", ".join(allowed),
                )
                continue
            if location in seen:  # the alternatives of one union (a list or 'all') fail together
                continue
            seen.add(location)
            message, hint = _explain(error, None)
            if "regions" in error["loc"]:
                hint = "write regions: all, or a list such as regions: [noord, midden]"
            diagnostics.error(location, message, hint)
        return None


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _regions(value: list[str] | str) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _region_set(value: list[str] | str) -> frozenset[str]:
    names = _regions(value)
    if names == [ALL_REGIONS]:
        return frozenset(REGIONS)
    return frozenset(name for name in names if name in REGIONS)


def build_calendar(parsed: CalendarFile, source: str = "") -> SchoolCalendar:
    """The :class:`SchoolCalendar` of a checked calendar file."""
    periods: list[ClosedPeriod] = []
    years: set[int] = set()
    indicative: set[int] = set()
    partial: set[int] = set()
    for year in parsed.years:
        found = _YEAR.match(year.year)
        assert found is not None
        start = int(found.group(1))
        (partial if year.partial else years).add(start)
        if year.indicative:
            indicative.add(start)
        for holiday in year.holidays:
            periods.append(
                ClosedPeriod(
                    holiday.name, holiday.starts, holiday.ends, _region_set(holiday.regions), start
                )
            )
        for day_off in year.days_off:
            periods.append(
                ClosedPeriod(
                    day_off.name, day_off.date, day_off.date, _region_set(day_off.regions), start
                )
            )
    return SchoolCalendar(
        parsed.calendar,
        frozenset(years),
        tuple(periods),
        frozenset(indicative),
        frozenset(partial),
        source,
    )


@dataclass
class _Seen:
    """A holiday already met in one region, for duplicate and overlap reports."""

    name: str
    year: str
    first: dt.date
    last: dt.date
    location: Location


class _CalendarCheck:
    """Every check of a calendar file that its shape does not already make; one small method
    per rule, each reporting at the author's line and column."""

    def __init__(self, data: LocDict, parsed: CalendarFile, diagnostics: Diagnostics) -> None:
        self.data = data
        self.parsed = parsed
        self.diagnostics = diagnostics
        self.holidays: dict[str, list[_Seen]] = {region: [] for region in REGIONS}

    def run(self) -> None:
        years = self.data.get("years")
        if not self.parsed.years or not isinstance(years, LocList):
            self.diagnostics.error(
                self.data.location_of("years"),
                "the calendar lists no school years",
                "list them under years:, e.g. - year: 2026-2027",
            )
            return
        starts: dict[int, Location] = {}
        for year, source in zip(self.parsed.years, years):
            start = self.check_year_name(year, source, starts)
            self.check_holidays(year, source, start)
            self.check_days_off(year, source, start)

    def check_year_name(
        self, year: SchoolYearEntry, source: LocDict, starts: dict[int, Location]
    ) -> int | None:
        where = source.location_of("year")
        found = _YEAR.match(year.year)
        if found is None or int(found.group(2)) != int(found.group(1)) + 1:
            self.diagnostics.error(
                where,
                f"'{year.year}' is not a school year",
                "write the two calendar years it spans, e.g. year: 2026-2027",
            )
            return None
        start = int(found.group(1))
        if start in starts:
            self.diagnostics.error(
                where,
                f"school year {year.year} is listed twice",
                f"keep one of them (the first is at line {starts[start].line})",
            )
            return None
        starts[start] = where
        return start

    def check_regions(self, value: list[str] | str, source: LocDict) -> bool:
        names = _regions(value)
        if names == [ALL_REGIONS]:
            return True
        items = source.get("regions")
        good = True
        for index, name in enumerate(names):
            if name in REGIONS:
                continue
            where = (
                items.location_of(index)
                if isinstance(items, LocList)
                else source.location_of("regions")
            )
            self.diagnostics.error(
                where,
                f"unknown vakantieregio '{name}'",
                did_you_mean(name, (*REGIONS, ALL_REGIONS))
                or "use noord, midden and zuid, or all (DUO's column VAKANTIEREGIO)",
            )
            good = False
        return good

    def check_holidays(self, year: SchoolYearEntry, source: LocDict, start: int | None) -> None:
        items = source.get("holidays")
        regions_of: dict[str, set[str]] = {}
        first_of: dict[str, Location] = {}
        doubtful: set[str] = set()  # holidays with an error already: no "missing region" too
        for holiday, item in zip(year.holidays, items if isinstance(items, LocList) else []):
            if holiday.name not in HOLIDAYS:
                self.diagnostics.error(
                    item.location_of("name"),
                    f"unknown holiday '{holiday.name}'",
                    did_you_mean(holiday.name, HOLIDAYS)
                    or "holidays are " + ", ".join(HOLIDAYS) + "; list other days under days_off:",
                )
                continue
            regions_ok = self.check_regions(holiday.regions, item)
            if holiday.ends < holiday.starts:
                self.diagnostics.error(
                    item.location_of("ends"),
                    f"the {holiday.name} ends ({holiday.ends.isoformat()}) before it starts "
                    f"({holiday.starts.isoformat()})",
                    "swap starts: and ends:, or correct the date",
                )
                doubtful.add(holiday.name)
                continue
            if start is not None and not self.in_school_year(holiday, item, start):
                doubtful.add(holiday.name)
                continue
            regions_of.setdefault(holiday.name, set()).update(_region_set(holiday.regions))
            first_of.setdefault(holiday.name, item.location_of("name"))
            if regions_ok:
                self.check_overlap(holiday, year.year, item)
            else:
                doubtful.add(holiday.name)
        if start is None:
            return
        if SUMMER not in regions_of and not any(h.name == SUMMER for h in year.holidays):
            self.diagnostics.error(
                source.location_of("year"),
                f"school year {year.year} has no zomervakantie",
                "every school year ends with a zomervakantie: add it for noord, midden and zuid",
            )
        for name, listed in regions_of.items():
            missing = [region for region in REGIONS if region not in listed]
            if missing and name not in doubtful:
                self.diagnostics.error(
                    first_of[name],
                    f"the {name} of {year.year} has no dates for {_and(missing)}",
                    f"add the {name} of {_and(missing)} (or write regions: all when every "
                    "region has the same dates)",
                )

    def in_school_year(self, holiday: HolidayEntry, item: LocDict, start: int) -> bool:
        first, last = school_year_bounds(start)
        label = school_year_label(start)
        if not first <= holiday.starts <= last:
            self.diagnostics.error(
                item.location_of("starts"),
                f"the {holiday.name} starts on {holiday.starts.isoformat()}, outside school year "
                f"{label} ({first.isoformat()} to {last.isoformat()})",
                "list it under its own school year, or correct the date",
            )
            return False
        if holiday.name != SUMMER and holiday.ends > last:
            self.diagnostics.error(
                item.location_of("ends"),
                f"the {holiday.name} ends on {holiday.ends.isoformat()}, after school year "
                f"{label} ends ({last.isoformat()})",
                "only the zomervakantie runs on into the next school year; correct the date",
            )
            return False
        return True

    def check_overlap(self, holiday: HolidayEntry, year: str, item: LocDict) -> None:
        """A holiday listed twice for a region, or overlapping another holiday of a region:
        one report for all the regions it concerns."""
        clashes: dict[tuple[bool, Location], tuple[_Seen, list[str]]] = {}
        for region in sorted(_region_set(holiday.regions), key=REGIONS.index):
            clash = next(
                (
                    seen
                    for seen in self.holidays[region]
                    if (seen.name == holiday.name and seen.year == year)
                    or (holiday.starts <= seen.last and seen.first <= holiday.ends)
                ),
                None,
            )
            if clash is None:
                self.holidays[region].append(
                    _Seen(
                        holiday.name, year, holiday.starts, holiday.ends, item.location_of("name")
                    )
                )
                continue
            twice = clash.name == holiday.name and clash.year == year
            clashes.setdefault((twice, clash.location), (clash, []))[1].append(region)
        for (twice, _), (seen, regions) in clashes.items():
            where = _and(regions)
            if twice:
                self.diagnostics.error(
                    item.location_of("name"),
                    f"the {holiday.name} of {year} is listed twice for {where}",
                    f"keep one of them (the first is at line {seen.location.line}); list each "
                    "region once per holiday",
                )
            else:
                self.diagnostics.error(
                    item.location_of("starts"),
                    f"in {where}, the {holiday.name} ({holiday.starts.isoformat()} to "
                    f"{holiday.ends.isoformat()}) overlaps the {seen.name} of {seen.year} "
                    f"({seen.first.isoformat()} to {seen.last.isoformat()}, line "
                    f"{seen.location.line})",
                    "correct the dates: the holidays of one region never overlap",
                )

    def check_days_off(self, year: SchoolYearEntry, source: LocDict, start: int | None) -> None:
        items = source.get("days_off")
        seen: dict[tuple[str, dt.date], Location] = {}
        for day_off, item in zip(year.days_off, items if isinstance(items, LocList) else []):
            where = item.location_of("date")
            if not self.check_regions(day_off.regions, item):
                continue
            if start is not None:
                first, last = school_year_bounds(start)
                if not first <= day_off.date <= last:
                    self.diagnostics.error(
                        where,
                        f"{day_off.name} on {day_off.date.isoformat()} is outside school year "
                        f"{school_year_label(start)} ({first.isoformat()} to {last.isoformat()})",
                        "list it under its own school year, or correct the date",
                    )
                    continue
            if day_off.date.weekday() >= 5:
                self.diagnostics.warning(
                    where,
                    f"{day_off.name} on {day_off.date.isoformat()} is a "
                    f"{_WEEKDAYS[day_off.date.weekday()]}: it changes nothing",
                    "list only days off that fall on a weekday; remove this one",
                )
            for region in sorted(_region_set(day_off.regions)):
                key = (region, day_off.date)
                if key in seen:
                    self.diagnostics.error(
                        where,
                        f"{day_off.date.isoformat()} is listed twice as a day off for {region}",
                        f"keep one of them (the first is at line {seen[key].line})",
                    )
                    break
                seen[key] = where
