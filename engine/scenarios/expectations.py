"""Expectations: what a scenario says the form shows, compared with what it shows."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from ..compiler import CompiledForm
from ..display import show_text, show_value, show_yaml
from ..errors import Location, did_you_mean
from ..evaluate import evaluate
from ..messages import CATALOG, CONSTRAINT, Message
from ..yamlsource import LocDict
from .files import Expectations


@dataclass
class Failure:
    """An expectation that did not hold (or answers that are wrong), where it is written."""

    location: Location
    scenario: str
    message: str
    kind: str = "scenario"

    def render(self) -> str:
        return f"{self.location}: {self.kind} '{self.scenario}': {self.message}"


def expects_nothing(expect: Expectations) -> bool:
    """Whether the expectations could never fail (nothing listed)."""
    if expect.valid is not None:
        return False
    listed = [v for k, v in expect if k != "dropped"]
    return not any(v for v in listed if v is not None)


EXPECTS_NOTHING = (
    "this {kind} expects nothing, so it cannot fail: say under expect what the form must show "
    "(visible, errors, values, valid, …)"
)


_KEY_LIKE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")


def _message_matches(wanted: str, actual: Message, language: str) -> bool:
    return wanted == actual.code or wanted == actual.text(language)


def _show_messages(messages: Sequence[Message], language: str) -> str:
    shown = [f"{show_text(m.text(language))} ({m.code})" for m in messages]
    if not shown:
        return "none"
    return shown[0] if len(shown) == 1 else "[" + ", ".join(shown) + "]"


def check_expectations(
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
        if not same_value(actual, wanted_value):
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
                f"expected options of '{key}': {show_yaml(wanted_options)}, "
                f"got {show_yaml(actual_options)}",
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


def same_value(actual: Any, wanted: Any) -> bool:
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
