"""A school's links for parents (/links): the school's staff make one, share it, see which of
their links work and switch one off after a confirmation; a parent opens the link and starts
the form; other schools and roles cannot see or switch off the school's links."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from runtime.forms.models import PublicLink
from runtime.forms.service import token_hash
from runtime.state import AppState

from .conftest import log_in, with_csrf

Client = TestClient[Litestar]


def logged_in(app: Litestar, email: str) -> Iterator[Client]:
    with TestClient(app, base_url="http://testserver.local") as other:
        with_csrf(other)
        log_in(other, email)
        yield other


@pytest.fixture
def kompas(app: Litestar, seeded: AppState) -> Iterator[Client]:
    yield from logged_in(app, "ib@kompas.demo")


@pytest.fixture
def bestuur(app: Litestar, seeded: AppState) -> Iterator[Client]:
    yield from logged_in(app, "bestuur@noorderbasis.demo")


def make_link(client: Client, note: str, days: str = "30", language: str = "nl") -> str:
    response = client.post(
        "/links",
        data={
            "form": "aanmeldformulier-noord",
            "days": days,
            "note": note,
            "link_language": language,
        },
    )
    assert response.status_code == 201, response.text[:500]
    found = re.search(r'id="new-link">([^<]+)<', response.text)
    assert found, "the new link is shown"
    return found.group(1)


def link_id(state: AppState, url: str) -> str:
    token = url.split("/start/")[1].split("?")[0]
    with state.db.session() as session:
        link = session.scalar(select(PublicLink).where(PublicLink.token_hash == token_hash(token)))
        assert link is not None
        return str(link.id)


def test_a_school_makes_a_link_and_a_parent_starts_the_form_with_it(
    client: Client, anonymous: Client, seeded: AppState
) -> None:
    page = client.get("/links").text
    assert "Links voor ouders" in page and "Basisschool De Regenboog (demo)" in page
    # the forms of the school's region only (Noord), not Zuid's
    assert 'value="aanmeldformulier-noord"' in page and "aanmeldformulier-zuid" not in page

    url = make_link(client, "Open dag maart")
    assert url.startswith(f"{seeded.settings.base_url}/start/")
    listed = client.get("/links").text
    assert "Open dag maart" in listed and "werkt" in listed
    assert url not in listed  # the secret is shown once, when it is made

    start = anonymous.get(url.removeprefix(seeded.settings.base_url))
    assert start.status_code == 200
    assert "Basisschool De Regenboog (demo)" in start.text
    with seeded.db.session() as session:
        stored = session.scalar(select(PublicLink).where(PublicLink.note == "Open dag maart"))
        assert stored is not None and stored.purpose == "start"
        assert url.split("/start/")[1].split("?")[0] not in (stored.token_hash,)  # only a hash


def test_switching_a_link_off_asks_first_then_the_link_no_longer_works(
    client: Client, anonymous: Client, seeded: AppState
) -> None:
    url = make_link(client, "Website")
    target = f"/links/{link_id(seeded, url)}/revoke"

    question = client.get(target)
    assert question.status_code == 200 and "Deze link uitzetten?" in question.text
    unconfirmed = client.post(target, data={})
    assert "Deze link uitzetten?" in unconfirmed.text  # nothing happened without a yes
    assert anonymous.get(url.removeprefix(seeded.settings.base_url)).status_code == 200

    done = client.post(target, data={"confirm": "yes"})
    assert done.status_code == 200 and "De link staat uit" in done.text
    assert "uitgezet" in done.text  # its row says so
    gone = anonymous.get(url.removeprefix(seeded.settings.base_url))
    assert gone.status_code == 410
    assert client.post(target, data={"confirm": "yes"}).status_code == 200  # twice: harmless


def test_a_wrong_value_is_named_and_what_was_typed_is_kept(client: Client) -> None:
    response = client.post(
        "/links", data={"form": "adviesformulier-noord", "days": "400", "note": "Brief groep 8"}
    )
    assert response.status_code == 400
    assert "Er is een probleem" in response.text
    assert "Kies het formulier dat de link opent." in response.text
    assert "Geef een aantal dagen van 1 tot 365." in response.text
    assert 'value="Brief groep 8"' in response.text and 'value="400"' in response.text
    for days in ("²", "1e3", "-1", "9" * 40):
        assert client.post("/links", data={"form": "x", "days": days}).status_code == 400
    english = client.post("/links?lang=en", data={"form": "x", "days": "0", "note": ""})
    assert "Choose the form the link opens." in english.text


def test_another_school_and_other_roles_cannot_see_or_switch_off_the_links(
    client: Client, kompas: Client, bestuur: Client, anonymous: Client, seeded: AppState
) -> None:
    url = make_link(client, "Alleen voor De Regenboog")
    target = f"/links/{link_id(seeded, url)}/revoke"

    assert "Alleen voor De Regenboog" not in kompas.get("/links").text
    assert kompas.get(target).status_code == 404
    assert kompas.post(target, data={"confirm": "yes"}).status_code == 404
    assert bestuur.get("/links").status_code == 403  # a board makes no links for a school
    assert bestuur.post(target, data={"confirm": "yes"}).status_code == 403
    refused = anonymous.get("/links", follow_redirects=False)
    assert refused.status_code == 303 and refused.headers["location"].startswith("/login")
    # still working: none of them switched it off
    assert anonymous.get(url.removeprefix(seeded.settings.base_url)).status_code == 200


def test_the_start_page_offers_the_links_page_to_school_staff_only(
    client: Client, bestuur: Client
) -> None:
    assert 'href="/links"' in client.get("/").text
    assert 'href="/links"' not in bestuur.get("/").text
