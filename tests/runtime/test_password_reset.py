"""Password reset by e-mail, delivered to a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import dataclasses
import re
import socket
import time
from collections.abc import Iterator
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from litestar.testing import TestClient
from sqlalchemy import select

from runtime.access import accounts
from runtime.access import controllers as access_routes
from runtime.app import create_app
from runtime.db.models import UserAccount
from runtime.demo import DEMO_PASSWORD
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


def wait_for_mail(inbox: Inbox, count: int, seconds: float = 10.0) -> list[Any]:
    deadline = time.time() + seconds
    while len(inbox.messages) < count and time.time() < deadline:
        time.sleep(0.05)
    return inbox.messages


def mail_app(settings: Settings, seeded: AppState, port: int, **changes: Any) -> Any:
    """The application sending mail to the SMTP server on ``port``."""
    changed = dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=port, **changes)
    return create_app(changed, dataclasses.replace(seeded, settings=changed))


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
        for _ in range(3):
            client.post("/password/forgot", data={"email": "two-links@example.org"})
        first, second, third = (
            reset_path(m, "http://127.0.0.1:8000") for m in wait_for_mail(inbox, 3)
        )
        done = client.post(
            second, data={"password": new, "password_again": new}, follow_redirects=False
        )
        assert done.status_code == 303
        for older_or_newer in (first, third):  # every outstanding link ended with the change
            late = client.post(older_or_newer, data={"password": new, "password_again": new})
            assert late.status_code == 400 and "verlopen of al gebruikt" in late.text

        client.post("/password/forgot", data={"email": "two-links@example.org"})
        (*_, fourth) = wait_for_mail(inbox, 4)
        with seeded.db.session() as session:  # the password changes another way (not by link)
            user = session.scalar(
                select(UserAccount).where(UserAccount.email == "two-links@example.org")
            )
            assert user is not None
            accounts.set_password(session, user, "nog-een-ander-wachtwoord")
        path = reset_path(fourth, "http://127.0.0.1:8000")
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


def test_logins_from_one_address_are_limited(settings: Settings, seeded: AppState) -> None:
    limited = dataclasses.replace(settings, login_attempts_per_address=5)
    app = create_app(limited, dataclasses.replace(seeded, settings=limited))
    access_routes._attempts.clear()
    with TestClient(app, base_url="http://limit.local") as client:
        with_csrf(client)
        statuses = [
            client.post("/login", data={"email": f"x{n}@example.org", "password": "x"}).status_code
            for n in range(6)
        ]
    access_routes._attempts.clear()
    assert statuses[-1] == 429 and set(statuses[:-1]) == {401}
