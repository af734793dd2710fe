"""The hand-over of a transfer as the schools do it: the new school records the enrolment with
its date and the previous school is told at once; the previous school deregisters on the day
before (a gap or an overlap is refused with a message, nothing changed)."""

from __future__ import annotations

import io
import re
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from litestar import Litestar
from pypdf import PdfReader
from sqlalchemy import select

from oso_mapping.settings import schema_dir
from runtime.access.models import UserAccount
from runtime.audit.models import AuditEvent
from runtime.clock import SYSTEM  # the Dutch date: after 23:00 UTC it is tomorrow
from runtime.forms.models import Draft
from runtime.forms.service import FormsService
from runtime.notifications.models import Notification
from runtime.organisations.models import Organisation
from runtime.outbox import OutboxMessage
from runtime.pupils.models import Pupil
from runtime.state import AppState
from runtime.transfers import proof
from runtime.transfers.models import Transfer, TransferEvent

from ..support import answer_the_rest
from .test_transfers import Client, logged_in, new_transfer, send_form_for, version_of


@pytest.fixture
def linde(app: Litestar, seeded: AppState) -> Iterator[Client]:
    yield from logged_in(app, "directeur@linde.demo")


@pytest.fixture
def kompas(app: Litestar, seeded: AppState) -> Iterator[Client]:
    yield from logged_in(app, "ib@kompas.demo")


@pytest.fixture
def regenboog_staff(app: Litestar, seeded: AppState) -> Iterator[Client]:
    yield from logged_in(app, "leerkracht@regenboog.demo")


def step(client: Client, url: str, step_id: str, **data: str) -> None:
    page = client.get(url).text
    response = client.post(
        f"{url}/steps/{step_id}",
        data={"version": version_of(page), **data},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:3000]


def admitted(client: Client, linde: Client, seeded: AppState) -> tuple[str, dict[str, str]]:
    """A transfer from De Regenboog that De Linde admitted."""
    url, data = new_transfer(client)
    send_form_for(client, seeded, url, "overstapformulier-noord")
    step(client, url, "aanmelden")
    step(linde, url, "in_behandeling_nemen")
    step(linde, url, "toelaten")
    return url, data


def transfer_of(seeded: AppState, url: str) -> Transfer:
    with seeded.db.session() as session:
        transfer = session.get(Transfer, uuid.UUID(url.split("/")[2]))
        assert transfer is not None
        session.expunge(transfer)
        return transfer


def enrolled(
    client: Client, linde: Client, seeded: AppState, on: date
) -> tuple[str, dict[str, str]]:
    url, data = admitted(client, linde, seeded)
    step(linde, url, "inschrijven", date=on.isoformat())
    return url, data


def test_the_enrolment_asks_for_its_date_and_the_previous_school_is_told_at_once(
    client: Client, linde: Client, seeded: AppState
) -> None:
    url, data = admitted(client, linde, seeded)
    page = linde.get(url).text
    assert 'name="date"' in page and "Inschrijfdatum" in page
    on = SYSTEM.today() + timedelta(days=7)
    step(linde, url, "inschrijven", date=on.isoformat())
    transfer = transfer_of(seeded, url)
    assert transfer.status == "ingeschreven" and transfer.enrolled_on == on
    with seeded.db.session() as session:
        pupil = session.get(Pupil, transfer.pupil_id)
        assert pupil is not None and pupil.current_school_id == transfer.receiving_school_id
        event = session.scalar(
            select(TransferEvent).where(
                TransferEvent.transfer_id == transfer.id, TransferEvent.kind == "enrolled"
            )
        )
        assert event is not None and event.on == on and event.party == "receiving_school"
        # the previous school's staff: a notification and a mail, with both dates
        for email in ("ib@regenboog.demo", "leerkracht@regenboog.demo"):
            account = session.scalar(select(UserAccount).where(UserAccount.email == email))
            assert account is not None
            told = session.scalars(
                select(Notification).where(
                    Notification.user_id == account.id,
                    Notification.event == "transfer_enrolled",
                )
            ).all()
            assert any(str(transfer.id) in n.link for n in told), email
            mails = session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.recipient == email,
                    OutboxMessage.body.contains(transfer.reference),
                )
            ).all()
            mail = next(m for m in mails if "ingeschreven" in m.subject)
            assert str(on.day) in mail.body and str((on - timedelta(days=1)).day) in mail.body
            assert data["achternaam"] not in mail.body and data["number"] not in mail.body
    page = client.get(url).text
    assert "Ingeschreven per" in page and 'id="enrolled-on"' in page


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Vul de datum in"),
        ("31-02-2027", "Vul de datum in"),
        ("2020-01-01", "vóór het begin van de overstap"),
        ((SYSTEM.today() + timedelta(days=400)).isoformat(), "meer dan een jaar vooruit"),
    ],
)
def test_a_wrong_enrolment_date_is_refused_and_changes_nothing(
    client: Client, linde: Client, seeded: AppState, value: str, message: str
) -> None:
    url, _ = admitted(client, linde, seeded)
    before = transfer_of(seeded, url)
    page = linde.get(url).text
    response = linde.post(
        f"{url}/steps/inschrijven", data={"version": version_of(page), "date": value}
    )
    assert response.status_code == 400
    assert message in response.text and "er is niets veranderd" in response.text
    after = transfer_of(seeded, url)
    assert (after.status, after.version, after.enrolled_on) == (
        "toegelaten",
        before.version,
        None,
    )


def test_the_deregistration_proposes_the_day_before_and_refuses_a_gap_or_an_overlap(
    client: Client, linde: Client, regenboog_staff: Client, seeded: AppState
) -> None:
    on = SYSTEM.today() + timedelta(days=10)
    url, _ = enrolled(client, linde, seeded, on)
    day_before = on - timedelta(days=1)
    page = regenboog_staff.get(url).text
    proposed = f'aria-describedby="date-uitschrijven-hint" value="{day_before.isoformat()}"'
    assert proposed in page
    for value, message in (
        ((on - timedelta(days=3)).isoformat(), "op geen enkele school"),
        (on.isoformat(), "op twee scholen"),
    ):
        response = regenboog_staff.post(
            f"{url}/steps/uitschrijven", data={"version": version_of(page), "date": value}
        )
        assert response.status_code == 400
        assert message in response.text and "er is niets veranderd" in response.text
        assert transfer_of(seeded, url).deregistered_on is None
    step(regenboog_staff, url, "uitschrijven", date=day_before.isoformat())
    transfer = transfer_of(seeded, url)
    assert transfer.status == "uitgeschreven" and transfer.deregistered_on == day_before
    assert "Uitgeschreven per" in linde.get(url).text


def deregistered(
    client: Client, linde: Client, regenboog_staff: Client, seeded: AppState
) -> tuple[str, dict[str, str], date]:
    on = SYSTEM.today() + timedelta(days=5)
    url, data = enrolled(client, linde, seeded, on)
    step(regenboog_staff, url, "uitschrijven", date=(on - timedelta(days=1)).isoformat())
    return url, data, on


def proof_made(seeded: AppState, url: str, seconds: float = 90) -> dict[str, str]:
    """The proof's digests once the job (the client's in-process worker) has made them."""
    deadline = time.monotonic() + seconds
    while True:
        with seeded.db.session() as session:
            found = proof.stored(session, uuid.UUID(url.split("/")[2]))
        if len(found) == 2 or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_the_proof_of_deregistration_is_made_by_the_job_for_both_schools_only(
    client: Client,
    linde: Client,
    regenboog_staff: Client,
    kompas: Client,
    seeded: AppState,
) -> None:
    url, data, on = deregistered(client, linde, regenboog_staff, seeded)
    made = proof_made(seeded, url)
    assert set(made) == {"nl", "en"}
    transfer = transfer_of(seeded, url)
    for school in (client, linde):
        page = school.get(url).text
        assert f'href="{url}/bewijs-van-uitschrijving.pdf"' in page
        assert "Bewijs van uitschrijving gemaakt" in page
        pdf = school.get(f"{url}/bewijs-van-uitschrijving.pdf")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        reader = PdfReader(io.BytesIO(pdf.content))
        text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
        for wanted in (
            "Bewijs van uitschrijving",
            data["achternaam"],
            "De Regenboog",
            "De Linde",
            transfer.reference,
            "Datum van afgifte",
            str(on.year),
        ):
            assert wanted in text, (wanted, text)
        assert "bewijs.json" in reader.attachments
    with seeded.db.session() as session:
        brins = [
            session.get(Organisation, school_id).code  # type: ignore[union-attr]
            for school_id in (transfer.sending_school_id, transfer.receiving_school_id)
        ]
        audited = session.scalars(
            select(AuditEvent.purpose).where(
                AuditEvent.object_id == str(transfer.id),
                AuditEvent.purpose.startswith("download the proof of deregistration"),
            )
        ).all()
    assert len(audited) >= 2
    assert all(brin in text for brin in brins)
    english = linde.get(f"{url}/bewijs-van-uitschrijving.pdf?lang=en")
    english_text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(english.content)).pages)
    assert "Proof of deregistration" in " ".join(english_text.split())
    linde.get(f"{url}?lang=nl")  # the head keeps Dutch for the other tests (it is remembered)
    # another school: as if there were no such transfer
    assert kompas.get(f"{url}/bewijs-van-uitschrijving.pdf").status_code == 404


OKR = "onderwijskundig-rapport-noord"
needs_oso = pytest.mark.skipif(schema_dir() is None, reason="needs ../shared/oso/2019.1")


def oso_example() -> bytes:
    folder = schema_dir()
    assert folder is not None
    return (folder / "examples" / "Voorbeelddossier_OV_POPO_full.xml").read_bytes()


def okr_from_oso(client: Client, url: str) -> uuid.UUID:
    response = client.post(
        f"{url}/forms/{OKR}/oso",
        files={"dossier": ("dossier.xml", oso_example(), "application/xml")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:2000]
    assert response.headers["location"].endswith("/oso-import")
    return uuid.UUID(response.headers["location"].split("/")[2])


def okr_drafts(state: AppState, url: str) -> int:
    with state.db.session() as session:
        return (
            len(
                session.scalars(
                    select(Draft.id).where(Draft.transfer_id == uuid.UUID(url.split("/")[2]))
                ).all()
            )
            - 1
        )  # the overstapformulier


def complete(state: AppState, draft_id: uuid.UUID) -> None:
    """Answer what the dossier did not (as the school would on the form's pages), then send."""
    with state.db.session() as session:
        forms = FormsService(session, state.registry, state.settings, state.files)
        draft = forms.draft(draft_id)
        entry = forms.entry(draft)
        answers = answer_the_rest(entry.form, draft.answers, SYSTEM.today())
        forms.save(draft, entry, forms.state(draft, entry), answers)
        forms.submit(draft, entry, may_change=True)


@needs_oso
def test_the_new_school_opens_the_okr_only_once_enrolled_and_klaargezet(
    client: Client, linde: Client, kompas: Client, seeded: AppState
) -> None:
    url, data = admitted(client, linde, seeded)
    # the current school writes the OKR for the transfer (from its OSO dossier) and sends it
    draft_id = okr_from_oso(client, url)
    complete(seeded, draft_id)
    page = client.get(url).text
    assert "Onderwijskundig rapport: overdracht" in page
    assert "De ouders hebben nog geen zienswijze toegevoegd" in page  # warned
    assert f'action="{url}/okr-ready"' in page
    # the new school sees that it exists, and when it will be available: not yet
    for address in ("/submission", "/submission.pdf", "/submission.oso.xml"):
        early = linde.get(f"/drafts/{draft_id}{address}")
        assert early.status_code == 403, address
        assert "zodra de leerling bij uw school is ingeschreven" in early.text
        assert data["achternaam"] not in early.text
    assert (
        "de inschrijving is nog niet vastgelegd" in linde.get(f"/drafts/{draft_id}/submission").text
    )
    assert "U kunt het openen zodra" in linde.get(url).text
    # made ready, but not enrolled yet: still not
    response = client.post(f"{url}/okr-ready", follow_redirects=False)
    assert response.status_code == 303, response.text[:2000]
    again = client.post(f"{url}/okr-ready")
    assert again.status_code == 400 and "al klaargezet" in again.text
    not_yet = linde.get(f"/drafts/{draft_id}/submission")
    assert not_yet.status_code == 403
    assert "het rapport is klaargezet; de inschrijving is nog niet vastgelegd" in not_yet.text
    # the new school may not make it ready itself
    assert linde.post(f"{url}/okr-ready").status_code == 400
    # enrolled: now it opens, its PDF and OSO export too, and the retrieval is on the timeline
    step(linde, url, "inschrijven", date=SYSTEM.today().isoformat())
    opened = linde.get(f"/drafts/{draft_id}/submission")
    assert opened.status_code == 200 and "Downloaden als OSO-dossier" in opened.text
    assert linde.get(f"/drafts/{draft_id}/submission.oso.xml").status_code == 200
    assert f'href="/drafts/{draft_id}/submission"' in linde.get(url).text
    timeline = client.get(url).text
    assert "Onderwijskundig rapport klaargezet voor de nieuwe school" in timeline
    assert "Onderwijskundig rapport opgehaald door de nieuwe school" in timeline
    assert "Opgehaald door" in timeline
    with seeded.db.session() as session:
        retrieved = session.scalars(
            select(TransferEvent).where(
                TransferEvent.transfer_id == uuid.UUID(url.split("/")[2]),
                TransferEvent.kind == "okr_retrieved",
            )
        ).all()
        assert len(retrieved) == 1  # once per person, however often they open it
        assert "parents" in retrieved[0].visible_to.split(",")
        audited = session.scalars(
            select(AuditEvent.purpose).where(AuditEvent.object_id == str(draft_id))
        ).all()
    assert any(p.endswith("(transfer hand-over)") for p in audited)
    # another school: nothing
    assert kompas.get(f"/drafts/{draft_id}/submission").status_code == 404


def test_the_okr_cannot_be_made_ready_before_it_is_sent(
    client: Client, linde: Client, seeded: AppState
) -> None:
    url, _ = admitted(client, linde, seeded)
    response = client.post(f"{url}/okr-ready")
    assert response.status_code == 400
    assert "zodra het is verstuurd" in response.text and "er is niets veranderd" in response.text


@needs_oso
def test_an_oso_dossier_for_a_transfer_starts_a_linked_prefilled_okr(
    client: Client, linde: Client, seeded: AppState
) -> None:
    url, _ = admitted(client, linde, seeded)
    page = client.get(url).text
    assert f'action="{url}/forms/{OKR}/oso"' in page
    # a refused dossier: a message on the transfer's page, nothing started
    refused = client.post(
        f"{url}/forms/{OKR}/oso",
        files={"dossier": ("x.xml", b"dit is geen xml", "application/xml")},
    )
    assert refused.status_code == 400 and "geen correct XML-bestand" in refused.text
    assert okr_drafts(seeded, url) == 0
    draft_id = okr_from_oso(client, url)
    with seeded.db.session() as session:
        draft = session.get(Draft, draft_id)
        transfer = session.get(Transfer, uuid.UUID(url.split("/")[2]))
        assert draft is not None and transfer is not None
        assert draft.transfer_id == transfer.id and draft.pupil_id == transfer.pupil_id
        assert draft.oso_import is not None
        # from the dossier
        assert "Berg" in str(draft.answers.values())


def test_the_previous_school_sees_the_number_until_the_transfer_is_closed(
    client: Client, linde: Client, seeded: AppState
) -> None:
    url, data = admitted(client, linde, seeded)
    step(linde, url, "inschrijven", date=SYSTEM.today().isoformat())
    # enrolled at De Linde: its pupil now, and the previous school still writes the OKR
    assert data["number"] in linde.get(url).text
    assert data["number"] in client.get(url).text
    with seeded.db.session() as session:
        transfer = session.get(Transfer, uuid.UUID(url.split("/")[2]))
        assert transfer is not None
        transfer.closed_at = transfer.updated_at  # as a final step leaves it
    assert data["number"] not in client.get(url).text  # closed: masked again


@needs_oso
def test_a_corrected_report_is_not_opened_on_the_earlier_ones_readiness(
    client: Client, linde: Client, seeded: AppState
) -> None:
    url, _ = admitted(client, linde, seeded)
    first = okr_from_oso(client, url)
    complete(seeded, first)
    assert client.post(f"{url}/okr-ready", follow_redirects=False).status_code == 303
    step(linde, url, "inschrijven", date=SYSTEM.today().isoformat())
    assert linde.get(f"/drafts/{first}/submission").status_code == 200
    # a corrected report is sent for the transfer (a second submission): the new school waits
    # until it is made ready (the parents may want to read it first)
    with seeded.db.session() as session:
        transfer = session.get(Transfer, uuid.UUID(url.split("/")[2]))
        assert transfer is not None
        forms = FormsService(session, seeded.registry, seeded.settings, seeded.files)
        earlier = forms.draft(first)
        second = forms.start(
            OKR,
            "nl",
            transfer.sending_school_id,
            pupil_id=transfer.pupil_id,
            transfer_id=transfer.id,
            prefill={**earlier.answers, "advies_toelichting": "Gecorrigeerd: zie het gesprek."},
        ).id
    complete(seeded, second)
    assert linde.get(f"/drafts/{second}/submission").status_code == 403
    page = client.get(url).text
    form = page.split('/okr-ready"', 1)[1].split("</form>", 1)[0]
    version = re.search(r'name="version" value="(\d+)"', form)
    assert version, "the report's readiness posts the version the page showed"
    stale = client.post(f"{url}/okr-ready", data={"version": str(int(version.group(1)) - 1)})
    assert stale.status_code == 400 and "intussen gewijzigd" in stale.text
    assert (
        client.post(
            f"{url}/okr-ready", data={"version": version.group(1)}, follow_redirects=False
        ).status_code
        == 303
    )
    assert linde.get(f"/drafts/{second}/submission").status_code == 200


@needs_oso
def test_an_enrolment_from_next_week_does_not_open_the_report_yet(
    client: Client, linde: Client, seeded: AppState
) -> None:
    url, _ = admitted(client, linde, seeded)
    draft_id = okr_from_oso(client, url)
    complete(seeded, draft_id)
    client.post(f"{url}/okr-ready")
    step(linde, url, "inschrijven", date=(SYSTEM.today() + timedelta(days=7)).isoformat())
    assert linde.get(f"/drafts/{draft_id}/submission").status_code == 403
