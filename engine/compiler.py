"""The compile stage: a checked definition becomes a :class:`CompiledForm`.

A compiled form is a flat plan: graph nodes (pages, sections, fields) in an order in which each
node comes after everything its visibility and value depend on, every expression turned into a
closure, and for every field the set of nodes to re-evaluate when its answer changes.
Compiled forms are immutable and cached by the content hash of their definition.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from .checker import CheckedForm, TypedExpression
from .expressions.checker import Scope
from .expressions.compiler import CompiledExpression, Context, _Compiler
from .fieldtypes import FIELD_TYPES
from .model import (
    CalculatedField,
    Choice,
    DateField,
    FieldBase,
    FormDefinition,
    GroupField,
    Text,
    _ChoiceBase,
)
from .validation import CHECKS, Check

ROLE_CONTAINER = 0  # a page or section
ROLE_INPUT = 1
ROLE_CALCULATED = 2
ROLE_NOTE = 3
ROLE_GROUP = 4


_ROLES = {"calculated": ROLE_CALCULATED, "note": ROLE_NOTE, "group": ROLE_GROUP}


@dataclass(eq=False, slots=True)
class Node:
    """A page, section or field of the plan."""

    key: str  # field id, "page:ID" or "section:ID"
    kind: str  # "page", "section" or a field type
    parent: str | None  # key of the node whose visibility this one inherits
    repeat_path: tuple[str, ...] = ()
    hidden: bool = False
    visible: CompiledExpression | None = None
    # fields only
    element: Any = None
    page: str = ""
    clean: Any = None
    calculate: CompiledExpression | None = None
    default_value: Any = None
    default: CompiledExpression | None = None
    required_const: bool = False
    required: CompiledExpression | None = None
    enabled: CompiledExpression | None = None
    constraints: tuple[tuple[CompiledExpression, Text], ...] = ()
    choices: tuple[Choice, ...] = ()
    choice_values: frozenset[str] = frozenset()
    choice_filter: CompiledExpression | None = None
    date_min: Any = None
    date_max: Any = None
    check: Check | None = None  # checks of the clean value beyond reading it (bounds, ...)
    order: int = 0
    children: tuple[str, ...] = ()  # direct child fields of a group
    role: int = ROLE_CONTAINER
    simple: bool = False  # an input without conditions or checks beyond reading its value
    read_only: bool = False  # filled by the runtime (generated), never by a person

    @property
    def is_input(self) -> bool:
        return self.clean is not None


@dataclass(eq=False)
class CompiledForm:
    definition: FormDefinition
    content_hash: str
    nodes: list[Node]  # in evaluation order
    by_key: dict[str, Node]
    pages: list[str]  # page ids in order
    page_fields: dict[str, tuple[str, ...]]  # page id -> field ids (document order)
    groups: tuple[str, ...] = ()
    affected: Dependents = field(init=False)

    @property
    def id(self) -> str:
        return self.definition.id

    @property
    def version(self) -> int:
        return self.definition.version

    def field(self, field_id: str) -> Node:
        return self.by_key[field_id]


class Tracer(Protocol):
    """Receives the outcome of every condition, constraint and filter (scenario coverage)."""

    def record(self, typed: TypedExpression, owner: str, purpose: str, outcome: Any) -> None: ...


def compile_form(
    checked: CheckedForm, content_hash: str = "", tracer: Tracer | None = None
) -> CompiledForm:
    """Compile a checked form. With a ``tracer`` (for scenario coverage) every condition,
    constraint and choice filter reports its outcome; such forms are not cached."""
    return _FormCompiler(checked, content_hash, tracer).compile()


class _FormCompiler:
    def __init__(
        self, checked: CheckedForm, content_hash: str, tracer: Tracer | None = None
    ) -> None:
        self.checked = checked
        self.content_hash = content_hash
        self.tracer = tracer
        self._compilers: dict[tuple[str, ...], _Compiler] = {}
        self._choice_lists: dict[str, tuple[tuple[Choice, ...], frozenset[str]]] = {}
        self._value_deps: dict[str, set[str]] = {}  # node key -> what its value depends on

    def expr(self, owner: str, purpose: str) -> CompiledExpression | None:
        typed: TypedExpression | None = self.checked.expressions.get((owner, purpose))
        if typed is None:
            return None
        compiler = self._compilers.get(typed.context_path)
        if compiler is None:
            scope = Scope(self.checked.symbols, typed.context_path)
            compiler = self._compilers[typed.context_path] = _Compiler(scope)
        fn = compiler.compile(typed.tree)
        if self.tracer is not None and (
            purpose in TRACED_PURPOSES or purpose.startswith("constraint:")
        ):
            fn = _traced(fn, self.tracer, typed, owner, purpose)
        return CompiledExpression(typed.source, typed.type, typed.refs, fn)

    def compile(self) -> CompiledForm:
        form = self.checked.definition
        nodes: dict[str, Node] = {}
        page_fields: dict[str, tuple[str, ...]] = {}
        for page in form.pages:
            key = f"page:{page.id}"
            nodes[key] = Node(
                key, "page", None, hidden=page.hidden, visible=self.expr(key, "visible")
            )
            for section in page.sections:
                skey = f"section:{section.id}"
                nodes[skey] = Node(
                    skey, "section", key, hidden=section.hidden, visible=self.expr(skey, "visible")
                )
        on_page: dict[int, list[str]] = {}  # id(page) -> its field ids, in document order
        for spec in self.checked.fields:
            on_page.setdefault(id(spec.page), []).append(spec.id)
        for page in form.pages:
            page_fields[page.id] = tuple(on_page.get(id(page), ()))
        for spec in self.checked.fields:
            if spec.id in nodes:
                continue
            nodes[spec.id] = self.field_node(spec)
        for spec in self.checked.fields:
            element = spec.element
            if isinstance(element, GroupField):
                nodes[spec.id].children = tuple(str(f.id) for f in element.fields)
        order = self.order(nodes)
        for index, node in enumerate(order):
            node.order = index
        compiled = CompiledForm(
            form,
            self.content_hash,
            order,
            {n.key: n for n in order},
            [p.id for p in form.pages],
            page_fields,
            groups=tuple(s.id for s in self.checked.fields if s.type == "group"),
        )
        compiled.affected = self.dependents(compiled)
        return compiled

    def field_node(self, spec: Any) -> Node:
        element = spec.element
        field_id = spec.id
        kind = spec.type
        expr = self.expr
        clean = FIELD_TYPES[kind].clean
        node = Node(
            field_id,
            kind,
            spec.container,
            spec.repeat_path,
            element.hidden,
            expr(field_id, "visible") if element.visible_if else None,
            element,
            spec.page.id,
            clean,
        )
        if isinstance(element, CalculatedField):
            node.calculate = expr(field_id, "calculate")
        if isinstance(element, FieldBase):
            if isinstance(element.required, bool):
                node.required_const = element.required
            else:
                node.required = expr(field_id, "required")
            node.read_only = element.generated is not None
            if element.enabled_if:
                node.enabled = expr(field_id, "enabled")
            if element.default_expression:
                node.default = expr(field_id, "default")
            if element.default is not None and clean is not None:
                node.default_value = clean(element.default)
            if element.constraints:
                node.constraints = tuple(
                    (compiled, constraint.message)
                    for index, constraint in enumerate(element.constraints)
                    if (compiled := expr(field_id, f"constraint:{index}")) is not None
                )
        if isinstance(element, _ChoiceBase):
            if isinstance(element.choices, str):
                shared = self._choice_lists.get(element.choices)
                if shared is None:
                    choices = tuple(self.checked.choice_lists.get(element.choices, ()))
                    shared = (choices, frozenset(c.value for c in choices))
                    self._choice_lists[element.choices] = shared
                node.choices, node.choice_values = shared
            else:
                node.choices = tuple(element.choices)
                node.choice_values = frozenset(c.value for c in node.choices)
            if element.choice_filter:
                node.choice_filter = expr(field_id, "choice_filter")
        if isinstance(element, DateField):
            low, high = element.min, element.max
            node.date_min = expr(field_id, "min") if isinstance(low, str) else low
            node.date_max = expr(field_id, "max") if isinstance(high, str) else high
        check = node.check = CHECKS.get(kind)
        role = node.role = _ROLES.get(kind, ROLE_INPUT)
        node.simple = (
            role == ROLE_INPUT
            and check is None
            and node.enabled is None
            and node.required is None
            and not node.required_const
            and not node.constraints
            and not node.read_only
        )
        return node

    def value_deps(self, node: Node) -> set[str]:
        deps: set[str] = set()
        if node.parent:
            deps.add(node.parent)
        for compiled in (node.visible, node.calculate, node.default):
            if compiled is not None:
                deps.update(compiled.refs)
        return deps

    def order(self, nodes: dict[str, Node]) -> list[Node]:
        """Topological order of the value dependencies (the checker has ruled out cycles)."""
        result: list[Node] = []
        state: dict[str, int] = {}
        deps_of = self._value_deps  # kept for dependents()

        def visit(key: str) -> None:
            if state.get(key):
                return
            state[key] = 1
            node = nodes[key]
            deps = deps_of[key] = self.value_deps(node)
            for dep in sorted(deps) if len(deps) > 1 else deps:
                if dep in nodes:
                    visit(dep)
            # a group's rows are gathered from its children, so aggregates of a group wait for them
            state[key] = 2
            result.append(node)

        for key in nodes:
            visit(key)
        return result

    def dependents(self, compiled: CompiledForm) -> Dependents:
        """The dependency graph, inverted: who reads each node's value or visibility."""
        value_dependents: dict[str, set[str]] = {}
        check_dependents: dict[str, set[str]] = {}
        deps_of = self._value_deps
        for node in compiled.nodes:
            deps = deps_of.get(node.key)
            for dep in self.value_deps(node) if deps is None else deps:
                value_dependents.setdefault(dep, set()).add(node.key)
            if node.role == ROLE_CONTAINER:
                continue  # a page or section: it has visibility only
            readers = [node.required, node.enabled, node.choice_filter]
            readers += [rule for rule, _ in node.constraints]
            readers += [
                b for b in (node.date_min, node.date_max) if isinstance(b, CompiledExpression)
            ]
            for compiled_expr in readers:
                if compiled_expr is not None:
                    for ref in compiled_expr.refs:
                        check_dependents.setdefault(ref, set()).add(node.key)
        return Dependents(compiled, value_dependents, check_dependents)


class Dependents:
    """For each field, the nodes to evaluate again when its answer changes.

    The inverted graph is built at compile time; each field's transitive closure is computed
    the first time that field changes, then kept.
    """

    def __init__(
        self,
        form: CompiledForm,
        value_dependents: dict[str, set[str]],
        check_dependents: dict[str, set[str]],
    ) -> None:
        self.form = form
        self.value_dependents = value_dependents
        self.check_dependents = check_dependents
        self._closures: dict[str, tuple[Node, ...]] = {}

    def __getitem__(self, field_id: str) -> tuple[Node, ...]:
        cached = self._closures.get(field_id)
        if cached is None:
            cached = self._closures[field_id] = self._closure(field_id)
        return cached

    def _closure(self, field_id: str) -> tuple[Node, ...]:
        by_key = self.form.by_key
        closure: set[str] = set()
        stack = [field_id]
        while stack:
            key = stack.pop()
            if key in closure:
                continue
            closure.add(key)
            stack.extend(self.value_dependents.get(key, ()))
            # a field inside a group changes the group's rows, which aggregates read
            owner = by_key[key]
            if owner.repeat_path:
                stack.extend(self.value_dependents.get(owner.repeat_path[-1], ()))
        extra: set[str] = set()
        for key in closure:
            extra.update(self.check_dependents.get(key, ()))
        return tuple(sorted((by_key[k] for k in closure | extra), key=lambda n: n.order))


TRACED_PURPOSES = frozenset({"visible", "required", "enabled", "choice_filter"})


def _traced(
    fn: Callable[[Context], Any], tracer: Tracer, typed: TypedExpression, owner: str, purpose: str
) -> Callable[[Context], Any]:
    def traced(ctx: Context) -> Any:
        outcome = fn(ctx)
        tracer.record(typed, owner, purpose, outcome)
        return outcome

    return traced


class FormCache:
    """Compiled forms by content hash (a definition's hash changes whenever its content does)."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._items: OrderedDict[str, CompiledForm] = OrderedDict()

    def get(self, content_hash: str) -> CompiledForm | None:
        item = self._items.get(content_hash)
        if item is not None:
            self._items.move_to_end(content_hash)
        return item

    def put(self, compiled: CompiledForm) -> None:
        self._items[compiled.content_hash] = compiled
        self._items.move_to_end(compiled.content_hash)
        while len(self._items) > self.size:
            self._items.popitem(last=False)
