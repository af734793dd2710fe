"""Filling a form over HTTP (no JavaScript): pages, errors, repeats, htmx changes, submit, PDF."""

from __future__ import annotations

import io
import json
import re
import threading
import time
import uuid

from litestar import Litestar
from litestar.testing import TestClient
from pypdf import PdfReader
from sqlalchemy.orm import Session

from runtime.forms.service import FormsService
from runtime.state import AppState

from ..support import ADVIES_LEERLING, downloaded, fill_pages

Client = TestClient[Litestar]


def start(client: Client, form_id: str, lang: str = "nl") -> str:
    response = client.post(f"/forms/{form_id}/start?lang={lang}", follow_redirects=False)
    assert response.status_code == 303
    return str(response.headers["location"])


def test_home_lists_the_regional_forms(client: Client) -> None:
    page = client.get("/").text
    assert "Regio Noord" in page and "Regio Zuid" in page
    assert "Overstapformulier Regio Noord" in page
    english = client.get("/?lang=en").text
    assert "Transfer form Region North" in english
    assert "<h2>Region North</h2>" in english and "Regio Noord" not in english
    client.get("/?lang=nl")


def test_a_page_shows_fields_with_labels_hints_and_fieldsets(client: Client) -> None:
    draft = start(client, "overstapformulier-noord")
    page = client.get(draft).text
    assert '<label class="label" for="achternaam">Achternaam</label>' in page
    assert 'id="achternaam-hint"' in page and 'aria-describedby="achternaam-hint"' in page
    assert '<legend class="legend">Geslacht</legend>' in page
    assert "(optioneel)" in page  # optional fields are marked, required ones are not
    assert 'hx-post="' in page  # htmx enhances the form; it works without it too


def test_errors_appear_after_continue_with_a_summary_linking_to_each_field(client: Client) -> None:
    draft = start(client, "overstapformulier-noord")
    first = client.get(draft)
    url = str(first.url)
    assert "error-summary__list" not in first.text  # no errors before the person tries
    response = client.post(url, data={"achternaam": "", "action": "next"})
    assert response.status_code == 200
    page = response.text
    assert 'class="error-summary"' in page and "autofocus" in page
    assert '<a href="#achternaam">Achternaam: Dit veld is verplicht.</a>' in page
    assert 'id="achternaam-error"' in page and 'aria-invalid="true"' in page


def test_a_complete_page_continues_to_the_next(client: Client) -> None:
    draft = start(client, "overstapformulier-noord")
    url = str(client.get(draft).url)
    response = client.post(
        url,
        data={
            "achternaam": "Jansen",
            "voornamen": "Sanne",
            "geboortedatum": "03-04-2018",
            "geslacht": "1",
            "identificatie": "bsn",
            "bsn": "111222333",
            "action": "next",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"].endswith("/pages/huidige_school")
    again = client.get(url).text
    assert 'value="03-04-2018"' in again  # what was typed is kept


def test_invalid_input_is_kept_and_explained(client: Client) -> None:
    draft = start(client, "overstapformulier-noord")
    url = str(client.get(draft).url)
    page = client.post(url, data={"bsn": "12345678x", "action": "next"}).text
    assert 'value="12345678x"' in page
    assert "Dit is geen geldig burgerservicenummer" in page


def test_htmx_change_returns_only_the_changed_fields(client: Client) -> None:
    draft = start(client, "overstapformulier-noord")
    base = str(client.get(draft).url).rsplit("/pages/", 1)[0]
    response = client.post(
        f"{base}/pages/reden_overstap/change",
        data={"reden": "anders"},
        headers={"HX-Request": "true", "X-POPO-Field": "reden"},
    )
    assert response.status_code == 200
    fragments = re.findall(r'<(?:div|section|nav)[^>]*hx-swap-oob="true"', response.text)
    assert any('id="field-reden_toelichting"' in f for f in fragments)
    assert 'id="field-reden"' not in response.text  # the field being edited is left alone
    assert "<html" not in response.text
    # and the answer was saved as a draft
    page = client.get(f"{base}/pages/reden_overstap").text
    assert 'value="anders" checked' in page or 'value="anders"\n' in page
    # a change request that does not name its field saves nothing
    unnamed = client.post(
        f"{base}/pages/reden_overstap/change",
        data={"reden": "verhuizing"},
        headers={"HX-Request": "true"},
    )
    assert unnamed.status_code == 400
    assert page == client.get(f"{base}/pages/reden_overstap").text


def test_repeat_rows_are_added_and_removed_without_javascript(client: Client) -> None:
    draft = start(client, "overstapformulier-noord")
    base = str(client.get(draft).url).rsplit("/pages/", 1)[0]
    url = f"{base}/pages/nieuwe_school"
    client.post(url, data={"action": "add_row:voorkeursscholen"})
    client.post(
        url,
        data={
            "voorkeursscholen[0].voorkeur_school": "De Linde",
            "action": "add_row:voorkeursscholen",
        },
    )
    page = client.get(url).text
    assert 'name="voorkeursscholen[1].voorkeur_school"' in page
    assert 'value="De Linde"' in page
    client.post(url, data={"action": "remove_row:voorkeursscholen[0]"})
    page = client.get(url).text
    assert 'name="voorkeursscholen[1].voorkeur_school"' not in page
    assert 'value="De Linde"' not in page


ADVIES = {
    "leerling": ADVIES_LEERLING,
    "advies": {"advies": "plaatsen", "contact_nodig": "false"},
}


def test_check_answers_submit_once_and_download_the_pdf(
    client: Client, app_state: AppState
) -> None:
    draft = start(client, "adviesformulier-noord")
    base = str(client.get(draft).url).rsplit("/pages/", 1)[0]
    fill_pages(client, base, ADVIES)
    check = client.get(f"{base}/check").text
    assert "Controleer uw antwoorden" in check or "Check your answers" in check
    assert (
        "Jansen" in check
        and f'href="{base.replace("http://testserver.local", "")}/pages/leerling#achternaam"'
        in check
    )
    first = client.post(f"{base}/submit", data={"idempotency_key": "x"}, follow_redirects=False)
    second = client.post(f"{base}/submit", data={"idempotency_key": "x"}, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    from sqlalchemy import func, select

    from runtime.forms.models import Submission

    draft_id = uuid.UUID(base.rsplit("/", 1)[1])
    with app_state.db.session() as session:
        count = session.scalar(
            select(func.count()).select_from(Submission).where(Submission.draft_id == draft_id)
        )
        assert count == 1
        stored = session.scalars(select(Submission).where(Submission.draft_id == draft_id)).one()
        assert "contact_reden" not in stored.answers  # hidden: not stored
        assert stored.definition_hash and stored.form_version == 1
    done = client.get(f"{base}/submission").text
    assert "Verzonden" in done or "Sent" in done
    pdf = downloaded(client, base)  # once the archive job made it
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("attachment")
    reader = PdfReader(io.BytesIO(pdf.content))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Adviesformulier Regio Noord" in text and "Jansen" in text
    attachments = reader.attachments
    assert "answers.json" in attachments
    payload = json.loads(attachments["answers.json"][0])
    assert payload["answers"]["achternaam"] == "Jansen"
    assert payload["definition_sha256"] == stored.definition_hash


def test_two_changes_to_one_draft_at_once_both_survive(app_state: AppState) -> None:
    """Two requests that change the same draft at the same moment (two tabs, a late htmx
    request) are applied one after the other: neither answer is lost."""
    with app_state.db.session() as session:
        draft_id = service(app_state, session).start("overstapformulier-noord", "nl").id
    first_holds_lock = threading.Event()

    def change(key: str, value: str, hold: bool) -> None:
        with app_state.db.session() as session:
            forms = service(app_state, session)
            draft = forms.draft(draft_id, for_update=True)
            forms.apply(draft, forms.entry(draft), "leerling", {key: [value]}, {}, only=key)
            if hold:
                first_holds_lock.set()
                time.sleep(0.5)  # the second request arrives while this one is still open

    first = threading.Thread(target=change, args=("achternaam", "Jansen", True))
    first.start()
    assert first_holds_lock.wait(10)
    change("voornamen", "Sanne", False)
    first.join()
    with app_state.db.session() as session:
        answers = service(app_state, session).draft(draft_id).answers
    assert answers["achternaam"] == "Jansen" and answers["voornamen"] == "Sanne"


def service(state: AppState, session: Session) -> FormsService:
    return FormsService(session, state.registry, state.settings, state.files)
