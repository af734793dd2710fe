"""Support requests to the samenwerkingsverband (issue 15): the form kind ondersteuningsaanvraag,
the procedures' support: block and records, and the shipped request types."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from engine.api import check_file
from engine.errors import Severity
from engine.procedures import check_procedure_file, compile_procedure_file
from engine.procedures.model import RECORDS, SUPPORT_RECORDS
from engine.workspace import open_workspace
from oso_mapping.element_tree import load_element_tree

from .conftest import form_yaml

Write = Callable[[str, str], Path]
REPOSITORY = Path(__file__).resolve().parent.parent
DEFINITIONS = REPOSITORY / "definitions"
REQUESTS = {
    "consultatie": "consultatie",
    "extra-ondersteuning": "extra_ondersteuning",
    "arrangement": "arrangement",
    "tlv-aanvraag": "tlv",
    "mdo": "mdo",
}

REPORTS = """
- id: rapporten
  type: group
  label: Rapporten
  category: begeleiding
  fields:
    - id: rapport_soort
      type: choice
      label: Soort
      choices:
        - {value: medisch, label: Medisch}
        - {value: psychologisch, label: Psychologisch}
        - {value: overig, label: Overig}
    - {id: rapport_bestand, type: file, label: Bestand}
"""


def messages(path: Path) -> list[str]:
    result = check_file(path)
    return [
        f"{d.location.line}:{d.location.column}: {d.message} | {d.hint}"
        for d in result.diagnostics.sorted()
        if d.severity is Severity.ERROR
    ]


# ---------------------------------------------------------------------- the form kind


def test_a_support_request_with_its_reports_checks_clean(write: Write) -> None:
    path = write("f.form.yaml", form_yaml(REPORTS, kind="ondersteuningsaanvraag"))
    assert messages(path) == []


def test_every_value_of_a_support_request_needs_a_privacy_category(write: Write) -> None:
    fields = REPORTS + "- {id: hobby, type: text, label: Hobby}\n"
    path = write("f.form.yaml", form_yaml(fields, kind="ondersteuningsaanvraag"))
    (problem,) = messages(path)
    assert problem.startswith("25:18: the field 'hobby' has no privacy category | an ")
    assert "ondersteuningsaanvraag may only hold the five legal categories" in problem


def test_a_support_request_without_reports_is_an_error_with_an_example(write: Write) -> None:
    path = write(
        "f.form.yaml",
        form_yaml(
            "- {id: naam, type: text, label: Naam, category: administratief}",
            kind="ondersteuningsaanvraag",
        ),
    )
    (problem,) = messages(path)
    assert problem.startswith(
        "7:3: an ondersteuningsaanvraag needs a repeating group 'rapporten' with the reports"
    )
    assert "rapport_soort" in problem and "docs/support-definitions.md" in problem


def test_the_reports_need_a_file_and_the_medical_and_psychological_kinds(write: Write) -> None:
    fields = REPORTS.replace(
        "- {value: psychologisch, label: Psychologisch}\n        ", ""
    ).replace("rapport_bestand, type: file", "rapport_bestandje, type: file")
    path = write("f.form.yaml", form_yaml(fields, kind="ondersteuningsaanvraag"))
    assert messages(path) == [
        "17:15: the group 'rapporten' has no file field 'rapport_bestand' | did you mean one "
        "of 'rapport_bestandje', 'rapport_soort'?",
        "21:19: the choices of 'rapport_soort' have no 'psychologisch' | the parents are asked "
        "per medical or psychological report whether the samenwerkingsverband may see it: keep "
        "the values medisch and psychologisch (with labels of your own)",
    ]
    typed = REPORTS.replace("rapport_bestand, type: file", "rapport_bestand, type: text")
    path = write("g.form.yaml", form_yaml(typed, kind="ondersteuningsaanvraag"))
    assert messages(path) == [
        "24:45: 'rapport_bestand' in 'rapporten' is a text field; it must be a file field "
        "| type: file"
    ]


def test_other_kinds_need_no_reports(write: Write) -> None:
    path = write("f.form.yaml", form_yaml("- {id: naam, type: text, label: Naam}"))
    assert messages(path) == []


# ---------------------------------------------------------------------- the support: block

REQUEST_FORM = form_yaml(REPORTS, kind="ondersteuningsaanvraag").replace(
    "id: probe", "id: aanvraag"
)
OTHER_FORM = form_yaml("- {id: naam, type: text, label: Naam}").replace("id: probe", "id: anders")

SUPPORT = """
id: steun
version: 1
title: Steun
parties:
  - {id: sending_school, roles: [intern_begeleider]}
  - {id: swv, roles: [swv]}
statuses:
  - {id: concept, label: Concept, initial: true}
  - {id: ingediend, label: Ingediend}
  - {id: compleet, label: Compleet}
  - {id: toegekend, label: Toegekend, final: true}
  - {id: afgewezen, label: Afgewezen, final: true}
transitions:
  - {id: indienen, from: concept, to: ingediend, label: Indienen, who: [sending_school],
     needs: [aanvraag], records: submission}
  - {id: compleet_verklaren, from: ingediend, to: compleet, label: Compleet, who: [swv],
     records: completion}
  - {id: toekennen, from: compleet, to: toegekend, label: Toekennen, who: [swv], records: grant}
  - {id: afwijzen, from: compleet, to: afgewezen, label: Afwijzen, who: [swv], records: rejection}
terms:
  - {id: beslistermijn, label: Termijn, start: compleet_verklaren, amount: 6, unit: weeks,
     expects: {transition: toekennen}}
support:
  kind: arrangement
  form: aanvraag
"""


def procedure_problems(write: Write, text: str) -> list[str]:
    write("aanvraag.form.yaml", REQUEST_FORM)
    write("anders.form.yaml", OTHER_FORM)
    path = write("p.procedure.yaml", text)
    result = check_procedure_file(path)
    return [
        f"{d.location.line}:{d.location.column}: {d.severity.value}: {d.message} | {d.hint}"
        for d in result.diagnostics.sorted()
    ]


def test_a_support_procedure_compiles_with_its_defaults(write: Write) -> None:
    assert procedure_problems(write, SUPPORT) == []
    compiled = compile_procedure_file(write("p.procedure.yaml", SUPPORT))
    support = compiled.support
    assert support is not None
    assert (support.kind, support.form, support.decision_weeks) == ("arrangement", "aanvraag", 6)
    assert (support.parents_sign, support.alerts) == (True, (7, 2))
    assert [t.id for t in compiled.recording("grant")] == ["toekennen"]
    tlv = SUPPORT.replace("kind: arrangement", "kind: tlv")
    assert compile_procedure_file(write("p.procedure.yaml", tlv)).support.decision_weeks == 8  # type: ignore[union-attr]


def test_the_steps_of_a_support_request_need_the_block(write: Write) -> None:
    text = SUPPORT.split("support:")[0]
    found = procedure_problems(write, text)
    assert found[0] == (
        "15:34: error: 'records: submission' is a step of a support request to the SWV, and "
        "this procedure has no support: block | add support: {kind: arrangement, form: "
        "arrangement} (docs/support-definitions.md), or remove records:"
    )
    assert len(found) == 4


def test_a_support_request_needs_its_steps_once(write: Write) -> None:
    text = (
        SUPPORT.replace("records: completion", "records: submission")
        .replace(", records: rejection", "")
        .replace("kind: arrangement", "kind: mdo")
    )
    assert procedure_problems(write, text) == [
        "17:15: error: a support request has one step that records the submission; "
        "'indienen' records it already | keep records: submission on 'indienen' only (a step "
        "back, such as one that asks for more information, records nothing)",
        "24:9: error: a support request of kind mdo needs a step with records: completion | add "
        "records: completion to the transition in which the SWV declares the support request "
        "complete: the decision term starts",
        "24:9: error: a support request of kind mdo needs a step with records: advice | add "
        "records: advice to the transition in which the SWV records its advice (the outcome of "
        "a consultation or a case discussion)",
    ]


def test_the_form_of_a_support_request_is_a_support_request(write: Write) -> None:
    assert procedure_problems(write, SUPPORT.replace("form: aanvraag", "form: anders")) == [
        "25:9: error: the form 'anders' is a form of kind custom, not a support request | "
        "support: form: names a form of kind ondersteuningsaanvraag: aanvraag",
    ]
    assert procedure_problems(write, SUPPORT.replace("form: aanvraag", "form: aanvrag")) == [
        "25:9: error: there is no form 'aanvrag' | did you mean 'aanvraag'?",
    ]


def test_the_terms_and_alerts_of_a_support_request(write: Write) -> None:
    text = (
        SUPPORT.replace("start: compleet_verklaren", "start: indienen")
        + "  decision_weeks: 60\n  alerts: [7, 90]\n"
    )
    assert procedure_problems(write, text) == [
        "21:48: warning: the term 'beslistermijn' waits for the SWV's decision, and starts at "
        "'indienen', not when the request is complete | start: compleet_verklaren (the step "
        "with records: completion): the SWV's decision term runs from the complete request",
        "26:19: error: a decision term of 60 weeks is longer than a year | decision_weeks: a "
        "number from 1 to 52",
        "27:15: error: an alert 90 days before a deadline cannot be sent | alerts: days before "
        "the deadline, each from 1 to 60, e.g. [7, 2]",
    ]


def test_a_support_request_is_not_a_registration(write: Write) -> None:
    text = SUPPORT.replace("records: grant", "records: admission") + "admission: {who: [swv]}\n"
    found = procedure_problems(write, text)
    assert found[0].startswith(
        "18:91: error: 'records: admission' is a step of a registration at a school, not of a "
        "support request | a support request records: submission, completion"
    )
    assert any("not both" in line for line in found)
    assert not any("has no admission: block" in line for line in found)


def test_every_support_record_is_explained() -> None:
    assert set(SUPPORT_RECORDS) <= set(RECORDS)
    assert all(RECORDS[name] for name in SUPPORT_RECORDS)


# ---------------------------------------------------------------------- the shipped requests


@pytest.fixture(scope="module")
def workspace():  # type: ignore[no-untyped-def]
    return open_workspace([DEFINITIONS], load_element_tree())


@pytest.mark.parametrize("request_id", REQUESTS)
def test_each_request_type_has_its_form_and_procedure(workspace, request_id: str) -> None:  # type: ignore[no-untyped-def]
    form = workspace.find(request_id, 1)
    assert form is not None and form.compiled is not None
    assert form.definition.kind == "ondersteuningsaanvraag"
    procedure = workspace.procedure_index[(request_id, 1)]
    compiled = procedure.compiled
    assert compiled is not None and compiled.support is not None
    assert (compiled.support.kind, compiled.support.form) == (REQUESTS[request_id], request_id)
    assert {"sending_school", "parents", "swv"} <= set(compiled.roles)
    # the runtime fills these in from the pupil and the latest OKR, and reads some: fixed keys
    keys = set(form.compiled.by_key)
    for key in (
        "achternaam",
        "bsn",
        "schoolloopbaan",
        "loopbaan_jaargroep",
        "toets_leergebied",
        "belemmeringen",
        "diagnose_code",
        "ondersteuning_geboden",
        "ondersteuning_nodig",
        "opp",
        "opp_ingangsdatum",
        "ondersteuningsniveau",
        "hulpvraag",
        "geprobeerd",
        "zienswijze_ouders",
        "ouders_ingelicht",
        "rapport_soort",
        "rapport_bestand",
    ):
        assert key in keys, (request_id, key)


def test_the_request_copies_the_okrs_answers(workspace) -> None:  # type: ignore[no-untyped-def]
    """Same id, same type, the request's choices among the OKR's: an answer copies over."""
    okr = workspace.find("onderwijskundig-rapport", 2).compiled
    for request_id in REQUESTS:
        form = workspace.find(request_id, 1).compiled
        shared = set(form.by_key) & set(okr.by_key)
        assert {"ondersteuningsniveau", "toets_code", "diagnoses"} <= shared
        for key in shared:
            ours, theirs = form.by_key[key], okr.by_key[key]
            assert ours.kind == theirs.kind, key
            ours_values = {c.value for c in ours.choices}
            assert ours_values <= {c.value for c in theirs.choices} or not ours_values, key


def test_a_forms_pages_can_come_from_a_fragment(write: Write) -> None:
    """The request forms' common pages are fragments, included in the form's own pages list."""
    write(
        "fragments/gedeeld.fragment.yaml",
        """
        fragment: gedeeld
        pages:
          - id: gedeeld
            title: Gedeeld
            sections:
              - id: s
                fields:
                  - {id: naam, type: text, label: Naam}
        """,
    )
    path = write(
        "f.form.yaml",
        """
        id: probe
        version: 1
        title: Probe
        kind: custom
        pages:
          - include: fragments/gedeeld.fragment.yaml
          - id: eigen
            title: Eigen
            sections:
              - id: t
                fields:
                  - {id: vraag, type: text, label: Vraag}
        """,
    )
    result = check_file(path)
    assert result.compiled is not None, [d.render() for d in result.diagnostics]
    assert [page.id for page in result.compiled.definition.pages] == ["gedeeld", "eigen"]


def test_popo_diff_compares_the_procedure_of_a_request_with_procedure() -> None:
    """A request's form and procedure share an id: --procedure picks the procedure."""
    import io

    from runtime.cli import main

    out = io.StringIO()
    refs = [str(DEFINITIONS), "arrangement@1", "arrangement-noord@1"]
    assert main(["diff", "--procedure", *refs], out) == 0
    shown = out.getvalue()
    assert "support: {kind: arrangement, form: arrangement, decision_weeks: 6} → " in shown
    assert "term 'beslistermijn'\n  compatible  amount: 6 → 4" in shown
    out = io.StringIO()
    assert main(["diff", *refs], out) == 0
    assert "field 'besproken_in_ot'" in out.getvalue()  # the forms, without --procedure
