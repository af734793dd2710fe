"""Running a scenario file that names an overview (``overview:`` instead of ``form:``)."""

from __future__ import annotations

from pathlib import Path

from ..overviews import check_overview_file
from ..overviews.scenarios import parse, run_scenario
from ..yamlsource import LocDict
from .expectations import Failure
from .run import ScenarioRun


def run_overview_file(path: Path, data: LocDict, run: ScenarioRun) -> ScenarioRun:
    parsed = parse(data, run.diagnostics)
    if parsed is None:
        return run
    target = (path.parent / parsed.overview).resolve()
    if not target.exists():
        run.diagnostics.error(
            data.location_of("overview"), f"the overview '{parsed.overview}' does not exist"
        )
        return run
    result = check_overview_file(target)
    if result.compiled is None:
        run.diagnostics.error(
            data.location_of("overview"),
            f"the overview '{parsed.overview}' has errors; run popo check on it first",
        )
        return run
    for index, scenario in enumerate(parsed.scenarios):
        raw = data["scenarios"][index]
        run.total += 1
        problems = run_scenario(result.compiled, scenario, raw)
        if problems:
            run.failures.extend(
                Failure(where, scenario.name, message)
                for where, message in sorted(problems, key=lambda p: (p[0].line, p[0].column))
            )
        else:
            run.passed += 1
    return run
