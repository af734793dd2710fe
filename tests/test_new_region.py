"""`popo new-region`: a new region's folder that checks clean and passes its own tests."""

from __future__ import annotations

import io
import re
import shlex
import shutil
from pathlib import Path

import pytest

from engine.scenarios import run_file
from engine.yamlsource import load_file, load_text
from runtime.cli import main

from .conftest import REPOSITORY

INSTRUMENTS = (
    "overstapformulier",
    "onderwijskundig-rapport",
    "adviesformulier",
    "aanmeldformulier",
)
# the support requests to the SWV: a region gets a variant of each procedure (their forms are
# not instruments, so the variants name the base's request forms)
SUPPORT = ("arrangement", "consultatie", "extra-ondersteuning", "mdo", "tlv-aanvraag")
PROCEDURES = ("aanmelding", "tussentijdse-overstap", *SUPPORT)


@pytest.fixture
def definitions(tmp_path: Path) -> Path:
    """A copy of the shipped definitions/ to scaffold into."""
    target = tmp_path / "definitions"
    shutil.copytree(REPOSITORY / "definitions", target)
    return target


def popo(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    status = main(list(args), out)
    return status, out.getvalue()


def test_a_region_from_the_base_has_the_four_instruments(definitions: Path) -> None:
    status, output = popo("new-region", "west", "--from", "base", "--dir", str(definitions))
    assert status == 0, output
    west = definitions / "west"
    assert f"OK: 4 forms and {len(PROCEDURES)} procedures in {west}, 0 problems" in output
    assert sorted(p.name for p in west.iterdir()) == sorted(
        ["README.md"]
        + [f"{name}.form.yaml" for name in INSTRUMENTS]
        + [f"{name}.procedure.yaml" for name in PROCEDURES]
        + [f"{name}.scenarios.yaml" for name in (*INSTRUMENTS, *PROCEDURES)]
    )
    for name in INSTRUMENTS:
        form = load_file(west / f"{name}.form.yaml")
        expected_base = (
            "../base/onderwijskundig-rapport.v2.form.yaml"  # the newest version
            if name == "onderwijskundig-rapport"
            else f"../base/{name}.form.yaml"
        )
        assert form["extends"] == expected_base
        assert form["id"] == f"{name}-west"
        assert form["version"] == 1
        assert form["region"] == "west"
        assert set(form["title"]) == {"nl", "en"}
        assert form["title"]["nl"].endswith("Regio West")
        assert form["title"]["en"].endswith("Region West")
        assert form["changes"] == []
    assert (west / "README.md").read_text().startswith("# Regio West\n")


def test_the_new_region_checks_clean_and_passes_with_coverage(definitions: Path) -> None:
    assert popo("new-region", "west", "--dir", str(definitions))[0] == 0
    status, output = popo("check", "--strict", str(definitions / "west"))
    assert status == 0, output
    assert f"OK: 4 forms and {len(PROCEDURES)} procedures checked, 0 errors, 0 warnings" in output
    status, output = popo("test", "--require-coverage", str(definitions))
    assert status == 0, output
    assert ", 0 failed" in output
    # the region's folder on its own: its procedures are named by its own scenario files
    status, output = popo("test", "--require-coverage", str(definitions / "west"))
    assert status == 0, output
    assert "without scenarios" not in output


def test_a_region_from_the_base_has_a_variant_of_each_procedure(definitions: Path) -> None:
    status, output = popo("new-region", "west", "--dir", str(definitions))
    assert status == 0, output
    west = definitions / "west"
    procedure = west / "aanmelding.procedure.yaml"
    data = load_file(procedure)
    assert data["extends"] == "../base/aanmelding.v2.procedure.yaml"  # the newest base
    assert (data["id"], data["version"], data["region"]) == ("aanmelding-west", 1, "west")
    assert data["title"] == {
        "nl": "Aanmelding door ouders – Regio West",
        "en": "Registration by parents – Region West",
    }
    assert data["changes"] == []
    text = procedure.read_text()
    # an example of changes, commented out: the region's own form (version 2 has no term of
    # its own: the law's terms are the admission: block's)
    assert (
        "# changes:\n"
        "#   - modify: aanmelden      # needs the region's form, not the base's\n"
        "#     set:\n"
        "#       needs: [aanmeldformulier-west]\n" in text
    )
    assert "beslistermijn" not in text
    assert (
        "note: aanmelding.procedure.yaml still names the base's aanmeldformulier, not the "
        "region's aanmeldformulier-west: the comment in it shows how to change that" in output
    )
    scenarios = load_file(west / "aanmelding.scenarios.yaml")
    assert scenarios["procedure"] == "aanmelding.procedure.yaml"
    assert [s["expect"]["status"] for s in scenarios["scenarios"]] == ["concept", "aangemeld"]
    readme = (west / "README.md").read_text()
    assert "| `aanmelding.procedure.yaml` | — |" in readme
    assert "popo publish definitions/west/PROCEDURE.procedure.yaml --dir definitions" in readme


def test_the_example_changes_of_a_scaffolded_procedure_work_and_its_scenarios_notice(
    definitions: Path,
) -> None:
    """A consultant follows the comment: the region's own form and a shorter term. The derived
    scenario about the first step now fails, at its line, until it sends the region's form."""
    assert popo("new-region", "west", "--dir", str(definitions))[0] == 0
    procedure = definitions / "west" / "aanmelding.procedure.yaml"
    text = procedure.read_text()
    example = [line[2:] for line in text.split("\n") if line.startswith(("# changes:", "#  "))]
    procedure.write_text(text.replace("changes: []\n", "\n".join(example) + "\n"))
    status, output = popo("check", "--strict", str(definitions / "west"))
    assert status == 0, output
    scenarios = definitions / "west" / "aanmelding.scenarios.yaml"
    run = run_file(scenarios)
    assert run.passed == 1 and run.total == 2
    shown = [f.render() for f in run.failures]
    assert (
        f"{scenarios}:19:15: scenario 'de eerste stap: aanmelden': status is 'concept', not "
        "'aangemeld'" in shown
    ), shown
    assert any("aanmeldformulier-west" in line for line in shown), shown
    scenarios.write_text(
        scenarios.read_text().replace("{form: aanmeldformulier,", "{form: aanmeldformulier-west,")
    )
    run = run_file(scenarios)
    assert run.passed == run.total == 2
    status, output = popo("test", "--require-coverage", str(definitions))
    assert status == 0, output


def test_the_scaffolded_scenarios_test_the_form_and_fail_when_it_changes(
    definitions: Path,
) -> None:
    assert popo("new-region", "west", "--dir", str(definitions))[0] == 0
    scenarios = definitions / "west" / "overstapformulier.scenarios.yaml"
    run = run_file(scenarios)
    assert run.total >= 1 and run.passed == run.total and not run.diagnostics.errors
    text = scenarios.read_text()
    assert "reden: Kies een antwoord." in text  # the form's own question, not only the pupil's
    assert "reden: Choose an answer." in text  # and in English
    # the region makes the reason optional: the scenario about it now fails, at its line
    form = definitions / "west" / "overstapformulier.form.yaml"
    form.write_text(
        form.read_text().replace(
            "changes: []", "changes:\n  - modify: reden\n    set: {required: false}"
        )
    )
    run = run_file(scenarios)
    assert run.passed < run.total
    line = text.split("\n").index("        reden: Kies een antwoord.") + 1
    assert any(
        f.location.line == line and "expected errors at 'reden'" in f.message for f in run.failures
    ), [f.render() for f in run.failures]


def test_a_region_from_another_region_copies_its_changes_and_scenarios(
    definitions: Path,
) -> None:
    status, output = popo("new-region", "oost", "--from", "noord", "--dir", str(definitions))
    assert status == 0, output
    oost = definitions / "oost"
    form = load_file(oost / "overstapformulier.form.yaml")
    noord = load_file(definitions / "noord" / "overstapformulier.form.yaml")
    assert form["extends"] == "../base/overstapformulier.form.yaml"  # noord's base, not noord
    assert (form["id"], form["version"], form["region"]) == ("overstapformulier-oost", 1, "oost")
    assert form["title"]["nl"] == "Overstapformulier – Regio Oost"
    assert form["changes"] == noord["changes"]
    text = (oost / "overstapformulier.form.yaml").read_text()
    assert (
        "noord"
        not in "\n".join(line for line in text.split("\n") if not line.startswith("#")).lower()
    )
    scenarios = oost / "overstapformulier.scenarios.yaml"
    assert (
        load_file(scenarios)["scenarios"]
        == load_file(definitions / "noord" / "overstapformulier.scenarios.yaml")["scenarios"]
    )
    assert popo("check", "--strict", str(oost))[0] == 0
    status, output = popo("test", "--require-coverage", str(definitions))
    assert status == 0, output


def test_a_region_from_another_region_copies_its_procedures_with_its_own_forms(
    definitions: Path,
) -> None:
    status, output = popo("new-region", "oost", "--from", "noord", "--dir", str(definitions))
    assert status == 0, output
    oost = definitions / "oost"
    procedure = load_file(oost / "tussentijdse-overstap.procedure.yaml")
    noord = load_file(definitions / "noord" / "tussentijdse-overstap.procedure.yaml")
    assert procedure["extends"] == "../base/tussentijdse-overstap.procedure.yaml"
    assert (procedure["id"], procedure["region"]) == ("tussentijdse-overstap-oost", "oost")
    # noord's changes, naming oost's forms where noord's named its own
    assert len(procedure["changes"]) == len(noord["changes"])
    assert procedure["changes"][0]["set"]["needs"] == ["overstapformulier-oost"]
    assert procedure["changes"][2]["set"]["amount"] == 5
    assert procedure["changes"][2]["set"]["expects"] == {"form": "onderwijskundig-rapport-oost"}
    scenarios = (oost / "tussentijdse-overstap.scenarios.yaml").read_text()
    assert "procedure: tussentijdse-overstap.procedure.yaml\n" in scenarios
    assert "{form: overstapformulier-oost, date: 2027-01-11}" in scenarios
    assert "vakantieregio: noord" in scenarios  # the school holidays' region is not POPO's
    assert "-noord" not in scenarios
    status, output = popo("check", "--strict", str(oost))
    assert status == 0, output
    status, output = popo("test", "--require-coverage", str(definitions))
    assert status == 0, output


def test_a_procedure_the_source_region_has_no_variant_of_starts_from_the_base(
    definitions: Path,
) -> None:
    for path in (definitions / "noord").glob("aanmelding.*"):
        path.unlink()
    (definitions / "popo.lock").write_text("forms: {}\n")  # nothing published
    status, output = popo("new-region", "oost", "--from", "noord", "--dir", str(definitions))
    assert status == 0, output
    assert (
        "note: the folder you started from has no variant of the procedure 'aanmelding': "
        "aanmelding.procedure.yaml starts from the base's aanmelding.v2.procedure.yaml" in output
    )
    oost = definitions / "oost"
    assert load_file(oost / "aanmelding.procedure.yaml")["extends"] == (
        "../base/aanmelding.v2.procedure.yaml"
    )
    assert load_file(oost / "tussentijdse-overstap.procedure.yaml")["changes"]  # noord's copy
    status, output = popo("check", "--strict", str(oost))
    assert status == 0, output
    status, output = popo("test", "--require-coverage", str(definitions))
    assert status == 0, output


def test_new_region_refuses_a_base_with_a_broken_procedure(definitions: Path) -> None:
    procedure = definitions / "base" / "aanmelding.procedure.yaml"
    procedure.write_text(procedure.read_text().replace("to: ingeschreven", "to: ingeschrevn"))
    status, output = popo("new-region", "west", "--dir", str(definitions))
    assert status == 2
    assert "has procedures with errors (aanmelding.procedure.yaml)" in output
    assert not (definitions / "west").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["noord"],
            "error: {dir}/noord already exists: choose another name, or remove the folder "
            "first; nothing was written",
        ),
        (["West"], "error: 'West' is not a valid region name: use lower-case letters"),
        (["noord holland"], "error: 'noord holland' is not a valid region name"),
        (["base"], "'base' is reserved"),
        (
            ["west", "--from", "bsae"],
            "error: there is no folder {dir}/bsae to start from (did you mean 'base'?)",
        ),
    ],
)
def test_new_region_refuses_clearly(definitions: Path, args: list[str], message: str) -> None:
    before = sorted(p.name for p in definitions.iterdir())
    status, output = popo("new-region", *args, "--dir", str(definitions))
    assert status == 2
    assert message.format(dir=definitions) in output
    assert sorted(p.name for p in definitions.iterdir()) == before


def test_new_region_refuses_a_base_without_all_four_instruments(definitions: Path) -> None:
    (definitions / "base" / "aanmeldformulier.form.yaml").unlink()
    status, output = popo("new-region", "west", "--dir", str(definitions))
    assert status == 2
    assert f"error: {definitions}/base has no aanmeldformulier" in output
    assert not (definitions / "west").exists()


def test_new_region_refuses_a_base_with_errors(definitions: Path) -> None:
    form = definitions / "base" / "adviesformulier.form.yaml"
    form.write_text(form.read_text().replace("kind: adviesformulier", "kind: advies"))
    status, output = popo("new-region", "west", "--dir", str(definitions))
    assert status == 2
    assert "has forms with errors (adviesformulier.form.yaml)" in output
    assert f"run popo check {definitions}/base" in output


def test_popo_check_holds_a_variant_to_the_same_region_names(definitions: Path) -> None:
    folder = definitions / "proef"
    folder.mkdir()
    (folder / "adviesformulier.form.yaml").write_text(
        "extends: ../base/adviesformulier.form.yaml\n"
        "id: adviesformulier-proef\n"
        "version: 1\n"
        "region: Noord West\n"
        "changes: []\n"
    )
    status, output = popo("check", str(folder))
    assert status == 1
    assert (
        f"{folder}/adviesformulier.form.yaml:4:9: error: 'Noord West' is not a valid region name"
        in output
    )
    assert "hint: use lower-case letters and digits, words joined by '-'" in output


GUIDE = REPOSITORY / "docs" / "regions.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.DOTALL | re.MULTILINE)
INSTEAD = re.compile(r"^# in (\S+), instead of (.+)$")
AS_WRITTEN = re.compile(r"^# (\S+), as new-region writes it$")
AT_THE_END = re.compile(r"^# at the end of (\S+)$")


def test_the_regions_guide_works_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Follow docs/regions.md in a copy of definitions/: every command, every edit, in order."""
    shutil.copytree(REPOSITORY / "definitions", tmp_path / "definitions")
    monkeypatch.chdir(tmp_path)
    ran: list[str] = []
    followed = 0
    for language, block in FENCE.findall(GUIDE.read_text(encoding="utf-8")):
        first, _, rest = block.partition("\n")
        if language == "sh":
            for line in block.strip().split("\n"):
                argv = shlex.split(line)
                assert argv[0] == "popo", line
                status, output = popo(*argv[1:])
                assert status == 0, f"{line}\n{output}"
                ran.append(argv[1])
        elif language == "yaml" and (written := AS_WRITTEN.match(first)):
            assert load_file(Path(written.group(1))) == load_text(rest, "regions.md")
            followed += 1
        elif language == "yaml" and (instead := INSTEAD.match(first)):
            target = Path(instead.group(1))
            text = target.read_text(encoding="utf-8")
            assert text.count(instead.group(2) + "\n") == 1, (target, instead.group(2))
            target.write_text(text.replace(instead.group(2) + "\n", rest), encoding="utf-8")
            followed += 1
        elif language == "yaml" and (end := AT_THE_END.match(first)):
            target = Path(end.group(1))
            target.write_text(target.read_text(encoding="utf-8") + rest, encoding="utf-8")
            followed += 1
        elif language == "" and ": error: " in first:
            # the documented typo gives the documented message, at the documented place
            form = Path(first.split(":", 1)[0])
            good = form.read_text(encoding="utf-8")
            form.write_text(good.replace("modify: reden_toelichting", "modify: redne_toelichting"))
            status, output = popo("check", str(form.parent))
            form.write_text(good)
            shown = output.split("\n")
            assert status == 1 and all(line in shown for line in block.strip().split("\n")), output
    assert followed == 3
    assert ran.count("new-region") == 1 and "test" in ran and "diff" in ran
    # all four forms, published with the region's changes, and the two procedures
    assert ran.count("publish") == 6
    lock = (tmp_path / "definitions" / "popo.lock").read_text(encoding="utf-8")
    assert "overstapformulier-west" in lock
    assert "\nprocedures:\n" in lock and "  tussentijdse-overstap-west@1:\n" in lock
    assert "swv_consulent_betrokken" in (
        tmp_path / "definitions" / "west" / "overstapformulier.form.yaml"
    ).read_text(encoding="utf-8")
    status, output = popo("test", "--require-coverage", "definitions")
    assert status == 0, output
