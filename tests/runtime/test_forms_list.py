"""Finding a form again (/forms): a school sees its own drafts and sent forms, newest change
first, filtered and paged in the database; another school sees none of them; the list names
no pupil."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from runtime.state import AppState

from .conftest import log_in, with_csrf

Client = TestClient[Litestar]


@pytest.fixture
def kompas(app: Litestar, seeded: AppState) -> Iterator[Client]:
    with TestClient(app, base_url="http://testserver.local") as other:
        with_csrf(other)
        log_in(other, "ib@kompas.demo")
        yield other


def start(client: Client, form_id: str) -> str:
    response = client.post(f"/forms/{form_id}/start", follow_redirects=False)
    assert response.status_code == 303, response.text[:300]
    return str(response.headers["location"]).removeprefix("/drafts/")


def listed(page: str) -> list[str]:
    return re.findall(r'href="/drafts/([0-9a-f-]{36})', page)


def test_a_school_finds_its_drafts_again_and_another_school_does_not(
    client: Client, kompas: Client
) -> None:
    mine = start(client, "overstapformulier-noord")
    client.post(f"/drafts/{mine}/pages/leerling", data={"achternaam": "Vermeulen"})
    theirs = start(kompas, "overstapformulier-zuid")

    page = client.get("/forms").text
    assert mine in listed(page) and theirs not in listed(page)
    assert listed(page)[0] == mine  # the last changed first
    assert "Basisschool De Regenboog (demo)" in page and "Het Kompas" not in page
    assert "Vermeulen" not in page  # no pupil data in the list
    assert theirs in listed(kompas.get("/forms").text)


def test_the_list_filters_by_status_and_form_and_pages(client: Client) -> None:
    started = [start(client, "adviesformulier-noord") for _ in range(27)]
    everything = client.get("/forms?form=adviesformulier-noord")
    assert re.search(r"(\d+) formulieren", everything.text)
    count = int(re.search(r"(\d+) formulieren", everything.text).group(1))  # type: ignore[union-attr]
    assert count >= 27 and len(listed(everything.text)) == 25
    assert "Pagina 1 van" in everything.text and 'rel="next"' in everything.text
    second = client.get("/forms?form=adviesformulier-noord&page=2").text
    assert set(listed(second)).isdisjoint(listed(everything.text))
    assert set(started) <= set(listed(everything.text)) | set(listed(second)) | set(
        listed(client.get("/forms?form=adviesformulier-noord&page=3").text)
    )
    sent = listed(client.get("/forms?status=submitted&form=adviesformulier-noord").text)
    assert set(sent).isdisjoint(started)  # none of these was sent
    # nonsense in the address is ignored, not an error
    hostile = ("?page=-4", "?page=99999999999", "?page=%C2%B2", "?status=%27;drop", "?page=0")
    for query in (*hostile, "?form=" + "x" * 500):
        assert client.get("/forms" + query).status_code == 200


def test_the_list_is_for_logged_in_people(anonymous: Client) -> None:
    response = anonymous.get("/forms", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
