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
    """The application without its in-process worker: jobs wait until a worker runs them.
    What earlier tests left in the queue (PDFs of their forms, mail) is run first, so that a
    worker started here finds this test's job at once, not behind theirs."""
    jobs.run_until_idle(seeded)
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


# ------------------------------------------------- the PDF asked for before its job made it


def test_a_pdf_asked_for_before_its_job_ran_is_queued_once_and_not_rendered_in_the_request(
    without_worker: tuple[TestClient[Litestar], AppState],
) -> None:
    client, state = without_worker
    base = submit(client, pages=ADVIES)
    submitted = submission_of(state, base)
    for _ in range(3):  # asked again and again: the one job of the submit stays the only one
        early = client.get(f"{base}/submission.pdf")
        assert early.status_code == 202 and early.headers["retry-after"].isdigit()
        assert early.headers["content-type"].startswith("text/html")
        assert "De PDF wordt gemaakt" in early.text
        assert f'<a href="{base}/submission">Terug naar de verzending</a>' in early.text
    assert submission_of(state, base).pdf_sha256 is None  # not rendered in the request
    assert len(render_jobs(state, submitted.id)) == 1

    jobs.run_until_idle(state)
    digest = submission_of(state, base).pdf_sha256
    assert digest and client.get(f"{base}/submission.pdf").content.startswith(b"%PDF")

    # the PDF lost from the store: a download queues its job (once), in the person's language
    state.archive.path(digest).unlink()
    assert render_jobs(state, submitted.id) == []
    for _ in range(2):
        lost = client.get(f"{base}/submission.pdf?lang=en")
        assert lost.status_code == 202 and "The PDF is being made" in lost.text
        assert "Back to the submission" in lost.text
    assert len(render_jobs(state, submitted.id)) == 1
    archive.requeue_missing(state, older_than=timedelta(0))  # the sweep (others' too)
    assert len(render_jobs(state, submitted.id)) == 1  # this one's job is pending: not again
    jobs.run_until_idle(state)
    again = client.get(f"{base}/submission.pdf")
    assert again.status_code == 200 and again.headers["content-type"] == "application/pdf"
    assert state.archive.exists(digest)


# ------------------------------------------------------- the submission page's status poll


def audit_rows(state: AppState, base: str) -> int:
    from sqlalchemy import func, select

    from runtime.audit.models import AuditEvent

    with state.db.session() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.object_id == base.rsplit("/", 1)[-1])
            )
            or 0
        )


def test_the_submission_pages_poll_writes_no_audit_rows_reveals_nothing_and_stops_when_ready(
    without_worker: tuple[TestClient[Litestar], AppState],
) -> None:
    client, state = without_worker
    base = submit(client, pages=ADVIES)
    page = client.get(f"{base}/submission").text
    assert f'hx-get="{base}/submission/status"' in page and 'hx-trigger="every 5s"' in page
    assert f'<a href="{base}/submission">Vernieuwen</a>' in page  # without JavaScript
    before = audit_rows(state, base)
    for _ in range(10):
        poll = client.get(f"{base}/submission/status", headers={"HX-Request": "true"})
        assert poll.status_code == 200 and poll.headers["cache-control"] == "no-store"
        assert poll.text.strip().startswith('<p class="pdf-pending" id="pdf-status"')
        assert 'hx-trigger="every 5s"' in poll.text and "gearchiveerd" in poll.text
        assert "Jansen" not in poll.text and "<html" not in poll.text  # a fragment, no pupil
    assert audit_rows(state, base) == before

    jobs.run_until_idle(state)
    done = client.get(f"{base}/submission/status?lang=en", headers={"HX-Request": "true"})
    assert "The PDF is ready." in done.text and 'id="pdf-status"' in done.text
    assert "hx-trigger" not in done.text and "hx-get" not in done.text  # the polling stops
    assert audit_rows(state, base) == before


def test_the_status_of_another_organisations_submission_is_not_found(
    without_worker: tuple[TestClient[Litestar], AppState],
) -> None:
    client, state = without_worker
    base = submit(client, pages=ADVIES)
    assert client.get(f"{base}/submission/status").status_code == 200
    path = base.replace("http://testserver.local", "")
    with TestClient(client.app, base_url="http://testserver.local") as other:
        with_csrf(other)
        log_in(other, "ib@kompas.demo")
        assert other.get(f"{path}/submission/status").status_code == 404
        assert other.get(f"{path}/submission").status_code == 404
    with TestClient(client.app, base_url="http://testserver.local") as nobody:
        assert nobody.get(f"{path}/submission/status", follow_redirects=False).status_code in (
            303,
            401,
        )
    unknown = "/drafts/00000000-0000-0000-0000-000000000000/submission/status"
    assert client.get(unknown).status_code == 404
    assert audit_rows(state, base) >= 1


def test_a_pool_shut_down_by_another_application_sharing_the_state_is_replaced(
    seeded: AppState,
) -> None:
    """Two applications built on one state share its PDF workers; when one stops, the other
    still renders: the shut-down pool is replaced, the work done."""
    seeded.workers()
    other = dataclasses.replace(seeded)
    other.stop_workers()  # the shared pool is shut down
    assert archive.in_worker(seeded, bytes, 3) == b"\x00\x00\x00"
