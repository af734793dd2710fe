"""Import DUO's open data of school locations (``popo import-duo FILE``).

The file (``02. Alle schoolvestigingen basisonderwijs``) is ``;``-separated, Windows-1252 with
CRLF line ends. The whole file is read and checked before anything is written: a malformed
file is refused with the line number and nothing is imported. Importing the same file again
changes nothing; a newer file updates what changed and reports it.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Organisation

REQUIRED = (
    "BEVOEGD GEZAG NUMMER",
    "INSTELLINGSCODE",
    "VESTIGINGSCODE",
    "VESTIGINGSNAAM",
    "STRAATNAAM",
    "HUISNUMMER-TOEVOEGING",
    "POSTCODE",
    "PLAATSNAAM",
    "GEMEENTENUMMER",
    "GEMEENTENAAM",
)
_BRIN6 = re.compile(r"^[0-9]{2}[A-Z]{2}[0-9]{2}$")
_BOARD = re.compile(r"^[0-9]{1,8}$")
_POSTCODE = re.compile(r"^([1-9][0-9]{3}) ?([A-Z]{2})$")
_SWV = re.compile(r"^PO[0-9]{4}$")


class ImportRefused(Exception):
    """The file cannot be imported; ``line`` is 1-based (the header is line 1)."""

    def __init__(self, line: int, message: str, file: str = "") -> None:
        super().__init__(f"{file}:{line}: {message}" if file else f"line {line}: {message}")
        self.line = line
        self.message = message
        self.file = file


# the school holidays' regions of the Netherlands (engine/calendar.py counts school days by them)
HOLIDAY_REGIONS = ("noord", "midden", "zuid")


@dataclass(frozen=True)
class Location:
    line: int
    board: str
    brin: str
    code: str  # BRIN4 + vestigingscode
    name: str
    street: str
    house_number: str
    postcode: str
    city: str
    municipality_code: str
    municipality: str
    province: str
    denomination: str
    phone: str
    website: str
    holiday_region: str = ""  # noord | midden | zuid (DUO's VAKANTIEREGIO); "" if none


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    boards_created: int = 0
    swvs_created: int = 0
    swv_assigned: int = 0
    changes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.created} new, {self.updated} changed, {self.unchanged} unchanged locations; "
            f"{self.boards_created} new school boards; {self.swvs_created} new SWVs, "
            f"{self.swv_assigned} SWV memberships set"
        )


def read_locations(data: bytes, name: str = "file") -> list[Location]:
    """Parse and check the whole file; raise :class:`ImportRefused` at the first bad line."""
    try:
        return _read_locations(data, name)
    except ImportRefused as refused:
        if not refused.file:
            raise ImportRefused(refused.line, refused.message, name) from None
        raise


def _read_locations(data: bytes, name: str) -> list[Location]:
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportRefused(line, f"{name} is not Windows-1252 text") from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    try:
        header = [column.strip() for column in next(reader)]
    except StopIteration:
        raise ImportRefused(1, "the file is empty") from None
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise ImportRefused(
            1, "missing column(s) " + ", ".join(missing) + " (is this DUO's file of locations?)"
        )
    index = {column: header.index(column) for column in header}
    locations: list[Location] = []
    seen: dict[str, int] = {}

    def cell(row: list[str], column: str) -> str:
        position = index.get(column)
        return row[position].strip() if position is not None and position < len(row) else ""

    for number, row in enumerate(reader, start=2):
        if not any(value.strip() for value in row):
            continue
        if len(row) != len(header):
            raise ImportRefused(number, f"{len(row)} fields instead of {len(header)}")
        code = cell(row, "VESTIGINGSCODE").upper()
        brin = cell(row, "INSTELLINGSCODE").upper()
        board = cell(row, "BEVOEGD GEZAG NUMMER")
        if not _BRIN6.match(code):
            raise ImportRefused(
                number, f"'{code}' is not a BRIN with a location code (like 12AB00)"
            )
        if not code.startswith(brin):
            raise ImportRefused(number, f"the location {code} does not belong to BRIN {brin}")
        if not _BOARD.match(board):
            raise ImportRefused(number, f"'{board}' is not a school board number")
        if code in seen:
            raise ImportRefused(number, f"{code} appears twice (also on line {seen[code]})")
        seen[code] = number
        postcode = cell(row, "POSTCODE").upper()
        match = _POSTCODE.match(postcode)
        if postcode and not match:
            raise ImportRefused(number, f"'{postcode}' is not a Dutch postcode")
        region = cell(row, "VAKANTIEREGIO").lower()
        if region and region not in HOLIDAY_REGIONS:
            raise ImportRefused(
                number, f"'{region}' is not a vakantieregio ({', '.join(HOLIDAY_REGIONS)})"
            )
        locations.append(
            Location(
                line=number,
                board=board,
                brin=brin,
                code=code,
                name=cell(row, "VESTIGINGSNAAM"),
                street=cell(row, "STRAATNAAM"),
                house_number=cell(row, "HUISNUMMER-TOEVOEGING"),
                postcode=f"{match.group(1)} {match.group(2)}" if match else "",
                city=cell(row, "PLAATSNAAM").title(),
                municipality_code=cell(row, "GEMEENTENUMMER"),
                municipality=cell(row, "GEMEENTENAAM").title(),
                province=cell(row, "PROVINCIE"),
                denomination=cell(row, "DENOMINATIE"),
                phone=cell(row, "TELEFOONNUMMER"),
                website=cell(row, "INTERNETADRES"),
                holiday_region=region,
            )
        )
    if not locations:
        raise ImportRefused(2, "the file has no locations")
    return locations


def read_swv_map(data: bytes, name: str = "file") -> dict[str, str]:
    """Postcode area (PC4) → PO SWV code, from the regulation's table. Areas that belong to no
    SWV (the table names them, e.g. the port area 'Europoort') are left out."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused(data[: exc.start].count(b"\n") + 1, "not UTF-8 text", name) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    header = [column.strip() for column in next(reader, [])]
    if "PC4" not in header or "PO_SWV" not in header:
        raise ImportRefused(1, "the SWV table needs the columns PC4 and PO_SWV", name)
    pc4, swv = header.index("PC4"), header.index("PO_SWV")
    result: dict[str, str] = {}
    for number, row in enumerate(reader, start=2):
        if not any(value.strip() for value in row):
            continue
        if len(row) != len(header):
            raise ImportRefused(number, f"{len(row)} fields instead of {len(header)}", name)
        area = row[pc4].strip()
        if not re.fullmatch(r"[1-9][0-9]{3}", area):
            raise ImportRefused(number, f"'{area}' is not a postcode area (4 digits)", name)
        code = row[swv].strip()
        if _SWV.match(code):
            result[area] = code
    return result


_FIELDS = (
    "name",
    "street",
    "house_number",
    "postcode",
    "city",
    "municipality_code",
    "municipality",
    "province",
    "denomination",
    "phone",
    "website",
    "holiday_region",
)


def import_locations(
    session: Session,
    locations: Iterable[Location],
    swv_map: dict[str, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Create or update boards and school locations (and SWV membership from ``swv_map``)."""
    locations = list(locations)
    report = ImportReport()
    existing = {(o.kind, o.code): o for o in session.scalars(select(Organisation)).all()}
    # boards and SWVs first, so that every school's references exist when it is written
    for location in locations:
        if ("bestuur", location.board) not in existing:
            existing[("bestuur", location.board)] = _add(
                session, "bestuur", location.board, f"Bevoegd gezag {location.board}"
            )
            report.boards_created += 1
        code = (swv_map or {}).get(location.postcode[:4])
        if code is not None and ("swv", code) not in existing:
            existing[("swv", code)] = _add(session, "swv", code, f"Samenwerkingsverband {code}")
            report.swvs_created += 1
    session.flush()
    for number, location in enumerate(locations, start=1):
        board = existing[("bestuur", location.board)]
        school = existing.get(("school", location.code))
        new = school is None
        changed: list[str] = []
        if school is None:
            school = Organisation(id=uuid.uuid4(), kind="school", code=location.code)
            session.add(school)
            existing[("school", location.code)] = school
            report.created += 1
        else:
            changed = [f for f in _FIELDS if (getattr(school, f) or "") != getattr(location, f)]
            if school.parent_id is not None and school.parent_id != board.id:
                changed.append("bestuur")
        for name in _FIELDS:
            setattr(school, name, getattr(location, name) or None)
        school.parent_id = board.id
        if swv_map is not None and school.swv_source != "manual":
            code = swv_map.get(location.postcode[:4])
            swv = existing.get(("swv", code)) if code else None
            if swv is not None and school.swv_id != swv.id:
                if school.swv_id is not None:
                    changed.append("swv")
                school.swv_id = swv.id
                school.swv_source = "derived"
                report.swv_assigned += 1
        if new:
            pass
        elif changed:
            report.updated += 1
            if len(report.changes) < 50:
                report.changes.append(f"{location.code} {location.name}: {', '.join(changed)}")
        else:
            report.unchanged += 1
        if progress is not None and (number % 500 == 0 or number == len(locations)):
            progress(number, len(locations))
    session.flush()
    return report


def _add(session: Session, kind: str, code: str, name: str) -> Organisation:
    organisation = Organisation(id=uuid.uuid4(), kind=kind, code=code, name=name)
    session.add(organisation)
    return organisation


def import_file(
    session: Session,
    path: Path,
    swv_map_path: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    locations = read_locations(path.read_bytes(), path.name)
    swv_map = read_swv_map(swv_map_path.read_bytes(), swv_map_path.name) if swv_map_path else None
    return import_locations(session, locations, swv_map, progress)
