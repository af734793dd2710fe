"""The API for school administration systems (docs/api.md), as its users and an attacker meet
it: a directeur (or a bestuur or SWV account) makes a token on its page and sees the secret
once; a system calls the API with it and gets its organisation's data only, every call
recorded; a revoked or unknown token, or a browser's cookie, is refused with a JSON problem;
the OpenAPI document holds the API and nothing of the pages."""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from collections.abc import Iterator
from importlib import metadata
from typing import Any

import pytest
from alembic import command
from litestar import Litestar, Request, get, post
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.access import scope, tokens
from runtime.access.models import ApiToken, UserAccount
from runtime.app import create_app
from runtime.audit.models import AuditEvent
from runtime.db.migrate import alembic_config, upgrade
from runtime.domain import Domain
from runtime.domains import DOMAINS
from runtime.organisations.models import Organisation
from runtime.refusals import ReadOnly
from runtime.settings import Settings
from runtime.state import AppState
from runtime.web import api

from .conftest import log_in, table_names, with_csrf
from .test_scope import READS, principal_of

Client = TestClient[Litestar]
PAGE = "/organisation/api-tokens"
SECRET = re.compile(r"popo_[A-Za-z0-9_-]{43}")


def logged_in(app: Litestar, email: str) -> Iterator[Client]:
    with TestClient(app, base_url="http://testserver.local") as other:
        with_csrf(other)
        log_in(other, email)
        yield other


@pytest.fixture
def directeur(app: Litestar, seeded: AppState) -> Iterator[Client]:
    """The directeur of De Linde (34CD00)."""
    yield from logged_in(app, "directeur@linde.demo")


@pytest.fixture
def bestuur(app: Litestar, seeded: AppState) -> Iterator[Client]:
    """The bestuur account of Stichting Noorderbasis (41001): De Regenboog and De Linde."""
    yield from logged_in(app, "bestuur@noorderbasis.demo")


@pytest.fixture
def system(app: Litestar, seeded: AppState) -> Iterator[Client]:
    """A school administration system: no cookies, no anti-forgery token."""
    with TestClient(app, base_url="http://las.example") as las:
        yield las


def make_token(client: Client, name: str, role: str) -> str:
    response = client.post(PAGE, data={"name": name, "role": role})
    assert response.status_code == 201, response.text[:500]
    found = SECRET.findall(response.text)
    assert len(found) == 1  # shown once, on this page
    return found[0]


def bearer(secret: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", **headers}


def token_of(session: Session, secret: str) -> ApiToken:
    return session.scalars(
        select(ApiToken).where(ApiToken.token_hash == hashlib.sha256(secret.encode()).hexdigest())
    ).one()


def codes_of(session: Session) -> dict[str, uuid.UUID]:
    return {code: id_ for code, id_ in session.execute(select(Organisation.code, Organisation.id))}


def test_a_token_made_on_the_page_calls_the_api_until_it_is_revoked(
    directeur: Client, system: Client, seeded: AppState
) -> None:
    page = directeur.get(PAGE)
    assert page.status_code == 200
    assert "API-tokens" in page.text and "De Linde" in page.text
    assert 'name="role"' in page.text
    secret = make_token(directeur, "ParnasSys", "medewerker")
    # the page afterwards no longer shows it
    assert secret not in directeur.get(PAGE).text

    answer = system.get("/api/v1/organisation", headers=bearer(secret))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert body["code"] == "34CD00" and body["kind"] == "school" and "Linde" in body["name"]

    with seeded.db.session() as session:
        token = token_of(session, secret)
        assert token.role == "medewerker" and token.last_used_at is not None
        assert token.organisation_id == codes_of(session)["34CD00"]
        director = session.scalars(
            select(UserAccount).where(UserAccount.email == "directeur@linde.demo")
        ).one()
        assert token.created_by == director.id
        token_id = token.id

    # the page lists it, with its role, and asks before revoking
    listed = directeur.get(PAGE)
    assert "ParnasSys" in listed.text and f"{PAGE}/{token_id}/revoke" in listed.text
    question = directeur.get(f"{PAGE}/{token_id}/revoke")
    assert question.status_code == 200 and "Dit token intrekken?" in question.text
    unconfirmed = directeur.post(f"{PAGE}/{token_id}/revoke", data={})
    assert "Dit token intrekken?" in unconfirmed.text
    assert system.get("/api/v1/organisation", headers=bearer(secret)).status_code == 200
    done = directeur.post(f"{PAGE}/{token_id}/revoke", data={"confirm": "yes"})
    assert done.status_code == 200 and "ingetrokken" in done.text

    refused = system.get("/api/v1/organisation", headers=bearer(secret))
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert 'error="invalid_token"' in refused.headers["www-authenticate"]
    problem = refused.json()
    assert problem["status"] == 401 and problem["code"] == "token_invalid"
    assert "ingetrokken" in problem["detail"]  # Dutch unless English is asked for
    english = system.get(
        "/api/v1/organisation", headers=bearer(secret, **{"Accept-Language": "en-GB,nl;q=0.5"})
    )
    assert "revoked" in english.json()["detail"]
    with seeded.db.session() as session:
        revoked = token_of(session, secret)
        assert revoked.revoked_at is not None and revoked.revoked_by == director.id
    assert "ingetrokken op" in directeur.get(PAGE).text


def test_the_secret_is_not_stored_in_plain_text(directeur: Client, seeded: AppState) -> None:
    secret = make_token(directeur, "Stored how?", "directeur")
    with seeded.db.session() as session:
        token = token_of(session, secret)
        assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        columns = ApiToken.__table__.columns
        values = session.execute(select(*columns).where(ApiToken.id == token.id)).one()
        assert all(secret not in str(value) for value in values)
        assert all(secret[5:25] not in str(value) for value in values)


def test_every_call_is_recorded_with_the_token_by_name_and_organisation(
    directeur: Client, system: Client, seeded: AppState
) -> None:
    secret = make_token(directeur, "Audit LAS", "intern_begeleider")
    for _ in range(3):
        assert system.get("/api/v1/organisation", headers=bearer(secret)).status_code == 200
    assert system.get("/api/v1/organisations", headers=bearer(secret)).status_code == 200
    assert system.get("/api/v1/organisation", headers=bearer("popo_unknown")).status_code == 401
    with seeded.db.session() as session:
        token = token_of(session, secret)
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == "api_token", AuditEvent.object_id == str(token.id))
            .order_by(AuditEvent.id)  # PostgreSQL returns rows in any order without one
        ).all()
        assert len(events) == 4
        assert [e.purpose for e in events] == [
            *["API call: GET /api/v1/organisation"] * 3,
            "API call: GET /api/v1/organisations",
        ]
        first = events[0]
        assert first.user_id is None and first.action == "read"
        assert "Audit LAS" in first.actor and "De Linde" in first.actor
        assert first.role == "intern_begeleider"
        assert first.organisation_id == codes_of(session)["34CD00"]


def test_a_schools_token_reads_its_own_organisation_only(
    directeur: Client, system: Client, seeded: AppState
) -> None:
    secret = make_token(directeur, "Scope", "directeur")
    with seeded.db.session() as session:
        codes = codes_of(session)
    listed = system.get("/api/v1/organisations", headers=bearer(secret)).json()
    assert [o["code"] for o in listed] == ["34CD00"]
    own = system.get(f"/api/v1/organisations/{codes['34CD00']}", headers=bearer(secret))
    assert own.status_code == 200 and own.json()["code"] == "34CD00"
    other = system.get(f"/api/v1/organisations/{codes['12AB00']}", headers=bearer(secret))
    assert other.status_code == 404
    assert other.headers["content-type"].startswith("application/problem+json")
    assert "Regenboog" not in other.text
    assert other.json()["code"] == "not_found"


def test_a_bestuur_token_reads_its_schools_by_the_scope_rule(
    bestuur: Client, system: Client, seeded: AppState
) -> None:
    page = bestuur.get(PAGE)
    assert page.status_code == 200
    refused = bestuur.post(PAGE, data={"name": "Te veel", "role": "directeur"})
    assert refused.status_code == 400 and "Kies de rol" in refused.text
    assert not SECRET.search(refused.text)
    secret = make_token(bestuur, "Bestuursbureau", "bestuur")
    organisation = system.get("/api/v1/organisation", headers=bearer(secret)).json()
    assert organisation["code"] == "41001" and organisation["kind"] == "bestuur"
    listed = system.get("/api/v1/organisations", headers=bearer(secret)).json()
    assert {o["code"] for o in listed} == READS["bestuur@noorderbasis.demo"]


def test_a_token_is_a_principal_the_scope_rule_treats_as_its_role(
    directeur: Client, seeded: AppState
) -> None:
    """A token acting as a role at a school reaches what a person in that role there does."""
    with seeded.db.session() as session:
        regenboog = session.get(Organisation, codes_of(session)["12AB00"])
        assert regenboog is not None
        creator = principal_of(session, "directeur@linde.demo").user_id
        _, secret = tokens.create(session, regenboog, "Direct", "intern_begeleider", creator)
    with seeded.db.session() as session:
        who = tokens.principal_for(session, secret)
        assert who is not None and who.api_token is not None
        person = principal_of(session, "ib@regenboog.demo")
        for access in ("read", "write"):
            as_token = set(
                session.scalars(
                    select(Organisation.id).where(scope.where(Organisation.id, who, access))
                )  # type: ignore[arg-type]
            )
            as_person = set(
                session.scalars(
                    select(Organisation.id).where(scope.where(Organisation.id, person, access))  # type: ignore[arg-type]
                )
            )
            assert as_token == as_person == {codes_of(session)["12AB00"]}
        assert tokens.managed_organisation(who) is None  # a token manages no tokens


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer popo_doesnotexist", "Basic cG9wbzpwb3Bv", "popo_x", "Bearer x" * 100],
)
def test_no_working_token_is_a_401_problem(system: Client, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = system.get("/api/v1/organisation", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"].startswith("Bearer")
    problem = response.json()
    assert set(problem) == {"type", "title", "status", "code", "detail"}
    assert problem["code"] in {"token_missing", "token_invalid"}


def test_a_browsers_session_does_not_open_the_api(directeur: Client) -> None:
    """The cookie is sent to every address; the API answers only a token."""
    response = directeur.get("/api/v1/organisation")
    assert response.status_code == 401 and response.json()["code"] == "token_missing"


def test_the_api_answers_errors_as_problems_and_the_pages_as_pages(
    directeur: Client, system: Client
) -> None:
    secret = make_token(directeur, "Errors", "medewerker")
    missing = system.get(
        "/api/v1/nothing-here", headers=bearer(secret, **{"Accept-Language": "en"})
    )
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert missing.json()["detail"].startswith("This does not exist")
    bad = system.get("/api/v1/organisations/not-a-uuid", headers=bearer(secret))
    assert bad.status_code in (400, 404)
    assert bad.headers["content-type"].startswith("application/problem+json")
    wrong_method = system.delete("/api/v1/organisation", headers=bearer(secret))
    assert wrong_method.status_code == 405
    assert wrong_method.headers["content-type"].startswith("application/problem+json")
    page = system.get("/nothing-here")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")


def test_only_managers_reach_the_tokens_page(app: Litestar, seeded: AppState) -> None:
    for email in ("ib@regenboog.demo", "leerkracht@regenboog.demo", "privacy@regenboog.demo",
                  "consultant@popo.demo", "beheer@popo.demo"):  # fmt: skip
        for client in logged_in(app, email):
            assert client.get(PAGE).status_code == 404, email
            assert client.post(PAGE, data={"name": "x", "role": "medewerker"}).status_code == 404
            assert "/organisation/api-tokens" not in client.get("/").text
    for client in logged_in(app, "swv@noord.demo"):
        assert client.get(PAGE).status_code == 200
        assert "/organisation/api-tokens" in client.get("/").text
    with TestClient(app, base_url="http://testserver.local") as anonymous:
        assert anonymous.get(PAGE, follow_redirects=False).status_code == 303


def test_another_organisations_token_cannot_be_seen_or_revoked(
    directeur: Client, bestuur: Client, system: Client, seeded: AppState
) -> None:
    secret = make_token(bestuur, "Not yours", "bestuur")
    with seeded.db.session() as session:
        token_id = token_of(session, secret).id
    assert "Not yours" not in directeur.get(PAGE).text
    assert directeur.get(f"{PAGE}/{token_id}/revoke").status_code == 404
    refused = directeur.post(f"{PAGE}/{token_id}/revoke", data={"confirm": "yes"})
    assert refused.status_code == 404
    assert system.get("/api/v1/organisation", headers=bearer(secret)).status_code == 200


def test_the_page_is_in_english_too(directeur: Client) -> None:
    page = directeur.get(PAGE + "?lang=en")
    assert "API tokens" in page.text and "Make the token" in page.text
    secret_page = directeur.post(PAGE, data={"name": "English", "role": "medewerker"})
    assert "Copy it now" in secret_page.text


def test_the_schema_documents_the_api_and_no_page(system: Client) -> None:
    response = system.get("/schema/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "POPO API"
    assert schema["info"]["version"] == metadata.version("popo")
    paths = schema["paths"]
    assert "/api/v1/organisation" in paths and "/api/v1/organisations/{organisation_id}" in paths
    assert all(path.startswith("/api/") for path in paths), sorted(paths)
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    operation = paths["/api/v1/organisation"]["get"]
    assert operation["security"] == [{"bearer": []}]
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer.get("$ref", "").endswith("OrganisationOut")
    assert set(schema["components"]["schemas"]["OrganisationOut"]["properties"]) == {
        "id", "name", "code", "kind",
    }  # fmt: skip
    refused = operation["responses"]["401"]["content"]["application/problem+json"]["schema"]
    assert refused["$ref"].endswith("/Problem")
    assert {"code", "detail", "status"} <= set(
        schema["components"]["schemas"]["Problem"]["required"]
    )


def test_every_api_route_is_guarded_by_the_token(app: Litestar) -> None:
    api_routes = [route for route in app.routes if route.path.startswith("/api/")]
    assert api_routes
    for route in api_routes:
        for handler in route.route_handlers:  # type: ignore[attr-defined]
            assert api.authenticated in handler.resolve_guards(), route.path


# a domain's own endpoint, added as docs/api.md says: a router in its plugin's routes
@post("/echo", status_code=201)
async def echo(request: Request[Any, Any, Any]) -> dict[str, str]:
    who = api.principal(request)
    return {"role": who.roles[0].role}


def test_a_domain_adds_an_endpoint_that_posts_without_a_browsers_token(
    settings: Settings, seeded: AppState, directeur: Client
) -> None:
    extra = Domain(name="echo", routes=[api.router(echo)])
    application = create_app(settings, seeded, domains=(*DOMAINS, extra))
    secret = make_token(directeur, "Poster", "intern_begeleider")
    with TestClient(application, base_url="http://las.example") as las:
        answer = las.post("/api/v1/echo", headers=bearer(secret), json={})
        assert answer.status_code == 201, answer.text
        assert answer.json() == {"role": "intern_begeleider"}
        assert las.post("/api/v1/echo", json={}).status_code == 401
        schema = las.get("/schema/openapi.json").json()
        assert "post" in schema["paths"]["/api/v1/echo"]
    with seeded.db.session() as session:
        token = token_of(session, secret)
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.object_id == str(token.id))
        ).one()
        assert event.action == "change" and event.purpose == "API call: POST /api/v1/echo"


@get("/boom")
async def boom() -> None:
    raise RuntimeError("a bug")


@get("/read-only")
async def read_only() -> None:
    raise ReadOnly()


def test_a_failing_endpoint_is_a_problem_with_a_reference(
    settings: Settings, seeded: AppState, directeur: Client, caplog: pytest.LogCaptureFixture
) -> None:
    extra = Domain(name="failing", routes=[api.router(boom, read_only)])
    application = create_app(settings, seeded, domains=(*DOMAINS, extra))
    # create_app set up logging anew (runtime/logs.py): listen on the API's logger itself
    logging.getLogger("popo.api").addHandler(caplog.handler)
    secret = make_token(directeur, "Failing", "medewerker")
    with TestClient(
        application, base_url="http://las.example", raise_server_exceptions=False
    ) as las:
        failed = las.get("/api/v1/boom", headers=bearer(secret, **{"Accept-Language": "en"}))
        assert failed.status_code == 500
        assert failed.headers["content-type"].startswith("application/problem+json")
        problem = failed.json()
        assert problem["code"] == "server_error" and len(problem["reference"]) == 8
        assert "a bug" not in failed.text
        logged = [r for r in caplog.records if r.name == "popo.api" and r.levelname == "ERROR"]
        logging.getLogger("popo.api").removeHandler(caplog.handler)
        assert logged[-1].reference == problem["reference"]  # type: ignore[attr-defined]
        assert logged[-1].exc_info is not None
        refused = las.get("/api/v1/read-only", headers=bearer(secret))
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden"


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "nl"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("fr-FR, en;q=0.5", "en"),
        ("en;q=0.2, nl;q=0.8", "nl"),
        ("de", "nl"),
        ("en;q=0", "nl"),
        ("nl, en", "nl"),
        ("en;q=nonsense", "nl"),
    ],
)
def test_the_problems_language_follows_accept_language(
    system: Client, header: str | None, language: str
) -> None:
    headers = {"Accept-Language": header} if header else {}
    detail = system.get("/api/v1/organisation", headers=headers).json()["detail"]
    assert detail.startswith("Deze API" if language == "nl" else "This API")


def test_the_migration_goes_down_and_up_again(scratch_settings: Settings) -> None:
    settings = scratch_settings
    upgrade(settings)
    assert "api_token" in table_names(settings)
    command.downgrade(alembic_config(settings), "0018")  # the revision before the tokens
    assert "api_token" not in table_names(settings)
    upgrade(settings)
    assert "api_token" in table_names(settings)


def test_the_migrated_table_is_the_model(seeded: AppState) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from runtime.db.base import Base

    with seeded.db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [d for d in differences if "api_token" in str(d)] == []
