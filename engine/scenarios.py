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
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .api import CheckResult, check_file
from .checker import CheckedForm, OsoCatalog, TypedExpression
from .compiler import TRACED_PURPOSES, CompiledForm, Node, compile_form
from .errors import DefinitionError, Diagnostic, Diagnostics, Location, Severity, did_you_mean
from .evaluate import evaluate
from .fieldtypes import Invalid, is_blank
from .loader import _explain, _locate
from .messages import CATALOG, CONSTRAINT, Message
from .versions import LockFile, migrate_answers
from .workspace import FORM_SUFFIX, SCENARIO_SUFFIX, discover
from .yamlsource import LocDict, LocList, load_file, to_plain


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Expectations(_Strict):
    visible: list[str] = Field(default_factory=list, description="fields shown")
    hidden: list[str] = Field(default_factory=list, description="fields not shown")
    required: list[str] = Field(default_factory=list, description="fields required now")
    optional: list[str] = Field(default_factory=list, description="fields not required now")
    enabled: list[str] = Field(default_factory=list, description="fields a person can change")
    disabled: list[str] = Field(default_factory=list, description="fields shown read-only")
    values: dict[str, Any] = Field(
        default_factory=dict, description="values of fields (calculated ones too); null: blank"
    )
    errors: dict[str, str | list[str]] = Field(
        default_factory=dict,
        description="messages expected at a field: a message key (docs/messages.md), or the "
        "text in the scenario language; a list for several",
    )
    no_errors: list[str] | bool = Field(
        default_factory=list, description="fields without errors, or true for the whole form"
    )
    valid: bool | None = Field(default=None, description="whether the form can be submitted")
    options: dict[str, list[str]] = Field(
        default_factory=dict, description="the choices a choice_filter leaves"
    )
    pages_complete: list[str] = Field(default_factory=list)
    pages_incomplete: list[str] = Field(default_factory=list)
    pages_hidden: list[str] = Field(default_factory=list)


class Scenario(_Strict):
    name: str
    language: str = "nl"
    today: date | None = None
    answers: dict[str, Any] = Field(
        default_factory=dict, description="field id: answer; a repeating group: a list of rows"
    )
    expect: Expectations


class MigrationExpectations(Expectations):
    answers: dict[str, Any] = Field(
        default_factory=dict,
        description="answers after the migration, by the new version's field ids (only those "
        "listed are compared; null: no answer)",
    )
    dropped: list[str] = Field(
        default_factory=list,
        description="every answer of the old version the migration leaves behind",
    )


class MigrationScenario(_Strict):
    name: str
    from_version: int = Field(
        alias="from", ge=1, description="the version the draft was started on"
    )
    language: str = "nl"
    today: date | None = None
    answers: dict[str, Any] = Field(
        default_factory=dict, description="the draft's answers, on the old version"
    )
    expect: MigrationExpectations


class ScenarioFile(_Strict):
    form: str = Field(description="path of the definition, relative to this file")
    scenarios: list[Scenario] = Field(default_factory=list)
    migrations: list[MigrationScenario] = Field(
        default_factory=list,
        description="answers of a draft on an earlier version, and what they become on this one",
    )


@dataclass
class Failure:
    location: Location
    scenario: str
    message: str
    kind: str = "scenario"

    def render(self) -> str:
        return f"{self.location}: {self.kind} '{self.scenario}': {self.message}"


@dataclass
class ScenarioRun:
    path: Path
    passed: int = 0
    failures: list[Failure] = field(default_factory=list)
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    total: int = 0
    form: Path | None = None  # the form the file names (resolved), once it is known


class Coverage:
    """Which conditions, constraints and choice filters the scenarios saw both ways.

    An expression is known by where it is written, so a condition that a variant inherits
    unchanged from its base is covered by the base's scenarios; one the variant changes needs
    scenarios of its own.
    """

    def __init__(self) -> None:
        self.expected: dict[tuple[str, int, int, str], tuple[TypedExpression, str, str]] = {}
        self.seen: dict[tuple[str, int, int, str], set[str]] = {}

    @staticmethod
    def key(typed: TypedExpression, purpose: str) -> tuple[str, int, int, str]:
        loc = typed.location
        return (loc.file, loc.line, loc.column, purpose.split(":")[0])

    def expect(self, checked: CheckedForm) -> None:
        for (owner, purpose), typed in checked.expressions.items():
            if purpose in TRACED_PURPOSES or purpose.startswith("constraint:"):
                self.expected.setdefault(
                    self.key(typed, purpose), (typed, owner, purpose.split(":")[0])
                )

    def record(self, typed: TypedExpression, owner: str, purpose: str, outcome: Any) -> None:
        if purpose.startswith("constraint:"):
            if outcome is None:
                return
            label = "kept" if outcome is True else "broken"
        else:
            label = "true" if outcome is True else "false"
        self.seen.setdefault(self.key(typed, purpose), set()).add(label)

    def missing(self) -> list[tuple[TypedExpression, str, str, list[str]]]:
        """Each expression not yet seen both ways, with the outcomes never seen."""
        result = []
        for key, (typed, owner, purpose) in sorted(self.expected.items()):
            wanted = ["kept", "broken"] if purpose == "constraint" else ["true", "false"]
            absent = [label for label in wanted if label not in self.seen.get(key, set())]
            if absent:
                result.append((typed, owner, purpose, absent))
        return result

    @property
    def total(self) -> int:
        return len(self.expected)


_PURPOSE_WORDS = {
    "visible": "visible_if",
    "required": "required",
    "enabled": "enabled_if",
    "choice_filter": "choice_filter (per choice)",
    "constraint": "constraint",
}


def describe_missing(typed: TypedExpression, owner: str, purpose: str, absent: list[str]) -> str:
    what = _PURPOSE_WORDS.get(purpose, purpose)
    name = owner.split(":", 1)[-1]
    return (
        f"{typed.location}: not covered: {what} of '{name}' never seen "
        + " or ".join(absent)
        + f": {typed.source}"
    )


# ---------------------------------------------------------------------- values as YAML

MAX_ITEMS = 8
MAX_TEXT = 60
_YAML_SPECIAL_START = set("-?:,[]{}#&*!|>'\"%@` ")
_YAML_NOT_TEXT = re.compile(
    r"[-+]?(\d[\d_]*)?(\.\d*)?([eE][-+]?\d+)?|0x[0-9a-fA-F]+|0o[0-7]+|[-+]?\.(inf|Inf|INF)"
    r"|\.(nan|NaN|NAN)|true|false|True|False|TRUE|FALSE|null|Null|NULL|~|\d{4}-\d\d?-\d\d?.*"
)


def show_value(value: Any) -> str:
    """A value as an author writes it in YAML (``6``, ``2027-01-15``, ``"text"``, ``[a, b]``,
    ``{x: 1}``), long lists and texts shortened; blank for no value."""
    if value is None:
        return "blank"
    if isinstance(value, str):
        return _quoted(value)
    return _yaml(value)


def _quoted(text: str) -> str:
    if len(text) > MAX_TEXT:
        cut = json.dumps(text[: MAX_TEXT - 3].rstrip() + "…", ensure_ascii=False)
        return f"{cut} ({len(text)} characters)"
    return json.dumps(text, ensure_ascii=False)


def _plain_text(text: str) -> str:
    if len(text) > MAX_TEXT:
        return _quoted(text)
    safe = (
        text
        and text[0] not in _YAML_SPECIAL_START
        and text[-1] not in " :"
        and not any(c in text for c in ',[]{}#\n\t"')
        and ": " not in text
        and not _YAML_NOT_TEXT.fullmatch(text)
    )
    return text if safe else _quoted(text)


def _more(shown: list[str], total: int) -> list[str]:
    if total > len(shown):
        shown.append(f"… and {total - len(shown)} more")
    return shown


def _yaml(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return _plain_text(value)
    if isinstance(value, Mapping):
        items = [f"{_plain_text(str(k))}: {_yaml(v)}" for k, v in list(value.items())[:MAX_ITEMS]]
        return "{" + ", ".join(_more(items, len(value))) + "}"
    if isinstance(value, list | tuple | set | frozenset):
        values = sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)
        items = [_yaml(v) for v in values[:MAX_ITEMS]]
        return "[" + ", ".join(_more(items, len(values))) + "]"
    return _plain_text(str(value))


# ---------------------------------------------------------------------- checking answers

_EXPECTED_KIND = {
    "text": "a text",
    "textarea": "a text",
    "email": "an e-mail address such as naam@voorbeeld.nl",
    "phone": "a Dutch phone number such as 06 12345678",
    "postcode": "a postcode such as 1234 AB",
    "bsn": "a BSN (9 digits that pass the 11-test)",
    "onderwijsnummer": "an onderwijsnummer (9 digits starting with 10)",
    "brin": "a BRIN code such as 12AB",
    "brin_vestiging": "a BRIN code and location such as 12AB00",
    "integer": "a whole number",
    "decimal": "a number such as 7.5",
    "date": "a date such as 2027-01-15",
    "yesno": "true or false",
    "choice": "one of its choices",
    "multichoice": "a list of its choices such as [a, b]",
    "file": "a file such as {name: rapport.pdf, media_type: application/pdf, size: 20000}",
}


@dataclass
class _AnswerCheck:
    """Checks a scenario's answers against a form: every key a field, every value readable."""

    form: CompiledForm
    where: str  # "the form", "version 1"
    exempt: frozenset[str]  # instance keys whose errors the scenario expects
    fallback: Location
    problems: list[tuple[Location, str]] = field(default_factory=list)

    def run(self, answers: Any) -> list[tuple[Location, str]]:
        if isinstance(answers, Mapping):
            top = {
                key: node
                for key, node in self.form.by_key.items()
                if ":" not in key and not node.repeat_path
            }
            self.mapping(answers, top, "", None)
        return self.problems

    def loc(self, container: Any, key: Any, of_key: bool = False) -> Location:
        if isinstance(container, LocDict):
            if of_key:
                return container.key_locs.get(key) or container.location_of(key)
            return container.location_of(key)
        if isinstance(container, LocList) and isinstance(key, int):
            return container.location_of(key)
        return self.fallback

    def mapping(
        self, answers: Mapping[str, Any], fields: dict[str, Node], prefix: str, group: str | None
    ) -> None:
        for key in answers:
            node = fields.get(key)
            if node is None:
                self.unknown(answers, str(key), fields, group)
            elif node.kind == "group":
                self.rows(answers, key, node, prefix + key)
            elif node.clean is None:
                what = "calculated by the form" if node.kind == "calculated" else "a note"
                self.problems.append(
                    (self.loc(answers, key, True), f"'{key}' is {what} and takes no answer")
                )
            else:
                self.value(answers, key, node, prefix + key)

    def unknown(self, answers: Any, key: str, fields: dict[str, Node], group: str | None) -> None:
        where = f"the rows of '{group}'" if group else self.where
        message = f"'{key}' is not a field of {where}"
        elsewhere = self.form.by_key.get(key)
        hint = did_you_mean(key, [k for k, n in fields.items() if n.kind != "note"])
        if elsewhere is not None and ":" not in key:
            if elsewhere.repeat_path:
                owner = elsewhere.repeat_path[-1]
                hint = f"it is a field in the rows of '{owner}': {owner}: [{{{key}: …}}]"
            else:
                hint = "it is a field outside this repeating group; answer it at the top level"
        self.problems.append(
            (self.loc(answers, key, True), message + (f" ({hint})" if hint else ""))
        )

    def rows(self, answers: Any, key: str, node: Node, instance: str) -> None:
        value = answers[key]
        if is_blank(value):
            return
        children = {child: self.form.by_key[child] for child in node.children}
        if not isinstance(value, list):
            example = next(iter(children), "veld")
            self.problems.append(
                (
                    self.loc(answers, key),
                    f"'{key}' is a repeating group: give a list of rows, such as "
                    f"{key}: [{{{example}: …}}], not {show_value(value)}",
                )
            )
            return
        for index, row in enumerate(value):
            if not isinstance(row, Mapping):
                self.problems.append(
                    (
                        self.loc(value, index),
                        f"row {index + 1} of '{key}' is {show_value(row)}; a row is a mapping "
                        "of field: answer",
                    )
                )
                continue
            self.mapping(row, children, f"{instance}[{index}].", key)

    def value(self, answers: Any, key: str, node: Node, instance: str) -> None:
        value = answers[key]
        if is_blank(value) or instance in self.exempt:
            return
        where = self.loc(answers, key)
        kind = node.kind
        if isinstance(value, list) and kind not in ("multichoice", "file"):
            self.problems.append(
                (
                    where,
                    f"'{key}' takes one answer, not a list: {show_value(value)}"
                    + (" (a multichoice field takes a list)" if kind == "choice" else ""),
                )
            )
            return
        if isinstance(value, Mapping) and kind != "file":
            self.problems.append(
                (where, f"'{key}' takes one answer, not a mapping: {show_value(value)}")
            )
            return
        try:
            clean = node.clean(value)
        except Invalid as invalid:
            self.problems.append(
                (
                    where,
                    f"{show_value(value)} is not {_EXPECTED_KIND.get(kind, 'an answer')} "
                    f"('{key}' is a{'n' if kind[0] in 'aeiou' else ''} {kind} field); to test "
                    f"the form's own message, expect it: errors: {{{instance}: "
                    f"{invalid.msg.code}}}",
                )
            )
            return
        if kind in ("choice", "multichoice"):
            chosen = [clean] if kind == "choice" else clean
            for index, item in enumerate(chosen):
                if item in node.choice_values:
                    continue
                item_where = where
                if kind == "multichoice" and isinstance(value, LocList):
                    item_where = value.location_of(index)
                hint = did_you_mean(item, node.choice_values) or (
                    "its choices: " + ", ".join(c.value for c in node.choices)
                )
                self.problems.append(
                    (item_where, f"{show_value(item)} is not a choice of '{key}' ({hint})")
                )


def check_answers(
    form: CompiledForm,
    answers: Any,
    fallback: Location,
    exempt: Iterable[str] = (),
    where: str = "the form",
) -> list[tuple[Location, str]]:
    """Every problem with a scenario's answers for ``form``, each where it is written.

    An answer the form cannot read (not a choice, a text for a number) is a mistake in the
    scenario, unless the scenario expects an error at that field (``exempt``): then it tests
    the form's own message."""
    return _AnswerCheck(form, where, frozenset(exempt), fallback).run(answers)


# ---------------------------------------------------------------------- running a file


class _Versions:
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


def run_file(
    path: Path,
    oso: OsoCatalog | None = None,
    default_today: date | None = None,
    coverage: Coverage | None = None,
    versions: _Versions | None = None,
) -> ScenarioRun:
    """Run one scenario file. With ``coverage``, record what each condition evaluated to."""
    run = ScenarioRun(path)
    try:
        data = load_file(path)
    except DefinitionError as exc:
        run.diagnostics.extend(exc.diagnostics)
        return run
    if not isinstance(data, LocDict):
        run.diagnostics.error(
            Location(str(path), 1, 1), "a scenario file is a mapping with form and scenarios"
        )
        return run
    if isinstance(data.get("form"), str):
        run.form = (path.parent / data["form"]).resolve()
    try:
        parsed = ScenarioFile.model_validate(to_plain(data))
    except ValidationError as exc:
        for error in exc.errors():
            location, _node, parent, key = _locate(data, error["loc"])
            if error["type"] == "extra_forbidden" and isinstance(parent, LocDict):
                location = parent.key_locs.get(key, location)
                allowed = _allowed_keys(error["loc"])
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
    finder = versions or _Versions(oso)
    for index, migration in enumerate(parsed.migrations):
        raw = data["migrations"][index]
        _count(run, _run_migration(result, migration, raw, form_path, finder, default_today))
    return run


def _count(run: ScenarioRun, failures: list[Failure]) -> None:
    run.total += 1
    if failures:
        run.failures.extend(sorted(failures, key=lambda f: (f.location.line, f.location.column)))
    else:
        run.passed += 1


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    model: type[BaseModel] = ScenarioFile
    if len(loc) >= 3 and loc[0] in ("scenarios", "migrations"):
        migration = loc[0] == "migrations"
        model = MigrationScenario if migration else Scenario
        if len(loc) >= 4 and loc[2] == "expect":
            model = MigrationExpectations if migration else Expectations
    return sorted(info.alias or name for name, info in model.model_fields.items())


def _vacuous(expect: Expectations) -> bool:
    """Whether the expectations could never fail (nothing listed)."""
    if expect.valid is not None:
        return False
    listed = [v for k, v in expect if k != "dropped"]
    return not any(v for v in listed if v is not None)


_NOTHING = (
    "this {kind} expects nothing, so it cannot fail: say under expect what the form must show "
    "(visible, errors, values, valid, …)"
)


def _run_scenario(
    compiled: CompiledForm, scenario: Scenario, raw: LocDict, default_today: date | None
) -> list[Failure]:
    if _vacuous(scenario.expect):
        return [Failure(raw.location_of("expect"), scenario.name, _NOTHING.format(kind="scenario"))]
    problems = check_answers(
        compiled, raw.get("answers"), raw.location_of("answers"), scenario.expect.errors
    )
    if problems:  # expectations on wrong answers would pass or fail for the wrong reason
        return [Failure(location, scenario.name, text) for location, text in problems]
    return _check_expectations(
        compiled,
        scenario.answers,
        scenario.expect,
        raw["expect"],
        scenario.name,
        scenario.language,
        scenario.today or default_today,
    )


def _run_migration(
    result: CheckResult,
    scenario: MigrationScenario,
    raw: LocDict,
    form_path: Path,
    versions: _Versions,
    default_today: date | None,
) -> list[Failure]:
    new = result.definition
    assert new is not None and result.checked is not None and result.compiled is not None

    def failure(location: Location, text: str) -> Failure:
        return Failure(location, scenario.name, text, "migration")

    expect = scenario.expect
    expect_src: LocDict = raw["expect"]
    old_version = scenario.from_version
    if _vacuous(expect):
        return [failure(raw.location_of("expect"), _NOTHING.format(kind="migration"))]
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
                f"the migration drops {_yaml(unexpected)}; "
                f"confirm it with dropped: {_yaml(dropped)}"
            )
        if kept:
            parts.append(f"the migration does not drop {_yaml(kept)}")
        where = (
            expect_src.location_of("dropped")
            if "dropped" in expect_src
            else raw.key_locs.get("expect", raw.location_of("expect"))
        )
        failures.append(failure(where, "; ".join(parts)))
    failures += [
        Failure(f.location, f.scenario, f.message, "migration")
        for f in _check_expectations(
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
    return _same_value(actual, wanted)


_KEY_LIKE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")


def _message_matches(wanted: str, actual: Message, language: str) -> bool:
    return wanted == actual.code or wanted == actual.text(language)


def _show_messages(messages: Sequence[Message], language: str) -> str:
    shown = [f"{_quoted(m.text(language))} ({m.code})" for m in messages]
    if not shown:
        return "none"
    return shown[0] if len(shown) == 1 else "[" + ", ".join(shown) + "]"


def _check_expectations(
    compiled: CompiledForm,
    answers: Mapping[str, Any],
    expect: Expectations,
    expect_src: LocDict,
    name: str,
    language: str,
    today: date | None,
) -> list[Failure]:
    state = evaluate(compiled, answers, today or date.today())
    failures: list[Failure] = []

    def fail(key: str, message: str, index: int | str | None = None) -> None:
        location = expect_src.location_of(key)
        container = expect_src.get(key)
        if index is not None and hasattr(container, "location_of"):
            location = container.location_of(index)  # type: ignore[union-attr]
        failures.append(Failure(location, name, message))

    known = set(state.visible)

    def check_key(group: str, key: str, index: int | str) -> bool:
        if key in known or (key.startswith("page:") is False and key in compiled.by_key):
            return True
        hint = did_you_mean(key, [k for k in known if not k.startswith(("page:", "section:"))])
        fail(group, f"'{key}' is not a field of the form{' (' + hint + ')' if hint else ''}", index)
        return False

    for group, wanted in (("visible", True), ("hidden", False)):
        for index, key in enumerate(getattr(expect, group)):
            if check_key(group, key, index) and state.visible.get(key, False) != wanted:
                fail(
                    group,
                    f"expected '{key}' to be {group}, but it is "
                    f"{'visible' if not wanted else 'hidden'}",
                    index,
                )
    for group, probe, wanted in (
        ("required", state.is_required, True),
        ("optional", state.is_required, False),
        ("enabled", state.is_enabled, True),
        ("disabled", state.is_enabled, False),
    ):
        for index, key in enumerate(getattr(expect, group)):
            if not check_key(group, key, index):
                continue
            if probe(key) != wanted:
                fail(group, f"expected '{key}' to be {group}", index)
    for key, wanted_value in expect.values.items():
        if not check_key("values", key, key):
            continue
        actual = state.value.get(key)
        if not _same_value(actual, wanted_value):
            shown = f"expected {key} = {show_value(wanted_value)}, got {show_value(actual)}"
            fail("values", shown, key)
    for key, wanted_messages in expect.errors.items():
        if not check_key("errors", key, key):
            continue
        wanted_list = [wanted_messages] if isinstance(wanted_messages, str) else wanted_messages
        actual_list = state.errors.get(key, ())
        same = len(wanted_list) == len(actual_list) and all(
            _message_matches(w, a, language) for w, a in zip(wanted_list, actual_list, strict=True)
        )
        if same:
            continue
        text = (
            f"expected errors at '{key}': {show_value(wanted_messages)}, "
            f"got {_show_messages(actual_list, language)}"
        )
        for wanted_text in wanted_list:
            if (
                _KEY_LIKE.fullmatch(wanted_text)
                and wanted_text not in CATALOG
                and wanted_text != CONSTRAINT
                and not any(wanted_text == a.text(language) for a in actual_list)
            ):
                hint = did_you_mean(wanted_text, [*CATALOG, CONSTRAINT])
                text += f"; '{wanted_text}' is not a message key" + (
                    f" ({hint})" if hint else " (see docs/messages.md)"
                )
        fail("errors", text, key)
    if expect.no_errors is True:
        if state.errors:
            listed = state.error_list(language)
            shown = "; ".join(f"{k}: {t}" for k, t in listed[:5])
            if len(listed) > 5:
                shown += f"; … and {len(listed) - 5} more"
            fail("no_errors", f"expected no errors, got {shown}")
    elif isinstance(expect.no_errors, list):
        for index, key in enumerate(expect.no_errors):
            if check_key("no_errors", key, index) and key in state.errors:
                fail(
                    "no_errors",
                    f"expected no error at '{key}', got "
                    f"{_show_messages(state.errors[key], language)}",
                    index,
                )
    if expect.valid is not None and state.valid != expect.valid:
        listed = state.error_list(language)
        shown = "; ".join(f"{k}: {t}" for k, t in listed[:5])
        if len(listed) > 5:
            shown += f"; … and {len(listed) - 5} more"
        fail(
            "valid",
            f"expected the form to be {'valid' if expect.valid else 'invalid'}"
            + (f" (errors: {shown})" if shown else ""),
        )
    for key, wanted_options in expect.options.items():
        if not check_key("options", key, key):
            continue
        actual_options = list(state.options.get(key, ()))
        if actual_options != wanted_options:
            fail(
                "options",
                f"expected options of '{key}': {_yaml(wanted_options)}, "
                f"got {_yaml(actual_options)}",
                key,
            )
    for group in ("pages_complete", "pages_incomplete", "pages_hidden"):
        for index, page_id in enumerate(getattr(expect, group)):
            page = state.pages.get(page_id)
            if page is None:
                hint = did_you_mean(page_id, state.pages)
                fail(group, f"there is no page '{page_id}'" + (f" ({hint})" if hint else ""), index)
                continue
            ok = {
                "pages_complete": page.complete and page.visible,
                "pages_incomplete": not page.complete,
                "pages_hidden": not page.visible,
            }[group]
            if not ok:
                fail(group, f"expected page '{page_id}' to be {group.split('_')[1]}", index)
    return failures


def _same_value(actual: Any, wanted: Any) -> bool:
    if wanted is None or wanted == "":
        return actual is None
    if isinstance(actual, bool) or isinstance(wanted, bool):
        return actual is wanted or (actual == wanted and type(actual) is type(wanted))
    if isinstance(actual, int | Decimal) and isinstance(wanted, int | float | Decimal | str):
        try:
            return Decimal(str(actual)) == Decimal(str(wanted))
        except ArithmeticError:
            return False
    if isinstance(actual, date):
        return actual == wanted or actual.isoformat() == str(wanted)
    return bool(actual == wanted)


# ---------------------------------------------------------------------- the suite


def scenario_target(path: Path) -> Path | None:
    """The form a scenario file names (resolved), or None when it cannot be read."""
    try:
        data = load_file(path)
    except DefinitionError:
        return None
    form = data.get("form") if isinstance(data, LocDict) else None
    return (path.parent / form).resolve() if isinstance(form, str) else None


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
    """The message for a form that no scenario file names."""
    name = form.name.removesuffix(FORM_SUFFIX)
    return Diagnostic(
        Location(str(form)),
        "this form has no scenarios: no *.scenarios.yaml names it, so nothing of it is tested",
        f"add {name}{SCENARIO_SUFFIX} beside it with form: {form.name} and at least one "
        "scenario (docs/authoring.md, popo test)",
        severity=severity,
    )


@dataclass
class SuiteResult:
    """What running the scenarios of some forms found."""

    runs: list[ScenarioRun]
    without_scenarios: list[Path]
    coverage: Coverage | None = None
    missing: list[tuple[TypedExpression, str, str, list[str]]] = field(default_factory=list)

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
            count = len(self.without_scenarios)
            reasons.append(f"{count} form{_s(count)} without scenarios")
        if require_coverage and self.missing:
            count = len(self.missing)
            reasons.append(
                f"{count} condition{_s(count)}, constraint{_s(count)} or filter{_s(count)} "
                "not seen both ways"
            )
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
            covered = self.coverage.total - len(self.missing)
            lines.append(
                f"coverage: {covered} of {self.coverage.total} conditions, constraints and "
                "filters seen both ways"
            )
        if not self.runs:
            lines.append("no scenario files (*.scenarios.yaml) found")
        summary = f"scenarios: {self.passed} passed, {self.failed} failed"
        if self.problems:
            summary += f", {self.problems} file error{_s(self.problems)}"
        if self.without_scenarios:
            count = len(self.without_scenarios)
            summary += f", {count} form{_s(count)} without scenarios"
        lines.append(summary)
        return lines


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def run_suite(
    forms: Sequence[Path],
    scenario_files: Sequence[Path] = (),
    search: Sequence[Path] = (),
    oso: OsoCatalog | None = None,
    today: date | None = None,
    coverage: bool = False,
) -> SuiteResult:
    """Run the scenarios of ``forms``; with ``coverage``, find what of them is not covered.

    Runs ``scenario_files`` and every scenario file (under ``search`` or beside a form) that
    names one of ``forms`` or a form they build on: what a variant inherits is covered by its
    base's scenarios. Each of ``forms`` must be named by a scenario file, and with ``coverage``
    each of their conditions, constraints and choice filters must have been seen both ways."""
    checked = {form: check_file(form, oso) for form in dict.fromkeys(forms)}
    bases = [
        path
        for result in checked.values()
        for path in sorted(result.loaded.files)
        if path.name.endswith(FORM_SUFFIX)
    ]
    files = {path.resolve(): path for path in scenario_files}
    for found in scenarios_naming([*checked, *bases], search).values():
        for path in found:
            files.setdefault(path.resolve(), path)
    tracker = Coverage() if coverage else None
    versions = _Versions(oso)
    runs = [run_file(path, oso, today, tracker, versions) for path in files.values()]
    named = {run.form for run in runs}
    without = [form for form in checked if form.resolve() not in named]
    result = SuiteResult(runs, without, tracker)
    if tracker is not None:
        for form_result in checked.values():
            if form_result.checked is not None:
                tracker.expect(form_result.checked)
        result.missing = tracker.missing()
    return result
