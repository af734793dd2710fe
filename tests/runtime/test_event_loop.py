"""One slow request never holds the others: database work runs off the event loop.

A real server (uvicorn) serves the application; the test holds the database so that a page of a
draft has to wait for it, and checks that other people's requests are answered meanwhile.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest
import uvicorn
from litestar import Litestar
from sqlalchemy import text

from runtime.state import AppState


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live(app: Litestar, seeded: AppState) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def logged_in(base: str, email: str = "ib@regenboog.demo") -> httpx.Client:
    from runtime.demo import DEMO_PASSWORD

    client = httpx.Client(base_url=base, timeout=30, follow_redirects=True)
    client.get("/login")
    client.headers["x-csrftoken"] = client.cookies["csrftoken"]
    response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code in (200, 303), response.text[:300]
    return client


@contextmanager
def database_held(popo: AppState) -> Iterator[None]:
    """Another process's long transaction: on SQLite the write lock, on PostgreSQL a lock on
    the draft table, so that any request that reads a draft waits."""
    with popo.db.engine.connect() as connection:
        if popo.settings.is_sqlite:
            connection.execute(text("SELECT 1"))  # the engine's begin hook: BEGIN IMMEDIATE
        else:
            connection.execute(text("LOCK TABLE draft IN ACCESS EXCLUSIVE MODE"))
        try:
            yield
        finally:
            connection.rollback()


def test_a_request_waiting_for_the_database_does_not_hold_other_requests(
    live: str, seeded: AppState
) -> None:
    staff = logged_in(live)
    started = staff.post("/forms/overstapformulier-noord/start")
    assert started.status_code == 200, started.text[:300]
    page_url = str(started.url)
    with ThreadPoolExecutor(2) as pool, database_held(seeded):
        waiting = pool.submit(staff.get, page_url)
        time.sleep(0.3)  # the page request is now waiting for the database
        assert not waiting.done()
        began = time.monotonic()
        other = httpx.get(f"{live}/login", timeout=10)
        answered_in = time.monotonic() - began
        assert other.status_code == 200
        assert answered_in < 1.0, f"/login waited {answered_in:.1f} s for another request"
        assert not waiting.done()
    assert waiting.result(timeout=15).status_code == 200  # and the waiting page is served
