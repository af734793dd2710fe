"""The integrity of drafts, as two people (or two devices) and an attacker meet it over HTTP:
pages served to one session carry nothing of another, a sent form never changes, a stale tab
never reverts a newer answer, row actions and values stay within the form's bounds, and a
parent's start link creates a draft only when the parent asks for one."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select

from runtime.db.models import Draft
from runtime.state import AppState

Client = TestClient[Litestar]
BASE_URL = "http://testserver.local"


def page_token(content: str) -> str:
    """The anti-forgery token a page's forms carry (what a browser posts back)."""
    match = re.search(r'name="_csrf_token" value="([^"]*)"', content)
    assert match, content[:2000]
    return match.group(1)


def htmx_token(content: str) -> str:
    """The token htmx sends in its header, from the page's hx-headers."""
    match = re.search(r"hx-headers='\{\"x-csrftoken\": \"([^\"]*)\"\}'", content)
    assert match, content[:2000]
    return match.group(1)


def page_revision(content: str) -> str:
    match = re.search(r'name="_revision" value="(\d+)"', content)
    assert match, content[:3000]
    return match.group(1)


class Browser:
    """One browser session: it posts the token of the page it shows, as a real one does."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.last = ""

    def get(self, url: str) -> str:
        response = self.client.get(url)
        assert response.status_code == 200, response.text[:500]
        self.last = response.text
        return self.last

    def post(self, url: str, data: dict[str, str], **kwargs: object) -> object:
        """A full-page post of the form on the page last shown."""
        return self.client.post(
            url,
            data={"_csrf_token": page_token(self.last), **data},
            follow_redirects=False,
            **kwargs,  # type: ignore[arg-type]
        )

    def change(self, url: str, field: str, data: dict[str, str]) -> object:
        """An htmx change request, with the header token of the page last shown."""
        return self.client.post(
            url,
            data=data,
            headers={
                "HX-Request": "true",
                "X-POPO-Field": field,
                "x-csrftoken": htmx_token(self.last),
            },
        )


def browser(stack: ExitStack, app: Litestar, email: str | None = None) -> Browser:
    person = Browser(stack.enter_context(TestClient(app, base_url=BASE_URL)))
    person.get("/login")
    if email is not None:
        from runtime.demo import DEMO_PASSWORD

        response = person.post("/login", {"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 303  # type: ignore[attr-defined]
    return person


@pytest.fixture
def two_staff(app: Litestar, seeded: AppState) -> Iterator[tuple[Browser, Browser]]:
    """Two computers of the same school, both logged in."""
    with ExitStack() as stack:
        yield (
            browser(stack, app, "ib@regenboog.demo"),
            browser(stack, app, "leerkracht@regenboog.demo"),
        )


@pytest.fixture
def two_devices(app: Litestar, seeded: AppState) -> Iterator[tuple[Browser, Browser]]:
    """A parent's phone and laptop, without accounts."""
    with ExitStack() as stack:
        yield browser(stack, app), browser(stack, app)


def staff_draft(person: Browser, form_id: str = "overstapformulier-noord") -> str:
    person.get("/")
    response = person.post(f"/forms/{form_id}/start", {})
    assert response.status_code == 303  # type: ignore[attr-defined]
    return str(response.headers["location"])  # type: ignore[attr-defined]


def parent_draft(person: Browser, start: str = "/start/demo-aanmelden-noord") -> str:
    first = person.client.get(start, follow_redirects=False)
    if first.status_code == 303:
        return str(first.headers["location"])
    person.last = first.text
    response = person.post(start, {})
    assert response.status_code == 303, response.text[:500]  # type: ignore[attr-defined]
    return str(response.headers["location"])  # type: ignore[attr-defined]


# ------------------------------------------------------------------ 1. no page of another session


def test_a_second_staff_session_on_the_same_draft_can_save_and_press_buttons(
    two_staff: tuple[Browser, Browser],
) -> None:
    first, second = two_staff
    draft = staff_draft(first)
    url = f"{draft}/pages/leerling"
    first.get(url)
    second.get(url)  # the same draft, revision and page: served from the page cache
    assert page_token(second.last) == second.client.cookies.get("csrftoken")
    assert htmx_token(second.last) == second.client.cookies.get("csrftoken")
    assert page_token(first.last) != page_token(second.last)
    saved = second.change(f"{url}/change", "achternaam", {"achternaam": "Jansen"})
    assert saved.status_code == 200, saved.text[:300]  # type: ignore[attr-defined]
    pressed = second.post(url, {"voornamen": "Sanne", "action": "next"})
    assert pressed.status_code in (200, 303), pressed.text[:300]  # type: ignore[attr-defined]
    first.get(url)
    assert 'value="Jansen"' in first.last and 'value="Sanne"' in first.last
    assert page_token(first.last) == first.client.cookies.get("csrftoken")
    assert first.post(url, {"geslacht": "1", "action": "next"}).status_code in (200, 303)  # type: ignore[attr-defined]


def test_a_parents_resume_link_works_on_a_second_device(
    two_devices: tuple[Browser, Browser],
) -> None:
    phone, laptop = two_devices
    resume = parent_draft(phone)
    phone.get(resume)
    url = str(phone.client.get(resume).url)
    phone.get(url)
    laptop.get(url)
    assert page_token(laptop.last) == laptop.client.cookies.get("csrftoken")
    assert htmx_token(laptop.last) == laptop.client.cookies.get("csrftoken")
    assert resume in html.unescape(laptop.last)  # the same link, the same resume link
    saved = laptop.change(f"{url}/change", "kind_achternaam", {"kind_achternaam": "Yilmaz"})
    assert saved.status_code == 200, saved.text[:300]  # type: ignore[attr-defined]
    phone.get(url)
    assert 'value="Yilmaz"' in phone.last
    pressed = phone.post(url, {"kind_voorletters": "E.A.", "action": "next"})
    assert pressed.status_code in (200, 303)  # type: ignore[attr-defined]
    laptop.get(url)
    assert 'value="E.A."' in laptop.last


def drafts(app_state: AppState) -> int:
    with app_state.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(Draft)) or 0)
