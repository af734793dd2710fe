"""Placement policies (*.placement.yaml): every check at the author's line and column, the
aanmeldformulier's questions and the register of schools, the lock, the JSON schema, and a
child's priority group at a school from the facts the runtime gathers."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import jsonschema
import pytest
import yaml

from engine.api import check_file
from engine.placement import (
    ChildFacts,
    check_placement_file,
    compile_placement_file,
    postcode4,
)
from engine.schema import definition_schema
from engine.workspace import open_workspace
from runtime.cli import main

from .conftest import REPOSITORY

Write = Callable[[str, str], Path]
SHIPPED = REPOSITORY / "definitions" / "noord" / "plaatsing.placement.yaml"
NOORD_FORM = REPOSITORY / "definitions" / "noord" / "aanmeldformulier.form.yaml"

POLICY = """
id: proef
version: 1
title: {nl: Proefronde, en: Trial round}
languages: [nl, en]
region: noord
round:
  registration_opens: 2027-01-11
  registration_closes: 2027-03-05
  runs_on: 2027-03-15
  results_published: 2027-03-22
lottery: per_school
max_preferences: 2
groups:
  - {id: broer_zus, label: {nl: Broer of zus, en: Sibling}, rule: sibling}
  - id: opgegeven
    label: {nl: Volgens de ouders, en: According to the parents}
    rule: answer
    field: broer_zus
    first_choice_only: true
  - {id: buurt, label: {nl: Buurt, en: Neighbourhood}, rule: neighbourhood, schools: [12AB00]}
schools:
  - {school: 12AB00, capacity: 2, postcodes: [9711]}
  - {school: 34CD00, capacity: 1, postcodes: [9712]}
"""


def _errors(path: Path, **kwargs: object) -> list[str]:
    result = check_placement_file(path, **kwargs)  # type: ignore[arg-type]
    return [d.render() for d in result.diagnostics.sorted()]


def _heads(path: Path, **kwargs: object) -> list[str]:
    return [line.splitlines()[0] for line in _errors(path, **kwargs)]


def test_the_shipped_policy_checks_clean_and_compiles(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["check", "--strict", str(REPOSITORY / "definitions")]) == 0
    out = capsys.readouterr().out
    assert "1 placement policy and 11 overviews checked, 0 errors, 0 warnings" in out
    policy = compile_placement_file(SHIPPED)
    assert (policy.id, policy.version, policy.region) == ("plaatsing-noord", 1, "noord")
    assert policy.group_ids == ("broer_zus", "broer_zus_opgegeven", "buurt")
    assert {code: s.capacity for code, s in policy.schools.items()} == {
        "12AB00": 12,
        "34CD00": 10,
    }
    assert policy.schools["12AB00"].postcodes == frozenset({"9711", "9713"})
    assert policy.registration_window(date(2026, 11, 20))
    assert not policy.registration_window(date(2026, 11, 21))


def test_the_shipped_policy_matches_the_json_schema() -> None:
    data = json.loads(json.dumps(yaml.safe_load(SHIPPED.read_text()), default=str))
    jsonschema.validate(data, definition_schema())
    data["schools"][0]["capacty"] = 3
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, definition_schema())


def test_every_problem_at_its_line_and_column(write: Write) -> None:
    path = write(
        "proef.placement.yaml",
        POLICY.replace("registration_closes: 2027-03-05", "registration_closes: 2027-01-05")
        .replace("runs_on: 2027-03-15", "runs_on: 2027-01-05")
        .replace("rule: sibling", "rule: siblings")
        .replace("id: buurt", "id: broer_zus")
        .replace("schools: [12AB00]", "schools: [12AB01]")
        .replace("{school: 34CD00, capacity: 1", "{school: 34CD00, capacity: 0")
        .replace("postcodes: [9712]", 'postcodes: ["9712 BB"]')
        + "  - {school: 12AB00, capacity: 4}\n  - {school: 56ef00, capacity: 4}\n",
    )
    heads = _heads(path, forms=[])
    assert heads == [
        f"{path}:8:24: error: registration closes (2027-01-05) before registration opens "
        "(2027-01-11)",
        f"{path}:9:12: error: the round runs (2027-01-05) on the day registration closes "
        "(2027-01-05)",
        f"{path}:14:67: error: there is no rule 'siblings'",
        f"{path}:20:10: error: the priority group 'broer_zus' is defined twice",
        f"{path}:20:91: error: the school 12AB01 does not take part in this round",
        f"{path}:23:32: error: the school 34CD00 has a capacity of 0",
        f"{path}:23:47: error: '9712 BB' is not a 4-digit postcode",
        f"{path}:24:14: error: the school 12AB00 is listed twice",
        f"{path}:25:14: error: '56ef00' is not the code of a school location",
    ]
    rendered = "\n".join(_errors(path, forms=[]))
    assert "hint: did you mean 'sibling'?" in rendered
    assert "hint: did you mean '12AB00'?" in rendered
    assert "hint: write 56EF00" in rendered
    assert "(the first is at line 14)" in rendered


def test_a_wrong_key_is_reported_and_the_rest_still_checked(write: Write) -> None:
    path = write(
        "proef.placement.yaml",
        POLICY.replace("rule: sibling}", "rule: sibling, lable: x}").replace(
            "lottery: per_school", "lottery: per-school"
        ),
    )
    heads = _heads(path, forms=[])
    assert f"{path}:11:10: error: 'per-school' is not allowed here" in heads
    assert f"{path}:14:76: error: unknown key 'lable'" in heads
    # the group with the wrong key is left out: nothing about it is reported again
    assert not any("broer_zus" in head for head in heads)
    assert len(heads) == 2
    assert check_placement_file(path, forms=[]).compiled is None


def test_answer_groups_name_a_yes_no_question_of_the_regions_aanmeldformulier(
    write: Write,
) -> None:
    forms = [check_file(NOORD_FORM)]
    good = write("good.placement.yaml", POLICY)
    assert _errors(good, forms=forms) == []
    misspelt = write("a.placement.yaml", POLICY.replace("field: broer_zus", "field: broer_zuss"))
    (error,) = _errors(misspelt, forms=forms)
    assert error.startswith(
        f"{misspelt}:18:12: error: the aanmeldformulier of region noord has no question "
        "'broer_zuss'"
    )
    assert "hint: did you mean 'broer_zus'?" in error
    text = write("b.placement.yaml", POLICY.replace("field: broer_zus", "field: kind_achternaam"))
    assert _heads(text, forms=forms) == [
        f"{text}:18:12: error: the question 'kind_achternaam' is of type text, and rule: answer "
        "needs a yes/no question"
    ]
    missing = write("c.placement.yaml", POLICY.replace("    field: broer_zus\n", ""))
    assert _heads(missing, forms=forms) == [
        f"{missing}:17:11: error: the group 'opgegeven' has rule: answer and names no question"
    ]
    stray = write("d.placement.yaml", POLICY.replace("rule: sibling}", "rule: sibling, field: x}"))
    assert _heads(stray, forms=forms) == [
        f"{stray}:14:83: error: field: belongs to rule: answer, and this group has rule: sibling"
    ]


def test_schools_are_checked_against_the_register_when_one_is_given(write: Write) -> None:
    path = write("proef.placement.yaml", POLICY)
    assert _errors(path, forms=[]) == []  # popo check: no register at hand
    register = {"12AB00": "noord", "34CE00": "noord", "56EF00": "zuid"}
    errors = _errors(path, forms=[], register=register)
    assert [e.splitlines()[0] for e in errors] == [
        f"{path}:23:14: error: there is no school 34CD00"
    ]
    assert "hint: did you mean '34CE00'?" in errors[0]
    zuid = write("zuid.placement.yaml", POLICY.replace("34CD00", "56EF00"))
    assert _heads(zuid, forms=[], register=register) == [
        f"{zuid}:23:14: error: the school 56EF00 is in region zuid, and this is the policy of "
        "region noord"
    ]


def test_warnings_for_what_cannot_work_as_meant(write: Write) -> None:
    path = write(
        "proef.placement.yaml",
        POLICY.replace("max_preferences: 2", "max_preferences: 4").replace(
            ", postcodes: [9711]}", "}"
        ),
    )
    result = check_placement_file(path, forms=[])
    assert result.ok  # warnings only
    assert [d.render().splitlines()[0] for d in result.diagnostics.sorted()] == [
        f"{path}:12:18: warning: max_preferences is 4, and only 2 schools take part",
        f"{path}:22:14: warning: the school 12AB00 has no postcodes, so no child is in the "
        "neighbourhood group there",
    ]


def test_a_published_policy_is_locked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "definitions"
    (folder / "noord").mkdir(parents=True)
    policy = folder / "noord" / "plaatsing.placement.yaml"
    shutil.copy(SHIPPED, policy)
    (folder / "popo.lock").write_text("forms: {}\n")
    assert main(["publish", str(policy), "--dir", str(folder)]) == 0
    assert "published plaatsing-noord@1" in capsys.readouterr().out
    lock = yaml.safe_load((folder / "popo.lock").read_text())
    assert lock["placements"]["plaatsing-noord@1"]["file"] == "noord/plaatsing.placement.yaml"
    assert main(["check", str(folder)]) == 0
    capsys.readouterr()
    policy.write_text(policy.read_text().replace("capacity: 12", "capacity: 14"))
    assert main(["check", str(folder)]) == 1
    out = capsys.readouterr().out
    assert (
        f"{policy}:6:10: error: version 1 of 'plaatsing-noord' was published on "
        f"{date.today().isoformat()} and this file has been edited since" in out
    )
    assert "make a new version" in out and "version: 2" in out
    assert main(["publish", str(policy), "--dir", str(folder)]) == 1


def test_the_same_policy_version_twice_is_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "definitions"
    folder.mkdir()
    (folder / "a.placement.yaml").write_text(POLICY)
    (folder / "b.placement.yaml").write_text(POLICY)
    messages = [d.message for d in open_workspace([folder]).all_diagnostics()]
    assert any("the placement policy 'proef' version 1 is also defined in" in m for m in messages)


def test_a_childs_priority_group_at_each_school(write: Write) -> None:
    policy = compile_placement_file(write("proef.placement.yaml", POLICY))
    none = policy.no_group
    assert none == 3
    sibling_at_linde = ChildFacts(siblings_at=frozenset({"34CD00"}), postcode="9711")
    assert policy.rank(sibling_at_linde, "34CD00", 2) == 0
    # the neighbourhood group counts only at the school it names (schools: [12AB00])
    assert policy.rank(sibling_at_linde, "12AB00", 1) == 2
    assert policy.rank(ChildFacts(postcode="9712"), "34CD00", 1) == none
    said = ChildFacts(yes=frozenset({"broer_zus"}))
    assert policy.rank(said, "12AB00", 1) == 1  # the parents' answer, at the first choice
    assert policy.rank(said, "34CD00", 2) == none  # and only there
    assert [postcode4(p) for p in ("9711 AB", "9711ab", 9711, "0711", "97", None)] == [
        "9711",
        "9711",
        "9711",
        None,
        None,
        None,
    ]


def test_the_docs_whole_policy_checks_clean(tmp_path: Path) -> None:
    page = (REPOSITORY / "docs" / "placement.md").read_text(encoding="utf-8")
    example = page.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "plaatsing.placement.yaml"
    path.write_text(example, encoding="utf-8")
    result = check_placement_file(path, forms=[check_file(NOORD_FORM)])
    assert [d.render() for d in result.diagnostics] == []
    assert result.compiled is not None


def test_the_shipped_policy_is_published_and_offered() -> None:
    from runtime.definitions import Registry

    entry = Registry.load(REPOSITORY / "definitions").placement("plaatsing-noord")
    assert entry is not None and entry.published and entry.policy.version == 1
