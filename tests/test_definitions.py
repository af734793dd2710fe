"""The shipped definitions: four instruments, two regions, correct to the law and to OSO."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.api import check_file
from engine.model import Category, FormKind, GroupField, NoteField
from engine.workspace import open_workspace
from oso_mapping.element_tree import load_element_tree
from runtime.cli import main

from .conftest import REPOSITORY, SHARED

DEFINITIONS = REPOSITORY / "definitions"
KINDS = {
    FormKind.OVERSTAPFORMULIER,
    FormKind.ONDERWIJSKUNDIG_RAPPORT,
    FormKind.ADVIESFORMULIER,
    FormKind.AANMELDFORMULIER,
}
LEGAL_CATEGORIES = {c.value for c in Category}
FORBIDDEN_OSO = ("geboorteplaats", "nationaliteit", "geboortemaand", "postcode4adres")

# What an OSO 2019.1 overstapdossier for a PO→PO transfer needs from the form (business rules
# OVa.LL01–LL15, OVa.SL01, OVa.OA03/04, OVa.IZ01–04); school address, aanleverpunt and the
# metadata come from POPO's own records, not from the form.
PO_PO_REQUIRED = {
    "huidigeschool/naam",
    "huidigeschool/brincode",
    "huidigeschool/vestigingscode",
    "huidigeschool/leerling/achternaam",
    "huidigeschool/leerling/voornaam",
    "huidigeschool/leerling/geboortedatum",
    "huidigeschool/leerling/bsn",
    "huidigeschool/leerling/onderwijsnummer",
    "huidigeschool/leerling/adresgeheim",
    "huidigeschool/leerling/adreslijst/adres[1]/straat",
    "huidigeschool/leerling/adreslijst/adres[1]/nummer",
    "huidigeschool/leerling/adreslijst/adres[1]/postcode",
    "huidigeschool/leerling/adreslijst/adres[1]/plaats",
    "huidigeschool/leerling/datuminschrijving",
    "huidigeschool/leerling/verzorgersaansprakelijk",
    "huidigeschool/leerling/aansprakelijkeinstelling/naam",
    "huidigeschool/leerling/verzorger/achternaam",
    "huidigeschool/leerling/verzorger/wettigevertegenwoordiger",
    "huidigeschool/leerling/schoolloopbaanlijst/schoolloopbaan/schooljaar",
    "huidigeschool/leerling/schoolloopbaanlijst/schoolloopbaan/groepscode",
    "huidigeschool/leerling/schoolloopbaanlijst/schoolloopbaan/jaargroep",
    "huidigeschool/leerling/schoolloopbaanlijst/schoolloopbaan/brincode",
    "huidigeschool/leerling/schoolloopbaanlijst/schoolloopbaan/vestigingscode",
    "huidigeschool/leerling/overstapadvies/contactnodig",
    "huidigeschool/leerling/overstapadvies/contactpersoon",
    "inzage/inzage",
    "inzage/inzagedatum",
    "inzage/akkoord",
}


def _workspace():  # type: ignore[no-untyped-def]
    return open_workspace([DEFINITIONS], load_element_tree())


def test_the_shipped_set_checks_clean() -> None:
    workspace = _workspace()
    assert workspace.ok, "\n".join(d.render() for d in workspace.all_diagnostics())


def test_base_and_two_regions_each_ship_the_four_instruments() -> None:
    workspace = _workspace()
    by_region: dict[str | None, set[FormKind]] = {}
    for result in workspace.results:
        model = result.definition
        assert model is not None
        if result.path.resolve().relative_to(DEFINITIONS).parts[0] in ("base", "noord", "zuid"):
            by_region.setdefault(model.region, set()).add(model.kind)
    # the support requests to the SWV: in the base, and a variant in Noord (Zuid uses the base's)
    support = {FormKind.ONDERSTEUNINGSAANVRAAG}
    assert by_region == {None: KINDS | support, "noord": KINDS | support, "zuid": KINDS}


def test_regional_forms_derive_from_the_base_without_copying() -> None:
    for region in ("noord", "zuid"):
        for path in (DEFINITIONS / region).glob("*.form.yaml"):
            text = path.read_text()
            assert "extends: ../base/" in text, path
            assert "\npages:" not in text, f"{path} copies pages instead of changing the base"


def okr_results():  # type: ignore[no-untyped-def]
    return [
        r
        for r in _workspace().results
        if r.definition is not None and r.definition.kind is FormKind.ONDERWIJSKUNDIG_RAPPORT
    ]


def test_every_okr_field_has_a_legal_category_and_no_forbidden_oso_element() -> None:
    results = okr_results()
    assert len(results) == 4  # base v1 and v2, Noord, Zuid
    for result in results:
        assert result.checked is not None
        for spec in result.checked.fields:
            if isinstance(spec.element, NoteField | GroupField):
                continue
            assert spec.category is not None, f"{result.path}: {spec.id}"
            assert spec.category.value in LEGAL_CATEGORIES
            oso = getattr(spec.element, "oso", None) or ""
            assert not any(name in oso for name in FORBIDDEN_OSO), f"{spec.id}: {oso}"


@pytest.mark.skipif(not (SHARED / "oso").exists(), reason="needs ../shared/oso")
def test_the_okr_maps_everything_a_po_po_dossier_requires() -> None:
    for result in okr_results():
        assert result.checked is not None
        mapped: set[str] = set()
        for spec in result.checked.fields:
            oso = getattr(spec.element, "oso", None)
            if not oso:
                continue
            path = oso
            for group in reversed(spec.groups):
                if group.oso and not path.startswith("huidigeschool/"):
                    path = f"{group.oso}/{path}"
            mapped.add(path)
        assert mapped >= PO_PO_REQUIRED, f"{result.path}: missing {PO_PO_REQUIRED - mapped}"


def test_the_checker_catches_a_missing_category_or_forbidden_element_in_the_real_okr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "definitions"
    shutil.copytree(DEFINITIONS / "base", copy / "base")
    okr = copy / "base" / "onderwijskundig-rapport.v1.form.yaml"
    text = okr.read_text()
    text = text.replace("        category: sociaal_emotioneel_gedrag\n", "", 1)
    text = text.replace(
        "oso: huidigeschool/leerling/adreslijst/adres[1]/plaats",
        "oso: huidigeschool/leerling/geboorteplaats",
    )
    okr.write_text(text)
    result = check_file(okr, load_element_tree())
    messages = [d.message for d in result.diagnostics.errors]
    assert "the field 'omgang' has no privacy category" in messages
    assert "the field 'zelfstandigheid' has no privacy category" in messages
    assert "OSO forbids 'geboorteplaats' in a transfer dossier" in messages
    assert main(["check", str(copy)]) == 1


def test_okr_v2_diff_shows_the_breaking_change_and_what_the_migration_handles(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = [
        "diff",
        "onderwijskundig-rapport@1",
        "onderwijskundig-rapport@2",
        "--dir",
        str(DEFINITIONS),
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "field 'omgang_met_anderen'\n  migrated    renamed from 'omgang'\n" in out
    assert (
        "field 'concentratie'\n"
        "  migrated    choice 'wisselend' removed (answers become 'voldoende')\n"
    ) in out
    assert "field 'ondersteuningsniveau'\n  BREAKING    new required field (always)\n" in out
    assert main([*args, "--ignore-migration", "--exit-code"]) == 1
    out = capsys.readouterr().out
    assert "field 'omgang'\n  BREAKING    removed\n" in out
    assert "field 'concentratie'\n  BREAKING    choice 'wisselend' removed\n" in out


def test_every_shipped_form_is_published_and_unchanged() -> None:
    workspace = _workspace()
    from engine.versions import LockFile

    lock = LockFile.read(DEFINITIONS / "popo.lock")
    for result in workspace.results:
        model = result.definition
        assert model is not None
        if model.id == "kennismaking" and model.version == 2:
            continue  # the language example keeps one unpublished draft version
        entry = lock.get(model.id, model.version)
        assert entry is not None, f"{model.id}@{model.version} is not published"
        assert entry.sha256 == result.content_hash


def test_every_shipped_procedure_is_published_and_unchanged() -> None:
    from engine.versions import PROCEDURE, LockFile

    lock = LockFile.read(DEFINITIONS / "popo.lock")
    workspace = _workspace()
    # three regions × two procedures, and aanmelding v2; the five support requests to the SWV
    # in the base and in Noord
    assert len(workspace.procedures) == 9 + 5 + 5
    for result in workspace.procedures:
        model = result.definition
        assert model is not None
        entry = lock.get(model.id, model.version, PROCEDURE)
        assert entry is not None, f"{model.id}@{model.version} is not published"
        assert entry.sha256 == result.content_hash


def test_scenarios_cover_every_condition_and_constraint(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", "--require-coverage", str(DEFINITIONS)]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("coverage: "))
    covered, _, total = line.removeprefix("coverage: ").split()[:3]
    assert covered == total
