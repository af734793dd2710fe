"""`popo publish` is a gate: it records a version only when the form checks clean, its
scenarios (and those of the forms it builds on) pass and cover it; warnings are shown."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from runtime.cli import main

from .conftest import REPOSITORY


def _definitions(tmp_path: Path) -> Path:
    folder = tmp_path / "definitions"
    shutil.copytree(REPOSITORY / "definitions" / "voorbeeld", folder / "voorbeeld")
    return folder


def _publish(folder: Path, form: Path) -> int:
    return main(["publish", str(form), "--dir", str(folder)])


def test_publish_refuses_a_form_whose_scenarios_fail(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _definitions(tmp_path)
    scenarios = folder / "voorbeeld" / "kennismaking.scenarios.yaml"
    scenarios.write_text(
        scenarios.read_text().replace("reden: Kies een antwoord.", "reden: Dit veld is verplicht.")
    )
    form = folder / "voorbeeld" / "kennismaking.v1.form.yaml"
    assert _publish(folder, form) == 1
    out = capsys.readouterr().out
    assert (
        f"{scenarios}:9:16: scenario 'an empty form asks for the required fields': expected "
        'errors at \'reden\': "Dit veld is verplicht.", got "Kies een antwoord." '
        "(required_choice)" in out
    )
    assert "not published: kennismaking@1\n  - 1 of 10 scenarios failed\n" in out
    assert not (folder / "popo.lock").exists()


def test_publish_refuses_a_form_without_scenarios_or_coverage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _definitions(tmp_path)
    (folder / "voorbeeld" / "kennismaking.v2.scenarios.yaml").unlink()
    form = folder / "voorbeeld" / "kennismaking.v2.form.yaml"
    assert _publish(folder, form) == 1
    out = capsys.readouterr().out
    assert f"{form}: error: this form has no scenarios" in out
    assert (
        f"{form}:24:23: not covered: visible_if of 'toelichting' never seen true or false: "
        'overstapreden == "anders"' in out
    )
    assert (
        "not published: kennismaking@2\n"
        "  - 1 form without scenarios\n"
        "  - 2 conditions, constraints or filters not seen both ways\n" in out
    )
    assert not (folder / "popo.lock").exists()


def test_publish_runs_the_scenarios_of_the_base_for_a_variant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _definitions(tmp_path)
    variant = folder / "voorbeeld" / "noord" / "kennismaking.form.yaml"
    assert _publish(folder, variant) == 0
    out = capsys.readouterr().out
    # the base's six scenarios cover what the variant inherits, the variant adds two, and the
    # two of version 2 run as well: it shares the variant's fragment
    assert "scenarios: 10 passed, 0 failed" in out
    assert "published kennismaking-noord@1" in out
    assert "10 scenarios passed, fully covered" in out


def test_publish_shows_warnings_and_keeps_the_lock_file_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _definitions(tmp_path)
    form = folder / "voorbeeld" / "kennismaking.v1.form.yaml"
    form.write_text(
        form.read_text().replace(
            "label: {nl: Anders, en: Other}", "label: {nl: Anders, en: Other, de: Andere}"
        )
    )
    assert _publish(folder, form) == 0
    out = capsys.readouterr().out
    assert f"{form}:12:" in out and "warning: text in undeclared language" in out
    assert "published kennismaking@1" in out and ", 1 warning" in out
    assert "kennismaking@1:" in (folder / "popo.lock").read_text()
    assert _publish(folder, form) == 0
    assert "kennismaking@1 is already published" in capsys.readouterr().out
    form.write_text(form.read_text().replace("de: Andere", "de: Sonstiges"))
    assert _publish(folder, form) == 1
    assert "has been edited since" in capsys.readouterr().out


def _with_procedures(tmp_path: Path) -> Path:
    """The shipped definitions with nothing published yet (the empty lock file still marks the
    definitions folder, where procedures find the forms they name)."""
    folder = tmp_path / "definitions"
    shutil.copytree(REPOSITORY / "definitions", folder)
    (folder / "popo.lock").write_text("forms: {}\n")
    return folder


def test_publish_locks_a_procedure_and_check_refuses_an_edit_of_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _with_procedures(tmp_path)
    procedure = folder / "base" / "aanmelding.procedure.yaml"
    assert _publish(folder, procedure) == 0
    out = capsys.readouterr().out
    assert "published aanmelding@1 (" in out and "6 scenarios passed, fully covered" in out
    lock = (folder / "popo.lock").read_text()
    assert "\nprocedures:\n  aanmelding@1:\n" in lock
    assert "    file: base/aanmelding.procedure.yaml\n" in lock
    assert _publish(folder, procedure) == 0
    assert "aanmelding@1 is already published" in capsys.readouterr().out

    # the school now decides within eight weeks: an edit of the published version
    procedure.write_text(procedure.read_text().replace("amount: 6", "amount: 8"))
    assert main(["check", str(folder)]) == 1
    out = capsys.readouterr().out
    assert (
        f"{procedure}:6:10: error: version 1 of 'aanmelding' was published on "
        f"{date.today().isoformat()} and this file has been edited since\n"
        "  at version\n"
        "  hint: undo the edit first (published versions never change); to change the "
        "procedure, make a new version: a new file that extends: this one, with version: 3 and "
        "your changes, then run popo publish\n" in out
    )
    assert _publish(folder, procedure) == 1
    out = capsys.readouterr().out
    assert "this file has been edited since" in out
    assert "not published: fix the errors first (popo check)" in out


def test_an_edit_of_a_procedures_base_names_the_published_variant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _with_procedures(tmp_path)
    variant = folder / "noord" / "aanmelding.procedure.yaml"
    assert _publish(folder, variant) == 0
    out = capsys.readouterr().out
    # the base's scenarios cover what the variant inherits; the variant's its own changes
    assert "published aanmelding-noord@1 (" in out and "7 scenarios passed" in out
    base = folder / "base" / "aanmelding.procedure.yaml"
    base.write_text(base.read_text().replace("en: Enrol}", "en: Enroll}"))
    assert main(["check", str(folder / "noord")]) == 1
    out = capsys.readouterr().out
    assert (
        f"{base}:5:1: error: this file has been edited since aanmelding-noord@1 was published "
        "with it, and published versions never change\n" in out
    )
    assert "hint: undo the edit; to change that procedure, copy this file" in out
    # the lock keeps forms and procedures apart: a form of the same id is another thing
    assert main(["check", str(folder / "base" / "aanmeldformulier.form.yaml")]) == 0


def test_publish_refuses_a_procedure_with_a_transition_no_scenario_makes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _with_procedures(tmp_path)
    procedure = folder / "base" / "aanmelding.procedure.yaml"
    text = procedure.read_text()
    procedure.write_text(
        text.replace(
            "terms:\n",
            "  - id: heropenen\n"
            "    from: afgewezen_voorlopig\n"
            "    to: in_behandeling\n"
            "    label: {nl: Heropenen, en: Reopen}\n"
            "    who: [receiving_school.directeur]\n"
            "  - id: voorlopig_afwijzen\n"
            "    from: in_behandeling\n"
            "    to: afgewezen_voorlopig\n"
            "    label: {nl: Voorlopig afwijzen, en: Refuse for now}\n"
            "    who: [receiving_school.directeur]\n"
            "terms:\n",
        ).replace(
            "  - {id: afgewezen, ",
            "  - {id: afgewezen_voorlopig, label: {nl: Voorlopig afgewezen, en: Refused for now}}\n"
            "  - {id: afgewezen, ",
        )
    )
    assert _publish(folder, procedure) == 1
    out = capsys.readouterr().out
    assert "not covered: no scenario makes the transition 'heropenen' of the procedure" in out
    assert (
        "not published: aanmelding@1\n  - 2 transitions of procedures never made\n"
        f"fix these first; popo test --require-coverage {procedure} shows the same\n" in out
    )
    assert (folder / "popo.lock").read_text() == "forms: {}\n"


def test_publish_names_both_kinds_of_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _with_procedures(tmp_path)
    scenarios = folder / "base" / "aanmelding.scenarios.yaml"
    assert _publish(folder, scenarios) == 2
    assert (
        f"error: {scenarios} is not a form (*.form.yaml), procedure (*.procedure.yaml), "
        f"placement policy (*.placement.yaml) or overview (*.overview.yaml) file in {folder}"
        in capsys.readouterr().out
    )
