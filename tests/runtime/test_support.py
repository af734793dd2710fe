"""1Loket over HTTP with the real application and database, as a school, the parents, the SWV
and an attacker meet it: a school files an arrangement request prefilled from the pupil's OKR;
the parents read it on a link of their own, sign it "voor gezien" and withhold a psychological
report, which the SWV then cannot see or download; the SWV declares it complete (its term
starts), plans a loketoverleg, refuses a grant without an end date with a clear message and
nothing changed, and grants it with a number and a duration; the school is told. Another
school, another SWV and a stale page are refused; a TLV reaches the SBO school's transfer; the
retention purge lists, then deletes, what is three years past its decision."""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select

from renderers import i18n
from runtime.forms.models import Attachment, Draft, Submission
from runtime.forms.service import FormsService
from runtime.notifications.models import Notification
from runtime.organisations.models import Organisation
from runtime.outbox import OutboxMessage
from runtime.pupils import service as pupils
from runtime.pupils.models import Guardian
from runtime.state import AppState
from runtime.statuses.db import StatusChange
from runtime.support import retention
from runtime.support.models import SupportParentsRecord, SupportRequest
from runtime.transfers.models import Transfer

from ..support import a_bsn, answer_the_rest
from .conftest import DATABASE_URL, log_in, with_csrf
from .test_transfers import new_transfer

Client = TestClient[Litestar]
# what does not depend on the database runs on SQLite only (CI time); the flow, the scope, the
# TLV, the suspension and the purge run on both
SQLITE_ONLY = pytest.mark.skipif(DATABASE_URL is not None, reason="the same on PostgreSQL")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SUPPORT_GIVEN = "Twee keer per week pre-teaching rekenen in een klein groepje."


def logged_in(app: Litestar, email: str) -> Iterator[Client]:
    with TestClient(app, base_url="http://testserver.local") as client:
        with_csrf(client)
        log_in(client, email)
        yield client


@pytest.fixture
def swv(app: Litestar, seeded: AppState) -> Iterator[Client]:
    yield from logged_in(app, "swv@noord.demo")


@dataclass
class Pupil:
    id: uuid.UUID
    surname: str
    transfer_url: str | None  # the pupil's transfer, if the test made one
    mother: str


def a_pupil_with_an_okr(client: Client, seeded: AppState) -> Pupil:
    """A pupil of De Regenboog (no transfer: the school's own pupil), with a mother with gezag
    and an e-mail address, and an onderwijskundig rapport De Regenboog sent."""
    tag = uuid.uuid4().hex[:6]
    surname = f"Vries-{tag}"
    with seeded.db.session() as session:
        school = session.scalar(select(Organisation).where(Organisation.code == "12AB00"))
        assert school is not None
        names = pupils.Names(voornamen="Sanne Maria", achternaam=surname, tussenvoegsel="de")
        pupil = pupils.register(
            session, seeded.settings, a_bsn(random.Random()), names, date(2018, 4, 3), school.id
        )
        pupil_id = pupil.id
        session.add(
            Guardian(
                pupil_id=pupil_id, position=1, naam="Anna de Vries", relatie="moeder",
                gezag=True, email=f"anna.{tag}@example.org",
            )
        )  # fmt: skip
        forms = FormsService(session, seeded.registry, seeded.settings, seeded.files)
        okr = forms.start("onderwijskundig-rapport-noord", "nl", school.id, pupil_id=pupil_id)
        # the report as De Regenboog sent it earlier (its other answers do not matter here)
        session.add(
            Submission(
                draft_id=okr.id, form_id=okr.form_id, form_version=okr.form_version,
                definition_hash=okr.definition_hash, organisation_id=okr.organisation_id,
                pupil_id=pupil_id, language="nl",
                answers={"ondersteuning_geboden": SUPPORT_GIVEN, "opp": False},
            )
        )  # fmt: skip
    return Pupil(pupil_id, surname, None, f"anna.{tag}@example.org")


def start_request(client: Client, pupil: Pupil, procedure: str = "arrangement-noord") -> uuid.UUID:
    page = client.get("/support/new", params={"q": pupil.surname})
    assert page.status_code == 200 and pupil.surname in page.text
    response = client.post(
        "/support/new", data={"procedure": procedure, "pupil": str(pupil.id)},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303, response.text[:3000]
    draft_id = uuid.UUID(response.headers["location"].split("/")[2])
    return draft_id


def fill_and_send(client: Client, seeded: AppState, draft_id: uuid.UUID) -> uuid.UUID:
    """The school completes the request's form on its pages: two reports (a psychological
    one and a didactic one), then the rest, and sends it. The request's id."""
    page = f"/drafts/{draft_id}/pages/rapporten_pagina"
    for index, (kind, what) in enumerate(
        [("psychologisch", "Psychologisch onderzoek 2026"), ("didactisch", "Toetsoverzicht")]
    ):
        client.post(page, data={"action": "add_row:rapporten"})
        content = PDF + f"{kind} {draft_id}".encode()  # bytes of this test's own
        response = client.post(
            page,
            data={
                f"rapporten[{index}].rapport_soort": kind,
                f"rapporten[{index}].rapport_omschrijving": what,
            },
            files={
                f"rapporten[{index}].rapport_bestand": (f"{kind}.pdf", content, "application/pdf")
            },
        )
        assert response.status_code in (200, 303), response.text[:2000]
    with seeded.db.session() as session:
        forms = FormsService(session, seeded.registry, seeded.settings, seeded.files)
        draft = forms.draft(draft_id)
        entry = forms.entry(draft)
        given = {
            **draft.answers,
            "ouders_ingelicht": True,
            "hulpvraag": "Hoe leert Sanne rekenen op haar niveau?",
            "arrangement_inhoud": "Begeleiding door een ambulant begeleider.",
        }
        answers = answer_the_rest(entry.form, given, date.today())
        forms.save(draft, entry, forms.state(draft, entry), answers)
        forms.submit(draft, entry, may_change=True)
        request_id = session.scalar(
            select(SupportRequest.id).where(SupportRequest.draft_id == draft_id)
        )
    assert request_id is not None
    return request_id


def version(page: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', page)
    assert found, "the page offers a step"
    return found.group(1)


def mailed_link(seeded: AppState, to: str) -> str:
    with seeded.db.session() as session:
        bodies = session.scalars(
            select(OutboxMessage.body).where(OutboxMessage.recipient == to)
        ).all()
    links = [m.group(0) for body in bodies for m in re.finditer(r"/ol/[A-Za-z0-9_-]{20,}", body)]
    assert links, f"a link was mailed to {to}"
    return links[-1]


def test_a_school_files_an_arrangement_the_parents_sign_and_the_swv_grants_it(
    client: Client, swv: Client, anonymous: Client, seeded: AppState
) -> None:
    pupil = a_pupil_with_an_okr(client, seeded)
    draft_id = start_request(client, pupil)
    # --- the draft begins with what POPO holds: the pupil, and the OKR's support
    with seeded.db.session() as session:
        draft = session.get(Draft, draft_id)
        assert draft is not None
        assert draft.answers["achternaam"] == pupil.surname
        assert draft.answers["ondersteuning_geboden"] == SUPPORT_GIVEN
        assert draft.organisation_id is not None and draft.form_id == "arrangement-noord"
    request_id = fill_and_send(client, seeded, draft_id)
    url = f"/support/{request_id}"
    page = client.get(url).text
    assert "In voorbereiding" in page and pupil.surname in page
    # submitting before the parents signed is refused with why, nothing changed
    refused = client.post(f"{url}/steps/indienen", data={"version": version(page)})
    assert refused.status_code == 400 and "voor gezien" in refused.text
    # --- the school sends it to the parents: the mother gets a link of her own
    asked = client.post(f"{url}/parents", follow_redirects=False)
    assert asked.status_code == 303
    link = mailed_link(seeded, pupil.mother)
    parents_page = anonymous.get(link)
    assert parents_page.status_code == 200
    text = parents_page.text
    assert "Psychologisch onderzoek 2026" in text and SUPPORT_GIVEN in text
    assert " checked" not in text  # nothing is chosen for them
    assert anonymous.post(f"{link}/seen", data={}).status_code == 400  # the box is not ticked
    assert (
        anonymous.post(f"{link}/seen", data={"seen": "yes"}, follow_redirects=False).status_code
        == 303
    )
    with seeded.db.session() as session:
        reports = session.scalars(
            select(Attachment)
            .join(Draft, Draft.id == Attachment.draft_id)
            .where(Draft.id == draft_id)
        ).all()
        psych = next(a for a in reports if a.filename.startswith("psychologisch"))
        didactic = next(a for a in reports if a.filename.startswith("didactisch"))
    withheld = anonymous.post(
        f"{link}/reports", data={f"report_{psych.id}": "withheld"}, follow_redirects=False
    )
    assert withheld.status_code == 303
    with seeded.db.session() as session:
        records = session.scalars(
            select(SupportParentsRecord).where(SupportParentsRecord.request_id == request_id)
        ).all()
        assert [r.decision for r in records] == ["seen", "withheld"]
        assert "voor gezien" in records[0].wording and records[1].report == str(psych.id)
    # --- the school submits it; the SWV sees it on its desk
    page = client.get(url).text
    assert "Voor gezien getekend op" in page
    submitted = client.post(
        f"{url}/steps/indienen", data={"version": version(page)}, follow_redirects=False
    )
    assert submitted.status_code == 303, submitted.text[:2000]
    desk = swv.get("/support").text
    assert pupil.surname in desk
    swv_page = swv.get(url).text
    assert "Toetsoverzicht" in swv_page and "Psychologisch onderzoek 2026" not in swv_page
    assert "niet hebben gedeeld" in swv_page
    assert swv.get(f"{url}/reports/{psych.id}").status_code == 404
    assert swv.get(f"{url}/reports/{didactic.id}").status_code == 200
    # the forms pages do not give the SWV the draft with the reports either
    assert swv.get(f"/drafts/{draft_id}/submission").status_code == 404
    assert client.get(f"{url}/reports/{psych.id}").status_code == 200  # the school's own
    # --- the SWV declares it complete, plans the loketoverleg, grants it
    done = swv.post(
        f"{url}/steps/compleet_verklaren",
        data={"version": version(swv_page), "on": date.today().isoformat()},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text[:2000]
    swv_page = swv.get(url).text
    assert "Compleet" in swv_page
    # the term of Noord's arrangement: four weeks from the day it was complete
    due = i18n.format_date(date.today() + timedelta(weeks=4), "nl")
    assert f'id="due-on">{due}' in swv_page
    meeting = (date.today() + timedelta(days=7)).isoformat()
    planned = swv.post(
        f"{url}/steps/inplannen",
        data={
            "version": version(swv_page),
            "meeting_on": meeting,
            "professionals": "Anna de Vries, orthopedagoog\nJan Smit, ambulant begeleider",
        },
        follow_redirects=False,
    )  # fmt: skip
    assert planned.status_code == 303, planned.text[:2000]
    swv_page = swv.get(url).text
    assert "Jan Smit, ambulant begeleider" in swv_page
    start, end = date.today() + timedelta(days=14), date.today() + timedelta(days=180)
    grant = {
        "version": version(swv_page), "content": "Begeleiding door een ambulant begeleider",
        "scope": "2 uur per week", "starts_on": start.isoformat(), "ends_on": "",
    }  # fmt: skip
    no_end = swv.post(f"{url}/steps/toekennen", data=grant)
    assert no_end.status_code == 400 and "Vul de einddatum in" in no_end.text
    assert "Begeleiding door een ambulant begeleider" in no_end.text  # what was typed stays
    granted = swv.post(
        f"{url}/steps/toekennen", data={**grant, "ends_on": end.isoformat()}, follow_redirects=False
    )
    assert granted.status_code == 303, granted.text[:2000]
    with seeded.db.session() as session:
        row = session.get(SupportRequest, request_id)
        assert row is not None and row.status == "toegekend" and row.decision == "granted"
        assert row.decision_number and row.decision_number.startswith(
            f"PO2001-{date.today().year}-"
        )
        assert (row.starts_on, row.ends_on) == (start, end)
        assert row.purge_on == date.today().replace(year=date.today().year + 3)
        assert row.due_on is None  # decided: no term runs
        # --- the school is told (in the application and by mail), without the pupil's name
        told = session.scalars(
            select(Notification).where(
                Notification.event == "support_step", Notification.link.endswith(url)
            )
        ).all()
        assert {n.facts.get("reference") for n in told} == {row.reference}
        assert all(pupil.surname not in str(n.facts) for n in told)
        mails = session.scalars(
            select(OutboxMessage.body).where(OutboxMessage.body.contains(row.reference))
        ).all()
        assert mails and all(pupil.surname not in body for body in mails)
        number = row.decision_number
    school_page = client.get(url).text
    assert number in school_page and "2 uur per week" in school_page


def test_others_reach_nothing_of_a_request(
    client: Client, swv: Client, app: Litestar, seeded: AppState
) -> None:
    pupil = a_pupil_with_an_okr(client, seeded)
    request_id = fill_and_send(client, seeded, start_request(client, pupil))
    url = f"/support/{request_id}"
    for email in ("directeur@linde.demo", "ib@kompas.demo"):
        for other in logged_in(app, email):
            assert other.get(url).status_code == 404
            assert other.post(f"{url}/steps/indienen", data={"version": "1"}).status_code == 404
            assert pupil.surname not in other.get("/support").text
    # a school's user cannot take the SWV's step, and a stale page changes nothing
    page = client.get(url).text
    stale = client.post(f"{url}/steps/intrekken", data={"version": str(int(version(page)) - 1)})
    assert stale.status_code == 409 and "intussen gewijzigd" in stale.text
    # a text beyond its limit is refused with what was typed, never cut short silently
    long = client.post(
        f"{url}/steps/intrekken", data={"version": version(page), "text": "x" * 5000}
    )
    assert long.status_code == 400 and "hoogstens 4000 tekens" in long.text
    with seeded.db.session() as session:
        row = session.get(SupportRequest, request_id)
        assert row is not None and row.status == "concept"
    # the SWV's desk shows no request before it is submitted
    assert pupil.surname not in swv.get("/support").text


def test_the_retention_purge_lists_and_then_deletes_what_is_three_years_past(
    client: Client, seeded: AppState
) -> None:
    pupil = a_pupil_with_an_okr(client, seeded)
    draft_id = start_request(client, pupil)
    request_id = fill_and_send(client, seeded, draft_id)
    with seeded.db.session() as session:
        row = session.get(SupportRequest, request_id)
        assert row is not None
        row.decided_on = date.today() - timedelta(days=3 * 366)
        row.purge_on = date.today() - timedelta(days=1)
        reference = row.reference
        digests = [
            a.sha256
            for a in session.scalars(select(Attachment).where(Attachment.draft_id == draft_id))
        ]
    assert digests and all(seeded.files.exists(d) for d in digests)
    with seeded.db.session() as session:
        report = retention.purge(session, seeded.files, seeded.archive, date.today(), dry_run=True)
        session.rollback()
    mine = [r for r in report.requests if r.reference == reference]
    assert mine and mine[0].rows >= 4 and set(digests) <= set(mine[0].files)
    assert any(reference in line and "would delete" in line for line in report.lines())
    with seeded.db.session() as session:
        assert session.get(SupportRequest, request_id) is not None  # a dry run deletes nothing
        report = retention.purge(session, seeded.files, seeded.archive, date.today(), dry_run=False)
    with seeded.db.session() as session:
        assert session.get(SupportRequest, request_id) is None
        assert session.get(Draft, draft_id) is None
        assert (
            session.scalar(
                select(func.count()).select_from(Submission).where(Submission.draft_id == draft_id)
            )
            == 0
        )
        assert (
            session.scalar(
                select(func.count())
                .select_from(StatusChange)
                .where(StatusChange.subject_id == str(request_id))
            )
            == 0
        )
    assert not any(seeded.files.exists(d) for d in digests)
    assert client.get(f"/support/{request_id}").status_code == 404


PAO = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "oso"
    / "2019.1"
    / "examples"
    / ("Voorbeelddossier_PaO_POSWV_full.xml")
)


@SQLITE_ONLY
def test_a_request_starts_from_the_pao_dossier_of_the_same_child_only(
    client: Client, seeded: AppState
) -> None:
    """The official PaO example (PO → SWV) fills the request's school career, tests and
    diagnoses over what POPO holds; a dossier about another child is refused, nothing kept."""
    pupil = a_pupil_with_an_okr(client, seeded)
    with seeded.db.session() as session:
        before = session.scalar(select(func.count()).select_from(SupportRequest))
    other = client.post(
        "/support/new",
        data={"procedure": "arrangement-noord", "pupil": str(pupil.id)},
        files={"dossier": ("pao.xml", PAO.read_bytes(), "application/xml")},
        follow_redirects=False,
    )
    assert other.status_code == 400 and "17-03-2003" in other.text
    assert "niet over deze leerling" in other.text
    with seeded.db.session() as session:
        assert session.scalar(select(func.count()).select_from(SupportRequest)) == before
    # the same dossier, about this child (its birth date as POPO has it)
    ours = (
        PAO.read_bytes().replace(b"2003-03-17", b"2018-04-03").replace(b"17-03-2003", b"03-04-2018")
    )
    started = client.post(
        "/support/new",
        data={"procedure": "arrangement-noord", "pupil": str(pupil.id)},
        files={"dossier": ("pao.xml", ours, "application/xml")},
        follow_redirects=False,
    )
    assert started.status_code == 303, started.text[:2000]
    assert started.headers["location"].endswith("/oso-import")
    draft_id = uuid.UUID(started.headers["location"].split("/")[2])
    with seeded.db.session() as session:
        draft = session.get(Draft, draft_id)
        assert draft is not None and draft.oso_import is not None
        assert draft.answers["schoolloopbaan"] and draft.answers["toetsen"]
        assert draft.answers["ondersteuning_geboden"] == SUPPORT_GIVEN  # the OKR's, kept
        row = session.scalar(select(SupportRequest).where(SupportRequest.draft_id == draft_id))
        assert row is not None and row.pupil_id == pupil.id
    assert client.get(started.headers["location"]).status_code == 200


def submitted(client: Client, anonymous: Client, seeded: AppState) -> tuple[uuid.UUID, Pupil]:
    """A request of De Regenboog the parents signed and the school submitted to SWV Noord."""
    pupil = a_pupil_with_an_okr(client, seeded)
    request_id = fill_and_send(client, seeded, start_request(client, pupil))
    url = f"/support/{request_id}"
    assert client.post(f"{url}/parents", follow_redirects=False).status_code == 303
    link = mailed_link(seeded, pupil.mother)
    assert anonymous.post(f"{link}/seen", data={"seen": "yes"}).status_code == 200
    page = client.get(url).text
    sent = client.post(f"{url}/steps/indienen", data={"version": version(page)})
    assert sent.status_code == 200, sent.text[:2000]
    return request_id, pupil


def test_a_suspension_stops_the_term_and_the_swv_sets_its_own_weeks(
    client: Client, swv: Client, anonymous: Client, seeded: AppState
) -> None:
    request_id, _ = submitted(client, anonymous, seeded)
    url = f"/support/{request_id}"
    # SWV Noord decides arrangements within 3 weeks, not the region's procedure's 4
    bad = swv.post("/support/desk", data={"arrangement": "60"})
    assert bad.status_code == 400 and "van 1 tot en met 52" in bad.text
    assert swv.post("/support/desk", data={"arrangement": "3"}).status_code == 200
    try:
        completed_on = date.today() - timedelta(days=10)
        page = swv.get(url).text
        future = swv.post(
            f"{url}/steps/compleet_verklaren",
            data={"version": version(page), "on": (date.today() + timedelta(days=1)).isoformat()},
        )
        assert future.status_code == 400 and "in de toekomst" in future.text
        with seeded.db.session() as session:
            row = session.get(SupportRequest, request_id)
            assert row is not None and row.submitted_at is not None
            row.submitted_at = row.submitted_at - timedelta(days=20)  # submitted earlier
        page = swv.get(url).text
        done = swv.post(
            f"{url}/steps/compleet_verklaren",
            data={"version": version(page), "on": completed_on.isoformat()},
        )
        assert done.status_code == 200
        with seeded.db.session() as session:
            row = session.get(SupportRequest, request_id)
            assert row is not None and row.due_on == completed_on + timedelta(weeks=3)
        page = swv.get(url).text
        no_reason = swv.post(
            f"{url}/steps/opschorten", data={"version": version(page), "text": " "}
        )
        assert (
            no_reason.status_code == 400 and "Vul de reden van de opschorting in" in no_reason.text
        )
        assert (
            swv.post(
                f"{url}/steps/opschorten",
                data={"version": version(page), "text": "Wij wachten op het verslag van de GGD."},
            ).status_code
            == 200
        )
        with seeded.db.session() as session:
            row = session.get(SupportRequest, request_id)
            assert row is not None and row.suspended_on == date.today()
            row.suspended_on = date.today() - timedelta(days=5)  # suspended five days ago
        page = swv.get(url).text
        assert "de termijn staat stil" in page
        assert (
            swv.post(f"{url}/steps/hervatten", data={"version": version(page)}).status_code == 200
        )
        with seeded.db.session() as session:
            row = session.get(SupportRequest, request_id)
            assert row is not None and row.suspended_days == 5 and row.suspended_on is None
            assert row.due_on == completed_on + timedelta(weeks=3, days=5)
    finally:
        swv.post("/support/desk", data={"arrangement": ""})


@SQLITE_ONLY
def test_the_swv_is_alerted_before_its_decision_is_due_once(
    client: Client, swv: Client, anonymous: Client, seeded: AppState
) -> None:
    from runtime.support.service import SupportService
    from runtime.support.tasks import alert_sweep

    request_id, _ = submitted(client, anonymous, seeded)
    url = f"/support/{request_id}"
    page = swv.get(url).text
    on = (date.today() - timedelta(weeks=4) + timedelta(days=2)).isoformat()  # due in 2 days
    with seeded.db.session() as session:
        row = session.get(SupportRequest, request_id)
        assert row is not None and row.submitted_at is not None
        row.submitted_at = row.submitted_at - timedelta(weeks=7)
    page = swv.get(url).text
    assert (
        swv.post(
            f"{url}/steps/compleet_verklaren", data={"version": version(page), "on": on}
        ).status_code
        == 200
    )

    def sweep() -> int:
        with seeded.db.session() as session:
            service = SupportService(session, seeded.registry, seeded.settings)
            return alert_sweep(session, service)

    with seeded.db.session() as session:
        row = session.get(SupportRequest, request_id)
        assert row is not None
        reference = row.reference
    assert sweep() >= 1
    sweep()  # a second run tells nobody again
    with seeded.db.session() as session:
        alerts = session.scalars(
            select(Notification).where(Notification.event == "support_due")
        ).all()
        mine = [n for n in alerts if n.facts.get("reference") == reference]
        assert len(mine) == 1 and mine[0].link.endswith(url)


@SQLITE_ONLY
def test_popo_support_purge_dry_run_lists_what_it_would_delete(
    client: Client, seeded: AppState, capsys: pytest.CaptureFixture[str]
) -> None:
    import argparse
    import io

    from runtime.support.cli import add_commands, cmd_purge, purge

    pupil = a_pupil_with_an_okr(client, seeded)
    request_id = fill_and_send(client, seeded, start_request(client, pupil))
    with seeded.db.session() as session:
        row = session.get(SupportRequest, request_id)
        assert row is not None
        row.purge_on = date.today() + timedelta(days=30)
        reference = row.reference
    parser = argparse.ArgumentParser()
    add_commands(parser.add_subparsers(dest="command"))
    later = (date.today() + timedelta(days=31)).isoformat()
    args = parser.parse_args(["support", "purge", "--dry-run", "--today", later])
    assert args.handler is cmd_purge and args.dry_run and args.today == later
    with pytest.raises(SystemExit):
        parser.parse_args(["support", "purge", "--today", "31-12-2030"])
    out = io.StringIO()
    assert purge(seeded, args.today, args.dry_run, out) == 0
    text = out.getvalue()
    assert reference in text and "would delete" in text
    with seeded.db.session() as session:
        assert session.get(SupportRequest, request_id) is not None


def test_a_tlv_reaches_the_sbo_schools_transfer(
    client: Client, swv: Client, anonymous: Client, app: Litestar, seeded: AppState
) -> None:
    """De Regenboog asks a TLV for a pupil whose transfer to SBO De Sprong runs; once SWV
    Noord grants it, De Sprong is told and sees the TLV's number, kind and dates on the
    transfer's page (not the request itself)."""
    url, data = new_transfer(client, school="90JK00")
    with seeded.db.session() as session:
        transfer = session.get(Transfer, uuid.UUID(url.split("/")[2]))
        assert transfer is not None
        transfer_id, pupil_id = transfer.id, transfer.pupil_id
        session.add(
            Guardian(
                pupil_id=pupil_id, position=1, naam="Mo Yilmaz", relatie="vader", gezag=True,
                email=f"mo.{data['achternaam'][-6:]}@example.org",
            )
        )  # fmt: skip
    started = client.post(
        "/support/new",
        data={
            "procedure": "tlv-aanvraag-noord",
            "pupil": str(pupil_id),
            "transfer": str(transfer_id),
        },
        follow_redirects=False,
    )
    assert started.status_code == 303, started.text[:2000]
    draft_id = uuid.UUID(started.headers["location"].split("/")[2])
    with seeded.db.session() as session:
        forms = FormsService(session, seeded.registry, seeded.settings, seeded.files)
        draft = forms.draft(draft_id)
        entry = forms.entry(draft)
        given = {
            **draft.answers, "ouders_ingelicht": True, "tlv_soort": "sbo",
            "hulpvraag": "Welke school past bij Daan?",
        }  # fmt: skip
        answers = answer_the_rest(entry.form, given, date.today())
        forms.save(draft, entry, forms.state(draft, entry), answers)
        forms.submit(draft, entry, may_change=True)
        row = session.scalar(select(SupportRequest).where(SupportRequest.draft_id == draft_id))
        assert row is not None and row.receiving_school_id == transfer.receiving_school_id
        assert draft.answers["beoogde_school"] == "SBO De Sprong (demo)"  # from the transfer
        request_url = f"/support/{row.id}"
    assert client.post(f"{request_url}/parents", follow_redirects=False).status_code == 303
    link = mailed_link(seeded, f"mo.{data['achternaam'][-6:]}@example.org")
    assert anonymous.post(f"{link}/seen", data={"seen": "yes"}).status_code == 200
    page = client.get(request_url).text
    assert (
        client.post(f"{request_url}/steps/indienen", data={"version": version(page)}).status_code
        == 200
    )
    for step, extra in (
        ("compleet_verklaren", {"on": date.today().isoformat()}),
        ("inplannen", {"meeting_on": date.today().isoformat()}),
    ):
        page = swv.get(request_url).text
        done = swv.post(f"{request_url}/steps/{step}", data={"version": version(page), **extra})
        assert done.status_code == 200, done.text[:2000]
    for sprong in logged_in(app, "directeur@sprong.demo"):
        assert sprong.get(request_url).status_code == 404  # the request stays the SWV's
        assert "Toelaatbaarheidsverklaring" not in sprong.get(url).text  # nothing yet
        page = swv.get(request_url).text
        start, end = date(date.today().year + 1, 8, 1), date(date.today().year + 3, 7, 31)
        granted = swv.post(
            f"{request_url}/steps/toekennen",
            data={
                "version": version(page),
                "tlv_kind": "sbo",
                "starts_on": start.isoformat(),
                "ends_on": end.isoformat(),
            },
        )
        assert granted.status_code == 200, granted.text[:2000]
        transfer_page = sprong.get(url).text
        assert "Toelaatbaarheidsverklaring (TLV)" in transfer_page
        assert "speciaal basisonderwijs (SBO)" in transfer_page
        assert i18n.format_date(start, "nl") in transfer_page
        with seeded.db.session() as session:
            row = session.get(SupportRequest, uuid.UUID(request_url.split("/")[2]))
            assert row is not None and row.status == "toegekend" and row.closed_at is not None
            assert row.decision_number and row.decision_number in transfer_page
            told = session.scalars(
                select(Notification).where(Notification.event == "support_tlv")
            ).all()
            assert any(n.link.endswith(url) for n in told)


@SQLITE_ONLY
def test_every_kind_the_region_offers_starts_on_its_own_form(
    client: Client, seeded: AppState
) -> None:
    pupil = a_pupil_with_an_okr(client, seeded)
    page = client.get("/support/new").text
    offered = re.findall(r'name="procedure" value="([^"]+)"', page)
    assert sorted(offered) == sorted(
        ["consultatie-noord", "extra-ondersteuning-noord", "arrangement-noord",
         "tlv-aanvraag-noord", "mdo-noord"]
    )  # fmt: skip
    for procedure in offered:
        draft_id = start_request(client, pupil, procedure)
        with seeded.db.session() as session:
            row = session.scalar(select(SupportRequest).where(SupportRequest.draft_id == draft_id))
            assert row is not None and row.procedure_id == procedure and row.status == "concept"
            compiled = seeded.registry.procedure(row.procedure_id, row.procedure_version)
            draft = session.get(Draft, draft_id)
            assert compiled is not None and compiled.support is not None and draft is not None
            assert draft.form_id == compiled.support.form
    # the forms' own start page does not offer them: they start here, for a pupil
    assert "/forms/arrangement-noord/start" not in client.get("/").text
