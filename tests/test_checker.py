"""Author errors: every problem with file, line, column, YAML path and a hint, all in one run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from engine.api import check_file
from engine.errors import Severity
from oso_mapping.element_tree import load_element_tree
from runtime.cli import main

from .conftest import SHARED, form_yaml

Write = Callable[[str, str], Path]


def errors_of(path: Path, oso: bool = False) -> list[str]:
    tree = load_element_tree() if oso else None
    result = check_file(path, tree)
    return [
        f"{d.location.line}:{d.location.column}: {d.message}"
        for d in result.diagnostics.sorted()
        if d.severity is Severity.ERROR
    ]


def test_unknown_keys_and_types_with_did_you_mean(write: Write) -> None:
    path = write(
        "f.form.yaml",
        form_yaml(
            """
            - id: naam
              type: txt
              label: Naam
            - id: leeftijd
              type: integer
              lable: Leeftijd
              min: veel
            """
        ),
    )
    result = check_file(path)
    rendered = [d.render() for d in result.diagnostics.sorted()]
    assert rendered[0].startswith(f"{path}:13:19: error: unknown field type 'txt'")
    assert "hint: did you mean 'text'?" in rendered[0]
    assert rendered[1].startswith(f"{path}:17:13: error: unknown key 'lable'")
    assert "hint: did you mean 'label'?" in rendered[1]
    assert rendered[2].startswith(f"{path}:18:18: error: 'min' must be a whole number")
    assert "at pages[0].sections[0].fields[1].min" in rendered[2]


def test_expression_errors_point_at_the_fault_with_a_caret(write: Write) -> None:
    path = write(
        "f.form.yaml",
        form_yaml(
            """
            - id: reden
              type: text
              label: Reden
            - id: toelichting
              type: text
              label: Toelichting
              visible_if: reden == "anders" and rden == "x"
            """
        ),
    )
    result = check_file(path)
    (diagnostic,) = result.diagnostics.errors
    assert str(diagnostic.location) == f"{path}:18:47"
    rendered = diagnostic.render()
    assert '    reden == "anders" and rden == "x"\n                          ^' in rendered
    assert "did you mean 'reden'?" in rendered


def test_all_errors_in_one_run(write: Write) -> None:
    path = write(
        "f.form.yaml",
        form_yaml(
            """
            - id: a
              type: calculated
              label: A
              calculate: b + 1
            - id: b
              type: calculated
              label: B
              calculate: a + 1
            - id: c
              type: text
              label: C
              visible_if: onbekend == 1
            - id: d
              type: integer
              label: D
              required: c == 3
            - id: toetsen
              type: group
              label: Toetsen
              fields:
                - id: score
                  type: integer
                  label: Score
            - id: totaal
              type: calculated
              label: Totaal
              calculate: score + 1
            - id: c
              type: text
              label: Dubbel
            """
        ),
    )
    errors = errors_of(path)
    assert "15:24: these fields depend on each other in a cycle: a → b → a" in errors
    assert "23:25: unknown field 'onbekend'" in errors
    assert "27:25: comparing a text with a number is always false" in errors
    assert "38:24: 'score' has one value per row; '+' needs a single value" in errors
    assert "39:17: the field id 'c' is used twice" in errors
    assert len(errors) == 5


def test_missing_translations_are_reported(write: Write) -> None:
    path = write(
        "f.form.yaml",
        form_yaml(
            """
            - id: naam
              type: text
              label: {nl: Naam}
              hint: {nl: Zoals in het paspoort, en: As in the passport}
            """,
            languages="[nl, en]",
        )
        .replace("title: Probe", "title: {nl: Probe, en: Probe}")
        .replace("title: Pagina", "title: {nl: Pagina, en: Page}"),
    )
    assert errors_of(path) == ["14:20: missing translation (en) of 'Naam'"]


def test_okr_fields_need_a_legal_category(write: Write) -> None:
    path = write(
        "f.form.yaml",
        form_yaml(
            """
            - id: naam
              type: text
              label: Naam
              category: administratief
            - id: hobby
              type: text
              label: Hobby
            - id: kleur
              type: text
              label: Kleur
              category: voorkeuren
            """,
            kind="onderwijskundig_rapport",
        ),
    )
    # one run: the shape error and the independent missing category, but no "no privacy
    # category" for the field whose category is the wrong one
    assert [e[:50] for e in errors_of(path)] == [
        "16:17: the field 'hobby' has no privacy category",
        "22:23: 'voorkeuren' is not allowed here",
    ]
    path.write_text(path.read_text().replace("category: voorkeuren\n", ""))
    assert errors_of(path) == [
        "16:17: the field 'hobby' has no privacy category",
        "19:17: the field 'kleur' has no privacy category",
    ]


def test_a_section_category_covers_its_fields(write: Write) -> None:
    text = form_yaml(
        """
        - id: naam
          type: text
          label: Naam
        """,
        kind="onderwijskundig_rapport",
    ).replace("      - id: s\n", "      - id: s\n        category: administratief\n")
    assert errors_of(write("f.form.yaml", text)) == []


@pytest.mark.skipif(not (SHARED / "oso").exists(), reason="needs ../shared/oso")
def test_oso_paths_are_checked_against_the_element_tree(write: Write) -> None:
    path = write(
        "f.form.yaml",
        form_yaml(
            """
            - id: plaats
              type: text
              label: Geboorteplaats
              oso: huidigeschool/leerling/geboorteplaats
            - id: achternaam
              type: text
              label: Achternaam
              oso: huidigeschool/leerling/achternam
            - id: datum
              type: text
              label: Geboortedatum
              oso: huidigeschool/leerling/geboortedatum
            - id: punten
              type: textarea
              label: Aandachtspunten
              oso: huidigeschool/leerling/overstapadvies/aandachtspunten
            - id: schooljaar
              type: text
              label: Groep
              oso: huidigeschool/leerling/schoolloopbaanlijst/schoolloopbaan/groepscode
            - id: toetsen
              type: group
              label: Toetsen
              oso: huidigeschool/leerling/toetslijst/toets
              fields:
                - id: afnamedatum
                  type: date
                  label: Datum
                  oso: afname/afnamedatum
            - id: voornaam
              type: text
              label: Voornaam
              oso: huidigeschool/leerling/voornaam
            """
        ),
    )
    errors = errors_of(path, oso=True)
    assert errors == [
        "15:18: OSO forbids 'geboorteplaats' in a transfer dossier",
        "19:18: 'huidigeschool/leerling/achternam' is not an element of OSO 2019.1",
        "23:18: 'huidigeschool/leerling/geboortedatum' holds a date; map it from a date field",
        "27:18: OSO allows at most 280 characters in "
        "'huidigeschool/leerling/overstapadvies/aandachtspunten'",
        "31:18: 'huidigeschool/leerling/schoolloopbaanlijst/schoolloopbaan' repeats in OSO; "
        "this field would map only one of them",
    ]


@pytest.mark.skipif(not (SHARED / "oso").exists(), reason="needs ../shared/oso")
def test_a_mapping_that_exports_cannot_write_is_a_warning(write: Write) -> None:
    path = write(
        "f.form.yaml",
        form_yaml(
            """
            - id: huisarts
              type: text
              label: Huisarts
              oso: huidigeschool/leerling/huisarts/achternaam
            """
        ),
    )
    result = check_file(path, load_element_tree())
    warnings = [
        f"{d.location.line}:{d.location.column}: {d.message}"
        for d in result.diagnostics.sorted()
        if d.severity is Severity.WARNING
    ]
    assert warnings == [
        "15:18: POPO reads 'huidigeschool/leerling/huisarts/achternaam' from OSO dossiers but "
        "does not write it when exporting"
    ]


def test_forbidden_oso_elements_are_refused_even_without_the_tree(write: Write) -> None:
    path = write(
        "f.form.yaml",
        form_yaml(
            """
            - id: nationaliteit
              type: text
              label: Nationaliteit
              oso: huidigeschool/leerling/nationaliteit
            """
        ),
    )
    assert errors_of(path) == ["15:18: OSO forbids 'nationaliteit' in a transfer dossier"]


def test_popo_check_exits_1_and_prints_every_error(
    write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(
        "a/f.form.yaml", form_yaml("- id: x\n  type: text\n  label: X\n  visible_if: y == 1\n")
    )
    write("a/g.form.yaml", "id: g\nversion: 1\n")
    assert main(["check", str(bad.parent)]) == 1
    out = capsys.readouterr().out
    assert "unknown field 'y'" in out
    assert "'title' is missing" in out
    assert "'kind' is missing" in out
    assert "'pages' is missing" in out
    assert "FAILED: 2 forms checked, 4 errors" in out


def test_a_text_compared_with_a_choice_field_must_be_one_of_its_values(write: Write) -> None:
    path = write(
        "f.form.yaml",
        form_yaml(
            """
            - id: reden
              type: choice
              label: Reden
              choices: [{value: verhuizing, label: Verhuizing}, {value: anders, label: Anders}]
            - id: toelichting
              type: text
              label: Toelichting
              visible_if: reden == "andres" or reden in ["verhuizing", "beleid"]
            """
        ),
    )
    assert errors_of(path) == [
        "19:34: 'andres' is not a choice of 'reden'",
        "19:70: 'beleid' is not a choice of 'reden'",
    ]
    result = check_file(path)
    assert result.diagnostics.errors[0].hint == "did you mean 'anders'?"


def test_a_function_name_from_another_tool_gets_popos_name(write: Write) -> None:
    path = write(
        "f.form.yaml",
        form_yaml(
            """
            - id: van
              type: date
              label: Van
            - id: toelichting
              type: text
              label: Toelichting
              visible_if: datediff(van, today()) > 30
            """
        ),
    )
    (diagnostic,) = check_file(path).diagnostics.errors
    assert diagnostic.render() == (
        f"{path}:18:25: error: unknown function 'datediff'\n"
        "  at pages[0].sections[0].fields[1].visible_if\n"
        "    datediff(van, today()) > 30\n"
        "    ^\n"
        "  hint: days_between(from, to) gives the days from the first date to the second"
    )


SCHOLEN = """
choices:
  scholen:
    - {value: de_linde, label: De Linde, attributes: {soort: bo}}
    - {value: het_anker, label: Het Anker, attributes: {soort: ongeoorloofd}}
"""


def test_choice_filter_values_are_checked_against_the_attributes(write: Write) -> None:
    path = write(
        "f.form.yaml",
        form_yaml(
            """
            - id: school
              type: choice
              label: School
              choices: scholen
              choice_filter: '@soort == "ongeorloofd" or @soort in ["bo", "sbo"]'
            """,
            extra=SCHOLEN,
        ),
    )
    rendered = [d.render() for d in check_file(path).diagnostics.sorted()]
    assert rendered == [
        f"{path}:21:39: error: 'ongeorloofd' is not a value of the attribute 'soort'\n"
        "  at pages[0].sections[0].fields[0].choice_filter\n"
        '    @soort == "ongeorloofd" or @soort in ["bo", "sbo"]\n'
        "              ^\n"
        "  hint: did you mean 'ongeoorloofd'?",
        f"{path}:21:73: error: 'sbo' is not a value of the attribute 'soort'\n"
        "  at pages[0].sections[0].fields[0].choice_filter\n"
        '    @soort == "ongeorloofd" or @soort in ["bo", "sbo"]\n'
        "    " + " " * 44 + "^\n"
        "  hint: did you mean 'bo'?",
    ]


def test_a_missing_choice_list_is_reported_once(write: Write) -> None:
    path = write(
        "f.form.yaml",
        form_yaml(
            """
            - id: school
              type: choice
              label: School
              choices: scholn
              default: de_linde
              choice_filter: '@soort == "bo"'
            - id: toelichting
              type: text
              label: Toelichting
              visible_if: school == "het_anker"
            """,
            extra=SCHOLEN,
        ),
    )
    rendered = [d.render() for d in check_file(path).diagnostics.sorted()]
    assert rendered == [
        f"{path}:20:22: error: there is no choice list 'scholn'\n"
        "  at pages[0].sections[0].fields[0].choices\n"
        "  hint: did you mean 'scholen'?"
    ]


def test_attributes_of_choices_without_any_are_explained(write: Write) -> None:
    path = write(
        "f.form.yaml",
        form_yaml(
            """
            - id: school
              type: choice
              label: School
              choices: [{value: a, label: A}]
              choice_filter: '@soort == "bo"'
            """
        ),
    )
    (diagnostic,) = check_file(path).diagnostics.errors
    assert diagnostic.message == "the choices have no attribute 'soort'"
    assert diagnostic.hint == (
        "the choices of this field have no attributes: give them attributes: {soort: …}"
    )


def test_a_visible_if_slipped_onto_its_section_is_reported_at_that_condition(
    write: Write,
) -> None:
    # the condition belongs to 'uitleg' but is indented as a key of the section
    text = form_yaml(
        """
        - id: wens
          type: text
          label: Wens
        - id: uitleg
          type: text
          label: Uitleg
        """
    ) + ('        visible_if: wens == "anders"\n')
    path = write("f.form.yaml", text)
    (diagnostic,) = check_file(path).diagnostics.errors
    assert diagnostic.render() == (
        f"{path}:18:21: error: the visible_if of the section 's' uses 'wens', a field inside "
        "that section: the section could never be shown\n"
        "  at pages[0].sections[0].visible_if\n"
        '    wens == "anders"\n'
        "    ^\n"
        "  hint: a condition may only use fields outside what it shows; if it belongs to a "
        "field, indent it under that field (it is now a key of the section)"
    )


def test_a_group_condition_on_its_own_row_field_is_reported_at_the_reference(
    write: Write,
) -> None:
    path = write(
        "f.form.yaml",
        form_yaml(
            """
            - id: toetsen
              type: group
              label: Toetsen
              visible_if: count(score) > 0
              fields:
                - {id: score, type: integer, label: Score}
            """
        ),
    )
    assert errors_of(path) == [
        "15:31: the visible_if of the group 'toetsen' uses 'score', a field inside that group: "
        "the group could never be shown"
    ]


def test_an_empty_choice_list_is_reported_at_its_name(write: Write) -> None:
    path = write(
        "f.form.yaml",
        form_yaml(
            "- {id: school, type: choice, label: School, choices: scholen}",
            extra="choices:\n  regios: [{value: n, label: Noord}]\n  scholen: []\n",
        ),
    )
    assert errors_of(path) == ["8:3: the choice list 'scholen' is empty"]


SEVEN_MISTAKES = """
id: kennismaking
version: 1
title: {nl: Kennismaking, en: Introduction}
kind: custom
languages: [nl, en]
choices:
  redenen:
    - {value: verhuizing, label: {nl: Verhuizing, en: Moving}}
    - {value: anders, label: {nl: Anders, en: Other}}
pages:
  - id: leerling
    title: {nl: Leerling, en: Pupil}
    sections:
      - id: gegevens
        fields:
          - id: naam
            type: text
            lable: {nl: Naam, en: Name}
          - id: groep
            type: integer
            label: {nl: Groep, en: Group}
            max: acht
          - id: reden
            type: choice
            label: {nl: Reden, en: Reason}
          - id: toelichting
            type: textarea
            label: {nl: Toelichting, en: Explanation}
            visible_if: reden == "anders"
          - id: school
            type: choice
            label: {nl: School, en: School}
            choices: redenen
            default: verhuizing
          - id: wens
            type: text
            label: {nl: Wens}
            visible_if: school == "verhuizen"
          - id: dagen
            type: calculated
            label: {nl: Dagen, en: Days}
            calculate: datediff(today(), today())
          - id: naam
            type: text
            label: {nl: Roepnaam, en: Given name}
"""


def test_seven_independent_mistakes_are_reported_in_one_run(write: Write) -> None:
    path = write("f.form.yaml", SEVEN_MISTAKES)
    result = check_file(path)
    # structure (an unknown key, a wrong type, a missing key) and everything else (a
    # translation, a choice, a function, an id)
    assert errors_of(path) == [
        "18:13: unknown key 'lable'",
        "22:18: 'max' must be a whole number",
        "23:13: 'choices' is missing",
        "37:20: missing translation (en) of 'Wens'",
        "38:35: 'verhuizen' is not a choice of 'school'",
        "42:24: unknown function 'datediff'",
        "43:17: the field id 'naam' is used twice",
    ]
    assert not result.diagnostics.warnings
    # no follow-ons: 'naam' (its label key misspelt) is not reported without a label, and
    # 'reden' (left out for its missing choices) is not an unknown field in toelichting
    rendered = "\n".join(d.render() for d in result.diagnostics.sorted())
    assert "has no label" not in rendered and "unknown field" not in rendered
    assert (
        f"{path}:38:35: error: 'verhuizen' is not a choice of 'school'\n"
        "  at pages[0].sections[0].fields[5].visible_if\n"
        '    school == "verhuizen"\n'
        "              ^\n"
        "  hint: did you mean 'verhuizing'?"
    ) in rendered
    assert result.compiled is None


def test_a_form_whose_pages_cannot_be_read_reports_only_that(write: Write) -> None:
    path = write("f.form.yaml", "id: f\nversion: 1\ntitle: F\nkind: custom\npages: {}\n")
    assert errors_of(path) == ["5:8: 'pages' must be a list"]


def test_a_broken_choice_list_is_left_out_without_follow_ons(write: Write) -> None:
    path = write(
        "f.form.yaml",
        form_yaml(
            """
            - id: school
              type: choice
              label: School
              choices: scholen
              choice_filter: '@soort == "bo"'
            - id: regio
              type: choice
              label: Regio
              choices: regios
              default: zuid
            - id: toelichting
              type: text
              label: Toelichting
              visible_if: school == "de_linde" or regio == "noord" or onbekend == 1
            """,
            extra=(
                "choices:\n"
                "  scholen: De Linde, Het Anker\n"
                "  regios:\n"
                "    - {value: noord, label: Noord}\n"
                "    - {value: zuid}\n"
            ),
        ),
    )
    assert errors_of(path) == [
        "7:12: 'scholen' must be a list",
        "10:7: 'label' is missing",
        "30:69: unknown field 'onbekend'",
    ]


def test_ja_and_nee_in_an_expression_ask_for_true_and_false(write: Write) -> None:
    path = write(
        "f.form.yaml",
        form_yaml(
            """
            - id: behoefte
              type: yesno
              label: Ondersteuningsbehoefte
            - id: toelichting
              type: text
              label: Toelichting
              visible_if: behoefte == ja
              required: behoefte == nee
            """
        ),
    )
    rendered = [d.render() for d in check_file(path).diagnostics.sorted()]
    assert rendered[0].startswith(f"{path}:18:37: error: unknown field 'ja'")
    assert rendered[0].endswith(
        '  hint: write true (yes/no values are true and false); a text is quoted: "ja"'
    )
    assert rendered[1].startswith(f"{path}:19:35: error: unknown field 'nee'")
    assert "  hint: write false (yes/no values are true and false)" in rendered[1]
