"""`popo publish` is a gate: it records a version only when the form checks clean, its
scenarios (and those of the forms it builds on) pass and cover it; warnings are shown."""

from __future__ import annotations

import shutil
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
    assert "not published: kennismaking@1\n  - 1 of 6 scenarios failed\n" in out
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
    # the base's six scenarios cover what the variant inherits; the variant adds two
    assert "scenarios: 8 passed, 0 failed" in out
    assert "published kennismaking-noord@1" in out
    assert "8 scenarios passed, fully covered" in out


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
