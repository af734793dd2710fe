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

from runtime.forms.models import Draft
from runtime.state import AppState

from ..support import ADVIES_LEERLING

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
    match = re.search(r'id="draft-revision" value="(\d+)"', content)
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
            data={"_csrf_token": page_token(self.last), **self.revision(), **data},
            follow_redirects=False,
            **kwargs,  # type: ignore[arg-type]
        )

    def revision(self) -> dict[str, str]:
        """The draft revision the page last shown holds, posted with its form."""
        match = re.search(r'name="_revision" id="draft-revision" value="(\d+)"', self.last)
        return {"_revision": match.group(1)} if match else {}

    def change(self, url: str, field: str, data: dict[str, str]) -> object:
        """An htmx change request, with the header token of the page last shown."""
        return self.client.post(
            url,
            data={**self.revision(), **data},
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
    person.get(start)
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


def stored(app_state: AppState, draft_url: str) -> Draft:
    """The draft behind a staff address /drafts/<id>/…"""
    import uuid

    draft_id = uuid.UUID(draft_url.split("/drafts/", 1)[1].split("/", 1)[0])
    with app_state.db.session() as session:
        from runtime.forms.service import FormsService

        forms = FormsService(session, app_state.registry, app_state.settings, app_state.files)
        draft = forms.draft(draft_id, for_update=True)
        session.expunge(draft)
        return draft


def resume_draft(app_state: AppState, resume: str) -> Draft:
    from runtime.forms.models import PublicLink
    from runtime.forms.service import token_hash

    token = resume.split("/r/", 1)[1].split("/", 1)[0]
    with app_state.db.session() as session:
        link = session.scalar(select(PublicLink).where(PublicLink.token_hash == token_hash(token)))
        assert link is not None and link.draft_id is not None
    return stored(app_state, f"/drafts/{link.draft_id}")


# ------------------------------------------------------------------ 2. a sent form never changes


ADVIES = {
    "leerling": ADVIES_LEERLING,
    "advies": {"advies": "plaatsen", "besproken_met_ouders": "true", "contact_nodig": "false"},
}


def test_a_sent_form_cannot_be_changed_by_any_route(app: Litestar, seeded: AppState) -> None:
    with ExitStack() as stack:
        person = browser(stack, app, "ib@kompas.demo")
        sent_form_stays_as_sent(person, seeded)


def sent_form_stays_as_sent(person: Browser, app_state: AppState) -> None:
    # (Regio Zuid's form: test_fill counts the submissions of Regio Noord's)
    draft = staff_draft(person, "adviesformulier-zuid")
    for page_id, data in ADVIES.items():
        person.get(f"{draft}/pages/{page_id}")
        response = person.post(f"{draft}/pages/{page_id}", {**data, "action": "next"})
        assert response.status_code == 303, response.text[:1000]  # type: ignore[attr-defined]
    url = f"{draft}/pages/leerling"
    stale = person.get(url)  # a second tab keeps the page open
    person.get(f"{draft}/check")
    assert person.post(f"{draft}/submit", {}).status_code == 303  # type: ignore[attr-defined]
    before = stored(app_state, draft)
    assert before.status == "submitted"
    person.last = stale
    changed = person.change(f"{url}/change", "achternaam", {"achternaam": "Veranderd"})
    assert changed.status_code == 200  # type: ignore[attr-defined]
    assert changed.headers["HX-Redirect"] == f"{draft}/submission"  # type: ignore[attr-defined]
    for data in (
        {"achternaam": "Veranderd", "action": "next"},
        {"action": "add_row:toetsen"},
        {"action": "remove_row:toetsen[0]"},
    ):
        response = person.post(url, data)
        assert response.status_code == 303  # type: ignore[attr-defined]
        assert response.headers["location"] == f"{draft}/submission"  # type: ignore[attr-defined]
    after = stored(app_state, draft)
    assert after.answers == before.answers and after.revision == before.revision
    assert "Veranderd" not in person.client.get(f"{draft}/submission").text


# ------------------------------------------------------------------ 3. no lost updates


def test_a_stale_page_does_not_revert_a_newer_answer_of_another_person(
    two_staff: tuple[Browser, Browser], app_state: AppState
) -> None:
    first, second = two_staff
    draft = staff_draft(first)
    url = f"{draft}/pages/leerling"
    first.get(url)  # A opens the page
    old_revision = page_revision(first.last)
    second.get(url)
    assert second.post(url, {"achternaam": "Jansen", "action": "next"}).status_code in (200, 303)  # type: ignore[attr-defined]
    # A posts the page it opened before: an old surname, and a first name nobody else changed
    shown = first.post(url, {"achternaam": "Pietersen", "voornamen": "Sanne", "action": "next"})
    assert shown.status_code == 200  # type: ignore[attr-defined]
    page = shown.text  # type: ignore[attr-defined]
    assert "Iemand anders heeft dit antwoord veranderd" in page
    conflict = re.search(r'<div id="achternaam-conflict".*?</div>', page, re.S)
    assert conflict and "Jansen" in conflict.group(0) and "Pietersen" in conflict.group(0)
    assert 'value="Pietersen"' in page  # what A typed is still in the field
    assert page_revision(page) != old_revision  # the page now shows the current answers
    saved = stored(app_state, draft)
    assert saved.answers["achternaam"] == "Jansen"  # B's answer is kept
    assert saved.answers["voornamen"] == "Sanne"  # the rest of A's page is saved
    # A keeps the saved answer ...
    first.last = page
    kept = first.post(url, {"achternaam": "Pietersen", "action": "keep_saved:achternaam"})
    assert kept.status_code == 303  # type: ignore[attr-defined]
    assert stored(app_state, draft).answers["achternaam"] == "Jansen"
    # ... or, having seen it, saves theirs
    first.last = page
    mine = first.post(url, {"achternaam": "Pietersen", "action": "next"})
    assert mine.status_code in (200, 303)  # type: ignore[attr-defined]
    assert stored(app_state, draft).answers["achternaam"] == "Pietersen"


def test_a_stale_tab_autosaving_a_field_another_person_changed_sees_the_conflict(
    two_staff: tuple[Browser, Browser], app_state: AppState
) -> None:
    first, second = two_staff
    draft = staff_draft(first)
    url = f"{draft}/pages/leerling"
    first.get(url)
    revision = page_revision(first.last)
    # the tab's own autosave keeps it current: no conflict with its own answers
    own = first.change(f"{url}/change", "roepnaam", {"roepnaam": "San", "_revision": revision})
    revision = re.search(r'id="draft-revision" value="(\d+)"', own.text).group(1)  # type: ignore[attr-defined, union-attr]
    second.get(url)
    second.change(f"{url}/change", "achternaam", {"achternaam": "Jansen"})
    late = first.change(
        f"{url}/change", "achternaam", {"achternaam": "Pietersen", "_revision": revision}
    )
    text = late.text  # type: ignore[attr-defined]
    assert 'id="achternaam-conflict"' in text and "Jansen" in text and "Pietersen" in text
    assert 'name="_seen:achternaam"' in text
    assert stored(app_state, draft).answers["achternaam"] == "Jansen"
    # another field of the same stale tab is saved normally
    first.change(f"{url}/change", "voornamen", {"voornamen": "Sanne", "_revision": revision})
    assert stored(app_state, draft).answers["voornamen"] == "Sanne"
    # having seen the other answer, the person's change is saved
    seen = re.search(r'name="_seen:achternaam" value="(\d+)"', text).group(1)  # type: ignore[union-attr]
    first.change(
        f"{url}/change",
        "achternaam",
        {"achternaam": "Pietersen", "_revision": revision, "_seen:achternaam": seen},
    )
    assert stored(app_state, draft).answers["achternaam"] == "Pietersen"


# ------------------------------------------------------------------ 4. row actions within bounds


def test_row_actions_through_a_parents_link_stay_within_the_form(
    two_devices: tuple[Browser, Browser], app_state: AppState
) -> None:
    attacker, _ = two_devices
    resume = parent_draft(attacker)
    url = f"{resume}/pages/ouders"
    attacker.get(url)
    for _ in range(2):  # the form allows two parents
        assert attacker.post(url, {"action": "add_row:ouders"}).status_code == 303  # type: ignore[attr-defined]
    before = resume_draft(app_state, resume)
    assert len(before.answers["ouders"]) == 2
    for action in (
        "add_row:ouders",  # past max_rows
        "add_row:bestaat_niet",  # no such group
        "remove_row:ouders[1000000]",  # no such row
        "add_row:kind_achternaam",  # not a group
        "add_row:" + "ouders[0]." * 300 + "ouders",  # nested hundreds of levels
        "add_row:ouders[0].ouders",
        "remove_row:ouders",
        "add_row:andere_scholen",  # a group of another page
    ):
        refused = attacker.post(url, {"action": action})
        assert refused.status_code == 400, action  # type: ignore[attr-defined]
        assert "Er is niets veranderd" in refused.text  # type: ignore[attr-defined]
    # a posted key for a row that does not exist creates no row
    attacker.post(url, {"ouders[7].ouder_naam": "X", "action": "next"})
    after = resume_draft(app_state, resume)
    assert len(after.answers["ouders"]) == 2
    assert all(
        "ouder_naam" not in row or row["ouder_naam"] != "X" for row in after.answers["ouders"]
    )
    assert attacker.client.get(url).status_code == 200  # the draft still works


def test_a_group_without_max_rows_has_a_hard_bound(
    two_staff: tuple[Browser, Browser], app_state: AppState
) -> None:
    from runtime.forms.service import MAX_ROWS

    person, _ = two_staff
    draft = staff_draft(person)
    url = f"{draft}/pages/nieuwe_school"
    person.get(url)
    statuses = {
        person.post(url, {"action": "add_row:voorkeursscholen"}).status_code
        for _ in range(MAX_ROWS + 1)
    }  # type: ignore[attr-defined]
    assert statuses == {303, 400}
    assert len(stored(app_state, draft).answers["voorkeursscholen"]) <= MAX_ROWS


# ------------------------------------------------------------------ 5. lengths and sizes on store


def test_too_long_answers_are_refused_and_the_rest_of_the_page_is_saved(
    two_devices: tuple[Browser, Browser], app_state: AppState
) -> None:
    parent, _ = two_devices
    resume = parent_draft(parent)
    url = f"{resume}/pages/kind"
    parent.get(url)
    long_name = "x" * 2_000_000
    page = parent.post(url, {"kind_achternaam": long_name, "kind_voorletters": "E.A."})
    assert page.status_code == 200  # type: ignore[attr-defined]
    assert "Gebruik hoogstens 100 tekens (nu 2000000)." in page.text  # type: ignore[attr-defined]
    draft = resume_draft(app_state, resume)
    assert "kind_achternaam" not in draft.answers
    assert draft.answers["kind_voorletters"] == "E.A."
    # an htmx change is refused the same way
    parent.get(url)
    refused = parent.change(f"{url}/change", "kind_roepnaam", {"kind_roepnaam": "y" * 51})
    assert "Gebruik hoogstens 50 tekens (nu 51)." in refused.text  # type: ignore[attr-defined]
    assert "kind_roepnaam" not in resume_draft(app_state, resume).answers
    # a field without a max_length still has a bound
    bsn = parent.post(url, {"kind_bsn": "1" * 5_000})
    assert "Gebruik hoogstens 1000 tekens" in bsn.text  # type: ignore[attr-defined]
    # a 40 MB post is refused before it is read; nothing is stored
    huge = parent.post(url, {"kind_achternaam": "x" * 40 * 1024 * 1024})
    assert huge.status_code == 413  # type: ignore[attr-defined]
    assert len(str(resume_draft(app_state, resume).answers)) < 1000


# ------------------------------------------------------------------ 6. drafts start by POST


def test_a_parents_start_link_creates_a_draft_only_when_asked(
    two_devices: tuple[Browser, Browser], app_state: AppState
) -> None:
    parent, _ = two_devices
    before = drafts(app_state)
    for _ in range(10):  # link previews, prefetchers, reloads
        page = parent.get("/start/demo-aanmelden-noord")
    assert drafts(app_state) == before
    assert "Uw kind aanmelden" in page and "De Linde" in page  # the form and the school
    assert 'method="post" action="/start/demo-aanmelden-noord"' in page
    english = parent.get("/start/demo-aanmelden-noord?lang=en")
    assert 'lang="en"' in english and "Start the form" in english
    started = parent.post("/start/demo-aanmelden-noord", {})
    assert started.status_code == 303  # type: ignore[attr-defined]
    assert started.headers["location"].startswith("/r/")  # type: ignore[attr-defined]
    assert drafts(app_state) == before + 1
    assert parent.client.get("/start/not-a-link").status_code == 404
