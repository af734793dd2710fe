"""The official PaO example (Passend onderwijs, PO → SWV) fills the arrangement request: the
pupil, the school and contact person, the school career, the tests, the diagnoses, the OPP and
the documents, as far as OSO 2019.1 carries them (docs/support-definitions.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.compiler import CompiledForm
from engine.evaluate import evaluate
from engine.workspace import open_workspace
from oso_mapping.dossier import read_dossier
from oso_mapping.mapping import ImportResult, import_dossier

from .conftest import DEFINITIONS


@pytest.fixture(scope="module")
def arrangement() -> CompiledForm:
    result = open_workspace([DEFINITIONS]).find("arrangement", 1)
    assert result is not None and result.compiled is not None
    return result.compiled


@pytest.fixture(scope="module")
def pao(schema: Path, arrangement: CompiledForm) -> ImportResult:
    data = (schema / "examples" / "Voorbeelddossier_PaO_POSWV_full.xml").read_bytes()
    dossier = read_dossier(data)
    assert dossier.value("overdrachtsoort") == "swv-dossier"
    assert dossier.value("metadata/overstap") == "POSWV"
    return import_dossier(dossier, arrangement)


def test_the_pupil_and_the_school_come_from_the_dossier(pao: ImportResult) -> None:
    answers = pao.answers
    assert (answers["achternaam"], answers["voorvoegsel"], answers["roepnaam"]) == (
        "Berg",
        "van de",
        "Daan",
    )
    assert answers["voornamen"] == "Björn Johannes Martinus Franciscus"
    assert (answers["geboortedatum"], answers["geslacht"]) == ("17-03-2003", "2")
    assert (answers["school_naam"], answers["school_brin"], answers["school_vestiging"]) == (
        "Testschool",
        "00YY",
        "00",
    )
    assert answers["contactpersoon"] == "Mevr. Smits"
    assert answers["contact_email"] == "smits@school.nl"


def test_career_tests_diagnoses_and_the_opp_fill_their_groups(pao: ImportResult) -> None:
    answers = pao.answers
    assert len(answers["schoolloopbaan"]) == 10
    assert answers["schoolloopbaan"][3] == {
        "loopbaan_schooljaar": "2009-2010",
        "loopbaan_brin": "14AI",
        "loopbaan_vestiging": "02",
        "loopbaan_groepscode": "3",
        "loopbaan_jaargroep": "3",
    }
    tests = answers["toetsen"]
    assert [t["toets_code"] for t in tests] == [
        "DREM8",
        "NIO2004",
        "RW2006-12-155",
        "BLZ07-20-138",
        "WISC3NL2005",
    ]
    assert tests[0]["toets_leergebied"] == "technisch_lezen"  # "technisch lezen" in OSO
    assert tests[2]["toets_score"] == "90"
    # the diagnoses are there, so the question before them is answered for the school to confirm
    assert set(pao.inferred) == {"heeft_diagnose", "opp"}
    assert answers["heeft_diagnose"] == "true"
    assert [d["diagnose_door"] for d in answers["diagnoses"]] == [
        "Mevr. Pieters",
        "Drs. Mathijssen",
    ]
    assert answers["opp"] == "true" and answers["opp_ingangsdatum"] == "04-05-2015"


def test_the_documents_become_reports_whose_kind_the_school_chooses(
    pao: ImportResult, arrangement: CompiledForm
) -> None:
    assert [(f.key, f.file.name) for f in pao.files] == [
        ("rapporten[0].rapport_bestand", "groepsplan.txt"),
        ("rapporten[1].rapport_bestand", "diagram.png"),
    ]
    assert [r["rapport_omschrijving"] for r in pao.answers["rapporten"]] == [
        "Groepsplan",
        "diagram leerresultaten",
    ]
    # OSO has no kind of report: the school chooses it (medical and psychological reports go
    # to the SWV only with the parents' consent), so the rows ask for it
    state = evaluate(arrangement, pao.answers)
    assert "rapporten[0].rapport_soort" in state.errors


def test_what_the_pao_profile_holds_and_the_request_does_not_is_reported(
    pao: ImportResult,
) -> None:
    unmapped = {u.path: u for u in pao.unmapped}
    # codes outside the form's choices are kept in the report, not guessed
    code = unmapped["huidigeschool/leerling/onderwijsondersteuning/diagnose[1]/code[1]"]
    assert code.value == "H91.9.s" and "not one of the field's choices" in code.reason
    assert unmapped["huidigeschool/leerling/toetslijst/toets[5]/toetsidentificatie/leergebied"]
    # the SWV's own decisions and what the request does not ask are not carried
    for path in (
        "huidigeschool/leerling/onderwijsondersteuning/tlv/tlvcategorie",
        "huidigeschool/leerling/onderwijsondersteuning/arrangement_pao/arrangement_kenmerk",
        "huidigeschool/leerling/onderwijsondersteuning/medicijngebruik",
        "huidigeschool/leerling/verzorger[1]/achternaam",
        "huidigeschool/leerling/verzuim/dagdelengeoorloofd",
        "inzage/akkoord",
    ):
        assert path in unmapped, path
    assert "huidigeschool/leerling/achternaam" not in unmapped
