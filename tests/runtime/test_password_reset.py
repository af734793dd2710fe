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

from runtime.access import controllers as access_routes
from runtime.app import create_app
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


def test_a_reset_link_by_mail_sets_a_new_password_once(
    smtp: tuple[Inbox, int], settings: Settings, seeded: AppState
) -> None:
    inbox, port = smtp
    mail_settings = dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=port)
    state = dataclasses.replace(seeded, settings=mail_settings)
    app = create_app(mail_settings, state)
    with TestClient(app, base_url="http://mail.local") as client:
        with_csrf(client)
        unknown = client.post("/password/forgot", data={"email": "niemand@example.org"})
        known = client.post("/password/forgot", data={"email": "privacy@regenboog.demo"})
        assert unknown.text.count("we have sent a link") == known.text.count("we have sent a link")
        deadline = time.time() + 5
        while not inbox.messages and time.time() < deadline:
            time.sleep(0.05)
        assert len(inbox.messages) == 1  # only the known address gets mail
        message = inbox.messages[0]
        assert message["To"] == "privacy@regenboog.demo"
        body = message.get_payload(decode=True).decode()
        link = re.search(r"http://mail\.local(/password/reset/\S+)", body)
        assert link, body
        path = link.group(1)
        short = client.post(path, data={"password": "kort", "password_again": "kort"})
        assert short.status_code == 400
        new = "een-nieuw-wachtwoord-2027"
        done = client.post(
            path, data={"password": new, "password_again": new}, follow_redirects=False
        )
        assert done.status_code == 303 and done.headers["location"] == "/login?reset=1"
        again = client.post(path, data={"password": new, "password_again": new})
        assert again.status_code == 400  # single use
        old = client.post(
            "/login", data={"email": "privacy@regenboog.demo", "password": DEMO_PASSWORD}
        )
        assert old.status_code == 401
        ok = client.post(
            "/login",
            data={"email": "privacy@regenboog.demo", "password": new},
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
