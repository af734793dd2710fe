"""Large exports of monitoring, on a database of its own with the demo's history and the
threshold lowered (``POPO_MONITORING_EXPORT_INLINE_ROWS=3``): a view of more rows offers
buttons that ask a job for the file, whose page shows a progress bar (refreshed by htmx, or
by its link without JavaScript) and then the download; the job writes in steps and commits
its progress as it goes; the file is the one the request makes for a higher threshold; only
the person who asked sees the page and downloads it; a person who lost their rights before
the job ran gets no file but the reason; a run whose worker stopped is deferred again by the
sweep; migration 0031 goes down and up."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from openpyxl import load_workbook
from sqlalchemy import delete, func, select, update

from runtime import jobs
from runtime.access.accounts import create_user
from runtime.access.models import RoleAssignment
from runtime.app import create_app
from runtime.clock import clock_of
from runtime.db.migrate import upgrade
from runtime.demo import DEMO_PASSWORD
from runtime.domains import AppSettings
from runtime.monitoring import export_jobs, exports
from runtime.monitoring.models import ExportStatus, MonitoringExport
from runtime.organisations.models import Organisation
from runtime.settings import Settings
from runtime.state import AppState

from .conftest import log_in, own_database, table_names, with_csrf

Client = TestClient[Litestar]
OVERVIEW = "verstroming-scholen"
THRESHOLD = 3


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppState]:
    """The demo with its history; no worker in the web process: the tests run the jobs."""
    folder = tmp_path_factory.mktemp("monitoring-exports")
    with own_database(folder, "monitoring_exports") as url:
        settings = AppSettings(
            database_url=url,
            data_dir=folder / "var",
            pdf_workers=1,
            log_format="text",
            login_attempts_per_address=100_000,
            inprocess_worker=False,
            monitoring_export_inline_rows=THRESHOLD,
        )
        upgrade(settings)
        popo = AppState.create(settings)
        from runtime import demo

        with popo.db.session() as session:
            demo.seed(session, popo.registry, settings, history=True)
            session.commit()
        jobs.run_until_idle(popo)  # what the demo queued (mail), so that the tests run theirs
        yield popo
        popo.stop_workers()
        popo.db.engine.dispose()


@pytest.fixture(scope="module")
def app(state: AppState) -> Litestar:
    return create_app(state.settings, state)


@pytest.fixture(scope="module")
def inline_app(state: AppState) -> Litestar:
    """The same application with the default threshold: every view is exported at once."""
    settings = state.settings.replace(monitoring_export_inline_rows=100_000)
    return create_app(settings, dataclasses.replace(state, settings=settings))


@pytest.fixture
def as_user(app: Litestar, inline_app: Litestar) -> Iterator[Any]:
    with ExitStack() as stack:

        def login(email: str, application: Litestar | None = None) -> Client:
            client = stack.enter_context(
                TestClient(application or app, base_url="http://testserver.local")
            )
            with_csrf(client)
            log_in(client, email)
            return client

        yield login


def ask_address(page: str) -> str:
    """The address the overview's export buttons post to."""
    found = re.search(rf'action="(/monitoring/{OVERVIEW}/exports\?[^"]+)"', page)
    assert found, "the overview offers the export as a job"
    return found.group(1).replace("&amp;", "&")


def ask(client: Client, format: str, **params: str) -> str:
    """Ask for the export from the overview's button; the address of its page."""
    page = client.get(f"/monitoring/{OVERVIEW}", params={"from": "2020-01-01", **params})
    assert page.status_code == 200
    asked = client.post(ask_address(page.text), data={"format": format}, follow_redirects=False)
    assert asked.status_code == 303, asked.text[:300]
    location = str(asked.headers["location"])
    assert re.fullmatch(r"/monitoring/exports/[0-9a-f-]{36}", location)
    return location


def export_of(state: AppState, address: str) -> MonitoringExport:
    with state.db.session() as session:
        found = session.get(MonitoringExport, uuid.UUID(address.rsplit("/", 1)[1]))
        assert found is not None
        session.expunge(found)
        return found


def count_exports(state: AppState) -> int:
    with state.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(MonitoringExport)) or 0)


# ---------------------------------------------------------------------- asking


def test_a_large_view_is_asked_for_by_a_button_and_a_small_one_downloads_at_once(
    state: AppState, as_user: Any
) -> None:
    client = as_user("swv@noord.demo")
    page = client.get(f"/monitoring/{OVERVIEW}", params={"from": "2020-01-01"})
    assert page.status_code == 200
    results = page.text.split('id="results"')[1]
    assert f'href="/monitoring/{OVERVIEW}/export.csv' not in results
    assert 'name="format" value="xlsx"' in results and "_csrf_token" in results
    # an old link to a large export: a page with the button, nothing asked by a GET
    before = count_exports(state)
    link = client.get(f"/monitoring/{OVERVIEW}/export.csv", params={"from": "2020-01-01"})
    assert link.status_code == 200 and link.headers["content-type"].startswith("text/html")
    assert "op de achtergrond" in link.text and ask_address(link.text)
    assert count_exports(state) == before
    # a view of no more rows than the threshold: the file at once, as before
    small = client.get(
        "/monitoring/overstappen-per-reden/export.csv",
        params={"from": "2020-01-01", "f.reason": "verhuizing"},
    )
    assert small.status_code == 200 and small.headers["content-type"].startswith("text/csv")
    overview = client.get(
        "/monitoring/overstappen-per-reden", params={"from": "2020-01-01", "f.reason": "verhuizing"}
    )
    assert 'href="/monitoring/overstappen-per-reden/export.csv?' in overview.text


def test_asking_twice_while_it_is_made_is_the_same_export(state: AppState, as_user: Any) -> None:
    client = as_user("swv@noord.demo")
    first = ask(client, "csv", until="2026-06-30")
    assert ask(client, "csv", until="2026-06-30") == first
    assert ask(client, "xlsx", until="2026-06-30") != first
    waiting = [kwargs for name, kwargs in jobs.waiting(state) if name == export_jobs.TASK]
    assert {"export_id": first.rsplit("/", 1)[1]} in waiting
    jobs.run_until_idle(state)


def test_a_wrong_format_or_another_organisation_asks_nothing(state: AppState, as_user: Any) -> None:
    client = as_user("ib@regenboog.demo")
    before = count_exports(state)
    linde = str(organisation_id(state, "34CD00"))
    refused = client.post(
        f"/monitoring/overstappen-per-reden/exports?as={linde}", data={"format": "csv"}
    )
    assert refused.status_code == 404
    wrong = client.post("/monitoring/overstappen-per-reden/exports", data={"format": "pdf"})
    assert wrong.status_code == 404
    offered = client.post("/monitoring/verstroming-besturen/exports", data={"format": "csv"})
    assert offered.status_code == 404  # not offered to a school
    assert count_exports(state) == before


def organisation_id(state: AppState, code: str) -> uuid.UUID:
    with state.db.session() as session:
        found = session.scalar(select(Organisation.id).where(Organisation.code == code))
        assert found is not None
        return found


# ---------------------------------------------------------------------- the page and the file


def values_of(workbook: bytes) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(workbook), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_the_page_shows_progress_then_the_download_of_the_inline_file(
    state: AppState, as_user: Any, inline_app: Litestar, format: str
) -> None:
    client = as_user("swv@noord.demo")
    address = ask(client, format)
    waiting = client.get(address)
    assert waiting.status_code == 200
    assert "<progress" in waiting.text and 'aria-live="polite"' in waiting.text
    assert 'hx-trigger="every 2s"' in waiting.text and ">Vernieuwen</a>" in waiting.text
    assert "/download" not in waiting.text
    jobs.run_until_idle(state)
    export = export_of(state, address)
    assert export.status is ExportStatus.DONE and export.rows_done == export.rows_total
    assert export.rows_total is not None and export.rows_total > THRESHOLD
    done = client.get(address)
    assert "Het bestand is klaar." in done.text and "hx-trigger" not in done.text
    assert f'href="{address}/download"' in done.text
    assert "<progress" not in done.text
    downloaded = client.get(f"{address}/download")
    assert downloaded.status_code == 200
    assert downloaded.headers["cache-control"] == "private, no-store"
    assert downloaded.headers["x-content-type-options"] == "nosniff"
    # the same file the request makes when the threshold lets it
    inline = as_user("swv@noord.demo", inline_app).get(
        f"/monitoring/{OVERVIEW}/export.{format}", params=dict(export.params)
    )
    assert inline.status_code == 200
    assert downloaded.headers["content-disposition"] == inline.headers["content-disposition"]
    assert downloaded.headers["content-type"] == inline.headers["content-type"]
    if format == "csv":
        assert downloaded.content == inline.content
        lines = list(csv.reader(io.StringIO(downloaded.content.decode("utf-8-sig")), delimiter=";"))
        assert lines[0][:2] == ["Van school", "Naar school"]
        assert len(lines[: lines.index([])]) == 1 + export.rows_total + 1  # header, rows, total
    else:
        assert values_of(downloaded.content) == values_of(inline.content)
        assert len(values_of(downloaded.content)) >= 1 + export.rows_total


def test_the_job_commits_its_progress_as_it_writes(
    state: AppState, as_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = as_user("swv@noord.demo")
    address = ask(client, "xlsx", sort="from_school")
    export_id = uuid.UUID(address.rsplit("/", 1)[1])
    seen: list[tuple[int, int]] = []
    recorded = export_jobs.progress

    def watched(popo: AppState, asked: Any, rows_done: int, rows_total: int | None = None) -> None:
        recorded(popo, asked, rows_done, rows_total)
        with state.db.session() as session:  # another transaction sees it: it was committed
            export = session.get(MonitoringExport, export_id)
            assert export is not None and export.status is ExportStatus.RUNNING
            seen.append((export.rows_done, export.rows_total or 0))

    monkeypatch.setattr(exports, "PROGRESS_EVERY", 2)
    monkeypatch.setattr(export_jobs, "progress", watched)
    jobs.run_until_idle(state)
    total = export_of(state, address).rows_total
    assert total is not None and seen[0] == (0, total)
    assert [done for done, _ in seen[1:]] == list(range(2, total + 1, 2))


def test_the_page_while_it_runs_and_the_poll(state: AppState, as_user: Any) -> None:
    client = as_user("swv@noord.demo")
    address = ask(client, "csv", until="2026-05-31")
    export_id = uuid.UUID(address.rsplit("/", 1)[1])
    with state.db.session() as session:  # as a running job leaves it between two steps
        session.execute(
            update(MonitoringExport)
            .where(MonitoringExport.id == export_id)
            .values(status=ExportStatus.RUNNING, rows_done=5, rows_total=12)
        )
    page = client.get(address)
    assert '<progress id="export-bar" max="12" value="5">5 van 12 rijen</progress>' in page.text
    assert "<p>5 van 12 rijen</p>" in page.text and "wordt gemaakt" in page.text
    poll = client.get(address, headers={"HX-Request": "true"})
    assert poll.status_code == 200 and "<html" not in poll.text
    assert 'id="export-status"' in poll.text
    assert 'hx-trigger="every 2s"' in poll.text
    english = client.get(address, params={"lang": "en"})
    assert "5 of 12 rows" in english.text and "The file is being made." in english.text
    with state.db.session() as session:
        session.execute(
            update(MonitoringExport)
            .where(MonitoringExport.id == export_id)
            .values(status=ExportStatus.WAITING, rows_done=0)
        )
    jobs.run_until_idle(state)
    assert "hx-trigger" not in client.get(address, headers={"HX-Request": "true"}).text


# ---------------------------------------------------------------------- who


def test_only_the_person_who_asked_sees_and_downloads_it(state: AppState, as_user: Any) -> None:
    mine = as_user("ib@regenboog.demo")
    page = mine.get("/monitoring/overstappen-per-reden", params={"from": "2020-01-01"})
    found = re.search(r'action="(/monitoring/overstappen-per-reden/exports\?[^"]+)"', page.text)
    assert found
    asked = mine.post(found.group(1).replace("&amp;", "&"), data={"format": "csv"})
    assert asked.status_code == 200  # followed to its page
    address = str(asked.url.path)
    jobs.run_until_idle(state)
    assert mine.get(f"{address}/download").status_code == 200
    colleague = as_user("leerkracht@regenboog.demo")  # the same school, another person
    stranger = as_user("swv@noord.demo")  # another organisation
    for other in (colleague, stranger):
        assert other.get(address).status_code == 404
        assert other.get(f"{address}/download").status_code == 404
        assert other.get(address, headers={"HX-Request": "true"}).status_code == 404
    assert mine.get(f"/monitoring/exports/{uuid.uuid4()}").status_code == 404


def test_who_lost_their_rights_before_the_job_ran_gets_the_reason_and_no_file(
    state: AppState, as_user: Any
) -> None:
    with state.db.session() as session:
        swv = session.scalar(select(Organisation).where(Organisation.code == "PO2001"))
        assert swv is not None
        create_user(session, "tijdelijk@noord.demo", "Tijdelijk", DEMO_PASSWORD, [("swv", swv)])
    client = as_user("tijdelijk@noord.demo")
    address = ask(client, "csv")
    with state.db.session() as session:
        user = export_of(state, address).user_id
        session.execute(delete(RoleAssignment).where(RoleAssignment.user_id == user))
    jobs.run_until_idle(state)
    export = export_of(state, address)
    assert export.status is ExportStatus.FAILED and export.problem == "no_access"
    assert export.sha256 is None
    page = client.get(address)
    assert page.status_code == 200 and "niet meer" in page.text and "hx-trigger" not in page.text
    english = client.get(address, params={"lang": "en"})
    assert "You no longer look at the figures of this organisation" in english.text
    assert client.get(f"{address}/download").status_code == 404


def test_a_done_export_is_not_downloaded_after_the_rights_are_gone(
    state: AppState, as_user: Any
) -> None:
    with state.db.session() as session:
        swv = session.scalar(select(Organisation).where(Organisation.code == "PO2001"))
        assert swv is not None
        create_user(session, "later@noord.demo", "Later", DEMO_PASSWORD, [("swv", swv)])
    client = as_user("later@noord.demo")
    address = ask(client, "xlsx")
    jobs.run_until_idle(state)
    assert client.get(f"{address}/download").status_code == 200
    with state.db.session() as session:
        user = export_of(state, address).user_id
        session.execute(delete(RoleAssignment).where(RoleAssignment.user_id == user))
    assert client.get(f"{address}/download").status_code == 404
    assert "niet meer" in client.get(address).text


# ---------------------------------------------------------------------- a worker that stopped


def test_the_sweep_defers_a_stalled_export_again_and_gives_up_after_three_runs(
    state: AppState, as_user: Any
) -> None:
    client = as_user("swv@noord.demo")
    address = ask(client, "csv", until="2026-04-30")
    export_id = uuid.UUID(address.rsplit("/", 1)[1])
    jobs.run_until_idle(state)
    assert export_of(state, address).status is ExportStatus.DONE
    with state.db.session() as session:
        long_ago = clock_of(session).now() - export_jobs.STALLED_AFTER - timedelta(minutes=1)
        # as a worker killed between two steps leaves it
        session.execute(
            update(MonitoringExport)
            .where(MonitoringExport.id == export_id)
            .values(status=ExportStatus.RUNNING, progressed_at=long_ago, sha256=None)
        )
    assert export_jobs.sweep(state) == 1
    again = export_of(state, address)
    assert again.status is ExportStatus.WAITING
    jobs.run_until_idle(state)
    again = export_of(state, address)
    assert again.status is ExportStatus.DONE and again.attempt == 2 and again.sha256
    assert export_jobs.sweep(state) == 0  # nothing stands still
    with state.db.session() as session:
        session.execute(
            update(MonitoringExport)
            .where(MonitoringExport.id == export_id)
            .values(
                status=ExportStatus.RUNNING,
                progressed_at=long_ago,
                attempt=export_jobs.MAX_ATTEMPTS,
            )
        )
    assert export_jobs.sweep(state) == 1
    failed = export_of(state, address)
    assert failed.status is ExportStatus.FAILED and failed.problem == "stalled"
    assert "later opnieuw" in client.get(address).text


def test_a_run_the_sweep_gave_up_on_stops_at_its_next_step(state: AppState, as_user: Any) -> None:
    client = as_user("swv@noord.demo")
    address = ask(client, "csv", until="2026-03-31")
    export_id = uuid.UUID(address.rsplit("/", 1)[1])
    started = export_jobs._start(state, export_id)
    assert started is not None and export_jobs._start(state, export_id) is None  # once
    with state.db.session() as session:  # the sweep: waiting again, the next run's
        session.execute(
            update(MonitoringExport)
            .where(MonitoringExport.id == export_id)
            .values(status=ExportStatus.WAITING)
        )
    assert export_jobs.make(state, export_id) is ExportStatus.DONE
    with pytest.raises(export_jobs.Superseded):
        export_jobs.progress(state, started, 10)
    assert export_of(state, address).attempt == 2
    jobs.run_until_idle(state)  # the job the request deferred finds it done


# ---------------------------------------------------------------------- the migration


def test_migration_0031_goes_down_and_up_and_matches_the_model(
    scratch_settings: Settings,
) -> None:
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    from runtime.db.base import Base
    from runtime.db.migrate import alembic_config

    upgrade(scratch_settings)
    engine = create_engine(scratch_settings.sqlalchemy_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert [d for d in differences if "monitoring_export" in str(d)] == []
        command.downgrade(alembic_config(scratch_settings), "0030")
        assert "monitoring_export" not in table_names(scratch_settings)
        assert "monitoring_report" in table_names(scratch_settings)
        upgrade(scratch_settings)
        assert "monitoring_export" in table_names(scratch_settings)
    finally:
        engine.dispose()
