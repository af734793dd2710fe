"""Migration scenarios: answers of a draft on an earlier version, and what they become."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from ..api import CheckResult, check_file
from ..checker import OsoCatalog
from ..display import show_value, show_yaml
from ..errors import Location, did_you_mean
from ..fieldtypes import is_blank
from ..versions import LockFile, migrate_answers
from ..workspace import FORM_SUFFIX, discover
from ..yamlsource import LocDict
from .answers import check_answers
from .expectations import EXPECTS_NOTHING, Failure, check_expectations, expects_nothing, same_value
from .files import MigrationScenario


class VersionFinder:
    """Other versions of a form, looked up beside it or under the folder of its popo.lock."""

    def __init__(self, oso: OsoCatalog | None) -> None:
        self.oso = oso
        self.checked: dict[Path, CheckResult] = {}

    def find(self, near: Path, form_id: str, version: int) -> CheckResult | None:
        folders = [near.parent]
        lock = LockFile.find(near)
        if lock is not None:
            folders.append(lock.path.parent)
        for folder in folders:
            for candidate in discover([folder], FORM_SUFFIX):
                result = self.checked.get(candidate.resolve())
                if result is None:
                    result = self.checked[candidate.resolve()] = check_file(candidate, self.oso)
                model = result.definition
                if model is not None and (model.id, model.version) == (form_id, version):
                    return result
        return None


def run_migration(
    result: CheckResult,
    scenario: MigrationScenario,
    raw: LocDict,
    form_path: Path,
    versions: VersionFinder,
    default_today: date | None,
) -> list[Failure]:
    new = result.definition
    assert new is not None and result.checked is not None and result.compiled is not None

    def failure(location: Location, text: str) -> Failure:
        return Failure(location, scenario.name, text, "migration")

    expect = scenario.expect
    expect_src: LocDict = raw["expect"]
    old_version = scenario.from_version
    if expects_nothing(expect):
        return [failure(raw.location_of("expect"), EXPECTS_NOTHING.format(kind="migration"))]
    declared = next((m for m in new.migrations if m.from_version == old_version), None)
    if declared is None:
        froms = ", ".join(str(m.from_version) for m in new.migrations)
        return [
            failure(
                raw.location_of("from"),
                f"version {new.version} of '{new.id}' declares no migration from version "
                f"{old_version} "
                + (f"(it migrates from {froms})" if froms else "(the form has no migrations:)"),
            )
        ]
    old = versions.find(form_path, new.id, old_version)
    if old is None or old.compiled is None:
        return [
            failure(
                raw.location_of("from"),
                f"version {old_version} of '{new.id}' was not found (or has errors) beside "
                f"{form_path.name} or under the folder of popo.lock",
            )
        ]
    new_words = f"version {new.version}"
    problems = check_answers(
        old.compiled,
        raw.get("answers"),
        raw.location_of("answers"),
        where=f"version {old_version}",
    )
    problems += check_answers(
        result.compiled, expect_src.get("answers"), expect_src.location_of("answers"), (), new_words
    )
    for index, name in enumerate(expect.dropped):
        if name not in old.compiled.by_key or ":" in name:
            hint = did_you_mean(name, [k for k in old.compiled.by_key if ":" not in k])
            location = expect_src["dropped"].location_of(index)
            problems.append(
                (
                    location,
                    f"'{name}' is not a field of version {old_version}"
                    + (f" ({hint})" if hint else ""),
                )
            )
    if problems:
        return [failure(location, text) for location, text in problems]
    migrated, report = migrate_answers(scenario.answers, declared, result.checked)
    failures = [
        failure(raw.location_of("answers"), f"after the migration: {text}")
        for _location, text in check_answers(
            result.compiled, migrated, raw.location_of("answers"), expect.errors, new_words
        )
    ]
    wanted_answers: LocDict = expect_src.get("answers") or LocDict(expect_src.loc)
    for key, wanted in expect.answers.items():
        actual = migrated.get(key)
        if not _same_answer(actual, wanted):
            got = "no answer" if actual is None else show_value(actual)
            failures.append(
                failure(
                    wanted_answers.location_of(key),
                    f"expected {key} = {show_value(wanted)} after the migration, got {got}",
                )
            )
    dropped = sorted(set(report.dropped))
    if dropped != sorted(set(expect.dropped)):
        unexpected = [name for name in dropped if name not in expect.dropped]
        kept = [name for name in expect.dropped if name not in dropped]
        parts = []
        if unexpected:
            parts.append(
                f"the migration drops {show_yaml(unexpected)}; "
                f"confirm it with dropped: {show_yaml(dropped)}"
            )
        if kept:
            parts.append(f"the migration does not drop {show_yaml(kept)}")
        where = (
            expect_src.location_of("dropped")
            if "dropped" in expect_src
            else raw.key_locs.get("expect", raw.location_of("expect"))
        )
        failures.append(failure(where, "; ".join(parts)))
    failures += [
        Failure(f.location, f.scenario, f.message, "migration")
        for f in check_expectations(
            result.compiled,
            migrated,
            expect,
            expect_src,
            scenario.name,
            scenario.language,
            scenario.today or default_today,
        )
    ]
    return failures


def _same_answer(actual: Any, wanted: Any) -> bool:
    """Whether a migrated answer is the one expected; in rows, only the keys listed count."""
    if isinstance(wanted, list):
        if not isinstance(actual, list) or len(actual) != len(wanted):
            return is_blank(actual) and not wanted
        return all(_same_answer(a, w) for a, w in zip(actual, wanted, strict=True))
    if isinstance(wanted, Mapping):
        return isinstance(actual, Mapping) and all(
            _same_answer(actual.get(k), v) for k, v in wanted.items()
        )
    if wanted is None:
        return is_blank(actual)
    return same_value(actual, wanted)
