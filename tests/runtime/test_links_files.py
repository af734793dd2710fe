"""Parents' links (resume, expiry, revocation, language) and attachments (type from content,
limits from the definition, stored outside the database, never shown inline)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

from litestar import Litestar
from litestar.testing import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from runtime import demo
from runtime.forms.models import Attachment, PublicLink
from runtime.forms.service import token_hash
from runtime.state import AppState

from ..support import ADVIES_LEERLING, downloaded, fill_pages

Client = TestClient[Litestar]


def seed(app_state: AppState) -> None:
    with app_state.db.session() as session:
        demo.seed(session, app_state.registry, app_state.settings)


def test_a_parent_link_starts_a_draft_with_a_resume_link(
    client: Client, app_state: AppState
) -> None:
    seed(app_state)
    response = client.post("/start/demo-aanmelden-zuid?lang=en", follow_redirects=False)
    assert response.status_code == 303
    resume = response.headers["location"]
    assert resume.startswith("/r/")
    page = client.get(resume).text
    assert 'lang="en"' in page and "Register your child" in page
    assert "Keep this link to continue later" in page
    token = resume.split("/")[2]
    with app_state.db.session() as session:
        link = session.scalar(select(PublicLink).where(PublicLink.token_hash == token_hash(token)))
        assert link is not None and link.purpose == "resume" and link.language == "en"
        # the token itself is never stored
        assert session.scalar(select(PublicLink).where(PublicLink.token_hash == token)) is None


def test_an_expired_or_revoked_resume_link_stops_working(
    client: Client, app_state: AppState
) -> None:
    seed(app_state)
    resume = client.post("/start/demo-aanmelden-noord", follow_redirects=False).headers["location"]
    token = resume.split("/")[2]
    assert client.get(resume).status_code == 200
    revoked = client.post(f"{resume}/revoke", data={"confirm": "yes"})
    assert revoked.status_code == 200 and "uitgezet" in revoked.text
    gone = client.get(resume)
    assert gone.status_code == 410 and "werkt niet meer" in gone.text
    resume2 = client.post("/start/demo-aanmelden-noord", follow_redirects=False).headers["location"]
    with app_state.db.session() as session:
        link = session.scalar(
            select(PublicLink).where(PublicLink.token_hash == token_hash(resume2.split("/")[2]))
        )
        assert link is not None
        link.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    assert client.get(resume2).status_code == 410
    assert client.get("/r/not-a-real-token").status_code == 404
    assert token not in client.get("/").text


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def upload_page(client: Client) -> str:
    draft = client.post("/forms/onderwijskundig-rapport-noord/start", follow_redirects=False)
    base = str(draft.headers["location"])
    page = f"{base}/pages/bijlagen"
    client.post(page, data={"action": "add_row:bijlagen"})
    return page


def test_an_attachment_is_checked_by_content_and_downloaded_never_inline(
    client: Client, app_state: AppState
) -> None:
    page = upload_page(client)
    client.post(
        page,
        data={"bijlagen[0].bijlage_omschrijving": "Verslag"},
        files={"bijlagen[0].bijlage_bestand": ("verslag.pdf", PDF_BYTES, "application/pdf")},
    )
    html = client.get(page).text
    link = re.search(r'href="([^"]+/files/[^"]+)" download>verslag.pdf', html)
    assert link, html[-3000:]
    download = client.get(link.group(1))
    assert download.content == PDF_BYTES
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.headers["x-content-type-options"] == "nosniff"
    with app_state.db.session() as session:
        stored = session.scalars(
            select(Attachment).where(Attachment.filename == "verslag.pdf")
        ).all()
        assert stored and stored[-1].media_type == "application/pdf"
        assert app_state.files.path(stored[-1].sha256).read_bytes() == PDF_BYTES


def test_a_file_whose_content_is_not_allowed_is_refused_whatever_its_name(
    client: Client, app_state: AppState
) -> None:
    page = upload_page(client)
    html = client.post(
        page,
        data={"bijlagen[0].bijlage_omschrijving": "Niet echt een pdf", "action": "next"},
        files={
            "bijlagen[0].bijlage_bestand": (
                "script.pdf",
                b"<script>alert(1)</script>",
                "application/pdf",
            )
        },
    ).text
    assert "Dit bestandstype is niet toegestaan. Toegestaan: PDF, JPG, PNG." in html
    with app_state.db.session() as session:
        assert session.scalar(select(Attachment).where(Attachment.filename == "script.pdf")) is None


def test_a_png_is_accepted(client: Client) -> None:
    page = upload_page(client)
    html = client.post(
        page,
        data={"bijlagen[0].bijlage_omschrijving": "Tekening"},
        files={"bijlagen[0].bijlage_bestand": ("tekening.png", PNG_BYTES, "image/png")},
    ).text
    assert "niet toegestaan" not in html


GOLDEN = {
    "nl": [
        "Adviesformulier Regio Zuid",
        "Leerling",
        "Achternaam Jansen",
        "Geboortedatum 3 april 2018",
        "Geslacht Meisje",
        "Wat adviseert de school? Plaatsen in de groep die past bij de leeftijd",
        "Is het advies besproken met de ouders? Ja",
    ],
    "en": [
        "Advice form Region South",
        "Pupil",
        "Surname Jansen",
        "Date of birth 3 April 2018",
        "Sex Girl",
        "What does the school advise? Place in the year group that fits the age",
        "Has the advice been discussed with the parents? Yes",
    ],
}


def submit_advice(client: Client, language: str) -> bytes:
    start = client.post(
        f"/forms/adviesformulier-zuid/start?lang={language}", follow_redirects=False
    )
    base = str(start.headers["location"])
    pages = {
        "leerling": ADVIES_LEERLING,
        "advies": {"advies": "plaatsen", "besproken_met_ouders": "true", "contact_nodig": "false"},
    }
    fill_pages(client, base, pages)
    client.post(f"{base}/submit", data={"idempotency_key": "x"})
    pdf = downloaded(client, base)
    assert pdf.status_code == 200
    return pdf.content


def pdf_text(content: bytes) -> str:
    """The text of every page, with line wrapping undone."""
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_golden_pdf_text_in_dutch_and_english(client: Client) -> None:
    for language, expected in GOLDEN.items():
        text = pdf_text(submit_advice(client, language))
        for line in expected:
            assert line in text, f"{language}: {line!r} not in {text}"
        # the archive is kept for years: the code, a key, is not in it but on its own letter
        assert not re.search(r"\bA[0-9A-Z]{3}-[0-9A-Z]{4}-[0-9A-Z]{4}\b", text)
        separately = {"nl": "Apart aan de ouders gegeven", "en": "Given to the parents separately"}
        assert separately[language] in text


def test_the_archive_is_pdf_a_3b_with_the_definition_hash_in_its_metadata(client: Client) -> None:
    content = submit_advice(client, "nl")
    reader = PdfReader(io.BytesIO(content))
    xmp = reader.xmp_metadata
    assert xmp is not None
    raw = xmp.stream.get_data().decode("utf-8", "replace")
    assert 'pdfaid:part="3"' in raw and 'pdfaid:conformance="B"' in raw
    info = reader.metadata
    assert info is not None
    assert len(str(info["/popodefinitionsha256"])) == 64
    assert "definition-sha256:" in str(info["/Keywords"])
