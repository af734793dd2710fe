"""Author test scenarios: failures are reported with the scenario's file and line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from runtime.cli import main

from .conftest import REPOSITORY, form_yaml

Write = Callable[[str, str], Path]

FIELDS = """
- id: reden
  type: choice
  label: {nl: Reden, en: Reason}
  required: true
  choices:
    - {value: a, label: {nl: Anders, en: Other}}
    - {value: b, label: {nl: Verhuizing, en: Moving}}
- id: toelichting
  type: text
  label: {nl: Toelichting, en: Explanation}
  visible_if: reden == "a"
"""


def test_failed_expectations_name_file_and_line(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    text = form_yaml(FIELDS, languages="[nl, en]")
    text = text.replace("title: Probe", "title: {nl: P, en: P}").replace(
        "title: Pagina", "title: {nl: P, en: P}"
    )
    write("f.form.yaml", text)
    scenarios = write(
        "f.scenarios.yaml",
        """
        form: f.form.yaml
        scenarios:
          - name: passes
            language: en
            answers: {reden: a}
            expect:
              visible: [toelichting]
              no_errors: true
          - name: fails
            answers: {reden: b}
            expect:
              visible: [toelichting]
              errors: {reden: Kies een antwoord.}
              values: {reden: a}
              hidden: [toelichtng]
        """,
    )
    assert main(["test", str(scenarios)]) == 1
    out = capsys.readouterr().out
    assert f"{scenarios}:12:17: scenario 'fails': expected 'toelichting' to be visible" in out
    assert f"{scenarios}:13:23: scenario 'fails': expected errors at 'reden'" in out
    assert f"{scenarios}:14:23: scenario 'fails': expected reden = 'a', got 'b'" in out
    assert "'toelichtng' is not a field of the form (did you mean 'toelichting'?)" in out
    assert "scenarios: 1 passed, 1 failed" in out


def test_scenario_file_mistakes_are_errors(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write("f.form.yaml", form_yaml(FIELDS.replace("{nl: ", "{nl: ").replace(", en: Reason}", "}")))
    scenarios = write(
        "f.scenarios.yaml",
        """
        form: f.form.yaml
        scenarios:
          - name: typo
            expect:
              visibel: [toelichting]
        """,
    )
    assert main(["test", str(scenarios)]) == 1
    out = capsys.readouterr().out
    assert f"{scenarios}:5:7: error: unknown key 'visibel'" in out
    assert "did you mean 'visible'?" in out


def test_shipped_definitions_check_and_test_clean(capsys: pytest.CaptureFixture[str]) -> None:
    definitions = str(REPOSITORY / "definitions")
    assert main(["check", "--strict", definitions]) == 0, capsys.readouterr().out
    assert main(["test", definitions]) == 0, capsys.readouterr().out
