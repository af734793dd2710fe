"""Published versions: the lock file, diffs between versions, and migrations of answers.

A published version never changes. ``popo publish`` records its content hash in ``popo.lock``
(found in the folder of the definition or the nearest folder above it); ``popo check`` fails
when a published version's content no longer matches. ``popo diff`` classifies each change as
compatible or breaking, and a definition's ``migrations`` tell how answers of an earlier version
carry over (renames, value maps, knowingly dropped fields).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from .checker import CheckedForm, FieldSpec
from .errors import Diagnostics, did_you_mean
from .model import FieldBase, Migration, _ChoiceBase, _TextLike

LOCK_NAME = "popo.lock"
LOCK_HEADER = (
    "# Published form versions and their content hashes.\n"
    "# Written by `popo publish`; `popo check` fails when a published version is edited.\n"
)


# ---------------------------------------------------------------------- lock file


@dataclass
class LockEntry:
    form: str
    version: int
    sha256: str
    file: str
    published: str


class LockFile:
    def __init__(self, path: Path, entries: dict[str, LockEntry]) -> None:
        self.path = path
        self.entries = entries

    @staticmethod
    def key(form: str, version: int) -> str:
        return f"{form}@{version}"

    def get(self, form: str, version: int) -> LockEntry | None:
        return self.entries.get(self.key(form, version))

    @classmethod
    def find(cls, start: Path) -> LockFile | None:
        """The lock file in ``start``'s folder or the nearest folder above it."""
        folder = start if start.is_dir() else start.parent
        for candidate in [folder.resolve(), *folder.resolve().parents]:
            lock = candidate / LOCK_NAME
            if lock.exists():
                return cls.read(lock)
            if (candidate / ".git").exists() or (candidate / "pyproject.toml").exists():
                break
        return None

    @classmethod
    def read(cls, path: Path) -> LockFile:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        entries: dict[str, LockEntry] = {}
        for key, item in (data.get("forms") or {}).items():
            form, _, version = str(key).partition("@")
            entries[key] = LockEntry(
                form,
                int(version),
                item["sha256"],
                item.get("file", ""),
                str(item.get("published", "")),
            )
        return cls(path, entries)

    def write(self) -> None:
        forms = {
            key: {"sha256": e.sha256, "file": e.file, "published": e.published}
            for key, e in sorted(self.entries.items())
        }
        text = LOCK_HEADER + yaml.safe_dump({"forms": forms}, sort_keys=False, allow_unicode=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(self.path)

    def publish(self, form: str, version: int, sha256: str, file: Path) -> LockEntry:
        try:
            relative = str(file.resolve().relative_to(self.path.parent.resolve()))
        except ValueError:
            relative = str(file)
        entry = LockEntry(form, version, sha256, relative, date.today().isoformat())
        self.entries[self.key(form, version)] = entry
        return entry


# ---------------------------------------------------------------------- diff


@dataclass(frozen=True)
class Change:
    """One difference between two versions.

    ``breaking`` changes can invalidate or lose a draft's answers; ``migrated`` ones would, but
    the new version's migration handles them; the rest are compatible.
    """

    breaking: bool
    field: str
    description: str
    migrated: bool = False

    @property
    def label(self) -> str:
        if self.breaking:
            return "BREAKING"
        return "migrated" if self.migrated else "compatible"

    def __str__(self) -> str:
        return f"{self.label:<10}  {self.description}"


def _choice_values(checked: CheckedForm, spec: FieldSpec) -> list[str]:
    element = spec.element
    if not isinstance(element, _ChoiceBase):
        return []
    if isinstance(element.choices, str):
        return [c.value for c in checked.choice_lists.get(element.choices, [])]
    return [c.value for c in element.choices]


def _required(spec: FieldSpec) -> str:
    element = spec.element
    if not isinstance(element, FieldBase):
        return "no"
    if element.required is True:
        return "always"
    if isinstance(element.required, str):
        return "when " + element.required
    return "no"


def diff(old: CheckedForm, new: CheckedForm, migration: Migration | None = None) -> list[Change]:
    """The changes from ``old`` to ``new``, each classified as compatible or breaking."""
    renames = dict(migration.rename) if migration else {}
    value_maps = dict(migration.values) if migration else {}
    dropped = set(migration.drop) if migration else set()
    changes: list[Change] = []
    old_fields = {k: v for k, v in old.by_id.items() if v.type != "note"}
    new_fields = {k: v for k, v in new.by_id.items() if v.type != "note"}
    renamed_targets = {new_id: old_id for old_id, new_id in renames.items()}
    for old_id, spec in old_fields.items():
        new_id = renames.get(old_id, old_id)
        if new_id not in new_fields:
            if old_id in dropped:
                changes.append(
                    Change(False, old_id, f"removed field '{old_id}' (answers dropped)", True)
                )
            else:
                changes.append(Change(True, old_id, f"removed field '{old_id}'"))
            continue
        target = new_fields[new_id]
        if new_id != old_id:
            changes.append(Change(False, new_id, f"renamed field '{old_id}' to '{new_id}'", True))
        if spec.type != target.type:
            changes.append(
                Change(
                    True, new_id, f"type of '{new_id}' changed from {spec.type} to {target.type}"
                )
            )
        if spec.repeat_path != target.repeat_path:
            where_old = "/".join(spec.repeat_path) or "the top level"
            where_new = "/".join(target.repeat_path) or "the top level"
            changes.append(
                Change(True, new_id, f"'{new_id}' moved from {where_old} into {where_new}")
            )
        old_choices = _choice_values(old, spec)
        new_choices = _choice_values(new, target)
        mapped = value_maps.get(new_id, {})
        for value in old_choices:
            if value not in new_choices:
                if value in mapped:
                    into = mapped[value]
                    target_text = repr(into) if into is not None else "blank"
                    changes.append(
                        Change(
                            False,
                            new_id,
                            f"removed choice '{value}' of '{new_id}' "
                            f"(answers become {target_text})",
                            True,
                        )
                    )
                else:
                    changes.append(Change(True, new_id, f"removed choice '{value}' of '{new_id}'"))
        for value in new_choices:
            if value not in old_choices:
                changes.append(Change(False, new_id, f"added choice '{value}' to '{new_id}'"))
        old_required, new_required = _required(spec), _required(target)
        if old_required != new_required:
            breaking = new_required != "no"
            changes.append(
                Change(breaking, new_id, f"'{new_id}' required: {old_required} → {new_required}")
            )
        old_rules = [c.rule for c in getattr(spec.element, "constraints", [])]
        new_rules = [c.rule for c in getattr(target.element, "constraints", [])]
        for rule in new_rules:
            if rule not in old_rules:
                changes.append(Change(True, new_id, f"new constraint on '{new_id}': {rule}"))
        for rule in old_rules:
            if rule not in new_rules:
                changes.append(Change(False, new_id, f"constraint removed from '{new_id}': {rule}"))
        if isinstance(spec.element, _TextLike) and isinstance(target.element, _TextLike):
            old_max, new_max = spec.element.max_length, target.element.max_length
            if new_max is not None and (old_max is None or new_max < old_max):
                changes.append(
                    Change(True, new_id, f"max_length of '{new_id}' lowered to {new_max}")
                )
        for attr in ("min", "max"):
            old_bound = getattr(spec.element, attr, None)
            new_bound = getattr(target.element, attr, None)
            if old_bound != new_bound and new_bound is not None and spec.type == target.type:
                changes.append(Change(True, new_id, f"{attr} of '{new_id}' changed to {new_bound}"))
        if getattr(spec.element, "label", None) != getattr(target.element, "label", None):
            changes.append(Change(False, new_id, f"label of '{new_id}' changed"))
        if getattr(spec.element, "visible_if", None) != getattr(target.element, "visible_if", None):
            changes.append(Change(False, new_id, f"visibility of '{new_id}' changed"))
        if getattr(spec.element, "oso", None) != getattr(target.element, "oso", None):
            changes.append(Change(False, new_id, f"OSO mapping of '{new_id}' changed"))
    for new_id, spec in new_fields.items():
        carried_over = new_id in old_fields and new_id not in renames
        if carried_over or new_id in renamed_targets:
            continue
        required = _required(spec)
        if required != "no":
            changes.append(Change(True, new_id, f"new required field '{new_id}' ({required})"))
        else:
            changes.append(Change(False, new_id, f"new field '{new_id}'"))
    return changes


# ---------------------------------------------------------------------- migrations


def check_migration(
    migration: Migration, old: CheckedForm, new: CheckedForm, diagnostics: Diagnostics
) -> None:
    """Every name and value a migration uses must exist; every data loss must be declared."""
    for old_id, new_id in migration.rename.items():
        if old_id not in old.by_id:
            diagnostics.error(
                migration.location("rename"),
                f"version {migration.from_version} has no field '{old_id}' to rename",
                did_you_mean(old_id, old.by_id),
            )
        if new_id not in new.by_id:
            diagnostics.error(
                migration.location("rename"),
                f"this version has no field '{new_id}' to rename '{old_id}' to",
                did_you_mean(new_id, new.by_id),
            )
        elif old_id in old.by_id and old.by_id[old_id].type != new.by_id[new_id].type:
            diagnostics.error(
                migration.location("rename"),
                f"'{old_id}' ({old.by_id[old_id].type}) cannot become '{new_id}' "
                f"({new.by_id[new_id].type})",
                "a rename keeps the field type; map values of a new field instead",
            )
    inverse = {new_id: old_id for old_id, new_id in migration.rename.items()}
    for new_id, mapping in migration.values.items():
        if new_id not in new.by_id:
            diagnostics.error(
                migration.location("values"),
                f"this version has no field '{new_id}' (values are keyed by the new field id)",
                did_you_mean(new_id, new.by_id),
            )
            continue
        old_id = inverse.get(new_id, new_id)
        old_spec = old.by_id.get(old_id)
        old_values = set(_choice_values(old, old_spec)) if old_spec else set()
        new_values = set(_choice_values(new, new.by_id[new_id]))
        for source, target in mapping.items():
            if old_spec and source not in old_values:
                diagnostics.error(
                    migration.location("values"),
                    f"'{source}' is not a choice of '{old_id}' in version {migration.from_version}",
                    did_you_mean(source, old_values),
                )
            if target is not None and target not in new_values:
                diagnostics.error(
                    migration.location("values"),
                    f"'{target}' is not a choice of '{new_id}' in this version",
                    did_you_mean(target, new_values),
                )
    for old_id in migration.drop:
        if old_id not in old.by_id:
            diagnostics.error(
                migration.location("drop"),
                f"version {migration.from_version} has no field '{old_id}' to drop",
                did_you_mean(old_id, old.by_id),
            )
    for change in diff(old, new, migration):
        if change.breaking and (
            change.description.startswith("removed field")
            or change.description.startswith("removed choice")
        ):
            diagnostics.error(
                migration.location(),
                f"the migration from version {migration.from_version} loses data: "
                f"{change.description}",
                "add it to rename:, values: or drop: so that drafts carry over knowingly",
            )


@dataclass
class MigrationReport:
    renamed: list[tuple[str, str]]
    mapped: list[tuple[str, str, str | None]]
    dropped: list[str]


def migrate_answers(
    answers: dict[str, Any], migration: Migration, new: CheckedForm
) -> tuple[dict[str, Any], MigrationReport]:
    """Carry a draft's answers from ``migration.from_version`` to the version of ``new``."""
    report = MigrationReport([], [], [])

    def convert(values: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in values.items():
            if key in migration.drop:
                report.dropped.append(key)
                continue
            new_key = migration.rename.get(key, key)
            if new_key != key:
                report.renamed.append((key, new_key))
            if new_key not in new.by_id:
                report.dropped.append(key)
                continue
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                result[new_key] = [convert(row) for row in value]
                continue
            mapping = migration.values.get(new_key)
            if mapping:
                if isinstance(value, list):
                    mapped = [mapping.get(v, v) for v in value]
                    value = [v for v in mapped if v is not None]
                elif isinstance(value, str) and value in mapping:
                    report.mapped.append((new_key, value, mapping[value]))
                    value = mapping[value]
            result[new_key] = value
        return result

    return convert(answers), report
