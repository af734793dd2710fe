"""Every error a person can meet is a page in their language (never raw JSON); a server error
shows a reference that is in the log with its traceback; htmx is sent to the same page."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import update

from runtime.forms.models import Draft
from runtime.state import AppState

Client = TestClient[Litestar]


@pytest.fixture
def raw(app: Litestar, seeded: AppState) -> Iterator[Client]:
    """A browser that does not send the anti-forgery token (a forged or stale form)."""
    with TestClient(app, base_url="http://testserver.local") as test_client:
        yield test_client


def is_page(response: object, status: int, language: str, *texts: str) -> None:
    assert response.status_code == status, response.text[:500]  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "text/html; charset=utf-8"  # type: ignore[attr-defined]
    text = response.text  # type: ignore[attr-defined]
    assert text.lstrip().startswith("<!doctype html>") and f'lang="{language}"' in text
    for wanted in texts:
        assert wanted in text, text[-2000:]


def new_draft(client: Client) -> str:
    start = client.post("/forms/adviesformulier-zuid/start", follow_redirects=False)
    return str(start.headers["location"])


def test_a_forged_post_is_refused_with_a_page_in_the_users_language(raw: Client) -> None:
    is_page(raw.post("/forms/adviesformulier-zuid/start"), 403, "nl", "Dit mag u niet doen")
    raw.cookies.set("popo_lang", "en")
    is_page(raw.post("/forms/adviesformulier-zuid/start"), 403, "en", "You may not do this")


def test_a_wrong_method_is_a_page_that_keeps_the_allow_header(client: Client) -> None:
    draft = new_draft(client)
    response = client.get(f"{draft}/submit")
    is_page(response, 405, "nl", "Dit kan hier niet")
    assert "POST" in response.headers["allow"]
    is_page(client.delete("/"), 405, "nl", "Dit kan hier niet")


def test_a_malformed_request_is_a_page(client: Client) -> None:
    draft = new_draft(client)
    # an htmx change that does not say which field changed
    is_page(
        client.post(f"{draft}/pages/leerling/change", data={"achternaam": "Jansen"}),
        400,
        "nl",
        "Het verzoek kon niet worden gelezen",
    )


def test_an_oversized_upload_is_a_page(client: Client, app_state: AppState) -> None:
    draft = new_draft(client)
    too_big = b"%PDF-1.4\n" + b"0" * ((app_state.settings.max_upload_mb + 2) * 1024 * 1024)
    response = client.post(
        f"{draft}/pages/leerling",
        data={"achternaam": "Jansen"},
        files={"bestand": ("groot.pdf", too_big, "application/pdf")},
    )
    is_page(response, 413, "nl", "Wat u verstuurde is te groot")


def test_a_server_error_is_a_page_with_a_reference_and_htmx_is_sent_there(
    client: Client, app_state: AppState, caplog: pytest.LogCaptureFixture
) -> None:
    draft = new_draft(client)
    with app_state.db.session() as session:
        session.execute(
            update(Draft)
            .where(Draft.id == uuid.UUID(draft.rsplit("/", 1)[-1]))
            .values(answers="kapot")
        )
    response = client.get(f"{draft}/pages/leerling")
    is_page(response, 500, "nl", "Er is iets misgegaan", "Kenmerk")
    logged = [r for r in caplog.records if r.name == "popo.error"]
    assert logged and logged[-1].exc_info is not None
    assert logged[-1].reference in response.text
    htmx = client.post(
        f"{draft}/pages/leerling/change",
        data={"achternaam": "Jansen"},
        headers={"HX-Request": "true", "X-POPO-Field": "achternaam"},
    )
    assert htmx.status_code == 500 and htmx.headers["hx-redirect"].startswith("/problem?")
    assert 'role="alert"' in htmx.text and "<html" not in htmx.text
    reference = [r for r in caplog.records if r.name == "popo.error"][-1].reference
    assert f"reference={reference}" in htmx.headers["hx-redirect"]
    client.cookies.set("popo_lang", "en")
    is_page(client.get(htmx.headers["hx-redirect"]), 200, "en", "Something went wrong", reference)
