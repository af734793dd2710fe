"""The evaluate stage: (compiled form, answers) → form state, as a pure function.

``answers`` is a mapping from field id to raw answer; a repeating group's answer is a list of
rows, each a mapping of the same kind. The state tells, per field instance (``naam``,
``toetsen[0].score``): visible, required, enabled, value, errors, and for filtered choices the
options left; per page: visible and complete.

The rule for hidden fields: a field that is not visible (its own ``visible_if``, its section's,
page's or group's, or ``hidden: true``) is not validated, counts as blank in every expression,
and its value is not submitted.

:func:`reevaluate` recomputes only the nodes that depend on one changed answer and returns the
instance keys whose state changed (what the runtime swaps into the page).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .compiler import (
    ROLE_CALCULATED,
    ROLE_CONTAINER,
    ROLE_GROUP,
    ROLE_INPUT,
    ROLE_NOTE,
    CompiledForm,
    Node,
)
from .expressions.compiler import CompiledExpression, Context
from .fieldtypes import Invalid
from .messages import Message, message

_MISSING = object()
_NO_ERRORS: list[Message] = []  # shared and never appended to


class _Instance:
    """One place where a field occurs: the top level, or one row of each enclosing repeat."""

    __slots__ = ("answers", "ctx", "group_key", "prefix")

    def __init__(self, ctx: Context, answers: Mapping[str, Any], prefix: str, group_key: str):
        self.ctx = ctx
        self.answers = answers
        self.prefix = prefix
        self.group_key = group_key


@dataclass
class PageState:
    id: str
    visible: bool
    complete: bool


@dataclass
class FormState:
    form: CompiledForm
    today: date
    values: dict[str, Any]  # nested: groups hold lists of row dicts
    value: dict[str, Any] = field(default_factory=dict)  # flat, by instance key
    visible: dict[str, bool] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)  # visible, enabled and required now
    disabled: set[str] = field(default_factory=set)  # visible but read-only
    errors: dict[str, tuple[Message, ...]] = field(default_factory=dict)
    error_nodes: dict[str, Node] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)  # input that could not be read
    options: dict[str, tuple[str, ...]] = field(default_factory=dict)
    pages: dict[str, PageState] = field(default_factory=dict)

    # ---------------------------------------------------------------- queries

    @property
    def valid(self) -> bool:
        return not self.errors

    def is_required(self, key: str) -> bool:
        return key in self.required

    def is_enabled(self, key: str) -> bool:
        return self.visible.get(key, False) and key not in self.disabled

    def field(self, key: str) -> FieldState:
        return FieldState(
            key,
            self.visible.get(key, False),
            key in self.required,
            self.is_enabled(key),
            self.value.get(key),
            self.errors.get(key, ()),
            self.raw.get(key, _MISSING),
            self.options.get(key),
        )

    def instances(self, field_id: str) -> list[str]:
        """Instance keys of a field (one for a field outside repeats)."""
        return [
            k
            for k in self.visible
            if k == field_id or (k.endswith(f".{field_id}") and _template(k) == field_id)
        ]

    def submission(self) -> dict[str, Any]:
        """The values to submit: visible fields only (notes have none)."""
        return _prune(self.values, self.form, ())

    def error_list(self, language: str = "nl") -> list[tuple[str, str]]:
        return [(key, msg.text(language)) for key, msgs in self.errors.items() for msg in msgs]


@dataclass(frozen=True)
class FieldState:
    key: str
    visible: bool
    required: bool
    enabled: bool
    value: Any
    errors: tuple[Message, ...]
    raw: Any
    options: tuple[str, ...] | None

    @property
    def invalid_input(self) -> Any:
        return None if self.raw is _MISSING else self.raw


def _template(key: str) -> str:
    return key.rsplit(".", 1)[-1].split("[", 1)[0]


def template_of(key: str) -> str:
    """The field id of an instance key: ``toetsen[0].score`` → ``score``."""
    tail = key.rsplit(".", 1)[-1]
    return tail.split("[", 1)[0]


def _prune(values: dict[str, Any], form: CompiledForm, path: tuple[str, ...]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in values.items():
        node = form.by_key.get(key)
        if node is None or value is None or node.kind == "note":
            continue
        if node.kind == "group":
            rows = [_prune(row, form, (*path, key)) for row in value]
            if rows:
                result[key] = rows
            continue
        result[key] = value
    return result


# -------------------------------------------------------------------- evaluation


class _Evaluator:
    def __init__(self, form: CompiledForm, answers: Mapping[str, Any], state: FormState) -> None:
        self.form = form
        self.answers = answers
        self.state = state
        self.top = _Instance(Context((state.values,), state.today), answers, "", "")
        self.top_only = (self.top,)
        self.instance_cache: dict[tuple[str, ...], list[_Instance]] = {(): [self.top]}

    def instances(self, path: tuple[str, ...]) -> list[_Instance]:
        cached = self.instance_cache.get(path)
        if cached is not None:
            return cached
        result: list[_Instance] = []
        group = path[-1]
        today = self.state.today
        for outer in self.instances(path[:-1]):
            scope = outer.ctx.scope
            value_rows = scope[-1].get(group) or ()
            answer_rows = outer.answers.get(group) if isinstance(outer.answers, Mapping) else None
            if not isinstance(answer_rows, list):
                answer_rows = []
            group_key = outer.prefix + group
            for index, row in enumerate(value_rows):
                answer_row = answer_rows[index] if index < len(answer_rows) else {}
                if not isinstance(answer_row, Mapping):
                    answer_row = {}
                ctx = Context((*scope, row), today, (*outer.ctx.rows, index))
                result.append(_Instance(ctx, answer_row, f"{group_key}[{index}].", group_key))
        self.instance_cache[path] = result
        return result

    # ---------------------------------------------------------------- phase 1: visible, value

    def run_values(self, nodes: tuple[Node, ...] | list[Node]) -> None:
        # The hot loop of evaluation: locals and inlined steps on purpose.
        state = self.state
        visible = state.visible
        flat = state.value
        raw_errors = state.raw
        top = self.top
        top_only = self.top_only
        for node in nodes:
            role = node.role
            if role == ROLE_CONTAINER:
                parent_ok = True if node.parent is None else visible.get(node.parent, False)
                visible[node.key] = (
                    parent_ok
                    and not node.hidden
                    and (node.visible is None or _condition(node.visible, top.ctx))
                )
                continue
            name = node.key
            for instance in self.instances(node.repeat_path) if node.repeat_path else top_only:
                key = instance.prefix + name if instance.prefix else name
                ctx = instance.ctx
                shown = visible.get(instance.group_key or node.parent, False) and not node.hidden  # type: ignore[arg-type]
                if shown and node.visible is not None:
                    try:
                        shown = node.visible.fn(ctx) is True
                    except Exception:
                        shown = False
                visible[key] = shown
                target = ctx.scope[-1]
                if role == ROLE_GROUP:
                    self.group_rows(node, key, target, instance.answers, shown)
                    continue
                if raw_errors:
                    raw_errors.pop(key, None)
                value: Any = None
                if shown:
                    if role == ROLE_INPUT:
                        answer = instance.answers.get(name, _MISSING)
                        if answer is _MISSING:
                            if node.default is not None:
                                value = _value(node.default, ctx)
                            else:
                                value = node.default_value
                        elif (
                            answer is None
                            or answer == ""
                            or answer == []
                            or (type(answer) is str and not answer.strip())
                        ):
                            pass
                        else:
                            try:
                                value = node.clean(answer)
                            except Invalid as invalid:
                                raw_errors[key] = (answer, invalid.msg)
                    elif role == ROLE_CALCULATED:
                        value = _value(node.calculate, ctx)  # type: ignore[arg-type]
                target[name] = value
                flat[key] = value

    def group_rows(
        self, node: Node, key: str, target: dict[str, Any], answers: Mapping[str, Any], shown: bool
    ) -> None:
        rows: list[dict[str, Any]] = []
        if shown:
            answer_rows = answers.get(node.key) if answers else None
            if isinstance(answer_rows, list):
                rows = [{} for _ in answer_rows]
        target[node.key] = rows
        self.state.value[key] = len(rows) if shown else None

    # ---------------------------------------------------------------- phase 2: checks

    def run_checks(self, nodes: tuple[Node, ...] | list[Node]) -> None:
        state = self.state
        visible = state.visible
        flat = state.value
        required_keys = state.required
        disabled = state.disabled
        errors = state.errors
        raw_errors = state.raw
        top_only = self.top_only
        no_errors = _NO_ERRORS
        for node in nodes:
            role = node.role
            if role in (ROLE_CONTAINER, ROLE_NOTE):
                continue
            name = node.key
            for instance in self.instances(node.repeat_path) if node.repeat_path else top_only:
                key = instance.prefix + name if instance.prefix else name
                if not visible.get(key):
                    required_keys.discard(key)
                    disabled.discard(key)
                    state.options.pop(key, None)
                    if key in errors:
                        self.set_errors(key, node, ())
                    continue
                if role == ROLE_CALCULATED:
                    disabled.add(key)
                    continue
                if role == ROLE_GROUP:
                    self.set_errors(key, node, _row_errors(node, flat.get(key) or 0))
                    continue
                if node.simple:
                    invalid = raw_errors.get(key)
                    if invalid is not None:
                        self.set_errors(key, node, (invalid[1],))
                    elif key in errors:
                        self.set_errors(key, node, ())
                    continue
                ctx = instance.ctx
                enabled = not node.read_only and (
                    node.enabled is None or _condition(node.enabled, ctx)
                )
                if enabled:
                    disabled.discard(key)
                else:
                    disabled.add(key)
                required = enabled and (
                    node.required_const
                    or (node.required is not None and _condition(node.required, ctx))
                )
                if required:
                    required_keys.add(key)
                else:
                    required_keys.discard(key)
                options = None
                if node.choice_filter is not None:
                    options = self.filtered_options(node, ctx)
                    state.options[key] = options
                if not enabled:
                    self.set_errors(key, node, ())
                    continue
                invalid = raw_errors.get(key)
                if invalid is not None:
                    self.set_errors(key, node, (invalid[1],))
                    continue
                value = flat.get(key)
                if value is None:
                    self.set_errors(key, node, (_required_message(node),) if required else ())
                    continue
                found: list[Message] = no_errors  # replaced by a new list on the first error
                if node.check is not None:
                    found = []
                    node.check(node, value, ctx, options, found)
                if not found:
                    for rule, text in node.constraints:
                        if found is no_errors:
                            found = []
                        try:
                            ok = rule.fn(ctx)
                        except Exception:
                            found.append(message("evaluation_failed"))
                            break
                        if ok is False:
                            found.append(Message("constraint", custom=text))
                if found or key in errors:
                    self.set_errors(key, node, tuple(found))

    def filtered_options(self, node: Node, ctx: Context) -> tuple[str, ...]:
        assert node.choice_filter is not None
        kept: list[str] = []
        for choice in node.choices:
            ctx.choice = choice.attributes
            if _condition(node.choice_filter, ctx):
                kept.append(choice.value)
        ctx.choice = None
        return tuple(kept)

    def set_errors(self, key: str, node: Node, errors: tuple[Message, ...]) -> None:
        if errors:
            self.state.errors[key] = errors
            self.state.error_nodes[key] = node
        elif key in self.state.errors:
            del self.state.errors[key]
            del self.state.error_nodes[key]

    def run_pages(self, page_ids: list[str] | set[str]) -> None:
        state = self.state
        with_errors = {node.page for node in state.error_nodes.values()}
        for page_id in page_ids:
            shown = state.visible.get(f"page:{page_id}", False)
            state.pages[page_id] = PageState(
                page_id, shown, not shown or page_id not in with_errors
            )


def _condition(compiled: CompiledExpression, ctx: Context) -> bool:
    try:
        return compiled.fn(ctx) is True
    except Exception:
        return False


def _value(compiled: CompiledExpression, ctx: Context) -> Any:
    try:
        return compiled.fn(ctx)
    except Exception:
        return None


def _required_message(node: Node) -> Message:
    if node.kind in ("choice", "multichoice", "yesno"):
        return message("required_choice")
    return message("required")


def _row_errors(node: Node, count: int) -> tuple[Message, ...]:
    element = node.element
    if count < element.min_rows:
        return (message("too_few_rows", min=element.min_rows),)
    if element.max_rows is not None and count > element.max_rows:
        return (message("too_many_rows", max=element.max_rows),)
    return ()


def evaluate(
    form: CompiledForm, answers: Mapping[str, Any] | None = None, today: date | None = None
) -> FormState:
    """The whole state of a form for the given answers."""
    state = FormState(form, today or date.today(), {})
    evaluator = _Evaluator(form, answers or {}, state)
    evaluator.run_values(form.nodes)
    evaluator.run_checks(form.nodes)
    evaluator.run_pages(form.pages)
    return state


def reevaluate(
    form: CompiledForm,
    previous: FormState,
    answers: Mapping[str, Any],
    changed: str,
) -> tuple[FormState, list[str]]:
    """The state after the answer of ``changed`` (an instance key) changed, and what changed.

    Only the nodes that depend on the changed field are evaluated again. Adding or removing rows
    of a group is a structural change: the form is evaluated in full.
    """
    field_id = template_of(changed)
    node = form.by_key.get(field_id)
    if node is None or node.kind == "group" or previous.form is not form:
        state = evaluate(form, answers, previous.today)
        return state, changed_keys(previous, state)
    affected = form.affected[field_id]
    state = FormState(
        form,
        previous.today,
        _copy_values(previous.values, {n.repeat_path[0] for n in affected if n.repeat_path}),
        dict(previous.value),
        dict(previous.visible),
        set(previous.required),
        set(previous.disabled),
        dict(previous.errors),
        dict(previous.error_nodes),
        dict(previous.raw),
        dict(previous.options),
        dict(previous.pages),
    )
    evaluator = _Evaluator(form, answers, state)
    evaluator.run_values(affected)
    evaluator.run_checks(affected)
    evaluator.run_pages({n.page for n in affected if n.page} | _pages_of(affected))
    changed_set: list[str] = []
    for n in affected:
        if n.kind in ("page", "section"):
            if previous.visible.get(n.key) != state.visible.get(n.key):
                changed_set.append(n.key)
            continue
        for instance in evaluator.instances(n.repeat_path):
            key = instance.prefix + n.key
            if _differs(previous, state, key):
                changed_set.append(key)
    for page_id, page in state.pages.items():
        if previous.pages.get(page_id) != page:
            changed_set.append(f"page:{page_id}")
    return state, changed_set


def _pages_of(nodes: tuple[Node, ...]) -> set[str]:
    return {n.key.split(":", 1)[1] for n in nodes if n.kind == "page"}


def _copy_values(values: dict[str, Any], groups: set[str]) -> dict[str, Any]:
    copied = dict(values)
    for group in groups:
        rows = values.get(group)
        if isinstance(rows, list):
            copied[group] = [_copy_row(row) for row in rows]
    return copied


def _copy_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (
            [_copy_row(r) for r in v] if isinstance(v, list) and v and isinstance(v[0], dict) else v
        )
        for k, v in row.items()
    }


def _differs(old: FormState, new: FormState, key: str) -> bool:
    return (
        old.visible.get(key) != new.visible.get(key)
        or old.value.get(key) != new.value.get(key)
        or (key in old.required) != (key in new.required)
        or (key in old.disabled) != (key in new.disabled)
        or old.errors.get(key) != new.errors.get(key)
        or old.options.get(key) != new.options.get(key)
        or (key in old.raw) != (key in new.raw)
    )


def changed_keys(old: FormState, new: FormState) -> list[str]:
    """Every instance key (and ``page:ID``) whose state differs between two states."""
    keys = dict.fromkeys([*old.visible, *new.visible])
    result = [key for key in keys if _differs(old, new, key)]
    for page_id, page in new.pages.items():
        if old.pages.get(page_id) != page:
            result.append(f"page:{page_id}")
    return result
