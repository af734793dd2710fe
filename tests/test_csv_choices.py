"""Choice lists from CSV files: read like inline lists, every problem at the CSV's line."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from engine import compile_file, evaluate
from engine.api import check_file
from engine.loader import load_definition
from engine.yamlsource import MAX_BYTES
from runtime.cli import main

from .conftest import SHARED

Write = Callable[[str, str], Path]

FORM = """
id: probe
version: 1
title: {nl: Probe, en: Probe}
kind: custom
languages: [nl, en]
choices:
  gemeenten: {csv: gemeenten.csv}
pages:
  - id: p
    title: {nl: Pagina, en: Page}
    sections:
      - id: s
        fields:
          - id: provincie
            type: choice
            label: {nl: Provincie, en: Province}
            choices:
              - {value: gr, label: Groningen}
              - {value: fr, label: Fryslân}
          - id: gemeente
            type: choice
            appearance: select
            label: {nl: Gemeente, en: Municipality}
            choices: gemeenten
            choice_filter: '@provincie == provincie'
"""

GEMEENTEN = """\
value;label_nl;label_en;provincie
groningen;Groningen;Groningen;gr
leeuwarden;Leeuwarden;Leeuwarden;fr
"s-fryslan";"Súdwest-Fryslân; de gemeente";"Súdwest-Fryslân; the municipality";fr
"""


def errors(path: Path) -> list[str]:
    return [d.render() for d in check_file(path).diagnostics.errors]


def test_a_csv_list_is_a_choice_list_with_labels_attributes_and_filters(write: Write) -> None:
    write("gemeenten.csv", GEMEENTEN)
    form = compile_file(write("probe.form.yaml", FORM))
    assert form.by_key["gemeente"].choice_values == {"groningen", "leeuwarden", "s-fryslan"}
    state = evaluate(form, {"provincie": "fr"}, date(2027, 1, 1))
    assert state.options["gemeente"] == ("leeuwarden", "s-fryslan")
    choices = {c.value: c for c in form.definition.choices["gemeenten"]}
    assert choices["s-fryslan"].label == {
        "nl": "Súdwest-Fryslân; de gemeente",
        "en": "Súdwest-Fryslân; the municipality",
    }
    assert choices["groningen"].attributes == {"provincie": "gr"}


def test_checks_of_inline_lists_report_at_the_csv_line_and_column(write: Write) -> None:
    write(
        "gemeenten.csv",
        "value;label_nl;label_en;provincie\n"
        "groningen;Groningen;Groningen;gr\n"
        "leeuwarden;Leeuwarden;;fr\n"
        "groningen;Stad;City;gr\n",
    )
    found = errors(write("probe.form.yaml", FORM))
    first, second = found
    assert first.split(": error: ")[0].endswith("gemeenten.csv:3:23")
    assert "missing translation (en) of 'Leeuwarden'" in first
    assert second.split(": error: ")[0].endswith("gemeenten.csv:4:1")
    assert "the choice value 'groningen' appears twice" in second


def test_a_single_label_column_and_a_comma_delimiter(write: Write) -> None:
    write("gemeenten.csv", 'value,label,provincie\ngroningen,"Groningen, stad",gr\n')
    form = compile_file(write("probe.form.yaml", FORM.replace("[nl, en]", "[nl]")))
    (choice,) = form.definition.choices["gemeenten"]
    assert (choice.label, choice.attributes) == ("Groningen, stad", {"provincie": "gr"})


def test_a_byte_order_mark_and_crlf_lines_are_fine(tmp_path: Path, write: Write) -> None:
    (tmp_path / "gemeenten.csv").write_bytes(
        b"\xef\xbb\xbf" + GEMEENTEN.replace("\n", "\r\n").encode("utf-8")
    )
    form = compile_file(write("probe.form.yaml", FORM))
    assert len(form.definition.choices["gemeenten"]) == 3


def test_a_missing_csv_file_is_reported_at_the_yaml_reference(write: Write) -> None:
    write("gemeente.csv", GEMEENTEN)
    (message,) = errors(write("probe.form.yaml", FORM))
    assert "probe.form.yaml:7:20: error: the CSV file 'gemeenten.csv' does not exist" in message
    assert "hint: did you mean 'gemeente.csv'?" in message


def test_a_csv_file_outside_the_definitions_folder_is_refused(tmp_path: Path, write: Write) -> None:
    write("secret.csv", GEMEENTEN)
    write("definitions/popo.lock", "forms: {}\n")
    write("definitions/regio/gemeenten.csv", GEMEENTEN)
    inside = write(
        "definitions/regio/probe.form.yaml", FORM.replace("gemeenten.csv", "../regio/gemeenten.csv")
    )
    assert errors(inside) == []
    outside = write(
        "definitions/regio/probe.form.yaml", FORM.replace("gemeenten.csv", "../../secret.csv")
    )
    (message,) = errors(outside)
    assert "probe.form.yaml:7:20: error: the CSV file '../../secret.csv' is outside the " in message
    assert "definitions folder" in message
    (link := tmp_path / "definitions" / "regio" / "link.csv").symlink_to(tmp_path / "secret.csv")
    assert link.exists()
    linked = write("definitions/regio/probe.form.yaml", FORM.replace("gemeenten.csv", "link.csv"))
    (message,) = errors(linked)
    assert "is outside the definitions folder" in message


def test_a_file_that_is_not_utf8_names_the_line_and_the_fix(tmp_path: Path, write: Write) -> None:
    (tmp_path / "gemeenten.csv").write_bytes(
        "value;label\ngroningen;Groningen\nsudwest;Súdwest-Fryslân\n".encode("cp1252")
    )
    (message,) = errors(write("probe.form.yaml", FORM.replace("[nl, en]", "[nl]")))
    assert "gemeenten.csv:3:10: error: the file is not valid UTF-8 (byte 0xFA)" in message
    assert "CSV UTF-8" in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "value|label\ngroningen|Groningen\n",
            [
                "gemeenten.csv:1:1: error: the CSV file has no 'value' column",
                "hint: separate the columns with ';' or ','",
            ],
        ),
        (
            "waarde;label\ngroningen;Groningen\n",
            ["gemeenten.csv:1:1: error: the CSV file has no 'value' column"],
        ),
        (
            "value;naam\ngroningen;Groningen\n",
            ["gemeenten.csv:1:1: error: the CSV file has no 'label' column"],
        ),
        (
            "value;label\ngroningen;Groningen;gr\n",
            [
                "gemeenten.csv:2:1: error: this row has 3 cells, the header line has 2",
                "put a cell that contains ';' in double quotes",
            ],
        ),
        (
            "value;label\ngroningen;Groningen\n\nassen;Assen\n",
            ["gemeenten.csv:3:1: error: this row of the CSV file is empty"],
        ),
        (
            "value;label\ngroningen;Groningen\n;;\n",
            ["gemeenten.csv:3:1: error: this row of the CSV file is empty"],
        ),
        (
            "value;label\n;Groningen\n",
            ["gemeenten.csv:2:1: error: this choice has no value"],
        ),
        (
            "value;label\ngroningen;\n",
            ["gemeenten.csv:2:11: error: the choice 'groningen' has no label"],
        ),
        (
            'value;label\ngroningen;"Groningen\n',
            ["gemeenten.csv:2:11: error: this quote is never closed"],
        ),
        (
            "value;label;label_en\ngroningen;Groningen;Groningen\n",
            ["gemeenten.csv:1:7: error: write 'label' or one column per language"],
        ),
        (
            "value;label;gemeente naam\ngroningen;Groningen;Groningen\n",
            ["gemeenten.csv:1:13: error: 'gemeente naam' cannot be an attribute name"],
        ),
        (
            "value;label;value\ngroningen;Groningen;x\n",
            ["gemeenten.csv:1:13: error: the column 'value' appears twice"],
        ),
        ("value;label\n", ["gemeenten.csv:1:1: error: the CSV file has a header line but no"]),
    ],
)
def test_csv_mistakes_are_explained_at_their_line(
    write: Write, content: str, expected: list[str]
) -> None:
    write("gemeenten.csv", content)
    found = "\n".join(errors(write("probe.form.yaml", FORM.replace("[nl, en]", "[nl]"))))
    for text in expected:
        assert text in found


def test_a_csv_file_larger_than_the_yaml_limit_is_refused(tmp_path: Path, write: Write) -> None:
    rows = "".join(f"v{i};Keuze {i}\n" for i in range(MAX_BYTES // 10))
    (tmp_path / "gemeenten.csv").write_text("value;label\n" + rows, encoding="utf-8")
    (message,) = errors(write("probe.form.yaml", FORM.replace("[nl, en]", "[nl]")))
    assert (
        f"gemeenten.csv:1:1: error: the CSV file is larger than {MAX_BYTES // 1000} kB" in message
    )


def test_a_csv_key_with_a_typo_and_a_list_in_a_fragment_and_a_variant(write: Write) -> None:
    write("gemeenten.csv", GEMEENTEN)
    typo = write("probe.form.yaml", FORM.replace("{csv: gemeenten.csv}", "{cvs: gemeenten.csv}"))
    assert any("did you mean 'csv'?" in m for m in errors(typo))
    # a fragment's CSV is relative to the fragment; a variant may replace a list with a CSV
    write("fragments/gemeenten.csv", GEMEENTEN)
    write(
        "fragments/gemeente.fragment.yaml",
        """
        fragment: gemeente
        choices:
          gemeenten: {csv: gemeenten.csv}
        fields:
          - id: gemeente
            type: choice
            label: {nl: Gemeente, en: Municipality}
            choices: gemeenten
        """,
    )
    base = write(
        "base.form.yaml",
        FORM.replace("  gemeenten: {csv: gemeenten.csv}\n", "  {}\n")
        .replace("choices:\n  {}\n", "")
        .split("          - id: gemeente")[0]
        + "          - include: fragments/gemeente.fragment.yaml\n",
    )
    loaded = load_definition(base)
    assert not loaded.diagnostics.errors, loaded.diagnostics.sorted()
    assert any(p.name == "gemeenten.csv" and p.parent.name == "fragments" for p in loaded.files)
    write("noord.csv", "value;label_nl;label_en\nassen;Assen;Assen\n")
    variant = write(
        "noord.form.yaml",
        """
        extends: base.form.yaml
        id: probe-noord
        version: 1
        changes:
          - choices: gemeenten
            replace: {csv: noord.csv}
        """,
    )
    form = compile_file(variant)
    assert form.by_key["gemeente"].choice_values == {"assen"}


def test_editing_the_csv_of_a_published_form_is_detected(
    tmp_path: Path, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    # cells with ': ' and '#' (which YAML would read as a mapping and a comment)
    write("gemeenten.csv", GEMEENTEN.replace(";Leeuwarden;", ";Leeuwarden: #1;"))
    form = write("probe.form.yaml", FORM)
    write(
        "probe.scenarios.yaml",
        """
        form: probe.form.yaml
        scenarios:
          - name: Fryslân
            answers: {provincie: fr}
            expect: {options: {gemeente: [leeuwarden, s-fryslan]}}
          - name: Groningen
            answers: {provincie: gr}
            expect: {options: {gemeente: [groningen]}}
        """,
    )
    out = io.StringIO()
    assert main(["publish", str(form)], out) == 0, out.getvalue()
    assert "gemeenten.csv" in (tmp_path / "popo.lock").read_text(encoding="utf-8")
    assert main(["check", str(tmp_path)], io.StringIO()) == 0
    write("gemeenten.csv", GEMEENTEN.replace(";Leeuwarden;", ";Leeuwarden: #2;"))
    out = io.StringIO()
    assert main(["check", str(tmp_path)], out) == 1
    assert (
        "gemeenten.csv:1:1: error: this file has been edited since probe@1 was published with "
        "it, and published versions never change" in out.getvalue()
    )


def test_an_inline_list_moved_into_a_csv_keeps_the_content_hash(write: Write) -> None:
    write("gemeenten.csv", GEMEENTEN)
    from_csv = check_file(write("probe.form.yaml", FORM))
    inline = "\n".join(
        f"    - {{value: {value}, label: {{nl: '{nl}', en: '{en}'}}, "
        f"attributes: {{provincie: {provincie}}}}}"
        for value, nl, en, provincie in csv.reader(io.StringIO(GEMEENTEN), delimiter=";")
        if value != "value"
    )
    written = check_file(
        write("inline.form.yaml", FORM.replace(" {csv: gemeenten.csv}", "\n" + inline))
    )
    assert written.content_hash == from_csv.content_hash


DUO = SHARED / "domain" / "duo-02-alle-schoolvestigingen-basisonderwijs.csv"


@pytest.mark.skipif(not DUO.exists(), reason="needs ../shared/domain")
def test_a_real_list_of_schools_derived_from_duo(tmp_path: Path, write: Write) -> None:
    # DUO's file itself is too large and Windows-1252: referring to it is refused with reasons
    form_yaml = FORM.replace("[nl, en]", "[nl]")
    raw = write("raw.form.yaml", form_yaml.replace("gemeenten.csv", "duo.csv"))
    (tmp_path / "duo.csv").write_bytes(DUO.read_bytes())
    assert any("larger than 1000 kB" in m for m in errors(raw))
    (tmp_path / "duo.csv").write_bytes(b"".join(DUO.read_bytes().splitlines(True)[:10]))
    (message,) = errors(raw)
    assert "duo.csv:7:46: error: the file is not valid UTF-8 (byte 0x92)" in message
    assert "DUO" in message
    # converted (in the test only) to value;label;gemeente, it is a list of 6,000+ schools
    rows = list(csv.DictReader(io.StringIO(DUO.read_text(encoding="cp1252")), delimiter=";"))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(["value", "label", "gemeente"])
    for row in rows:
        writer.writerow(
            [row["VESTIGINGSCODE"], row["VESTIGINGSNAAM"], row["GEMEENTENAAM"].replace(" ", "_")]
        )
    (tmp_path / "scholen.csv").write_text(out.getvalue(), encoding="utf-8")
    schools = write(
        "scholen.form.yaml",
        """
        id: scholen
        version: 1
        title: Scholen
        kind: custom
        choices:
          scholen: {csv: scholen.csv}
        pages:
          - id: p
            title: Pagina
            sections:
              - id: s
                fields:
                  - id: school
                    type: choice
                    appearance: select
                    label: School
                    choices: scholen
                    choice_filter: '@gemeente == "GRONINGEN"'
        """,
    )
    form = compile_file(schools)
    assert len(form.by_key["school"].choice_values) == len(rows) > 6000
    state = evaluate(form, {}, date(2027, 1, 1))
    expected = sorted(r["VESTIGINGSCODE"] for r in rows if r["GEMEENTENAAM"] == "GRONINGEN")
    assert sorted(state.options["school"]) == expected
    assert expected
