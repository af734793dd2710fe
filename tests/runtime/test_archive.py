"""The PDF/A archive: made from the submission alone, with its files and a running header,
rendered again when missing, by workers that recover when one dies."""

from __future__ import annotations

import hashlib
import io
import json
import uuid

from litestar import Litestar
from litestar.testing import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from runtime.db.models import Draft, Submission
from runtime.state import AppState

from ..support import ADVIES_LEERLING, fill_pages

Client = TestClient[Litestar]

ADVIES = {
    "leerling": ADVIES_LEERLING,
    "advies": {"advies": "plaatsen", "contact_nodig": "false"},
}


def submit(client: Client, form_id: str = "adviesformulier-noord", pages: dict = ADVIES) -> str:
    start = client.post(f"/forms/{form_id}/start", follow_redirects=False)
    base = str(start.headers["location"])
    fill_pages(client, base, pages)
    sent = client.post(f"{base}/submit", data={"idempotency_key": "x"}, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"].endswith("/submission")
    return base


def submission_of(app_state: AppState, base: str) -> Submission:
    draft_id = uuid.UUID(base.rsplit("/", 1)[-1])
    with app_state.db.session() as session:
        submission = session.scalar(select(Submission).where(Submission.draft_id == draft_id))
        assert submission is not None
        session.expunge(submission)
        return submission


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(content)).pages)


def test_a_missing_pdf_is_rendered_again_from_the_submission_not_the_draft(
    client: Client, app_state: AppState
) -> None:
    base = submit(client)
    submitted = submission_of(app_state, base)
    assert submitted.pdf_sha256 is not None
    first = app_state.archive.get(submitted.pdf_sha256)
    # the draft changes after submission (it must never reach the archive) and the PDF is lost
    with app_state.db.session() as session:
        draft = session.get(Draft, submitted.draft_id)
        assert draft is not None
        draft.answers = {**draft.answers, "achternaam": "Veranderd", "voornamen": "Niemand"}
        draft.revision += 1
    app_state.archive.path(submitted.pdf_sha256).unlink()

    pdf = client.get(f"{base}/submission.pdf")
    assert pdf.status_code == 200
    text = pdf_text(pdf.content)
    assert "Jansen" in text and "Veranderd" not in text and "Niemand" not in text
    payload = json.loads(PdfReader(io.BytesIO(pdf.content)).attachments["answers.json"][0])
    assert payload["answers"] == submitted.answers
    # the same bytes as the first time: the recorded hash stays true
    assert pdf.content == first
    assert hashlib.sha256(pdf.content).hexdigest() == submitted.pdf_sha256
    assert submission_of(app_state, base).pdf_sha256 == submitted.pdf_sha256
