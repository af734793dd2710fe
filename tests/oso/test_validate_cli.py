"""Validation as users meet it: `popo oso validate` / `popo oso import`, and the rules in Dutch."""

from __future__ import annotations

import io
from functools import partial
from pathlib import Path

import pytest

from oso_mapping.validate import validate, xsd_message
from renderers import i18n
from runtime.cli import main


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), out), out.getvalue()


def test_validate_accepts_an_official_example(schema: Path) -> None:
    code, output = run(
        "oso", "validate", str(schema / "examples/Voorbeelddossier_OV_POPO_full.xml")
    )
    assert code == 0 and "VALID" in output


def test_a_business_rule_finding_is_reported_in_the_rules_own_dutch(
    examples: dict[str, bytes], tmp_path: Path
) -> None:
    text = examples["POPO"].decode()  # parents must have seen a PO→PO dossier
    without_inspection = text.replace("<inzage>true</inzage>", "<inzage>false</inzage>", 1)
    validation = validate(without_inspection.encode())
    assert [f.stage for f in validation.findings] == ["rules"] * len(validation.findings)
    assert any("inzage" in f.message.lower() for f in validation.findings), validation.findings
    path = tmp_path / "dossier.xml"
    path.write_text(without_inspection, encoding="utf-8")
    code, output = run("oso", "validate", str(path))
    assert code == 1 and "INVALID" in output and "[rules]" in output


def test_a_schema_error_is_explained_in_dutch_with_its_line(
    examples: dict[str, bytes], tmp_path: Path
) -> None:
    broken = examples["POPO"].replace(b"<achternaam>Berg</achternaam>", b"", 1)
    findings = validate(broken).findings
    assert findings and findings[0].stage == "xsd"
    dutch = findings[0].text(partial(i18n.gettext, "nl"))
    assert "ontbreekt een verplicht element" in dutch or "hoort hier niet" in dutch
    assert findings[0].where(partial(i18n.gettext, "nl")).startswith("regel ")
    template, params = xsd_message("Element '{urn:x}a': This element is not expected.")
    assert i18n.gettext("nl", template).format(**params) == "Element 'a' hoort hier niet."
    assert template.format(**params) == "Element 'a' does not belong here."
    path = tmp_path / "broken.xml"
    path.write_bytes(broken)
    code, output = run("oso", "validate", str(path))
    assert code == 1 and "[xsd]" in output and "(regel " in output
    code, output = run("oso", "validate", str(path), "--language", "en")
    assert code == 1 and "(line " in output and "regel" not in output


def test_every_finding_the_reader_sees_is_in_their_language() -> None:
    refused = validate(b"<dossier xmlns='urn:other'/>").findings
    assert [f.stage for f in refused] == ["read"]
    assert refused[0].text(partial(i18n.gettext, "nl")) == (
        "de namespace urn:other is geen namespace van een OSO-dossier"
    )
    assert refused[0].text(partial(i18n.gettext, "en")) == (
        "the namespace urn:other is not an OSO dossier namespace"
    )
    # every libxml2 message POPO rewrites has its Dutch translation
    from oso_mapping.validate import _XSD_MESSAGES

    for _pattern, template in _XSD_MESSAGES:
        assert i18n.gettext("nl", template) != template, template


def test_without_the_official_schema_validation_says_it_was_skipped(
    examples: dict[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POPO_OSO_SCHEMA_DIR", str(tmp_path))
    validation = validate(examples["POPO"])
    assert (
        validation.findings == [] and validation.skipped and "not validated" in validation.skipped
    )
    path = tmp_path / "dossier.xml"
    path.write_bytes(examples["POPO"])
    code, output = run("oso", "validate", str(path))
    assert code == 2 and "not validated" in output


def test_import_prints_the_answers_and_what_was_not_carried(schema: Path) -> None:
    example = schema / "examples/Voorbeelddossier_OV_POPO_full.xml"
    code, output = run("oso", "import", str(example), "--form", "onderwijskundig-rapport-noord")
    assert code == 0
    assert '"achternaam": "Berg"' in output
    assert "not carried: line" in output and "huisarts/achternaam = 'van Zwieten'" in output
    code, output = run("oso", "import", str(schema / "OSO_gegevensset.xsd"))
    assert code == 1 and "refused" in output
