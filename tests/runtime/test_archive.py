"""The PDF/A archive: made from the submission alone, with its files and a running header,
rendered again when missing, by workers that recover when one dies."""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import re
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from litestar import Litestar
from litestar.testing import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from runtime.cli import main
from runtime.forms import answers as answer_paths
from runtime.forms.models import Draft, Submission
from runtime.forms.service import FormsService
from runtime.settings import REPOSITORY
from runtime.state import AppState
from runtime.storage import BlobStore

from ..support import ADVIES_LEERLING, answer_the_rest, downloaded, fill_pages

Client = TestClient[Litestar]

ADVIES = {
    "leerling": ADVIES_LEERLING,
    "advies": {"advies": "plaatsen", "besproken_met_ouders": "true", "contact_nodig": "false"},
}


def submit(client: Client, form_id: str = "adviesformulier-zuid", pages: dict = ADVIES) -> str:
    start = client.post(f"/forms/{form_id}/start", follow_redirects=False)
    base = str(start.headers["location"])
    fill_pages(client, base, pages)
    sent = client.post(f"{base}/submit", data={"idempotency_key": "x"}, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"].endswith("/submission")
    return base


def archived(app_state: AppState, base: str, seconds: float = 90) -> Submission:
    """The submission once its archive job (run by the client's in-process worker) is done."""
    deadline = time.monotonic() + seconds
    while True:
        submission = submission_of(app_state, base)
        if submission.pdf_sha256 is not None or time.monotonic() > deadline:
            return submission
        time.sleep(0.1)


def submission_of(app_state: AppState, base: str) -> Submission:
    draft_id = uuid.UUID(base.rsplit("/", 1)[-1])
    with app_state.db.session() as session:
        submission = session.scalar(select(Submission).where(Submission.draft_id == draft_id))
        assert submission is not None
        session.expunge(submission)
        return submission


def pdf_text(content: bytes) -> str:
    return " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(content)).pages
    )


def test_a_missing_pdf_is_rendered_again_from_the_submission_not_the_draft(
    client: Client, app_state: AppState
) -> None:
    base = submit(client)
    submitted = archived(app_state, base)
    assert submitted.pdf_sha256 is not None
    first = app_state.archive.get(submitted.pdf_sha256)
    # the draft changes after submission (it must never reach the archive) and the PDF is lost
    with app_state.db.session() as session:
        draft = session.get(Draft, submitted.draft_id)
        assert draft is not None
        draft.answers = {**draft.answers, "achternaam": "Veranderd", "voornamen": "Niemand"}
        draft.revision += 1
    app_state.archive.path(submitted.pdf_sha256).unlink()

    asked = client.get(f"{base}/submission.pdf")  # queues the job; the worker renders it
    assert asked.status_code == 202 and "De PDF wordt gemaakt" in asked.text
    pdf = downloaded(client, base)
    assert pdf.status_code == 200
    text = pdf_text(pdf.content)
    assert "Jansen" in text and "Veranderd" not in text and "Niemand" not in text
    payload = json.loads(PdfReader(io.BytesIO(pdf.content)).attachments["answers.json"][0])
    assert payload["answers"] == submitted.answers
    # the same bytes as the first time: the recorded hash stays true
    assert pdf.content == first
    assert hashlib.sha256(pdf.content).hexdigest() == submitted.pdf_sha256
    assert submission_of(app_state, base).pdf_sha256 == submitted.pdf_sha256


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def complete_rapport() -> dict[str, Any]:
    """The answers of the author's scenario "een volledig rapport is geldig" (as typed)."""
    path = REPOSITORY / "definitions" / "base" / "onderwijskundig-rapport.v1.scenarios.yaml"
    scenarios = yaml.safe_load(path.read_text(encoding="utf-8"))["scenarios"]
    valid = next(s for s in scenarios if s["name"] == "een volledig rapport is geldig")
    return dict(answer_paths.to_json(valid["answers"]))


def rapport_with_attachments(client: Client, app_state: AppState) -> str:
    """An onderwijskundig rapport with two uploaded files, the rest answered, submitted."""
    start = client.post("/forms/onderwijskundig-rapport-noord/start", follow_redirects=False)
    base = str(start.headers["location"])
    page = f"{base}/pages/bijlagen"
    client.post(page, data={"action": "add_row:bijlagen"})
    client.post(page, data={"action": "add_row:bijlagen"})
    client.post(
        page,
        data={
            "bijlagen[0].bijlage_omschrijving": "Verslag",
            "bijlagen[1].bijlage_omschrijving": "Tekening",
        },
        files={
            "bijlagen[0].bijlage_bestand": ("verslag–juni ✓.pdf", PDF_BYTES, "application/pdf"),
            "bijlagen[1].bijlage_bestand": ("tekening.png", PNG_BYTES, "image/png"),
        },
    )
    with app_state.db.session() as session:
        forms = FormsService(session, app_state.registry, app_state.settings, app_state.files)
        draft = forms.draft(uuid.UUID(base.rsplit("/", 1)[-1]))
        entry = forms.entry(draft)
        answers = {**complete_rapport(), **draft.answers}
        answers.update(achternaam="Jansen", voornamen="Sanne", roepnaam="Sanne")
        answers = answer_the_rest(entry.form, answers, date.today())
        forms.save(draft, entry, forms.state(draft, entry), answers)
    sent = client.post(f"{base}/submit", data={"idempotency_key": "x"}, follow_redirects=False)
    assert sent.headers["location"].endswith("/submission")
    return base


def embedded_files(content: bytes) -> dict[str, dict[str, object]]:
    """Every embedded file of a PDF: its bytes, media type, description and relationship."""
    reader = PdfReader(io.BytesIO(content))
    root = reader.trailer["/Root"]
    names = root["/Names"]["/EmbeddedFiles"]["/Names"]
    associated = {spec.get_object()["/UF"] for spec in root.get("/AF", [])}
    result = {}
    for index in range(0, len(names), 2):
        spec = names[index + 1].get_object()
        stream = spec["/EF"]["/F"].get_object()
        result[str(spec["/UF"])] = {
            "data": stream.get_data(),
            "media_type": str(stream["/Subtype"])[1:].replace("#2f", "/"),
            "description": str(spec["/Desc"]),
            "associated": spec["/UF"] in associated,
        }
    return result


def test_the_archive_embeds_every_attachment_and_names_the_pupil_on_every_page(
    client: Client, app_state: AppState
) -> None:
    base = rapport_with_attachments(client, app_state)
    pdf = downloaded(client, base).content
    files = embedded_files(pdf)
    assert files["verslag–juni ✓.pdf"]["data"] == PDF_BYTES
    assert files["verslag–juni ✓.pdf"]["media_type"] == "application/pdf"
    assert files["verslag–juni ✓.pdf"]["description"] == "Bestand"  # the field's label
    assert files["tekening.png"]["data"] == PNG_BYTES
    assert files["tekening.png"]["media_type"] == "image/png"
    assert all(f["associated"] for f in files.values()), "PDF/A-3 associated files"
    assert "answers.json" in files
    reader = PdfReader(io.BytesIO(pdf))
    pages = [" ".join(p.extract_text().split()) for p in reader.pages]
    assert len(pages) >= 2
    total = len(pages)
    text = " ".join(pages)
    assert "Bijgevoegde bestanden" in text and "verslag–juni ✓.pdf" in text
    submitted = submission_of(app_state, base)
    for number, page in enumerate(pages, 1):
        assert "Sanne Jansen" in page, page[:300]
        assert f"pagina {number} van {total}" in page
        assert "Onderwijskundig rapport" in page
        assert str(submitted.id)[:8].upper() in page
    xmp = reader.xmp_metadata
    assert xmp is not None
    raw = xmp.stream.get_data().decode("utf-8", "replace")
    assert 'pdfaid:part="3"' in raw and 'pdfaid:conformance="B"' in raw


def test_a_pdf_worker_killed_is_replaced_and_the_submission_archived(
    client: Client, app_state: AppState
) -> None:
    pool = app_state.workers()
    assert pool.submit(os.getpid).result(timeout=120) != os.getpid()
    for pid in list(pool._processes):
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while not pool._broken and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pool._broken, "the pool noticed its dead worker"
    base = submit(client)
    submitted = archived(app_state, base)
    assert submitted.pdf_sha256 and app_state.archive.exists(submitted.pdf_sha256)
    assert app_state.pdf_pool is not pool
    assert client.get(f"{base}/submission.pdf").status_code == 200


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[BlobStore]:
    """A file store on a file system that is full: writing to it fails with ENOSPC.

    A tiny tmpfs filled to the brim where the system lets us mount one (root); elsewhere a
    store whose files are written to /dev/full, which fails every write with ENOSPC."""
    root = tmp_path / "full"
    root.mkdir()
    mounted = (
        os.geteuid() == 0
        and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(root)], capture_output=True
        ).returncode
        == 0
    )
    if mounted:
        filler = os.open(root / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while True:
                os.write(filler, b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
        finally:
            os.close(filler)
        try:
            yield BlobStore(root)
        finally:
            subprocess.run(["umount", str(root)], check=True)
    else:

        class DevFull(BlobStore):
            def put(self, data: bytes) -> str:
                with open("/dev/full", "wb") as out:
                    out.write(data)
                    out.flush()
                return ""

        yield DevFull(root)


def test_a_full_disk_at_submit_keeps_the_submission_and_the_sweep_archives_it_later(
    client: Client,
    app_state: AppState,
    full_disk: BlobStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(OSError) as raised:
        full_disk.put(b"x" * 100_000)
    assert raised.value.errno == errno.ENOSPC
    monkeypatch.setattr(app_state, "archive", full_disk)
    start = client.post("/forms/adviesformulier-zuid/start", follow_redirects=False)
    base = str(start.headers["location"])
    fill_pages(client, base, ADVIES)
    sent = client.post(f"{base}/submit", data={"idempotency_key": "x"}, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"].endswith("/submission")
    page = client.get(sent.headers["location"])
    assert page.status_code == 200 and "Verzonden" in page.text
    assert "Het wordt nu als PDF gearchiveerd" in page.text
    assert submission_of(app_state, base).pdf_sha256 is None
    later = client.get(f"{base}/submission.pdf")
    assert later.status_code == 202 and "De PDF wordt gemaakt" in later.text
    monkeypatch.undo()  # room on the disk again: the sweep renders what is missing

    monkeypatch.setenv("POPO_DATABASE_URL", app_state.settings.database_url)
    monkeypatch.setenv("POPO_DATA_DIR", str(app_state.settings.data_dir))
    out = io.StringIO()
    # the sweep renders every submission of the run's database without its PDF (other
    # modules' too, under pytest-xdist: some of those were sent on definitions of their own
    # and fail here); this one is rendered, or the archive job tried again did it first
    main(["archive", "sweep"], out)
    assert re.match(r"\d+ missing, \d+ rendered, \d+ failed\n", out.getvalue())
    digest = submission_of(app_state, base).pdf_sha256
    assert digest and app_state.archive.exists(digest)
    out = io.StringIO()
    main(["archive", "sweep"], out)
    assert submission_of(app_state, base).pdf_sha256 == digest  # not made again
    assert "Het wordt nu als PDF gearchiveerd" not in client.get(f"{base}/submission").text
