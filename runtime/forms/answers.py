"""Draft answers: what people typed, kept as typed (nothing is lost), addressed by instance key.

An instance key names a field at the top level (``naam``) or in a row (``toetsen[0].score``,
``scholen[1].groepen[0].groep``). Answers are nested: a group's answer is a list of row dicts.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

_STEP = re.compile(r"([a-z][a-z0-9_]*)(?:\[(\d+)\])?")


def parse_key(key: str) -> list[tuple[str, int | None]]:
    """``toetsen[0].score`` → ``[("toetsen", 0), ("score", None)]``; ValueError if malformed."""
    steps: list[tuple[str, int | None]] = []
    for part in key.split("."):
        match = _STEP.fullmatch(part)
        if not match:
            raise ValueError(f"not a field key: {key!r}")
        steps.append((match.group(1), int(match.group(2)) if match.group(2) else None))
    return steps


def _container(answers: dict[str, Any], steps: list[tuple[str, int | None]], create: bool) -> Any:
    current: Any = answers
    for name, index in steps[:-1]:
        rows = current.get(name)
        if not isinstance(rows, list):
            if not create:
                return None
            rows = current[name] = []
        if index is None:
            return None
        while create and len(rows) <= index:
            rows.append({})
        if index >= len(rows) or not isinstance(rows[index], dict):
            return None
        current = rows[index]
    return current


def get_answer(answers: dict[str, Any], key: str) -> Any:
    steps = parse_key(key)
    container = _container(answers, steps, create=False)
    if not isinstance(container, dict):
        return None
    return container.get(steps[-1][0])


def set_answer(answers: dict[str, Any], key: str, value: Any) -> None:
    steps = parse_key(key)
    container = _container(answers, steps, create=True)
    if isinstance(container, dict):
        container[steps[-1][0]] = value


def add_row(answers: dict[str, Any], group_key: str) -> None:
    rows = get_answer(answers, group_key)
    if not isinstance(rows, list):
        rows = []
    rows.append({})
    set_answer(answers, group_key, rows)


def remove_row(answers: dict[str, Any], row_key: str) -> None:
    """``toetsen[1]`` removes the second row of ``toetsen``."""
    match = re.fullmatch(r"(.+)\[(\d+)\]", row_key)
    if not match:
        return
    rows = get_answer(answers, match.group(1))
    index = int(match.group(2))
    if isinstance(rows, list) and 0 <= index < len(rows):
        del rows[index]


def to_json(value: Any) -> Any:
    """Clean values (dates, decimals) as JSON for storage in a submission."""
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
