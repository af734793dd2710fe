"""PDF archiving as a job: submitting commits at once and defers the rendering; the page says
the form is being archived until the PDF is there; a worker killed (SIGKILL) while rendering
loses nothing, because the sweep defers the job again."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from runtime import jobs
from runtime.app import create_app
from runtime.forms import archive
from runtime.settings import REPOSITORY
from runtime.state import AppState

from .conftest import log_in, with_csrf
from .test_archive import ADVIES, archived, submission_of, submit


@pytest.fixture
def without_worker(seeded: AppState) -> Iterator[tuple[TestClient[Litestar], AppState]]:
    """The application without its in-process worker: jobs wait until a worker runs them."""
    settings = seeded.settings.replace(inprocess_worker=False)
    state = dataclasses.replace(seeded, settings=settings, swept=True)
    with TestClient(create_app(settings, state), base_url="http://testserver.local") as client:
        with_csrf(client)
        log_in(client, "ib@regenboog.demo")
        yield client, state


def render_jobs(state: AppState, submission_id: object) -> list[dict[str, object]]:
    return [
        kwargs
        for name, kwargs in jobs.waiting(state)
        if name == "render_archive" and kwargs["submission_id"] == str(submission_id)
    ]


def test_submit_answers_at_once_and_the_page_says_being_archived_until_the_job_ran(
    without_worker: tuple[TestClient[Litestar], AppState],
) -> None:
    client, state = without_worker
    base = submit(client, pages=ADVIES)
    submitted = submission_of(state, base)
    assert submitted.pdf_sha256 is None and len(render_jobs(state, submitted.id)) == 1
    page = client.get(f"{base}/submission").text
    assert "Het wordt nu als PDF gearchiveerd" in page and 'hx-trigger="every 5s"' in page
    english = client.get(f"{base}/submission?lang=en").text
    assert "It is being archived as a PDF: this page shows when that is done." in english
    jobs.run_until_idle(state)
    done = submission_of(state, base)
    assert done.pdf_sha256 and state.archive.exists(done.pdf_sha256)
    page = client.get(f"{base}/submission?lang=nl").text
    assert "gearchiveerd" not in page and f'href="{base}/submission.pdf"' in page


def start_worker(state: AppState) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPOSITORY),
        "POPO_DATABASE_URL": state.settings.database_url,
        "POPO_DATA_DIR": str(state.settings.data_dir),
        "POPO_LOG_FORMAT": "text",
        "POPO_PDF_WORKERS": "1",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from runtime.cli import main; sys.exit(main())",
            "worker",
        ],
        env=env,
        cwd=REPOSITORY,
        start_new_session=True,  # its own process group: the PDF processes are killed with it
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_a_worker_killed_while_rendering_loses_nothing(
    without_worker: tuple[TestClient[Litestar], AppState],
) -> None:
    client, state = without_worker
    base = submit(client, pages=ADVIES)
    submission_id = submission_of(state, base).id
    worker = start_worker(state)
    try:
        deadline = time.monotonic() + 60
        while render_jobs(state, submission_id) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not render_jobs(state, submission_id), "the worker took the job"
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # kill -9, mid-job: rendering takes seconds
        worker.wait()
    assert submission_of(state, base).pdf_sha256 is None, "killed before the PDF was stored"

    # the periodic sweep (here: at once, not minutes later) defers the job again
    assert archive.requeue_missing(state, older_than=timedelta(0)) >= 1
    worker = start_worker(state)
    try:
        done = archived(state, base, seconds=120)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
    assert done.pdf_sha256 and state.archive.exists(done.pdf_sha256)
    assert client.get(f"{base}/submission.pdf").status_code == 200
