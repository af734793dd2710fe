"""The suite: the scenario files of some forms, run with coverage (popo test, popo publish)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..api import CheckResult, check_file
from ..checker import OsoCatalog, TypedExpression
from ..errors import DefinitionError, Diagnostic, Location, Severity
from ..overviews import OVERVIEW_SUFFIX
from ..procedures import PROCEDURE_SUFFIX, check_procedure_file
from ..workspace import FORM_SUFFIX, FRAGMENT_SUFFIX, SCENARIO_SUFFIX, discover
from ..yamlsource import LoadedWithProblems, load_file
from .coverage import Coverage, describe_missing
from .migrations import VersionFinder
from .run import ScenarioRun, named_form, run_file


def scenario_target(path: Path) -> Path | None:
    """The form a scenario file names (resolved), or None when its form: cannot be read. A
    file with errors elsewhere (a repeated key, say) still names its form."""
    try:
        data = load_file(path)
    except LoadedWithProblems as exc:
        data = exc.data
    except DefinitionError:
        return None
    return named_form(path, data)


def scenarios_naming(forms: Iterable[Path], search: Iterable[Path] = ()) -> dict[Path, list[Path]]:
    """For each form (resolved), the scenario files that name it, looked for under ``search``
    and in the form's own folder."""
    forms = list(forms)
    wanted: dict[Path, list[Path]] = {form.resolve(): [] for form in forms}
    folders = [*search, *(form.parent for form in forms)]
    seen: set[Path] = set()
    for path in discover([p for p in folders if p.is_dir()], SCENARIO_SUFFIX):
        if path.resolve() in seen:
            continue
        seen.add(path.resolve())
        target = scenario_target(path)
        if target in wanted:
            wanted[target].append(path)
    return wanted


def no_scenarios(form: Path, severity: Severity = Severity.WARNING) -> Diagnostic:
    """The message for a form (or procedure, or overview) that no scenario file names."""
    if form.name.endswith(OVERVIEW_SUFFIX):
        name, what, key, guide = (
            form.name.removesuffix(OVERVIEW_SUFFIX),
            "overview",
            "overview",
            "docs/overviews.md",
        )
    elif form.name.endswith(PROCEDURE_SUFFIX):
        name, what, key, guide = (
            form.name.removesuffix(PROCEDURE_SUFFIX),
            "procedure",
            "procedure",
            "docs/procedures.md",
        )
    else:
        name, what, key, guide = (
            form.name.removesuffix(FORM_SUFFIX),
            "form",
            "form",
            "docs/authoring.md",
        )
    return Diagnostic(
        Location(str(form)),
        f"this {what} has no scenarios: no *.scenarios.yaml names it, so nothing of it is tested",
        f"add {name}{SCENARIO_SUFFIX} beside it with {key}: {form.name} and at least one "
        f"scenario ({guide}, popo test)",
        severity=severity,
    )


@dataclass
class SuiteResult:
    """What running the scenarios of some forms found."""

    runs: list[ScenarioRun]
    without_scenarios: list[Path]
    coverage: Coverage | None = None
    missing: list[tuple[TypedExpression, str, str, list[str]]] = field(default_factory=list)
    # forms whose coverage is not known: a scenario file of theirs (or of a base) has errors
    coverage_unknown: list[tuple[Path, list[Path]]] = field(default_factory=list)
    # transitions of procedures that no scenario made: where, the procedure's id, its id
    untaken: list[tuple[Location, str, str]] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(run.passed for run in self.runs)

    @property
    def failed(self) -> int:
        return sum(run.total - run.passed for run in self.runs)

    @property
    def problems(self) -> int:
        return sum(len(run.diagnostics.errors) for run in self.runs)

    def reasons(self, require_coverage: bool) -> list[str]:
        """Why the suite fails, one short line per kind of problem (empty: it passes)."""
        reasons = []
        total = self.passed + self.failed
        if not self.runs:
            reasons.append("no scenario files (*.scenarios.yaml) found")
        if self.failed:
            reasons.append(f"{self.failed} of {total} scenario{_s(total)} failed")
        if self.problems:
            reasons.append(f"{self.problems} error{_s(self.problems)} in scenario files")
        if require_coverage and self.without_scenarios:
            reasons.append(f"{self._untested()} without scenarios")
        if require_coverage and self.missing:
            count = len(self.missing)
            reasons.append(
                f"{count} condition{_s(count)}, constraint{_s(count)} or filter{_s(count)} "
                "not seen both ways"
            )
        if require_coverage and self.untaken:
            count = len(self.untaken)
            reasons.append(f"{count} transition{_s(count)} of procedures never made")
        return reasons

    def ok(self, require_coverage: bool) -> bool:
        return not self.reasons(require_coverage)

    def lines(self, require_coverage: bool) -> list[str]:
        """The report: file errors, failures, forms without scenarios, coverage, a summary."""
        lines: list[str] = []
        for run in self.runs:
            lines.extend(diagnostic.render() for diagnostic in run.diagnostics)
            lines.extend(failure.render() for failure in run.failures)
        severity = Severity.ERROR if require_coverage else Severity.WARNING
        lines.extend(no_scenarios(form, severity).render() for form in self.without_scenarios)
        if self.coverage is not None:
            lines.extend(describe_missing(*item) for item in self.missing)
            lines.extend(
                f"{where}: not covered: no scenario makes the transition '{name}' of the "
                f"procedure '{procedure}'"
                for where, procedure, name in self.untaken
            )
            for form, files in self.coverage_unknown:
                names = ", ".join(str(path) for path in files)
                lines.append(
                    f"{form}: coverage unknown until the errors in {names} are fixed "
                    "(the scenarios in it did not run)"
                )
            if self.coverage.total or not self.coverage_unknown:
                covered = self.coverage.total - len(self.missing)
                lines.append(
                    f"coverage: {covered} of {self.coverage.total} conditions, constraints and "
                    "filters seen both ways"
                )
            transitions = self.coverage.transitions.total
            if transitions:
                lines.append(
                    f"coverage: {transitions - len(self.untaken)} of {transitions} transitions "
                    "of procedures made by a scenario"
                )
        if not self.runs:
            lines.append("no scenario files (*.scenarios.yaml) found")
        summary = f"scenarios: {self.passed} passed, {self.failed} failed"
        if self.problems:
            summary += f", {self.problems} file error{_s(self.problems)}"
        if self.without_scenarios:
            summary += f", {self._untested()} without scenarios"
        lines.append(summary)
        return lines

    def _untested(self) -> str:
        """'2 forms', '1 procedure' or '1 form and 2 procedures': those without scenarios."""
        procedures = sum(p.name.endswith(PROCEDURE_SUFFIX) for p in self.without_scenarios)
        overviews = sum(p.name.endswith(OVERVIEW_SUFFIX) for p in self.without_scenarios)
        forms = len(self.without_scenarios) - procedures - overviews
        parts = [f"{forms} form{_s(forms)}"] if forms else []
        if procedures:
            parts.append(f"{procedures} procedure{_s(procedures)}")
        if overviews:
            parts.append(f"{overviews} overview{_s(overviews)}")
        return " and ".join(parts)


def _sharing_fragments(
    results: Iterable[CheckResult], search: Sequence[Path], oso: OsoCatalog | None
) -> list[Path]:
    """The forms under ``search`` that include a fragment one of ``results`` includes: a
    condition is known by where it is written, so their scenarios cover a shared fragment."""
    fragments = {
        path.resolve()
        for result in results
        for path in result.loaded.files
        if path.name.endswith(FRAGMENT_SUFFIX)
    }
    if not fragments:
        return []
    sharing = []
    for form in discover([p for p in search if p.is_dir()], FORM_SUFFIX):
        files = {path.resolve() for path in check_file(form, oso).loaded.files}
        if files & fragments:
            sharing.append(form)
    return sharing


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def run_suite(
    forms: Sequence[Path],
    scenario_files: Sequence[Path] = (),
    search: Sequence[Path] = (),
    oso: OsoCatalog | None = None,
    today: date | None = None,
    coverage: bool = False,
    procedures: Sequence[Path] = (),
    overviews: Sequence[Path] = (),
) -> SuiteResult:
    """Run the scenarios of ``forms``; with ``coverage``, find what of them is not covered.

    Runs ``scenario_files`` and every scenario file (under ``search`` or beside a form) that
    names one of ``forms`` or a form they build on: what a variant inherits is covered by its
    base's scenarios. Each of ``forms`` must be named by a scenario file, and with ``coverage``
    each of their conditions, constraints and choice filters must have been seen both ways.
    ``procedures`` are tested alike: named by a scenario file, each transition made by one;
    ``overviews`` must each be named by a scenario file."""
    checked = {form: check_file(form, oso) for form in dict.fromkeys(forms)}
    flows = {path: check_procedure_file(path) for path in dict.fromkeys(procedures)}
    bases = [
        path
        for result in checked.values()
        for path in sorted(result.loaded.files)
        if path.name.endswith(FORM_SUFFIX)
    ]
    bases.extend(_sharing_fragments(checked.values(), search, oso))
    bases.extend(
        path
        for flow in flows.values()
        for path in sorted(flow.loaded.files)
        if path.name.endswith(PROCEDURE_SUFFIX)
    )
    files = {path.resolve(): path for path in scenario_files}
    overviews = list(dict.fromkeys(overviews))
    for found in scenarios_naming([*checked, *flows, *overviews, *bases], search).values():
        for path in found:
            files.setdefault(path.resolve(), path)
    tracker = Coverage() if coverage else None
    versions = VersionFinder(oso)
    runs = [run_file(path, oso, today, tracker, versions) for path in files.values()]
    named = {run.form for run in runs}
    without = [form for form in [*checked, *flows, *overviews] if form.resolve() not in named]
    result = SuiteResult(runs, without, tracker)
    if tracker is not None:
        # a scenario file that did not run leaves its form's coverage, and that of the forms
        # built on it, unknown: listing all their conditions as not covered would mislead
        unread = {run.form: run.path for run in runs if run.form and run.diagnostics.errors}
        for form, form_result in checked.items():
            read = {path.resolve() for path in (form, *form_result.loaded.files)}
            blocked = [unread[path] for path in sorted(read) if path in unread]
            if blocked:
                result.coverage_unknown.append((form, blocked))
            elif form_result.checked is not None:
                tracker.expect(form_result.checked)
        result.missing = tracker.missing()
        for path, flow in flows.items():
            read = {path.resolve(), *flow.loaded.files}
            blocked = [unread[file] for file in sorted(read) if file in unread]
            if blocked:
                result.coverage_unknown.append((path, blocked))
            elif flow.definition is not None:
                tracker.transitions.expect(flow.definition.id, flow.transition_locations())
        result.untaken = tracker.transitions.missing()
    return result
