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
          errors: {toelichting: Dit veld is verplicht.}

``popo test`` runs every scenario and reports each failed expectation at its file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .api import CheckResult, check_file
from .checker import CheckedForm, OsoCatalog, TypedExpression
from .compiler import TRACED_PURPOSES, compile_form
from .errors import DefinitionError, Diagnostics, Location, did_you_mean
from .evaluate import evaluate
from .loader import _explain, _locate
from .yamlsource import LocDict, load_file, to_plain


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Expectations(_Strict):
    visible: list[str] = Field(default_factory=list)
    hidden: list[str] = Field(default_factory=list)
    required: list[str] = Field(default_factory=list)
    optional: list[str] = Field(default_factory=list)
    enabled: list[str] = Field(default_factory=list)
    disabled: list[str] = Field(default_factory=list)
    values: dict[str, Any] = Field(default_factory=dict)
    errors: dict[str, str | list[str]] = Field(
        default_factory=dict, description="messages expected at a field, in the scenario language"
    )
    no_errors: list[str] | bool = Field(
        default_factory=list, description="fields without errors, or true for the whole form"
    )
    valid: bool | None = None
    options: dict[str, list[str]] = Field(default_factory=dict)
    pages_complete: list[str] = Field(default_factory=list)
    pages_incomplete: list[str] = Field(default_factory=list)
    pages_hidden: list[str] = Field(default_factory=list)


class Scenario(_Strict):
    name: str
    language: str = "nl"
    today: date | None = None
    answers: dict[str, Any] = Field(default_factory=dict)
    expect: Expectations


class ScenarioFile(_Strict):
    form: str = Field(description="path of the definition, relative to this file")
    scenarios: list[Scenario] = Field(min_length=1)


@dataclass
class Failure:
    location: Location
    scenario: str
    message: str

    def render(self) -> str:
        return f"{self.location}: scenario '{self.scenario}': {self.message}"


@dataclass
class ScenarioRun:
    path: Path
    passed: int = 0
    failures: list[Failure] = field(default_factory=list)
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    total: int = 0


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


def run_file(
    path: Path,
    oso: OsoCatalog | None = None,
    default_today: date | None = None,
    coverage: Coverage | None = None,
) -> ScenarioRun:
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
        coverage.expect(result.checked)
        traced = compile_form(result.checked, "", coverage)
        result = CheckResult(result.path, result.loaded, result.checked, traced, None)
    items = data["scenarios"]
    for index, scenario in enumerate(parsed.scenarios):
        run.total += 1
        raw = items[index]
        expect_src = raw["expect"]
        failures = sorted(
            _run_one(result, scenario, raw, expect_src, default_today),
            key=lambda f: (f.location.line, f.location.column),
        )
        if failures:
            run.failures.extend(failures)
        else:
            run.passed += 1
    return run


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    if "expect" in loc:
        return sorted(Expectations.model_fields)
    if "scenarios" in loc and len(loc) > 2:
        return sorted(Scenario.model_fields)
    return sorted(ScenarioFile.model_fields)


def _run_one(
    result: CheckResult,
    scenario: Scenario,
    raw: LocDict,
    expect_src: LocDict,
    default_today: date | None,
) -> list[Failure]:
    compiled = result.compiled
    assert compiled is not None
    state = evaluate(compiled, scenario.answers, scenario.today or default_today or date.today())
    expect = scenario.expect
    failures: list[Failure] = []
    language = scenario.language

    def fail(key: str, message: str, index: int | str | None = None) -> None:
        location = expect_src.location_of(key)
        container = expect_src.get(key)
        if index is not None and hasattr(container, "location_of"):
            location = container.location_of(index)  # type: ignore[union-attr]
        failures.append(Failure(location, scenario.name, message))

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
            fail("values", f"expected {key} = {_show(wanted_value)}, got {_show(actual)}", key)
    for key, wanted_messages in expect.errors.items():
        if not check_key("errors", key, key):
            continue
        wanted_list = [wanted_messages] if isinstance(wanted_messages, str) else wanted_messages
        actual_list = [m.text(language) for m in state.errors.get(key, ())]
        if wanted_list != actual_list:
            fail(
                "errors",
                f"expected errors at '{key}': {wanted_list}, got {actual_list or 'none'}",
                key,
            )
    if expect.no_errors is True:
        if state.errors:
            shown = "; ".join(f"{k}: {t}" for k, t in state.error_list(language)[:5])
            fail("no_errors", f"expected no errors, got {shown}")
    elif isinstance(expect.no_errors, list):
        for index, key in enumerate(expect.no_errors):
            if check_key("no_errors", key, index) and key in state.errors:
                texts = [m.text(language) for m in state.errors[key]]
                fail("no_errors", f"expected no error at '{key}', got {texts}", index)
    if expect.valid is not None and state.valid != expect.valid:
        shown = "; ".join(f"{k}: {t}" for k, t in state.error_list(language)[:5])
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
                f"expected options of '{key}': {wanted_options}, got {actual_options}",
                key,
            )
    for group in ("pages_complete", "pages_incomplete", "pages_hidden"):
        for index, page_id in enumerate(getattr(expect, group)):
            page = state.pages.get(page_id)
            if page is None:
                fail(
                    group,
                    f"there is no page '{page_id}'"
                    + (
                        f" ({did_you_mean(page_id, state.pages)})"
                        if did_you_mean(page_id, state.pages)
                        else ""
                    ),
                    index,
                )
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


def _show(value: Any) -> str:
    if value is None:
        return "blank"
    if isinstance(value, date):
        return value.isoformat()
    return repr(value)
