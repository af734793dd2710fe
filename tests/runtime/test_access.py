"""Accounts, scoped access and the audit log, against the real database."""

from __future__ import annotations

import hashlib
import io
import re
import threading
import time
import uuid
from datetime import date

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from runtime import audit
from runtime.access import accounts, scope
from runtime.access.accounts import Principal
from runtime.access.models import AccessAttempt, UserAccount
from runtime.audit.models import AuditAnchor, AuditEvent
from runtime.db.migrate import upgrade
from runtime.db.session import Database
from runtime.demo import DEMO_PASSWORD
from runtime.organisations.models import Organisation
from runtime.settings import Settings
from runtime.state import AppState

from .conftest import DATABASE_URL, log_in, with_csrf

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
    ("GET", "/submission/status", "/submission/status"),
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
        "/notifications/{notification_id:uuid}/open",  # one's own only: test_notifications
        "/links/{link_id:uuid}/revoke",  # the school's own links only: test_links_for_parents
        # a transfer: its two schools and their boards and SWVs only: test_transfers
        "/transfers/{transfer_id:uuid}",
        "/transfers/{transfer_id:uuid}/forms/{form_id:str}",
        "/transfers/{transfer_id:uuid}/steps/{step_id:str}",
        "/transfers/{transfer_id:uuid}/parents",  # staff who change it only: test_transfer_parents
        "/transfers/{transfer_id:uuid}/parents/{access_id:uuid}/off",  # the same
        # a parents' link to their child's transfer: test_transfer_parents
        "/p/{token:str}",
        "/p/{token:str}/steps/{step_id:str}",
        "/p/{token:str}/okr/{submission_id:uuid}/view",
        "/p/{token:str}/okr/{submission_id:uuid}/report.pdf",
        # the parents' own view (a guardian's link: the child's forms): test_parents_view
        "/p/{token:str}/forms/{submission_id:uuid}/copy.pdf",
        "/p/{token:str}/accesses.csv",
        "/p/{token:str}/renew",
        "/p/{token:str}/messages",  # the parents' own thread: test_transfer_parents
        "/p/{token:str}/messages/{message_id:uuid}/files/{attachment_id:uuid}",
        # a transfer's messages: its two schools only (another: 404): test_transfer_messages
        "/transfers/{transfer_id:uuid}/messages",
        "/transfers/{transfer_id:uuid}/messages/{message_id:uuid}/files/{attachment_id:uuid}",
        # both schools only, another school 404: test_transfer_handover
        "/transfers/{transfer_id:uuid}/bewijs-van-uitschrijving.pdf",
        "/transfers/{transfer_id:uuid}/okr-ready",  # the sending school only
        "/transfers/{transfer_id:uuid}/forms/{form_id:str}/oso",  # as forms/{form_id}
        "/organisation/api-tokens/{token_id:uuid}/revoke",  # its own tokens only: test_api
        "/api/v1/organisations/{organisation_id:uuid}",  # in the token's scope only: test_api
        "/api/v1/transfers/{transfer_id:uuid}",  # in the token's scope only: test_transfer_api
        "/api/v1/transfers/{transfer_id:uuid}/enrolment",  # the same, as the procedure lets
        "/api/v1/transfers/{transfer_id:uuid}/deregistration",
        "/schema/{path:str}",  # the API's OpenAPI document (no data): test_api
        # a placement round: the SWV of its region; a school's result: who reads the school
        "/placement/{policy_id:str}",  # test_placement_round
        "/placement/{policy_id:str}/rounds/{round_id:uuid}/log.json",
        "/placement/{policy_id:str}/schools/{code:str}",
        # a registration's actions and letters: through reach_transfer (the handling school)
        # and the parents' link: test_admissions
        "/transfers/{transfer_id:uuid}/admission/information",
        "/transfers/{transfer_id:uuid}/admission/received",
        "/transfers/{transfer_id:uuid}/admission/extension",
        "/transfers/{transfer_id:uuid}/admission/letters/{event_id:int}/brief.pdf",
        "/p/{token:str}/letters/{event_id:int}/brief.pdf",
        # aanmeldcodes and consent: the code's school, the asking school before and after
        # the parents' consent, the parents' link: the table in test_consent
        "/consent/codes/{code_id:uuid}/renew",
        "/consent/codes/{code_id:uuid}/withdraw",
        "/consent/codes/{code_id:uuid}/letter.pdf",
        "/consent/requests/{request_id:uuid}/paper",
        "/consent/records/{record_id:int}/paper",
        "/consent/{request_id:uuid}",
        "/consent/{request_id:uuid}/forms/{submission_id:uuid}",
        "/consent/{request_id:uuid}/forms/{submission_id:uuid}/archive.pdf",
        "/p/{token:str}/consent/{request_id:uuid}",
        "/p/{token:str}/consent/{request_id:uuid}/withdraw",
        "/p/{token:str}/consent/codes/{code_id:uuid}/letter.pdf",
        # a support request: its school and the SWV it is made to; the SWV without the
        # reports the parents did not share; the parents' own link: test_support
        "/support/{request_id:uuid}",
        "/support/{request_id:uuid}/steps/{step_id:str}",
        "/support/{request_id:uuid}/parents",
        "/support/{request_id:uuid}/reports/{report_id:uuid}",
        "/ol/{token:str}",
        "/ol/{token:str}/seen",
        "/ol/{token:str}/reports",
        # an absence case: its school, board and SWV (reading), the SWV's own: test_absence
        "/absence/{case_id:uuid}",
        # monitoring: the perspectives the person has only (another organisation, an overview
        # not offered to it: 404), figures scoped in the query; reports of those only:
        # test_monitoring
        "/monitoring/{overview_id:str}",
        "/monitoring/{overview_id:str}/records",
        "/monitoring/{overview_id:str}/export.csv",
        "/monitoring/{overview_id:str}/export.xlsx",
        "/monitoring/reports/{report_id:uuid}",
        "/monitoring/reports/{report_id:uuid}/{name:str}",
        # a large export: asked as export.csv is; its page and file for the person who asked
        # only (the file while they still see the figures): test_monitoring_exports
        "/monitoring/{overview_id:str}/exports",
        "/monitoring/exports/{export_id:uuid}",
        "/monitoring/exports/{export_id:uuid}/download",
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


def organisations_in_scope(
    session: Session, who: Principal, access: scope.Access = "read", on: date | None = None
) -> set[uuid.UUID]:
    """The organisations the scope rule holds for (the rule applied to ``organisation.id``)."""
    return set(
        session.scalars(
            select(Organisation.id).where(scope.where(Organisation.id, who, access, on))
        )
    )


def test_every_access_is_audited_in_a_verifiable_chain(client: Client, seeded: AppState) -> None:
    draft = start_draft(client)
    page = draft + "/pages/leerling"
    client.post(page, data={"achternaam": "Bakker", "bsn": "111222333", "identificatie": "bsn"})
    client.get(page)
    with seeded.db.session() as session:
        events = audit.for_pupil(session, seeded.audit_key, "111222333")
        actions = [(e.actor, e.action, e.object_type) for e in events]
        assert ("ib@regenboog.demo", "read", "draft") in actions
        assert all(e.pupil != "111222333" for e in events)  # the number itself is not stored
    chain_all(seeded)
    with seeded.db.session() as session:
        checked, broken, problem, *_ = audit.verify(session, seeded.audit_key)
        assert checked >= 2 and broken is None and problem is None
        # tampering with one event breaks the chain at that event
        victim = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).first()
        assert victim is not None
        victim.purpose = "something else"
        session.flush()
        assert audit.verify(session, seeded.audit_key).broken == victim.id
        session.rollback()


def test_a_board_or_swv_sees_school_data_only_under_an_active_agreement(
    app: Litestar, client: Client, seeded: AppState
) -> None:
    from datetime import timedelta

    from runtime.access.accounts import principal
    from runtime.organisations.models import ProcessingAgreement

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
            assert school.id not in organisations_in_scope(session, who, on=date(2026, 7, 31))
            assert school.id in organisations_in_scope(session, who)


def test_the_privacy_officer_lists_access_to_a_pupil_at_their_school(
    app: Litestar, client: Client
) -> None:
    draft = start_draft(client)
    client.post(draft + "/pages/leerling", data={"bsn": "123456782", "identificatie": "bsn"})
    client.get(draft + "/pages/leerling")
    with TestClient(app, base_url="http://privacy.local") as officer:
        with_csrf(officer)
        log_in(officer, "privacy@regenboog.demo")
        page = officer.post("/privacy", data={"number": "123456782"}).text
        assert "ib@regenboog.demo" in page and "formulier invullen: overstapformulier-noord" in page
    with TestClient(app, base_url="http://notofficer.local") as other:
        with_csrf(other)
        log_in(other, "ib@regenboog.demo")
        assert other.get("/privacy").status_code == 404
        assert other.post("/privacy", data={"number": "123456782"}).status_code == 404


def privacy_rows(page: str) -> list[list[str]]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_the_privacy_page_groups_autosaves_per_person_form_action_and_day(
    app: Litestar, client: Client, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft = start_draft(client)
    page = draft + "/pages/leerling"
    client.post(page, data={"bsn": "135792460", "identificatie": "bsn"}, follow_redirects=False)
    for typed in ("B", "Ba", "Bak", "Bakk", "Bakker"):  # five autosaves while typing a name
        client.post(
            page + "/change",
            data={"achternaam": typed, "bsn": "135792460", "identificatie": "bsn"},
            headers={"X-POPO-Field": "achternaam", "HX-Request": "true"},
        )
    client.get(page)
    with TestClient(app, base_url="http://privacy.local") as officer:
        with_csrf(officer)
        log_in(officer, "privacy@regenboog.demo")
        rows = privacy_rows(officer.post("/privacy", data={"number": "135792460"}).text)
        # one line per person, form, action, purpose and day: [when, who, role, what, purpose,
        # how many, from]
        assert [(r[1], r[2], r[3], r[4], r[5]) for r in rows] == [
            (
                "ib@regenboog.demo",
                "intern begeleider",
                "gewijzigd",
                "formulier invullen: overstapformulier-noord",
                "5",
            ),
            (
                "ib@regenboog.demo",
                "intern begeleider",
                "ingezien",
                "formulier invullen: overstapformulier-noord",
                "1",
            ),
        ]
        assert " tot " in rows[0][0]  # the first and the last time of the five
        english = privacy_rows(officer.post("/privacy?lang=en", data={"number": "135792460"}).text)
        assert [(r[2], r[3], r[4]) for r in english] == [
            ("intern begeleider", "changed", "fill in the form: overstapformulier-noord"),
            ("intern begeleider", "read", "fill in the form: overstapformulier-noord"),
        ]
    code, out = popo_audit(settings, monkeypatch, "pupil", "135792460")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3 and " 5x ib@regenboog.demo " in lines[0], out
    assert lines[-1] == "6 access(es) to this pupil's data"
    _, every = popo_audit(settings, monkeypatch, "pupil", "--all", "135792460")
    assert len(every.splitlines()) == 7


def test_the_bsn_travels_only_in_a_post_body_and_the_result_is_not_stored(
    app: Litestar, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    draft = start_draft(client)
    client.post(draft + "/pages/leerling", data={"bsn": "864209757", "identificatie": "bsn"})
    client.get(draft + "/pages/leerling")
    with TestClient(app, base_url="http://privacy.local") as officer:
        with_csrf(officer)
        log_in(officer, "privacy@regenboog.demo")
        form = officer.get("/privacy")
        assert re.search(r'<form method="post" action="/privacy"', form.text)
        assert 'name="_csrf_token"' in form.text
        # an old bookmark with the number in its address searches nothing
        assert "Vastgelegde toegang" not in officer.get("/privacy?number=864209757").text
        caplog.clear()
        with caplog.at_level("DEBUG"):
            result = officer.post("/privacy", data={"number": "864209757"}, follow_redirects=False)
        assert result.status_code == 200 and "Vastgelegde toegang" in result.text
        assert "ib@regenboog.demo" in result.text
        assert "864209757" not in str(result.url) and "location" not in result.headers
        assert "no-store" in result.headers["cache-control"]
        assert all("864209757" not in record.getMessage() for record in caplog.records)
        assert "864209757" not in result.text  # nor is it written back into the page


# Roles that see a school's drafts but may not change them (docs/security.md: "sees")
READ_ONLY = ["bestuur@noorderbasis.demo", "swv@noord.demo", "privacy@regenboog.demo"]
# (method, path after the draft, form data, htmx field) of every route that changes a draft
WRITE_ROUTES: list[tuple[str, dict[str, str], str | None]] = [
    ("/pages/leerling", {"achternaam": "Veranderd"}, None),
    ("/pages/nieuwe_school", {"action": "add_row:voorkeursscholen"}, None),
    ("/pages/leerling/change", {"achternaam": "Veranderd"}, "achternaam"),
    ("/submit", {}, None),
]


@pytest.mark.parametrize("email", READ_ONLY)
def test_roles_that_see_read_a_draft_but_cannot_change_or_submit_it(
    app: Litestar, client: Client, seeded: AppState, email: str
) -> None:
    from runtime.forms.models import Draft

    draft = start_draft(client)
    client.post(draft + "/pages/leerling", data={"achternaam": "Jansen"})
    draft_id = draft.rsplit("/", 1)[-1]
    with seeded.db.session() as session:
        before = session.get(Draft, uuid.UUID(draft_id))
        assert before is not None
        answers, revision = dict(before.answers), before.revision
    with TestClient(app, base_url="http://reader.local") as reader:
        with_csrf(reader)
        log_in(reader, email)
        page = reader.get(draft + "/pages/leerling")
        assert page.status_code == 200 and "Jansen" in page.text
        assert reader.get(draft + "/check").status_code == 200
        for suffix, data, field in WRITE_ROUTES:
            headers = {"X-POPO-Field": field, "HX-Request": "true"} if field else {}
            response = reader.post(
                draft + suffix, data=data, headers=headers, follow_redirects=False
            )
            assert response.status_code == 403, (suffix, response.status_code)
            assert "text/html" in response.headers["content-type"]
            assert "U mag dit formulier inzien, maar niet wijzigen." in response.text
        # nor do they start a rapport from an OSO dossier
        imported = reader.post(
            "/forms/onderwijskundig-rapport-noord/oso",
            files={"dossier": ("dossier.xml", b"<x/>", "application/xml")},
            follow_redirects=False,
        )
        assert imported.status_code == 403
    with seeded.db.session() as session:
        after = session.get(Draft, uuid.UUID(draft_id))
        assert after is not None
        assert after.answers == answers and after.revision == revision
        assert after.status == "open"


def test_school_staff_change_their_schools_drafts(app: Litestar, client: Client) -> None:
    draft = start_draft(client)
    with TestClient(app, base_url="http://colleague.local") as colleague:
        with_csrf(colleague)
        log_in(colleague, "leerkracht@regenboog.demo")
        saved = colleague.post(
            draft + "/pages/leerling", data={"achternaam": "Collega"}, follow_redirects=False
        )
        assert saved.status_code in (200, 303)
        assert "Collega" in colleague.get(draft + "/pages/leerling").text


def test_the_scope_rule_separates_reading_from_writing(client: Client, seeded: AppState) -> None:
    from runtime.access.accounts import principal

    with seeded.db.session() as session:
        school = session.scalars(select(Organisation).where(Organisation.code == "12AB00")).one()
    for email, writes in [
        ("ib@regenboog.demo", True),
        ("leerkracht@regenboog.demo", True),
        *[(reader, False) for reader in READ_ONLY],
    ]:
        with TestClient(client.app, base_url="http://scope.local") as other:
            with_csrf(other)
            log_in(other, email)
            with seeded.db.session() as session:
                who = principal(session, other.cookies.get("popo_session"))
                assert who is not None
                assert school.id in organisations_in_scope(session, who, access="read"), email
                assert (school.id in organisations_in_scope(session, who, access="write")) is writes


def audited_draft(client: Client, number: str = "111222333") -> str:
    draft = start_draft(client)
    page = draft + "/pages/leerling"
    client.post(page, data={"achternaam": "Bakker", "bsn": number, "identificatie": "bsn"})
    client.get(page)
    return draft


def popo_audit(settings: Settings, monkeypatch: pytest.MonkeyPatch, *argv: str) -> tuple[int, str]:
    """``popo audit …`` against the test database, as an operator runs it."""
    from runtime.cli import main

    monkeypatch.setenv("POPO_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("POPO_DATA_DIR", str(settings.data_dir))
    out = io.StringIO()
    code = main(["audit", *argv], out)
    return code, out.getvalue()


def chain_all(state: AppState) -> None:
    """Chain every event written so far (the job's work), waiting while the application's own
    job worker is the one chainer at that moment."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with state.db.session() as session:
            audit.chain(session, state.audit_key)
            if audit.unchained(session)[0] == 0:
                return
        time.sleep(0.05)
    raise AssertionError("the audit events were not chained")


def test_the_pupil_key_is_keyed_not_a_plain_hash_of_the_bsn(
    client: Client, seeded: AppState
) -> None:
    audited_draft(client, "123123123")
    unkeyed = hashlib.sha256(b"popo-pupil:123123123").hexdigest()
    with seeded.db.session() as session:
        keys = {e.pupil for e in audit.for_pupil(session, seeded.audit_key, "123123123")}
        assert keys and unkeyed not in keys  # guessing BSNs no longer finds the pupil


def test_an_intact_chain_passes_and_its_head_can_be_kept_elsewhere(
    client: Client, seeded: AppState, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    audited_draft(client)
    code, out = popo_audit(settings, monkeypatch, "anchor")
    assert code == 0 and out.startswith("anchor: event ")
    head = out.split()[3]
    code, out = popo_audit(settings, monkeypatch, "verify", "--head", head)
    assert code == 0 and "the chain is intact" in out, out


def test_a_chain_rewritten_with_plain_sha256_fails_verify(client: Client, seeded: AppState) -> None:
    audited_draft(client)
    chain_all(seeded)
    with seeded.db.session() as session:
        previous = audit.GENESIS
        chained = select(AuditEvent).where(AuditEvent.seq.is_not(None))
        for event in session.scalars(chained.order_by(AuditEvent.seq)):
            event.purpose = event.purpose.replace("fill in", "look at")  # the forger's change
            event.previous_hash = previous
            event.hash = audit._legacy_digest(audit._values(event), previous)
            previous = event.hash
        session.flush()
        assert audit.verify(session, seeded.audit_key).problem is not None
        session.execute(delete(AuditAnchor))  # the anchors go too: still not accepted
        assert "not sealed" in (audit.verify(session, seeded.audit_key).problem or "")
        session.rollback()


def test_removing_the_newest_events_fails_verify(
    client: Client, seeded: AppState, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    audited_draft(client)
    _, out = popo_audit(settings, monkeypatch, "anchor")
    head = out.split()[3]
    with seeded.db.session() as session:
        newest = session.scalars(
            select(AuditEvent).where(AuditEvent.seq.is_not(None)).order_by(AuditEvent.seq.desc())
        ).all()[:2]
        for event in list(newest):
            session.delete(event)
        session.flush()
        result = audit.verify(session, seeded.audit_key)
        assert result.problem is not None and "missing" in result.problem
        # with the anchors removed as well, the head kept outside POPO still tells
        session.execute(delete(AuditAnchor))
        assert audit.verify(session, seeded.audit_key).problem is None
        assert audit.verify(session, seeded.audit_key, heads=[head]).problem is not None
        session.rollback()


def test_events_from_before_the_key_are_found_and_sealed(client: Client, seeded: AppState) -> None:
    """Migration path: events written before 0008 keep their unkeyed hashes and pupil keys."""
    from datetime import UTC, datetime

    key = seeded.audit_key
    with seeded.db.session() as session:
        session.execute(delete(AuditAnchor))
        session.execute(delete(AuditEvent))
        previous = audit.GENESIS
        for seq, number in enumerate(("555666777", "555666777"), 1):
            values = {
                "at": datetime.now(UTC), "user_id": None, "actor": "ib@regenboog.demo",
                "role": "intern_begeleider", "organisation_id": None, "action": "read",
                "object_type": "draft", "object_id": "old", "purpose": "fill in the form: x",
                "pupil": audit.legacy_pupil_key(number), "address": "127.0.0.1",
            }  # fmt: skip
            event = AuditEvent(**values, seq=seq, previous_hash=previous)
            event.hash = audit._legacy_digest(values, previous)
            session.add(event)
            session.flush()
            previous = event.hash
        assert len(audit.for_pupil(session, key, "555666777")) == 2
        assert "not sealed" in (audit.verify(session, key).problem or "")
        actor = audit.Actor(None, "parent link", "parent", None, None)
        audit.record(
            session, key, actor, "read", "draft", "old", "fill in the form: x", "555666777"
        )
        assert "not sealed" in (audit.verify(session, key).problem or "")  # not chained yet
        assert audit.chain(session, key) == 1
        assert audit.verify(session, key).problem is None  # the keyed event seals them
        assert len(audit.for_pupil(session, key, "555666777")) == 3
        session.rollback()


# ------------------------------------------------------------- the chainer


def test_an_event_waits_for_the_chainer_and_verify_reports_the_tail(
    client: Client, seeded: AppState, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    chain_all(seeded)
    actor = audit.Actor(None, "ib@regenboog.demo", "intern_begeleider", None, "127.0.0.1")
    with seeded.db.session() as session:
        audit.record(session, seeded.audit_key, actor, "read", "draft", "tail", "fill in the form")
    with seeded.db.session() as session:
        written = session.scalars(select(AuditEvent).where(AuditEvent.object_id == "tail")).one()
        assert written.seq is None and written.hash is None  # written, not chained yet
        result = audit.verify(session, seeded.audit_key)
        assert result.problem is None and result.unchained >= 1
        assert result.unchained_since is not None
    code, out = popo_audit(settings, monkeypatch, "verify")
    assert code == 0 and "the chain is intact" in out and "unchained: " in out, out
    code, out = popo_audit(settings, monkeypatch, "chain")
    assert code == 0 and re.match(r"chained: \d+ events\n", out), out
    chain_all(seeded)  # whatever the application's job worker still held
    with seeded.db.session() as session:
        written = session.scalars(select(AuditEvent).where(AuditEvent.object_id == "tail")).one()
        assert written.seq is not None and written.hash is not None
        assert written.previous_hash is not None
    code, out = popo_audit(settings, monkeypatch, "verify")
    assert code == 0 and "unchained" not in out, out


def test_the_chainer_is_a_job_every_minute() -> None:
    from runtime.jobs.spec import TASKS

    assert TASKS["audit_chain"].cron == "* * * * *"


def test_an_event_rolled_back_with_its_request_never_reaches_the_chain(seeded: AppState) -> None:
    actor = audit.Actor(None, "ib@regenboog.demo", "intern_begeleider", None, None)
    with pytest.raises(RuntimeError), seeded.db.session() as session:
        audit.record(session, seeded.audit_key, actor, "read", "draft", "gone", "fill in the form")
        raise RuntimeError("the request fails after its read was recorded")
    chain_all(seeded)
    with seeded.db.session() as session:
        assert not session.scalars(select(AuditEvent).where(AuditEvent.object_id == "gone")).all()
        assert audit.verify(session, seeded.audit_key).problem is None


@pytest.mark.skipif(not DATABASE_URL, reason="SQLite has one writer at a time by design")
def test_requests_writing_events_do_not_wait_for_each_other_and_commit_out_of_order(
    seeded: AppState,
) -> None:
    """Two transactions each record an event: the second commits while the first is still
    open (no lock of the whole log), so the first's event, with the lower id, commits after
    a later one was chained; both end up on the chain, which verifies."""
    chain_all(seeded)
    key = seeded.audit_key
    actor = audit.Actor(None, "ib@regenboog.demo", "intern_begeleider", None, None)
    with seeded.db.session() as first:
        audit.record(first, key, actor, "read", "draft", "first-open", "fill in the form")
        done = threading.Event()

        def second() -> None:
            with seeded.db.session() as session:
                audit.record(session, key, actor, "read", "draft", "second", "fill in the form")
            done.set()

        thread = threading.Thread(target=second)
        thread.start()
        assert done.wait(10), "the second request waited for the first one's transaction"
        thread.join()
        chain_all(seeded)  # the second is chained, the first is not committed yet
    chain_all(seeded)
    with seeded.db.session() as session:
        found = {
            e.object_id: e
            for e in session.scalars(
                select(AuditEvent).where(AuditEvent.object_id.in_(["first-open", "second"]))
            )
        }
        assert found["first-open"].id < found["second"].id
        assert found["first-open"].seq > found["second"].seq  # chained in the order committed
        assert audit.verify(session, key).problem is None


def test_migration_0030_goes_down_only_once_every_event_is_chained(
    scratch_settings: Settings,
) -> None:
    from alembic import command

    from runtime.db.migrate import alembic_config

    upgrade(scratch_settings)
    database = Database(scratch_settings)
    key = b"a key of the migration test"
    actor = audit.Actor(None, "ib@regenboog.demo", "intern_begeleider", None, None)
    try:
        with database.session() as session:
            for name in ("one", "two"):
                audit.record(session, key, actor, "read", "draft", name, "fill in the form")
        with pytest.raises(RuntimeError, match="not chained yet"):
            command.downgrade(alembic_config(scratch_settings), "0029")
        with database.session() as session:
            assert audit.chain(session, key) == 2
        command.downgrade(alembic_config(scratch_settings), "0029")
        upgrade(scratch_settings)
        with database.session() as session:
            events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
            assert [e.seq for e in events] == [e.id for e in events]
            assert audit.verify(session, key).problem is None
    finally:
        database.engine.dispose()
