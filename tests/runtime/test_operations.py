"""The operators' endpoints and what they read: /health, /ready with its checks, /metrics in
Prometheus' format (behind its token), and the request id from the proxy through the logs to
the jobs a request deferred."""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from pydantic import SecretStr

from runtime import jobs, logs
from runtime.app import create_app
from runtime.db.migrate import upgrade
from runtime.db.session import Database
from runtime.domains import AppSettings
from runtime.jobs.spec import Task, extra_tasks
from runtime.operations import checks
from runtime.state import AppState

from .conftest import log_in, own_database, with_csrf

TOKEN = "scrape-token-of-the-tests"


@pytest.fixture
def operated(seeded: AppState) -> Iterator[TestClient[Litestar]]:
    """The application with a metrics token, without a job worker of its own."""
    settings = seeded.settings.replace(
        inprocess_worker=False, configured_metrics_token=SecretStr(TOKEN)
    )
    state = dataclasses.replace(seeded, settings=settings, swept=True)
    with TestClient(create_app(settings, state), base_url="http://testserver.local") as client:
        yield client


def test_health_says_the_process_lives(anonymous: TestClient[Litestar]) -> None:
    answer = anonymous.get("/health")
    assert answer.status_code == 200 and answer.text == "ok\n"
    assert answer.headers["cache-control"] == "no-store"


def test_ready_when_the_database_answers_at_the_newest_schema(
    anonymous: TestClient[Litestar],
) -> None:
    answer = anonymous.get("/ready")
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert found["status"] == "ready"
    assert {name for name, check in found["checks"].items() if check["ok"]} == {
        "database",
        "schema",
        "files",
    }
    assert found["checks"]["schema"]["detail"] == f"at {checks.expected_revision()}"


def test_not_ready_on_a_schema_behind_the_code_or_no_database(tmp_path: Path) -> None:
    with own_database(tmp_path, "behind") as url:
        settings = AppSettings(database_url=url, data_dir=tmp_path / "var")
        upgrade(settings, "0029")
        state = AppState.create(settings)
        try:
            found = {c.name: c for c in checks.checks(state)}
            assert found["database"].ok and not found["schema"].ok
            assert "at 0029, expected" in found["schema"].detail
        finally:
            state.db.engine.dispose()
    gone = AppSettings(
        database_url="postgresql+psycopg://nobody@127.0.0.1:1/none", data_dir=tmp_path / "var"
    )
    state = dataclasses.replace(state, settings=gone, db=Database(gone))
    found = {c.name: c for c in checks.checks(state)}
    assert not found["database"].ok and "does not answer" in found["database"].detail


def test_not_ready_when_the_file_store_is_full_or_read_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert checks._files(tmp_path / "archive").ok  # made on its first file: its parent counts
    full = shutil.disk_usage(tmp_path)._replace(free=3 * 2**20)
    monkeypatch.setattr(checks.shutil, "disk_usage", lambda path: full)
    found = checks._files(tmp_path / "archive")
    assert not found.ok and found.detail.startswith("3 MB free on ")
    monkeypatch.undo()
    read_only = tmp_path / "read-only"
    read_only.mkdir()
    read_only.chmod(0o500)
    try:
        if os.access(read_only, os.W_OK):
            return  # root writes to read-only folders
        found = checks._files(read_only / "archive")
        assert not found.ok and "is not writable" in found.detail
    finally:
        read_only.chmod(0o700)


def test_metrics_only_with_the_token(operated: TestClient[Litestar]) -> None:
    assert operated.get("/metrics").status_code == 404  # the test client is no private address
    wrong = operated.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 404


def test_metrics_count_requests_by_route_and_read_the_database(
    operated: TestClient[Litestar],
) -> None:
    with_csrf(operated)
    log_in(operated, "ib@regenboog.demo")
    assert operated.get("/transfers").status_code == 200
    operated.get("/nothing/here/123")
    answer = operated.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = answer.text
    assert re.search(
        r'popo_http_requests_total\{method="GET",route="/transfers",status="200"\} \d', text
    )
    assert 'route="unmatched",status="404"' in text and "/nothing/here" not in text
    assert "popo_http_request_duration_seconds_bucket{" in text
    for name in ("popo_database_up 1.0", "popo_jobs_waiting", "popo_mail_waiting"):
        assert name in text, name
    assert re.search(r"^popo_audit_unchained \d", text, re.MULTILINE)


def test_a_request_id_is_answered_and_a_hostile_one_replaced(
    anonymous: TestClient[Litestar],
) -> None:
    made = anonymous.get("/health").headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    given = anonymous.get("/health", headers={"X-Request-ID": "lb-7f3a.91_x"})
    assert given.headers["x-request-id"] == "lb-7f3a.91_x"
    hostile = anonymous.get("/health", headers={"X-Request-ID": 'a b","level":"x' + "y" * 80})
    assert re.fullmatch(r"[0-9a-f]{32}", hostile.headers["x-request-id"])


def test_a_job_logs_with_the_id_of_the_request_that_deferred_it(
    seeded: AppState, caplog: pytest.LogCaptureFixture
) -> None:
    jobs.run_until_idle(seeded)  # what earlier tests left waiting
    said = logging.getLogger("popo.tests")

    def speak(state: AppState, tag: str) -> None:
        said.info("job ran", extra={"tag": tag})

    with extra_tasks(Task("speak", speak)), caplog.at_level(logging.INFO, "popo.tests"):
        with logs.serving("req-42"), seeded.db.session() as session:
            jobs.defer(session, "speak", tag="x")
        assert ("speak", {"tag": "x"}) in jobs.waiting(seeded)  # its body's arguments only
        with seeded.db.session() as session:
            assert jobs.pending(session, "speak", tag="x")
        caplog.handler.addFilter(logs._RequestId())
        jobs.run_until_idle(seeded)
    ran = [r for r in caplog.records if r.getMessage() == "job ran"]
    assert ran and ran[0].tag == "x" and ran[0].request_id == "req-42"
