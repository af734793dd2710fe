"""Transfers as the schools use them: the current school starts one for its pupil and fills in
the form its procedure needs (prefilled from the pupil), takes the steps its role may take, and
is told plainly what it cannot do yet; the new school finds it in its register and decides.
Another school does not see it; a stale page and a second person acting at once change
nothing."""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from runtime.access.models import UserAccount
from runtime.clock import SYSTEM
from runtime.forms.models import Draft
from runtime.forms.service import FormsService
from runtime.notifications.models import Notification
from runtime.outbox import OutboxMessage
from runtime.pupils import service as pupils
from runtime.state import AppState
from runtime.statuses.db import StatusChange
from runtime.transfers.models import Transfer

from ..support import a_bsn, answer_the_rest
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


@pytest.fixture
def kompas(app: Litestar, seeded: AppState) -> Iterator[Client]:
    yield from logged_in(app, "ib@kompas.demo")


def new_transfer(client: Client, **changes: str) -> tuple[str, dict[str, str]]:
    rng = random.Random()
    data = {
        "number": a_bsn(rng),
        "voornamen": "Sanne Maria",
        "tussenvoegsel": "de",
        "achternaam": f"Vries-{uuid.uuid4().hex[:6]}",
        "geboortedatum": "2018-04-03",
        "school": "34CD00",
        "reason": "verhuizing",
        "note": "",
        "desired_date": "2027-01-15",
        **changes,
    }
    response = client.post("/transfers", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text[:3000]
    return response.headers["location"], data


def version_of(page_text: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', page_text)
    assert found, "the page offers a step"
    return found.group(1)


SCENARIOS = Path(__file__).resolve().parents[2] / "definitions" / "base"


def typed(value: Any) -> Any:
    """A scenario's answer as a page posts it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, list):
        return [{k: typed(v) for k, v in row.items()} for row in value]
    return value


def complete_overstap(today: date) -> dict[str, Any]:
    """The complete overstapformulier of the base scenarios, its dates moved to ``today``."""
    scenarios = yaml.safe_load((SCENARIOS / "overstapformulier.scenarios.yaml").read_text())
    answers = dict(scenarios["scenarios"][0]["answers"])
    answers.update(
        overstapdatum=today + timedelta(days=60),
        contact_datum=today - timedelta(days=3),
        datum_verklaring=today - timedelta(days=1),
    )
    return {k: typed(v) for k, v in answers.items()}


def send_form_for(client: Client, seeded: AppState, transfer_url: str, form_id: str) -> Draft:
    response = client.post(f"{transfer_url}/forms/{form_id}", follow_redirects=False)
    assert response.status_code == 303, response.text[:2000]
    draft_id = uuid.UUID(response.headers["location"].split("/")[2])
    with seeded.db.session() as session:
        forms = FormsService(session, seeded.registry, seeded.settings, seeded.files)
        draft = forms.draft(draft_id)
        entry = forms.entry(draft)
        prefilled = dict(draft.answers)
        answers = dict(draft.answers)
        if form_id.startswith("overstapformulier"):
            answers = {**complete_overstap(date.today()), **prefilled}
        answers = answer_the_rest(entry.form, answers, date.today())
        forms.save(draft, entry, forms.state(draft, entry), answers)
        forms.submit(draft, entry, may_change=True)
        session.expunge(draft)
    draft.answers = prefilled
    return draft


def test_a_school_starts_a_transfer_and_the_procedure_says_what_comes_first(
    client: Client, seeded: AppState
) -> None:
    url, data = new_transfer(client)
    page = client.get(url).text
    assert data["achternaam"] in page and "Gemeld" in page
    assert "Basisschool De Linde (demo)" in page and "Verhuizing" in page
    # the number is the pupil's own school's to see in full
    assert data["number"] in page
    # the first step needs the region's overstapformulier: said, and offered to fill in
    assert "Overstapformulier" in page and "verstuurd" in page
    assert f'action="{url}/forms/overstapformulier-noord"' in page
    # taking the step now is refused with what is missing, and changes nothing
    response = client.post(f"{url}/steps/aanmelden", data={"version": "1"})
    assert response.status_code == 400
    assert "Eerst moet het formulier" in response.text and "Overstapformulier" in response.text
    with seeded.db.session() as session:
        transfer = session.get(Transfer, uuid.UUID(url.split("/")[2]))
        assert transfer is not None and transfer.status == "gemeld" and transfer.version == 1
        assert transfer.procedure_id == "tussentijdse-overstap-noord"


def test_the_form_started_for_a_transfer_is_prefilled_from_the_pupil(
    client: Client, seeded: AppState
) -> None:
    url, data = new_transfer(client)
    draft = send_form_for(client, seeded, url, "overstapformulier-noord")
    assert draft.transfer_id is not None and draft.pupil_id is not None
    assert draft.answers["achternaam"] == data["achternaam"]
    assert draft.answers["voornamen"] == "Sanne Maria"
    assert draft.answers["bsn"] == data["number"]
    # and from the transfer: the current school, the new one as first preference, date, reason
    assert (draft.answers["school_brin"], draft.answers["school_vestiging"]) == ("12AB", "00")
    assert draft.answers["voorkeursscholen"][0]["voorkeur_brin"] == "34CD00"
    assert draft.answers["overstapdatum"] == data["desired_date"]
    assert draft.answers["reden"] == "verhuizing"
    page = client.get(url).text
    assert "Formulier verstuurd" in page and "Aanmelden bij de nieuwe school" in page


def test_the_steps_run_through_the_procedure_and_the_new_school_is_told(
    client: Client, linde: Client, seeded: AppState
) -> None:
    url, data = new_transfer(client)
    send_form_for(client, seeded, url, "overstapformulier-noord")
    page = client.get(url).text
    response = client.post(
        f"{url}/steps/aanmelden", data={"version": version_of(page)}, follow_redirects=False
    )
    assert response.status_code == 303, response.text[:2000]
    assert "Aangemeld" in client.get(response.headers["location"]).text
    # the new school: in its register, with the step its director may take
    register = linde.get("/transfers", params={"q": data["achternaam"]}).text
    assert data["achternaam"] in register and "Aangemeld" in register
    theirs = linde.get(url).text
    assert "In behandeling nemen" in theirs and "Niet in behandeling nemen" in theirs
    assert data["number"] not in theirs  # masked: not their pupil (yet)
    with seeded.db.session() as session:
        director = session.scalar(
            select(UserAccount).where(UserAccount.email == "directeur@linde.demo")
        )
        assert director is not None
        told = session.scalars(
            select(Notification).where(
                Notification.user_id == director.id, Notification.event == "transfer_step"
            )
        ).all()
        assert any(url.split("/")[2] in n.link for n in told)
        mail = session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == "directeur@linde.demo")
        ).all()
        # in the language the account keeps (another test may have switched it)
        assert any(("Aangemeld" in m.subject or "Registered" in m.subject) for m in mail)
        assert not any(data["achternaam"] in m.body or data["number"] in m.body for m in mail)
    # the current school may not decide for the new one: refused, naming who may
    refused = client.post(f"{url}/steps/in_behandeling_nemen", data={"version": "3"})
    assert refused.status_code == 403
    assert (
        "Alleen de intern begeleider van de nieuwe school of de directeur van de nieuwe school"
        in refused.text
    )
    # the director takes it into consideration and admits
    for step in ("in_behandeling_nemen", "toelaten"):
        page = linde.get(url).text
        response = linde.post(
            f"{url}/steps/{step}", data={"version": version_of(page)}, follow_redirects=False
        )
        assert response.status_code == 303, response.text[:2000]
    assert "Toegelaten" in linde.get(url).text
    # the task the admission opened is told to whose it is: the new school's administration
    with seeded.db.session() as session:
        office = session.scalar(
            select(UserAccount).where(UserAccount.email == "administratie@linde.demo")
        )
        assert office is not None
        tasks = session.scalars(
            select(Notification).where(
                Notification.user_id == office.id, Notification.event == "transfer_task"
            )
        ).all()
        assert any(url.split("/")[2] in n.link for n in tasks)
        mail = session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == "administratie@linde.demo")
        ).all()
        assert any(("een taak voor u" in m.subject or "a task for you" in m.subject) for m in mail)
        assert not any(data["achternaam"] in m.body for m in mail)
    timeline = client.get(url).text
    for line in ("Overstap gestart", "Aanmelden bij de nieuwe school", "Toelaten: Toegelaten"):
        assert line in timeline
    with seeded.db.session() as session:
        moves = session.scalars(
            select(StatusChange.role)
            .where(StatusChange.subject_id == url.split("/")[2])
            .order_by(StatusChange.id)
        ).all()
    assert moves == [
        "sending_school.intern_begeleider",
        "receiving_school.directeur",
        "receiving_school.directeur",
    ]


def test_a_stale_page_changes_nothing_and_says_so(
    client: Client, linde: Client, seeded: AppState
) -> None:
    url, _ = new_transfer(client)
    send_form_for(client, seeded, url, "overstapformulier-noord")
    client.post(f"{url}/steps/aanmelden", data={"version": version_of(client.get(url).text)})
    stale = version_of(linde.get(url).text)
    # someone else at the new school acts first (the same page, two tabs)
    first = linde.post(f"{url}/steps/in_behandeling_nemen", data={"version": stale})
    assert first.status_code == 200
    second = linde.post(f"{url}/steps/niet_in_behandeling_nemen", data={"version": stale})
    assert second.status_code == 409
    assert "intussen gewijzigd" in second.text and "In behandeling" in second.text
    with seeded.db.session() as session:
        transfer = session.get(Transfer, uuid.UUID(url.split("/")[2]))
        assert transfer is not None and transfer.status == "in_behandeling"


def test_another_school_does_not_see_the_transfer(
    client: Client, kompas: Client, seeded: AppState
) -> None:
    url, data = new_transfer(client)
    assert kompas.get(url).status_code == 404
    assert kompas.post(f"{url}/steps/intrekken", data={"version": "1"}).status_code == 404
    found = kompas.get("/transfers", params={"q": data["achternaam"]}).text
    assert "0 overstappen" in found and "Geen overstappen om te tonen" in found


def test_wrong_values_are_named_and_what_was_typed_is_kept(client: Client) -> None:
    response = client.post(
        "/transfers",
        data={
            "number": "123456789",
            "voornamen": "Sanne",
            "achternaam": "",
            "geboortedatum": "3 april",
            "school": "nergensschool",
            "reason": "",
        },
    )
    assert response.status_code == 400
    text = response.text
    for message in (
        "11-proef",
        "achternaam",
        "geboortedatum",
        "nieuwe school",
        "reden",
    ):
        assert message.lower() in text.lower(), message
    assert 'value="Sanne"' in text and 'value="123456789"' in text


def test_the_register_filters_searches_and_pages_with_and_without_htmx(
    client: Client, seeded: AppState
) -> None:
    url, data = new_transfer(client, reason="conflict")
    reference = client.get(url).text.split("· OV-")[1].split("<")[0].strip()
    by_number = client.get("/transfers", params={"q": data["number"]}).text
    assert data["achternaam"] in by_number
    assert data["achternaam"] in client.get("/transfers", params={"q": f"OV-{reference}"}).text
    assert data["achternaam"] in client.get("/transfers", params={"reason": "conflict"}).text
    assert (
        f"/transfers/{url.split('/')[2]}"
        in client.get("/transfers", params={"reason": "conflict"}).text
    )
    for other in ({"reason": "anders"}, {"status": "afgerond"}):
        assert f"/transfers/{url.split('/')[2]}" not in client.get("/transfers", params=other).text
    partial = client.get(
        "/transfers", params={"q": data["achternaam"]}, headers={"HX-Request": "true"}
    ).text
    assert data["achternaam"] in partial and "<html" not in partial
    today = SYSTEM.today()  # the Dutch date the transfers were started on
    this_week = {"from": (today - timedelta(days=1)).isoformat(), "until": today.isoformat()}
    assert f"/transfers/{url.split('/')[2]}" in client.get("/transfers", params=this_week).text
    tomorrow = {"from": (today + timedelta(days=1)).isoformat()}
    assert f"/transfers/{url.split('/')[2]}" not in client.get("/transfers", params=tomorrow).text
    sorted_by_due = client.get("/transfers", params={"sort": "due", "overdue": "1"})
    assert sorted_by_due.status_code == 200
    bad = client.get("/transfers", params={"from": "gisteren", "page": "abc"})
    assert bad.status_code == 200 and "dag-maand-jaar" in bad.text


# Who may open a transfer from De Regenboog to De Linde (both of Stichting Noorderbasis, SWV
# Noord), and who may act on it: (sees it, may post to it)
TRANSFER_ACCESS = {
    "ib@regenboog.demo": (True, True),  # the current school
    "directeur@linde.demo": (True, True),  # the new school
    "bestuur@noorderbasis.demo": (True, False),  # their board: reads
    "swv@noord.demo": (True, False),  # their samenwerkingsverband: reads
    "privacy@regenboog.demo": (True, False),
    "ib@kompas.demo": (False, False),  # a school in another region
    "consultant@popo.demo": (False, False),  # platform roles see no pupil data
    "beheer@popo.demo": (False, False),
}


@pytest.mark.parametrize(("email", "allowed"), sorted(TRANSFER_ACCESS.items()))
def test_a_transfer_is_seen_only_by_its_own_organisations(
    app: Litestar, client: Client, email: str, allowed: tuple[bool, bool]
) -> None:
    url, data = new_transfer(client)
    sees, acts = allowed
    with TestClient(app, base_url="http://testserver.local") as other:
        with_csrf(other)
        log_in(other, email)
        page = other.get(url)
        assert page.status_code == (200 if sees else 404)
        assert (data["achternaam"] in page.text) is sees
        for path in ("/steps/intrekken", "/forms/overstapformulier-noord"):
            answer = other.post(url + path, data={"version": "1"}, follow_redirects=False)
            if not sees:
                assert answer.status_code == 404, path
            elif not acts:
                assert answer.status_code == 403, path
        register = other.get("/transfers", params={"q": data["achternaam"]})
        assert (url in register.text) is sees


def test_my_work_shows_the_tasks_and_forms_of_each_school(
    app: Litestar, client: Client, seeded: AppState
) -> None:
    url, data = new_transfer(client)
    mine = client.get("/work").text
    assert "Vul het overstapformulier in" in mine and data["achternaam"] in mine
    send_form_for(client, seeded, url, "overstapformulier-noord")
    client.post(f"{url}/steps/aanmelden", data={"version": version_of(client.get(url).text)})
    assert url in client.get("/work").text.split("Verstuurde formulieren")[1]
    for theirs in logged_in(app, "ib@linde.demo"):
        work = theirs.get("/work").text
        assert "Beoordeel de aanmelding" in work and data["achternaam"] in work
        assert url in work.split("Ontvangen formulieren")[1]


def test_a_known_number_is_not_claimed_or_renamed_by_typing_it(
    client: Client, seeded: AppState
) -> None:
    _, data = new_transfer(client)
    # the pupil is at De Regenboog now: the same school may start another transfer, with the
    # record as it is; a wrong surname or birth date with a known number is refused
    wrong = client.post(
        "/transfers",
        data={**data, "achternaam": "Iemand-Anders", "school": "34CD00"},
    )
    assert wrong.status_code == 400 and "andere achternaam of geboortedatum" in wrong.text
    again = client.post(
        "/transfers", data={**data, "voornamen": "Nieuwe Naam"}, follow_redirects=False
    )
    assert again.status_code == 303
    with seeded.db.session() as session:
        pupil = pupils.find(session, seeded.settings, data["number"])
        assert pupil is not None and pupil.voornamen == "Sanne Maria"  # not renamed


def test_a_transfer_whose_procedure_is_gone_says_so_instead_of_failing(
    client: Client, seeded: AppState
) -> None:
    url, _ = new_transfer(client)
    with seeded.db.session() as session:
        transfer = session.get(Transfer, uuid.UUID(url.split("/")[2]))
        assert transfer is not None
        transfer.procedure_version = 99  # no longer among the definitions
    page = client.get(url)
    assert page.status_code == 409
    assert "niet meer beschikbaar" in page.text and "tussentijdse-overstap-noord v99" in page.text
    with seeded.db.session() as session:
        transfer = session.get(Transfer, uuid.UUID(url.split("/")[2]))
        assert transfer is not None
        transfer.procedure_version = 1
