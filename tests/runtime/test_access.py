"""Accounts, scoped access and the audit log, against the real database."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import delete, select

from runtime.access import accounts, audit
from runtime.db.models import AccessAttempt, AuditEvent, UserAccount
from runtime.demo import DEMO_PASSWORD
from runtime.state import AppState

from .conftest import log_in, with_csrf

Client = TestClient[Litestar]


def test_staff_pages_need_a_login_and_forms_need_the_csrf_token(anonymous: Client) -> None:
    response = anonymous.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/"
    no_token = anonymous.post(
        "/login", data={"email": "x", "password": "y"}, headers={"x-csrftoken": "forged"}
    )
    assert no_token.status_code == 403


WRONG = "Onjuist e-mailadres of wachtwoord. Na 5 mislukte pogingen"


def test_wrong_passwords_lock_the_account_without_telling_whether_it_exists(
    anonymous: Client, seeded: AppState
) -> None:
    pages = {}
    for email in ("leerkracht@regenboog.demo", "niemand-hier@regenboog.demo"):
        for _ in range(accounts.MAX_FAILED):
            page = anonymous.post("/login", data={"email": email, "password": "nee"})
            assert page.status_code == 401 and WRONG in page.text
        # locked now, even with the right password, and it says no more than before
        page = anonymous.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert page.status_code == 401 and WRONG in page.text
        pages[email] = page.text
    assert pages["leerkracht@regenboog.demo"] == pages["niemand-hier@regenboog.demo"]
    with seeded.db.session() as session:
        session.execute(delete(AccessAttempt))
        user = session.scalar(
            select(UserAccount).where(UserAccount.email == "leerkracht@regenboog.demo")
        )
        assert user is not None and user.password_hash.startswith("$argon2id$")
    log_in(anonymous, "leerkracht@regenboog.demo")


def test_logout_everywhere_ends_every_session(app: Litestar, seeded: AppState) -> None:
    with (
        TestClient(app, base_url="http://a.local") as first,
        TestClient(app, base_url="http://a.local") as second,
    ):
        for client in (first, second):
            with_csrf(client)
            log_in(client, "directeur@linde.demo")
            assert client.get("/", follow_redirects=False).status_code == 200
        first.post("/logout?everywhere=1")
        assert second.get("/", follow_redirects=False).status_code == 303


def start_draft(client: Client, form_id: str = "overstapformulier-noord") -> str:
    response = client.post(f"/forms/{form_id}/start", follow_redirects=False)
    assert response.status_code == 303, response.text[:300]
    return str(response.headers["location"])


# Who may open a draft started at De Regenboog (a school of Stichting Noorderbasis, SWV Noord)?
ACCESS = {
    "ib@regenboog.demo": True,  # the school itself
    "leerkracht@regenboog.demo": True,
    "bestuur@noorderbasis.demo": True,  # its school board
    "swv@noord.demo": True,  # its samenwerkingsverband
    "directeur@linde.demo": False,  # another school of the same board
    "ib@kompas.demo": False,  # a school in another region
    "consultant@popo.demo": False,  # platform roles see no pupil data
    "beheer@popo.demo": False,
}
# (method, route template after the draft, the concrete path used)
DRAFT_ROUTES = [
    ("GET", "", ""),
    ("GET", "/pages/{page_id:str}", "/pages/leerling"),
    ("POST", "/pages/{page_id:str}", "/pages/leerling"),
    ("POST", "/pages/{page_id:str}/change", "/pages/leerling/change"),
    ("GET", "/check", "/check"),
    ("POST", "/submit", "/submit"),
    ("GET", "/submission", "/submission"),
    ("GET", "/submission.pdf", "/submission.pdf"),
    ("GET", "/files/{attachment_id:uuid}", "/files/00000000-0000-4000-8000-000000000000"),
    ("GET", "/oso-import", "/oso-import"),
    ("GET", "/submission.oso.xml", "/submission.oso.xml"),
]


def test_every_route_with_an_id_is_in_the_authorisation_table(app: Litestar) -> None:
    covered = {"/drafts/{ref:str}" + template for _, template, _ in DRAFT_ROUTES}
    covered |= {"/r/{ref:str}" + template for _, template, _ in DRAFT_ROUTES}
    covered |= {
        "/r/{ref:str}/revoke",  # a parent's own link: tested in test_links_files
        "/start/{token:str}",  # a public link: tested in test_links_files
        "/forms/{form_id:str}/start",  # no pupil data: starts a draft at the user's school
        "/forms/{form_id:str}/oso",  # a new draft at the user's school: tested in test_oso
        "/password/reset/{token:str}",  # no pupil data: a single-use reset link
        "/static/{file_path:path}",  # the application's own CSS
        "/static/vendor/{file_path:path}",  # htmx
    }
    with_ids = {route.path for route in app.routes if "{" in route.path}
    missing = sorted(path for path in with_ids if path not in covered)
    assert missing == [], f"add these routes to the authorisation table: {missing}"


@pytest.mark.parametrize(("email", "allowed"), sorted(ACCESS.items()))
def test_a_draft_is_seen_only_by_its_own_organisations(
    app: Litestar, client: Client, email: str, allowed: bool
) -> None:
    draft = start_draft(client)  # started by the IB of De Regenboog
    client.post(draft + "/pages/leerling", data={"achternaam": "Geheimnaam"})
    with TestClient(app, base_url="http://other.local") as other:
        with_csrf(other)
        log_in(other, email)
        for method, _, suffix in DRAFT_ROUTES:
            response = other.request(method, draft + suffix, follow_redirects=False)
            if allowed:
                assert response.status_code != 404 or suffix.startswith(
                    ("/files", "/submission", "/oso-import")
                ), (
                    method,
                    suffix,
                    response.status_code,
                )
            else:
                assert response.status_code == 404, (method, suffix, response.status_code)
                assert "Geheimnaam" not in response.text


def test_every_access_is_audited_in_a_verifiable_chain(client: Client, seeded: AppState) -> None:
    draft = start_draft(client)
    page = draft + "/pages/leerling"
    client.post(page, data={"achternaam": "Bakker", "bsn": "111222333", "identificatie": "bsn"})
    client.get(page)
    with seeded.db.session() as session:
        events = audit.for_pupil(session, "111222333")
        actions = [(e.actor, e.action, e.object_type) for e in events]
        assert ("ib@regenboog.demo", "read", "draft") in actions
        assert all(e.pupil != "111222333" for e in events)  # the number itself is not stored
        checked, broken = audit.verify(session)
        assert checked >= 2 and broken is None
        # tampering with one event breaks the chain at that event
        victim = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).first()
        assert victim is not None
        victim.purpose = "something else"
        session.flush()
        assert audit.verify(session)[1] == victim.id
        session.rollback()


def test_a_board_or_swv_sees_school_data_only_under_an_active_agreement(
    app: Litestar, client: Client, seeded: AppState
) -> None:
    from datetime import date, timedelta

    from runtime.access.accounts import principal
    from runtime.access.scope import visible_organisations
    from runtime.db.models import Organisation, ProcessingAgreement

    draft = start_draft(client)
    with seeded.db.session() as session:
        agreements = session.scalars(select(ProcessingAgreement)).all()
        swv = session.scalars(select(Organisation).where(Organisation.code == "PO2001")).one()
        school = session.scalars(select(Organisation).where(Organisation.code == "12AB00")).one()
        swv_agreement = next(a for a in agreements if a.processor_id == swv.id)
        swv_agreement.ends_on = date.today() - timedelta(days=1)  # expired yesterday
    with TestClient(app, base_url="http://swv.local") as other:
        with_csrf(other)
        log_in(other, "swv@noord.demo")
        assert other.get(draft + "/pages/leerling").status_code == 404
        with seeded.db.session() as session:
            agreement = session.get(ProcessingAgreement, swv_agreement.id)
            assert agreement is not None
            agreement.ends_on = None
        assert other.get(draft + "/pages/leerling").status_code == 200
        with seeded.db.session() as session:
            token = other.cookies.get("popo_session")
            who = principal(session, token)
            assert who is not None
            # before the agreement started, nothing was visible
            assert school.id not in visible_organisations(session, who, date(2026, 7, 31))
            assert school.id in visible_organisations(session, who)


def test_the_privacy_officer_lists_access_to_a_pupil_at_their_school(
    app: Litestar, client: Client
) -> None:
    draft = start_draft(client)
    client.post(draft + "/pages/leerling", data={"bsn": "123456782", "identificatie": "bsn"})
    client.get(draft + "/pages/leerling")
    with TestClient(app, base_url="http://privacy.local") as officer:
        with_csrf(officer)
        log_in(officer, "privacy@regenboog.demo")
        page = officer.get("/privacy?number=123456782").text
        assert "ib@regenboog.demo" in page and "fill in the form: overstapformulier-noord" in page
    with TestClient(app, base_url="http://notofficer.local") as other:
        with_csrf(other)
        log_in(other, "ib@regenboog.demo")
        assert other.get("/privacy?number=123456782").status_code == 404
