"""Downloads under their own name whatever its characters; HTML says its charset once."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from ..support import ADVIES_LEERLING, fill_pages

Client = TestClient[Litestar]

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.parametrize(
    ("name", "fallback"),
    [
        ("verslag–juni ✓.pdf", "verslag_juni _.pdf"),
        ("报告.pdf", "bestand.pdf"),
        ("Zoë de Vries;1.pdf", "Zoe de Vries_1.pdf"),
    ],
)
def test_an_attachment_downloads_under_its_own_name_whatever_its_characters(
    client: Client, name: str, fallback: str
) -> None:
    draft = client.post("/forms/onderwijskundig-rapport-noord/start", follow_redirects=False)
    page = f"{draft.headers['location']}/pages/bijlagen"
    client.post(page, data={"action": "add_row:bijlagen"})
    client.post(
        page,
        data={"bijlagen[0].bijlage_omschrijving": "Verslag"},
        files={"bijlagen[0].bijlage_bestand": (name, PDF_BYTES, "application/pdf")},
    )
    link = re.search(r'href="([^"]+/files/[^"]+)" download>', client.get(page).text)
    assert link, "the page links the file"
    download = client.get(link.group(1))
    assert download.status_code == 200 and download.content == PDF_BYTES
    disposition = download.headers["content-disposition"]
    disposition.encode("ascii")  # a header is Latin-1 at most; ASCII everywhere
    assert f'filename="{fallback}"' in disposition
    utf8 = re.search(r"filename\*=UTF-8''(\S+)", disposition)
    assert utf8 and unquote(utf8.group(1)) == name


def test_every_html_response_names_its_charset_once(client: Client) -> None:
    start = client.post("/forms/adviesformulier-zuid/start", follow_redirects=False)
    base = str(start.headers["location"])
    pages = [
        "/",
        "/login",
        "/privacy",
        f"{base}/pages/leerling",
        f"{base}/check",
        "/does-not-exist",
        "/problem?status=500",
    ]
    fill_pages(
        client,
        base,
        {
            "leerling": ADVIES_LEERLING,
            "advies": {"advies": "plaatsen", "besproken_met_ouders": "true", "contact_nodig": "0"},
        },
    )
    for url in pages:
        response = client.get(url)
        assert response.headers["content-type"] == "text/html; charset=utf-8", url
    change = client.post(
        f"{base}/pages/leerling/change",
        data={"achternaam": "Jansen"},
        headers={"HX-Request": "true", "X-POPO-Field": "achternaam"},
    )
    assert change.headers["content-type"] == "text/html; charset=utf-8"
    client.post(f"{base}/submit", data={"idempotency_key": "x"})
    assert client.get(f"{base}/submission").headers["content-type"] == "text/html; charset=utf-8"
