"""Published versions are immutable; diffs classify changes; migrations are checked."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.api import check_file
from engine.versions import diff, migrate_answers
from engine.workspace import open_workspace
from runtime.cli import main

from .conftest import REPOSITORY

Write = Callable[[str, str], Path]

V1 = """
id: okr
version: 1
title: OKR
kind: custom
pages:
  - id: p
    title: P
    sections:
      - id: s
        fields:
          - {id: naam, type: text, label: Naam}
          - {id: leeftijd, type: integer, label: Leeftijd}
          - id: reden
            type: choice
            label: Reden
            choices: [{value: a, label: A}, {value: b, label: B}, {value: c, label: C}]
          - {id: opmerking, type: text, label: Opmerking}
          - {id: los, type: text, label: Los}
          - id: rij
            type: group
            label: Rijen
            fields:
              - {id: cel, type: text, label: Cel}
"""

V2 = """
id: okr
version: 2
title: OKR
kind: custom
pages:
  - id: p
    title: P
    sections:
      - id: s
        fields:
          - {id: achternaam, type: text, label: Achternaam}
          - {id: leeftijd, type: text, label: Leeftijd}
          - id: reden
            type: choice
            label: Reden
            choices: [{value: a, label: A}, {value: b, label: B}, {value: d, label: D}]
          - {id: akkoord, type: yesno, label: Akkoord, required: true}
          - id: rij
            type: group
            label: Rijen
            fields:
              - {id: cel, type: text, label: Cel}
              - {id: los, type: text, label: Los}
"""


def test_diff_classifies_each_change(write: Write) -> None:
    old = check_file(write("okr.v1.form.yaml", V1)).checked
    new = check_file(write("okr.v2.form.yaml", V2)).checked
    assert old is not None and new is not None
    lines = [str(c) for c in diff(old, new)]
    assert lines == [
        "BREAKING    removed field 'naam'",
        "BREAKING    type of 'leeftijd' changed from integer to text",
        "BREAKING    removed choice 'c' of 'reden'",
        "compatible  added choice 'd' to 'reden'",
        "BREAKING    removed field 'opmerking'",
        "BREAKING    'los' moved from the top level into rij",
        "compatible  new field 'achternaam'",
        "BREAKING    new required field 'akkoord' (always)",
    ]


def test_migration_is_checked_and_carries_answers(write: Write) -> None:
    write("okr.v1.form.yaml", V1)
    v2 = write(
        "okr.v2.form.yaml",
        V2
        + """
migrations:
  - from: 1
    rename: {naam: achternaam, leefijd: leeftijd}
    values:
      reden: {c: d, x: a}
""",
    )
    workspace = open_workspace([v2.parent])
    messages = [d.message for d in workspace.all_diagnostics() if d.severity.value == "error"]
    assert "version 1 has no field 'leefijd' to rename" in messages
    assert "'x' is not a choice of 'reden' in version 1" in messages
    assert "the migration from version 1 loses data: removed field 'opmerking'" in messages
    fixed = (
        V2
        + """
migrations:
  - from: 1
    rename: {naam: achternaam}
    values:
      reden: {c: d}
    drop: [opmerking, los, leeftijd]
"""
    )
    v2.write_text(fixed)
    workspace = open_workspace([v2.parent])
    assert workspace.ok, [d.render() for d in workspace.all_diagnostics()]
    new = workspace.find("okr", 2)
    assert new is not None and new.checked is not None and new.definition is not None
    answers, report = migrate_answers(
        {"naam": "Jansen", "reden": "c", "opmerking": "weg", "rij": [{"cel": "x"}]},
        new.definition.migrations[0],
        new.checked,
    )
    assert answers == {"achternaam": "Jansen", "reden": "d", "rij": [{"cel": "x"}]}
    assert report.renamed == [("naam", "achternaam")]
    assert report.dropped == ["opmerking"]


def test_editing_a_published_version_fails_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "definitions"
    shutil.copytree(REPOSITORY / "definitions" / "voorbeeld", folder / "voorbeeld")
    form = folder / "voorbeeld" / "kennismaking.v1.form.yaml"
    assert main(["publish", str(form), "--dir", str(folder)]) == 0
    assert (folder / "popo.lock").exists()
    assert main(["check", str(folder)]) == 0
    # editing the published version, or a fragment it includes, is caught
    fragment = folder / "voorbeeld" / "fragments" / "leerling.fragment.yaml"
    fragment.write_text(fragment.read_text().replace("Achternaam", "Familienaam"))
    capsys.readouterr()
    assert main(["check", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "version 1 of 'kennismaking' was published on" in out
    assert "has been edited since" in out
    assert main(["publish", str(form), "--dir", str(folder)]) == 1


def test_popo_diff_command(capsys: pytest.CaptureFixture[str]) -> None:
    definitions = str(REPOSITORY / "definitions")
    assert main(["diff", "kennismaking@1", "kennismaking@2", "--dir", definitions]) == 0
    out = capsys.readouterr().out
    assert "migrated    renamed field 'reden' to 'overstapreden'" in out
    assert (
        "migrated    removed choice 'conflict' of 'overstapreden' (answers become 'anders')" in out
    )
    assert "BREAKING    new required field 'ouders_akkoord' (always)" in out
    assert main(["diff", "kennismaking@1", "kennismaking@9", "--dir", definitions]) == 2
    assert "versions of 'kennismaking': 1, 2" in capsys.readouterr().out
