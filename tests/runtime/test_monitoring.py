"""Monitoring as a school, a bestuur and an SWV use it, on a database of its own with the
demo's history (two school years of transfers): each sees its own population only, small
figures hidden for a bestuur and an SWV (and said so), every figure drilling down to the rows
behind it (recorded in the audit log), filters, order and pages without JavaScript and with
htmx, bad input answered in the person's language, the SQL agreeing with the engine's
evaluation of the same rows, and the exports."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import date
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from engine.overviews.evaluate import Record as EngineRecord
from engine.overviews.evaluate import evaluate
from engine.overviews.sources import SOURCES
from runtime.app import create_app
from runtime.audit.models import AuditEvent
from runtime.clock import clock_of
from runtime.db.migrate import upgrade
from runtime.domains import AppSettings
from runtime.monitoring import queries, views
from runtime.monitoring.sources import SQL, Ask
from runtime.organisations.models import Organisation
from runtime.state import AppState

from .conftest import DATABASE_URL, log_in, own_database, with_csrf
from .test_scope import principal_of

Client = TestClient[Litestar]
# the pages' own behaviour does not depend on the database: those tests run on SQLite only
SQLITE_ONLY = pytest.mark.skipif(bool(DATABASE_URL), reason="the same on PostgreSQL")
STANDARD = (
    "overstappen-per-reden",
    "overstappen-per-status",
    "overstappen-per-maand",
    "verstroming-scholen",
    "verstroming-besturen",
    "aanmeldingen-termijnen",
    "adviezen",
    "ondersteuning",
    "risico-leerlingen",
    "verzuim",
    "leerlingaantallen",
)


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppState]:
    folder = tmp_path_factory.mktemp("monitoring")
    with own_database(folder, "monitoring") as url:
        settings = AppSettings(
            database_url=url,
            data_dir=folder / "var",
            pdf_workers=1,
            log_format="text",
            login_attempts_per_address=100_000,
        )
        upgrade(settings)
        popo = AppState.create(settings)
        from runtime import demo

        with popo.db.session() as session:
            demo.seed(session, popo.registry, settings, history=True)
            session.commit()
        yield popo
        popo.stop_workers()
        popo.db.engine.dispose()


@pytest.fixture(scope="module")
def app(state: AppState) -> Litestar:
    return create_app(state.settings, state)


@pytest.fixture
def as_user(app: Litestar) -> Iterator[Any]:
    """Log in as a demo user: each a client of its own, closed last opened first."""
    with ExitStack() as stack:

        def login(email: str) -> Client:
            client = stack.enter_context(TestClient(app, base_url="http://testserver.local"))
            with_csrf(client)
            log_in(client, email)
            return client

        yield login


def organisation(state: AppState, code: str) -> Organisation:
    with state.db.session() as session:
        found = session.scalar(select(Organisation).where(Organisation.code == code))
        assert found is not None
        session.expunge(found)
        return found


def perspective_of(state: AppState, email: str) -> queries.Perspective:
    with state.db.session() as session:
        return queries.perspectives(session, principal_of(session, email))[0]


def run(state: AppState, email: str, overview_id: str, **asked: list[str]) -> queries.Result:
    overview = state.registry.overview(overview_id)
    assert overview is not None
    with state.db.session() as session:
        today = clock_of(session).today()
        view = views.read(overview, asked, today, per_page=1000).view
        return queries.run(
            session,
            state.registry,
            overview,
            perspective_of(state, email),
            view,
            on=today,
            language="nl",
            suppress_below=5,
        )


# ---------------------------------------------------------------------- the definitions


def test_every_name_of_the_vocabulary_has_its_sql(state: AppState) -> None:
    with state.db.session() as session:
        principal = principal_of(session, "swv@noord.demo")
        ask = Ask(principal, date.today(), date(2020, 1, 1), date.today(), "sqlite")
        for name, source in SOURCES.items():
            columns = set(SQL[name](ask).selected_columns.keys())
            wanted = {f"d_{d}" for d in source.dimensions} | {f"f_{f}" for f in source.flags}
            wanted |= {f"v_{v}" for v in source.values}
            assert wanted <= columns, (name, wanted - columns)


@SQLITE_ONLY
def test_the_standard_overviews_are_offered_by_audience(state: AppState) -> None:
    school = {o.id for o in state.registry.overviews_for("school")}
    swv = {o.id for o in state.registry.overviews_for("swv")}
    assert set(STANDARD) <= swv
    assert "verstroming-besturen" not in school and "overstappen-per-reden" in school


# ---------------------------------------------------------------------- scope and suppression


def test_a_school_counts_only_the_transfers_from_or_to_itself(state: AppState) -> None:
    regenboog = str(organisation(state, "12AB00").id)
    result = run(state, "ib@regenboog.demo", "verstroming-scholen")
    assert result.rows and result.suppress_below is None
    assert all(regenboog in row.keys for row in result.rows)
    assert not result.any_suppressed  # a school sees its own figures in full


def test_the_swv_sees_its_area_only_and_small_figures_hidden(state: AppState) -> None:
    result = run(state, "swv@noord.demo", "verstroming-scholen")
    kompas = str(organisation(state, "56EF00").id)  # another SWV's school
    wilg = str(organisation(state, "78GH00").id)  # Noorderbasis, not in SWV Noord's area
    inside = {str(organisation(state, c).id) for c in ("12AB00", "34CD00", "90JK00")}
    assert result.rows and result.suppress_below == 5
    for row in result.rows:
        assert any(key in inside for key in row.keys)
        assert kompas not in row.keys or any(k in inside for k in row.keys)
    assert result.any_suppressed
    assert all(c.value is None for row in result.rows for c in row.cells if c.suppressed)
    assert wilg  # (the board's school is read only where the agreement lets the SWV)


def test_the_sql_agrees_with_the_engines_evaluation_of_the_same_rows(state: AppState) -> None:
    overview = state.registry.overview("overstappen-per-reden")
    assert overview is not None
    perspective = perspective_of(state, "bestuur@noorderbasis.demo")
    with state.db.session() as session:
        today = clock_of(session).today()
        view = views.read(overview, {}, today).view
        ask = queries.ask_of(session, state.registry, perspective, view, today)
        rows = session.execute(SQL["transfers"](ask)).mappings().all()
        records = [
            EngineRecord(
                on=None,
                dimensions={"reason": r["d_reason"]},
                flags=frozenset(f for f in ("closed", "open") if r[f"f_{f}"]),
                pupil=str(r["pupil_id"]),
            )
            for r in rows
        ]
        groups, totals = queries.aggregate(session, overview, ask, view)
    expected, expected_totals = evaluate(overview, records)
    assert sorted(groups, key=lambda g: str(g.keys)) == sorted(expected, key=lambda g: str(g.keys))
    assert [c.n for c in totals] == [c.n for c in expected_totals] and rows


# ---------------------------------------------------------------------- the pages


@SQLITE_ONLY
def test_each_demo_user_sees_their_own_dashboard(state: AppState, as_user: Any) -> None:
    school = as_user("ib@regenboog.demo").get("/monitoring")
    assert school.status_code == 200 and "De Regenboog" in school.text
    assert "Overstappen per reden" in school.text and "<svg" in school.text
    assert "Verstroming tussen besturen" not in school.text
    assert "kleiner dan" not in school.text  # no suppression for a school's own
    board = as_user("bestuur@noorderbasis.demo").get("/monitoring")
    assert board.status_code == 200 and "Stichting Noorderbasis" in board.text
    assert "Verstroming tussen besturen" in board.text
    swv = as_user("swv@noord.demo").get("/monitoring")
    assert swv.status_code == 200 and "Samenwerkingsverband Passend Onderwijs Noord" in swv.text
    assert 'href="/monitoring"' in as_user("ib@regenboog.demo").get("/").text


@SQLITE_ONLY
def test_a_bestuur_is_told_that_small_figures_are_hidden(state: AppState, as_user: Any) -> None:
    page = as_user("swv@noord.demo").get("/monitoring/verstroming-scholen")
    assert page.status_code == 200
    assert "&lt;5" in page.text and "privacy" in page.text
    assert "<table" in page.text and "<svg" in page.text  # a data table behind the chart


@SQLITE_ONLY
def test_filter_sort_and_page_work_without_javascript(state: AppState, as_user: Any) -> None:
    client = as_user("swv@noord.demo")
    page = client.get(
        "/monitoring/overstappen-per-reden",
        params={"f.reason": "verhuizing", "sort": "reason", "order": "asc", "from": "2020-01-01"},
    )
    assert page.status_code == 200
    body = page.text.split('id="results"')[1]
    assert "Verhuizing" in body and "Conflict met de school" not in body
    assert '<option value="verhuizing" selected>' in page.text
    partial = client.get(
        "/monitoring/overstappen-per-reden",
        params={"from": "2020-01-01"},
        headers={"HX-Request": "true"},
    )
    assert partial.status_code == 200 and "<html" not in partial.text and "<table" in partial.text


@SQLITE_ONLY
def test_bad_input_is_said_and_the_rest_of_the_view_holds(state: AppState, as_user: Any) -> None:
    client = as_user("ib@regenboog.demo")
    page = client.get(
        "/monitoring/overstappen-per-reden",
        params={"from": "31-31-2026", "sort": "<script>", "page": "-4", "f.nope": "x"},
    )
    assert page.status_code == 200 and "<script>" not in page.text
    assert 'value="31-31-2026"' in page.text and "dag-maand-jaar" in page.text
    far = client.get("/monitoring/overstappen-per-reden", params={"until": "9999-12-31"})
    assert far.status_code == 200 and "dag-maand-jaar" in far.text
    ahead = client.get(
        "/monitoring/overstappen-per-reden", params={"from": "2026-05-01", "until": "2026-01-01"}
    )
    assert ahead.status_code == 200 and "voor het begin" in ahead.text


@SQLITE_ONLY
def test_another_organisation_and_an_overview_not_offered_are_not_found(
    state: AppState, as_user: Any
) -> None:
    client = as_user("ib@regenboog.demo")
    linde = organisation(state, "34CD00").id
    assert client.get("/monitoring", params={"as": str(linde)}).status_code == 404
    assert client.get("/monitoring", params={"as": str(uuid.uuid4())}).status_code == 404
    assert client.get("/monitoring/verstroming-besturen").status_code == 404
    assert client.get("/monitoring/no-such-overview").status_code == 404
    assert as_user("consultant@popo.demo").get("/monitoring").status_code == 404


def test_a_figure_drills_down_to_its_rows_and_the_look_is_logged(
    state: AppState, as_user: Any
) -> None:
    client = as_user("ib@regenboog.demo")
    page = client.get("/monitoring/overstappen-per-reden", params={"from": "2020-01-01"})
    links = re.findall(r'href="(/monitoring/overstappen-per-reden/records\?[^"]+)"', page.text)
    assert links
    address = links[0].replace("&amp;", "&")
    with state.db.session() as session:
        before = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    listed = client.get(address)
    assert listed.status_code == 200
    assert re.search(r'href="/transfers/[0-9a-f-]{36}"', listed.text)
    with state.db.session() as session:
        logged = session.scalars(select(AuditEvent).where(AuditEvent.id > (before or 0))).all()
    assert logged and all(e.object_type == "monitoring_figure" for e in logged)
    assert all(e.purpose.startswith(queries.PURPOSE_RECORDS) for e in logged)


def test_a_hidden_figure_lists_no_rows(state: AppState, as_user: Any) -> None:
    client = as_user("swv@noord.demo")
    result = run(state, "swv@noord.demo", "verstroming-scholen")
    hidden = next(row for row in result.rows if row.cells[0].suppressed)
    params = dict(views.keys_param(hidden.keys))
    page = client.get("/monitoring/verstroming-scholen/records", params=params)
    assert page.status_code == 200 and "verborgen" in page.text
    assert "/transfers/" not in page.text


# ---------------------------------------------------------------------- exports


def test_an_overview_exports_to_csv_and_xlsx_as_shown(state: AppState, as_user: Any) -> None:
    client = as_user("swv@noord.demo")
    params = {"from": "2020-01-01"}
    shown = run(state, "swv@noord.demo", "verstroming-scholen", **{"from": ["2020-01-01"]})
    exported = client.get("/monitoring/verstroming-scholen/export.csv", params=params)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    text = exported.content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert lines[0][:2] == ["Van school", "Naar school"]
    table = lines[: lines.index([])]
    assert len(table) == 1 + shown.total_rows + 1  # the header, the rows, the total
    assert table[-1][0] == "Totaal" and "Samenwerkingsverband" in text
    assert any("<5" in line for line in lines)
    workbook = client.get("/monitoring/verstroming-scholen/export.xlsx", params=params)
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook.content), read_only=True).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0][:2] == ["Van school", "Naar school"]
    assert len(values) >= 1 + shown.total_rows


@SQLITE_ONLY
def test_an_export_of_another_organisation_is_not_found(state: AppState, as_user: Any) -> None:
    client = as_user("ib@regenboog.demo")
    linde = organisation(state, "34CD00").id
    for kind in ("csv", "xlsx"):
        refused = client.get(
            f"/monitoring/overstappen-per-reden/export.{kind}", params={"as": str(linde)}
        )
        assert refused.status_code == 404


# ---------------------------------------------------------------------- periodic reports


def test_the_monthly_report_is_made_once_kept_and_read_by_its_staff_only(
    state: AppState, as_user: Any
) -> None:
    from runtime.monitoring import reports
    from runtime.notifications.models import Notification

    board = organisation(state, "41001")
    with state.db.session() as session:
        period = reports.last_month(clock_of(session).today())
    made = reports.make(state, board.id, period)
    assert made is not None and made.new and made.report.overviews >= 10
    again = reports.make(state, board.id, period)
    assert again is not None and not again.new and again.report.id == made.report.id
    assert state.archive.get(made.report.pdf_sha256).startswith(b"%PDF")
    with state.db.session() as session:
        told = session.scalars(
            select(Notification).where(Notification.event == reports.EVENT)
        ).all()
    assert told and all(str(made.report.id) in n.link for n in told)
    reader = as_user("bestuur@noorderbasis.demo")
    listing = reader.get("/monitoring/reports")
    assert listing.status_code == 200 and f"/monitoring/reports/{made.report.id}/rapport.pdf" in (
        listing.text
    )
    pdf = reader.get(f"/monitoring/reports/{made.report.id}/rapport.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    workbook = reader.get(f"/monitoring/reports/{made.report.id}/rapport.xlsx")
    book = load_workbook(io.BytesIO(workbook.content), read_only=True)
    assert len(book.sheetnames) == made.report.overviews
    stranger = as_user("ib@regenboog.demo")
    for path in ("", "/rapport.pdf", "/rapport.xlsx"):
        assert stranger.get(f"/monitoring/reports/{made.report.id}{path}").status_code == 404
    assert reader.get(f"/monitoring/reports/{made.report.id}/other.txt").status_code == 404


def test_the_migrations_go_down_and_up_and_match_the_models(
    scratch_settings: AppSettings,
) -> None:
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine, inspect

    from runtime.db.base import Base
    from runtime.db.migrate import alembic_config

    from .conftest import table_names

    upgrade(scratch_settings)
    engine = create_engine(scratch_settings.sqlalchemy_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        ours = ("monitoring_report", "_created", "_received")
        assert [d for d in differences if any(name in str(d) for name in ours)] == []
        command.downgrade(alembic_config(scratch_settings), "0027")
        assert "monitoring_report" not in table_names(scratch_settings)
        indexes = {i["name"] for i in inspect(engine).get_indexes("transfer")}
        assert "ix_transfer_sending_created" not in indexes
        upgrade(scratch_settings)
        assert "monitoring_report" in table_names(scratch_settings)
    finally:
        engine.dispose()
