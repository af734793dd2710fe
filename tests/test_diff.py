"""`popo diff`: every change a person filling the form would notice, old → new, per field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from engine.api import check_file
from engine.display import shorten_pair
from engine.versions import diff, text_changes
from runtime.cli import main

Write = Callable[[str, str], Path]

RICH_V1 = """
id: rich
version: 1
title: {nl: Rijk, en: Rich}
kind: custom
languages: [nl, en]
choices:
  kleur:
    - {value: rood, label: {nl: Rood, en: Red}}
    - {value: blauw, label: {nl: Blauw, en: Blue}}
pages:
  - id: een
    title: {nl: Eén, en: One}
    sections:
      - id: s1
        title: {nl: Gegevens, en: Details}
        fields:
          - id: naam
            type: text
            label: {nl: Naam, en: Name}
            hint: {nl: Zoals in het paspoort, en: As in the passport}
            placeholder: Jansen
            max_length: 100
          - id: leeftijd
            type: integer
            label: {nl: Leeftijd, en: Age}
            min: 4
            max: 14
            constraints:
              - rule: leeftijd != 9
                message: {nl: Geen negen, en: Not nine}
          - id: kleur
            type: choice
            label: Kleur
            choices: kleur
          - id: maat
            type: choice
            label: Maat
            choices:
              - {value: s, label: Klein}
              - {value: l, label: Groot}
          - id: uitleg
            type: note
            text:
              nl: Vul alles in wat u weet over de leerling en zijn of haar school.
              en: Fill in all you know.
          - id: geheim
            type: text
            label: Geheim
          - id: opmerking
            type: textarea
            label: Opmerking
            visible_if: leeftijd > 10
            enabled_if: naam != ""
          - id: bijlage
            type: file
            label: Bijlage
            accept: [application/pdf, image/jpeg]
            max_size_mb: 10
          - id: rij
            type: group
            label: Broers en zussen
            max_rows: 5
            fields:
              - {id: broer, type: text, label: Naam}
          - id: dubbel
            type: calculated
            label: Dubbel
            calculate: leeftijd * 2
  - id: twee
    title: Twee
    sections:
      - id: s2
        title: Meer
        fields:
          - {id: land, type: text, label: Land, default: Nederland}
"""

RICH_V2 = """
id: rich
version: 2
title: {nl: Rijk, en: Rich}
kind: custom
languages: [nl, en]
choices:
  kleur:
    - {value: blauw, label: {nl: Blauw, en: Blue}}
    - {value: rood, label: {nl: Rood, en: Crimson}}
pages:
  - id: twee
    title: Twee
    sections:
      - id: s2
        title: Meer informatie
        fields:
          - {id: land, type: text, label: Land, default: België}
  - id: een
    title: {nl: Eén, en: First}
    sections:
      - id: s1
        title: {nl: Gegevens, en: Details}
        fields:
          - id: leeftijd
            type: integer
            label: {nl: Leeftijd, en: Age}
            min: 4
            max: 12
            required: true
            constraints:
              - rule: leeftijd != 9
                message: {nl: Geen negen jaar, en: Not nine}
              - rule: leeftijd != 11
                message: Geen elf
          - id: naam
            type: text
            label: {nl: Achternaam, en: Name}
            hint: {nl: Zoals in het paspoort van de leerling, en: As in the passport}
            placeholder: Pietersen
            max_length: 50
          - id: kleur
            type: choice
            label: Kleur
            choices: kleur
          - id: maat
            type: choice
            label: Maat
            choices:
              - {value: s, label: Small}
              - {value: l, label: Groot}
          - id: uitleg
            type: note
            text:
              nl: Vul alles in wat u weet over de leerling en haar school.
              en: Fill in all you know.
          - id: geheim
            type: text
            label: Geheim
            hidden: true
          - id: bijlage
            type: file
            label: Bijlage
            accept: [application/pdf]
            max_size_mb: 5
          - id: rij
            type: group
            label: Broers en zussen
            min_rows: 1
            max_rows: 3
            fields:
              - {id: broer, type: text, label: Naam}
          - id: dubbel
            type: calculated
            label: Dubbel
            calculate: leeftijd * 3
      - id: s3
        title: Slot
        fields:
          - id: opmerking
            type: textarea
            label: Opmerking
            visible_if: leeftijd > 11
migrations:
  - from: 1
    drop: [geheim]
"""


def test_diff_lists_every_change_a_person_notices_with_old_and_new(
    tmp_path: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write("rich.v1.form.yaml", RICH_V1)
    write("rich.v2.form.yaml", RICH_V2)
    assert main(["diff", str(tmp_path), "rich@1", "rich@2"]) == 0
    assert capsys.readouterr().out == (
        "rich@1 → rich@2 (with the migration from version 1)\n"
        "page 'twee'\n"
        "  compatible  moved: now first, before 'een'\n"
        "section 's2'\n"
        '  compatible  title: "Meer" → "Meer informatie"\n'
        "field 'land'\n"
        "  compatible  default: Nederland → België\n"
        "page 'een'\n"
        '  compatible  title (en): "One" → "First"\n'
        "field 'leeftijd'\n"
        "  BREAKING    required: no → always\n"
        '  compatible  message of constraint leeftijd != 9 (nl): "Geen negen" → "Geen negen jaar"\n'
        "  BREAKING    new constraint: leeftijd != 11\n"
        "  BREAKING    max: 14 → 12\n"
        "  compatible  moved: now first, before 'naam'\n"
        "field 'naam'\n"
        '  compatible  label (nl): "Naam" → "Achternaam"\n'
        '  compatible  hint (nl): "Zoals in het paspoort" → '
        '"Zoals in het paspoort van de leerling"\n'
        "  BREAKING    max_length: 100 → 50\n"
        '  compatible  placeholder: "Jansen" → "Pietersen"\n'
        "field 'maat'\n"
        '  compatible  choice \'s\' label: "Klein" → "Small"\n'
        "note 'uitleg'\n"
        '  compatible  text (nl): "…leerling en zijn of haar school." → '
        '"…leerling en haar school."\n'
        "field 'geheim'\n"
        "  migrated    now hidden: never shown or submitted (answers dropped)\n"
        "field 'bijlage'\n"
        "  BREAKING    accept: [application/pdf, image/jpeg] → [application/pdf]\n"
        "  BREAKING    max_size_mb: 10 → 5\n"
        "group 'rij'\n"
        "  BREAKING    min_rows: 0 → 1\n"
        "  BREAKING    max_rows: 5 → 3\n"
        "field 'dubbel'\n"
        "  compatible  calculate: leeftijd * 2 → leeftijd * 3\n"
        "section 's3'\n"
        "  compatible  new section on page 'een'\n"
        "field 'opmerking'\n"
        "  compatible  visible_if: leeftijd > 10 → leeftijd > 11\n"
        '  compatible  enabled_if: naam != "" → (none)\n'
        "  compatible  moved from section 's1' to section 's3'\n"
        "choice list 'kleur'\n"
        '  compatible  choice \'rood\' label (en): "Red" → "Crimson"\n'
        "  compatible  order: rood, blauw → blauw, rood\n"
        "27 changes: 8 breaking, 1 handled by the migration, 18 compatible\n"
    )
    assert main(["diff", str(tmp_path), "rich@1", "rich@2", "--exit-code"]) == 1


def test_the_diff_locates_each_change_in_the_new_version(write: Write) -> None:
    old = check_file(write("rich.v1.form.yaml", RICH_V1)).checked
    new = check_file(write("rich.v2.form.yaml", RICH_V2)).checked
    assert old is not None and new is not None
    where = {str(c): str(c.location) for c in diff(old, new)}
    assert where["BREAKING    field 'naam': max_length: 100 → 50"].endswith(
        "rich.v2.form.yaml:40:25"
    )
    assert where["compatible  choice list 'kleur': order: rood, blauw → blauw, rood"].endswith(
        "rich.v2.form.yaml:7:3"
    )


def test_long_texts_are_shortened_to_where_they_differ() -> None:
    old = "Beschrijf hier in een paar zinnen waarom de leerling naar een andere school gaat."
    new = "Beschrijf hier in een paar zinnen waarom het kind naar een andere school gaat."
    assert shorten_pair(old, new) == (
        "…zinnen waarom de leerling naar een an…",
        "…zinnen waarom het kind naar een an…",
    )
    # a text in one language that becomes a text per language: what each language now shows
    assert text_changes("label", "Naam", {"nl": "Naam", "en": "Name"}, ["nl", "en"]) == [
        'label (en): "Naam" → "Name"'
    ]
    assert text_changes("hint", None, "Zoals in het paspoort", ["nl"]) == [
        'hint: (none) → "Zoals in het paspoort"'
    ]


PROCEDURE_V1 = """
id: aanmelding
version: 1
title: {nl: Aanmelding, en: Registration}
languages: [nl, en]
parties:
  - {id: parents, roles: [ouder]}
  - {id: receiving_school, roles: [medewerker, directeur]}
statuses:
  - {id: concept, label: {nl: Concept, en: Draft}, initial: true}
  - {id: aangemeld, label: {nl: Aangemeld, en: Registered}}
  - {id: wachtlijst, label: {nl: Op de wachtlijst, en: On the waiting list}}
  - {id: toegelaten, label: {nl: Toegelaten, en: Admitted}}
  - {id: ingeschreven, label: {nl: Ingeschreven, en: Enrolled}, final: true}
transitions:
  - {id: aanmelden, from: concept, to: aangemeld, label: {nl: Aanmelden, en: Register},
     who: [parents.ouder]}
  - {id: wachten, from: aangemeld, to: wachtlijst, label: {nl: Wachten, en: Wait},
     who: [receiving_school.directeur]}
  - {id: toelaten, from: [aangemeld, wachtlijst], to: toegelaten,
     label: {nl: Toelaten, en: Admit}, who: [receiving_school.directeur]}
  - {id: inschrijven, from: toegelaten, to: ingeschreven,
     label: {nl: Inschrijven, en: Enrol}, who: [receiving_school.medewerker]}
terms:
  - {id: beslistermijn, label: {nl: Beslissen, en: Decide}, start: aanmelden, amount: 6,
     unit: weeks, expects: {transition: toelaten}}
tasks:
  - {id: besluiten, label: {nl: Besluit, en: Decide}, status: aangemeld,
     who: [receiving_school.directeur]}
"""

PROCEDURE_V2 = """
extends: aanmelding.v1.procedure.yaml
version: 2
changes:
  - remove: wachten
  - remove: wachtlijst
  - modify: toelaten
    set:
      from: aangemeld
      label: {nl: Toelaten, en: Accept}
      who: [receiving_school.directeur, receiving_school.medewerker]
  - modify: toegelaten
    set: {final: true}
  - remove: inschrijven
  - remove: ingeschreven
  - modify: beslistermijn
    set: {amount: 4}
  - add:
      - {id: aanmelding_bekijken, label: {nl: Bekijk de aanmelding, en: Look at it},
         status: aangemeld, who: [receiving_school.medewerker]}
    after: besluiten
"""


def test_diff_of_two_procedure_versions_lists_what_changed_per_item(
    tmp_path: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write("aanmelding.v1.procedure.yaml", PROCEDURE_V1)
    write("aanmelding.v2.procedure.yaml", PROCEDURE_V2)
    assert main(["diff", str(tmp_path), "aanmelding@1", "aanmelding@2"]) == 0
    assert capsys.readouterr().out == (
        "aanmelding@1 → aanmelding@2\n"
        "status 'toegelaten'\n"
        "  BREAKING    now final: a case in this status can no longer move\n"
        "status 'wachtlijst'\n"
        "  BREAKING    removed: a case in this status has no place in the new version\n"
        "status 'ingeschreven'\n"
        "  BREAKING    removed: a case in this status has no place in the new version\n"
        "transition 'toelaten'\n"
        "  compatible  from: [aangemeld, wachtlijst] → aangemeld\n"
        '  compatible  label (en): "Admit" → "Accept"\n'
        "  compatible  who: added receiving_school.medewerker\n"
        "transition 'wachten'\n"
        "  compatible  removed\n"
        "transition 'inschrijven'\n"
        "  compatible  removed\n"
        "term 'beslistermijn'\n"
        "  compatible  amount: 6 → 4\n"
        "task 'aanmelding_bekijken'\n"
        "  compatible  new task, open in the status aangemeld\n"
        "10 changes: 3 breaking, 7 compatible\n"
    )
    # as for forms: --exit-code fails on a breaking change, and the changes have their place
    assert main(["diff", str(tmp_path), "aanmelding@1", "aanmelding@2", "--exit-code"]) == 1
    capsys.readouterr()


def test_diff_of_procedures_names_what_it_cannot_compare(
    tmp_path: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write("aanmelding.v1.procedure.yaml", PROCEDURE_V1)
    write("rich.v1.form.yaml", RICH_V1)
    assert main(["diff", str(tmp_path), "aanmelding@1", "aanmelding@3"]) == 2
    assert capsys.readouterr().out == (
        "error: aanmelding@3 not found or not valid (versions of the procedure 'aanmelding': 1)\n"
    )
    assert main(["diff", str(tmp_path), "aanmelding@1", "rich@1"]) == 2
    assert capsys.readouterr().out == (
        "error: aanmelding@1 is a procedure and rich@1 a form: popo diff compares two forms or "
        "two procedures\n"
    )


def test_the_procedure_diff_locates_each_change_in_the_new_version(write: Write) -> None:
    from engine.procedures import check_procedure_file
    from engine.procedures.diff import diff_procedures

    old = check_procedure_file(write("aanmelding.v1.procedure.yaml", PROCEDURE_V1), forms=())
    new = check_procedure_file(write("aanmelding.v2.procedure.yaml", PROCEDURE_V2), forms=())
    assert old.definition is not None and new.definition is not None
    located = {
        (str(change), change.location.line if change.location else None)
        for change in diff_procedures(old.definition, new.definition)
    }
    assert ("compatible  term 'beslistermijn': amount: 6 → 4", 16) in located
    assert (
        "compatible  task 'aanmelding_bekijken': new task, open in the status aangemeld",
        18,
    ) in (located)
