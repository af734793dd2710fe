"""A parents' registration through a school's public link: a parent (no account) opens the
link, fills in the aanmeldformulier and sends it; the confirmation page names the school, the
receipt date, the reference and what happens next, with a link to follow it; the school finds
the registration in its register, "Aangemeld", and its staff are told. A double submit makes
one registration; a Zuid link lands at Het Kompas with Zuid's procedure."""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select

from runtime.access.models import UserAccount
from runtime.admissions.service import AdmissionService
from runtime.forms.models import Draft, Submission
from runtime.notifications.models import Notification
from runtime.organisations.models import Organisation
from runtime.pupils import service as pupils
from runtime.state import AppState
from runtime.transfers.models import ParentAccess, Transfer

from ..support import a_bsn
from .conftest import log_in, with_csrf

Client = TestClient[Litestar]


def logged_in(app: Litestar, email: str) -> Iterator[Client]:
    with TestClient(app, base_url="http://testserver.local") as other:
        with_csrf(other)
        log_in(other, email)
        yield other


@pytest.fixture
def linde(app: Litestar, seeded: AppState) -> Iterator[Client]:
    yield from logged_in(app, "directeur@linde.demo")


def day(value: date) -> str:
    return value.strftime("%d-%m-%Y")


def pages(achternaam: str, bsn: str, today: date, region: str) -> list[tuple[str, dict[str, Any]]]:
    """The aanmeldformulier's pages as a parent fills them in: a child of four, at no school
    yet, also registered at De Regenboog."""
    born = today.replace(year=today.year - 4) - timedelta(days=40)
    kind: dict[str, Any] = {
        "kind_achternaam": achternaam,
        "kind_voorletters": "E.A.",
        "kind_roepnaam": "Elif",
        "kind_geboortedatum": day(born),
        "kind_geslacht": "1",
        "kind_bsn": bsn,
    }
    scholen: dict[str, Any] = {
        "zit_op_school": "false",
        "ook_elders_aangemeld": "true",
        "andere_scholen[0].andere_school_naam": "De Regenboog",
        "andere_scholen[0].andere_school_plaats": "Groningen",
    }
    if region == "noord":
        scholen["broer_zus"] = "false"
    else:
        kind["voorschool"] = "false"
    return [
        ("kind", kind),
        (
            "ouders",
            {
                "ouders[0].ouder_naam": "A. Yilmaz",
                "ouders[0].ouder_relatie": "2",
                "ouders[0].ouder_gezag": "true",
                "ouders[0].ouder_telefoon": "0612345678",
                "ouders[0].ouder_email": "a.yilmaz@example.org",
                "ouders[0].ouder_postcode": "9712 AB",
                "ouders[0].ouder_huisnummer": "12",
            },
        ),
        ("scholen", scholen),
        (
            "ondersteuning",
            {"ondersteuning_nodig": "nee", "startdatum": day(today + timedelta(days=45))},
        ),
        ("toestemming", {"verklaring_juist": "true", "verklaring_gezag": "true"}),
    ]


def fill_in(parent: Client, start: str, achternaam: str, bsn: str, region: str) -> str:
    """Open the school's link, start, fill in every page; the resume link's address."""
    assert parent.get(start).status_code == 200
    started = parent.post(start, data={}, follow_redirects=False)
    assert started.status_code == 303, started.text[:500]
    resume = started.headers["location"]
    first = parent.get(resume)
    assert first.status_code == 200
    base = resume.rstrip("/")
    for page_id, fields in pages(achternaam, bsn, date.today(), region):
        if page_id == "ouders":  # a row is added with its button, as in a browser
            parent.post(f"{base}/pages/{page_id}", data={"action": "add_row:ouders"})
        if page_id in ("kind", "scholen"):  # follow-up questions appear with the answer
            parent.post(f"{base}/pages/{page_id}", data={**fields, "action": "save"})
        if page_id == "scholen":
            parent.post(f"{base}/pages/{page_id}", data={"action": "add_row:andere_scholen"})
        response = parent.post(f"{base}/pages/{page_id}", data={**fields, "action": "next"})
        assert response.status_code in (200, 303), response.text[:500]
    return base


def submit(parent: Client, base: str) -> str:
    sent = parent.post(f"{base}/submit", data={}, follow_redirects=False)
    assert sent.status_code == 303, sent.text[:800]
    assert sent.headers["location"].endswith("/submission"), sent.headers["location"]
    return sent.headers["location"]


def transfers_of(seeded: AppState, achternaam: str) -> list[Transfer]:
    with seeded.db.session() as session:
        found = list(
            session.scalars(
                select(Transfer)
                .join(Submission, Submission.transfer_id == Transfer.id)
                .where(Submission.answers["kind_achternaam"].as_string() == achternaam)
            )
        )
        session.expunge_all()
        return found


def test_a_parents_registration_lands_in_the_schools_register(
    app: Litestar, anonymous: Client, linde: Client, seeded: AppState
) -> None:
    achternaam = f"Yilmaz-{uuid.uuid4().hex[:6]}"
    bsn = a_bsn(random.Random())
    base = fill_in(anonymous, "/start/demo-aanmelden-noord", achternaam, bsn, "noord")
    target = submit(anonymous, base)

    page = anonymous.get(target).text
    assert "Basisschool De Linde (demo)" in page
    today = date.today()
    assert f"{today.day} " in page and str(today.year) in page  # the receipt date
    (transfer,) = transfers_of(seeded, achternaam)
    assert transfer.reference in page
    assert transfer.status == "aangemeld" and transfer.started_by_party == "parents"
    assert transfer.procedure_id == "aanmelding-noord" and transfer.reason == "eerste_school"
    # Noord decides within four weeks of the receipt (WPO art. 40 allows six): the due date
    # is named, and the first school on the list handles the registration
    received = seeded.clock.today()  # the Dutch date: after 23:00 UTC it is the next day
    due = received + timedelta(weeks=4)
    assert transfer.due_on == due
    assert "binnen 4 weken" in page and str(due.day) in page
    with seeded.db.session() as session:
        rows = AdmissionService(session, seeded.registry).admissions(session.merge(transfer))
        assert (rows[0].position, rows[0].state, rows[0].received_on) == (1, "active", received)
        assert all(a.state == "waiting" and a.received_on is None for a in rows[1:])
    assert "Wat gebeurt er nu?" in page or "Wat gebeurt er nu" in page
    follow = re.search(r'href="/p/([^"]+)"', page)
    assert follow, "a link to follow the registration"
    assert "Bewaar deze link" in page
    with seeded.db.session() as session:
        access = session.scalar(select(ParentAccess).where(ParentAccess.transfer_id == transfer.id))
        assert access is not None and follow.group(1) not in access.token_hash  # only a hash
    again = anonymous.get(target).text  # the secret is shown once
    assert follow.group(1) not in again and transfer.reference in again
    assert "Bewaar deze link" not in again and "Vraag de school om een nieuwe link" in again
    english = anonymous.get(f"{target}?lang=en").text
    assert "Your registration" in english and "decides within 4 weeks" in english

    # the pupil, the parents as guardians, the schools in the parents' order
    with seeded.db.session() as session:
        stored = session.merge(transfer)
        pupil = pupils.find(session, seeded.settings, bsn)
        assert pupil is not None and stored.pupil_id == pupil.id
        assert pupil.achternaam == achternaam and pupil.current_school_id is None
        assert [(g.naam, g.relatie, g.gezag) for g in pupil.guardians] == [
            ("A. Yilmaz", "moeder", True)
        ]
        names = [session.get(Organisation, c.school_id).name for c in stored.choices]  # type: ignore[union-attr]
        assert names == ["Basisschool De Linde (demo)", "Basisschool De Regenboog (demo)"]
        submission = session.scalar(select(Submission).where(Submission.transfer_id == stored.id))
        assert submission is not None and submission.pupil_id == pupil.id
        draft = session.get(Draft, submission.draft_id)
        assert draft is not None and draft.transfer_id == stored.id

    # the school: in its register, Aangemeld, and on its work list
    register = linde.get("/transfers", params={"q": achternaam}).text
    assert achternaam in register and "Aangemeld" in register
    assert transfer.reference in linde.get(f"/transfers/{transfer.id}").text
    with seeded.db.session() as session:
        staff = session.scalar(
            select(UserAccount).where(UserAccount.email == "administratie@linde.demo")
        )
        assert staff is not None
        told = session.scalars(
            select(Notification).where(
                Notification.user_id == staff.id, Notification.event == "transfer_step"
            )
        ).all()
        assert any(str(transfer.id) in n.link for n in told)

    # the school's administration (the role the procedure tells): a task on its work list
    for staff_client in logged_in(app, "administratie@linde.demo"):
        work = staff_client.get("/work").text
        assert "Bekijk de aanmelding" in work and achternaam in work

    # a double submit: the same submission, one registration
    submit(anonymous, base)
    assert len(transfers_of(seeded, achternaam)) == 1


def test_a_child_known_at_another_school_keeps_its_school(
    anonymous: Client, linde: Client, seeded: AppState
) -> None:
    bsn = a_bsn(random.Random())
    today = date.today()
    born = today.replace(year=today.year - 4) - timedelta(days=40)  # as pages() fills it in
    achternaam = f"Known-{uuid.uuid4().hex[:6]}"
    with seeded.db.session() as session:
        regenboog = session.scalar(select(Organisation).where(Organisation.code == "12AB00"))
        assert regenboog is not None
        known = pupils.register(
            session, seeded.settings, bsn, pupils.Names("Elif Ayse", achternaam), born, regenboog.id
        )
        known_id, school_id = known.id, regenboog.id
    base = fill_in(anonymous, "/start/demo-aanmelden-noord", achternaam, bsn, "noord")
    submit(anonymous, base)
    (transfer,) = transfers_of(seeded, achternaam)
    assert transfer.pupil_id == known_id and transfer.status == "aangemeld"
    with seeded.db.session() as session:
        pupil = session.get(type(known), known_id)
        assert pupil is not None
        # a public form changes nothing a school recorded
        assert pupil.current_school_id == school_id and pupil.achternaam == achternaam
        assert pupil.guardians == []


def test_a_known_number_with_another_childs_details_is_not_linked(
    anonymous: Client, seeded: AppState
) -> None:
    """Anyone can type a number: a known child's record is not shown to the school for it."""
    bsn = a_bsn(random.Random())
    with seeded.db.session() as session:
        regenboog = session.scalar(select(Organisation).where(Organisation.code == "12AB00"))
        assert regenboog is not None
        pupils.register(
            session,
            seeded.settings,
            bsn,
            pupils.Names("Echt", "Kind"),
            date(2019, 5, 1),
            regenboog.id,
        )
    stranger = f"Vreemd-{uuid.uuid4().hex[:6]}"
    base = fill_in(anonymous, "/start/demo-aanmelden-noord", stranger, bsn, "noord")
    page = anonymous.get(submit(anonymous, base)).text
    assert "Verzonden" in page  # the form is sent and kept: the school reads it itself
    assert transfers_of(seeded, stranger) == []


def test_a_zuid_link_lands_at_het_kompas(
    app: Litestar, anonymous: Client, seeded: AppState
) -> None:
    achternaam = f"Bakker-{uuid.uuid4().hex[:6]}"
    base = fill_in(
        anonymous, "/start/demo-aanmelden-zuid", achternaam, a_bsn(random.Random()), "zuid"
    )
    target = submit(anonymous, base)
    page = anonymous.get(target).text
    assert "Basisschool Het Kompas (demo)" in page and "binnen 6 weken" in page
    (transfer,) = transfers_of(seeded, achternaam)
    assert transfer.procedure_id == "aanmelding-zuid" and transfer.status == "aangemeld"
    with seeded.db.session() as session:
        kompas = session.scalar(select(Organisation).where(Organisation.code == "56EF00"))
        assert kompas is not None and transfer.receiving_school_id == kompas.id
    for kompas_client in logged_in(app, "ib@kompas.demo"):
        register = kompas_client.get("/transfers", params={"q": achternaam}).text
        assert achternaam in register and "Aangemeld" in register


def test_a_form_sent_by_staff_is_no_registration(client: Client, seeded: AppState) -> None:
    """The school's own staff filling in the aanmeldformulier register nothing by it: only a
    parent's link does."""
    response = client.post("/forms/aanmeldformulier-noord/start", follow_redirects=False)
    assert response.status_code == 303
    draft_id = uuid.UUID(response.headers["location"].split("/")[2])
    from runtime.forms import answers as answer_paths
    from runtime.forms.service import FormsService

    with seeded.db.session() as session:
        forms = FormsService(session, seeded.registry, seeded.settings, seeded.files)
        draft = forms.draft(draft_id)
        entry = forms.entry(draft)
        answers: dict[str, Any] = {"ouders": [{}], "andere_scholen": [{}]}
        for _, fields in pages("Staff", a_bsn(random.Random()), date.today(), "noord"):
            for key, value in fields.items():
                answer_paths.set_answer(answers, key, value)
        forms.save(draft, entry, forms.state(draft, entry), answers)
        submission, _ = forms.submit(draft, entry, may_change=True)
        assert submission.transfer_id is None and submission.pupil_id is None


def test_a_registration_that_fails_keeps_the_submission_and_tries_again(
    anonymous: Client, seeded: AppState
) -> None:
    """The submission is the legal record: when the registration cannot be made (here: a
    stored submission without the child's number), nothing of it is written, the submission
    stays, and the job that tries again is queued."""
    from runtime import jobs
    from runtime.forms.service import FormsService
    from runtime.transfers import registration

    started = anonymous.post("/start/demo-aanmelden-noord", data={}, follow_redirects=False)
    resume = started.headers["location"]
    with seeded.db.session() as session:
        forms = FormsService(session, seeded.registry, seeded.settings, seeded.files)
        from runtime.forms.models import PublicLink
        from runtime.forms.service import token_hash

        link = session.scalar(
            select(PublicLink).where(PublicLink.token_hash == token_hash(resume.split("/r/")[1]))
        )
        assert link is not None and link.draft_id is not None
        draft = forms.draft(link.draft_id)
        submission = Submission(
            draft_id=draft.id,
            form_id=draft.form_id,
            form_version=draft.form_version,
            definition_hash=draft.definition_hash,
            organisation_id=draft.organisation_id,
            language="nl",
            answers={"kind_achternaam": "Zonder-nummer"},
        )
        session.add(submission)
        session.flush()
        before = session.scalar(select(func.count()).select_from(Transfer))
        registration.on_sent(forms, submission)  # does not raise
        assert submission.transfer_id is None
        assert session.scalar(select(func.count()).select_from(Transfer)) == before
        # the job that tries again, in the submission's transaction (a worker may take it
        # as soon as it commits)
        assert jobs.pending(session, "register_aanmelding", submission_id=str(submission.id))
        submission_id = submission.id
    with seeded.db.session() as session:
        kept = session.get(Submission, submission_id)
        assert kept is not None and kept.transfer_id is None
