"""Running a scenario file that names a procedure (``procedure:`` instead of ``form:``)."""

from __future__ import annotations

from pathlib import Path

from ..errors import EngineError
from ..procedures import check_procedure_file, school_calendar
from ..procedures.scenarios import (
    TransitionCoverage,
    check_names,
    compare,
    parse,
    run_scenario,
)
from ..yamlsource import LocDict
from .expectations import Failure
from .run import ScenarioRun


def run_procedure_file(
    path: Path,
    data: LocDict,
    run: ScenarioRun,
    coverage: TransitionCoverage | None = None,
) -> ScenarioRun:
    parsed = parse(data, run.diagnostics)
    if parsed is None:
        return run
    target = (path.parent / parsed.procedure).resolve()
    if not target.exists():
        run.diagnostics.error(
            data.location_of("procedure"), f"the procedure '{parsed.procedure}' does not exist"
        )
        return run
    result = check_procedure_file(target)
    if result.compiled is None or result.definition is None:
        run.diagnostics.error(
            data.location_of("procedure"),
            f"the procedure '{parsed.procedure}' has errors; run popo check on it first",
        )
        return run
    procedure = result.compiled
    calendar = school_calendar(target)
    locations = result.transition_locations()
    forms = result.forms
    for index, scenario in enumerate(parsed.scenarios):
        raw = data["scenarios"][index]
        run.total += 1
        problems = check_names(procedure, forms, raw)
        if not problems:
            try:
                state = run_scenario(procedure, scenario, calendar)
            except EngineError as exc:  # a term in school days that cannot be counted
                problems = [(raw.loc, str(exc))]
            else:
                if coverage is not None:
                    coverage.record(state, locations)
                problems = compare(state, scenario.expect, raw["expect"])
        if problems:
            run.failures.extend(
                Failure(where, scenario.name, message)
                for where, message in sorted(problems, key=lambda p: (p[0].line, p[0].column))
            )
        else:
            run.passed += 1
    return run
