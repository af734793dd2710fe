"""Running one scenario file: its scenarios and its migration scenarios."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..api import CheckResult, check_file
from ..checker import OsoCatalog
from ..compiler import CompiledForm, compile_form
from ..errors import DefinitionError, Diagnostics, Location, did_you_mean
from ..loader import _explain, _locate
from ..yamlsource import LoadedWithProblems, LocDict, load_file, to_plain
from .answers import check_answers
from .coverage import Coverage
from .expectations import EXPECTS_NOTHING, Failure, check_expectations, expects_nothing
from .files import Scenario, ScenarioFile, allowed_keys
from .migrations import VersionFinder, run_migration


@dataclass
class ScenarioRun:
    """What running one scenario file found: passes, failures, errors in the file itself."""

    path: Path
    passed: int = 0
    failures: list[Failure] = field(default_factory=list)
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    total: int = 0
    form: Path | None = None  # the form the file names (resolved), once it is known


def run_file(
    path: Path,
    oso: OsoCatalog | None = None,
    default_today: date | None = None,
    coverage: Coverage | None = None,
    versions: VersionFinder | None = None,
) -> ScenarioRun:
    """Run one scenario file. With ``coverage``, record what each condition evaluated to."""
    run = ScenarioRun(path)
    try:
        data = load_file(path)
    except DefinitionError as exc:
        run.diagnostics.extend(exc.diagnostics)
        if isinstance(exc, LoadedWithProblems):  # it still names its form
            run.form = named_form(path, exc.data)
        return run
    if not isinstance(data, LocDict):
        run.diagnostics.error(
            Location(str(path), 1, 1), "a scenario file is a mapping with form and scenarios"
        )
        return run
    run.form = named_form(path, data)
    if "overview" in data and "form" not in data:
        from .overviews import run_overview_file

        return run_overview_file(path, data, run)
    if "procedure" in data and "form" not in data:
        from .procedures import run_procedure_file

        return run_procedure_file(
            path, data, run, coverage.transitions if coverage is not None else None
        )
    try:
        parsed = ScenarioFile.model_validate(to_plain(data))
    except ValidationError as exc:
        for error in exc.errors():
            location, _node, parent, key = _locate(data, error["loc"])
            if error["type"] == "extra_forbidden" and isinstance(parent, LocDict):
                location = parent.key_locs.get(key, location)
                allowed = allowed_keys(error["loc"])
                run.diagnostics.error(
                    location,
                    f"unknown key '{key}'",
                    did_you_mean(str(key), allowed) or "allowed: " + ", ".join(allowed),
                )
                continue
            message, hint = _explain(error, None)
            run.diagnostics.error(location, message, hint)
        return run
    if not parsed.scenarios and not parsed.migrations:
        run.diagnostics.error(
            data.loc,
            "this scenario file has no scenarios",
            "list them under scenarios: (and, for a new version, migrations:)",
        )
        return run
    form_path = (path.parent / parsed.form).resolve()
    if not form_path.exists():
        run.diagnostics.error(data.location_of("form"), f"the form '{parsed.form}' does not exist")
        return run
    result: CheckResult = check_file(form_path, oso)
    if result.compiled is None or result.checked is None:
        run.diagnostics.error(
            data.location_of("form"),
            f"the form '{parsed.form}' has errors; run popo check on it first",
        )
        return run
    if coverage is not None:
        traced = compile_form(result.checked, "", coverage)
        result = CheckResult(result.path, result.loaded, result.checked, traced, None)
    for index, scenario in enumerate(parsed.scenarios):
        raw = data["scenarios"][index]
        _count(run, _run_scenario(result.compiled, scenario, raw, default_today))  # type: ignore[arg-type]
    finder = versions or VersionFinder(oso)
    for index, migration in enumerate(parsed.migrations):
        raw = data["migrations"][index]
        _count(run, run_migration(result, migration, raw, form_path, finder, default_today))
    return run


def named_form(path: Path, data: Any) -> Path | None:
    """The form (resolved) that the ``form:`` of a scenario file's data names, if readable;
    for a procedure's scenarios, the ``procedure:``; for an overview's, the ``overview:``."""
    form = (
        data.get("form", data.get("procedure", data.get("overview")))
        if isinstance(data, LocDict)
        else None
    )
    return (path.parent / form).resolve() if isinstance(form, str) else None


def _count(run: ScenarioRun, failures: list[Failure]) -> None:
    run.total += 1
    if failures:
        run.failures.extend(sorted(failures, key=lambda f: (f.location.line, f.location.column)))
    else:
        run.passed += 1


def _run_scenario(
    compiled: CompiledForm, scenario: Scenario, raw: LocDict, default_today: date | None
) -> list[Failure]:
    if expects_nothing(scenario.expect):
        return [
            Failure(
                raw.location_of("expect"), scenario.name, EXPECTS_NOTHING.format(kind="scenario")
            )
        ]
    problems = check_answers(
        compiled, raw.get("answers"), raw.location_of("answers"), scenario.expect.errors
    )
    if problems:  # expectations on wrong answers would pass or fail for the wrong reason
        return [Failure(location, scenario.name, text) for location, text in problems]
    return check_expectations(
        compiled,
        scenario.answers,
        scenario.expect,
        raw["expect"],
        scenario.name,
        scenario.language,
        scenario.today or default_today,
    )
