"""Fragments and regional variants: reuse without copying, errors in the file that has them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from engine import compile_file, evaluate
from engine.api import check_file

Write = Callable[[str, str], Path]

BASE = """
id: basis
version: 1
title: Basis
kind: custom
choices:
  reden:
    - {value: verhuizing, label: Verhuizing}
    - {value: conflict, label: Conflict}
pages:
  - id: p
    title: Pagina
    sections:
      - id: s
        fields:
          - include: leerling.fragment.yaml
          - id: reden
            type: choice
            label: Reden
            choices: reden
          - id: opmerking
            type: text
            label: Opmerking
"""

FRAGMENT = """
fragment: leerling
choices:
  geslacht:
    - {value: m, label: Man}
    - {value: v, label: Vrouw}
fields:
  - id: naam
    type: text
    label: Naam
    required: true
  - id: geslacht
    type: choice
    label: Geslacht
    choices: geslacht
"""


def test_fragment_fields_and_choices_are_included(write: Write) -> None:
    write("leerling.fragment.yaml", FRAGMENT)
    form = compile_file(write("basis.form.yaml", BASE))
    assert [n.key for n in form.nodes if n.kind not in ("page", "section")] == [
        "naam",
        "geslacht",
        "reden",
        "opmerking",
    ]
    assert form.by_key["geslacht"].choice_values == {"m", "v"}


def test_an_error_in_a_fragment_points_into_the_fragment(write: Write) -> None:
    write("leerling.fragment.yaml", FRAGMENT.replace("required: true", "required: nam == 'x'"))
    result = check_file(write("basis.form.yaml", BASE))
    (diagnostic,) = result.diagnostics.errors
    assert diagnostic.location.file.endswith("leerling.fragment.yaml")
    assert (diagnostic.location.line, diagnostic.location.column) == (10, 15)
    assert diagnostic.hint == "did you mean 'naam'?"


def test_a_missing_fragment_is_reported_at_the_include(write: Write) -> None:
    result = check_file(write("basis.form.yaml", BASE))
    (diagnostic,) = result.diagnostics.errors
    assert diagnostic.message == "the fragment 'leerling.fragment.yaml' does not exist"
    assert diagnostic.location.line == 15


def test_a_variant_overrides_adds_removes_hides_and_changes_choices(write: Write) -> None:
    write("leerling.fragment.yaml", FRAGMENT)
    write("basis.form.yaml", BASE)
    variant = write(
        "regio/noord.form.yaml",
        """
        extends: ../basis.form.yaml
        id: basis-noord
        version: 1
        title: Basis Noord
        changes:
          - modify: reden
            set: {label: "Waarom?", required: true}
          - choices: reden
            remove: [conflict]
            add: [{value: school, label: Schoolkeuze}]
          - remove: opmerking
          - hide: geslacht
          - add:
              - {id: extra, type: text, label: Extra}
            after: naam
        """,
    )
    form = compile_file(variant)
    assert form.id == "basis-noord"
    assert [n.key for n in form.nodes if n.kind not in ("page", "section")] == [
        "naam",
        "extra",
        "geslacht",
        "reden",
    ]
    assert form.by_key["reden"].choice_values == {"verhuizing", "school"}
    assert form.by_key["reden"].element.label == "Waarom?"
    state = evaluate(form, {"geslacht": "m", "reden": "conflict"}, date(2027, 1, 1))
    assert state.visible["geslacht"] is False
    assert "geslacht" not in state.submission()
    assert state.errors["reden"][0].text("en") == "Choose one of the options."


def test_variant_mistakes_point_at_the_variant(write: Write) -> None:
    write("leerling.fragment.yaml", FRAGMENT)
    write("basis.form.yaml", BASE)
    variant = write(
        "noord.form.yaml",
        """
        extends: basis.form.yaml
        id: noord
        version: 1
        changes:
          - remove: opmerkingen
          - choices: redenen
            remove: [x]
          - hide: naam
            after: reden
        """,
    )
    result = check_file(variant)
    messages = [
        (d.location.file.endswith("noord.form.yaml"), d.location.line, d.message)
        for d in result.diagnostics.sorted()
    ]
    assert messages == [
        (True, 5, "the base has no page, section or field 'opmerkingen'"),
        (True, 6, "the base has no choice list 'redenen'"),
        (True, 9, "unknown key 'after' in a 'hide' change"),
    ]
    assert result.diagnostics.errors[0].hint == "did you mean 'opmerking'?"


def test_extends_cycle_is_reported(write: Write) -> None:
    write("a.form.yaml", "extends: b.form.yaml\nid: a\nversion: 1\n")
    result = check_file(write("b.form.yaml", "extends: a.form.yaml\nid: b\nversion: 1\n"))
    (diagnostic,) = result.diagnostics.errors
    # at the extends: that closes the cycle, not at the top of a file
    assert diagnostic.render().startswith(
        f"{result.path.parent / 'a.form.yaml'}:1:10: error: extends forms a cycle: "
    )


USES_CONFLICT = BASE.replace(
    """            label: Opmerking
""",
    """            label: Opmerking
            visible_if: reden == "conflict"
""",
)


def test_a_variant_that_removes_a_choice_the_base_uses_is_blamed(write: Write) -> None:
    write("leerling.fragment.yaml", FRAGMENT)
    base = write("basis.form.yaml", USES_CONFLICT)
    variant = write(
        "noord.form.yaml",
        """
        extends: basis.form.yaml
        id: noord
        changes:
          - choices: reden
            remove: [conflict]
        """,
    )
    (diagnostic,) = check_file(variant).diagnostics.errors
    assert diagnostic.render() == (
        f"{variant}:5:14: error: this change removes the choice 'conflict' of 'reden', which is "
        f"still used at {base}:23:34 "
        "(the visible_if of 'opmerking': reden == \"conflict\")\n"
        "  at changes[0].remove[0]\n"
        "  hint: keep it, or change that visible_if in this variant too "
        "(modify: opmerking, set: {visible_if: …}), or hide: opmerking"
    )


def test_a_variant_that_removes_a_field_the_base_uses_is_blamed(write: Write) -> None:
    write("leerling.fragment.yaml", FRAGMENT)
    base = write("basis.form.yaml", USES_CONFLICT)
    variant = write(
        "noord.form.yaml",
        """
        extends: basis.form.yaml
        id: noord
        changes:
          - remove: reden
        """,
    )
    (diagnostic,) = check_file(variant).diagnostics.errors
    assert str(diagnostic.location) == f"{variant}:4:13"
    assert diagnostic.message == (
        f"this change removes 'reden', which is still used at {base}:23:25 "
        "(the visible_if of 'opmerking': reden == \"conflict\")"
    )


def _variant_errors(write: Write, changes: str) -> list[str]:
    write("leerling.fragment.yaml", FRAGMENT)
    write("basis.form.yaml", BASE)
    variant = write(
        "noord.form.yaml",
        "extends: basis.form.yaml\nid: noord\nversion: 1\nchanges:\n" + changes,
    )
    return [d.render() for d in check_file(variant).diagnostics.sorted()]


def test_a_choice_added_without_its_dash_is_an_error(write: Write, tmp_path: Path) -> None:
    errors = _variant_errors(
        write,
        "  - choices: reden\n"
        "    add:\n"
        "      value: onderwijsconcept\n"
        "      label: Onderwijsconcept\n",
    )
    assert errors == [
        f"{tmp_path / 'noord.form.yaml'}:7:7: error: add needs a list; "
        "start each choice with '- '\n"
        "  at changes[0].add\n"
        "  hint: e.g.  - {value: school, label: Schoolkeuze}"
    ]


def test_a_replace_written_as_one_choice_is_an_error(write: Write, tmp_path: Path) -> None:
    errors = _variant_errors(
        write, "  - choices: reden\n    replace:\n      value: school\n      label: School\n"
    )
    assert errors == [
        f"{tmp_path / 'noord.form.yaml'}:7:7: error: the choice list 'reden' needs a list; "
        "start each choice with '- '\n"
        "  at changes[0].replace\n"
        "  hint: e.g.  - {value: school, label: Schoolkeuze}"
    ]


def test_choice_removals_take_values(write: Write, tmp_path: Path) -> None:
    write("leerling.fragment.yaml", FRAGMENT)
    write("basis.form.yaml", BASE)
    one = write(
        "een.form.yaml",
        "extends: basis.form.yaml\nid: een\nversion: 1\n"
        "changes:\n  - choices: reden\n    remove: conflict\n",
    )
    # one value without brackets removes that choice (and no other)
    assert compile_file(one).by_key["reden"].choice_values == {"verhuizing"}
    errors = _variant_errors(write, "  - choices: reden\n    remove:\n      value: conflict\n")
    assert errors == [
        f"{tmp_path / 'noord.form.yaml'}:7:7: error: remove needs the values of the choices "
        "to remove\n"
        "  at changes[0].remove\n"
        "  hint: e.g.  remove: [conflict]"
    ]


def test_remove_of_a_list_of_ids_asks_for_one_change_each(write: Write, tmp_path: Path) -> None:
    errors = _variant_errors(write, "  - remove: [opmerking, reden]\n")
    assert errors == [
        f"{tmp_path / 'noord.form.yaml'}:5:13: error: remove needs the id of one page, "
        "section or field\n"
        "  at changes[0].remove\n"
        "  hint: write one change per element, each starting with '- '"
    ]


def test_a_forgotten_dash_before_the_next_change_is_named(write: Write, tmp_path: Path) -> None:
    errors = _variant_errors(
        write,
        "  - choices: reden\n"
        "    remove: [conflict]\n"
        "    modify: reden\n"
        "    set: {label: Waarom?}\n",
    )
    # one error, not a second one for the 'set:' that belongs to the modify
    assert errors == [
        f"{tmp_path / 'noord.form.yaml'}:7:5: error: did you forget '- ' before 'modify'? "
        "each change is its own list item\n"
        "  at changes[0].modify"
    ]
    errors = _variant_errors(write, "  - remove: opmerking\n    hide: naam\n")
    assert errors == [
        f"{tmp_path / 'noord.form.yaml'}:6:5: error: did you forget '- ' before 'hide'? "
        "each change is its own list item\n"
        "  at changes[0].hide"
    ]


def test_a_misspelt_change_keyword_gets_a_suggestion(write: Write, tmp_path: Path) -> None:
    errors = _variant_errors(write, "  - modfy: reden\n    set: {label: Waarom?}\n")
    assert errors == [
        f"{tmp_path / 'noord.form.yaml'}:5:5: error: a change names exactly one of: "
        "modify, remove, hide, add, choices\n"
        "  at changes[0]\n"
        "  hint: did you mean 'modify'?"
    ]
