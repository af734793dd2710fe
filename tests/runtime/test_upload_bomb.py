"""A ZIP bomb uploaded as an attachment: its type is read from the ZIP's directory, never by
unpacking it, within the limits every ZIP in POPO has (oso_mapping/attachments.py)."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from collections.abc import Callable
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from runtime.forms.files import DOCX, ODT, UNKNOWN, sniff
from runtime.forms.models import Attachment
from runtime.state import AppState

from .test_links_files import upload_page

Client = TestClient[Litestar]
MB = 1024 * 1024


def bomb(member: str, megabytes: int = 200, extra: dict[str, bytes] | None = None) -> bytes:
    """A small ZIP whose ``member`` unpacks to ``megabytes`` MB of zeros (written in chunks,
    so the test itself never holds it)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
        with zf.open(member, "w", force_zip64=True) as stream:
            chunk = bytes(MB)
            for _ in range(megabytes):
                stream.write(chunk)
    return buffer.getvalue()


def peak(action: Callable[[], Any]) -> tuple[Any, int]:
    tracemalloc.start()
    try:
        result = action()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_sniffing_a_zip_bomb_takes_no_memory_to_speak_of() -> None:
    for data in (
        bomb("mimetype"),  # read as an ODT's mimetype
        bomb("word/document.xml", extra={"[Content_Types].xml": b"<Types/>"}),
    ):
        assert len(data) < 400 * 1024
        media_type, used = peak(lambda data=data: sniff(data))
        assert media_type == UNKNOWN  # beyond the limits: of no accepted type
        assert used < 8 * MB, f"sniffing took {used // MB} MB"


def test_real_documents_are_still_recognised() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("mimetype", ODT)
        zf.writestr("content.xml", b"<office:document-content/>")
    assert sniff(buffer.getvalue()) == ODT
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>")
        zf.writestr("word/document.xml", b"<w:document/>" * 1000)
    assert sniff(buffer.getvalue()) == DOCX


def test_a_zip_bomb_uploaded_as_an_attachment_is_refused_without_unpacking_it(
    client: Client, app_state: AppState
) -> None:
    page = upload_page(client)
    data = bomb("mimetype")

    def post() -> Any:
        return client.post(
            page,
            data={"bijlagen[0].bijlage_omschrijving": "Verslag", "action": "next"},
            files={"bijlagen[0].bijlage_bestand": ("verslag.odt", data, ODT)},
        )

    response, used = peak(post)
    assert "Dit bestandstype is niet toegestaan" in response.text
    assert used < 40 * MB, f"the upload took {used // MB} MB"
    with app_state.db.session() as session:
        assert (
            session.scalar(select(Attachment).where(Attachment.filename == "verslag.odt")) is None
        )
