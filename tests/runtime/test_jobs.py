"""The contract of runtime/jobs, the same on both job libraries: huey on SQLite, procrastinate
on PostgreSQL (POPO_TEST_DATABASE_URL). A job exists if and only if the transaction that
deferred it commits; a failing job is tried again with growing waits; a periodic task runs
once per due moment, also with two workers; a worker runs what is due."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from huey.storage import SqliteStorage

from runtime import jobs
from runtime.jobs.spec import Task, extra_tasks
from runtime.settings import Settings
from runtime.state import AppState

from .conftest import DATABASE_URL


class Rollback(Exception):
    pass


def ours(state: AppState, name: str) -> list[dict[str, Any]]:
    return [kwargs for task, kwargs in jobs.waiting(state) if task == name]


def run_workers(
    state: AppState, seconds: float, done: Callable[[], bool], workers: int = 1
) -> None:
    """``workers`` in-process workers (as the web process runs them), until ``done``."""

    async def main() -> None:
        running = [jobs.in_process_worker(state) for _ in range(workers)]
        for worker in running:
            await worker.start()
        deadline = time.monotonic() + seconds
        try:
            while time.monotonic() < deadline and not done():
                await asyncio.sleep(0.05)
        finally:
            for worker in running:
                await worker.stop()

    asyncio.run(main())


def test_a_job_exists_only_if_the_transaction_that_deferred_it_commits(
    app_state: AppState,
) -> None:
    ran: list[str] = []
    with extra_tasks(Task("remember", lambda state, tag: ran.append(tag))):
        with pytest.raises(Rollback), app_state.db.session() as session:
            jobs.defer(session, "remember", tag="rolled back")
            raise Rollback
        assert ours(app_state, "remember") == []
        with app_state.db.session() as session:
            jobs.defer(session, "remember", tag="committed")
        assert ours(app_state, "remember") == [{"tag": "committed"}]
        jobs.run_until_idle(app_state)
        assert ran == ["committed"]
        assert ours(app_state, "remember") == []


def test_defer_names_an_unknown_task(app_state: AppState) -> None:
    with pytest.raises(KeyError, match="no task 'nothing'"), app_state.db.session() as session:
        jobs.defer(session, "nothing")


def test_a_failing_job_is_tried_again_with_growing_waits_then_given_up(
    app_state: AppState,
) -> None:
    runs: list[float] = []

    def fails(state: AppState, tag: str) -> None:
        runs.append(time.monotonic())
        raise RuntimeError(f"failure {len(runs)} of {tag}")

    with extra_tasks(Task("fails", fails, attempts=3, delay=1.0, backoff=4.0)):
        with app_state.db.session() as session:
            jobs.defer(session, "fails", tag="x")
        run_workers(app_state, 15, lambda: len(runs) >= 3)
        assert len(runs) == 3
        first, second = runs[1] - runs[0], runs[2] - runs[1]
        # 1 s, then 4 s (workers look for due retries each second; a busy machine adds to
        # the waits, never takes from them)
        assert 0.9 <= first < 3.9, first
        assert 3.9 <= second < 15.0 and second > first, second
        time.sleep(1.5)
        assert len(runs) == 3 and ours(app_state, "fails") == []


def test_the_in_process_worker_runs_a_job_as_soon_as_it_is_committed(
    app_state: AppState,
) -> None:
    jobs.run_until_idle(app_state)  # what earlier tests left queued, so ours is not behind it
    ran: list[str] = []
    with extra_tasks(Task("prompt", lambda state, tag: ran.append(tag))):

        async def main() -> float:
            worker = jobs.in_process_worker(app_state)
            await worker.start()
            try:
                await asyncio.sleep(0.5)
                with app_state.db.session() as session:
                    jobs.defer(session, "prompt", tag="now")
                start = time.monotonic()
                while not ran and time.monotonic() - start < 10:
                    await asyncio.sleep(0.02)
                return time.monotonic() - start
            finally:
                await worker.stop()

        took = asyncio.run(main())
    assert ran == ["now"] and took < 2.0, took


def test_a_delayed_job_waits_its_time(app_state: AppState) -> None:
    ran: list[float] = []
    with extra_tasks(Task("later", lambda state: ran.append(time.monotonic()))):
        with app_state.db.session() as session:
            jobs.defer(session, "later", delay=2.0)
        deferred = time.monotonic()
        jobs.run_until_idle(app_state)
        assert ran == [] and len(ours(app_state, "later")) == 1
        run_workers(app_state, 10, lambda: bool(ran))
    assert ran and 1.9 <= ran[0] - deferred < 5.0


@pytest.mark.skipif(DATABASE_URL is not None, reason="huey's scheduler (SQLite)")
def test_a_periodic_task_is_run_at_its_moments_on_sqlite(app_state: AppState) -> None:
    ran: list[str] = []
    with extra_tasks(Task("every5", lambda state: ran.append("ran"), cron="*/5 * * * *")):
        jobs.run_until_idle(app_state)  # nothing periodic is due without a moment
        from runtime.jobs import sqlite

        sqlite.run_until_idle(app_state, now=datetime(2026, 12, 2, 10, 10))
        assert ran == ["ran"]
        sqlite.run_until_idle(app_state, now=datetime(2026, 12, 2, 10, 11))
        assert ran == ["ran"]


@pytest.mark.skipif(DATABASE_URL is None, reason="several workers share PostgreSQL")
def test_a_periodic_task_runs_once_per_moment_with_two_workers(app_state: AppState) -> None:
    moments: list[int] = []

    def tick(state: AppState, timestamp: int) -> None:
        moments.append(timestamp)

    with extra_tasks(Task("tick", tick, cron="* * * * * *")):  # every second
        run_workers(app_state, 4.5, lambda: False, workers=2)
    assert len(moments) >= 2, moments
    assert len(moments) == len(set(moments)), moments


def table_layout(path: Path) -> dict[str, Any]:
    connection = sqlite3.connect(path)
    try:
        layout: dict[str, Any] = {}
        for table in ("task", "schedule", "kv", "counter"):
            columns = [
                (name, affinity(kind), notnull, default, pk)
                for _, name, kind, notnull, default, pk in connection.execute(
                    f"PRAGMA table_info({table})"
                )
            ]
            indexes = sorted(
                (
                    index[1],
                    [row[2] for row in connection.execute(f"PRAGMA index_info({index[1]})")],
                )
                for index in connection.execute(f"PRAGMA index_list({table})")
            )
            layout[table] = {"columns": columns, "indexes": indexes}
        return layout
    finally:
        connection.close()


def affinity(kind: str) -> str:  # SQLite's rules for a declared type
    kind = kind.upper()
    if "INT" in kind:
        return "INTEGER"
    if any(word in kind for word in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if "BLOB" in kind or not kind:
        return "BLOB"
    if any(word in kind for word in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"


@pytest.mark.skipif(DATABASE_URL is not None, reason="huey's tables are in SQLite only")
def test_the_migrated_huey_tables_are_the_ones_the_installed_huey_makes(
    settings: Settings, tmp_path: Path
) -> None:
    SqliteStorage("popo", filename=str(tmp_path / "huey.db")).close()
    migrated = Path(settings.database_url.removeprefix("sqlite:///"))
    assert table_layout(migrated) == table_layout(tmp_path / "huey.db")
