"""Officially valid dossiers in every encoding XML allows, and with attachments as large as the
documented limits: `popo oso validate` and the import read them, and hostile files stay out.
Each is built at test time from an official example (nothing big is committed)."""

from __future__ import annotations

import base64
import io
import os
import zipfile
from pathlib import Path

import pytest

from engine.compiler import CompiledForm
from oso_mapping.dossier import DossierError, read_dossier
from oso_mapping.mapping import import_dossier
from oso_mapping.validate import validate
from runtime.cli import main

from .test_import import with_first_attachment


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), out), out.getvalue()


def encoded(example: bytes, kind: str) -> bytes:
    text = example.decode("utf-8")
    if kind == "utf-8 with BOM":
        return b"\xef\xbb\xbf" + example
    if kind == "ISO-8859-1":
        return text.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"', 1).encode("latin-1")
    if kind == "windows-1252":
        return text.replace('encoding="UTF-8"', 'encoding="windows-1252"', 1).encode("cp1252")
    if kind == "UTF-16 with BOM":
        return text.replace('encoding="UTF-8"', 'encoding="UTF-16"', 1).encode("utf-16")
    if kind == "UTF-16BE without BOM":
        return text.replace('encoding="UTF-8"', 'encoding="UTF-16BE"', 1).encode("utf-16-be")
    raise AssertionError(kind)


KINDS = [
    "utf-8 with BOM",
    "ISO-8859-1",
    "windows-1252",
    "UTF-16 with BOM",
    "UTF-16BE without BOM",
]


@pytest.mark.parametrize("kind", KINDS)
def test_a_valid_dossier_in_any_encoding_validates_and_imports(
    kind: str, examples: dict[str, bytes], okr: CompiledForm, tmp_path: Path
) -> None:
    data = encoded(examples["POPO"], kind)
    assert data != examples["POPO"]
    path = tmp_path / "dossier.xml"
    path.write_bytes(data)
    code, output = run("oso", "validate", str(path))
    assert code == 0 and "VALID" in output, output
    result = import_dossier(read_dossier(data), okr)
    assert result.answers["voornamen"] == "Björn Johannes Martinus Franciscus"
    code, output = run("oso", "import", str(path), "--form", "onderwijskundig-rapport-noord")
    assert code == 0 and "Björn" in output, output


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_entities_are_refused_in_utf16_too(codec: str) -> None:
    bom = "\ufeff"
    laughs = (
        f'{bom}<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY a{i} "&a{i - 1 if i > 1 else ""};' * 1 + '">' for i in range(1, 3))
        + "]><dossier xmlns='http://www.edustandaard.nl/oso_gegevensset/2019/dossier'>"
        "<metadata b='&a2;'/></dossier>"
    )
    with pytest.raises(DossierError, match="DOCTYPE or entities"):
        read_dossier(laughs.encode(codec))


def big_attachment(megabytes: int) -> tuple[str, bytes]:
    """A Base64 ZIP holding a file of random (incompressible) bytes."""
    data = os.urandom(megabytes * 1024 * 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("scan.pdf", b"%PDF-1.4\n" + data)
    return base64.b64encode(buffer.getvalue()).decode(), data


def test_an_attachment_of_twenty_megabytes_is_read_not_refused_as_not_xml(
    examples: dict[str, bytes], okr: CompiledForm, tmp_path: Path
) -> None:
    content, data = big_attachment(20)  # a text node of 28 MB; the limit is 25 MB unpacked
    dossier = with_first_attachment(examples["POPO"], content)
    assert len(dossier) > 27_000_000
    result = import_dossier(read_dossier(dossier), okr)
    files = {f.file.name: f.file.data for f in result.files}
    assert files["scan.pdf"].endswith(data)
    path = tmp_path / "dossier.xml"
    path.write_bytes(dossier)
    code, output = run("oso", "validate", str(path))
    assert code == 0 and "VALID" in output, output[:2000]
    # still refused beyond the documented limits
    content, _ = big_attachment(26)
    with pytest.raises(DossierError, match=r"ZIP bomb|more than 25 MB"):
        import_dossier(read_dossier(with_first_attachment(examples["POPO"], content)), okr)


def test_deep_or_many_elements_are_refused_while_parsing() -> None:
    ns = b"http://www.edustandaard.nl/oso_gegevensset/2019/dossier"
    deep = b"<dossier xmlns='" + ns + b"'>" + b"<a>" * 5000 + b"</a>" * 5000 + b"</dossier>"
    with pytest.raises(DossierError, match="levels deep"):
        read_dossier(deep)
    many = b"<dossier xmlns='" + ns + b"'>" + b"<a/>" * 250_000 + b"</dossier>"
    with pytest.raises(DossierError, match="more than 200000 elements"):
        read_dossier(many)


def test_validate_reports_a_huge_attachment_dossier_without_crashing(
    examples: dict[str, bytes],
) -> None:
    content, _ = big_attachment(8)
    assert validate(with_first_attachment(examples["POPO"], content)).ok
