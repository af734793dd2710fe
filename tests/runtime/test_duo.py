"""`popo import-duo`: DUO's file of all primary-school locations, completely and repeatably."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from runtime.organisations.duo import ImportRefused, import_file, read_locations
from runtime.organisations.models import Organisation
from runtime.state import AppState

from ..conftest import SHARED

DUO = SHARED / "domain" / "duo-02-alle-schoolvestigingen-basisonderwijs.csv"
SWV = SHARED / "domain" / "swv-regio-indeling-pc4-gemeente-po-vo-2015.csv"
pytestmark = pytest.mark.skipif(not DUO.exists(), reason="needs ../shared/domain")


def count(app_state: AppState, kind: str) -> int:
    with app_state.db.session() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(Organisation).where(Organisation.kind == kind)
            )
            or 0
        )


def test_the_real_file_imports_completely_and_repeatably(
    app_state: AppState, tmp_path: Path
) -> None:
    schools_before = count(app_state, "school")
    with app_state.db.session() as session:
        first = import_file(session, DUO, SWV)
    assert first.created + first.unchanged + first.updated == 6122
    assert count(app_state, "school") - schools_before == first.created
    with app_state.db.session() as session:
        school = session.scalars(select(Organisation).where(Organisation.code == "32JK00")).one()
        assert school.name == "BBS de Verwondering" and school.postcode == "9306 TC"
        board = session.get(Organisation, school.parent_id)
        assert board is not None and board.kind == "bestuur" and board.code == "20091"
        swv = session.get(Organisation, school.swv_id)
        assert swv is not None and swv.code == "PO2001"  # 9306 lies in SWV PO2001
        assert school.holiday_region == "noord"  # Drenthe keeps the northern school holidays
        regions = dict(
            session.execute(
                select(Organisation.holiday_region, func.count())
                .where(Organisation.kind == "school")
                .group_by(Organisation.holiday_region)
            ).all()
        )
        assert {"noord", "midden", "zuid"} <= set(regions)
    with app_state.db.session() as session:
        again = import_file(session, DUO, SWV)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6122)
    assert again.boards_created == again.swvs_created == 0

    changed = tmp_path / "duo.csv"
    data = DUO.read_bytes().replace(b"BBS de Verwondering", b"Basisschool De Verwondering", 1)
    changed.write_bytes(data)
    with app_state.db.session() as session:
        update = import_file(session, changed)
    assert update.updated == 1 and update.unchanged == 6121
    assert update.changes == ["32JK00 Basisschool De Verwondering: name"]


def test_a_malformed_file_is_refused_with_the_line_and_nothing_is_imported(
    app_state: AppState, tmp_path: Path
) -> None:
    lines = DUO.read_bytes().split(b"\r\n")
    fields = lines[16].split(b";")
    fields[3] = b"XX9"
    lines[16] = b";".join(fields)
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"\r\n".join(lines))
    before = count(app_state, "school")
    with pytest.raises(ImportRefused) as refused, app_state.db.session() as session:
        import_file(session, broken)
    assert refused.value.line == 17
    assert "is not a BRIN with a location code" in refused.value.message
    assert count(app_state, "school") == before


def test_an_unknown_vakantieregio_is_refused_with_its_line(
    app_state: AppState, tmp_path: Path
) -> None:
    lines = DUO.read_bytes().split(b"\r\n")
    header = lines[0].split(b";")
    column = [c.strip(b'"') for c in header].index(b"VAKANTIEREGIO")
    fields = lines[5].split(b";")
    fields[column] = b'"Oost"'
    lines[5] = b";".join(fields)
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"\r\n".join(lines))
    with pytest.raises(ImportRefused) as refused, app_state.db.session() as session:
        import_file(session, broken)
    assert refused.value.line == 6
    assert "'oost' is not a vakantieregio (noord, midden, zuid)" in refused.value.message


def test_other_files_are_refused_with_a_reason() -> None:
    with pytest.raises(ImportRefused, match="missing column"):
        read_locations(b"NAAM;PLAATS\r\nx;y\r\n", "other.csv")
    with pytest.raises(ImportRefused, match="not Windows-1252"):
        read_locations(b"BEVOEGD GEZAG NUMMER\r\n\x81\r\n", "binary.csv")
    header = DUO.read_bytes().split(b"\r\n")[0]
    with pytest.raises(ImportRefused, match="fields instead of"):
        read_locations(header + b"\r\nDrenthe;1;2\r\n", "short.csv")


def test_administration_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from runtime.access.accounts import login
    from runtime.cli import main
    from runtime.db.session import Database
    from runtime.domains import AppSettings

    monkeypatch.setenv("POPO_DATABASE_URL", f"sqlite:///{tmp_path / 'admin.sqlite3'}")
    monkeypatch.setenv("POPO_DATA_DIR", str(tmp_path / "var"))
    assert main(["import-duo", "--quiet", str(DUO), "--swv-map", str(SWV)]) == 0
    assert main(["swv", "32JK00", "PO2202"]) == 0
    assert main(["agreement", "20091", "PO2202", "--from", "2026-08-01"]) == 0
    assert main(["agreement", "20091", "PO9999", "--from", "2026-08-01"]) == 1
    args = [
        "user-add",
        "ib@verwondering.example",
        "--name",
        "IB",
        "--role",
        "intern_begeleider@32JK00",
    ]
    assert main([*args, "--password", "een-lang-wachtwoord"]) == 0
    assert main(["user-grant", "ib@verwondering.example", "privacy_officer@32JK00"]) == 0
    assert main(["import-duo", "--quiet", str(DUO), "--swv-map", str(SWV)]) == 0
    out = capsys.readouterr().out
    assert "error: no organisation with code PO9999" in out
    database = Database(AppSettings())
    with database.session() as session:
        school = session.scalars(select(Organisation).where(Organisation.code == "32JK00")).one()
        swv = session.get(Organisation, school.swv_id)
        assert swv is not None and swv.code == "PO2202"  # set by hand, kept by the import
    token, user = login(database, "ib@verwondering.example", "een-lang-wachtwoord", None, 20)
    assert token and user.name == "IB"
