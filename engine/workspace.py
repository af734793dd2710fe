"""A folder of definitions as a whole: discovery, published versions and migrations.

File names tell what a file is: ``*.form.yaml`` (a definition or regional variant),
``*.fragment.yaml`` (shared fields or sections), ``*.scenarios.yaml`` (author tests).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .api import CheckResult, check_file
from .checker import OsoCatalog
from .errors import Diagnostics, Location
from .versions import LOCK_NAME, LockFile, check_migration
from .yamlsource import LocDict

FORM_SUFFIX = ".form.yaml"
FRAGMENT_SUFFIX = ".fragment.yaml"
SCENARIO_SUFFIX = ".scenarios.yaml"


def discover(paths: list[Path], suffix: str) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_file():
            others = [s for s in (FORM_SUFFIX, FRAGMENT_SUFFIX, SCENARIO_SUFFIX) if s != suffix]
            named_as_other = any(path.name.endswith(s) for s in others)
            # a file named on the command line is taken as a form unless named otherwise
            if path.name.endswith(suffix) or (suffix == FORM_SUFFIX and not named_as_other):
                found.append(path)
        elif path.is_dir():
            found.extend(sorted(p for p in path.rglob(f"*{suffix}") if p.is_file()))
    return sorted(dict.fromkeys(found))


def stray_yaml(paths: list[Path]) -> list[Path]:
    known = (FORM_SUFFIX, FRAGMENT_SUFFIX, SCENARIO_SUFFIX)
    stray: list[Path] = []
    for path in paths:
        if path.is_dir():
            for candidate in sorted(path.rglob("*.y*ml")):
                if not candidate.name.endswith(known):
                    stray.append(candidate)
    return stray


@dataclass
class Workspace:
    paths: list[Path]
    results: list[CheckResult] = field(default_factory=list)
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    index: dict[tuple[str, int], CheckResult] = field(default_factory=dict)

    def all_diagnostics(self) -> list:  # type: ignore[type-arg]
        items = list(self.diagnostics)
        for result in self.results:
            items.extend(result.diagnostics)
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

    def versions(self, form_id: str) -> list[int]:
        return sorted(v for (f, v) in self.index if f == form_id)


def open_workspace(paths: list[Path], oso: OsoCatalog | None = None) -> Workspace:
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
    for path in stray_yaml(paths):
        workspace.diagnostics.warning(
            Location(str(path)),
            "this YAML file is not a form, fragment or scenario file and is ignored",
            "name it *.form.yaml, *.fragment.yaml or *.scenarios.yaml",
        )
    _check_locks(workspace)
    _check_migrations(workspace)
    return workspace


def _check_locks(workspace: Workspace) -> None:
    locks: dict[Path, LockFile] = {}
    for result in workspace.results:
        model = result.definition
        if model is None or result.content_hash is None:
            continue
        lock = LockFile.find(result.path)
        if lock is None:
            continue
        locks[lock.path] = lock
        entry = lock.get(model.id, model.version)
        if entry is not None and entry.sha256 != result.content_hash:
            workspace.diagnostics.error(
                model.location("version"),
                f"version {model.version} of '{model.id}' was published on {entry.published} "
                f"and has been edited since (its content hash differs from {lock.path.name})",
                f"undo the edit, or make it a new version: copy the file, set version: "
                f"{model.version + 1} and run popo publish",
            )
    for lock in locks.values():
        for entry in lock.entries.values():
            if (entry.form, entry.version) not in workspace.index:
                target = lock.path.parent / entry.file
                if not target.exists():
                    workspace.diagnostics.error(
                        Location(str(lock.path)),
                        f"published version {entry.form}@{entry.version} ({entry.file}) is missing",
                        "published versions must stay: drafts and archives refer to them",
                    )


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


def lock_for_publish(path: Path, root: Path | None = None) -> LockFile:
    """The lock file that records ``path``; created in ``root`` (or beside it) when absent."""
    lock = LockFile.find(path)
    if lock is not None:
        return lock
    folder = root or path.parent
    return LockFile(folder / LOCK_NAME, {})


__all__ = ["LocDict", "Workspace", "discover", "lock_for_publish", "open_workspace"]
