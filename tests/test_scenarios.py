"""Author test scenarios: failures are reported with the scenario's file and line."""

from __future__ import annotations

import shutil
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
    assert f'{scenarios}:14:23: scenario \'fails\': expected reden = "a", got "b"' in out
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


# ---------------------------------------------------------------------- answers are checked

PUPILS = """
- id: soort
  type: choice
  label: Soort
  required: true
  choices:
    - {value: anders, label: Anders}
    - {value: verhuizing, label: Verhuizing}
- id: leeftijd
  type: integer
  label: Leeftijd
- id: cijfer
  type: decimal
  label: Cijfer
- id: talen
  type: multichoice
  label: Talen
  choices:
    - {value: nl, label: Nederlands}
    - {value: en, label: Engels}
- id: opmerking
  type: textarea
  label: Opmerking
- id: kinderen
  type: group
  label: Kinderen
  max_rows: 2
  fields:
    - id: naam
      type: text
      label: Naam
      required: true
    - id: geboren
      type: date
      label: Geboren
    - id: relatie
      type: choice
      label: Relatie
      choices:
        - {value: broer, label: Broer}
        - {value: zus, label: Zus}
"""


def _run(write: Write, capsys: pytest.CaptureFixture[str], scenarios_text: str) -> tuple[Path, str]:
    write("f.form.yaml", form_yaml(PUPILS))
    scenarios = write("f.scenarios.yaml", scenarios_text)
    assert main(["test", str(scenarios)]) == 1
    return scenarios, capsys.readouterr().out


def test_answers_are_checked_against_the_form(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    scenarios, out = _run(
        write,
        capsys,
        """
        form: f.form.yaml
        scenarios:
          - name: typos
            answers:
              sort: anders
              leeftijd: twaalf
              talen: [nl, fr]
              kinderen:
                - {naam: Piet, geborn: 2020-01-01}
                - {naam: Jan, geboren: gisteren, relatie: zuster}
            expect:
              valid: true
          - name: shapes
            answers: {soort: [anders, verhuizing], naam: Els, kinderen: {naam: x}}
            expect:
              valid: true
          - name: a choice typo
            answers: {soort: andres}
            expect: {valid: true}
        """,
    )
    name = f"{scenarios}"
    assert (
        f"{name}:5:7: scenario 'typos': 'sort' is not a field of the form "
        "(did you mean 'soort'?)" in out
    )
    assert (
        f"{name}:6:17: scenario 'typos': \"twaalf\" is not a whole number ('leeftijd' is an "
        "integer field); to test the form's own message, expect it: "
        "errors: {leeftijd: integer_invalid}" in out
    )
    assert (
        f"{name}:7:19: scenario 'typos': \"fr\" is not a choice of 'talen' (its choices: nl, en)"
        in out
    )
    assert (
        f"{name}:9:24: scenario 'typos': 'geborn' is not a field of the rows of 'kinderen' "
        "(did you mean 'geboren'?)" in out
    )
    assert (
        f"{name}:10:32: scenario 'typos': \"gisteren\" is not a date such as 2027-01-15 "
        "('geboren' is a date field); to test the form's own message, expect it: "
        "errors: {kinderen[1].geboren: date_invalid}" in out
    )
    assert (
        f"{name}:10:51: scenario 'typos': \"zuster\" is not a choice of 'relatie' "
        "(did you mean 'zus'?)" in out
    )
    assert (
        f"{name}:14:22: scenario 'shapes': 'soort' takes one answer, not a list: "
        "[anders, verhuizing] (a multichoice field takes a list)" in out
    )
    assert (
        f"{name}:14:44: scenario 'shapes': 'naam' is not a field of the form (it is a field "
        "in the rows of 'kinderen': kinderen: [{naam: …}])" in out
    )
    assert (
        f"{name}:14:65: scenario 'shapes': 'kinderen' is a repeating group: give a list of "
        "rows, such as kinderen: [{naam: …}], not {naam: x}" in out
    )
    assert (
        f"{name}:18:22: scenario 'a choice typo': \"andres\" is not a choice of 'soort' "
        "(did you mean 'anders'?)" in out
    )
    # the expectations of a scenario with wrong answers are not judged
    assert "expected the form to be valid" not in out
    assert "scenarios: 0 passed, 3 failed" in out


def test_a_wrong_answer_may_test_the_forms_own_message(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write("f.form.yaml", form_yaml(PUPILS))
    scenarios = write(
        "f.scenarios.yaml",
        """
        form: f.form.yaml
        scenarios:
          - name: the form's messages for unreadable answers
            answers:
              soort: geen
              leeftijd: twaalf
              kinderen: [{naam: Jan, geboren: gisteren}]
            expect:
              errors:
                soort: choice_invalid
                leeftijd: Vul een heel getal in.
                "kinderen[0].geboren": date_invalid
        """,
    )
    assert main(["test", str(scenarios)]) == 0, capsys.readouterr().out


def test_a_scenario_that_expects_nothing_fails(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    scenarios, out = _run(
        write,
        capsys,
        """
        form: f.form.yaml
        scenarios:
          - name: nothing
            answers: {soort: anders}
            expect: {visible: []}
        """,
    )
    assert (
        f"{scenarios}:5:13: scenario 'nothing': this scenario expects nothing, so it cannot "
        "fail" in out
    )


# ---------------------------------------------------------------------- messages by key


def test_expected_errors_by_message_key(write: Write, capsys: pytest.CaptureFixture[str]) -> None:
    scenarios, out = _run(
        write,
        capsys,
        """
        form: f.form.yaml
        scenarios:
          - name: keys pass
            answers: {kinderen: [{}, {}, {}]}
            expect:
              errors:
                soort: required_choice
                kinderen: too_many_rows
                "kinderen[0].naam": [required]
          - name: a wrong key
            expect:
              errors: {soort: requird}
          - name: another message
            expect:
              errors: {soort: required}
        """,
    )
    assert "'keys pass'" not in out
    assert (
        f"{scenarios}:12:23: scenario 'a wrong key': expected errors at 'soort': \"requird\", "
        "got \"Kies een antwoord.\" (required_choice); 'requird' is not a message key "
        "(did you mean one of 'required', 'required_choice'?)" in out
    )
    assert (
        f"{scenarios}:15:23: scenario 'another message': expected errors at 'soort': "
        '"required", got "Kies een antwoord." (required_choice)' in out
    )
    assert "scenarios: 1 passed, 2 failed" in out


# ---------------------------------------------------------------------- values as YAML


def test_values_are_shown_as_an_author_writes_them(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    long_text = "x" * 5000
    scenarios, out = _run(
        write,
        capsys,
        f"""
        form: f.form.yaml
        scenarios:
          - name: values
            answers: {{cijfer: 6, talen: [nl, en], opmerking: {long_text}}}
            expect:
              values:
                cijfer: 7.5
                talen: [{", ".join(f"t{i}" for i in range(5000))}]
                opmerking: kort
                leeftijd: 3
        """,
    )
    assert f"{scenarios}:7:17: scenario 'values': expected cijfer = 7.5, got 6" in out
    assert "expected talen = [t0, t1, t2, t3, t4, t5, t6, t7, … and 4992 more], got [nl, en]" in out
    assert f'expected opmerking = "kort", got "{"x" * 57}…" (5000 characters)' in out
    assert "expected leeftijd = 3, got blank" in out
    assert "Decimal" not in out and "['" not in out
    assert max(len(line.replace(str(scenarios), "")) for line in out.splitlines()) < 150


def test_the_package_keeps_the_names_other_code_imports() -> None:
    import engine.scenarios as scenarios
    from engine import display

    for name in ("ScenarioFile", "run_file", "run_suite", "no_scenarios", "scenarios_naming"):
        assert hasattr(scenarios, name), name
    assert scenarios.show_value is display.show_value


# ---------------------------------------------------------------------- forms without scenarios


def _two_forms(write: Write) -> tuple[Path, Path]:
    text = form_yaml(FIELDS, languages="[nl, en]").replace("title: Probe", "title: {nl: P, en: P}")
    text = text.replace("title: Pagina", "title: {nl: P, en: P}")
    tested = write("tested.form.yaml", text)
    untested = write("untested.form.yaml", text.replace("id: probe", "id: other"))
    write(
        "tested.scenarios.yaml",
        """
        form: tested.form.yaml
        scenarios:
          - name: both ways
            answers: {reden: a}
            expect: {visible: [toelichting]}
          - name: other way
            answers: {reden: b}
            expect: {hidden: [toelichting]}
        """,
    )
    return tested, untested


def test_a_form_without_scenarios_fails_require_coverage(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    tested, untested = _two_forms(write)
    folder = str(tested.parent)
    assert main(["test", folder]) == 0
    out = capsys.readouterr().out
    assert f"{untested}: warning: this form has no scenarios" in out
    assert main(["test", "--require-coverage", folder]) == 1
    out = capsys.readouterr().out
    assert (
        f"{untested}: error: this form has no scenarios: no *.scenarios.yaml names it, so "
        "nothing of it is tested" in out
    )
    assert "hint: add untested.scenarios.yaml beside it with form: untested.form.yaml" in out
    assert "scenarios: 2 passed, 0 failed, 1 form without scenarios" in out
    assert f"{tested}: " not in out.replace(f"{tested}:", "")  # the tested form is not named
    untested.unlink()
    assert main(["test", "--require-coverage", folder]) == 0, capsys.readouterr().out


def test_check_warns_about_a_form_without_scenarios(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    tested, untested = _two_forms(write)
    assert main(["check", str(tested.parent)]) == 0
    out = capsys.readouterr().out
    assert f"{untested}: warning: this form has no scenarios" in out
    assert "OK: 2 forms checked, 0 errors, 1 warning" in out
    assert main(["check", "--strict", str(tested.parent)]) == 1
    # a form named on the command line finds the scenario files beside it
    assert main(["check", "--strict", str(tested)]) == 0, capsys.readouterr().out


def test_a_variant_needs_a_scenario_file_of_its_own(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    tested, _ = _two_forms(write)
    variant = write("noord/tested.form.yaml", "extends: ../tested.form.yaml\nid: probe-noord\n")
    (tested.parent / "untested.form.yaml").unlink()
    folder = str(tested.parent)
    assert main(["test", "--require-coverage", folder]) == 1
    assert f"{variant}: error: this form has no scenarios" in capsys.readouterr().out
    # what the variant inherits is covered by the base's scenarios: one scenario of its own does
    write(
        "noord/tested.scenarios.yaml",
        """
        form: tested.form.yaml
        scenarios:
          - name: the variant shows the base's question
            expect: {visible: [reden]}
        """,
    )
    assert main(["test", "--require-coverage", folder]) == 0, capsys.readouterr().out


# ---------------------------------------------------------------------- migration scenarios


def _kennismaking(tmp_path: Path) -> Path:
    folder = tmp_path / "voorbeeld"
    shutil.copytree(REPOSITORY / "definitions" / "voorbeeld", folder)
    return folder


def test_migration_scenarios_run_in_popo_test(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _kennismaking(tmp_path)
    scenarios = folder / "kennismaking.v2.scenarios.yaml"
    scenarios.write_text(
        scenarios.read_text()
        + """
migrations:
  - name: conflict wordt anders
    from: 1
    answers: {reden: conflict, toelichting: Ruzie.}
    expect:
      answers: {overstapreden: anders, toelichting: Ruzie.}
      visible: [toelichting]
      errors: {ouders_akkoord: required_choice}
  - name: a typo in the old answers
    from: 1
    answers: {redn: conflict}
    expect:
      answers: {overstapreden: anders}
  - name: a wrong expectation
    from: 1
    answers: {reden: conflict, toetsen: [{toets: Rekenen, score: 3}]}
    expect:
      answers: {overstapreden: verhuizing, toetsen: [{score: 4}]}
      dropped: [toelichting]
  - name: no such migration
    from: 3
    answers: {reden: conflict}
    expect:
      answers: {overstapreden: anders}
  - name: typos in the expectation
    from: 1
    answers: {reden: verhuizing}
    expect:
      answers: {overstapredn: anders, overstapreden: verhuizng}
"""
    )
    first = scenarios.read_text().splitlines().index("migrations:") + 1
    assert main(["test", str(scenarios)]) == 1
    out = capsys.readouterr().out

    def at(line: int, column: int) -> str:
        return f"{scenarios}:{first + line}:{column}: migration "

    assert "'conflict wordt anders'" not in out
    assert (
        at(10, 15) + "'a typo in the old answers': 'redn' is not a field of version 1 "
        "(did you mean 'reden'?)" in out
    )
    assert (
        at(17, 32) + "'a wrong expectation': expected overstapreden = \"verhuizing\" after "
        'the migration, got "anders"' in out
    )
    assert (
        at(17, 53) + "'a wrong expectation': expected toetsen = [{score: 4}] after the "
        "migration, got [{toets: Rekenen, score: 3}]" in out
    )
    assert at(18, 16) + "'a wrong expectation': the migration does not drop [toelichting]" in out
    assert (
        at(20, 11) + "'no such migration': version 2 of 'kennismaking' declares no migration "
        "from version 3 (it migrates from 1)" in out
    )
    assert (
        at(28, 17) + "'typos in the expectation': 'overstapredn' is not a field of version 2 "
        "(did you mean one of 'overstapreden', 'overstapdatum'?)" in out
    )
    assert (
        at(28, 54) + "'typos in the expectation': \"verhuizng\" is not a choice of "
        "'overstapreden' (did you mean 'verhuizing'?)" in out
    )


def test_a_migration_that_drops_answers_must_say_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _kennismaking(tmp_path)
    v2 = folder / "kennismaking.v2.form.yaml"
    text = v2.read_text().replace("changes:\n", "changes:\n  - remove: overstapdatum\n", 1)
    v2.write_text(text + "    drop: [overstapdatum]\n")
    scenarios = folder / "kennismaking.v2.scenarios.yaml"
    scenarios.write_text(
        "form: kennismaking.v2.form.yaml\n"
        "migrations:\n"
        "  - name: the explanation is left behind\n"
        "    from: 1\n"
        "    answers: {reden: anders, overstapdatum: 2027-03-01}\n"
        "    expect:\n"
        "      answers: {overstapreden: anders}\n"
    )
    assert main(["test", str(scenarios)]) == 1
    out = capsys.readouterr().out
    assert (
        f"{scenarios}:6:5: migration 'the explanation is left behind': the migration drops "
        "[overstapdatum]; confirm it with dropped: [overstapdatum]" in out
    )
    scenarios.write_text(scenarios.read_text() + "      dropped: [overstapdatum]\n")
    assert main(["test", str(scenarios)]) == 0, capsys.readouterr().out


def test_the_okr_migration_has_scenarios() -> None:
    from engine.scenarios import run_file

    path = REPOSITORY / "definitions" / "base" / "onderwijskundig-rapport.v2.scenarios.yaml"
    run = run_file(path)
    assert not run.failures and not run.diagnostics.items
    assert "migrations:" in path.read_text()


def test_a_migration_scenario_for_drafts_that_finish_on_the_old_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`drafts: finish` moves no answers: a migration scenario of it cannot pass."""
    folder = _kennismaking(tmp_path)
    v2 = folder / "kennismaking.v2.form.yaml"
    text = v2.read_text()
    v2.write_text(
        text[: text.index("migrations:")] + "migrations:\n  - from: 1\n    drafts: finish\n"
    )
    scenarios = folder / "kennismaking.v2.scenarios.yaml"
    scenarios.write_text(
        "form: kennismaking.v2.form.yaml\n"
        "migrations:\n"
        "  - name: conflict wordt anders\n"
        "    from: 1\n"
        "    answers: {reden: conflict}\n"
        "    expect:\n"
        "      answers: {overstapreden: anders}\n"
    )
    assert main(["test", str(scenarios)]) == 1
    assert (
        f"{scenarios}:4:11: migration 'conflict wordt anders': drafts of version 1 finish on "
        "version 1 (drafts: finish), so their answers never move to version 2"
    ) in capsys.readouterr().out


# ------------------------------------------------- scenario files that cannot be read (issue 10)


def test_a_forgotten_dash_between_scenarios_names_the_dash_and_hides_coverage(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    tested, untested = _two_forms(write)
    untested.unlink()
    scenarios = write(
        "tested.scenarios.yaml",
        """
        form: tested.form.yaml
        scenarios:
          - name: both ways
            answers: {reden: a}
            expect: {visible: [toelichting]}
            name: other way
            answers: {reden: b}
            expect: {hidden: [toelichting]}
        """,
    )
    assert main(["test", "--require-coverage", str(tested.parent)]) == 1
    out = capsys.readouterr().out
    assert (
        f"{scenarios}:6:5: error: the key 'name' appears twice in this mapping\n"
        "  at scenarios[0].name\n"
        "  hint: did you forget '- ' before 'name' at line 6? each list item starts with '- '; "
        "else remove one of them (the first is at line 3)\n" in out
    )
    assert (
        f"{scenarios}:7:5: error: the key 'answers' appears twice in this mapping\n"
        "  at scenarios[0].answers\n"
        "  hint: did you forget '- ' before 'name' at line 6? each list item starts with '- '; "
        "else remove one of them (the first is at line 4)\n" in out
    )
    # the file names its form: no claim that nothing does, and no coverage guessed
    assert "has no scenarios" not in out
    assert "not covered" not in out
    assert (
        f"{tested}: coverage unknown until the errors in {scenarios} are fixed "
        "(the scenarios in it did not run)" in out
    )
    assert "scenarios: 0 passed, 0 failed, 3 file errors\n" in out
    assert main(["check", "--strict", str(tested)]) == 0, capsys.readouterr().out


def test_a_misspelt_expectation_does_not_list_the_form_as_uncovered(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    tested, untested = _two_forms(write)
    untested.unlink()
    text = (tested.parent / "tested.scenarios.yaml").read_text(encoding="utf-8")
    scenarios = write("tested.scenarios.yaml", text.replace("{visible:", "{visibel:"))
    assert main(["test", "--require-coverage", str(tested.parent)]) == 1
    out = capsys.readouterr().out
    assert f"{scenarios}:5:14: error: unknown key 'visibel'" in out
    assert "not covered" not in out
    assert f"{tested}: coverage unknown until the errors in {scenarios} are fixed" in out


def test_a_yesno_answer_is_true_or_false(write: Write, capsys: pytest.CaptureFixture[str]) -> None:
    write(
        "f.form.yaml",
        form_yaml(
            """
            - id: behoefte
              type: yesno
              label: Ondersteuningsbehoefte
            """
        ),
    )
    scenarios = write(
        "f.scenarios.yaml",
        """
        form: f.form.yaml
        scenarios:
          - name: ja is no yes/no answer
            answers: {behoefte: ja}
            expect: {valid: true}
          - name: nor is a quoted "false"
            answers: {behoefte: "false"}
            expect: {valid: true}
          - name: true is
            answers: {behoefte: true}
            expect: {valid: true}
        """,
    )
    assert main(["test", str(scenarios)]) == 1
    out = capsys.readouterr().out
    assert (
        f"{scenarios}:4:25: scenario 'ja is no yes/no answer': \"ja\" is not a yes/no answer "
        "('behoefte' is a yesno field); write true or false" in out
    )
    assert f"{scenarios}:7:26: scenario 'nor is a quoted \"false\"': " in out
    assert "scenarios: 1 passed, 2 failed" in out
