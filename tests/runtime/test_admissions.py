"""A registration at three schools in order of preference, on a clock the test moves: the
first school asks the parents for information (its term stands still), extends with a reason
(the letter is made), is alerted before its deadline, and refuses a child who needs extra
support only while naming the school that agreed to admit; the second school receives the
registration, sees the order but not the first school's decision, and admits. A child without
a decision after ten weeks is placed temporarily, and a refusal ends it."""

from __future__ import annotations

import dataclasses
import random
import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from runtime.access.models import UserAccount
from runtime.admissions import alerts
from runtime.admissions.models import Admission, AdmissionAlert
from runtime.app import create_app
from runtime.clock import FrozenClock
from runtime.db.session import Database
from runtime.notifications.models import Notification
from runtime.organisations.models import Organisation
from runtime.outbox import OutboxMessage
from runtime.state import AppState
from runtime.transfers.models import Transfer, TransferEvent

from ..support import a_bsn
from .conftest import log_in, with_csrf
from .test_parents_registration import day, fill_in, submit, transfers_of

Client = TestClient[Litestar]
START = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def moved(seeded: AppState, clock: FrozenClock) -> AppState:
    """The demo application on the same database, on a clock the test moves."""
    return dataclasses.replace(seeded, db=Database(seeded.settings, clock))


@pytest.fixture
def app_moved(moved: AppState) -> Litestar:
    return create_app(moved.settings, moved)


def person(app: Litestar, email: str | None) -> Iterator[Client]:
    with TestClient(app, base_url="http://clock.local") as client:
        with_csrf(client)
        if email:
            log_in(client, email)
        yield client


@pytest.fixture
def parent(app_moved: Litestar) -> Iterator[Client]:
    yield from person(app_moved, None)


@pytest.fixture
def linde(app_moved: Litestar) -> Iterator[Client]:
    yield from person(app_moved, "directeur@linde.demo")


@pytest.fixture
def regenboog(app_moved: Litestar) -> Iterator[Client]:
    yield from person(app_moved, "directeur@regenboog.demo")


def register_at_three(parent: Client) -> tuple[str, str]:
    """The parents register at De Linde (its public link), naming De Regenboog and De Wilg."""
    achternaam = f"Demir-{uuid.uuid4().hex[:6]}"
    base = fill_in(
        parent, "/start/demo-aanmelden-noord", achternaam, a_bsn(random.Random()), "noord"
    )
    # the second other school: its row is added as the first was
    parent.post(f"{base}/pages/scholen", data={"action": "add_row:andere_scholen"})
    parent.post(
        f"{base}/pages/scholen",
        data={
            "zit_op_school": "false",
            "ook_elders_aangemeld": "true",
            "broer_zus": "false",
            "andere_scholen[0].andere_school_naam": "De Regenboog",
            "andere_scholen[0].andere_school_plaats": "Groningen",
            "andere_scholen[1].andere_school_naam": "De Wilg",
            "andere_scholen[1].andere_school_plaats": "Groningen",
            "action": "save",
        },
    )
    confirmation = submit(parent, base)
    return achternaam, confirmation


def version_of(page: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', page)
    assert found, "the page holds the transfer's version"
    return found.group(1)


def admissions_of(seeded: AppState, transfer_id: uuid.UUID) -> list[Admission]:
    with seeded.db.session() as session:
        rows = list(
            session.scalars(
                select(Admission)
                .where(Admission.transfer_id == transfer_id)
                .order_by(Admission.position)
            )
        )
        session.expunge_all()
        return rows


def school_id(seeded: AppState, code: str) -> uuid.UUID:
    with seeded.db.session() as session:
        found = session.scalar(select(Organisation.id).where(Organisation.code == code))
        assert found is not None
        return found


def mails_to(seeded: AppState, address: str) -> list[OutboxMessage]:
    with seeded.db.session() as session:
        found = list(
            session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == address))
        )
        session.expunge_all()
        return found


def test_a_registration_runs_down_the_parents_list_within_the_legal_terms(
    parent: Client,
    linde: Client,
    regenboog: Client,
    moved: AppState,
    clock: FrozenClock,
) -> None:
    today = clock.today()
    achternaam, _ = register_at_three(parent)
    (transfer,) = transfers_of(moved, achternaam)
    url = f"/transfers/{transfer.id}"
    rows = admissions_of(moved, transfer.id)
    assert [(a.position, a.state) for a in rows] == [
        (1, "active"),
        (2, "waiting"),
        (3, "waiting"),
    ]
    # Regio Noord agreed on four weeks
    assert rows[0].received_on == today and rows[0].decision_due_on == today + timedelta(weeks=4)
    page = linde.get(url).text
    assert "Basisschool De Wilg (demo)" in page and "Basisschool De Regenboog (demo)" in page
    # nobody else's decision is on the list yet; De Linde holds the zorgplicht from today
    assert 'id="zorgplicht-today"' in page and "Basisschool De Linde (demo)" in page

    # the school asks the parents for information: the term stands still
    until = today + timedelta(days=14)
    asked = linde.post(
        f"{url}/admission/information",
        data={"until": until.isoformat(), "note": "Het verslag van de peuterspeelzaal"},
        follow_redirects=False,
    )
    assert asked.status_code == 303, asked.text[:1500]
    assert any(
        "aanvulling" in m.subject or "complete" in m.subject
        for m in mails_to(moved, "a.yilmaz@example.org")
    )
    # a second request while the first is open is refused, and changes nothing
    again = linde.post(f"{url}/admission/information", data={"until": until.isoformat()})
    assert again.status_code == 400
    clock.advance(days=11)
    log_in(linde, "directeur@linde.demo")  # eleven days later: a new session
    received = linde.post(
        f"{url}/admission/received",
        data={"date": clock.today().isoformat()},
        follow_redirects=False,
    )
    assert received.status_code == 303, received.text[:1500]
    rows = admissions_of(moved, transfer.id)
    assert rows[0].decision_due_on == today + timedelta(weeks=4, days=11)

    # the school extends once, with a reason; the parents get a letter
    nothing = linde.post(f"{url}/admission/extension", data={"weeks": "4", "reason": ""})
    assert nothing.status_code == 400
    extended = linde.post(
        f"{url}/admission/extension",
        data={"weeks": "4", "reason": "Wij wachten op het advies van de jeugdarts."},
        follow_redirects=False,
    )
    assert extended.status_code == 303, extended.text[:1500]
    due = today + timedelta(weeks=8, days=11)
    assert admissions_of(moved, transfer.id)[0].decision_due_on == due
    page = linde.get(url).text
    assert due.strftime("%Y") in page and "Wij wachten op het advies van de jeugdarts." in page
    second = linde.post(f"{url}/admission/extension", data={"weeks": "1", "reason": "nog eens"})
    assert second.status_code == 400
    letter = None
    deadline = time.time() + 60
    while time.time() < deadline and letter is None:
        page = linde.get(url).text
        found = re.search(r'href="(/transfers/[^"]+/admission/letters/\d+/brief\.pdf)"', page)
        if found:
            response = linde.get(found.group(1))
            if response.status_code == 200:
                letter = response.content
        time.sleep(0.5)
    with moved.db.session() as session:
        kinds = [
            (e.kind, e.subject)
            for e in session.scalars(
                select(TransferEvent).where(TransferEvent.transfer_id == transfer.id)
            )
        ]
    assert letter is not None and letter.startswith(b"%PDF"), (
        "the letter is made by the job",
        kinds,
        found and found.group(1),
        re.findall(r"letters/[^\"]+", page),
    )
    assert any(
        "meer tijd" in m.subject or "more time" in m.subject
        for m in mails_to(moved, "a.yilmaz@example.org")
    )

    # alerts before the deadline: a week before, once; again when the date moves
    clock.set(datetime.combine(due - timedelta(days=7), START.timetz()))
    log_in(linde, "directeur@linde.demo")
    log_in(regenboog, "directeur@regenboog.demo")
    with moved.db.session() as session:
        assert alerts.sweep(session, moved.registry, "http://clock.local") >= 1
    with moved.db.session() as session:
        assert alerts.sweep(session, moved.registry, "http://clock.local") == 0
        director = session.scalar(
            select(UserAccount).where(UserAccount.email == "directeur@linde.demo")
        )
        assert director is not None
        told = session.scalars(
            select(Notification).where(
                Notification.user_id == director.id, Notification.event == "admission_alert"
            )
        ).all()
        assert told
        keys = session.scalars(select(AdmissionAlert.key)).all()
        assert any(f"decision_due:7:{due.isoformat()}" in k for k in keys)

    # a refusal of a child who needs extra support needs a school that agreed to admit
    page = linde.get(url).text
    assert linde.post(
        f"{url}/steps/in_behandeling_nemen", data={"version": version_of(page)}
    ).status_code in (200, 303)
    page = linde.get(url).text
    refused = linde.post(
        f"{url}/steps/afwijzen",
        data={"version": version_of(page), "detail_needs_support": "yes"},
    )
    assert refused.status_code == 400
    assert "school" in refused.text and admissions_of(moved, transfer.id)[0].state == "active"
    page = linde.get(url).text
    regenboog_id = school_id(moved, "12AB00")
    done = linde.post(
        f"{url}/steps/afwijzen",
        data={
            "version": version_of(page),
            "detail_needs_support": "yes",
            "detail_agreed_school": str(regenboog_id),
            "detail_agreed_on": clock.today().isoformat(),
        },
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text[:2000]
    rows = admissions_of(moved, transfer.id)
    assert [a.state for a in rows] == ["refused", "active", "waiting"]
    assert rows[1].received_on == clock.today()
    assert rows[1].decision_due_on == clock.today() + timedelta(weeks=4)
    # De Linde no longer reaches the registration; De Regenboog does, without De Linde's decision
    assert linde.get(url).status_code == 404
    page = regenboog.get(url).text
    assert "Basisschool De Linde (demo)" in page and "Basisschool De Wilg (demo)" in page
    assert "Afgewezen" not in page  # neither on the list nor on the timeline
    assert "Wij wachten op het advies" not in page  # De Linde's extension is its own
    with moved.db.session() as session:
        stored = session.get(Transfer, transfer.id)
        assert stored is not None and stored.receiving_school_id == regenboog_id
        assert stored.status == "aangemeld" and stored.closed_at is None
    # the second school admits: the third is no longer needed
    for step in ("in_behandeling_nemen", "toelaten"):
        page = regenboog.get(url).text
        answer = regenboog.post(
            f"{url}/steps/{step}", data={"version": version_of(page)}, follow_redirects=False
        )
        assert answer.status_code == 303, answer.text[:2000]
    assert [a.state for a in admissions_of(moved, transfer.id)] == ["refused", "admitted", "closed"]


def test_ten_weeks_without_a_decision_place_the_child_temporarily_until_a_refusal(
    parent: Client,
    linde: Client,
    moved: AppState,
    clock: FrozenClock,
) -> None:
    today = clock.today()
    achternaam, _ = register_at_three(parent)
    (transfer,) = transfers_of(moved, achternaam)
    url = f"/transfers/{transfer.id}"
    (first, *_) = admissions_of(moved, transfer.id)
    assert first.ten_weeks_on == today + timedelta(weeks=10)
    # the child of the form is four years and forty days old: placed from the day after
    clock.set(datetime.combine(today + timedelta(weeks=10), START.timetz()))
    with moved.db.session() as session:
        alerts.sweep(session, moved.registry, "http://clock.local")
    assert admissions_of(moved, transfer.id)[0].temporary_flagged_on is None
    clock.advance(days=1)
    with moved.db.session() as session:
        alerts.sweep(session, moved.registry, "http://clock.local")
    log_in(linde, "directeur@linde.demo")
    (first, *_) = admissions_of(moved, transfer.id)
    assert first.temporary_flagged_on == today + timedelta(weeks=10, days=1)
    page = linde.get(url).text
    assert 'id="temporary-placement"' in page
    assert any(
        "tijdelijke plaatsing" in m.subject or "temporary placement" in m.subject
        for m in mails_to(moved, "directeur@linde.demo")
    )
    # the decision is overdue and stands out in the register
    register = linde.get("/transfers").text
    assert transfer.reference in register
    # a refusal (without extra support) ends the temporary placement the next day
    page = linde.get(url).text
    linde.post(f"{url}/steps/in_behandeling_nemen", data={"version": version_of(page)})
    page = linde.get(url).text
    done = linde.post(
        f"{url}/steps/afwijzen",
        data={"version": version_of(page), "detail_needs_support": "no"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text[:2000]
    with moved.db.session() as session:
        ended = session.scalar(
            select(TransferEvent).where(
                TransferEvent.transfer_id == transfer.id,
                TransferEvent.kind == "temporary_placement_ended",
            )
        )
        assert (
            ended is not None and ended.subject == (clock.today() + timedelta(days=1)).isoformat()
        )
    assert day(today)  # the helper module's date format is the form's
