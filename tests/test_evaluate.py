"""The evaluation API: state per field, the hidden-field rule, repeats, and incremental updates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import compile_file, evaluate, reevaluate
from engine.compiler import CompiledForm
from engine.evaluate import FormState

from .conftest import form_yaml

Write = Callable[[str, str], Path]
TODAY = date(2027, 1, 15)

FIELDS = """
- id: reden
  type: choice
  label: Reden
  required: true
  choices:
    - {value: verhuizing, label: Verhuizing}
    - {value: anders, label: Anders}
- id: toelichting
  type: textarea
  label: Toelichting
  visible_if: reden == "anders"
  required: true
  max_length: 20
- id: ondersteuning
  type: yesno
  label: Ondersteuning nodig?
- id: details
  type: text
  label: Details
  required: ondersteuning == true
  enabled_if: reden != ""
- id: aantal
  type: integer
  label: Aantal
  min: 0
  max: 10
  default: 2
  constraints:
    - rule: aantal != 3
      message: Niet drie.
    - rule: aantal != 4 or reden == "anders"
      message: Vier alleen bij anders.
- id: startdatum
  type: date
  label: Start
  default_expression: add_days(today(), 7)
  min: today()
- id: provincie
  type: choice
  label: Provincie
  choices:
    - {value: gr, label: Groningen}
    - {value: fr, label: Friesland}
- id: gemeente
  type: choice
  label: Gemeente
  choice_filter: "@p == provincie"
  choices:
    - {value: a, label: A, attributes: {p: gr}}
    - {value: b, label: B, attributes: {p: fr}}
    - {value: c, label: C, attributes: {p: gr}}
- id: scholen
  type: group
  label: Scholen
  min_rows: 1
  max_rows: 3
  fields:
    - id: school
      type: text
      label: School
      required: true
    - id: voorkeur
      type: integer
      label: Voorkeur
      constraints:
        - rule: voorkeur == row()
          message: Nummer de voorkeuren 1, 2, 3.
    - id: groepen
      type: group
      label: Groepen
      fields:
        - id: groep
          type: integer
          label: Groep
- id: aantal_scholen
  type: calculated
  label: Aantal scholen
  calculate: count(scholen)
- id: groepen_totaal
  type: calculated
  label: Groepen
  calculate: sum(groep)
"""


@pytest.fixture
def form(write: Write) -> CompiledForm:
    return compile_file(write("f.form.yaml", form_yaml(FIELDS)))


def errors(state: FormState) -> dict[str, list[str]]:
    return {k: [m.text("nl") for m in v] for k, v in state.errors.items()}


def test_conditions_required_and_hidden_rule(form: CompiledForm) -> None:
    state = evaluate(
        form, {"reden": "verhuizing", "toelichting": "te veel tekst voor dit veld"}, TODAY
    )
    # hidden: not validated (too long) and not submitted, and blank in expressions
    assert state.visible["toelichting"] is False
    assert "toelichting" not in state.errors
    assert "toelichting" not in state.submission()
    state = evaluate(form, {"reden": "anders", "toelichting": "te veel tekst voor dit veld"}, TODAY)
    assert state.visible["toelichting"] is True
    assert errors(state)["toelichting"] == ["Gebruik hoogstens 20 tekens (nu 27)."]


def test_required_expression_and_enabled_if(form: CompiledForm) -> None:
    state = evaluate(form, {"ondersteuning": "ja"}, TODAY)
    assert not state.is_enabled("details")  # reden blank: read-only, so not required
    assert not state.is_required("details")
    state = evaluate(form, {"ondersteuning": "ja", "reden": "verhuizing"}, TODAY)
    assert state.is_required("details")
    assert errors(state)["details"] == ["Dit veld is verplicht."]


def test_defaults_and_several_constraints(form: CompiledForm) -> None:
    state = evaluate(form, {}, TODAY)
    assert state.value["aantal"] == 2
    assert state.value["startdatum"] == date(2027, 1, 22)
    assert errors(evaluate(form, {"aantal": "3"}, TODAY))["aantal"] == ["Niet drie."]
    assert errors(evaluate(form, {"aantal": "4"}, TODAY))["aantal"] == ["Vier alleen bij anders."]
    assert "aantal" not in evaluate(form, {"aantal": "4", "reden": "anders"}, TODAY).errors
    assert errors(evaluate(form, {"aantal": "11"}, TODAY))["aantal"] == [
        "Vul een getal in van 10 of minder."
    ]
    # an answer, even a blank one, replaces the default
    assert evaluate(form, {"aantal": ""}, TODAY).value["aantal"] is None


def test_invalid_input_is_kept_and_explained(form: CompiledForm) -> None:
    state = evaluate(form, {"aantal": "twee", "startdatum": "31-02-2027"}, TODAY)
    assert state.field("aantal").invalid_input == ("twee", state.errors["aantal"][0])
    assert errors(state)["aantal"] == ["Vul een heel getal in."]
    assert state.errors["startdatum"][0].text("en") == "Enter a real date, for example 31-01-2027."
    assert errors(evaluate(form, {"startdatum": "2027-01-01"}, TODAY))["startdatum"] == [
        "De datum mag niet voor 15-01-2027 liggen."
    ]


def test_cascading_choices(form: CompiledForm) -> None:
    state = evaluate(form, {"provincie": "gr", "gemeente": "b"}, TODAY)
    assert state.options["gemeente"] == ("a", "c")
    assert errors(state)["gemeente"] == ["Kies een van de mogelijkheden."]


def test_repeats_rows_nested_groups_and_aggregates(form: CompiledForm) -> None:
    answers: dict[str, Any] = {
        "scholen": [
            {"school": "De Linde", "voorkeur": "1", "groepen": [{"groep": 3}, {"groep": 4}]},
            {"school": "", "voorkeur": "3", "groepen": [{"groep": 5}]},
        ]
    }
    state = evaluate(form, answers, TODAY)
    assert state.value["aantal_scholen"] == 2
    assert state.value["groepen_totaal"] == 12
    assert state.value["scholen[0].groepen[1].groep"] == 4
    assert errors(state)["scholen[1].school"] == ["Dit veld is verplicht."]
    assert errors(state)["scholen[1].voorkeur"] == ["Nummer de voorkeuren 1, 2, 3."]
    assert "scholen[0].voorkeur" not in state.errors
    assert errors(evaluate(form, {"scholen": []}, TODAY))["scholen"] == ["Voeg er minstens 1 toe."]
    too_many = {"scholen": [{"school": "x"}] * 4}
    assert errors(evaluate(form, too_many, TODAY))["scholen"] == ["Voeg er hoogstens 3 toe."]


def test_pages_complete_and_submission(form: CompiledForm) -> None:
    answers = {"reden": "verhuizing", "scholen": [{"school": "De Linde", "voorkeur": 1}]}
    state = evaluate(form, answers, TODAY)
    assert state.valid, errors(state)
    assert state.pages["p"].complete
    submitted = state.submission()
    assert submitted["scholen"] == [{"school": "De Linde", "voorkeur": 1}]
    assert "toelichting" not in submitted


def test_reevaluate_returns_the_changed_fields(form: CompiledForm) -> None:
    answers: dict[str, Any] = {"reden": "verhuizing"}
    state = evaluate(form, answers, TODAY)
    answers = {"reden": "anders"}
    new, changed = reevaluate(form, state, answers, "reden")
    assert set(changed) == {"reden", "toelichting"}
    assert new.visible["toelichting"] is True


ANSWER_CHOICES: dict[str, list[Any]] = {
    "reden": ["verhuizing", "anders", "", "onzin"],
    "toelichting": ["kort", "x" * 30, ""],
    "ondersteuning": ["ja", "nee", ""],
    "details": ["iets", ""],
    "aantal": ["1", "3", "4", "x", ""],
    "startdatum": ["2027-02-01", "2026-01-01", "fout"],
    "provincie": ["gr", "fr", ""],
    "gemeente": ["a", "b", "c"],
}


@settings(max_examples=150, deadline=None)
@given(
    st.fixed_dictionaries({k: st.sampled_from(v) for k, v in ANSWER_CHOICES.items()}),
    st.lists(
        st.tuples(st.sampled_from(sorted(ANSWER_CHOICES)), st.integers(0, 4)),
        min_size=1,
        max_size=6,
    ),
)
def test_incremental_evaluation_equals_full_evaluation(
    tmp_path_factory: pytest.TempPathFactory, start: dict[str, Any], steps: list[tuple[str, int]]
) -> None:
    path = tmp_path_factory.getbasetemp() / "incremental.form.yaml"
    if not path.exists():
        path.write_text(form_yaml(FIELDS))
    form = compile_file(path)
    answers = dict(start, scholen=[{"school": "a", "voorkeur": 1, "groepen": [{"groep": 2}]}])
    state = evaluate(form, answers, TODAY)
    for field_id, pick in steps:
        options = ANSWER_CHOICES[field_id]
        answers = dict(answers, **{field_id: options[pick % len(options)]})
        state, changed = reevaluate(form, state, answers, field_id)
        full = evaluate(form, answers, TODAY)
        for attr in ("visible", "value", "required", "disabled", "errors", "options", "pages"):
            assert getattr(state, attr) == getattr(full, attr), attr
        assert set(changed) <= set(full.visible) | {f"page:{p}" for p in full.pages}


def test_reevaluate_inside_a_row(form: CompiledForm) -> None:
    answers: dict[str, Any] = {"scholen": [{"school": "a", "groepen": [{"groep": 2}]}]}
    state = evaluate(form, answers, TODAY)
    answers = {"scholen": [{"school": "a", "groepen": [{"groep": 7}]}]}
    new, changed = reevaluate(form, state, answers, "scholen[0].groepen[0].groep")
    assert new.value["groepen_totaal"] == 7
    assert {"scholen[0].groepen[0].groep", "groepen_totaal"} <= set(changed)
    assert new.value == evaluate(form, answers, TODAY).value
