"""Transfers on the API, as a school administration system uses it: the new school's token
lists the transfers to it and reads one with its timeline; another school's token finds
neither; every read of one transfer is in the audit log against the pupil; wrong parameters
are a JSON problem, never a page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from runtime.access import tokens
from runtime.access.models import UserAccount
from runtime.audit.models import AuditEvent
from runtime.organisations.models import Organisation
from runtime.state import AppState

from .test_api import bearer, logged_in, make_token
from .test_transfers import new_transfer, send_form_for, version_of

Client = TestClient[Litestar]


@pytest.fixture
def system(app: Litestar, seeded: AppState) -> Iterator[Client]:
    with TestClient(app, base_url="http://las.example") as las:
        yield las


def test_the_new_schools_system_lists_and_reads_its_transfers(
    app: Litestar, client: Client, system: Client, seeded: AppState
) -> None:
    url, data = new_transfer(client)
    transfer_id = url.split("/")[2]
    for directeur in logged_in(app, "directeur@linde.demo"):
        secret = make_token(directeur, "LAS De Linde", "directeur")
    since = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    listed = system.get(
        "/api/v1/transfers",
        params={"school": "34cd00", "updated_since": since, "page_size": "100"},
        headers=bearer(secret),
    )
    assert listed.status_code == 200, listed.text
    items = {item["id"]: item for item in listed.json()["items"]}
    assert transfer_id in items
    item = items[transfer_id]
    assert item["status"] == "gemeld" and item["status_label"] == "Gemeld"
    assert item["receiving_school"]["code"] == "34CD00"
    assert item["sending_school"]["code"] == "12AB00"
    english = system.get(
        f"/api/v1/transfers/{transfer_id}", headers=bearer(secret, **{"Accept-Language": "en"})
    )
    assert english.status_code == 200, english.text
    detail = english.json()
    assert detail["transfer"]["status_label"] == "Reported"
    assert detail["pupil"]["achternaam"] == data["achternaam"]
    assert detail["pupil"]["number"].startswith("*****")  # not (yet) their pupil
    assert next(e["kind"] for e in detail["timeline"]) == "started"
    assert {t["id"] for t in detail["tasks"]} == {"overstapformulier_invullen"}
    with seeded.db.session() as session:
        reads = session.scalars(
            select(AuditEvent).where(
                AuditEvent.object_type == "transfer", AuditEvent.object_id == transfer_id
            )
        ).all()
    assert any(e.pupil and "LAS De Linde" in e.actor for e in reads)


def kompas_token(state: AppState) -> str:
    """A token of Het Kompas (Regio Zuid), as its directeur would make one."""
    with state.db.session() as session:
        school = session.scalar(select(Organisation).where(Organisation.code == "56EF00"))
        ib = session.scalar(select(UserAccount).where(UserAccount.email == "ib@kompas.demo"))
        assert school is not None and ib is not None
        _, secret = tokens.create(session, school, "LAS Het Kompas", "intern_begeleider", ib.id)
    return secret


def test_another_schools_token_finds_no_transfer_of_others(
    app: Litestar, client: Client, system: Client, seeded: AppState
) -> None:
    url, data = new_transfer(client)
    other = kompas_token(seeded)
    assert system.get(f"/api/v1{url}", headers=bearer(other)).status_code == 404
    listed = system.get("/api/v1/transfers", params={"page_size": "100"}, headers=bearer(other))
    assert url.split("/")[2] not in listed.text and data["achternaam"] not in listed.text
    # the board and the SWV of both schools read it, as their people do on the pages
    for email, role in (("bestuur@noorderbasis.demo", "bestuur"), ("swv@noord.demo", "swv")):
        for account in logged_in(app, email):
            secret = make_token(account, "Monitor", role)
        assert system.get(f"/api/v1{url}", headers=bearer(secret)).status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"page": "0"},
        {"page_size": "1000"},
        {"updated_since": "2026-12-01T10:00:00"},  # no time zone
        {"page": "een"},
    ],
)
def test_wrong_parameters_are_a_problem_in_json(
    app: Litestar, system: Client, params: dict[str, str]
) -> None:
    for directeur in logged_in(app, "directeur@linde.demo"):
        secret = make_token(directeur, "LAS", "directeur")
    answer = system.get("/api/v1/transfers", params=params, headers=bearer(secret))
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["detail"]


def test_the_openapi_document_holds_the_transfer_endpoints(system: Client) -> None:
    paths = system.get("/schema/openapi.json").json()["paths"]
    assert "/api/v1/transfers" in paths and "/api/v1/transfers/{transfer_id}" in paths


def admitted(client: Client, seeded: AppState, app: Litestar) -> str:
    """A transfer from De Regenboog to De Linde, admitted there."""
    url, _ = new_transfer(client)
    send_form_for(client, seeded, url, "overstapformulier-noord")
    client.post(f"{url}/steps/aanmelden", data={"version": version_of(client.get(url).text)})
    for director in logged_in(app, "directeur@linde.demo"):
        for step in ("in_behandeling_nemen", "toelaten"):
            page = director.get(url).text
            director.post(f"{url}/steps/{step}", data={"version": version_of(page)})
    return url


def test_the_schools_systems_report_enrolment_and_deregistration(
    app: Litestar, client: Client, system: Client, seeded: AppState
) -> None:
    url = admitted(client, seeded, app)
    transfer_id = url.split("/")[2]
    for director in logged_in(app, "directeur@linde.demo"):
        new_school = make_token(director, "LAS De Linde", "medewerker")
    # too early: the deregistration cannot come before the enrolment
    early = system.post(
        f"/api/v1/transfers/{transfer_id}/deregistration",
        json={"date": date.today().isoformat()},
        headers=bearer(new_school),
    )
    assert early.status_code == 422
    assert early.headers["content-type"].startswith("application/problem+json")
    enrolled_on = date.today() + timedelta(days=7)
    stale = system.post(
        f"/api/v1/transfers/{transfer_id}/enrolment",
        json={"date": enrolled_on.isoformat(), "version": 1},
        headers=bearer(new_school),
    )
    assert stale.status_code == 409 and stale.json()["code"] == "stale"
    done = system.post(
        f"/api/v1/transfers/{transfer_id}/enrolment",
        json={"date": enrolled_on.isoformat()},
        headers=bearer(new_school),
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "ingeschreven"
    assert done.json()["enrolled_on"] == enrolled_on.isoformat()
    # the new school may not deregister at the previous one
    theirs = system.post(
        f"/api/v1/transfers/{transfer_id}/deregistration",
        json={"date": (enrolled_on - timedelta(days=1)).isoformat()},
        headers=bearer(new_school, **{"Accept-Language": "en"}),
    )
    assert theirs.status_code == 403 and "Only" in theirs.json()["detail"]
    with seeded.db.session() as session:
        school = session.scalar(select(Organisation).where(Organisation.code == "12AB00"))
        account = session.scalar(
            select(UserAccount).where(UserAccount.email == "ib@regenboog.demo")
        )
        assert school is not None and account is not None
        _, old_school = tokens.create(session, school, "LAS De Regenboog", "medewerker", account.id)
    gap = system.post(
        f"/api/v1/transfers/{transfer_id}/deregistration",
        json={"date": (enrolled_on - timedelta(days=3)).isoformat()},
        headers=bearer(old_school),
    )
    assert gap.status_code == 422 and gap.json()["detail"]
    deregistered = system.post(
        f"/api/v1/transfers/{transfer_id}/deregistration",
        json={"date": (enrolled_on - timedelta(days=1)).isoformat()},
        headers=bearer(old_school),
    )
    assert deregistered.status_code == 200, deregistered.text
    assert deregistered.json()["deregistered_on"] == (enrolled_on - timedelta(days=1)).isoformat()
    timeline = client.get(url).text
    assert "Ingeschreven per" in timeline and "Uitgeschreven per" in timeline
