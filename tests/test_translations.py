"""`popo translations export/import`: a translator fills in a spreadsheet or XLIFF, never YAML."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import pytest

from engine import compile_file
from engine.api import check_file
from engine.checker import iter_texts
from engine.loader import load_definition
from engine.translations import XLIFF_NS, _elements, _texts, collect
from engine.versions import LockFile
from engine.workspace import FORM_SUFFIX, discover
from runtime.cli import main

from .conftest import REPOSITORY

Write = Callable[[str, str], Path]

BASE = """\
# The base form: comments and layout must survive an import.
id: basis
version: 1
title: {nl: Basisformulier, en: Base form}
kind: custom
languages: [nl, en]
choices:
  reden:
    - {value: verhuizing, label: Verhuizing}          # one word: the same in every language
    - {value: conflict, label: Verschil van inzicht}
  gemeente: {csv: gemeenten.csv}
pages:
  - id: p
    title: {nl: Pagina, en: Page}
    sections:
      - id: s
        title:
          nl: Over de overstap   # a block map without English
        fields:
          - include: fragments/leerling.fragment.yaml
          - id: reden
            type: choice
            label: {nl: Reden van de overstap, en: Reason for the transfer}
            choices: reden
          - id: gemeente
            type: choice
            label: {nl: Gemeente, en: Municipality}
            choices: gemeente
          - id: akkoord
            type: yesno
            label: {nl: Akkoord, en: Agreed}
            labels: {yes: Ja, no: Nee}
          - id: uitleg
            type: note
            text: |
              Lees dit eerst.
              Het duurt vijf minuten.
          - id: toelichting
            type: text
            label: "Toelichting: kort"
            constraints:
              - rule: len(toelichting) < 100
                message: {nl: Te lang, en: ''}
"""

FRAGMENT = """\
fragment: leerling
fields:
  - id: naam
    type: text
    label: {nl: Naam van de leerling, en: Name of the pupil}
    hint: {nl: Zoals in het paspoort}
"""

VARIANT = """\
extends: ../basis.form.yaml
id: basis-noord
version: 1
region: noord
changes:
  - modify: reden
    set:
      label: {nl: Waarom gaat de leerling weg?, en: Why is the pupil leaving?}
  - choices: reden
    add:
      - {value: school, label: {nl: De school, en: The school}}
"""

GEMEENTEN = "value;label;provincie\ngroningen;Groningen;gr\nassen;Gemeente Assen;dr\n"


@pytest.fixture
def definitions(tmp_path: Path, write: Write, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write("defs/basis.form.yaml", BASE)
    write("defs/fragments/leerling.fragment.yaml", FRAGMENT)
    write("defs/noord/basis.form.yaml", VARIANT)
    write("defs/gemeenten.csv", GEMEENTEN)
    for form in ("basis", "noord/basis"):
        write(
            f"defs/{form}.scenarios.yaml",
            "form: basis.form.yaml\nscenarios:\n  - name: leeg\n    expect: {valid: false}\n",
        )
    return Path("defs")


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out)
    return code, out.getvalue()


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";"))


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=";")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def test_export_lists_every_text_once_where_it_is_written(definitions: Path) -> None:
    code, output = run("translations", "export", "defs", "--language", "en", "-o", "en.csv")
    assert code == 0, output
    assert "wrote en.csv: " in output
    rows = read_csv(Path("en.csv"))
    assert list(rows[0]) == ["file", "forms", "element", "key", "status", "nl", "en"]
    place = {(r["file"], r["element"], r["key"]): r for r in rows}
    assert len(place) == len(rows)
    name = place["defs/fragments/leerling.fragment.yaml", "field:naam", "label"]
    assert (name["forms"], name["status"], name["nl"], name["en"]) == (
        "basis@1, basis-noord@1",
        "translated",
        "Naam van de leerling",
        "Name of the pupil",
    )
    assert place["defs/fragments/leerling.fragment.yaml", "field:naam", "hint"]["status"] == (
        "missing"
    )
    # the variant's own text is in the variant; the base's text stays with the base form
    assert place["defs/noord/basis.form.yaml", "field:reden", "label"]["forms"] == "basis-noord@1"
    assert place["defs/basis.form.yaml", "field:reden", "label"]["forms"] == "basis@1"
    assert place["defs/noord/basis.form.yaml", "choices.reden[school]", "label"]["en"] == (
        "The school"
    )
    assert place["defs/basis.form.yaml", "choices.reden[verhuizing]", "label"]["status"] == "same"
    assert place["defs/basis.form.yaml", "choices.reden[conflict]", "label"]["status"] == "missing"
    assert place["defs/gemeenten.csv", "choices.gemeente[assen]", "label"]["nl"] == (
        "Gemeente Assen"
    )
    assert place["defs/basis.form.yaml", "field:akkoord", "labels.yes"]["nl"] == "Ja"
    assert place["defs/basis.form.yaml", "field:uitleg", "text"]["nl"] == (
        "Lees dit eerst.\nHet duurt vijf minuten.\n"
    )
    message = place["defs/basis.form.yaml", "field:toelichting.constraints[0]", "message"]
    assert (message["nl"], message["en"], message["status"]) == ("Te lang", "", "missing")
    assert place["defs/basis.form.yaml", "section:s", "title"]["status"] == "missing"


def test_round_trip_fills_the_translations_in_the_files_that_hold_them(
    definitions: Path,
) -> None:
    base_before = Path("defs/basis.form.yaml").read_text(encoding="utf-8")
    assert run("translations", "export", "defs", "--language", "en", "-o", "en.csv")[0] == 0
    rows = read_csv(Path("en.csv"))
    english = {
        "Over de overstap": "About the transfer",
        "Verschil van inzicht": "Disagreement",
        "Zoals in het paspoort": "As in the passport",
        "Gemeente Assen": "Municipality of Assen",
        "Ja": "Yes",
        "Nee": "No",
        "Lees dit eerst.\nHet duurt vijf minuten.\n": "Read this first.\nIt takes five minutes.\n",
        "Toelichting: kort": "Explanation: short",
        "Te lang": "Too long",
        "Why is the pupil leaving?": "",
    }
    for row in rows:
        row["en"] = english.get(row["nl"], row["en"])
        if row["element"] == "field:reden" and row["file"] == "defs/noord/basis.form.yaml":
            row["en"] = "Why does the pupil leave?"
    write_csv(Path("en.csv"), rows)

    code, output = run("translations", "import", "en.csv")
    assert code == 0, output
    assert (
        "changed defs/fragments/leerling.fragment.yaml:6:11: field:naam hint: (none) → "
        "'As in the passport'" in output
    )
    assert (
        "changed defs/noord/basis.form.yaml:8:14: field:reden label: 'Why is the pupil leaving?'"
        " → 'Why does the pupil leave?'" in output
    )
    assert "stale" not in output.replace("0 stale", "")
    assert output.rstrip().endswith("0 stale, 0 still missing")
    assert run("check", "--strict", "defs")[0] == 0, run("check", "--strict", "defs")[1]

    # the forms show the new English texts
    base = compile_file("defs/basis.form.yaml").definition
    variant = compile_file("defs/noord/basis.form.yaml").definition
    fields = {f.id: f for f in base.pages[0].sections[0].fields}
    assert fields["naam"].hint == {"nl": "Zoals in het paspoort", "en": "As in the passport"}
    assert fields["toelichting"].label == {"nl": "Toelichting: kort", "en": "Explanation: short"}
    assert fields["toelichting"].constraints[0].message == {"nl": "Te lang", "en": "Too long"}
    assert fields["akkoord"].labels == {
        "yes": {"nl": "Ja", "en": "Yes"},
        "no": {"nl": "Nee", "en": "No"},
    }
    assert fields["uitleg"].text["en"] == "Read this first.\nIt takes five minutes.\n"
    assert base.pages[0].sections[0].title == {"nl": "Over de overstap", "en": "About the transfer"}
    reden = {c.value: c.label for c in base.choices["reden"]}
    assert reden == {
        "verhuizing": "Verhuizing",
        "conflict": {"nl": "Verschil van inzicht", "en": "Disagreement"},
    }
    gemeente = {c.value: c.label for c in base.choices["gemeente"]}
    assert gemeente == {
        "groningen": {"nl": "Groningen", "en": "Groningen"},
        "assen": {"nl": "Gemeente Assen", "en": "Municipality of Assen"},
    }
    assert variant.pages[0].sections[0].fields[1].label == {
        "nl": "Waarom gaat de leerling weg?",
        "en": "Why does the pupil leave?",
    }

    # edits, not a re-dump: comments, order and every untouched line stay as written
    base_after = Path("defs/basis.form.yaml").read_text(encoding="utf-8")
    assert "# The base form: comments and layout must survive an import." in base_after
    assert (
        "    - {value: verhuizing, label: Verhuizing}          # one word: the same in every "
        "language" in base_after
    )
    assert "          nl: Over de overstap   # a block map without English\n" in base_after
    assert "          en: About the transfer\n" in base_after
    assert '            label: {nl: "Toelichting: kort", en: "Explanation: short"}' in base_after
    assert "                message: {nl: Te lang, en: Too long}" in base_after
    changed = [line for line in base_before.splitlines() if line not in base_after.splitlines()]
    assert changed == [
        "    - {value: conflict, label: Verschil van inzicht}",
        "            labels: {yes: Ja, no: Nee}",
        "            text: |",
        "              Lees dit eerst.",
        "              Het duurt vijf minuten.",
        '            label: "Toelichting: kort"',
        "                message: {nl: Te lang, en: ''}",
    ]
    assert "            text:\n              nl: |\n                Lees dit eerst.\n" in base_after
    assert Path("defs/gemeenten.csv").read_text(encoding="utf-8") == (
        "value;label_nl;label_en;provincie\n"
        "groningen;Groningen;Groningen;gr\n"
        "assen;Gemeente Assen;Municipality of Assen;dr\n"
    )

    # a second import of the same file changes nothing
    code, output = run("translations", "import", "en.csv")
    assert (code, output) == (
        0,
        "translations (en): 0 changed, 17 unchanged, 0 stale, 0 still missing\n",
    )


def test_stale_rows_are_reported_and_not_imported(definitions: Path) -> None:
    assert run("translations", "export", "defs", "--language", "en", "-o", "en.csv")[0] == 0
    rows = read_csv(Path("en.csv"))
    for row in rows:
        row["en"] = row["en"] or f"EN {row['nl']}"
    write_csv(Path("en.csv"), rows)
    fragment = Path("defs/fragments/leerling.fragment.yaml")
    fragment.write_text(
        FRAGMENT.replace("Zoals in het paspoort", "Zoals op het paspoort"), encoding="utf-8"
    )
    base = Path("defs/basis.form.yaml")
    base.write_text(BASE.replace("id: toelichting", "id: opmerking"), encoding="utf-8")
    code, output = run("translations", "import", "en.csv")
    assert code == 1
    assert (
        "stale en.csv:10: the nl text of field:naam hint changed since the export "
        "('Zoals in het paspoort' → 'Zoals op het paspoort'): translate it again" in output
    )
    assert (
        "defs/basis.form.yaml has no text field:toelichting label any more (removed or "
        "renamed since the export): not imported" in output
    )
    assert "missing defs/fragments/leerling.fragment.yaml:6:11: field:naam hint has no en text" in (
        output
    )
    assert "hint: {nl: Zoals op het paspoort}" in fragment.read_text(encoding="utf-8")


REGION = """\
extends: ../basis.form.yaml
id: basis-oost
version: 1
region: oost
changes:
  - modify: reden
    set:
      label: {nl: Waarom verhuist de leerling?, en: Why is the pupil moving?}
"""


@pytest.fixture
def region(definitions: Path, write: Write) -> Path:
    """A new region's folder next to a published base (basis@1 and basis-noord@1 in popo.lock)."""
    write("defs/oost/basis.form.yaml", REGION)
    lock = LockFile(Path("defs/popo.lock").resolve(), {})
    published = (("basis", "defs/basis.form.yaml"), ("basis-noord", "defs/noord/basis.form.yaml"))
    for form, file in published:
        digest = check_file(file).content_hash
        assert digest is not None
        lock.publish(form, 1, digest, Path(file))
    lock.write()
    return Path("defs/oost")


def test_a_region_export_holds_the_region_texts_and_inherited_ones_only_on_request(
    region: Path,
) -> None:
    code, output = run("translations", "export", "defs/oost", "--language", "en", "-o", "en.csv")
    assert code == 0, output
    assert (
        "not exported: 16 texts that the forms in defs/oost inherit from defs (3 files): they "
        "belong to the translation of defs; --with-inherited exports them too, marked inherited"
        in output
    )
    rows = read_csv(Path("en.csv"))
    assert list(rows[0]) == ["file", "forms", "element", "key", "status", "nl", "en"]
    assert [(r["file"], r["element"], r["key"], r["en"]) for r in rows] == [
        ("defs/oost/basis.form.yaml", "field:reden", "label", "Why is the pupil moving?")
    ]

    code, output = run(
        "translations", "export", "defs/oost", "--language", "en", "--with-inherited",
        "-o", "all.csv",
    )  # fmt: skip
    assert code == 0, output
    assert "not exported" not in output
    rows = read_csv(Path("all.csv"))
    assert list(rows[0]) == ["file", "forms", "element", "key", "status", "inherited", "nl", "en"]
    place = {(r["file"], r["element"], r["key"]): r for r in rows}
    assert place["defs/oost/basis.form.yaml", "field:reden", "label"]["inherited"] == ""
    naam = place["defs/fragments/leerling.fragment.yaml", "field:naam", "label"]
    assert (naam["forms"], naam["inherited"]) == (
        "basis-oost@1",
        "inherited from defs/fragments/leerling.fragment.yaml",
    )

    code, output = run(
        "translations", "export", "defs/oost", "--language", "en", "--with-inherited",
        "-o", "all.xlf",
    )  # fmt: skip
    assert code == 0, output
    notes = [
        "".join(note.itertext())
        for note in ElementTree.parse("all.xlf").iter(f"{{{XLIFF_NS}}}note")
    ]
    assert "title of form in basis-oost@1; inherited from defs/basis.form.yaml" in notes
    assert "label of field:reden in basis-oost@1" in notes


def test_import_refuses_rows_in_files_of_published_versions_and_imports_the_rest(
    region: Path,
) -> None:
    base = Path("defs/basis.form.yaml").read_bytes()
    fragment = Path("defs/fragments/leerling.fragment.yaml").read_bytes()
    code, output = run(
        "translations", "export", "defs/oost", "--language", "en", "--with-inherited",
        "-o", "en.csv",
    )  # fmt: skip
    assert code == 0, output
    rows = read_csv(Path("en.csv"))
    for row in rows:
        if row["element"] == "field:reden":
            row["en"] = "Why does the pupil move?"
        if row["element"] == "field:naam" and row["key"] == "hint":
            row["en"] = "As in the passport"
    write_csv(Path("en.csv"), rows)

    code, output = run("translations", "import", "en.csv")
    assert code == 1, output
    assert (
        "changed defs/oost/basis.form.yaml:8:14: field:reden label: 'Why is the pupil moving?' "
        "→ 'Why does the pupil move?'" in output
    )
    assert (
        "refused defs/fragments/leerling.fragment.yaml:6:11: field:naam hint: this file is part "
        "of the published basis@1, basis-noord@1; translate it in a new version" in output
    )
    assert output.rstrip().endswith(
        "translations (en): 1 changed, 5 unchanged, 0 stale, 1 refused (in files of published "
        "versions; the other rows were imported), 7 still missing"
    )
    assert Path("defs/basis.form.yaml").read_bytes() == base
    assert Path("defs/fragments/leerling.fragment.yaml").read_bytes() == fragment
    assert "en: Why does the pupil move?" in Path("defs/oost/basis.form.yaml").read_text("utf-8")
    # the published versions are as they were published
    assert "published" not in run("check", "defs")[1]


def test_xliff_round_trip_escapes_and_reads_back_exactly(definitions: Path) -> None:
    code, output = run("translations", "export", "defs", "--language", "en", "-o", "en.xlf")
    assert code == 0, output
    tree = ElementTree.parse("en.xlf")
    ns = {"x": XLIFF_NS}
    files = {node.get("original"): node for node in tree.getroot().findall("x:file", ns)}
    assert set(files) == {
        "defs/basis.form.yaml",
        "defs/fragments/leerling.fragment.yaml",
        "defs/noord/basis.form.yaml",
        "defs/gemeenten.csv",
    }
    assert files["defs/basis.form.yaml"].get("source-language") == "nl"
    assert files["defs/basis.form.yaml"].get("target-language") == "en"
    units = {u.get("id"): u for u in files["defs/fragments/leerling.fragment.yaml"].iter()}
    hint = units["field:naam|hint"]
    assert hint.find("x:source", ns).text == "Zoals in het paspoort"  # type: ignore[union-attr]
    target = hint.find("x:target", ns)
    assert target is not None and target.get("state") == "needs-translation"
    tricky = "As <b>in</b> the \"passport\" & 'ID': #1, {x}"
    target.text = tricky
    tree.write("en.xlf", encoding="utf-8", xml_declaration=True)
    code, output = run("translations", "import", "en.xlf")
    assert code == 0, output
    form = load_definition("defs/basis.form.yaml").model
    assert form is not None
    fields = form.pages[0].sections[0].fields
    assert fields[0].hint == {"nl": "Zoals in het paspoort", "en": tricky}


def test_an_xliff_file_with_entities_is_refused(definitions: Path) -> None:
    Path("bomb.xlf").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>\n'
        f'<xliff version="1.2" xmlns="{XLIFF_NS}"><file original="defs/basis.form.yaml" '
        'source-language="nl" target-language="en"><body/></file></xliff>\n',
        encoding="utf-8",
    )
    code, output = run("translations", "import", "bomb.xlf", "--dir", "defs")
    assert code == 2
    assert "a DOCTYPE or entity declaration is not allowed" in output


@pytest.mark.parametrize(
    "text",
    [
        "Plain words",
        "true",
        "123",
        "- a dash",
        "'quoted'",
        "a: colon",
        "hash # sign",
        "comma, and [brackets] {braces}",
        "two\nlines",
        "  leading spaces",
        "Ü ñ € 😀",
        "null",
    ],
)
def test_any_translation_reads_back_as_written(definitions: Path, text: str) -> None:
    assert run("translations", "export", "defs", "--language", "en", "-o", "en.csv")[0] == 0
    rows = read_csv(Path("en.csv"))
    for row in rows:
        if row["element"] in ("field:naam", "section:s", "choices.reden[conflict]"):
            row["en"] = text
        if row["element"] == "field:uitleg":
            row["en"] = text + "\n"
    write_csv(Path("en.csv"), rows)
    code, output = run("translations", "import", "en.csv")
    assert code == 0, output
    loaded = load_definition("defs/basis.form.yaml")
    assert loaded.model is not None, loaded.diagnostics.sorted()
    form = loaded.model
    section = form.pages[0].sections[0]
    assert section.title == {"nl": "Over de overstap", "en": text}  # type: ignore[comparison-overlap]
    assert section.fields[0].label == {"nl": "Naam van de leerling", "en": text}
    assert section.fields[0].hint == {"nl": "Zoals in het paspoort", "en": text}
    assert form.choices["reden"][1].label == {"nl": "Verschil van inzicht", "en": text}
    assert section.fields[4].text["en"] == text + "\n"


def test_forms_without_the_language_are_skipped_with_a_note(
    definitions: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        "defs/eentalig.form.yaml",
        BASE.replace("id: basis", "id: eentalig").replace("[nl, en]", "[nl]"),
    )
    code, output = run("translations", "export", "defs", "--language", "en", "-o", "en.csv")
    assert code == 0
    note = "not exported: eentalig (defs/eentalig.form.yaml): its languages are nl, not en"
    assert note in output
    assert not any("eentalig@1" in row["forms"] for row in read_csv(Path("en.csv")))
    # without -o the export is printed, and the notes go to stderr
    code, output = run("translations", "export", "defs", "--language", "en", "--format", "xliff")
    assert output.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<xliff xmlns=')
    assert note in capsys.readouterr().err


@pytest.mark.parametrize(
    "path", discover([REPOSITORY / "definitions"], FORM_SUFFIX), ids=lambda p: p.name
)
def test_the_export_sees_every_text_the_checker_sees(path: Path) -> None:
    form = check_file(path).definition
    assert form is not None
    walked = [(id(element), key) for element, _ in _elements(form) for key, *_ in _texts(element)]
    checked = iter_texts(form)
    assert len(walked) == len(checked)
    assert {(id(e), k.split(".")[0]) for e, k, _ in checked} == {
        (e, k.split(".")[0]) for e, k in walked
    }


def test_the_shipped_definitions_export_with_nothing_missing() -> None:
    collection = collect(REPOSITORY / "definitions", "en")
    assert collection.broken == []
    assert len(collection.entries) > 300
    assert [e for e in collection.entries if e.status == "missing"] == []


PROCEDURE = """\
# A procedure in two languages, half translated: comments and layout must survive an import.
id: aanmelding
version: 1
title: {nl: Aanmelding door ouders, en: Registration by parents}
description: Ouders melden hun kind aan.
languages: [nl, en]
parties:
  - id: parents
    roles: [ouder]
  - id: receiving_school
    roles: [directeur]
statuses:
  - {id: concept, label: {nl: Nog niet aangemeld, en: Not registered yet}, initial: true}
  - {id: aangemeld, label: {nl: Aangemeld}}   # no English yet
  - {id: toegelaten, label: {nl: Toegelaten, en: Admitted}, final: true}
transitions:
  - id: aanmelden
    from: concept
    to: aangemeld
    label: {nl: Aanmelden, en: Register}
    who: [parents.ouder]
  - id: toelaten
    from: aangemeld
    to: toegelaten
    label: {nl: Toelaten}
    who: [receiving_school.directeur]
terms:
  - id: beslistermijn
    label: {nl: De school beslist, en: The school decides}
    start: aanmelden
    amount: 6
    unit: weeks
    expects: {transition: toelaten}
tasks:
  - id: besluiten
    label: {nl: Besluit over de toelating, en: ''}
    status: aangemeld
    who: [receiving_school.directeur]
"""


def test_the_labels_of_a_procedure_are_exported_and_imported_like_a_forms(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "defs"
    folder.mkdir()
    procedure = folder / "aanmelding.procedure.yaml"
    procedure.write_text(PROCEDURE)
    # popo check names each missing English text at its place, as for a form
    file = "defs/aanmelding.procedure.yaml"
    assert main(["check", file]) == 1
    out = capsys.readouterr().out
    assert f"{file}:14:28: error: missing translation (en) of 'Aangemeld'" in out
    assert f"{file}:25:12: error: missing translation (en) of 'Toelaten'" in out

    assert main(["translations", "export", "defs", "--language", "en", "-o", "en.csv"]) == 0
    assert capsys.readouterr().out == ("wrote en.csv: 9 texts (4 without en) of 1 procedure\n")
    rows = list(
        csv.reader(io.StringIO((tmp_path / "en.csv").read_text("utf-8-sig")), delimiter=";")
    )
    assert [row[2:6] for row in rows[1:]] == [
        ["procedure", "title", "translated", "Aanmelding door ouders"],
        ["procedure", "description", "missing", "Ouders melden hun kind aan."],
        ["status:concept", "label", "translated", "Nog niet aangemeld"],
        ["status:aangemeld", "label", "missing", "Aangemeld"],
        ["status:toegelaten", "label", "translated", "Toegelaten"],
        ["transition:aanmelden", "label", "translated", "Aanmelden"],
        ["transition:toelaten", "label", "missing", "Toelaten"],
        ["term:beslistermijn", "label", "translated", "De school beslist"],
        ["task:besluiten", "label", "missing", "Besluit over de toelating"],
    ]
    assert {row[1] for row in rows[1:]} == {"aanmelding@1"}

    filled = {
        "Ouders melden hun kind aan.": "Parents register their child.",
        "Aangemeld": "Registered",
        "Toelaten": "Admit",
    }

    def fill(texts: dict[str, str]) -> None:
        for row in rows[1:]:
            row[6] = texts.get(row[5], row[6])
        out_file = io.StringIO()
        csv.writer(out_file, delimiter=";").writerows(rows)
        (tmp_path / "en.csv").write_text(out_file.getvalue(), encoding="utf-8-sig")

    fill(filled)
    assert main(["translations", "import", "en.csv"]) == 0
    out = capsys.readouterr().out
    assert f"changed {file}:14:28: status:aangemeld label: (none) → 'Registered'" in out
    # what is still missing is named at its place, as for a form's text
    assert (
        f"missing {file}:36:12: task:besluiten label has no en text "
        "('Besluit over de toelating')\n" in out
    )
    assert "translations (en): 3 changed, 5 unchanged, 0 stale, 1 still missing" in out
    fill({"Besluit over de toelating": "Decide on admission"})
    assert main(["translations", "import", "en.csv"]) == 0
    out = capsys.readouterr().out
    assert "translations (en): 1 changed, 8 unchanged, 0 stale, 0 still missing" in out
    text = procedure.read_text()
    assert (
        "  - {id: aangemeld, label: {nl: Aangemeld, en: Registered}}   # no English yet\n" in text
    )
    assert (
        "description: {nl: Ouders melden hun kind aan., en: Parents register their child.}\n"
        in (text)
    )
    assert "unit: weeks\n" in text
    assert main(["check", file]) == 0
    capsys.readouterr()


def test_an_import_refuses_a_published_procedures_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "defs"
    folder.mkdir()
    (folder / "popo.lock").write_text("forms: {}\n")
    procedure = folder / "aanmelding.procedure.yaml"
    procedure.write_text(
        PROCEDURE.replace("{nl: Aangemeld}", "{nl: Aangemeld, en: Registered}")
        .replace("{nl: Toelaten}", "{nl: Toelaten, en: Admit}")
        .replace("en: ''", "en: Decide")
        .replace("description: Ouders melden hun kind aan.\n", "")
    )
    scenarios = folder / "aanmelding.scenarios.yaml"
    scenarios.write_text(
        "procedure: aanmelding.procedure.yaml\n"
        "scenarios:\n"
        "  - name: aangemeld en toegelaten\n"
        "    events:\n"
        "      - {transition: aanmelden, date: 2027-03-01, by: parents.ouder}\n"
        "      - {transition: toelaten, date: 2027-03-02, by: receiving_school.directeur}\n"
        "    expect: {status: toegelaten}\n"
    )
    assert main(["publish", str(procedure), "--dir", str(folder)]) == 0
    assert main(["translations", "export", "defs", "--language", "en", "-o", "en.csv"]) == 0
    export = (tmp_path / "en.csv").read_text("utf-8-sig")
    (tmp_path / "en.csv").write_text(export.replace(";Admit", ";Accept"), encoding="utf-8-sig")
    capsys.readouterr()
    assert main(["translations", "import", "en.csv"]) == 1
    out = capsys.readouterr().out
    assert (
        "refused defs/aanmelding.procedure.yaml:24:12: transition:toelaten label: this file is "
        "part of the published aanmelding@1; translate it in a new version\n" in out
    )
    assert "Admit" in procedure.read_text()
