"""Password reset by e-mail, delivered to a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
import re
import socket
import statistics
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes
from typing import Any

import httpx
import pytest
import uvicorn
from aiosmtpd.controller import Controller
from argon2 import PasswordHasher
from litestar.testing import TestClient
from sqlalchemy import delete, select

from runtime import cli, outbox
from runtime.access import accounts
from runtime.access.models import AccessAttempt, UserAccount
from runtime.app import create_app
from runtime.db.session import Database
from runtime.demo import DEMO_PASSWORD
from runtime.outbox import OutboxMessage
from runtime.settings import Settings
from runtime.state import AppState

from .conftest import with_csrf


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture(autouse=True)
def empty_outbox(seeded: AppState) -> Iterator[None]:
    """Mail a test left unsent would otherwise reach the next test's mail server."""
    with seeded.db.session() as session:
        session.execute(delete(OutboxMessage))
    yield
    with seeded.db.session() as session:
        session.execute(delete(OutboxMessage))


def wait_for_mail(inbox: Inbox, count: int, seconds: float = 10.0) -> list[Any]:
    deadline = time.time() + seconds
    while len(inbox.messages) < count and time.time() < deadline:
        time.sleep(0.05)
    return inbox.messages


def mail_app(settings: Settings, seeded: AppState, port: int, **changes: Any) -> Any:
    """The application sending mail to the SMTP server on ``port``."""
    changed = settings.replace(smtp_host="127.0.0.1", smtp_port=port, **changes)
    return create_app(changed, dataclasses.replace(seeded, settings=changed, pdf_pool=None))


def new_account(seeded: AppState, email: str) -> None:
    with seeded.db.session() as session:
        accounts.create_user(session, email, "Test Account", DEMO_PASSWORD, [])


def reset_path(message: Any, base: str) -> str:
    body = message.get_payload(decode=True).decode()
    link = re.search(re.escape(base) + r"(/password/reset/\S+)", body)
    assert link, body
    return link.group(1)


def test_the_reset_link_uses_the_configured_address_not_the_host_header(
    smtp: tuple[Inbox, int], settings: Settings, seeded: AppState
) -> None:
    inbox, port = smtp
    new_account(seeded, "host-header@example.org")
    app = mail_app(settings, seeded, port, base_url="https://popo.regio.example")
    with TestClient(app, base_url="http://popo.local") as client:
        with_csrf(client)
        client.post(
            "/password/forgot",
            data={"email": "host-header@example.org"},
            headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"},
        )
        (message,) = wait_for_mail(inbox, 1)
        body = message.get_payload(decode=True).decode()
        assert "evil.example" not in body
        assert reset_path(message, "https://popo.regio.example").startswith("/password/reset/")


def test_a_reset_link_ends_when_another_is_used_or_the_password_changes(
    smtp: tuple[Inbox, int], settings: Settings, seeded: AppState
) -> None:
    inbox, port = smtp
    new_account(seeded, "two-links@example.org")
    app = mail_app(settings, seeded, port)
    new = "een-nieuw-wachtwoord-2027"
    with TestClient(app, base_url="http://popo.local") as client:
        with_csrf(client)
        for _ in range(2):
            client.post("/password/forgot", data={"email": "two-links@example.org"})
        older, newer = (reset_path(m, "http://127.0.0.1:8000") for m in wait_for_mail(inbox, 2))
        done = client.post(
            newer, data={"password": new, "password_again": new}, follow_redirects=False
        )
        assert done.status_code == 303
        late = client.post(older, data={"password": new, "password_again": new})
        assert late.status_code == 400 and "verlopen of al gebruikt" in late.text

        client.post("/password/forgot", data={"email": "two-links@example.org"})
        (*_, third) = wait_for_mail(inbox, 3)
        with seeded.db.session() as session:  # the password changes another way (not by link)
            user = session.scalar(
                select(UserAccount).where(UserAccount.email == "two-links@example.org")
            )
            assert user is not None
            accounts.set_password(session, user, "nog-een-ander-wachtwoord")
        path = reset_path(third, "http://127.0.0.1:8000")
        late = client.post(path, data={"password": new, "password_again": new})
        assert late.status_code == 400 and "verlopen of al gebruikt" in late.text


def test_a_reset_link_by_mail_sets_a_new_password_once(
    smtp: tuple[Inbox, int], settings: Settings, seeded: AppState
) -> None:
    inbox, port = smtp
    new_account(seeded, "once@example.org")
    app = mail_app(settings, seeded, port, base_url="http://mail.local")
    with TestClient(app, base_url="http://mail.local") as client:
        with_csrf(client)
        unknown = client.post("/password/forgot", data={"email": "niemand@example.org"})
        known = client.post("/password/forgot", data={"email": "once@example.org"})
        assert unknown.status_code == known.status_code == 200
        assert "hebben we een link gestuurd" in known.text and unknown.text == known.text
        (message,) = wait_for_mail(inbox, 1)  # only the known address gets mail
        assert message["To"] == "once@example.org"
        path = reset_path(message, "http://mail.local")
        short = client.post(path, data={"password": "kort", "password_again": "kort"})
        assert short.status_code == 400
        new = "een-nieuw-wachtwoord-2027"
        done = client.post(
            path, data={"password": new, "password_again": new}, follow_redirects=False
        )
        assert done.status_code == 303 and done.headers["location"] == "/login?reset=1"
        again = client.post(path, data={"password": new, "password_again": new})
        assert again.status_code == 400  # single use
        old = client.post("/login", data={"email": "once@example.org", "password": DEMO_PASSWORD})
        assert old.status_code == 401
        ok = client.post(
            "/login",
            data={"email": "once@example.org", "password": new},
            follow_redirects=False,
        )
        assert ok.status_code == 303


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def forget_attempts(seeded: AppState) -> None:
    """Limits count per network address, and every test client has the same one."""
    with seeded.db.session() as session:
        session.execute(delete(AccessAttempt))


def test_forgot_answers_the_same_while_smtp_is_down_and_the_mail_follows_later(
    settings: Settings, seeded: AppState
) -> None:
    port = free_port()  # nothing listens here yet: the mail server is down
    new_account(seeded, "smtp-down@example.org")
    app = mail_app(settings, seeded, port, mail_retry_seconds=0.1)
    with TestClient(app, base_url="http://popo.local") as client:
        with_csrf(client)
        known = client.post("/password/forgot", data={"email": "smtp-down@example.org"})
        unknown = client.post("/password/forgot", data={"email": "smtp-nobody@example.org"})
        assert known.status_code == unknown.status_code == 200
        assert known.text == unknown.text and "hebben we een link gestuurd" in known.text
        deadline = time.time() + 10
        while time.time() < deadline:  # the sender tries, fails and records why
            with seeded.db.session() as session:
                waiting = session.scalars(
                    select(OutboxMessage).where(OutboxMessage.recipient == "smtp-down@example.org")
                ).all()
                if waiting and waiting[0].attempts >= 2 and waiting[0].last_error:
                    break
            time.sleep(0.05)
        assert len(waiting) == 1 and waiting[0].sent_at is None and waiting[0].last_error
        inbox = Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()  # the mail server is back
        try:
            (message,) = wait_for_mail(inbox, 1)
        finally:
            controller.stop()
        assert message["To"] == "smtp-down@example.org"
        deadline = time.time() + 10
        while time.time() < deadline:
            with seeded.db.session() as session:
                sent = session.get(OutboxMessage, waiting[0].id)
            if sent is not None and sent.sent_at is not None:
                break
            time.sleep(0.05)
        assert sent is not None and sent.sent_at is not None and sent.last_error is None
        assert sent.body == ""  # the link is not kept once sent


class SlowInbox(Inbox):
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(1.5)
        return await super().handle_DATA(server, session, envelope)


def test_forgot_takes_as_long_for_a_known_address_as_for_an_unknown_one(
    settings: Settings, seeded: AppState
) -> None:
    inbox, port = SlowInbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    known = [f"timing{n}@example.org" for n in range(7)]
    for email in known:
        new_account(seeded, email)
    app = mail_app(settings, seeded, port)
    try:
        with TestClient(app, base_url="http://popo.local") as client:
            with_csrf(client)

            def timed(email: str) -> float:
                started = time.perf_counter()
                assert client.post("/password/forgot", data={"email": email}).status_code == 200
                return time.perf_counter() - started

            # a slow mail server: the request does not wait for it
            first = timed(known[0])
            assert first < 1.0, first
            times_known, times_unknown = [], []
            for n, email in enumerate(known[1:]):
                times_known.append(timed(email))
                times_unknown.append(timed(f"timing-unknown{n}@example.org"))
            difference = statistics.median(times_known) - statistics.median(times_unknown)
            assert abs(difference) < 0.1, (times_known, times_unknown)
            wait_for_mail(inbox, 1)
    finally:
        controller.stop()


def test_the_forgot_form_is_limited_per_network_address_and_per_account(
    smtp: tuple[Inbox, int], settings: Settings, seeded: AppState
) -> None:
    inbox, port = smtp
    forget_attempts(seeded)
    new_account(seeded, "many-links@example.org")
    app = mail_app(settings, seeded, port, login_attempts_per_address=6)
    with TestClient(app, base_url="http://popo.local") as client:
        with_csrf(client)
        answers = [
            client.post("/password/forgot", data={"email": "many-links@example.org"})
            for _ in range(accounts.RESETS_PER_EMAIL + 3)
        ]
        assert [a.status_code for a in answers] == [200] * len(answers)
        assert len({a.text for a in answers}) == 1  # the same answer, mail or not
        refused = client.post("/password/forgot", data={"email": "another@example.org"})
        assert refused.status_code == 429 and "Te veel pogingen vanaf uw netwerk" in refused.text
        wait_for_mail(inbox, accounts.RESETS_PER_EMAIL)
        time.sleep(1.5)  # the sender had time for more, but there are no more
        assert len(inbox.messages) == accounts.RESETS_PER_EMAIL
    forget_attempts(seeded)


def test_the_outbox_command_lists_and_sends_pending_mail(
    smtp: tuple[Inbox, int], settings: Settings, seeded: AppState, monkeypatch: Any
) -> None:
    inbox, port = smtp
    with seeded.db.session() as session:
        outbox.enqueue(session, "operator@example.org", "Test", "Hallo")
    monkeypatch.setenv("POPO_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("POPO_DATA_DIR", str(settings.data_dir))
    out = io.StringIO()
    assert cli.main(["mail", "pending"], out) == 0
    assert "operator@example.org: Test (0 attempt(s)" in out.getvalue()
    monkeypatch.setenv("POPO_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("POPO_SMTP_PORT", str(port))
    out = io.StringIO()
    assert cli.main(["mail", "send-pending"], out) == 0
    assert "sent 1, failed 0" in out.getvalue()
    assert [m["To"] for m in inbox.messages] == ["operator@example.org"]
    out = io.StringIO()
    cli.main(["mail", "pending"], out)
    assert "0 message(s) waiting" in out.getvalue()


def log_in_as(client: Any, email: str, password: str = DEMO_PASSWORD, **headers: str) -> int:
    response = client.post(
        "/login",
        data={"email": email, "password": password},
        headers=headers,
        follow_redirects=False,
    )
    return int(response.status_code)


def test_only_failed_logins_count_and_every_process_counts_them(
    settings: Settings, seeded: AppState
) -> None:
    forget_attempts(seeded)
    limited = settings.replace(login_attempts_per_address=5)
    first = create_app(limited, dataclasses.replace(seeded, settings=limited))
    # a second application on the same database, as another process would be
    second = create_app(
        limited, dataclasses.replace(seeded, settings=limited, db=Database(limited))
    )
    with (
        TestClient(first, base_url="http://limit.local") as one,
        TestClient(second, base_url="http://limit.local") as two,
    ):
        with_csrf(one)
        with_csrf(two)
        assert [log_in_as(one, "ib@regenboog.demo") for _ in range(20)] == [303] * 20
        statuses = [
            log_in_as(client, f"x{n}@example.org", "x")
            for n, client in enumerate([one, two, one, two, one])
        ]
        assert statuses == [401] * 5
        assert log_in_as(one, "ib@regenboog.demo") == 429  # the network address is refused
        assert log_in_as(two, "ib@regenboog.demo") == 429
    forget_attempts(seeded)


def test_forwarded_for_is_ignored_unless_the_request_comes_from_a_trusted_proxy(
    settings: Settings, seeded: AppState
) -> None:
    forget_attempts(seeded)
    limited = settings.replace(login_attempts_per_address=3)
    spoofed = create_app(limited, dataclasses.replace(seeded, settings=limited))
    with TestClient(spoofed, base_url="http://spoof.local") as client:
        with_csrf(client)
        statuses = [
            log_in_as(client, "x@example.org", "x", **{"X-Forwarded-For": f"198.51.100.{n}"})
            for n in range(4)
        ]
        assert statuses == [401, 401, 401, 429]  # one client, however it calls itself
    forget_attempts(seeded)
    behind = limited.replace(trusted_proxies=("127.0.0.0/8", "::1"))
    proxied = create_app(behind, dataclasses.replace(seeded, settings=behind))
    with live_server(proxied) as client:  # requests come from 127.0.0.1, the trusted proxy
        first = {"X-Forwarded-For": "198.51.100.7, 127.0.0.1"}
        assert [log_in_as(client, "x@example.org", "x", **first) for _ in range(4)] == [
            401,
            401,
            401,
            429,
        ]
        other = {"X-Forwarded-For": "203.0.113.9"}  # another person behind the same proxy
        assert log_in_as(client, "ib@regenboog.demo", **other) == 303
        with seeded.db.session() as session:
            addresses = set(session.scalars(select(AccessAttempt.address)))
        assert addresses == {"198.51.100.7"}
    forget_attempts(seeded)


@contextlib.contextmanager
def live_server(app: Any) -> Iterator[httpx.Client]:
    """The application served by uvicorn on a free port, and a client that sends the
    anti-forgery token like the pages do."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.02)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)

    def add_token(request: httpx.Request) -> None:
        token = client.cookies.get("csrftoken")
        if token:
            request.headers["x-csrftoken"] = token

    client.event_hooks["request"].append(add_token)
    try:
        client.get("/login")
        yield client
    finally:
        client.close()
        server.should_exit = True
        thread.join(30)


def test_a_login_does_not_hold_other_requests_while_it_checks_the_password(
    settings: Settings, seeded: AppState
) -> None:
    slow = PasswordHasher(time_cost=16, memory_cost=65536)  # about a second on a CI machine
    with seeded.db.session() as session:
        user = accounts.create_user(session, "slow-hash@example.org", "Slow", "x" * 12, [])
        user.password_hash = slow.hash(DEMO_PASSWORD)
    app = create_app(settings, seeded)
    with live_server(app) as client:
        finished: dict[str, float] = {}

        def slow_login() -> None:
            status = log_in_as(client, "slow-hash@example.org", "wrong-password")
            finished["login"] = time.perf_counter()
            finished["status"] = status

        other = httpx.Client(base_url=client.base_url, timeout=30)
        login = threading.Thread(target=slow_login)
        login.start()
        time.sleep(0.3)  # the login is checking the password now
        started = time.perf_counter()
        assert other.get("/password/forgot").status_code == 200
        answered = time.perf_counter()
        login.join(30)
        other.close()
        assert finished["status"] == 401
        assert answered < finished["login"], (answered - started, finished["login"] - started)
        assert answered - started < 0.5
    forget_attempts(seeded)
