"""OSO in the application: a school starts an OKR from its administration's dossier, and
downloads a submitted OKR as a dossier that passes the official validation."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select

from oso_mapping.dossier import read_dossier
from oso_mapping.settings import schema_dir
from oso_mapping.validate import validate
from runtime.audit.models import AuditEvent
from runtime.cli import main
from runtime.forms.models import Draft
from runtime.forms.service import FormsService
from runtime.state import AppState

from ..support import answer_the_rest
from .conftest import log_in, with_csrf

Client = TestClient[Litestar]
FORM = "onderwijskundig-rapport-noord"

pytestmark = pytest.mark.skipif(schema_dir() is None, reason="needs ../shared/oso/2019.1")


def example() -> bytes:
    folder = schema_dir()
    assert folder is not None
    return (folder / "examples" / "Voorbeelddossier_OV_POPO_full.xml").read_bytes()


def upload(client: Client, data: bytes, name: str = "dossier.xml") -> Any:
    return client.post(
        f"/forms/{FORM}/oso",
        files={"dossier": (name, data, "application/xml")},
        follow_redirects=False,
    )


def drafts(state: AppState) -> int:
    with state.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(Draft)) or 0)


def test_a_school_starts_a_rapport_from_an_oso_dossier(client: Client, seeded: AppState) -> None:
    assert f'action="/forms/{FORM}/oso"' in client.get("/").text
    response = upload(client, example())
    assert response.status_code == 303
    report_url = response.headers["location"]
    assert report_url.endswith("/oso-import")
    report = client.get(report_url).text
    assert "Ingelezen uit het OSO-dossier" in report and "OSO 2019.1" in report
    # what the form does not hold is listed, with its value and why, in Dutch
    assert "huidigeschool/leerling/huisarts/achternaam" in report and "van Zwieten" in report
    assert "geen veld van dit formulier neemt dit over" in report
    assert "is geen van de keuzes van het veld" in report
    assert "Door het inlezen beantwoord" in report
    assert "Is er een diagnose gesteld door een deskundige?: Ja" in report
    # the parents' rows the form does not ask for (the dossier says an institution is
    # responsible) are listed as not carried, not silently dropped
    assert "huidigeschool/leerling/verzorger[1]/achternaam" in report
    assert "het formulier vraagt hier niet naar bij de andere antwoorden uit het dossier" in report
    # in English, everything the report says is English: reasons and the questions answered
    english = client.get(f"{report_url}?lang=en").text
    assert "no field of this form carries it" in english
    assert "geen veld van dit formulier" not in english
    assert "Has an expert made a diagnosis?: Yes" in english
    client.get(f"{report_url}?lang=nl")
    # the first page holds the pupil as the dossier describes them
    page = client.get(report_url.removesuffix("/oso-import")).text
    assert 'value="Berg"' in page and 'value="17-03-2003"' in page
    draft_id = report_url.split("/")[2]
    with seeded.db.session() as session:
        purposes = session.scalars(
            select(AuditEvent.purpose).where(AuditEvent.object_id == draft_id)
        ).all()
    assert any(p.startswith("start from an OSO dossier") for p in purposes)
    assert any(p.startswith("see what an OSO import carried") for p in purposes)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"dit is geen xml", "dit is geen correct XML-bestand"),
        (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>',
            "declareert een DOCTYPE of entities",
        ),
        (b"<dossier xmlns='urn:iets-anders'/>", "geen namespace van een OSO-dossier"),
    ],
)
def test_a_refused_dossier_says_why_and_leaves_nothing_behind(
    client: Client, seeded: AppState, data: bytes, message: str
) -> None:
    before = drafts(seeded)
    response = upload(client, data)
    assert response.status_code == 400
    assert "Het OSO-dossier is niet ingelezen" in response.text and message in response.text
    assert drafts(seeded) == before


def complete(state: AppState, draft_id: str) -> None:
    """Answer what the dossier did not (as the school would on the form's pages), then submit."""
    with state.db.session() as session:
        forms = FormsService(session, state.registry, state.settings, state.files)
        draft = forms.draft(__import__("uuid").UUID(draft_id))
        entry = forms.entry(draft)
        answers = answer_the_rest(entry.form, draft.answers, date.today())
        forms.save(draft, entry, forms.state(draft, entry), answers)
        forms.submit(draft, entry, may_change=True)


def test_a_submitted_rapport_downloads_as_a_valid_oso_dossier(
    client: Client, seeded: AppState, app: Litestar
) -> None:
    draft_url = upload(client, example()).headers["location"].removesuffix("/oso-import")
    complete(seeded, draft_url.split("/")[2])
    assert "Downloaden als OSO-dossier" in client.get(f"{draft_url}/submission").text
    response = client.get(f"{draft_url}/submission.oso.xml")
    assert response.status_code == 200
    assert response.headers["x-popo-oso-validation"] == "passed"
    assert validate(response.content).findings == []
    dossier = read_dossier(response.content)
    assert dossier.value("huidigeschool/leerling/achternaam") == "Berg"
    # the sending school whole from the register, not its name from the form (the dossier's
    # "Testschool", 00YY) and its address from the register
    assert dossier.value("huidigeschool/naam") == "Basisschool De Regenboog (demo)"
    assert dossier.value("huidigeschool/brincode") == "12AB"
    assert dossier.value("huidigeschool/adreslijst/adres/straat") == "Regenboogstraat"
    # another school does not see it; the download is in the audit log
    with TestClient(app, base_url="http://testserver.local") as other:
        with_csrf(other)
        log_in(other, "ib@kompas.demo")
        assert other.get(f"{draft_url}/submission.oso.xml").status_code == 404
    with seeded.db.session() as session:
        purposes = session.scalars(
            select(AuditEvent.purpose).where(AuditEvent.object_id == draft_url.split("/")[2])
        ).all()
    assert any(p.startswith("download the OSO export") for p in purposes)


def test_popo_oso_export_writes_the_submission_as_a_valid_dossier(
    client: Client, seeded: AppState, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    draft_url = upload(client, example()).headers["location"].removesuffix("/oso-import")
    complete(seeded, draft_url.split("/")[2])
    with seeded.db.session() as session:
        forms = FormsService(session, seeded.registry, seeded.settings, seeded.files)
        draft = forms.draft(__import__("uuid").UUID(draft_url.split("/")[2]))
        submission_id = str(forms.submitted(draft).id)
    monkeypatch.setenv("POPO_DATABASE_URL", seeded.settings.database_url)
    monkeypatch.setenv("POPO_DATA_DIR", str(seeded.settings.data_dir))
    out = io.StringIO()
    target = tmp_path / "dossier.xml"
    assert main(["oso", "export", submission_id, "-o", str(target)], out) == 0, out.getvalue()
    assert "valid (XSD and business rules)" in out.getvalue()
    assert validate(target.read_bytes()).ok
    assert main(["oso", "export", "00000000-0000-0000-0000-000000000000"], io.StringIO()) == 2


def with_big_attachment(megabytes: int) -> bytes:
    """The example with its first other document replaced by a scan of ``megabytes`` MB."""
    import base64
    import os
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("scan.pdf", b"%PDF-1.4\n" + os.urandom(megabytes * 1024 * 1024))
    content = base64.b64encode(buffer.getvalue()).decode()
    text = example().decode()
    start = text.index("<bestandsinhoud>", text.index("<overigdocumentlijst>"))
    start += len("<bestandsinhoud>")
    end = text.index("</bestandsinhoud>", start)
    return (text[:start] + content + text[end:]).encode()


def test_a_dossier_up_to_the_documented_64_mb_is_uploaded(client: Client) -> None:
    data = with_big_attachment(20)  # 27 MB: beyond the general upload limit, within OSO's
    assert len(data) > 25 * 1024 * 1024
    response = upload(client, data)
    assert response.status_code == 303, response.text[:500]
    report = client.get(response.headers["location"]).text
    assert "scan.pdf" in report  # too large for the form's 10 MB per file: listed, not lost


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("nl", "een OSO-dossier mag ten hoogste 64 MB zijn"),
        ("en", "an OSO dossier may be at most 64 MB"),
    ],
)
def test_a_dossier_over_64_mb_gets_a_readable_page(
    client: Client, seeded: AppState, language: str, text: str
) -> None:
    before = drafts(seeded)
    response = client.post(
        f"/forms/{FORM}/oso?lang={language}",
        files={"dossier": ("dossier.xml", b"<" * (66 * 1024 * 1024), "application/xml")},
        follow_redirects=False,
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert text in response.text
    assert drafts(seeded) == before


def test_other_routes_keep_the_general_upload_limit(client: Client) -> None:
    response = client.post(
        "/login", files={"x": ("x.bin", b"0" * (30 * 1024 * 1024), "application/octet-stream")}
    )
    assert response.status_code == 413
