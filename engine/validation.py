"""Checks of a clean value against its field's options (lengths, bounds, choices, files).

One function per field type; the compiler gives each field node its check, so evaluation calls
it without looking at the type again. Each appends messages to ``errors``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .expressions.compiler import CompiledExpression, Context
from .fieldtypes import media_type_names
from .messages import Message, message

if TYPE_CHECKING:
    from .compiler import Node

Check = Callable[["Node", Any, Context, "tuple[str, ...] | None", list[Message]], None]


def check_text(node: Node, value: Any, ctx: Context, options: Any, errors: list[Message]) -> None:
    element = node.element
    length = len(value)
    if element.min_length is not None and length < element.min_length:
        errors.append(message("text_too_short", min=element.min_length))
    if element.max_length is not None and length > element.max_length:
        errors.append(message("text_too_long", max=element.max_length, length=length))


def check_number(node: Node, value: Any, ctx: Context, options: Any, errors: list[Message]) -> None:
    element = node.element
    if element.min is not None and value < element.min:
        errors.append(message("number_too_small", min=element.min))
    elif element.max is not None and value > element.max:
        errors.append(message("number_too_large", max=element.max))
    elif element.step is not None:
        base = element.min if element.min is not None else 0
        if (Decimal(value) - Decimal(base)) % Decimal(element.step) != 0:
            errors.append(message("number_step", step=element.step))


def _bound(bound: Any, ctx: Context) -> Any:
    if isinstance(bound, CompiledExpression):
        try:
            return bound.fn(ctx)
        except Exception:
            return None
    return bound


def check_date(node: Node, value: Any, ctx: Context, options: Any, errors: list[Message]) -> None:
    low = _bound(node.date_min, ctx)
    high = _bound(node.date_max, ctx)
    if low is not None and value < low:
        errors.append(message("date_too_early", min=low))
    elif high is not None and value > high:
        errors.append(message("date_too_late", max=high))


def check_choice(node: Node, value: Any, ctx: Context, options: Any, errors: list[Message]) -> None:
    allowed = options if options is not None else node.choice_values
    if value not in allowed:
        errors.append(message("choice_invalid"))


def check_multichoice(
    node: Node, value: Any, ctx: Context, options: Any, errors: list[Message]
) -> None:
    element = node.element
    allowed = options if options is not None else node.choice_values
    if any(v not in allowed for v in value):
        errors.append(message("choice_invalid"))
    elif element.min_selected is not None and len(value) < element.min_selected:
        errors.append(message("too_few_selected", min=element.min_selected))
    elif element.max_selected is not None and len(value) > element.max_selected:
        errors.append(message("too_many_selected", max=element.max_selected))


def check_file(node: Node, value: Any, ctx: Context, options: Any, errors: list[Message]) -> None:
    element = node.element
    files = value if isinstance(value, list) else [value]
    limit = int(element.max_size_mb * 1024 * 1024)
    for item in files:
        if item.get("media_type") not in element.accept:
            errors.append(message("file_type", accept=media_type_names(element.accept)))
            break
        if item.get("size", 0) > limit:
            errors.append(message("file_too_large", max=element.max_size_mb))
            break


CHECKS: dict[str, Check] = {
    "text": check_text,
    "textarea": check_text,
    "integer": check_number,
    "decimal": check_number,
    "date": check_date,
    "choice": check_choice,
    "multichoice": check_multichoice,
    "file": check_file,
}
