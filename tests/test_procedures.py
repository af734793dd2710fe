"""Procedures (*.procedure.yaml): every check at the author's line and column, variants,
evaluation, scenarios and the shipped definitions."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from engine.calendar import read_calendar
from engine.procedures import (
    CompiledProcedure,
    Event,
    available,
    check_procedure_file,
    compile_procedure_file,
    evaluate,
    tasks_for,
)
from engine.terms import TermError
from runtime.cli import main

Write = Callable[[str, str], Path]
REPOSITORY = Path(__file__).resolve().parent.parent
DEFINITIONS = REPOSITORY / "definitions"

FORM = """
id: overstapformulier
version: 1
title: Overstap
kind: custom
pages:
  - id: p
    title: Pagina
    sections:
      - id: s
        fields:
          - {id: naam, type: text, label: Naam}
"""

PROCEDURE = """
id: test-overstap
version: 1
title: {nl: Overstap, en: Transfer}
languages: [nl, en]
parties:
  - id: sending_school
    roles: [medewerker, directeur]
  - id: receiving_school
    roles: [directeur]
statuses:
  - {id: gemeld, label: Gemeld, initial: true}
  - {id: aangemeld, label: Aangemeld}
  - {id: klaar, label: Klaar, final: true}
  - {id: ingetrokken, label: Ingetrokken, final: true}
transitions:
  - id: aanmelden
    from: gemeld
    to: aangemeld
    label: Aanmelden
    who: [sending_school.medewerker]
    needs: [overstapformulier]
    notify:
      - {to: [receiving_school], event: aangemeld_bij_school}
  - id: afronden
    from: aangemeld
    to: klaar
    label: Afronden
    who: [receiving_school.directeur]
  - id: intrekken
    from: [gemeld, aangemeld]
    to: ingetrokken
    label: Intrekken
    who: [sending_school.directeur]
terms:
  - id: termijn
    label: Termijn
    start: aanmelden
    amount: 2
    unit: weeks
    expects: {transition: afronden}
tasks:
  - {id: beoordelen, label: Beoordelen, status: aangemeld, who: [receiving_school.directeur]}
"""


def at(text: str, line_text: str, token: str | None = None) -> str:
    """'line:column' of ``token`` on the first line of ``text`` that contains ``line_text``."""
    for number, line in enumerate(text.lstrip("\n").splitlines(), 1):
        if line_text in line:
            column = line.index(token if token is not None else line_text)
            return f"{number}:{column + 1}"
    raise AssertionError(f"no line with {line_text!r}")


def problems(write: Write, text: str, name: str = "p.procedure.yaml") -> list[str]:
    write("overstapformulier.form.yaml", FORM)
    path = write(name, text)
    result = check_procedure_file(path)
    return [
        d.render().split(f"{path.name}:", 1)[1].split("\n")[0] + (" | " + d.hint if d.hint else "")
        for d in result.diagnostics.sorted()
    ]


def test_a_sound_procedure_compiles(write: Write) -> None:
    write("overstapformulier.form.yaml", FORM)
    compiled = compile_procedure_file(write("p.procedure.yaml", PROCEDURE))
    assert compiled.initial == "gemeld"
    assert compiled.transitions["intrekken"].sources == ("gemeld", "aangemeld")
    assert compiled.roles == {
        "sending_school": ("medewerker", "directeur"),
        "receiving_school": ("directeur",),
    }


@pytest.mark.parametrize(
    ("old", "new", "line_text", "token", "message"),
    [
        (
            "    to: aangemeld",
            "    to: aangemelt",
            "to: aangemelt",
            "aangemelt",
            "error: there is no status 'aangemelt' | did you mean one of 'aangemeld'",
        ),
        (
            "needs: [overstapformulier]",
            "needs: [overstapformulir]",
            "overstapformulir",
            "overstapformulir",
            "error: there is no form 'overstapformulir' | did you mean 'overstapformulier'?",
        ),
        (
            "  - {id: klaar, label: Klaar, final: true}",
            "  - {id: klaar, label: Klaar, final: true}\n  - {id: wacht, label: Wacht}",
            "id: wacht",
            "wacht",
            "error: no transition reaches the status 'wacht'",
        ),
        (
            "  - {id: klaar, label: Klaar, final: true}",
            "  - {id: klaar, label: Klaar}",
            "id: klaar",
            "klaar",
            "error: the status 'klaar' is a dead end: no transition leaves it and it is not final",
        ),
        (
            "from: [gemeld, aangemeld]",
            "from: [gemeld, klaar]",
            "from: [gemeld, klaar]",
            "klaar",
            "error: the status 'klaar' is final, so no transition leaves it",
        ),
        (
            "who: [sending_school.medewerker]",
            "who: [sending_school.medewerkr]",
            "medewerkr",
            "sending_school.medewerkr",
            "error: sending_school has no role 'medewerkr' | did you mean 'medewerker'?",
        ),
        (
            "who: [sending_school.medewerker]",
            "who: [sending_scool.medewerker]",
            "sending_scool",
            "sending_scool",
            "error: there is no party 'sending_scool' | did you mean one of 'sending_school'",
        ),
        (
            "who: [sending_school.medewerker]",
            "who: [parents]",
            "who: [parents]",
            "parents",
            "error: the party 'parents' does not take part in this procedure",
        ),
        (
            "who: [receiving_school.directeur]\n  - id: intrekken",
            "who: [receiving_school.medewerker]\n  - id: intrekken",
            "receiving_school.medewerker",
            "receiving_school.medewerker",
            "error: the role 'medewerker' of receiving_school does not take part in this",
        ),
        (
            "    roles: [directeur]",
            "    roles: [directeur, conciërge]",
            "conciërge",
            "conciërge",
            "error: receiving_school has no role 'conciërge'",
        ),
        (
            "    start: aanmelden\n",
            "",
            "  - id: termijn",
            "termijn",
            "error: the term 'termijn' has no start, so it never runs",
        ),
        (
            "    start: aanmelden",
            "    start: aanmeldn",
            "start: aanmeldn",
            "aanmeldn",
            "error: there is no transition or event 'aanmeldn' to start the term | did you mean",
        ),
        (
            "  - {id: klaar, label: Klaar, final: true}",
            "  - {id: klaar, label: Klaar, final: true}\n  - {id: gemeld, label: Opnieuw}",
            "id: gemeld, label: Opnieuw",
            "gemeld",
            "error: the status 'gemeld' is defined twice",
        ),
        (
            "{id: beoordelen,",
            "{id: afronden,",
            "{id: afronden,",
            "afronden",
            "error: 'afronden' is already the id of a transition",
        ),
        (
            "  - {id: gemeld, label: Gemeld, initial: true}",
            "  - {id: gemeld, label: Gemeld, initial: true, final: true}",
            "final: true}",
            "true}",
            "error: the status 'gemeld' is both initial and final",
        ),
        (
            "status: aangemeld",
            "status: aangemld",
            "aangemld",
            "aangemld",
            "error: there is no status 'aangemld'",
        ),
        (
            "  - {id: klaar, label: Klaar, final: true}",
            "  - {id: klaar, label: {nl: Klaar}, final: true}",
            "{nl: Klaar}",
            "{nl",
            "error: missing translation (en) of 'Klaar' | add en: … to this text",
        ),
        (
            "  - {id: gemeld, label: Gemeld, initial: true}",
            "  - {id: gemeld, label: Gemeld}",
            "  - {id: gemeld",
            "-",
            "error: no status is the initial one",
        ),
        (
            "  - {id: aangemeld, label: Aangemeld}",
            "  - {id: aangemeld, label: Aangemeld, initial: true}",
            "id: aangemeld, label: Aangemeld, initial",
            "true",
            "error: 'aangemeld' is a second initial status (the first is 'gemeld')",
        ),
        (
            "expects: {transition: afronden}",
            "expects: {transition: afronden, form: overstapformulier}",
            "expects:",
            "{",
            "error: a term expects one thing: a transition or a form",
        ),
        (
            "expects: {transition: afronden}",
            "expects: {transition: afrondn}",
            "afrondn",
            "afrondn",
            "error: there is no transition 'afrondn' | did you mean 'afronden'?",
        ),
        (
            "{to: [receiving_school], event: aangemeld_bij_school}",
            "{to: [receiving_school.ouder], event: aangemeld_bij_school}",
            "receiving_school.ouder",
            "receiving_school.ouder",
            "error: receiving_school has no role 'ouder'",
        ),
        (
            "status: aangemeld,",
            "status: klaar,",
            "status: klaar,",
            "klaar",
            "warning: the task 'beoordelen' is open in the final status 'klaar', so it never "
            "closes",
        ),
        (
            "    to: ingetrokken",
            "    to: klaar  # twice",
            "klaar  # twice",
            "klaar",
            "error: 'intrekken' and 'afronden' both go from 'aangemeld' to 'klaar' | merge them",
        ),
        (
            "tasks:",
            "reasons:\n  - {id: verhuizing, label: V}\n  - {id: verhuizing, label: W}\ntasks:",
            "{id: verhuizing, label: W}",
            "verhuizing",
            "error: the reason 'verhuizing' is defined twice",
        ),
        (
            "    needs: [overstapformulier]",
            "    needs: [overstapformulier]\n    records: enrolement",
            "records: enrolement",
            "enrolement",
            "error: a transition cannot record 'enrolement' | did you mean 'enrolment'?",
        ),
        (
            "    needs: [overstapformulier]",
            "    needs: [overstapformulier]\n    records: birthday",
            "records: birthday",
            "birthday",
            "error: a transition cannot record 'birthday' | records: enrolment or deregistration",
        ),
        (
            "    needs: [overstapformulier]",
            "    nedds: [overstapformulier]",
            "nedds",
            "nedds",
            "error: unknown key 'nedds' | did you mean 'needs'?",
        ),
    ],
)
def test_each_mistake_is_an_error_where_it_is_written(
    write: Write, old: str, new: str, line_text: str, token: str, message: str
) -> None:
    assert old in PROCEDURE
    text = PROCEDURE.replace(old, new, 1)
    found = problems(write, text)
    wanted = f"{at(text, line_text, token)}: {message}"
    assert any(problem.startswith(wanted) for problem in found), (wanted, found)


def test_a_transition_records_the_enrolment_or_the_deregistration(write: Write) -> None:
    write("overstapformulier.form.yaml", FORM)
    text = PROCEDURE.replace(
        "    who: [receiving_school.directeur]\n  - id: intrekken",
        "    who: [receiving_school.directeur]\n    records: enrolment\n  - id: intrekken",
    )
    compiled = compile_procedure_file(write("p.procedure.yaml", text))
    assert compiled.transitions["afronden"].records == "enrolment"
    assert compiled.transitions["aanmelden"].records is None


def test_every_independent_mistake_is_reported_in_one_run(write: Write) -> None:
    text = (
        PROCEDURE.replace("    to: klaar\n", "")  # afronden is broken: left out
        .replace("needs: [overstapformulier]", "needs: [overstapformulir]")
        .replace("status: aangemeld", "status: aangemld")
    )
    found = problems(write, text)
    assert [problem.split(" | ")[0] for problem in found] == [
        f"{at(text, 'overstapformulir', 'overstapformulir')}: error: there is no form "
        "'overstapformulir'",
        f"{at(text, '  - id: afronden', 'id')}: error: 'to' is missing",
        f"{at(text, 'aangemld', 'aangemld')}: error: there is no status 'aangemld'",
    ], found  # the term expects the left-out afronden: not reported again


def test_a_list_that_cannot_be_read_leaves_the_rest_checked(write: Write) -> None:
    start = PROCEDURE.index("parties:")
    end = PROCEDURE.index("statuses:")
    text = (
        PROCEDURE[:start]
        + "parties: nope\n"
        + PROCEDURE[end:].replace("needs: [overstapformulier]", "needs: [overstapformulir]")
    )
    found = [problem.split(" | ")[0] for problem in problems(write, text)]
    assert found == [
        f"{at(text, 'parties: nope', 'nope')}: error: 'parties' must be a list",
        f"{at(text, 'overstapformulir', 'overstapformulir')}: error: there is no form "
        "'overstapformulir'",
    ]  # and no "does not take part" for every party named


def test_two_mistakes_in_one_item_leave_out_that_item_only(write: Write) -> None:
    text = PROCEDURE.replace("    from: aangemeld\n    to: klaar\n", "    to: 3\n")
    found = [problem.split(" | ")[0] for problem in problems(write, text)]
    assert found == [
        f"{at(text, '  - id: afronden', 'id')}: error: 'from' is missing",
        f"{at(text, 'to: 3', '3')}: error: 'to' must be text",
    ], found


def test_a_variant_changes_its_base_and_names_only_what_the_base_has(write: Write) -> None:
    write("overstapformulier.form.yaml", FORM)
    write("base/p.procedure.yaml", PROCEDURE)
    variant = """
    extends: ../base/p.procedure.yaml
    id: test-overstap-noord
    version: 1
    region: noord
    changes:
      - modify: termijn
        set: {amount: 5, unit: days}
      - add:
          - {id: controleren, label: Controleren, status: gemeld, who: [sending_school]}
        after: beoordelen
      - remove: beoordelen
    """
    compiled = compile_procedure_file(
        write("noord/p.procedure.yaml", variant), forms={"overstapformulier"}
    )
    assert compiled.id == "test-overstap-noord"
    assert (compiled.terms[0].amount, compiled.terms[0].unit) == (5, "days")
    assert [task.id for task in compiled.tasks] == ["controleren"]

    broken = variant.replace("modify: termijn", "modify: termjin").replace(
        "      - remove: beoordelen\n", "      - hide: beoordelen\n"
    )
    path = write("noord/p.procedure.yaml", broken)
    result = check_procedure_file(path, forms={"overstapformulier"})
    rendered = [d.render() for d in result.diagnostics.sorted()]
    text = textwrap.dedent(broken).lstrip("\n")
    assert rendered[0].startswith(
        f"{path}:{at(text, 'termjin', 'termjin')}: error: the base has no party, status, "
        "transition, term or task 'termjin'"
    )
    assert "hint: did you mean 'termijn'?" in rendered[0]
    assert rendered[1].startswith(
        f"{path}:{at(text, '- hide', 'hide')}: error: a change names exactly one "
        "of: modify, remove, add"
    )


def test_a_variant_cannot_redefine_a_list(write: Write) -> None:
    write("base/p.procedure.yaml", PROCEDURE)
    found = problems(
        write,
        "extends: base/p.procedure.yaml\nid: x\nversion: 1\nstatuses: []\n",
        "v.procedure.yaml",
    )
    assert found[0].startswith("4:1: error: a variant cannot redefine 'statuses'")


def _compiled(write: Write) -> CompiledProcedure:
    write("overstapformulier.form.yaml", FORM)
    return compile_procedure_file(write("p.procedure.yaml", PROCEDURE))


def test_evaluation_gives_status_refusals_tasks_and_terms(write: Write) -> None:
    procedure = _compiled(write)
    state = evaluate(
        procedure,
        [
            Event(date(2027, 1, 11), transition="aanmelden", by="sending_school.medewerker"),
            Event(date(2027, 1, 11), form="overstapformulier"),
            Event(date(2027, 1, 12), transition="aanmelden", by="receiving_school.directeur"),
            Event(date(2027, 1, 12), transition="afronden", by="receiving_school.directeur"),
            Event(date(2027, 1, 12), transition="aanmelden", by="sending_school.medewerker"),
        ],
        today=date(2027, 1, 27),
    )
    assert state.status == "aangemeld"
    assert [r.describe() for r in state.refusals] == [
        "'aanmelden' needs the form 'overstapformulier' sent first",
        "'aanmelden' may not be made by receiving_school.directeur",
        "'afronden' cannot be made from 'gemeld'",
    ]
    assert [task.id for task in state.tasks] == ["beoordelen"]
    term = state.terms["termijn"]
    assert (term.started, term.due, term.state) == (date(2027, 1, 12), date(2027, 1, 26), "overdue")
    assert [n.event for n in state.notifications] == ["aangemeld_bij_school"]


def test_what_a_person_can_do_now_and_what_is_open_for_them(write: Write) -> None:
    procedure = _compiled(write)
    day = date(2027, 1, 11)
    state = evaluate(procedure, [Event(day, form="overstapformulier")])
    offered = {
        by: [t.id for t in available(procedure, state, by, day)]
        for by in ("sending_school.medewerker", "sending_school.directeur", "parents.ouder")
    }
    assert offered == {
        "sending_school.medewerker": ["aanmelden"],
        "sending_school.directeur": ["intrekken"],
        "parents.ouder": [],
    }
    state = evaluate(
        procedure,
        [
            *[Event(day, form="overstapformulier")],
            Event(day, "aanmelden", by="sending_school.medewerker"),
        ],
    )
    assert [task.id for task in tasks_for(state, "receiving_school.directeur")] == ["beoordelen"]
    assert tasks_for(state, "sending_school.medewerker") == []


def test_a_term_is_met_or_stops_with_the_case(write: Write) -> None:
    procedure = _compiled(write)
    start = [
        Event(date(2027, 1, 11), form="overstapformulier"),
        Event(date(2027, 1, 11), transition="aanmelden", by="sending_school.medewerker"),
    ]
    met = evaluate(
        procedure,
        [*start, Event(date(2027, 1, 20), transition="afronden", by="receiving_school.directeur")],
    )
    assert (met.status, met.terms["termijn"].state) == ("klaar", "met")
    assert met.terms["termijn"].met_on == date(2027, 1, 20)
    stopped = evaluate(
        procedure,
        [*start, Event(date(2027, 1, 20), transition="intrekken", by="sending_school.directeur")],
    )
    assert (stopped.status, stopped.terms["termijn"].state, stopped.tasks) == (
        "ingetrokken",
        "stopped",
        [],
    )


def test_from_any_leaves_every_status_that_is_not_final(write: Write) -> None:
    write("overstapformulier.form.yaml", FORM)
    text = PROCEDURE.replace("from: [gemeld, aangemeld]", "from: any")
    compiled = compile_procedure_file(write("p.procedure.yaml", text))
    assert compiled.transitions["intrekken"].sources == ("gemeld", "aangemeld")


def test_school_days_count_with_the_calendar_of_the_vakantieregio(write: Write) -> None:
    write("overstapformulier.form.yaml", FORM)
    text = PROCEDURE.replace("amount: 2\n    unit: weeks", "amount: 5\n    unit: school_days")
    procedure = compile_procedure_file(write("p.procedure.yaml", text))
    start = date(2027, 2, 17)  # the voorjaarsvakantie of noord follows, that of zuid is over
    events = [
        Event(start, form="overstapformulier"),
        Event(start, transition="aanmelden", by="sending_school.medewerker"),
    ]
    calendar = read_calendar(DEFINITIONS / "calendars" / "schoolvakanties.calendar.yaml")

    def fifth_school_day(region: str) -> date:
        days = (start + timedelta(days=n) for n in range(1, 60))
        return [day for day in days if calendar.is_school_day(day, region)][4]

    due = {
        region: evaluate(procedure, events, None, calendar, region).terms["termijn"].due
        for region in ("noord", "zuid")
    }
    assert due == {region: fifth_school_day(region) for region in ("noord", "zuid")}
    assert due["noord"] > due["zuid"] > start + timedelta(days=5)
    with pytest.raises(TermError):
        evaluate(procedure, events)


# ---------------------------------------------------------------------- scenarios

SCENARIOS = """
procedure: p.procedure.yaml
scenarios:
  - name: aangemeld
    events:
      - {form: overstapformulier, date: 2027-01-11}
      - {transition: aanmelden, date: 2027-01-11, by: sending_school.medewerker}
    expect:
      status: aangemeld
      tasks: [beoordelen]
      deadlines: {termijn: 2027-01-25}
      notified: [aangemeld_bij_school]
  - name: alleen de ontvangende school rondt af
    events:
      - {form: overstapformulier, date: 2027-01-11}
      - {transition: aanmelden, date: 2027-01-11, by: sending_school.medewerker}
      - {transition: afronden, date: 2027-01-12, by: sending_school.directeur}
      - {transition: afronden, date: 2027-01-13, by: receiving_school.directeur}
    expect:
      status: klaar
      terms: {termijn: met}
      refused: [{transition: afronden, reason: not_by_role}]
"""


def _test(folder: Path, *options: str) -> tuple[int, str]:
    out = io.StringIO()
    from contextlib import redirect_stdout

    with redirect_stdout(out):
        code = main(["test", *options, str(folder)])
    return code, out.getvalue()


def test_popo_test_runs_procedure_scenarios_with_transition_coverage(
    write: Write, tmp_path: Path
) -> None:
    write("overstapformulier.form.yaml", FORM)
    write("overstapformulier.scenarios.yaml", _FORM_SCENARIOS)
    write("p.procedure.yaml", PROCEDURE)
    write("p.scenarios.yaml", SCENARIOS)
    code, output = _test(tmp_path, "--require-coverage")
    assert code == 1
    line = at(PROCEDURE, "  - id: intrekken", "id")
    assert (
        f"p.procedure.yaml:{line}: not covered: no scenario makes the transition 'intrekken' "
        "of the procedure 'test-overstap'"
    ) in output
    assert "coverage: 2 of 3 transitions of procedures made by a scenario" in output
    assert "scenarios: 3 passed, 0 failed" in output
    assert _test(tmp_path)[0] == 0  # without --require-coverage: a note, not a failure


def test_a_failing_expectation_is_reported_at_its_line(write: Write, tmp_path: Path) -> None:
    write("overstapformulier.form.yaml", FORM)
    write("p.procedure.yaml", PROCEDURE)
    text = SCENARIOS.replace("deadlines: {termijn: 2027-01-25}", "deadlines: {termijn: 2027-01-26}")
    path = write("p.scenarios.yaml", text)
    code, output = _test(path)
    assert code == 1
    assert (
        f"p.scenarios.yaml:{at(text, 'deadlines', '2027')}: scenario 'aangemeld': the term "
        "'termijn' is due on 2027-01-25, not on 2027-01-26"
    ) in output


def test_unknown_names_in_a_scenario_are_reported_before_it_runs(
    write: Write, tmp_path: Path
) -> None:
    write("overstapformulier.form.yaml", FORM)
    write("p.procedure.yaml", PROCEDURE)
    text = (
        SCENARIOS.replace("status: aangemeld", "status: aangemelt")
        .replace("transition: afronden, date: 2027-01-13", "transition: afrondn, date: 2027-01-13")
        .replace("tasks: [beoordelen]", "tasks: [beoordeln]")
    )
    path = write("p.scenarios.yaml", text)
    code, output = _test(path)
    assert code == 1
    for line_text, token, message in [
        ("status: aangemelt", "aangemelt", "the procedure has no status 'aangemelt'"),
        ("afrondn", "afrondn", "the procedure has no transition 'afrondn'"),
        ("beoordeln", "beoordeln", "the procedure has no task 'beoordeln'"),
    ]:
        assert f"p.scenarios.yaml:{at(text, line_text, token)}: scenario" in output
        assert message in output


def test_a_scenario_file_with_the_wrong_shape_is_reported_at_the_key(
    write: Write, tmp_path: Path
) -> None:
    write("overstapformulier.form.yaml", FORM)
    write("p.procedure.yaml", PROCEDURE)
    text = SCENARIOS.replace("      status: aangemeld", "      statuss: aangemeld").replace(
        "{transition: aanmelden, date: 2027-01-11, by: sending_school.medewerker}\n    expect:\n"
        "      statuss",
        "{transition: aanmelden, date: 2027-01-11}\n    expect:\n      statuss",
    )
    path = write("p.scenarios.yaml", text)
    code, output = _test(path)
    assert code == 1
    assert (
        f"p.scenarios.yaml:{at(text, 'statuss', 'statuss')}: error: unknown key 'statuss'"
    ) in output
    assert "hint: did you mean one of 'status'" in output
    fixed = text.replace("statuss", "status")
    write("p.scenarios.yaml", fixed)
    code, output = _test(path)
    line = at(fixed, "{transition: aanmelden, date: 2027-01-11}", "aanmelden")
    assert f"p.scenarios.yaml:{line}: scenario 'aangemeld': a transition needs by:" in output


_FORM_SCENARIOS = """
form: overstapformulier.form.yaml
scenarios:
  - name: naam
    answers: {naam: Sanne}
    expect: {no_errors: true}
"""


# ---------------------------------------------------------------------- shipped definitions


def test_the_shipped_procedures_record_enrolment_and_deregistration() -> None:
    for region in (None, "noord", "zuid"):
        folder = DEFINITIONS / (region or "base")
        overstap = compile_procedure_file(folder / "tussentijdse-overstap.procedure.yaml")
        aanmelding = compile_procedure_file(folder / "aanmelding.procedure.yaml")
        assert overstap.transitions["inschrijven"].records == "enrolment"
        assert overstap.transitions["uitschrijven"].records == "deregistration"
        assert aanmelding.transitions["inschrijven"].records == "enrolment"


def test_the_shipped_procedures_check_and_their_variants_differ() -> None:
    base = compile_procedure_file(DEFINITIONS / "base" / "tussentijdse-overstap.procedure.yaml")
    noord = compile_procedure_file(DEFINITIONS / "noord" / "tussentijdse-overstap.procedure.yaml")
    zuid = compile_procedure_file(DEFINITIONS / "zuid" / "tussentijdse-overstap.procedure.yaml")
    okr = {p.region: next(t for t in p.terms if t.id == "okr_termijn") for p in (base, noord)}
    assert (okr[None].amount, okr[None].unit) == (4, "weeks")
    assert (okr["noord"].amount, okr["noord"].unit) == (5, "school_days")
    assert base.transitions["aanmelden"].needs == ("overstapformulier",)
    assert base.transitions["toelaten"].needs == ()
    assert zuid.transitions["toelaten"].needs == ("adviesformulier-zuid",)
    assert set(base.transitions["intrekken"].sources) == {
        name for name, status in base.statuses.items() if not status.final
    }
    for path in DEFINITIONS.rglob("*.procedure.yaml"):
        assert check_procedure_file(path).ok, path


def test_popo_check_reports_a_broken_procedure(write: Write, tmp_path: Path) -> None:
    write("overstapformulier.form.yaml", FORM)
    write("p.procedure.yaml", PROCEDURE.replace("    to: aangemeld", "    to: aangemelt"))
    out = io.StringIO()
    from contextlib import redirect_stdout

    with redirect_stdout(out):
        code = main(["check", str(tmp_path)])
    assert code == 1
    assert "p.procedure.yaml:" in out.getvalue()
    assert "error: there is no status 'aangemelt'" in out.getvalue()


def test_a_transition_a_variant_changes_needs_the_variants_own_scenario(
    write: Write, tmp_path: Path
) -> None:
    write("popo.lock", "")
    write("overstapformulier.form.yaml", FORM)
    write("overstapformulier.scenarios.yaml", _FORM_SCENARIOS)
    write("base/p.procedure.yaml", PROCEDURE)
    made_all = SCENARIOS + (
        "  - name: ingetrokken\n"
        "    events:\n"
        "      - {transition: intrekken, date: 2027-01-11, by: sending_school.directeur}\n"
        "    expect: {status: ingetrokken}\n"
    )
    write("base/p.scenarios.yaml", made_all)
    variant = (
        "extends: ../base/p.procedure.yaml\n"
        "id: test-overstap-noord\n"
        "version: 1\n"
        "changes:\n"
        "  - modify: afronden\n"
        "    set: {who: [receiving_school]}\n"
    )
    write("noord/p.procedure.yaml", variant)
    write(
        "noord/p.scenarios.yaml",
        "procedure: p.procedure.yaml\nscenarios:\n  - name: nieuw\n    expect: {status: gemeld}\n",
    )
    code, output = _test(tmp_path, "--require-coverage")
    assert code == 1
    assert (
        "noord/p.procedure.yaml:6:16: not covered: no scenario makes the transition 'afronden' "
        "of the procedure 'test-overstap-noord'"
    ) in output
    assert "coverage: 3 of 4 transitions of procedures made by a scenario" in output


def test_a_term_in_school_days_without_a_calendar_is_a_warning(write: Write) -> None:
    text = PROCEDURE.replace("unit: weeks", "unit: school_days")
    assert problems(write, text) == [
        f"{at(text, 'unit: school_days', 'school_days')}: warning: the term 'termijn' counts "
        "school days, and the definitions folder has no school calendar that can be read | add "
        f"the school holidays as a *.calendar.yaml file in {write('x', '').parent} (or fix its "
        "errors)"
    ]


REGISTRATION = """
id: test-aanmelding
version: 1
title: Aanmelding
parties:
  - id: parents
    roles: [ouder]
  - id: receiving_school
    roles: [medewerker, directeur]
statuses:
  - {id: concept, label: Concept, initial: true}
  - {id: aangemeld, label: Aangemeld}
  - {id: toegelaten, label: Toegelaten, final: true}
  - {id: afgewezen, label: Afgewezen}
transitions:
  - id: aanmelden
    from: concept
    to: aangemeld
    label: Aanmelden
    who: [parents.ouder]
    records: receipt
  - id: toelaten
    from: aangemeld
    to: toegelaten
    label: Toelaten
    who: [receiving_school.directeur]
    records: admission
  - id: afwijzen
    from: aangemeld
    to: afgewezen
    label: Afwijzen
    who: [receiving_school.directeur]
    records: refusal
  - id: volgende_school
    from: afgewezen
    to: aangemeld
    label: Volgende school
    who: [receiving_school.directeur]
    records: next_school
admission:
  decision_weeks: 6
  who: [receiving_school.directeur]
  alerts: [7, 2]
"""


def test_a_registration_compiles_with_its_legal_terms(write: Write) -> None:
    compiled = compile_procedure_file(write("a.procedure.yaml", REGISTRATION))
    assert compiled.admission is not None
    assert compiled.admission.decision_weeks == 6
    assert compiled.admission.alerts == (7, 2)
    assert compiled.admission.others_see == "order"
    assert [t.id for t in compiled.recording("refusal")] == ["afwijzen"]


@pytest.mark.parametrize(
    ("old", "new", "line_text", "token", "message"),
    [
        (
            "  decision_weeks: 6",
            "  decision_weeks: 8",
            "decision_weeks: 8",
            "8",
            "error: a school decides within 6 weeks of the receipt (WPO art. 40 lid 6), not 8",
        ),
        (
            "  alerts: [7, 2]",
            "  alerts: [7, 7]",
            "alerts: [7, 7]",
            "7]",
            "error: the alert 7 days before is listed twice",
        ),
        (
            "    from: afgewezen\n    to: aangemeld",
            "    from: afgewezen\n    to: concept",
            "    to: concept",
            "concept",
            "error: the next school receives the registration as the first did | to: aangemeld",
        ),
        (
            "  who: [receiving_school.directeur]\n  alerts",
            "  who: [receiving_school.rector]\n  alerts",
            "who: [receiving_school.rector]",
            "receiving_school.rector",
            "error: receiving_school has no role 'rector'",
        ),
        (
            "  - {id: afgewezen, label: Afgewezen}",
            "  - {id: afgewezen, label: Afgewezen, final: true}",
            "    to: afgewezen",
            "afgewezen",
            "error: the status 'afgewezen' is final, so the next school cannot take over",
        ),
    ],
)
def test_a_registration_stays_within_the_law(
    write: Write, old: str, new: str, line_text: str, token: str, message: str
) -> None:
    assert old in REGISTRATION
    text = REGISTRATION.replace(old, new, 1)
    found = problems(write, text)
    wanted = f"{at(text, line_text, token)}: {message}"
    assert any(problem.startswith(wanted) for problem in found), (wanted, found)


def test_the_steps_of_a_registration_need_the_admission_block(write: Write) -> None:
    text = REGISTRATION.split("admission:")[0]
    found = problems(write, text)
    wanted = f"{at(text, 'records: receipt', 'receipt')}: error: 'records: receipt' is a step"
    assert any(problem.startswith(wanted) for problem in found), found
    without_refusal = REGISTRATION.replace("    records: refusal\n", "")
    found = problems(write, without_refusal)
    assert any("a registration needs a step with records: refusal" in p for p in found), found
