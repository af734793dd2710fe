"""Pupil numbers per school location over the years: DUO's history (`popo import-counts`),
the demo's made-up history, the monitoring rows (DUO's counts, then POPO's own) within the
reader's scope, and the migration."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import func, select

from runtime.db.migrate import alembic_config, upgrade
from runtime.db.session import Database
from runtime.organisations import demo_counts
from runtime.organisations.counts import count_rows, count_year, import_counts, read_counts
from runtime.organisations.duo import ImportRefused
from runtime.organisations.duo import import_file as import_locations
from runtime.organisations.models import Organisation, PupilCount
from runtime.pupils.models import Pupil
from runtime.settings import Settings
from runtime.state import AppState

from ..conftest import SHARED
from .conftest import table_names
from .test_scope import principal_of

DOMAIN = SHARED / "domain"
LOCATIONS = DOMAIN / "duo-02-alle-schoolvestigingen-basisonderwijs.csv"
COUNTS = DOMAIN / "duo-06-historisch-overzicht-aantal-leerlingen-per-schoolvestiging.csv"
needs_shared = pytest.mark.skipif(
    not (LOCATIONS.exists() and COUNTS.exists()), reason="needs ../shared/domain"
)
HEADER = (
    "INSTELLINGSCODE;VESTIGINGSCODE;NAAM_VESTIGING;SOORT_VESTIGING;"
    "LEERLINGEN_2023;LEERLINGEN_2024;LEERLINGEN_2025"
)
# the demo's processing agreements start 2026-08-01; after 1 October, a new count year
TODAY = date(max(date.today().year, 2026), 10, 15)
COLUMNS = [
    "id",
    "reference",
    "pupil_id",
    "school_id",
    "other_school_id",
    "on",
    "status_text",
    "d_school",
    "d_bestuur",
    "d_year",
    "d_origin",
    "v_pupils",
]


def write(path: Path, *lines: str) -> Path:
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    return path


def school_counts(session: Any, code: str) -> dict[int, int]:
    rows = session.execute(
        select(PupilCount.year, PupilCount.pupils)
        .join(Organisation, Organisation.id == PupilCount.school_id)
        .where(Organisation.code == code, PupilCount.origin == "duo")
    ).all()
    return dict(rows)


# ------------------------------------------------------------------------------- the import


@needs_shared
def test_duos_history_imports_after_the_schools_and_again_changes_nothing(
    scratch_settings: Settings,
) -> None:
    upgrade(scratch_settings)
    database = Database(scratch_settings)
    with database.session() as session:
        import_locations(session, LOCATIONS)
    started = time.monotonic()
    with database.session() as session:
        first = import_counts(session, COUNTS)
    took = time.monotonic() - started
    assert first.years == 30  # 1996–2025
    assert 6000 < first.schools <= 6122  # the file's BO locations that are POPO's schools
    assert first.unknown_schools == 9737 - first.schools  # SBO, SO, VSO, closed locations
    assert first.created == first.counts > 100_000 and first.updated == first.unchanged == 0
    assert took < 60, f"the import took {took:.1f} s"
    with database.session() as session:
        wereldwijs = school_counts(session, "00AP00")  # WereldWijs, Zoetermeer
        assert (wereldwijs[1996], wereldwijs[2024], wereldwijs[2025]) == (131, 89, 84)
        assert 2010 not in school_counts(session, "32JK00")  # a 0 is no count: not stored
        stored = session.scalar(select(func.count()).select_from(PupilCount))
        assert stored == first.counts
    with database.session() as session:
        again = import_counts(session, COUNTS)
    assert (again.created, again.updated, again.unchanged) == (0, 0, first.counts)
    assert "nothing changed" in again.summary()
    database.engine.dispose()


@needs_shared
def test_a_changed_count_is_updated_and_unknown_schools_are_skipped(
    scratch_settings: Settings, tmp_path: Path
) -> None:
    upgrade(scratch_settings)
    database = Database(scratch_settings)
    with database.session() as session:
        import_locations(session, LOCATIONS)
    small = write(
        tmp_path / "counts.csv",
        HEADER,
        "00AP;00AP00;WereldWijs;BO;100;89;84",
        "99ZZ;99ZZ00;Nergens;BO;10;11;12",
        "32JK;32JK00;BBS de Verwondering;BO;0;0;33",
    )
    with database.session() as session:
        report = import_counts(session, small)
    assert (report.schools, report.years, report.counts, report.unknown_schools) == (2, 3, 4, 1)
    assert report.summary().startswith(
        "pupil numbers: 2 schools, 3 years, 4 counts (1 unknown schools skipped)"
    )
    write(small, HEADER, "00AP;00AP00;WereldWijs;BO;101;89;84")
    with database.session() as session:
        report = import_counts(session, small)
        assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
        assert school_counts(session, "00AP00") == {2023: 101, 2024: 89, 2025: 84}
    database.engine.dispose()


def test_a_file_of_another_format_is_refused_naming_the_missing_column(tmp_path: Path) -> None:
    with pytest.raises(ImportRefused, match="missing column VESTIGINGSCODE"):
        read_counts(b"\xef\xbb\xbfINSTELLINGSCODE;NAAM;LEERLINGEN_2024\r\n00AP;X;3\r\n", "x.csv")
    with pytest.raises(ImportRefused, match=r"missing column LEERLINGEN_<year>"):
        read_counts(b"INSTELLINGSCODE;VESTIGINGSCODE\r\n00AP;00AP00\r\n", "x.csv")
    with pytest.raises(ImportRefused, match=r"x\.csv:2: 'veel' in LEERLINGEN_2024"):
        read_counts(b"VESTIGINGSCODE;LEERLINGEN_2024\r\n00AP00;veel\r\n", "x.csv")
    with pytest.raises(ImportRefused, match="not UTF-8"):
        read_counts("VESTIGINGSCODE;LEERLINGEN_2024\r\nÀ;1\r\n".encode("cp1252"), "x.csv")


def test_the_command_prints_the_refusal_without_a_traceback(
    scratch_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from runtime.cli import main

    monkeypatch.setenv("POPO_DATABASE_URL", scratch_settings.database_url)
    monkeypatch.setenv("POPO_DATA_DIR", str(tmp_path / "var"))
    bad = write(tmp_path / "locations.csv", "PROVINCIE;VESTIGINGSNAAM", "Drenthe;X")
    assert main(["import-counts", str(bad)]) == 1
    out = capsys.readouterr().out
    assert out == (
        "locations.csv:1: missing column VESTIGINGSCODE (is this DUO's file of pupil numbers?); "
        "nothing was imported\n"
    )
    good = write(tmp_path / "counts.csv", HEADER, "99ZZ;99ZZ00;Nergens;BO;10;11;12")
    assert main(["import-counts", str(good)]) == 0
    assert capsys.readouterr().out == (
        "pupil numbers: 0 schools, 3 years, 0 counts (1 unknown schools skipped); "
        "nothing changed (0 counts were already there)\n"
    )
    assert main(["import-counts", str(tmp_path / "absent.csv")]) == 2


# --------------------------------------------------------------------------------- the demo


def test_the_demo_schools_get_a_made_up_history_once(seeded: AppState) -> None:
    last = TODAY.year - 1
    with seeded.db.session() as session:
        demo_counts.seed(session, TODAY)
        assert demo_counts.seed(session, TODAY) == []
        regenboog = school_counts(session, "12AB00")
    assert sorted(regenboog) == list(range(2015, last + 1))
    assert 180 <= regenboog[2015] <= 420
    assert all(
        abs(regenboog[year + 1] - regenboog[year]) <= 0.07 * regenboog[year]
        for year in range(2015, last)
    )
    assert demo_counts.history("12AB00", last) == regenboog  # the same every time


# ---------------------------------------------------------------------- the monitoring rows


def test_the_rows_are_duos_counts_then_popos_own_within_the_swvs_area(seeded: AppState) -> None:
    today = TODAY
    current = count_year(today)
    assert current == today.year
    dialect = seeded.db.engine.dialect.name
    with seeded.db.session() as session:
        demo_counts.seed(session, today)  # DUO's counts up to last year
        swv = principal_of(session, "swv@noord.demo")
        query = count_rows(swv, today, 2015, current, dialect)
        assert list(query.selected_columns.keys()) == COLUMNS
        rows = [row._asdict() for row in session.execute(query)]
        code_of = dict(session.execute(select(Organisation.id, Organisation.code)).all())
        board_of = dict(session.execute(select(Organisation.id, Organisation.parent_id)).all())
        enrolled = dict(
            session.execute(
                select(Pupil.current_school_id, func.count()).group_by(Pupil.current_school_id)
            ).all()
        )
    schools = {code_of[row["school_id"]] for row in rows}
    assert {"12AB00", "34CD00", "90JK00"} <= schools
    assert "56EF00" not in schools  # Het Kompas lies in SWV Zuid
    assert "78GH00" not in schools  # De Wilg belongs to no SWV
    regenboog = [row for row in rows if code_of[row["school_id"]] == "12AB00"]
    duo = {row["d_year"]: row for row in regenboog if row["d_origin"] == "duo"}
    assert sorted(duo) == [str(year) for year in range(2015, current)]
    first = duo["2015"]
    assert first["on"] == date(2015, 10, 1) and first["status_text"] == "duo"
    assert first["v_pupils"] == demo_counts.history("12AB00", 2015)[2015]
    assert first["reference"] == "" and first["pupil_id"] is first["other_school_id"] is None
    assert first["d_school"] == first["school_id"]
    assert first["d_bestuur"] == board_of[first["school_id"]]
    own = [row for row in rows if row["d_origin"] == "popo"]
    assert own, "the demo has pupils at De Regenboog"
    for row in own:
        assert row["d_year"] == str(current) and row["on"] == date(current, 10, 1)
        assert row["id"] == row["school_id"] and row["status_text"] == "popo"
        assert row["v_pupils"] == enrolled[row["school_id"]]
        assert row["d_bestuur"] == board_of[row["school_id"]]
    assert len({(row["school_id"], row["d_year"]) for row in rows}) == len(rows)

    # before 1 October the current count is last year's, which DUO has: no row of POPO's own
    with seeded.db.session() as session:
        before = count_rows(swv, date(today.year, 9, 30), 2015, current, dialect)
        origins = {row.d_origin for row in session.execute(before)}
        # and a year range without the current year has none either
        older = count_rows(swv, today, 2015, 2020, dialect)
        years = {row.d_year for row in session.execute(older)}
    assert origins == {"duo"}
    assert years == {str(year) for year in range(2015, 2021)}


# -------------------------------------------------------------------------------- migration


def test_the_migration_goes_down_and_up_again(scratch_settings: Settings) -> None:
    settings = scratch_settings
    upgrade(settings)
    assert "pupil_count" in table_names(settings)
    command.downgrade(alembic_config(settings), "0026")  # the revision before
    assert "pupil_count" not in table_names(settings)
    assert "organisation" in table_names(settings)
    upgrade(settings)
    assert "pupil_count" in table_names(settings)


def test_the_migrated_tables_are_the_models(seeded: AppState) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from runtime.db.base import Base

    with seeded.db.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, Base.metadata)
    assert [d for d in differences if "pupil_count" in str(d)] == []
