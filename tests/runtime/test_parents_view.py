"""The parents' own view on their link, as a parent checks it: a guardian's link lists every
transfer and registration of the child with its status and next step, the forms sent about
the child with their PDF copies, and who saw the child's data (the school's role and name and
why, never a staff e-mail address), with a CSV of that list; a link a school handed over shows
only its own transfer. An expired link of a guardian offers a new link by e-mail (one mail,
limited per day); a switched off link never does."""

from __future__ import annotations

import csv
import io
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select

from runtime import audit, jobs
from runtime.app import create_app
from runtime.audit.models import AuditEvent
from runtime.forms import archive
from runtime.forms.models import Submission
from runtime.outbox import OutboxMessage
from runtime.pupils import service as pupils
from runtime.pupils.models import Guardian, Pupil
from runtime.state import AppState
from runtime.transfers import parents
from runtime.transfers.models import ParentAccess, Transfer
from runtime.transfers.own_view import ACCESS_GROUPS

from .conftest import log_in, with_csrf
from .test_archive import submission_of, submit
from .test_password_reset import Inbox, smtp, wait_for_mail  # noqa: F401 (the fixture)
from .test_transfer_parents import (  # noqa: F401 (mailing: the fixture)
    LINK,
    mailing,
    make_link,
    parent,
    registered,
    send_okr,
    transfer_id,
)
from .test_transfers import (  # noqa: F401 (kompas, linde: the fixtures)
    kompas,
    linde,
    new_transfer,
    send_form_for,
)

Client = TestClient[Litestar]
GUARDIAN_EMAIL = "anna@ouders.test"


@dataclass
class Child:
    first: str  # the transfer to De Linde, at "aangemeld", with its overstapformulier
    second: str  # a later one to De Wilg, just started
    first_reference: str
    second_reference: str
    number: str
    guardian_id: uuid.UUID


def a_child_with_two_transfers(client: Client, seeded: AppState) -> Child:
    first, data = registered(client, seeded)
    second, _ = new_transfer(
        client,
        number=data["number"],
        voornamen=data["voornamen"],
        tussenvoegsel=data["tussenvoegsel"],
        achternaam=data["achternaam"],
        geboortedatum=data["geboortedatum"],
        school="78GH00",
    )
    with seeded.db.session() as session:
        one = session.get(Transfer, transfer_id(first))
        two = session.get(Transfer, transfer_id(second))
        assert one is not None and two is not None and one.pupil_id == two.pupil_id
        pupil = session.get(Pupil, one.pupil_id)
        assert pupil is not None
        pupils.set_guardians(
            session,
            pupil,
            [
                pupils.GuardianDetails("Anna Jansen", "moeder", True, email=GUARDIAN_EMAIL),
                pupils.GuardianDetails("Piet Jansen", "vader", False, email="piet@ouders.test"),
            ],
        )
        guardian = session.scalars(
            select(Guardian).where(Guardian.pupil_id == pupil.id, Guardian.gezag.is_(True))
        ).one()
        return Child(first, second, one.reference, two.reference, data["number"], guardian.id)


def guardians_link(seeded: AppState, child: Child, language: str = "nl") -> str:
    """A link of the guardian with gezag, as POPO mails it (the secret returned here)."""
    with seeded.db.session() as session:
        transfer = session.get(Transfer, transfer_id(child.first))
        assert transfer is not None
        _, token = parents.create_link(
            session, transfer, language=language, guardian_id=child.guardian_id
        )
    return f"/p/{token}"


def section(page: str, anchor: str) -> str:
    """The part of the page from the heading with id ``anchor`` to the next h2."""
    start = page.index(f'id="{anchor}"')
    end = page.find("<h2", start)
    return page[start : end if end != -1 else None]


def archived(seeded: AppState, submission_id: uuid.UUID) -> Submission:
    """The submission once the archive made its PDF (the job a submit on the page queues,
    run here: send_form_for submits through the service)."""
    archive.render_submission(seeded, submission_id)
    with seeded.db.session() as session:
        found = session.get(Submission, submission_id)
        assert found is not None
        session.expunge(found)
    return found


def test_a_guardians_link_lists_every_transfer_of_the_child_a_handed_over_one_only_its_own(
    client: Client,
    parent: Client,  # noqa: F811
    seeded: AppState,
) -> None:
    child = a_child_with_two_transfers(client, seeded)
    page = parent.get(guardians_link(seeded, child))
    assert page.status_code == 200, page.text[:2000]
    mine = section(page.text, "child")
    assert child.first_reference in mine and child.second_reference in mine
    # newest first, with both schools, the status and the next step (progress())
    assert mine.index(child.second_reference) < mine.index(child.first_reference)
    assert "Basisschool De Wilg (demo)" in mine and "Basisschool De Linde (demo)" in mine
    assert "Aangemeld" in mine and "Gemeld" in mine
    assert "Aan zet: de nieuwe school, Basisschool De Linde (demo)." in mine
    assert "De volgende stap: aanmelden bij de nieuwe school." in mine  # the second one
    assert mine.count('class="tag"') == 1  # the link's own transfer, shown below
    assert child.number not in page.text
    # in English
    english = section(
        parent.get(guardians_link(seeded, child), params={"lang": "en"}).text, "child"
    )
    assert "Whose turn it is: the new school, Basisschool De Linde (demo)." in english
    assert "shown below" in english and "Registered" in english
    # a link the school handed over: only its own transfer, no list of the child's
    handed = parent.get(make_link(client, child.first)).text
    assert 'id="child"' not in handed
    assert child.first_reference in handed and child.second_reference not in handed


def test_the_forms_about_the_child_are_listed_with_their_pdf_and_no_other(
    client: Client,
    kompas: Client,  # noqa: F811
    parent: Client,  # noqa: F811
    seeded: AppState,
) -> None:
    child = a_child_with_two_transfers(client, seeded)
    send_form_for(client, seeded, child.second, "overstapformulier-noord")
    link = guardians_link(seeded, child)
    handed = make_link(client, child.first)
    with seeded.db.session() as session:
        sent = session.scalars(
            select(Submission)
            .where(
                Submission.transfer_id.in_([transfer_id(child.first), transfer_id(child.second)])
            )
            .order_by(Submission.submitted_at)
        ).all()
        assert len(sent) == 2
        first_form, second_form = sent[0].id, sent[1].id
    # the guardian's link lists both, the handed-over one only its transfer's
    page = parent.get(link).text
    forms = section(page, "forms")
    assert forms.count("Overstapformulier") == 2 and "Basisschool De Regenboog (demo)" in forms
    assert str(second_form) not in section(parent.get(handed).text, "forms")
    # the PDF, once the archive made it; a download the audit log records as the parents'
    assert archived(seeded, first_form).pdf_sha256 and archived(seeded, second_form).pdf_sha256
    forms = section(parent.get(link).text, "forms")
    assert f'href="{link}/forms/{first_form}/copy.pdf"' in forms
    pdf = parent.get(f"{link}/forms/{second_form}/copy.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["cache-control"] == "private, no-store"
    with seeded.db.session() as session:
        recorded = session.scalars(
            select(AuditEvent).where(
                AuditEvent.purpose == "download a form as a parent: overstapformulier-noord"
            )
        ).all()
        assert recorded and all(e.role == "parent" and e.user_id is None for e in recorded)
    assert parent.get(f"{handed}/forms/{first_form}/copy.pdf").status_code == 200
    assert parent.get(f"{handed}/forms/{second_form}/copy.pdf").status_code == 404
    # another pupil's form of the same school, and another school's form: 404
    other, _ = new_transfer(client)
    send_form_for(client, seeded, other, "overstapformulier-noord")
    with seeded.db.session() as session:
        same_school = session.scalars(
            select(Submission.id).where(Submission.transfer_id == transfer_id(other))
        ).one()
    elsewhere = submission_of(seeded, submit(kompas)).id
    for submission_id in (same_school, elsewhere, uuid.uuid4()):
        assert parent.get(f"{link}/forms/{submission_id}/copy.pdf").status_code == 404
    # while the PDF is not made yet, the page and the download say so
    with seeded.db.session() as session:
        found = session.get(Submission, first_form)
        assert found is not None
        digest, found.pdf_sha256 = found.pdf_sha256, "0" * 64
    try:
        waiting = parent.get(f"{link}/forms/{first_form}/copy.pdf", params={"lang": "en"})
        assert waiting.status_code == 202 and "not ready yet" in waiting.text
        forms = section(parent.get(link, params={"lang": "en"}).text, "forms")
        assert "The PDF is not ready yet" in forms
        assert f"/forms/{first_form}/copy.pdf" not in forms
    finally:
        with seeded.db.session() as session:
            found = session.get(Submission, first_form)
            assert found is not None
            found.pdf_sha256 = digest


def test_the_parents_see_who_saw_their_childs_data_and_download_the_list(
    client: Client,
    linde: Client,  # noqa: F811
    parent: Client,  # noqa: F811
    seeded: AppState,
) -> None:
    child = a_child_with_two_transfers(client, seeded)
    assert linde.get(child.first).status_code == 200  # the new school reads the transfer
    link = guardians_link(seeded, child)
    page = parent.get(link).text
    seen = section(page, "accesses")
    # the school by its role and name, the purpose in Dutch; never a staff e-mail address
    assert "Basisschool De Linde (demo)" in seen and "directeur" in seen
    assert "Basisschool De Regenboog (demo)" in seen and "intern begeleider" in seen
    assert "de overstap bekijken" in seen and "de overstap bekijken als ouder" in seen
    assert child.first_reference in seen and child.second_reference in seen
    assert "@" not in page.replace(GUARDIAN_EMAIL, "")
    assert "ib@regenboog.demo" not in page and "directeur@linde.demo" not in page
    # newest first: the parents' own visit of just now is the first line
    rows = re.findall(r"<tr>\s*<td>(.*?)</tr>", seen, re.S)
    assert rows and "as a parent" not in rows[0] and "als ouder" in rows[0]
    # in English
    english = section(parent.get(link, params={"lang": "en"}).text, "accesses")
    assert "see the transfer" in english and "head teacher" in english
    assert "you (parent link)" in english and f"the transfer {child.first_reference}" in english
    assert "Basisschool De Linde (demo)" in english
    assert "directeur@linde.demo" not in english
    # the CSV: every line, a header in the page's language, not stored by the browser
    download = parent.get(f"{link}/accesses.csv", params={"lang": "en"})
    assert download.status_code == 200
    assert download.headers["cache-control"] == "private, no-store"
    assert download.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(download.text)))
    assert table[0][:2] == ["Day", "First time"] and "Why" in table[0]
    assert any(
        "Basisschool De Linde (demo)" in line and "head teacher" in line for line in table[1:]
    )
    assert "@" not in download.text
    with seeded.db.session() as session:
        assert session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.purpose.like("download the list of accesses as a parent%"))
        )
    # a handed-over link: only what happened to its own transfer
    handed = section(parent.get(make_link(client, child.first)).text, "accesses")
    assert child.first_reference in handed and child.second_reference not in handed


def test_the_access_list_is_capped_with_a_way_to_see_all(
    client: Client,
    parent: Client,  # noqa: F811
    seeded: AppState,
) -> None:
    child = a_child_with_two_transfers(client, seeded)
    link = guardians_link(seeded, child)
    with seeded.db.session() as session:
        # many people read the transfer: one line each (recorded on the chain, as any access)
        for n in range(ACCESS_GROUPS + 5):
            audit.record(
                session,
                seeded.settings.audit_key,
                audit.Actor(None, f"someone{n}@school.test", "medewerker", None, None),
                "read",
                "transfer",
                str(transfer_id(child.first)),
                "see the transfer: x",
                child.number,
            )
    capped = section(parent.get(link).text, "accesses")
    assert capped.count("<tr>") == ACCESS_GROUPS + 1  # the header row and the lines
    assert f'href="{link}?accesses=all#accesses"' in capped
    every = section(parent.get(link, params={"accesses": "all"}).text, "accesses")
    assert every.count("<tr>") > ACCESS_GROUPS + 5 and "?accesses=all" not in every
    assert "someone0@school.test" not in every and "staff member" not in every


def expire(seeded: AppState, link: str, *, revoke: bool = False) -> None:
    with seeded.db.session() as session:
        access = parents.by_secret(session, link.removeprefix("/p/"))
        assert access is not None
        if revoke:
            access.revoked_at = datetime.now(UTC)
        else:
            access.created_at = datetime.now(UTC) - timedelta(days=200)
            access.expires_at = datetime.now(UTC) - timedelta(days=20)


def mails_to(seeded: AppState, address: str) -> int:
    with seeded.db.session() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.recipient == address)
            )
            or 0
        )


def links_of_guardian(seeded: AppState, guardian_id: uuid.UUID) -> int:
    with seeded.db.session() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(ParentAccess)
                .where(ParentAccess.guardian_id == guardian_id)
            )
            or 0
        )


def test_an_expired_link_of_a_guardian_mails_a_new_one_once_a_day_at_most_three(
    mailing: tuple[AppState, Inbox],  # noqa: F811
) -> None:
    state, inbox = mailing
    app = create_app(state.settings, state)
    with TestClient(app, base_url="http://testserver.local") as client:
        with_csrf(client)
        log_in(client, "ib@regenboog.demo")
        child = a_child_with_two_transfers(client, state)
        jobs.run_until_idle(state)
        inbox.messages.clear()
        old = guardians_link(state, child)
        expire(state, old)
        with TestClient(app, base_url="http://testserver.local") as device:
            with_csrf(device)
            gone = device.get(old)
            assert gone.status_code == 410 and "Deze link werkt niet meer" in gone.text
            assert f'action="{old}/renew"' in gone.text and 'name="_csrf_token"' in gone.text
            # without the anti-forgery token nothing happens
            with TestClient(app, base_url="http://testserver.local") as bare:
                bare.get(old)
                assert bare.post(f"{old}/renew").status_code == 403
            answer = device.post(f"{old}/renew")
            assert answer.status_code == 200
            assert answer.headers["cache-control"] == "private, no-store"
            jobs.run_until_idle(state)
            messages = wait_for_mail(inbox, 1)
            assert [m["To"] for m in messages] == [GUARDIAN_EMAIL]
            body = messages[0].get_payload(decode=True).decode()
            found = LINK.search(body)
            assert found and found.group(0) != old
            page = device.get(found.group(0))
            assert page.status_code == 200 and child.first_reference in page.text
            # the school's timeline and the audit log say so
            assert "Link voor de ouders gemaakt" in client.get(child.first).text
            # at most three links of the guardian for the transfer in 24 hours
            for _ in range(4):
                again = device.post(f"{old}/renew")
                assert again.status_code == 200 and again.text == answer.text
            assert mails_to(state, GUARDIAN_EMAIL) == 3
            assert links_of_guardian(state, child.guardian_id) == 1 + 3


def test_a_switched_off_or_handed_over_link_offers_no_new_link(
    client: Client,
    parent: Client,  # noqa: F811
    seeded: AppState,
) -> None:
    child = a_child_with_two_transfers(client, seeded)
    before = mails_to(seeded, GUARDIAN_EMAIL)
    # switched off by the school: no button, and a POST sends nothing
    off = guardians_link(seeded, child)
    expire(seeded, off, revoke=True)
    gone = parent.get(off)
    assert gone.status_code == 410 and "/renew" not in gone.text
    assert "Vraag de school om een nieuwe link" in gone.text
    assert parent.post(f"{off}/renew").status_code == 200
    # an expired link of the same guardian, now that the school switched one off: no new one
    expired = guardians_link(seeded, child)
    expire(seeded, expired)
    assert "/renew" not in parent.get(expired).text
    assert parent.post(f"{expired}/renew").status_code == 200
    assert mails_to(seeded, GUARDIAN_EMAIL) == before
    assert links_of_guardian(seeded, child.guardian_id) == 2
    # a link the school handed over, expired: ask the school
    handed = make_link(client, child.first)
    expire(seeded, handed)
    gone = parent.get(handed)
    assert gone.status_code == 410 and "/renew" not in gone.text
    assert "Vraag de school om een nieuwe link" in gone.text
    # a wrong secret stays a 404
    assert parent.post("/p/" + "x" * 43 + "/renew").status_code == 404


@pytest.mark.parametrize("language", ["nl", "en"])
def test_an_active_link_renews_nothing(
    client: Client,
    parent: Client,  # noqa: F811
    seeded: AppState,
    language: str,
) -> None:
    child = a_child_with_two_transfers(client, seeded)
    link = guardians_link(seeded, child, language)
    before = links_of_guardian(seeded, child.guardian_id)
    assert parent.post(f"{link}/renew").status_code == 200
    assert links_of_guardian(seeded, child.guardian_id) == before


def test_the_parents_download_the_report_they_read(
    client: Client,
    parent: Client,  # noqa: F811
    seeded: AppState,
) -> None:
    url, _ = registered(client, seeded)
    send_okr(client, seeded, url)
    link = make_link(client, url)
    with seeded.db.session() as session:
        report = session.scalars(
            select(Submission.id).where(
                Submission.transfer_id == transfer_id(url),
                Submission.form_id.like("onderwijskundig-rapport%"),
            )
        ).one()
    assert archived(seeded, report).pdf_sha256
    page = parent.get(link).text
    assert f'href="{link}/okr/{report}/report.pdf"' in page
    pdf = parent.get(f"{link}/okr/{report}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # and among the forms about the child, as its copy
    assert f'href="{link}/forms/{report}/copy.pdf"' in section(page, "forms")
