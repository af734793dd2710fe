"""Logs of the real server (``popo serve``): JSON from the first line to the last, every
request once (without its query string), every server error with its traceback."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from runtime.logs import loggable_path
from runtime.settings import REPOSITORY

PORT = 8106


def popo(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "runtime.cli", *args],
        cwd=REPOSITORY,
        env=env,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[httpx.Client, Path, subprocess.Popen[str]]]:
    database = tmp_path / "popo.sqlite3"
    env = {
        **os.environ,
        "PYTHONPATH": str(REPOSITORY),
        "POPO_DATABASE_URL": f"sqlite:///{database}",
        "POPO_DATA_DIR": str(tmp_path / "var"),
        "POPO_PDF_WORKERS": "1",
        "POPO_LOG_FORMAT": "json",
    }
    env.pop("POPO_LOG_LEVEL", None)
    popo(env, "db", "upgrade")
    popo(env, "demo")
    process = subprocess.Popen(
        [sys.executable, "-m", "runtime.cli", "serve", "--port", str(PORT)],
        cwd=REPOSITORY,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    client = httpx.Client(base_url=f"http://127.0.0.1:{PORT}", timeout=30)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if client.get("/login").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, "the server stopped"
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        yield client, database, process
    finally:
        client.close()
        process.terminate()
        process.wait(30)


def log_in(client: httpx.Client) -> None:
    from runtime.demo import DEMO_PASSWORD

    client.get("/login")
    response = client.post(
        "/login",
        data={"email": "ib@regenboog.demo", "password": DEMO_PASSWORD},
        headers={"x-csrftoken": client.cookies["csrftoken"]},
    )
    assert response.status_code == 303, response.text[:300]


def test_the_server_logs_json_every_request_and_every_error_with_its_traceback(
    server: tuple[httpx.Client, Path, subprocess.Popen[str]],
) -> None:
    client, database, process = server
    log_in(client)
    started = client.post(
        "/forms/adviesformulier-noord/start",
        headers={"x-csrftoken": client.cookies["csrftoken"]},
        follow_redirects=False,
    )
    draft = started.headers["location"]
    assert client.get(draft, follow_redirects=True).status_code == 200
    # a draft row that the application cannot read (a bug, a bad migration, a disk error)
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE draft SET answers = '\"kapot\"'")
    broken = client.get(f"{draft}/pages/leerling?bsn=111222333")
    assert broken.status_code == 500
    assert broken.headers["content-type"] == "text/html; charset=utf-8"
    assert "Er is iets misgegaan" in broken.text
    process.terminate()
    process.wait(30)
    assert process.stderr is not None
    lines = [line for line in process.stderr.read().splitlines() if line.strip()]
    entries: list[dict[str, Any]] = []
    for line in lines:
        try:
            entries.append(json.loads(line))
        except ValueError:
            pytest.fail(f"not a JSON log line: {line!r}\n" + "\n".join(lines))
    assert any(e["logger"] == "popo.app" and e["event"] == "started" for e in entries)
    errors = [e for e in entries if e["logger"] == "popo.error"]
    assert len(errors) == 1, entries
    error = errors[0]
    assert error["level"] == "error" and "Traceback (most recent call last)" in error["exception"]
    assert error["path"] == f"{draft}/pages/leerling"
    assert error["reference"] in broken.text  # the person can quote it
    requests = [e for e in entries if e["logger"] == "popo.request"]
    assert {"method", "path", "status", "duration_ms"} <= set(requests[0])
    failed = [r for r in requests if r["status"] == 500]
    assert [(r["method"], r["path"]) for r in failed] == [("GET", f"{draft}/pages/leerling")]
    assert any(r["path"] == "/login" and r["method"] == "POST" for r in requests)
    assert "111222333" not in "\n".join(lines)  # no query string, no BSN


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/p/s3cr3t-token/messages", "/p/…/messages"),
        ("/r/abc/pages/x", "/r/…/pages/x"),
        ("/start/abc", "/start/…"),
        ("/password/reset/abc", "/password/reset/…"),
        ("/transfers/123", "/transfers/123"),
    ],
)
def test_the_secret_of_a_link_is_never_logged(path: str, logged: str) -> None:
    assert loggable_path(path) == logged
