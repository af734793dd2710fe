"""A folder of definitions as a whole: discovery, published versions and migrations.

File names tell what a file is: ``*.form.yaml`` (a definition or regional variant),
``*.fragment.yaml`` (shared fields or sections), ``*.procedure.yaml`` (how a case moves
between statuses, :mod:`engine.procedures`), ``*.scenarios.yaml`` (author tests),
``*.calendar.yaml`` (school holidays per vakantieregio, :mod:`engine.calendar`),
``*.placement.yaml`` (a region's central placement round, :mod:`engine.placement`),
``*.overview.yaml`` (an overview of monitoring, :mod:`engine.overviews`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .api import CheckResult, check_file
from .calendar import CALENDAR_SUFFIX, LoadedCalendar, load_calendar
from .checker import OsoCatalog
from .errors import Diagnostics, Location
from .overviews import OVERVIEW_SUFFIX, OverviewResult, check_overview_file
from .placement import PLACEMENT_SUFFIX, PlacementResult, check_placement_file
from .procedures import PROCEDURE_SUFFIX, ProcedureResult, check_procedure_file
from .versions import (
    FORM,
    LOCK_NAME,
    OVERVIEW,
    PLACEMENT,
    PROCEDURE,
    LockEntry,
    LockFile,
    SourceHashes,
    check_breaking_without_migration,
    check_migration,
)
from .yamlsource import LocDict

FORM_SUFFIX = ".form.yaml"
FRAGMENT_SUFFIX = ".fragment.yaml"
SCENARIO_SUFFIX = ".scenarios.yaml"
KNOWN_SUFFIXES = (
    FORM_SUFFIX,
    FRAGMENT_SUFFIX,
    PROCEDURE_SUFFIX,
    SCENARIO_SUFFIX,
    CALENDAR_SUFFIX,
    PLACEMENT_SUFFIX,
    OVERVIEW_SUFFIX,
)

Versioned = CheckResult | ProcedureResult | PlacementResult | OverviewResult
"""A form, a procedure, a placement policy or an overview: each is published in popo.lock and
never changes afterwards."""


def kind_of(result: Versioned) -> str:
    """FORM, PROCEDURE, PLACEMENT or OVERVIEW: the lock file's section for ``result``, and the
    word in messages."""
    if isinstance(result, PlacementResult):
        return PLACEMENT
    if isinstance(result, OverviewResult):
        return OVERVIEW
    return PROCEDURE if isinstance(result, ProcedureResult) else FORM


def discover(paths: list[Path], suffix: str) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_file():
            others = [s for s in KNOWN_SUFFIXES if s != suffix]
            named_as_other = any(path.name.endswith(s) for s in others)
            # a file named on the command line is taken as a form unless named otherwise
            if path.name.endswith(suffix) or (suffix == FORM_SUFFIX and not named_as_other):
                found.append(path)
        elif path.is_dir():
            found.extend(sorted(p for p in path.rglob(f"*{suffix}") if p.is_file()))
    return sorted(dict.fromkeys(found))


def stray_yaml(paths: list[Path]) -> list[Path]:
    stray: list[Path] = []
    for path in paths:
        if path.is_dir():
            for candidate in sorted(path.rglob("*.y*ml")):
                if not candidate.name.endswith(KNOWN_SUFFIXES):
                    stray.append(candidate)
    return stray


@dataclass
class Workspace:
    paths: list[Path]
    results: list[CheckResult] = field(default_factory=list)
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    index: dict[tuple[str, int], CheckResult] = field(default_factory=dict)
    procedures: list[ProcedureResult] = field(default_factory=list)
    calendars: list[LoadedCalendar] = field(default_factory=list)
    procedure_index: dict[tuple[str, int], ProcedureResult] = field(default_factory=dict)
    placements: list[PlacementResult] = field(default_factory=list)
    placement_index: dict[tuple[str, int], PlacementResult] = field(default_factory=dict)
    overviews: list[OverviewResult] = field(default_factory=list)
    overview_index: dict[tuple[str, int], OverviewResult] = field(default_factory=dict)

    def all_diagnostics(self) -> list:  # type: ignore[type-arg]
        items = list(self.diagnostics)
        for result in self.results:
            items.extend(result.diagnostics)
        for procedure in self.procedures:
            items.extend(procedure.diagnostics)
        for placement in self.placements:
            items.extend(placement.diagnostics)
        for overview in self.overviews:
            items.extend(overview.diagnostics)
        seen = set()
        unique = []
        for item in items:
            marker = (item.location, item.message)
            if marker not in seen:
                seen.add(marker)
                unique.append(item)
        return sorted(unique, key=lambda d: (d.location.file, d.location.line, d.location.column))

    @property
    def ok(self) -> bool:
        return not any(d.severity.value == "error" for d in self.all_diagnostics())

    def find(self, form_id: str, version: int) -> CheckResult | None:
        return self.index.get((form_id, version))

    def versions(self, form_id: str, kind: str = FORM) -> list[int]:
        """The versions of a form (or, with ``kind=PROCEDURE``, of a procedure) found."""
        return sorted(v for (f, v) in self.index_of(kind) if f == form_id)

    def index_of(self, kind: str) -> dict[tuple[str, int], Any]:
        """The index of the definitions of ``kind`` (FORM, PROCEDURE, PLACEMENT, OVERVIEW)
        found."""
        if kind == PLACEMENT:
            return self.placement_index
        if kind == OVERVIEW:
            return self.overview_index
        return self.procedure_index if kind == PROCEDURE else self.index

    def find_procedure(self, procedure_id: str, version: int) -> ProcedureResult | None:
        return self.procedure_index.get((procedure_id, version))


def open_workspace(
    paths: list[Path],
    oso: OsoCatalog | None = None,
    schools: Mapping[str, str | None] | None = None,
) -> Workspace:
    """Every definition under ``paths``, checked. ``schools``: the school locations known
    (code → region) to check placement policies against; None where no register is at hand
    (``popo check`` reads no database)."""
    workspace = Workspace(paths)
    for path in paths:
        if not path.exists():
            workspace.diagnostics.error(Location(str(path)), "no such file or folder")
    for path in discover(paths, FORM_SUFFIX):
        result = check_file(path, oso)
        workspace.results.append(result)
        model = result.definition
        if model is None:
            continue
        key = (model.id, model.version)
        if key in workspace.index:
            other = workspace.index[key].path
            workspace.diagnostics.error(
                model.location("version"),
                f"'{model.id}' version {model.version} is also defined in {other}",
                "give each version of a form its own version number",
            )
            continue
        workspace.index[key] = result
    for path in discover(paths, PROCEDURE_SUFFIX):
        procedure = check_procedure_file(path)
        workspace.procedures.append(procedure)
        flow = procedure.definition
        if flow is None:
            continue
        key = (flow.id, flow.version)
        if key in workspace.procedure_index:
            workspace.diagnostics.error(
                flow.location("version"),
                f"the procedure '{flow.id}' version {flow.version} is also defined in "
                f"{workspace.procedure_index[key].path}",
                "give each procedure its own id, or each version its own number",
            )
            continue
        workspace.procedure_index[key] = procedure
    for path in discover(paths, PLACEMENT_SUFFIX):
        placement = check_placement_file(path, schools, workspace.results)
        workspace.placements.append(placement)
        policy = placement.definition
        if policy is None:
            continue
        key = (policy.id, policy.version)
        if key in workspace.placement_index:
            workspace.diagnostics.error(
                policy.location("version"),
                f"the placement policy '{policy.id}' version {policy.version} is also defined "
                f"in {workspace.placement_index[key].path}",
                "give each policy its own id, or each version its own number",
            )
            continue
        workspace.placement_index[key] = placement
    for path in discover(paths, OVERVIEW_SUFFIX):
        overview = check_overview_file(path)
        workspace.overviews.append(overview)
        defined = overview.definition
        if defined is None:
            continue
        key = (defined.id, defined.version)
        if key in workspace.overview_index:
            workspace.diagnostics.error(
                defined.location("version"),
                f"the overview '{defined.id}' version {defined.version} is also defined in "
                f"{workspace.overview_index[key].path}",
                "give each overview its own id, or each version its own number",
            )
            continue
        workspace.overview_index[key] = overview
    for path in discover(paths, CALENDAR_SUFFIX):
        calendar = load_calendar(path)
        workspace.calendars.append(calendar)
        workspace.diagnostics.extend(calendar.diagnostics)
    for path in stray_yaml(paths):
        workspace.diagnostics.warning(
            Location(str(path)),
            "this YAML file is not a form, fragment, procedure, scenario, calendar, placement "
            "or overview file and is ignored",
            "name it *.form.yaml, *.fragment.yaml, *.procedure.yaml, *.scenarios.yaml, "
            "*.calendar.yaml, *.placement.yaml or *.overview.yaml",
        )
    _check_locks(workspace)
    _check_migrations(workspace)
    return workspace


def _check_locks(workspace: Workspace) -> None:
    """Published forms and procedures that changed since (each edited file once), and
    published versions whose file is gone."""
    locks: dict[Path, LockFile] = {}
    edited: list[tuple[LockFile, LockEntry, Versioned]] = []
    unchanged_files: set[Path] = set()
    published: list[Versioned] = [
        *workspace.results,
        *workspace.procedures,
        *workspace.placements,
        *workspace.overviews,
    ]
    for result in published:
        model = result.definition
        if model is None or result.content_hash is None:
            continue
        lock = LockFile.find(result.path)
        if lock is None:
            continue
        lock = locks.setdefault(lock.path, lock)
        entry = lock.get(model.id, model.version, kind_of(result))
        if entry is None:
            continue
        if entry.sha256 == result.content_hash:
            unchanged_files |= result.loaded.files
        else:
            edited.append((lock, entry, result))
    if edited:
        _blame_edits(workspace, edited, unchanged_files)
    for lock in locks.values():
        for entry in lock.entries.values():
            if (entry.form, entry.version) not in workspace.index_of(entry.kind):
                target = lock.path.parent / entry.file
                if not target.exists():
                    workspace.diagnostics.error(
                        Location(str(lock.path)),
                        f"published version {entry.form}@{entry.version} ({entry.file}) is missing",
                        "published versions must stay: drafts and archives refer to them",
                    )


def _blame_edits(
    workspace: Workspace,
    edited: list[tuple[LockFile, LockEntry, Versioned]],
    unchanged_files: set[Path],
) -> None:
    """Report each edited source file once, with the published versions the edit changes.

    The lock records the hash of every source file of a published version, so the edited files
    are known. Lock files written before that record only the whole version's hash: then the
    edited files are the fewest that explain every changed version, leaving out files that a
    version which is still unchanged includes.
    """
    hashes = SourceHashes()
    blamed: dict[Path, list[tuple[LockFile, LockEntry, Versioned]]] = {}
    unexplained: list[tuple[LockFile, LockEntry, Versioned]] = []
    guesses: dict[int, set[Path]] = {}
    for index, (lock, entry, result) in enumerate(edited):
        if entry.sources:
            changed = [
                lock.resolve(name)
                for name, digest in entry.sources.items()
                if hashes.get(lock.resolve(name)) != digest
            ]
            for path in changed:
                blamed.setdefault(path, []).append((lock, entry, result))
            if not changed:
                unexplained.append((lock, entry, result))
        else:
            guesses[index] = set(result.loaded.files) - unchanged_files
    while guesses:
        counts = Counter(path for paths in guesses.values() for path in paths)
        if not counts:
            break
        top = max(counts.values())
        path = min((p for p, n in counts.items() if n == top), key=str)
        explained = [i for i, paths in guesses.items() if path in paths]
        # files in every one of these versions, and in no other: any of them may be the edit
        suspects = sorted(
            (p for p, n in counts.items() if n == top and all(p in guesses[i] for i in explained)),
            key=str,
        )
        if len(suspects) > 1:
            _report_uncertain_edit(workspace, [edited[i] for i in explained], suspects)
        else:
            blamed.setdefault(path, []).extend(edited[i] for i in explained)
        for index in explained:
            del guesses[index]
    unexplained += [edited[index] for index in guesses]
    for path, versions in blamed.items():
        _report_edited_file(workspace, path, versions, hashes)
    for _lock, entry, result in unexplained:
        model = result.definition
        assert model is not None
        workspace.diagnostics.error(
            model.location("version"),
            f"version {model.version} of '{model.id}' was published on {entry.published} "
            "and has been edited since (it, or a file it includes, differs from popo.lock)",
            _new_version_hint(workspace, model.id, kind_of(result)),
        )


def _report_uncertain_edit(
    workspace: Workspace,
    versions: list[tuple[LockFile, LockEntry, Versioned]],
    suspects: list[Path],
) -> None:
    """Versions from a lock that records no source files, edited in one of ``suspects``."""
    names = sorted(entry.name for _, entry, _ in versions)
    lock = versions[0][0]
    first = next(
        (result for lock, entry, result in versions if lock.resolve(entry.file) in suspects),
        versions[0][2],
    )
    assert first.definition is not None
    files = " or ".join(lock.relative(path) for path in suspects)
    have = "has" if len(names) == 1 else "have"
    workspace.diagnostics.error(
        first.definition.location("version"),
        f"{_and(names)} {have} been edited since {'it was' if len(names) == 1 else 'they were'} "
        f"published, in {files} ({lock.path.name} does not record which files went into "
        f"{'it' if len(names) == 1 else 'them'})",
        f"undo the edit first (published versions never change); to change a "
        f"{kind_of(first)}, make a new version: a new file that extends: the published one, "
        "with version: one higher and your changes, then run popo publish",
    )


def _new_version_hint(workspace: Workspace, form_id: str, kind: str = FORM) -> str:
    free = max(workspace.versions(form_id, kind), default=0) + 1
    return (
        f"undo the edit first (published versions never change); to change the {kind}, make a "
        f"new version: a new file that extends: this one, with version: {free} and your "
        "changes, then run popo publish"
    )


def _report_edited_file(
    workspace: Workspace,
    path: Path,
    versions: list[tuple[LockFile, LockEntry, Versioned]],
    hashes: SourceHashes,
) -> None:
    names = sorted(entry.name for _, entry, _ in versions)
    own = next(
        ((entry, result) for lock, entry, result in versions if lock.resolve(entry.file) == path),
        None,
    )
    if own is not None:
        entry, result = own
        model = result.definition
        assert model is not None
        others = [name for name in names if name != entry.name]
        builds = "builds" if len(others) == 1 else "build"
        also = f"; the edit also changes {_and(others)}, which {builds} on it" if others else ""
        workspace.diagnostics.error(
            model.location("version"),
            f"version {model.version} of '{model.id}' was published on {entry.published} "
            f"and this file has been edited since{also}",
            _new_version_hint(workspace, model.id, kind_of(result)),
        )
        return
    data = hashes.data(path)
    is_fragment = path.name.endswith(FRAGMENT_SUFFIX) and isinstance(data, LocDict)
    location = Location(_display(path), 1, 1)
    if isinstance(data, LocDict):
        location = data.key_locs.get("fragment") or data.key_locs.get("id") or data.loc
    what = f"the fragment '{data.get('fragment')}'" if is_fragment else "this file"
    were = "was" if len(names) == 1 else "were"
    kinds = {entry.kind for _, entry, _ in versions}
    noun = kinds.pop() if len(kinds) == 1 else "definition"
    forms = f"that {noun}" if len(names) == 1 else f"those {noun}s"
    workspace.diagnostics.error(
        location,
        f"{what} has been edited since {_and(names)} {were} published with it, "
        "and published versions never change",
        f"undo the edit; to change {forms}, copy this file to a new "
        f"{'fragment ' if is_fragment else ''}file, edit the copy and include it from new "
        "versions (set version: one higher, run popo publish)",
    )


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _check_migrations(workspace: Workspace) -> None:
    for result in workspace.results:
        model = result.definition
        if model is None or result.checked is None:
            continue
        for migration in model.migrations:
            source = workspace.find(model.id, migration.from_version)
            if source is None or source.checked is None:
                workspace.diagnostics.error(
                    migration.location("from"),
                    f"there is no version {migration.from_version} of '{model.id}' to migrate from",
                    "versions found: " + ", ".join(map(str, workspace.versions(model.id))),
                )
                continue
            if migration.from_version >= model.version:
                workspace.diagnostics.error(
                    migration.location("from"), "a migration comes from an earlier version"
                )
                continue
            check_migration(migration, source.checked, result.checked, result.diagnostics)
        earlier = [v for v in workspace.versions(model.id) if v < model.version]
        if not earlier or any(m.from_version == earlier[-1] for m in model.migrations):
            continue
        previous = workspace.find(model.id, earlier[-1])
        if previous is not None and previous.checked is not None:
            check_breaking_without_migration(previous.checked, result.checked, result.diagnostics)


def lock_for_publish(path: Path, root: Path | None = None) -> LockFile:
    """The lock file that records ``path``; created in ``root`` (or beside it) when absent."""
    lock = LockFile.find(path)
    if lock is not None:
        return lock
    folder = root or path.parent
    return LockFile(folder / LOCK_NAME, {})


__all__ = [
    "LocDict",
    "Versioned",
    "Workspace",
    "discover",
    "kind_of",
    "lock_for_publish",
    "open_workspace",
]
