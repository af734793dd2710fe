"""The history of pupil numbers per school location: DUO's history (``popo import-counts``),
and the rows of the monitoring overview "pupil numbers per school over the years".

DUO's file (``06. Historisch overzicht aantal leerlingen per schoolvestiging``) is
``;``-separated UTF-8 with a BOM: one row per location (``VESTIGINGSCODE``, BRIN4 + location
number) with a column ``LEERLINGEN_<year>`` per year, the count of 1 October of that year. A
count of 0 is the location not (yet, or any more) counted that year, and ``<5`` a number DUO
hides (fewer than five pupils): neither is stored. Rows of
locations that are not a school in POPO (import them first with ``popo import-duo``; the file
also holds special and secondary schools and closed locations) are counted and skipped.

The whole file is read and checked before anything is written; importing it again changes
nothing. Counts are written with one statement per kind of change, not one object per cell.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    Select,
    String,
    Uuid,
    and_,
    cast,
    exists,
    false,
    func,
    insert,
    literal,
    null,
    select,
    true,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from ..access.accounts import Principal
from ..access.scope import readable
from ..clock import clock_of
from ..pupils.models import Pupil
from .duo import ImportRefused
from .models import Organisation, PupilCount

SCHOOL_COLUMN = "VESTIGINGSCODE"
YEAR_COLUMN = re.compile(r"^LEERLINGEN_([0-9]{4})$")
ORIGIN_DUO = "duo"
ORIGIN_POPO = "popo"
HIDDEN = "<5"  # DUO does not publish a number of fewer than five pupils
COUNT_MONTH, COUNT_DAY = 10, 1  # the count date: 1 October


@dataclass(frozen=True)
class CountsFile:
    """What the file holds: the years of its columns and, per location code, its counts."""

    years: tuple[int, ...]
    counts: dict[str, dict[int, int]]
    hidden: dict[str, int]  # per location code, its counts DUO hides ("<5")


@dataclass
class ImportReport:
    schools: int = 0  # the file's locations that are a school in POPO
    years: int = 0  # the file's year columns
    counts: int = 0  # the counts of those schools (not 0) in the file
    unknown_schools: int = 0  # the file's locations that are no school in POPO: skipped
    hidden: int = 0  # the schools' counts DUO hides ("<5"): not stored
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def summary(self) -> str:
        changes = (
            f"{self.created} new, {self.updated} changed, {self.unchanged} unchanged"
            if self.created or self.updated
            else f"nothing changed ({self.unchanged} counts were already there)"
        )
        return (
            f"pupil numbers: {self.schools} schools, {self.years} years, {self.counts} counts "
            f"({self.unknown_schools} unknown schools skipped); {changes}"
        )


def read_counts(data: bytes, name: str = "file") -> CountsFile:
    """Parse and check the whole file; raise :class:`ImportRefused` at the first bad line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        message = "not UTF-8 text (is this DUO's file of pupil numbers?)"
        raise ImportRefused(line, message, name) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    header = [column.strip() for column in next(reader, [])]
    if not any(header):
        raise ImportRefused(1, "the file is empty", name)
    if SCHOOL_COLUMN not in header:
        raise ImportRefused(
            1, f"missing column {SCHOOL_COLUMN} (is this DUO's file of pupil numbers?)", name
        )
    year_of = {
        position: int(match.group(1))
        for position, column in enumerate(header)
        if (match := YEAR_COLUMN.match(column))
    }
    if not year_of:
        raise ImportRefused(
            1,
            "missing column LEERLINGEN_<year>, e.g. LEERLINGEN_2024 "
            "(is this DUO's file of pupil numbers?)",
            name,
        )
    code_at = header.index(SCHOOL_COLUMN)
    counts: dict[str, dict[int, int]] = {}
    hidden: dict[str, int] = {}
    seen: dict[str, int] = {}
    for number, row in enumerate(reader, start=2):
        if not any(value.strip() for value in row):
            continue
        if len(row) != len(header):
            raise ImportRefused(number, f"{len(row)} fields instead of {len(header)}", name)
        code = row[code_at].strip().upper()
        if not code:
            raise ImportRefused(number, f"no {SCHOOL_COLUMN}", name)
        if code in seen:
            raise ImportRefused(number, f"{code} appears twice (also on line {seen[code]})", name)
        seen[code] = number
        found: dict[int, int] = {}
        for position, year in year_of.items():
            value = row[position].strip()
            if not value:
                continue
            if value == HIDDEN:
                hidden[code] = hidden.get(code, 0) + 1
                continue
            if not value.isdigit():
                raise ImportRefused(
                    number, f"'{value}' in {header[position]} is not a number of pupils", name
                )
            if int(value) > 0:
                found[year] = int(value)
        counts[code] = found
    return CountsFile(tuple(sorted(year_of.values())), counts, hidden)


def import_counts(session: Session, path: Path) -> ImportReport:
    """Import DUO's history of pupil numbers from ``path`` (see the module): new counts are
    added, changed ones updated, the rest left alone."""
    return import_read_counts(session, read_counts(path.read_bytes(), path.name))


def import_read_counts(session: Session, found: CountsFile) -> ImportReport:
    report = ImportReport(years=len(found.years))
    school_of = dict(
        session.execute(
            select(Organisation.code, Organisation.id).where(Organisation.kind == "school")
        ).all()
    )
    existing = {
        (school, year): (count_id, pupils)
        for count_id, school, year, pupils in session.execute(
            select(PupilCount.id, PupilCount.school_id, PupilCount.year, PupilCount.pupils).where(
                PupilCount.origin == ORIGIN_DUO
            )
        ).all()
    }
    now = clock_of(session).now()
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for code, counts in found.counts.items():
        school = school_of.get(code)
        if school is None:
            report.unknown_schools += 1
            continue
        report.schools += 1
        report.counts += len(counts)
        report.hidden += found.hidden.get(code, 0)
        for year, pupils in counts.items():
            known = existing.get((school, year))
            if known is None:
                new.append(
                    {
                        "id": uuid.uuid4(),
                        "school_id": school,
                        "year": year,
                        "pupils": pupils,
                        "origin": ORIGIN_DUO,
                        "imported_at": now,
                    }
                )
            elif known[1] != pupils:
                changed.append({"id": known[0], "pupils": pupils, "imported_at": now})
            else:
                report.unchanged += 1
    if new:
        session.execute(insert(PupilCount), new)
    if changed:
        session.execute(update(PupilCount), changed)  # by primary key, one executemany
    report.created, report.updated = len(new), len(changed)
    session.flush()
    return report


def count_year(today: date) -> int:
    """The year of the latest count date (1 October) on or before ``today``."""
    return today.year if (today.month, today.day) >= (COUNT_MONTH, COUNT_DAY) else today.year - 1


def count_rows(
    principal: Principal,
    today: date,
    year_from: int,
    year_to: int,
    dialect: str,
    readable_ids: tuple[uuid.UUID, ...] | None = None,
) -> Select[Any]:
    """One row per school and year from ``year_from`` to ``year_to`` (inclusive) that
    ``principal`` may read on ``today``: DUO's counts, and after them POPO's own count of the
    current count year (the pupils enrolled now, ``Pupil.current_school_id``) where DUO has no
    count for that year. Only the current year can be counted from today's enrolments; a school
    with no pupil in POPO gets no row of its own. ``dialect`` is the database's
    (``sqlite``, ``postgresql``): how a year becomes its count date differs.
    ``readable_ids``: the organisations ``principal`` reads, when the caller asked the scope
    rule once (monitoring does); else the rule is part of the query."""
    current = count_year(today)

    def visible(column: Any) -> Any:
        if readable_ids is not None:
            return column.in_(readable_ids)
        return readable(column, principal, today)

    def bestuur(school: Any) -> Any:
        return select(Organisation.parent_id).where(Organisation.id == school).scalar_subquery()

    def no_id() -> Any:
        return cast(null(), Uuid())

    if dialect == "postgresql":
        count_date: Any = func.make_date(PupilCount.year, COUNT_MONTH, COUNT_DAY, type_=Date)
    else:  # SQLite keeps dates as ISO text
        count_date = type_coerce(
            func.printf("%04d-%02d-%02d", PupilCount.year, COUNT_MONTH, COUNT_DAY), Date
        )
    duo = select(
        PupilCount.id.label("id"),
        literal("", String()).label("reference"),
        no_id().label("pupil_id"),
        PupilCount.school_id.label("school_id"),
        no_id().label("other_school_id"),
        count_date.label("on"),
        PupilCount.origin.label("status_text"),
        PupilCount.school_id.label("d_school"),
        bestuur(PupilCount.school_id).label("d_bestuur"),
        cast(PupilCount.year, String()).label("d_year"),
        PupilCount.origin.label("d_origin"),
        PupilCount.pupils.label("v_pupils"),
    ).where(
        PupilCount.origin == ORIGIN_DUO,
        PupilCount.year >= year_from,
        PupilCount.year <= year_to,
        visible(PupilCount.school_id),
    )
    school = Pupil.current_school_id
    counted_by_duo = exists().where(
        and_(
            PupilCount.school_id == school,
            PupilCount.year == current,
            PupilCount.origin == ORIGIN_DUO,
        )
    )
    own = (
        select(
            school.label("id"),
            literal("", String()).label("reference"),
            no_id().label("pupil_id"),
            school.label("school_id"),
            no_id().label("other_school_id"),
            literal(date(current, COUNT_MONTH, COUNT_DAY), Date()).label("on"),
            literal(ORIGIN_POPO, String()).label("status_text"),
            school.label("d_school"),
            bestuur(school).label("d_bestuur"),
            literal(str(current), String()).label("d_year"),
            literal(ORIGIN_POPO, String()).label("d_origin"),
            cast(func.count(Pupil.id), Integer()).label("v_pupils"),
        )
        .where(
            school.is_not(None),
            # a pupil's current school is a school; with the readers' list, asking it again
            # makes the planner loop over every school of the country
            true()
            if readable_ids is not None
            else school.in_(select(Organisation.id).where(Organisation.kind == "school")),
            ~counted_by_duo,
            visible(school),
            true() if year_from <= current <= year_to else false(),
        )
        .group_by(school)
    )
    rows = union_all(duo, own).subquery("pupil_counts")
    return select(rows)
