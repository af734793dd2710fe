"""The web kit (runtime/web): a route's guards and its scoped fetch, tried as the people who
use POPO and as someone who tries what they may not."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath
from litestar.testing import TestClient
from sqlalchemy import func, select

from runtime.audit.models import AuditEvent
from runtime.forms.models import Draft
from runtime.forms.service import FormsService
from runtime.organisations.models import Organisation
from runtime.state import AppState
from runtime.web import errors, scoped
from runtime.web.blocking import in_thread
from runtime.web.identity import SESSION_COOKIE

from .conftest import log_in, with_csrf

Client = TestClient[Litestar]


def audit_rows(app_state: AppState, object_id: str) -> list[tuple[str, str, str]]:
    with app_state.db.session() as session:
        rows = session.execute(
            select(AuditEvent.action, AuditEvent.actor, AuditEvent.purpose)
            .where(AuditEvent.object_id == object_id)
            .order_by(AuditEvent.id)
        ).all()
    return [(row.action, row.actor, row.purpose) for row in rows]


def start_draft(client: Client) -> str:
    response = client.post("/forms/overstapformulier-noord/start", follow_redirects=False)
    assert response.status_code == 303, response.text[:300]
    return str(response.headers["location"])


@pytest.fixture
def kompas(app: Litestar, seeded: AppState) -> Iterator[Client]:
    """The intern begeleider of Het Kompas, a school in another region."""
    with TestClient(app, base_url="http://kompas.local") as other:
        with_csrf(other)
        log_in(other, "ib@kompas.demo")
        yield other


# ---------------------------------------------------------------------- the scoped fetch


def test_another_organisations_draft_is_not_found_and_nothing_is_recorded(
    client: Client, kompas: Client, seeded: AppState
) -> None:
    draft = start_draft(client)
    client.post(draft + "/pages/leerling", data={"achternaam": "Geheimnaam"})
    draft_id = draft.rsplit("/", 1)[-1]
    before = audit_rows(seeded, draft_id)
    for method, path in [("GET", "/pages/leerling"), ("POST", "/pages/leerling"), ("GET", "")]:
        refused = kompas.request(method, draft + path, follow_redirects=False)
        assert refused.status_code == 404, (method, path)
        assert "<h1>Pagina niet gevonden</h1>" in refused.text
        assert "Geheimnaam" not in refused.text
    # an id that is no id at all is not found either
    assert kompas.get("/drafts/not-a-draft/pages/leerling").status_code == 404
    assert audit_rows(seeded, draft_id) == before  # a refused fetch records nothing


def test_reading_a_draft_records_one_read_with_its_purpose(
    client: Client, seeded: AppState
) -> None:
    draft = start_draft(client)
    draft_id = draft.rsplit("/", 1)[-1]
    before = audit_rows(seeded, draft_id)
    assert client.get(draft + "/check").status_code == 200
    after = audit_rows(seeded, draft_id)
    assert after[: len(before)] == before
    assert after[len(before) :] == [
        ("read", "ib@regenboog.demo", "fill in the form: overstapformulier-noord")
    ]
    client.post(draft + "/pages/leerling", data={"achternaam": "Jansen"})
    assert audit_rows(seeded, draft_id)[-1][0] == "change"


# A route of another domain that fetches its own objects the same way: an organisation's own
# record, readable by the organisation's people (the scope column is the organisation's id).
def organisation_name(request: Request[Any, Any, Any], ref: FromPath[str]) -> Response[str]:
    popo: AppState = request.app.state.popo
    with popo.db.session() as session:
        found = scoped.reach(
            request,
            session,
            popo.audit_key,
            Organisation,
            ref,
            column=Organisation.id,
            purpose="see the organisation",
        )
        return Response(found.obj.name)


KIT_ROUTES = [
    get("/kit/organisations/{ref:str}")(in_thread(organisation_name)),
    post("/kit/organisations/{ref:str}", status_code=200)(in_thread(organisation_name)),
]


@pytest.fixture
def kit(seeded: AppState) -> Iterator[Client]:
    application = Litestar(
        route_handlers=KIT_ROUTES,
        state=State({"popo": seeded}),
        exception_handlers=errors.EXCEPTION_HANDLERS,
    )
    with TestClient(application) as test_client:
        yield test_client


def school_id(app_state: AppState, code: str) -> str:
    with app_state.db.session() as session:
        found = session.scalars(select(Organisation.id).where(Organisation.code == code)).one()
    return str(found)


def test_any_domain_reaches_its_own_objects_in_scope_and_audited(
    client: Client, kit: Client, seeded: AppState
) -> None:
    kit.cookies.set(SESSION_COOKIE, client.cookies[SESSION_COOKIE])
    regenboog, kompas = school_id(seeded, "12AB00"), school_id(seeded, "56EF00")
    own = kit.get(f"/kit/organisations/{regenboog}")
    assert own.status_code == 200 and own.text
    assert audit_rows(seeded, regenboog)[-1] == (
        "read",
        "ib@regenboog.demo",
        "see the organisation",
    )
    changed = kit.post(f"/kit/organisations/{regenboog}")
    assert changed.status_code == 200
    assert audit_rows(seeded, regenboog)[-1][0] == "change"
    before = audit_rows(seeded, kompas)
    other = kit.get(f"/kit/organisations/{kompas}")
    assert other.status_code == 404 and "<h1>Pagina niet gevonden</h1>" in other.text
    assert audit_rows(seeded, kompas) == before


def test_a_role_that_only_reads_cannot_change_and_nothing_is_recorded(
    app: Litestar, kit: Client, seeded: AppState
) -> None:
    with TestClient(app, base_url="http://board.local") as board:
        with_csrf(board)
        log_in(board, "bestuur@noorderbasis.demo")
        kit.cookies.set(SESSION_COOKIE, board.cookies[SESSION_COOKIE])
    regenboog = school_id(seeded, "12AB00")
    assert kit.get(f"/kit/organisations/{regenboog}").status_code == 200  # a board's school
    before = audit_rows(seeded, regenboog)
    refused = kit.post(f"/kit/organisations/{regenboog}")
    assert refused.status_code == 403
    assert "U mag dit formulier inzien, maar niet wijzigen." in refused.text
    assert audit_rows(seeded, regenboog) == before


# ---------------------------------------------------------------------- guards


def resume_link(app_state: AppState) -> tuple[str, str]:
    """A parent's resume address, as the demo's start link gives it, and the staff's address
    of the same draft."""
    with app_state.db.session() as session:
        service = FormsService(session, app_state.registry, app_state.settings, app_state.files)
        start = service.link("demo-aanmelden-noord", "start")
        draft = service.start(start.form_id, "nl", start.organisation_id)
        _, token = service.create_link(
            start.form_id, "resume", "nl", draft=draft, organisation_id=start.organisation_id
        )
        return f"/r/{token}", f"/drafts/{draft.id}"


def test_a_parent_on_a_link_cannot_reach_a_staff_route(anonymous: Client, seeded: AppState) -> None:
    resume, staff = resume_link(seeded)
    assert anonymous.get(resume + "/pages/kind").status_code == 200  # their own link works
    draft_id = staff.rsplit("/", 1)[-1]
    before = audit_rows(seeded, draft_id)
    for path in (staff + "/pages/kind", "/", "/notifications", "/privacy"):
        refused = anonymous.get(path, follow_redirects=False)
        assert refused.status_code == 303, path
        assert refused.headers["location"].startswith("/login?next="), path
    refused = anonymous.get(staff + "/pages/kind", headers={"HX-Request": "true"})
    assert refused.status_code == 401 and refused.headers["HX-Redirect"] == "/login"
    started = anonymous.post("/forms/overstapformulier-noord/start", follow_redirects=False)
    assert started.status_code == 303 and started.headers["location"].startswith("/login")
    assert audit_rows(seeded, draft_id) == before  # the staff route read nothing


def test_a_route_for_some_roles_does_not_exist_for_the_others(
    app: Litestar, seeded: AppState, client: Client
) -> None:
    refused = client.get("/privacy")  # an intern begeleider, not the privacy officer
    assert refused.status_code == 404 and "<h1>Pagina niet gevonden</h1>" in refused.text
    with TestClient(app, base_url="http://privacy.local") as officer:
        with_csrf(officer)
        log_in(officer, "privacy@regenboog.demo")
        assert officer.get("/privacy").status_code == 200


def test_a_school_route_refuses_other_roles_with_a_page_and_starts_nothing(
    app: Litestar, seeded: AppState
) -> None:
    with seeded.db.session() as session:
        drafts = session.scalar(select(func.count()).select_from(Draft))
    with TestClient(app, base_url="http://swv.local") as swv:
        with_csrf(swv)
        log_in(swv, "swv@noord.demo")
        refused = swv.post("/forms/overstapformulier-noord/start?lang=en")
        assert refused.status_code == 403
        assert "<h1>You cannot start forms</h1>" in refused.text
        assert "Forms are started by the staff of a school." in refused.text
    with seeded.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Draft)) == drafts
