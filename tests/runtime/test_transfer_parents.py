"""Parents on a transfer, as they and the schools use it: the current school makes a link; a
parent opens it (without an account, on another device) and reads where the transfer stands
and what comes next, in Dutch and in English; reads the educational report and adds their
view, which both schools see; withdraws after a confirmation. A switched off or expired link
is the Gone page, a wrong one a 404, and another school cannot make a link. The parents are
told of a step by e-mail (a real SMTP server), without the pupil's name and without their
link's secret."""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
import yaml
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import delete, select

from runtime import jobs
from runtime.app import create_app
from runtime.audit.models import AuditEvent
from runtime.forms.service import FormsService
from runtime.notifications.models import Notification
from runtime.outbox import OutboxMessage
from runtime.pupils import service as pupils
from runtime.pupils.models import Pupil
from runtime.state import AppState
from runtime.transfers.models import ParentAccess, Transfer, TransferEvent

from ..support import answer_the_rest
from .conftest import log_in, with_csrf
from .test_password_reset import Inbox, smtp, wait_for_mail  # noqa: F401 (the fixture)
from .test_transfers import (  # noqa: F401 (kompas, linde: the fixtures)
    SCENARIOS,
    kompas,
    linde,
    new_transfer,
    send_form_for,
    typed,
    version_of,
)

Client = TestClient[Litestar]
LINK = re.compile(r"/p/[A-Za-z0-9_-]{20,}")


@pytest.fixture
def parent(app: Litestar) -> Iterator[Client]:
    """A parent's own device: no account, no cookies of the school."""
    with TestClient(app, base_url="http://testserver.local") as device:
        with_csrf(device)
        yield device


def second_device(app: Litestar) -> Client:
    device = TestClient(app, base_url="http://testserver.local")
    device.__enter__()
    with_csrf(device)
    return device


def transfer_id(url: str) -> uuid.UUID:
    return uuid.UUID(url.split("/")[2])


def make_link(client: Client, url: str, language: str = "nl") -> str:
    response = client.post(f"{url}/parents", data={"language": language, "guardian": ""})
    assert response.status_code == 200, response.text[:2000]
    assert "alleen deze keer" in response.text  # shown once, with the copy hint
    found = LINK.search(response.text)
    assert found, response.text[:2000]
    return found.group(0)


def send_okr(client: Client, seeded: AppState, url: str) -> None:
    """The current school sends the OKR for the transfer: the complete report of the base
    scenarios, with what POPO prefilled from the pupil."""
    response = client.post(f"{url}/forms/onderwijskundig-rapport-noord", follow_redirects=False)
    assert response.status_code == 303, response.text[:2000]
    draft_id = uuid.UUID(response.headers["location"].split("/")[2])
    scenarios = yaml.safe_load(
        (SCENARIOS / "onderwijskundig-rapport.v1.scenarios.yaml").read_text()
    )
    complete = {k: typed(v) for k, v in scenarios["scenarios"][0]["answers"].items()}
    with seeded.db.session() as session:
        forms = FormsService(session, seeded.registry, seeded.settings, seeded.files)
        draft = forms.draft(draft_id)
        entry = forms.entry(draft)
        answers = answer_the_rest(entry.form, {**complete, **draft.answers}, date.today())
        forms.save(draft, entry, forms.state(draft, entry), answers)
        forms.submit(draft, entry, may_change=True)


def registered(client: Client, seeded: AppState) -> tuple[str, dict[str, str]]:
    """A transfer at 'aangemeld' (the overstapformulier sent, registered at De Linde)."""
    url, data = new_transfer(client)
    send_form_for(client, seeded, url, "overstapformulier-noord")
    response = client.post(
        f"{url}/steps/aanmelden", data={"version": version_of(client.get(url).text)}
    )
    assert response.status_code == 200, response.text[:2000]
    return url, data


def test_a_school_makes_a_link_and_a_parent_follows_the_transfer_in_dutch_and_english(
    client: Client, parent: Client, app: Litestar, seeded: AppState
) -> None:
    url, data = registered(client, seeded)
    link = make_link(client, url)
    page = parent.get(link)
    assert page.status_code == 200, page.text[:2000]
    text = page.text
    assert "Aangemeld" in text and "Basisschool De Linde (demo)" in text
    assert "Aan zet: de nieuwe school, Basisschool De Linde (demo)." in text
    assert "De volgende stap: in behandeling nemen of niet in behandeling nemen." in text
    assert "De nieuwe school neemt de aanmelding in behandeling: uiterlijk" in text
    assert "Overstap gestart" in text  # the timeline parents may see
    assert data["number"] not in text and "Uitloggen" not in text
    # another device, in English
    other = second_device(app)
    try:
        english = other.get(link, params={"lang": "en"}).text
    finally:
        other.__exit__(None, None, None)
    assert "Whose turn it is: the new school, Basisschool De Linde (demo)." in english
    assert "The next step: take into consideration or do not take into consideration." in english
    assert "Registered" in english
    # the school's page lists the link as active; every parent's access is in the audit log
    assert "actief" in client.get(url).text
    with seeded.db.session() as session:
        events = session.scalars(
            select(AuditEvent).where(
                AuditEvent.object_id == str(transfer_id(url)),
                AuditEvent.purpose.like("see the transfer as a parent%"),
            )
        ).all()
        assert len(events) == 2
        assert all(e.actor == "parent link" and e.role == "parent" for e in events)
        assert all(e.user_id is None and e.pupil for e in events)


def test_a_parent_withdraws_after_a_confirmation(
    client: Client, parent: Client, seeded: AppState
) -> None:
    url, _ = registered(client, seeded)
    link = make_link(client, url)
    page = parent.get(link).text
    assert f'href="{link}/steps/intrekken"' in page
    question = parent.get(f"{link}/steps/intrekken")
    assert question.status_code == 200
    assert "Weet u het zeker: Intrekken?" in question.text and "Ingetrokken" in question.text
    version = version_of(question.text)
    done = parent.post(f"{link}/steps/intrekken", data={"version": version})
    assert done.status_code == 200, done.text[:2000]
    assert "Ingetrokken" in done.text and "geen stap meer" in done.text
    with seeded.db.session() as session:
        transfer = session.get(Transfer, transfer_id(url))
        assert transfer is not None and transfer.status == "ingetrokken"
    # the school sees it on the timeline; a second try is refused, changing nothing
    assert "Intrekken: Ingetrokken" in client.get(url).text
    again = parent.post(f"{link}/steps/intrekken", data={"version": version})
    assert again.status_code in (400, 409)


def test_a_switched_off_or_expired_link_is_gone_and_a_wrong_one_is_not_found(
    client: Client, parent: Client, seeded: AppState
) -> None:
    url, _ = registered(client, seeded)
    link = make_link(client, url)
    assert parent.get(link).status_code == 200
    with seeded.db.session() as session:
        access = session.scalars(
            select(ParentAccess).where(ParentAccess.transfer_id == transfer_id(url))
        ).one()
        access_id = access.id
    question = client.get(f"{url}/parents/{access_id}/off")
    assert question.status_code == 200 and "Ja, zet de link uit" in question.text
    off = client.post(f"{url}/parents/{access_id}/off", follow_redirects=True)
    assert off.status_code == 200 and "uitgezet" in off.text
    gone = parent.get(link)
    assert gone.status_code == 410 and "werkt niet meer" in gone.text
    # an expired one
    second = make_link(client, url)
    with seeded.db.session() as session:
        newest = session.scalars(
            select(ParentAccess).where(
                ParentAccess.transfer_id == transfer_id(url), ParentAccess.revoked_at.is_(None)
            )
        ).one()
        newest.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    assert parent.get(second).status_code == 410
    assert "verlopen" in client.get(url).text
    assert parent.get("/p/" + "x" * 43).status_code == 404


def test_another_school_cannot_make_or_switch_off_a_link(
    client: Client,
    kompas: Client,  # noqa: F811
    seeded: AppState,
) -> None:
    url, _ = registered(client, seeded)
    assert kompas.post(f"{url}/parents", data={"language": "nl"}).status_code == 404
    make_link(client, url)
    with seeded.db.session() as session:
        access = session.scalars(
            select(ParentAccess).where(ParentAccess.transfer_id == transfer_id(url))
        ).one()
    assert kompas.get(f"{url}/parents/{access.id}/off").status_code == 404
    assert kompas.post(f"{url}/parents/{access.id}/off").status_code == 404
    with seeded.db.session() as session:
        still = session.get(ParentAccess, access.id)
        assert still is not None and still.revoked_at is None


def test_a_reading_role_sees_the_links_but_cannot_make_one(
    client: Client, app: Litestar, seeded: AppState
) -> None:
    url, _ = registered(client, seeded)
    make_link(client, url)
    board = second_device(app)
    try:
        log_in(board, "bestuur@noorderbasis.demo")
        page = board.get(url)
        assert page.status_code == 200, page.text[:1000]
        assert "actief" in page.text and f'action="{url}/parents"' not in page.text
        assert board.post(f"{url}/parents", data={"language": "nl"}).status_code == 403
    finally:
        board.__exit__(None, None, None)


def test_the_parents_read_the_report_and_add_their_view_which_both_schools_see(
    client: Client,
    linde: Client,  # noqa: F811
    parent: Client,
    seeded: AppState,
) -> None:
    url, _ = registered(client, seeded)
    send_okr(client, seeded, url)
    link = make_link(client, url)
    page = parent.get(link).text
    assert "Het onderwijskundig rapport (OKR)" in page
    assert 'class="summary-list__key"' in page  # the answers, read-only
    assert "Wijzig" not in page
    action = re.search(r'action="(/p/[^"]+/okr/[^"]+/view)"', page)
    assert action
    # required, and at most 4000 characters
    empty = parent.post(action.group(1), data={"view": "  "})
    assert empty.status_code == 400 and "Schrijf uw zienswijze" in empty.text
    long = parent.post(action.group(1), data={"view": "x" * 4001})
    assert long.status_code == 400 and "4000" in long.text
    sent = parent.post(action.group(1), data={"view": "Wij herkennen ons in het rapport."})
    assert sent.status_code == 200 and "Dank u" in sent.text
    again = parent.post(action.group(1), data={"view": "Een aanvulling: hij leest graag."})
    assert again.status_code == 200
    for school in (client, linde):
        seen = school.get(url).text
        assert "Zienswijze van de ouders, " in seen
        assert "Een aanvulling: hij leest graag." in seen
        assert "Wij herkennen ons in het rapport." in seen and "vervangen" in seen
    with seeded.db.session() as session:
        views = session.scalars(
            select(TransferEvent).where(
                TransferEvent.transfer_id == transfer_id(url),
                TransferEvent.kind == "parents_view",
            )
        ).all()
        assert len(views) == 2 and all(v.actor_id is None and v.party == "parents" for v in views)


@pytest.fixture
def mailing(
    seeded: AppState,
    smtp: tuple[Inbox, int],  # noqa: F811
) -> Iterator[tuple[AppState, Inbox]]:
    inbox, port = smtp
    settings = seeded.settings.replace(
        inprocess_worker=False, smtp_host="127.0.0.1", smtp_port=port
    )
    jobs.run_until_idle(seeded)
    with seeded.db.session() as session:
        session.execute(delete(OutboxMessage))
        session.execute(delete(Notification))
    yield dataclasses.replace(seeded, settings=settings, swept=True), inbox
    with seeded.db.session() as session:
        session.execute(delete(OutboxMessage))


def test_the_parents_are_told_by_mail_without_the_pupils_name_or_the_secret(
    mailing: tuple[AppState, Inbox],
) -> None:
    state, inbox = mailing
    app = create_app(state.settings, state)
    with TestClient(app, base_url="http://testserver.local") as client:
        with_csrf(client)
        log_in(client, "ib@regenboog.demo")
        url, data = new_transfer(client)
        with state.db.session() as session:
            transfer = session.get(Transfer, transfer_id(url))
            assert transfer is not None
            pupil = session.get(Pupil, transfer.pupil_id)
            assert pupil is not None
            pupils.set_guardians(
                session,
                pupil,
                [
                    pupils.GuardianDetails("Anna Jansen", "moeder", True, email="anna@ouders.test"),
                    pupils.GuardianDetails("Piet Jansen", "vader", False, email="piet@ouders.test"),
                ],
            )
        # the school mails a link to the guardian with gezag (the only one offered)
        page = client.get(url).text
        assert "Anna Jansen" in page and "Piet Jansen" not in page
        guardian = re.search(r'name="guardian" value="([0-9a-f-]{36})"', page)
        assert guardian
        made = client.post(f"{url}/parents", data={"language": "nl", "guardian": guardian.group(1)})
        assert made.status_code == 200 and "gemaild" in made.text
        assert not LINK.search(made.text)  # mailed, never shown
        send_form_for(client, state, url, "overstapformulier-noord")
        client.post(f"{url}/steps/aanmelden", data={"version": version_of(client.get(url).text)})
        jobs.run_until_idle(state)
        messages = wait_for_mail(inbox, 3)
        to_parent = [m for m in messages if m["To"] == "anna@ouders.test"]
        assert len(to_parent) == 2, [(m["To"], m["Subject"]) for m in messages]
        assert not any(m["To"] == "piet@ouders.test" for m in messages)
        bodies = {m["Subject"]: m.get_payload(decode=True).decode() for m in to_parent}
        link_mail = next(b for s, b in bodies.items() if "Uw link" in s)
        step_mail = next(b for s, b in bodies.items() if "Aangemeld" in s)
        found = LINK.search(link_mail)
        assert found
        assert not LINK.search(step_mail) and "eerdere e-mail" in step_mail
        for subject, body in bodies.items():
            mail = f"{subject}\n{body}"
            assert data["achternaam"] not in mail and "Sanne" not in mail
            assert data["number"] not in mail and "Jansen" not in mail
        # the mailed link works on the parent's device, and no line of it is in the app
        with TestClient(app, base_url="http://testserver.local") as parent:
            assert "Aangemeld" in parent.get(found.group(0)).text
            told_where = re.search(r"https?://\S+/ouders", step_mail)
            assert told_where, step_mail
            assert "persoonlijke link" in parent.get("/ouders").text
        with state.db.session() as session:
            assert not session.scalars(
                select(Notification).where(Notification.event.like("transfer_parents%"))
            ).all()


def test_the_parents_and_the_school_write_to_each_other_through_the_link(
    client: Client, parent: Client, seeded: AppState
) -> None:
    url, _ = registered(client, seeded)
    link = make_link(client, url)
    sent = client.post(
        f"{url}/messages",
        data={"to": "parents", "body": "Beste ouders, de aanmelding is verstuurd."},
        files={"file_1": ("", b"", "application/octet-stream")},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text[:2000]
    page = parent.get(link).text
    assert "Beste ouders, de aanmelding is verstuurd." in page and 'id="messages"' in page
    answer = parent.post(
        f"{link}/messages",
        data={"to": "receiving_school", "body": "Dank u. Wanneer hoort u van de nieuwe school?"},
        files={
            "file_1": (
                "vraag.pdf",
                b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\n%%EOF\n",
                "application/pdf",
            )
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text[:2000]
    assert "Uw bericht is verstuurd." in parent.get(answer.headers["location"]).text
    # the school sees the parents' message with its file; the parents download it too
    school_page = client.get(url).text
    assert "Wanneer hoort u van de nieuwe school?" in school_page
    files = re.findall(r'href="(/p/[^"]+/messages/[^"]+/files/[^"]+)"', parent.get(link).text)
    assert files and parent.get(files[0]).status_code == 200
    assert parent.get(files[0].replace(link, "/p/" + "x" * 43)).status_code == 404
    # an empty message is refused, nothing written, the page says why
    empty = parent.post(
        f"{link}/messages",
        data={"to": "receiving_school", "body": "  "},
        files={"file_1": ("", b"", "application/octet-stream")},
    )
    assert empty.status_code == 400 and "error-summary" in empty.text
