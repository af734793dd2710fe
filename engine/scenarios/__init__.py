"""Author test scenarios: given answers, expect what the form shows.

A ``*.scenarios.yaml`` file names its form (a path relative to itself) and lists scenarios::

    form: overstapformulier.form.yaml
    scenarios:
      - name: reden anders vraagt een toelichting
        today: 2027-01-15
        language: nl
        answers: {reden: anders}
        expect:
          visible: [toelichting]
          required: [toelichting]
          errors: {toelichting: required}     # a message key, or its text in the language

A new version's file may also list migration scenarios: answers of a draft on an earlier
version, and the answers they become on this one::

    migrations:
      - name: wisselend wordt voldoende
        from: 1
        answers: {omgang: wisselend}
        expect:
          answers: {omgang_met_anderen: voldoende}

The answers of every scenario are checked against the form before anything is evaluated (an
unknown field, a value that is no choice, a text for a number), so that an expectation cannot
pass or fail for the wrong reason. :func:`run_suite` runs a set of scenario files with coverage:
``popo test`` and ``popo publish`` both use it.

The package, by idea: :mod:`.files` (what a scenario file may hold), :mod:`.answers` (answers
checked against the form), :mod:`.expectations` (what the form must show), :mod:`.migrations`
(answers on an earlier version), :mod:`.run` (one file), :mod:`.coverage` (conditions seen both
ways) and :mod:`.suite` (the files of some forms, for ``popo test`` and ``popo publish``).
Values in messages are shown by :mod:`engine.display`.
"""

from __future__ import annotations

from ..display import show_value
from .answers import check_answers
from .coverage import Coverage, describe_missing
from .expectations import Failure, check_expectations
from .files import Expectations, MigrationExpectations, MigrationScenario, Scenario, ScenarioFile
from .run import ScenarioRun, run_file
from .suite import SuiteResult, no_scenarios, run_suite, scenario_target, scenarios_naming

__all__ = [
    "Coverage",
    "Expectations",
    "Failure",
    "MigrationExpectations",
    "MigrationScenario",
    "Scenario",
    "ScenarioFile",
    "ScenarioRun",
    "SuiteResult",
    "check_answers",
    "check_expectations",
    "describe_missing",
    "no_scenarios",
    "run_file",
    "run_suite",
    "scenario_target",
    "scenarios_naming",
    "show_value",
]
