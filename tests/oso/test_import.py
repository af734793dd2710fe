"""Reading dossiers: the versions POPO accepts, what it reports, and what it refuses whole."""

from __future__ import annotations

import base64
import io
import re
import zipfile

import pytest

from engine.compiler import CompiledForm
from oso_mapping import dossier as dossier_module
from oso_mapping.dossier import DossierError, read_dossier
from oso_mapping.mapping import import_dossier

NS_2019 = b"http://www.edustandaard.nl/oso_gegevensset/2019/dossier"


def as_year(example: bytes, year: str, version: str) -> bytes:
    data = example.replace(NS_2019, NS_2019.replace(b"2019", year.encode()))
    return data.replace(
        b"<standaardversie>2019.1</standaardversie>",
        f"<standaardversie>{version}</standaardversie>".encode(),
    )


@pytest.mark.parametrize(("year", "version"), [("2017", "2017.1.2"), ("2018", "2018.1.1")])
def test_older_namespaces_are_read_too(
    year: str, version: str, examples: dict[str, bytes], okr: CompiledForm
) -> None:
    older = as_year(examples["POPO"], year, version)
    older = older.replace(b"onderwijsondersteuning>", b"zorg>")  # its name before 2019
    dossier = read_dossier(older)
    assert (dossier.year, dossier.standard_version) == (year, version)
    answers = import_dossier(dossier, okr).answers
    assert answers["achternaam"] == "Berg"
    assert answers["medicijngebruik"] == "true"  # read from <zorg> as from 2019's name


def test_what_the_form_does_not_hold_is_reported_with_path_and_value(
    examples: dict[str, bytes], okr: CompiledForm
) -> None:
    result = import_dossier(read_dossier(examples["POPO"]), okr)
    unmapped = {u.path: u for u in result.unmapped}
    assert unmapped["huidigeschool/leerling/huisarts/achternaam"].value == "van Zwieten"
    assert unmapped["huidigeschool/leerling/huisarts/achternaam"].line > 0
    code = unmapped["huidigeschool/leerling/onderwijsondersteuning/diagnose[2]/code"]
    assert "not one of the field's choices" in code.reason  # a value that does not fit: kept
    assert "huidigeschool/leerling/achternaam" not in unmapped  # carried into the form
    # repeated data fills repeatable groups; attachments arrive as files with their names
    assert len(result.answers["verzorgers"]) == 5
    assert [f.file.name for f in result.files] == ["groepsplan.txt", "diagram.png"]
    assert result.files[1].file.data.startswith(b"\x89PNG")
    assert result.files[0].key == "bijlagen[0].bijlage_bestand"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "empty"),
        (b"this is not xml", "not a well-formed XML file"),
        (b"<dossier><metadata></dossier>", "not a well-formed XML file (line 1"),
        (b"<leerling xmlns='" + NS_2019 + b"'/>", "not an OSO <dossier>"),
        (b"<dossier xmlns='urn:other'/>", "not an OSO dossier namespace"),
        (
            b"<dossier xmlns='http://www.edustandaard.nl/oso_gegevensset/1.2/dossier'/>",
            "POPO reads OSO 2017, 2018 and 2019 dossiers",
        ),
        (b"PK\x03\x04rest", "ZIP file"),
        (b"<dossier xmlns='" + NS_2019 + b"'><metadata/></dossier>", "standaardversie"),
    ],
)
def test_broken_input_is_refused_with_a_clear_message(data: bytes, expected: str) -> None:
    with pytest.raises(DossierError, match=re.escape(expected)):
        read_dossier(data)


def test_entities_and_external_references_are_refused() -> None:
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE dossier [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<dossier xmlns='" + NS_2019 + b"'><metadata>&x;</metadata></dossier>"
    )
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
        + b"".join(
            f'<!ENTITY a{i} "&a{i - 1 if i else ""};&a{i - 1 if i else ""};">'.encode()
            for i in range(1, 30)
        )
        + b"]><dossier xmlns='"
        + NS_2019
        + b"'>&a29;</dossier>"
    )
    for data in (xxe, laughs):
        with pytest.raises(DossierError, match="DOCTYPE or entities"):
            read_dossier(data)


def test_a_huge_file_is_refused_before_it_is_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dossier_module, "MAX_DOSSIER_BYTES", 1024)
    with pytest.raises(DossierError, match="at most"):
        read_dossier(b"<dossier>" + b" " * 2048 + b"</dossier>")


def zip_bomb() -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("rapport.pdf", b"\0" * (30 * 1024 * 1024))
    return base64.b64encode(buffer.getvalue()).decode()


def with_first_attachment(example: bytes, content: str) -> bytes:
    """The example with the content of its first other document (overigdocumentlijst) replaced."""
    text = example.decode()
    start = text.index("<bestandsinhoud>", text.index("<overigdocumentlijst>"))
    start += len("<bestandsinhoud>")
    end = text.index("</bestandsinhoud>", start)
    return (text[:start] + content + text[end:]).encode()


def test_a_zip_bomb_in_an_attachment_refuses_the_whole_dossier(
    examples: dict[str, bytes], okr: CompiledForm
) -> None:
    hostile = with_first_attachment(examples["POPO"], zip_bomb())
    with pytest.raises(DossierError, match="ZIP bomb"):
        import_dossier(read_dossier(hostile), okr)


def test_a_damaged_attachment_is_reported_not_imported(
    examples: dict[str, bytes], okr: CompiledForm
) -> None:
    damaged = with_first_attachment(
        examples["POPO"], base64.b64encode(b"PK\x03\x04broken").decode()
    )
    result = import_dossier(read_dossier(damaged), okr)
    reasons = [u.reason for u in result.unmapped if u.path.endswith("bestandsinhoud")]
    assert any("not a readable ZIP file" in r for r in reasons)
    assert [f.file.name for f in result.files] == ["diagram.png"]
