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
from oso_mapping.mapping import (
    HIDDEN_BY_ANSWERS,
    HIDDEN_BY_FORM,
    NOT_CARRIED,
    ImportResult,
    import_dossier,
)

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
    assert len(result.answers["schoolloopbaan"]) == 10
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


def workspace_form(form_id: str) -> CompiledForm:
    from engine.workspace import open_workspace

    from .conftest import DEFINITIONS

    workspace = open_workspace([DEFINITIONS])
    found = workspace.find(form_id, max(workspace.versions(form_id)))
    assert found is not None and found.compiled is not None
    return found.compiled


def hidden_reasons(result: ImportResult) -> dict[str, str]:
    return {u.path: u.reason for u in result.unmapped if u.reason != NOT_CARRIED}


def test_rows_behind_a_question_the_dossier_answers_no_are_reported_not_carried(
    examples: dict[str, bytes], okr: CompiledForm
) -> None:
    # the example says verzorgersaansprakelijk false: the form then asks for the institution,
    # not the parents, so the five verzorger rows would never be shown, submitted or exported
    result = import_dossier(read_dossier(examples["POPO"]), okr)
    assert result.answers["verzorgers_aansprakelijk"] == "false"
    assert "verzorgers" not in result.answers
    assert result.answers["aansprakelijke_instelling"] == "De Zonnestraal"
    reasons = hidden_reasons(result)
    assert reasons["huidigeschool/leerling/verzorger[1]/achternaam"] == HIDDEN_BY_ANSWERS
    assert reasons["huidigeschool/leerling/verzorger[5]/relatietotkind"] == HIDDEN_BY_ANSWERS
    assert not any(key.startswith("verzorgers[") for key in result.carried)


def test_a_field_a_regional_variant_hides_is_reported_not_carried(
    examples: dict[str, bytes],
) -> None:
    zuid = workspace_form("onderwijskundig-rapport-zuid")
    result = import_dossier(read_dossier(examples["POPO"]), zuid)
    assert "medicijngebruik" not in result.answers
    path = "huidigeschool/leerling/onderwijsondersteuning/medicijngebruik"
    assert hidden_reasons(result)[path] == HIDDEN_BY_FORM


def test_a_follow_up_whose_condition_is_false_is_reported_not_carried(
    examples: dict[str, bytes],
) -> None:
    no_absence = examples["POPO"].replace(
        b"<dagdelenongeoorloofd>2<", b"<dagdelenongeoorloofd>0<", 1
    )
    zuid = workspace_form("onderwijskundig-rapport-zuid")
    result = import_dossier(read_dossier(no_absence), zuid)
    assert result.answers["dagdelen_ongeoorloofd"] == "0"
    assert "contact_leerplicht" not in result.answers
    assert "verzuim_meldingen" not in result.answers
    reasons = hidden_reasons(result)
    assert reasons["huidigeschool/leerling/verzuim/contactleerplicht"] == HIDDEN_BY_ANSWERS
    assert reasons["huidigeschool/leerling/verzuim/frequentie"] == HIDDEN_BY_ANSWERS
    # a confidential address: the form does not ask for it, so it is not carried either
    secret = examples["POPO"].replace(
        b"<adresgeheim>false</adresgeheim>", b"<adresgeheim>true</adresgeheim>", 1
    )
    result = import_dossier(read_dossier(secret), zuid)
    assert "adres_straat" not in result.answers
    assert "huidigeschool/leerling/adreslijst/adres[1]/straat" in hidden_reasons(result)


def test_a_choice_the_data_waits_behind_is_answered_and_listed(
    examples: dict[str, bytes], okr: CompiledForm
) -> None:
    # a pupil without a BSN: the form shows the onderwijsnummer only when asked for it
    text = examples["POPO"].replace(
        b"<bsn>297816238</bsn>", b"<onderwijsnummer>101234567</onderwijsnummer>", 1
    )
    result = import_dossier(read_dossier(text), okr)
    assert result.answers["identificatie"] == "onderwijsnummer"
    assert "identificatie" in result.inferred
    assert result.answers["onderwijsnummer"] == "101234567"
    assert "onderwijsnummer" in result.carried
