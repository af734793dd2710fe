"""Published versions are immutable; migrations are checked; edits are blamed on the edited file.

The details of `popo diff` are in test_diff.py."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from engine.api import check_file
from engine.versions import LockFile, diff, migrate_answers
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
        "compatible  field 'achternaam': new field",
        "BREAKING    field 'leeftijd': type integer → text",
        "BREAKING    field 'reden': choice 'c' removed",
        "compatible  field 'reden': choice 'd' added",
        "BREAKING    field 'akkoord': new required field (always)",
        "BREAKING    field 'los': moved from the top level into group 'rij'",
        "BREAKING    field 'naam': removed",
        "BREAKING    field 'opmerking': removed",
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
    messages = {
        d.message: d.hint for d in workspace.all_diagnostics() if d.severity.value == "error"
    }
    assert "version 1 has no field 'leefijd' to rename" in messages
    assert "'x' is not a choice of 'reden' in version 1" in messages
    loss = "the migration from version 1 loses answers: "
    assert messages[loss + "field 'opmerking' removed"] == (
        "add it to drop: (or rename: it) so that drafts carry over knowingly"
    )
    assert messages[loss + "field 'leeftijd' type integer → text"] == (
        "add it to drop: (its answers do not fit the new type)"
    )
    assert loss + "field 'los' moved from the top level into group 'rij'" in messages
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


# ---------------------------------------------------------------------- breaking without migration


def _errors(paths: list[Path]) -> list[str]:
    workspace = open_workspace(paths)
    return [d.render() for d in workspace.all_diagnostics() if d.severity.value == "error"]


def test_a_breaking_version_without_a_migration_fails_at_the_change(
    tmp_path: Path, write: Write
) -> None:
    write("okr.v1.form.yaml", V1)
    write("okr.v2.form.yaml", V2)
    errors = _errors([tmp_path])
    prefix = "version 2 of 'okr' breaks drafts of version 1 and has no migration from it: "
    hint = (
        "  hint: add 'migrations: [{from: 1}]' with rename:, values: or drop: to carry drafts "
        "over, or 'migrations: [{from: 1, drafts: finish}]' when drafts of version 1 are "
        "finished on version 1"
    )
    v2 = tmp_path / "okr.v2.form.yaml"
    # a removed field is no longer in the new version: the error is at its version
    assert f"{v2}:2:10: error: {prefix}field 'naam' removed\n  at version\n{hint}" in errors
    # a change the new version writes is reported where it is written
    assert f"{v2}:12:34: error: {prefix}field 'leeftijd' type integer → text" in "".join(errors)
    assert f"{v2}:16:22: error: {prefix}field 'reden' choice 'c' removed" in "".join(errors)
    assert f"{v2}:17:13: error: {prefix}field 'akkoord' new required field (always)" in "".join(
        errors
    )
    assert len(errors) == 6


def test_a_version_may_declare_that_drafts_finish_on_the_previous_one(
    tmp_path: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write("okr.v1.form.yaml", V1)
    v2 = write("okr.v2.form.yaml", V2 + "migrations:\n  - {from: 1, drafts: finish}\n")
    assert _errors([tmp_path]) == []
    assert main(["diff", str(tmp_path), "okr@1", "okr@2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("okr@1 → okr@2 (drafts of version 1 finish on that version)\n")
    assert "field 'naam'\n  BREAKING    removed\n" in out
    # finishing drafts on version 1 carries nothing over: a rename says otherwise
    v2.write_text(V2 + "migrations:\n  - {from: 1, drafts: finish, rename: {naam: achternaam}}\n")
    assert _errors([tmp_path]) == [
        f"{v2}:26:39: error: drafts of version 1 finish on version 1: no answers carry over to "
        "rename, map or drop\n  at migrations[0].rename\n"
        "  hint: remove 'rename:', or remove 'drafts: finish' to move drafts forward"
    ]
    v2.write_text(V2 + "migrations:\n  - {from: 1, drafts: later}\n")
    assert any("'later' is not allowed here" in e for e in _errors([tmp_path]))


def test_a_compatible_version_needs_no_migration(tmp_path: Path, write: Write) -> None:
    write("okr.v1.form.yaml", V1)
    write("okr.v2.form.yaml", V1.replace("version: 1", "version: 2").replace("Naam", "Voornaam"))
    assert _errors([tmp_path]) == []


# ---------------------------------------------------------------------- published versions


def _published_voorbeeld(tmp_path: Path, *forms: str) -> Path:
    folder = tmp_path / "definitions"
    shutil.copytree(REPOSITORY / "definitions" / "voorbeeld", folder / "voorbeeld")
    for form in forms:
        assert main(["publish", str(folder / "voorbeeld" / form), "--dir", str(folder)]) == 0
    return folder


ALL_KENNISMAKING = (
    "kennismaking.v1.form.yaml",
    "kennismaking.v2.form.yaml",
    "noord/kennismaking.form.yaml",
)


def test_the_lock_records_each_source_file_of_a_published_version(tmp_path: Path) -> None:
    folder = _published_voorbeeld(tmp_path, "noord/kennismaking.form.yaml")
    lock = LockFile.read(folder / "popo.lock")
    entry = lock.get("kennismaking-noord", 1)
    assert entry is not None
    assert sorted(entry.sources) == [
        "voorbeeld/fragments/leerling.fragment.yaml",
        "voorbeeld/kennismaking.v1.form.yaml",
        "voorbeeld/noord/kennismaking.form.yaml",
    ]
    # comments and layout are not content
    fragment = folder / "voorbeeld" / "fragments" / "leerling.fragment.yaml"
    fragment.write_text("# a comment\n" + fragment.read_text())
    assert _errors([folder]) == []


def test_editing_a_shared_fragment_names_the_fragment_and_the_versions_it_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _published_voorbeeld(tmp_path, *ALL_KENNISMAKING)
    fragment = folder / "voorbeeld" / "fragments" / "leerling.fragment.yaml"
    fragment.write_text(fragment.read_text().replace("Achternaam", "Familienaam"))
    capsys.readouterr()
    assert main(["check", str(folder)]) == 1
    out = capsys.readouterr().out
    assert out == (
        f"{fragment}:2:1: error: the fragment 'leerling' has been edited since "
        "kennismaking-noord@1, kennismaking@1 and kennismaking@2 were published with it, and "
        "published versions never change\n"
        "  at fragment\n"
        "  hint: undo the edit; to change those forms, copy this file to a new fragment file, "
        "edit the copy and include it from new versions (set version: one higher, run popo "
        "publish)\n"
        "FAILED: 3 forms checked, 1 error, 0 warnings\n"
    )


def test_editing_version_1_is_blamed_on_version_1_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _published_voorbeeld(tmp_path, *ALL_KENNISMAKING)
    v1 = folder / "voorbeeld" / "kennismaking.v1.form.yaml"
    v1.write_text(v1.read_text().replace("Licht de reden toe", "Leg de reden uit"))
    capsys.readouterr()
    assert main(["check", str(folder)]) == 1
    out = capsys.readouterr().out
    assert out == (
        f"{v1}:4:10: error: version 1 of 'kennismaking' was published on {date.today()} and "
        "this file has been edited since; the edit also changes kennismaking@2, which builds "
        "on it\n"
        "  at version\n"
        "  hint: undo the edit first (published versions never change); to change the form, "
        "make a new version: a new file that extends: this one, with version: 3 and your "
        "changes, then run popo publish\n"
        "FAILED: 3 forms checked, 1 error, 0 warnings\n"
    )
    assert main(["publish", str(v1), "--dir", str(folder)]) == 1


OLD_LOCK_FORM = """
id: {id}
version: 1
title: T
kind: custom
pages:
  - id: p
    title: P
    sections:
      - id: s
        fields:
          - {{id: eigen_{id}, type: text, label: Eigen}}
          - include: gedeeld.fragment.yaml
"""


def test_lock_files_without_source_hashes_still_single_out_the_edited_file(
    tmp_path: Path, write: Write
) -> None:
    a = write("a.form.yaml", OLD_LOCK_FORM.format(id="a"))
    write("b.form.yaml", OLD_LOCK_FORM.format(id="b"))
    fields = "fields:\n  - {id: naam, type: text, label: Naam}\n"
    fragment = write("gedeeld.fragment.yaml", "fragment: gedeeld\n" + fields)
    lock = LockFile(tmp_path / "popo.lock", {})
    for name in ("a", "b"):
        result = check_file(tmp_path / f"{name}.form.yaml")
        assert result.content_hash is not None
        lock.publish(name, 1, result.content_hash, result.path, sources=())
    lock.write()
    assert "sources" not in (tmp_path / "popo.lock").read_text()  # as written before sources
    fragment.write_text(fragment.read_text().replace("naam", "voornaam"))
    assert _errors([tmp_path]) == [
        f"{fragment}:1:1: error: the fragment 'gedeeld' has been edited since a@1 and b@1 were "
        "published with it, and published versions never change\n"
        "  at fragment\n"
        "  hint: undo the edit; to change those forms, copy this file to a new fragment file, "
        "edit the copy and include it from new versions (set version: one higher, run popo "
        "publish)"
    ]
    fragment.write_text(fragment.read_text().replace("voornaam", "naam"))
    a.write_text(a.read_text().replace("Eigen", "Anders"))
    errors = _errors([tmp_path])
    assert len(errors) == 1
    assert errors[0].startswith(
        f"{a}:2:10: error: version 1 of 'a' was published on {date.today()} and this file has "
        "been edited since\n"
    )
    # when the lock cannot tell a form from the fragment only it includes, both are named
    a.write_text(a.read_text().replace("gedeeld", "eigen"))
    write("eigen.fragment.yaml", "fragment: eigen\n" + fields)
    errors = _errors([tmp_path])
    assert len(errors) == 1
    assert errors[0].startswith(
        f"{a}:2:10: error: a@1 has been edited since it was published, in a.form.yaml or "
        "eigen.fragment.yaml (popo.lock does not record which files went into it)\n"
    )


def test_popo_diff_command(capsys: pytest.CaptureFixture[str]) -> None:
    definitions = str(REPOSITORY / "definitions")
    assert main(["diff", "kennismaking@1", "kennismaking@2", "--dir", definitions]) == 0
    out = capsys.readouterr().out
    assert out.startswith("kennismaking@1 → kennismaking@2 (with the migration from version 1)\n")
    assert (
        "field 'overstapreden'\n"
        "  migrated    renamed from 'reden'\n"
        "  migrated    choice 'conflict' removed (answers become 'anders')\n"
    ) in out
    assert "field 'ouders_akkoord'\n  BREAKING    new required field (always)\n" in out
    # the folder may come first
    assert main(["diff", definitions, "kennismaking@1", "kennismaking@2"]) == 0
    assert capsys.readouterr().out == out
    assert main(["diff", "kennismaking@1", "kennismaking@9", "--dir", definitions]) == 2
    assert "versions of the form 'kennismaking': 1, 2" in capsys.readouterr().out


def test_a_breaking_change_a_version_inherits_is_reported_in_its_own_file(
    tmp_path: Path, write: Write
) -> None:
    """v2 builds on v1 and removes a choice through a change of a shared list: the error is in
    v2 (the file to fix), never in v1 (published, not to be edited)."""
    v1 = V1.replace(
        "choices: [{value: a, label: A}, {value: b, label: B}, {value: c, label: C}]",
        "choices: redenen",
    ) + (
        "choices:\n  redenen: [{value: a, label: A}, {value: b, label: B}, {value: c, label: C}]\n"
    )
    write("okr.v1.form.yaml", v1)
    v2 = write(
        "okr.v2.form.yaml",
        "extends: okr.v1.form.yaml\nid: okr\nversion: 2\ntitle: OKR\n"
        "changes:\n  - choices: redenen\n    remove: [c]\n",
    )
    errors = _errors([tmp_path])
    assert len(errors) == 1, errors
    assert errors[0].startswith(
        f"{v2}:3:10: error: version 2 of 'okr' breaks drafts of version 1 and has no migration "
        "from it: field 'reden' choice 'c' removed"
    ), errors


def test_popo_diff_names_what_it_needs_without_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["diff", "definitions", "overstapformulier", "overstapformulier-noord"]) == 2
    out = capsys.readouterr().out
    assert out.startswith(
        "error: 'overstapformulier' is not ID@VERSION (the id of a form or procedure and a "
        "version number), e.g. onderwijskundig-rapport@2\nusage: popo diff [FOLDER] ID@A ID@B"
    )


def test_a_new_field_required_only_when_shown_says_so_in_the_diff(
    tmp_path: Path, write: Write
) -> None:
    old = write("okr.v1.form.yaml", V1)
    new = write(
        "okr.v2.form.yaml",
        V1.replace("version: 1", "version: 2")
        + "          - {id: uitleg, type: text, label: Uitleg, required: true,"
        ' visible_if: reden == "c"}\n',
    )
    changes = [str(c) for c in diff(check_file(old).checked, check_file(new).checked)]  # type: ignore[arg-type]
    assert "BREAKING    field 'uitleg': new required field (when shown)" in changes, changes
