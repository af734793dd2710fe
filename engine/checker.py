"""The checking stage: everything about a definition that its shape alone cannot tell.

Each check is a small method of :class:`FormChecker` that appends diagnostics; none stops the
others, so an author sees every problem in one run. The result, a :class:`CheckedForm`, carries
the flattened fields and the parsed, typed expressions that the compiler turns into closures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Any, Protocol, get_args

from .display import shorten
from .errors import Diagnostics, ExpressionError, Location, did_you_mean
from .expressions.checker import Scope, SymbolInfo, check_expression
from .expressions.nodes import Binary, Call, ChoiceAttr, ListLiteral, Literal, Node, Ref, walk
from .expressions.parser import parse
from .expressions.types import ANY, BOOLEAN, DATE, NONE, ExprType
from .fieldtypes import FIELD_TYPES, MEDIA_TYPES, Invalid
from .model import (
    CalculatedField,
    Category,
    Choice,
    DateField,
    Element,
    FieldBase,
    FormDefinition,
    FormKind,
    GroupField,
    NoteField,
    Page,
    Section,
    Text,
    _ChoiceBase,
    _TextLike,
)
from .yamlsource import LocDict

MAX_GROUP_DEPTH = 2
# the kinds whose every value needs a privacy category (Besluit uitwisseling leer- en
# begeleidingsgegevens): what a school sends about a pupil to another organisation
CATEGORISED_KINDS = (FormKind.ONDERWIJSKUNDIG_RAPPORT, FormKind.ONDERSTEUNINGSAANVRAAG)
# an ondersteuningsaanvraag's reports: the group, its file and kind fields, and the kinds of
# report the parents are asked about one by one before the SWV sees them
REPORTS_GROUP = "rapporten"
REPORT_FILE = "rapport_bestand"
REPORT_KIND = "rapport_soort"
PARENT_SHARED_REPORTS = ("medisch", "psychologisch")
FORBIDDEN_OSO_NAMES = ("geboorteplaats", "nationaliteit", "geboortemaand", "postcode4adres")


class OsoCatalog(Protocol):
    """What the checker needs to know of the OSO element tree (see oso_mapping.element_tree).

    A catalog may also offer ``children_of(path)`` (for did-you-mean hints) and
    ``is_exported(path)`` (to warn about mappings that exports do not write)."""

    def get(self, path: str) -> Any: ...


AnyFieldModel = Any  # one of the field models of engine.model


@dataclass(slots=True)
class FieldSpec:
    """One field of the form, flattened, with where it sits."""

    element: AnyFieldModel
    page: Page
    section: Section
    groups: tuple[GroupField, ...]
    category: Category | None
    id: str
    type: str
    repeat_path: tuple[str, ...]  # the ids of ``groups``
    container: str  # key of the node whose visibility this field inherits


_GENERATED = Location("<generated>")
# the field types with a lower and an upper bound, and their keys
_BOUNDS = {
    "integer": ("min", "max"),
    "decimal": ("min", "max"),
    "date": ("min", "max"),  # when min is a date, not an expression
    "text": ("min_length", "max_length"),
    "textarea": ("min_length", "max_length"),
    "multichoice": ("min_selected", "max_selected"),
}


@dataclass
class TypedExpression:
    tree: Node
    type: ExprType
    refs: frozenset[str]
    context_path: tuple[str, ...]
    source: str
    # the element and key the expression is written at; its Location is made when first asked
    # for (a valid form's places are not needed until a scenario's coverage asks)
    written: tuple[Element, str] | None = field(default=None, repr=False, compare=False)
    _location: Location | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def location(self) -> Location:
        if self._location is None:
            holder = self.written
            self._location = _GENERATED if holder is None else holder[0].location(holder[1])
        return self._location


@dataclass
class LoadNotes:
    """What loading knows that the model does not, so that each mistake is reported once.

    A variant's changes record what they removed (to blame the change, not the base that still
    uses it). When the shape of some elements is wrong, the loader checks the rest of the form
    as a partial model and notes here what it left out; checks that would only repeat those
    errors are skipped."""

    # (shared list id or "field:ID", value) -> the change of a variant that removed the choice
    removed_choices: dict[tuple[str, str], Location] = field(default_factory=dict)
    # page, section or field id -> the change of a variant that removed it
    removed_elements: dict[str, Location] = field(default_factory=dict)
    # ids of pages, sections and fields left out (their own definition is reported)
    left_out: set[str] = field(default_factory=set)
    # shared choice lists left out, and lists that lost some of their choices
    left_out_lists: set[str] = field(default_factory=set)
    shortened_lists: set[str] = field(default_factory=set)
    left_out_values: set[str] = field(default_factory=set)
    # (where an element was written, key) for keys removed or lists that lost items
    left_out_keys: set[tuple[Location, str]] = field(default_factory=set)
    # an include or an added item could not be read: any name may be defined in it
    incomplete: bool = False

    def lost(self, element: Element, key: str) -> bool:
        """Whether ``key`` of ``element`` was left out, or a misspelling of it was."""
        import difflib

        where = element.location()
        return any(
            loc == where
            and (gone == key or difflib.SequenceMatcher(None, gone, key).ratio() >= 0.6)
            for loc, gone in self.left_out_keys
        )


@dataclass
class CheckedForm:
    definition: FormDefinition
    fields: list[FieldSpec]
    by_id: dict[str, FieldSpec]
    symbols: dict[str, SymbolInfo]
    # (owner key, purpose) -> expression; owner key is a field id, "page:ID" or "section:ID"
    expressions: dict[tuple[str, str], TypedExpression] = field(default_factory=dict)
    choice_lists: dict[str, list[Choice]] = field(default_factory=dict)


_TEXT_KEYS = (
    "title",
    "label",
    "hint",
    "description",
    "message",
    "text",
    "placeholder",
    "unit",
    "add_label",
    "submit_label",
    "labels",
)
_LAYOUT: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _layout(cls: type[Element]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The keys of a model class that hold texts, and those that may hold elements."""
    if cls not in _LAYOUT:
        fields = cls.model_fields
        texts = tuple(k for k in _TEXT_KEYS if k in fields)
        children = tuple(
            k for k, info in fields.items() if k not in texts and _holds_elements(info.annotation)
        )
        _LAYOUT[cls] = (texts, children)
    return _LAYOUT[cls]


def _holds_elements(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, Element):
        return True
    return any(_holds_elements(arg) for arg in get_args(annotation))


def check_texts(root: Element, languages: list[str], diag: Diagnostics) -> None:
    """Every text of ``root`` (a form, a procedure) written in each of ``languages``."""
    for element, key, text in iter_texts(root):
        if isinstance(text, dict):
            missing = [lang for lang in languages if lang not in text or not text[lang]]
            if missing:
                shown = text.get(languages[0]) or next(iter(text.values()), "")
                diag.error(
                    element.location(key),
                    f"missing translation ({', '.join(missing)}) of '{shorten(shown)}'",
                    f"add {', '.join(f'{m}: …' for m in missing)} to this text",
                )
            extra = [lang for lang in text if lang not in languages]
            if extra:
                diag.warning(
                    element.location(key),
                    f"text in undeclared language(s) {', '.join(extra)}",
                    "add the language to 'languages' or remove the text",
                )
        elif len(languages) > 1 and len(text.split()) > 1:
            diag.warning(
                element.location(key),
                f"'{shorten(text)}' is shown untranslated in every language",
                f"write it per language ({', '.join(languages)}) if it should be translated",
            )


def iter_texts(root: Any) -> list[tuple[Element, str, Text]]:
    """Every text a person sees, with the element and key that hold it."""
    found: list[tuple[Element, str, Text]] = []
    stack = [root]
    while stack:
        element = stack.pop()
        values = element.__dict__
        text_keys, child_keys = _layout(type(element))
        for key in text_keys:
            value = values[key]
            if key == "labels" and isinstance(value, dict):
                found.extend((element, key, text) for text in value.values())
            elif value is not None:
                found.append((element, key, value))
        for key in child_keys:
            child = values[key]
            if isinstance(child, list):
                stack.extend(item for item in child if isinstance(item, Element))
            elif isinstance(child, Element):
                stack.append(child)
            elif isinstance(child, dict):
                for item in child.values():
                    if isinstance(item, list):
                        stack.extend(sub for sub in item if isinstance(sub, Element))
    return found


class FormChecker:
    def __init__(
        self,
        definition: FormDefinition,
        diagnostics: Diagnostics,
        oso: OsoCatalog | None = None,
        notes: LoadNotes | None = None,
    ) -> None:
        self.form = definition
        self.diag = diagnostics
        self.oso = oso
        self.notes = notes or LoadNotes()
        self.fields: list[FieldSpec] = []
        self.by_id: dict[str, FieldSpec] = {}
        self.symbols: dict[str, SymbolInfo] = {}
        self.expressions: dict[tuple[str, str], TypedExpression] = {}
        self._parsed: dict[str, Node] = {}

    # ------------------------------------------------------------------ entry

    def check(self) -> CheckedForm:
        self.collect()
        self.check_ids()
        self.check_translations()
        self.check_choices()
        self.check_field_options()
        self.type_calculations()
        self.check_expressions()
        self.check_value_cycles()
        self.check_defaults()
        self.check_categories()
        self.check_support_request()
        self.check_oso()
        return CheckedForm(
            self.form,
            self.fields,
            self.by_id,
            self.symbols,
            self.expressions,
            dict(self.form.choices),
        )

    # ------------------------------------------------------------------ structure

    def collect(self) -> None:
        for page in self.form.pages:
            for section in page.sections:
                self._collect_fields(
                    page, section, section.fields, (), section.category, f"section:{section.id}"
                )

    def _collect_fields(
        self,
        page: Page,
        section: Section,
        fields: list[Any],
        groups: tuple[GroupField, ...],
        category: Category | None,
        container: str,
    ) -> None:
        repeat_path = tuple(g.id for g in groups)
        append = self.fields.append
        for element in fields:
            own = getattr(element, "category", None)
            spec = FieldSpec(
                element,
                page,
                section,
                groups,
                own or category,
                str(element.id),
                str(element.type),
                repeat_path,
                container,
            )
            append(spec)
            if isinstance(element, GroupField):
                if len(groups) + 1 > MAX_GROUP_DEPTH:
                    self.diag.error(
                        element.location(),
                        f"repeating groups nest at most {MAX_GROUP_DEPTH} deep",
                        "move this group up one level",
                    )
                self._collect_fields(
                    page,
                    section,
                    element.fields,
                    (*groups, element),
                    own or category,
                    str(element.id),
                )

    def check_ids(self) -> None:
        seen: dict[str, Location] = {}
        shared: dict[tuple[ExprType, tuple[str, ...], bool], SymbolInfo] = {}
        for page in self.form.pages:
            for kind, element in [("page", page)] + [("section", s) for s in page.sections]:
                key = f"{kind}:{element.id}"
                if key in seen:
                    self.diag.error(
                        element.location("id"),
                        f"the {kind} id '{element.id}' is used twice",
                        f"the first is at {seen[key]}",
                    )
                seen[key] = element.location("id")
        for spec in self.fields:
            if spec.id in self.by_id:
                first = self.by_id[spec.id].element.location("id")
                self.diag.error(
                    spec.element.location("id"),
                    f"the field id '{spec.id}' is used twice",
                    f"field ids are unique in a form; the first is at {first}",
                )
                continue
            self.by_id[spec.id] = spec
            value_type = FIELD_TYPES[spec.type].value_type if spec.type != "calculated" else ANY
            info = (value_type, spec.repeat_path, spec.type == "group")
            symbol = shared.get(info)  # symbols are frozen: fields alike share one
            if symbol is None:
                symbol = shared[info] = SymbolInfo(*info)
            self.symbols[spec.id] = symbol
        for name in self.notes.left_out:  # their definition is reported: any use is accepted
            self.symbols.setdefault(name, SymbolInfo(ANY))

    def check_translations(self) -> None:
        if self.notes.lost(self.form, "languages"):
            return  # the languages are reported; every text would be measured against a guess
        check_texts(self.form, self.form.languages, self.diag)

    def check_choices(self) -> None:
        for list_id, choices in self.form.choices.items():
            self._unique_values(choices)
            if not choices and list_id not in self.notes.shortened_lists:
                where = self.list_location(list_id)
                self.diag.error(where, f"the choice list '{list_id}' is empty")
        for spec in self.fields:
            element = spec.element
            if not isinstance(element, _ChoiceBase):
                continue
            if isinstance(element.choices, str):
                left_out = (
                    element.choices in self.notes.left_out_lists
                    or self.notes.incomplete
                    or self.notes.lost(self.form, "choices")
                )
                if element.choices not in self.form.choices and not left_out:
                    hint = did_you_mean(element.choices, self.form.choices)
                    self.diag.error(
                        element.location("choices"),
                        f"there is no choice list '{element.choices}'",
                        hint or "define it under 'choices:' at the top of the form",
                    )
            else:
                self._unique_values(element.choices)

    def _unique_values(self, choices: list[Choice]) -> None:
        seen: set[str] = set()
        for choice in choices:
            if choice.value in seen:
                self.diag.error(
                    choice.location("value"), f"the choice value '{choice.value}' appears twice"
                )
            seen.add(choice.value)

    def list_location(self, list_id: str) -> Location:
        """Where the shared choice list ``list_id`` was written (its name under choices:)."""
        lists = self.form._src.get("choices") if isinstance(self.form._src, LocDict) else None
        if isinstance(lists, LocDict) and list_id in lists.key_locs:
            return lists.key_locs[list_id]
        return self.form.location("choices")

    def choices_of(self, element: _ChoiceBase) -> list[Choice]:
        if isinstance(element.choices, str):
            return self.form.choices.get(element.choices, [])
        return element.choices

    def removed_choice(self, element: _ChoiceBase, field_id: str, value: str) -> Location | None:
        """The change of a variant that removed ``value`` from the field's choices, if any."""
        removed = self.notes.removed_choices
        found = removed.get((f"field:{field_id}", value))
        if found is None and isinstance(element.choices, str):
            found = removed.get((element.choices, value))
        return found

    def choices_unknown(self, element: _ChoiceBase) -> bool:
        """Whether the field's choices cannot be known (its list is missing, and reported)."""
        return isinstance(element.choices, str) and element.choices not in self.form.choices

    def check_field_options(self) -> None:
        for spec in self.fields:
            element = spec.element
            bounds = _BOUNDS.get(spec.type)
            if bounds is not None and (spec.type != "date" or isinstance(element.min, date)):
                low_key, high_key = bounds
                low, high = getattr(element, low_key), getattr(element, high_key)
                if isinstance(high, type(low)) and low is not None and low > high:
                    self.diag.error(element.location(low_key), f"{low_key} is above {high_key}")
            if isinstance(element, GroupField):
                if element.max_rows is not None and element.min_rows > element.max_rows:
                    self.diag.error(element.location("min_rows"), "min_rows > max_rows")
                no_fields = not any(not isinstance(f, NoteField) for f in element.fields)
                if no_fields and not self.notes.lost(element, "fields"):
                    self.diag.error(element.location("fields"), "a group needs at least one field")
            if not isinstance(element, NoteField) and not element.label:
                shown = not isinstance(element, CalculatedField) or element.show
                if shown and not element.hidden and not self.notes.lost(element, "label"):
                    self.diag.error(
                        element.location("id"),
                        f"the field '{spec.id}' has no label",
                        "every field a person sees needs a label (also for screen readers)",
                    )
            if getattr(element, "generated", None) and (
                element.required is not False or element.enabled_if
            ):
                self.diag.error(
                    element.location("generated"),
                    "a generated field is filled by POPO, not by a person",
                    "remove required and enabled_if from this field",
                )
            if spec.type == "file":
                for media in element.accept:
                    if media not in MEDIA_TYPES:
                        self.diag.error(
                            element.location("accept"),
                            f"unknown file type '{media}'",
                            did_you_mean(media, MEDIA_TYPES)
                            or "allowed: " + ", ".join(sorted(MEDIA_TYPES)),
                        )

    # ------------------------------------------------------------------ expressions

    def _scope(
        self,
        context_path: tuple[str, ...],
        attrs: frozenset[str] | None = None,
        attrs_unknown: bool = False,
    ) -> Scope:
        return Scope(self.symbols, context_path, attrs, attributes_unknown=attrs_unknown)

    def expression(
        self,
        owner: str,
        purpose: str,
        element: Element,
        key: str,
        text: str,
        context_path: tuple[str, ...],
        expected: ExprType | None,
        attrs: frozenset[str] | None = None,
        holder: Element | None = None,
        choices: list[Choice] | None = None,
        attrs_unknown: bool = False,
    ) -> TypedExpression | None:
        holder = holder or element
        try:
            tree = self._parsed.get(text) or parse(text)
        except ExpressionError as exc:
            self.report_expression(holder, key, text, exc)
            return None
        removed_elements = self.notes.removed_elements
        for node in walk(tree) if removed_elements else ():
            if isinstance(node, Ref) and node.name not in self.symbols:
                removed = removed_elements.get(node.name)
                if removed is not None:
                    what = f"'{node.name}'"
                    self.report_removed(removed, what, owner, holder, key, text, node.pos)
                    return None
        try:
            scope = self._scope(context_path, attrs, attrs_unknown)
            result = check_expression(tree, scope)
        except ExpressionError as exc:
            self.report_expression(holder, key, text, exc)
            return None
        if expected is not None and result.kind not in ("any", expected.kind):
            what = {"boolean": "a condition (true or false)"}.get(expected.kind, f"a {expected}")
            self.report_expression(
                holder,
                key,
                text,
                ExpressionError(
                    f"'{key}' needs {what}, but the expression gives a {result}",
                    0,
                    'compare a value, e.g. reden == "anders"' if expected == BOOLEAN else "",
                ),
            )
            return None
        for fault, removed in self.choice_literals(tree, choices):
            if removed is not None:
                what = fault.message  # the choice 'x' of 'field'
                self.report_removed(removed, what, owner, holder, key, text, fault.offset)
            else:
                self.report_expression(holder, key, text, fault)
        written = (holder, key)
        typed = TypedExpression(tree, result, frozenset(scope.refs), context_path, text, written)
        self.expressions[(owner, purpose)] = typed
        return typed

    def report_removed(
        self,
        removed: Location,
        what: str,
        owner: str,
        holder: Element,
        key: str,
        text: str,
        offset: int,
    ) -> None:
        """A variant removed what an expression (usually of its base) still uses: blame the
        change, and name the use."""
        use = holder.location(key)
        if offset >= 0 and holder.exact_columns(key) and "\n" not in text:
            use = use.shifted(offset)
        kind, _, name = owner.rpartition(":")
        whose = f"the {kind} '{name}'" if kind else f"'{name}'"
        self.diag.error(
            removed,
            f"this change removes {what}, which is still used at {use} "
            f"(the {key} of {whose}: {shorten(text, 60)})",
            f"keep it, or change that {key} in this variant too "
            f"(modify: {name}, set: {{{'constraints' if key == 'rule' else key}: …}}), "
            f"or hide: {name}",
        )

    def choice_literals(
        self, tree: Node, filtered: list[Choice] | None = None
    ) -> list[tuple[ExpressionError, Location | None]]:
        """A text compared with a choice field must be one of its choice values; inside a
        choice_filter, a text compared with ``@name`` one of the values of that attribute
        among the ``filtered`` choices. A fault comes with the change of a variant that
        removed the choice, if one did."""
        faults: list[tuple[ExpressionError, Location | None]] = []

        def check(ref: Node, literal: Node) -> None:
            if not isinstance(literal, Literal):
                return
            value = literal.value
            if not isinstance(value, str) or value == "":
                return
            if isinstance(ref, ChoiceAttr) and filtered is not None:
                values = sorted(
                    {c.attributes[ref.name] for c in filtered if ref.name in c.attributes}
                )
                if values and value not in values and value not in self.notes.left_out_values:
                    fault = ExpressionError(
                        f"'{value}' is not a value of the attribute '{ref.name}'",
                        literal.pos,
                        did_you_mean(value, values)
                        or f"values of @{ref.name}: " + ", ".join(values[:12]),
                    )
                    faults.append((fault, None))
                return
            if not isinstance(ref, Ref):
                return
            spec = self.by_id.get(ref.name)
            if spec is None or not isinstance(spec.element, _ChoiceBase):
                return
            if self.choices_unknown(spec.element):
                return
            allowed = [c.value for c in self.choices_of(spec.element)]
            if value in allowed or value in self.notes.left_out_values:
                return
            removed = self.removed_choice(spec.element, spec.id, value)
            if removed is not None:
                what = f"the choice '{value}' of '{ref.name}'"
                faults.append((ExpressionError(what, literal.pos), removed))
                return
            fault = ExpressionError(
                f"'{value}' is not a choice of '{ref.name}'",
                literal.pos,
                did_you_mean(value, allowed) or "choices: " + ", ".join(allowed),
            )
            faults.append((fault, None))

        for node in walk(tree):
            if isinstance(node, Binary) and node.op in ("==", "!="):
                check(node.left, node.right)
                check(node.right, node.left)
            elif isinstance(node, Binary) and node.op == "in":
                check(node.right, node.left)
                if isinstance(node.right, ListLiteral):
                    for item in node.right.items:
                        check(node.left, item)
            elif (
                isinstance(node, Call)
                and node.name in ("selected", "contains")
                and len(node.args) == 2
            ):
                check(node.args[0], node.args[1])
        return faults

    def report_expression(self, holder: Element, key: str, text: str, exc: ExpressionError) -> None:
        location = holder.location(key)
        offset = exc.offset
        if offset >= 0 and holder.exact_columns(key) and "\n" not in text:
            location = location.shifted(offset)
        self.diag.error(location, exc.message, exc.hint, expression=text, offset=offset)

    def type_calculations(self) -> None:
        """Type calculated fields in dependency order, so a calculation may use another."""
        calcs = {s.id: s for s in self.by_id.values() if isinstance(s.element, CalculatedField)}
        trees: dict[str, Node] = {}
        for field_id, spec in calcs.items():
            try:
                trees[field_id] = parse(spec.element.calculate)
            except ExpressionError as exc:
                self.report_expression(spec.element, "calculate", spec.element.calculate, exc)
        order: list[str] = []
        state: dict[str, int] = {}

        def visit(field_id: str) -> None:
            if state.get(field_id) == 2:
                return
            if state.get(field_id) == 1:
                return  # a cycle; reported by check_value_cycles
            state[field_id] = 1
            for node in walk(trees[field_id]):
                if isinstance(node, Ref) and node.name in trees:
                    visit(node.name)
            state[field_id] = 2
            order.append(field_id)

        for field_id in trees:
            visit(field_id)
        for field_id in order:
            spec = calcs[field_id]
            self._parsed[spec.element.calculate] = trees[field_id]
            typed = self.expression(
                field_id,
                "calculate",
                spec.element,
                "calculate",
                spec.element.calculate,
                spec.repeat_path,
                None,
            )
            if typed is not None:
                info = self.symbols[field_id]
                self.symbols[field_id] = SymbolInfo(typed.type, info.repeat_path, False)

    def check_expressions(self) -> None:
        for page in self.form.pages:
            if page.visible_if:
                self.expression(
                    f"page:{page.id}", "visible", page, "visible_if", page.visible_if, (), BOOLEAN
                )
            for section in page.sections:
                if section.visible_if:
                    self.expression(
                        f"section:{section.id}",
                        "visible",
                        section,
                        "visible_if",
                        section.visible_if,
                        (),
                        BOOLEAN,
                    )
        for spec in self.by_id.values():
            element = spec.element
            own_path = spec.repeat_path
            # a group's own conditions are written outside its rows
            context = own_path
            if element.visible_if:
                self.expression(
                    spec.id, "visible", element, "visible_if", element.visible_if, context, BOOLEAN
                )
            if isinstance(element, FieldBase):
                if isinstance(element.required, str):
                    self.expression(
                        spec.id, "required", element, "required", element.required, context, BOOLEAN
                    )
                if element.enabled_if:
                    self.expression(
                        spec.id,
                        "enabled",
                        element,
                        "enabled_if",
                        element.enabled_if,
                        context,
                        BOOLEAN,
                    )
                for index, constraint in enumerate(element.constraints):
                    self.expression(
                        spec.id,
                        f"constraint:{index}",
                        constraint,
                        "rule",
                        constraint.rule,
                        context,
                        BOOLEAN,
                    )
                if element.default_expression:
                    value_type = FIELD_TYPES[spec.type].value_type
                    self.expression(
                        spec.id,
                        "default",
                        element,
                        "default_expression",
                        element.default_expression,
                        context,
                        value_type,
                    )
                if isinstance(element, _ChoiceBase) and element.choice_filter:
                    choices = self.choices_of(element)
                    attrs = frozenset(a for c in choices for a in c.attributes)
                    typed = self.expression(
                        spec.id,
                        "choice_filter",
                        element,
                        "choice_filter",
                        element.choice_filter,
                        context,
                        BOOLEAN,
                        attrs,
                        choices=choices,
                        attrs_unknown=self.choices_unknown(element),
                    )
                    if typed is not None:
                        missing = [
                            c.value
                            for c in choices
                            for node in walk(typed.tree)
                            if isinstance(node, ChoiceAttr) and node.name not in c.attributes
                        ]
                        if missing:
                            self.diag.warning(
                                element.location("choice_filter"),
                                "some choices lack an attribute used in the filter: "
                                + ", ".join(sorted(set(missing))[:5]),
                                "a missing attribute is blank, so the filter hides those choices",
                            )
                if isinstance(element, DateField):
                    for bound in ("min", "max"):
                        value = getattr(element, bound)
                        if isinstance(value, str):
                            self.expression(spec.id, bound, element, bound, value, context, DATE)

    def check_value_cycles(self) -> None:
        """Cycles among what decides values: visibility, calculations and defaults."""
        graph: dict[str, set[str]] = {}
        # (node, next) -> the expression that makes node depend on next
        links: dict[tuple[str, str], tuple[str, str]] = {}
        for (owner, purpose), typed in self.expressions.items():
            if purpose in ("visible", "calculate", "default"):
                graph.setdefault(owner, set()).update(typed.refs)
                for ref in typed.refs:
                    links.setdefault((owner, ref), (owner, purpose))
        for spec in self.by_id.values():
            graph.setdefault(spec.id, set()).add(spec.container)
            container = spec.container
            if container.startswith("section:"):
                graph.setdefault(container, set()).add(f"page:{spec.page.id}")
        if _acyclic(graph):
            return  # the usual case: no search for the cycles to report
        reported: set[frozenset[str]] = set()
        state: dict[str, int] = {}
        stack: list[str] = []

        def visit(node: str) -> None:
            state[node] = 1
            stack.append(node)
            for nxt in sorted(graph.get(node, ())):
                if state.get(nxt) == 1:
                    cycle = [*stack[stack.index(nxt) :], nxt]
                    members = frozenset(cycle)
                    if members not in reported:
                        reported.add(members)
                        self._report_cycle(cycle, links)
                elif state.get(nxt) is None:
                    visit(nxt)
            stack.pop()
            state[node] = 2

        for node in sorted(graph):
            if state.get(node) is None:
                visit(node)

    def _report_cycle(
        self, cycle: list[str], links: dict[tuple[str, str], tuple[str, str]]
    ) -> None:
        """Report a cycle at the expression that closes it, with a caret under the reference.

        Links without an expression are containment (a field is shown only with its section,
        group and page), so a cycle with one expression is a condition of a page, section or
        group that uses a field inside it: usually a visible_if indented one level too little."""
        steps = list(pairwise(cycle))
        written = [(step, links[step]) for step in steps if step in links]
        (owner, ref), expression = written[0]
        typed = self.expressions[expression]
        assert typed.written is not None
        holder, key = typed.written
        offset = next((n.pos for n in walk(typed.tree) if isinstance(n, Ref) and n.name == ref), -1)
        names = " → ".join(c.split(":", 1)[-1] for c in cycle)
        message = f"these fields depend on each other in a cycle: {names}"
        hint = "a value, calculation or visibility may not (indirectly) depend on itself"
        kind, _, name = owner.rpartition(":")
        if not kind and isinstance(getattr(self.by_id.get(owner), "element", None), GroupField):
            kind = "group"
        if kind and len(written) == 1 and expression[1] == "visible":
            message = (
                f"the visible_if of the {kind} '{name}' uses '{ref}', a field inside that "
                f"{kind}: the {kind} could never be shown"
            )
            hint = (
                f"a condition may only use fields outside what it shows; if it belongs to a "
                f"field, indent it under that field (it is now a key of the {kind})"
            )
        self.report_expression(holder, key, typed.source, ExpressionError(message, offset, hint))

    def check_defaults(self) -> None:
        for spec in self.by_id.values():
            element = spec.element
            if not isinstance(element, FieldBase) or element.default is None:
                continue
            if element.default_expression:
                self.diag.error(
                    element.location("default"),
                    "use either default or default_expression, not both",
                )
                continue
            clean = FIELD_TYPES[spec.type].clean
            if clean is None:
                continue
            try:
                value = clean(element.default)
            except Invalid as invalid:
                self.diag.error(
                    element.location("default"),
                    f"the default is not a valid answer: {invalid.msg.text('en')}",
                )
                continue
            if isinstance(element, _ChoiceBase) and not self.choices_unknown(element):
                allowed = {c.value for c in self.choices_of(element)}
                values = value if isinstance(value, list) else [value]
                for item in values:
                    removed = self.removed_choice(element, spec.id, item)
                    if item not in allowed and removed is not None:
                        self.diag.error(
                            removed,
                            f"this change removes the choice '{item}' of '{spec.id}', which is "
                            f"still its default at {element.location('default')}",
                            "keep the choice, or set another default in this variant "
                            f"(modify: {spec.id}, set: {{default: …}})",
                        )
                    elif item not in allowed and item not in self.notes.left_out_values:
                        self.diag.error(
                            element.location("default"),
                            f"the default '{item}' is not one of the choices",
                            did_you_mean(str(item), allowed),
                        )

    # ------------------------------------------------------------------ privacy and OSO

    def check_categories(self) -> None:
        if self.form.kind not in CATEGORISED_KINDS:
            return
        what = {
            FormKind.ONDERWIJSKUNDIG_RAPPORT: "an onderwijskundig rapport",
            FormKind.ONDERSTEUNINGSAANVRAAG: "an ondersteuningsaanvraag",
        }[self.form.kind]
        for spec in self.by_id.values():
            if isinstance(spec.element, NoteField | GroupField):
                continue
            holders = (spec.element, spec.section, *spec.groups)
            if spec.category is None and not any(self.notes.lost(h, "category") for h in holders):
                self.diag.error(
                    spec.element.location("id"),
                    f"the field '{spec.id}' has no privacy category",
                    f"{what} may only hold the five legal categories: "
                    + ", ".join(c.value for c in Category)
                    + " (set category: on the field, its group or its section)",
                )

    def check_support_request(self) -> None:
        """An ondersteuningsaanvraag carries the reports (a group ``rapporten`` with a file
        ``rapport_bestand`` and a choice ``rapport_soort`` that knows medical and psychological
        reports): the runtime asks the parents, per such report, whether the SWV may see it."""
        if self.form.kind is not FormKind.ONDERSTEUNINGSAANVRAAG or self.notes.incomplete:
            return
        if any(name in self.notes.left_out for name in (REPORTS_GROUP, REPORT_FILE, REPORT_KIND)):
            return  # its own definition is reported
        example = (
            f"- id: {REPORTS_GROUP}, type: group, fields: [{{id: {REPORT_KIND}, type: choice, "
            f"choices: [{', '.join(PARENT_SHARED_REPORTS)}, …]}}, {{id: {REPORT_FILE}, type: "
            "file}]"
        )
        group = self.by_id.get(REPORTS_GROUP)
        if group is None or not isinstance(group.element, GroupField):
            where = group.element.location("type") if group else self.form.location("pages")
            self.diag.error(
                where,
                f"an ondersteuningsaanvraag needs a repeating group '{REPORTS_GROUP}' with the "
                "reports sent to the samenwerkingsverband",
                f"add {example} (docs/support-definitions.md)",
            )
            return
        rows = {str(f.id): f for f in group.element.fields}
        wanted = {REPORT_FILE: "file", REPORT_KIND: "choice"}
        for name, kind in wanted.items():
            found = rows.get(name)
            if found is None:
                hint = did_you_mean(name, rows) or f"add {{id: {name}, type: {kind}}} to its fields"
                self.diag.error(
                    group.element.location("fields"),
                    f"the group '{REPORTS_GROUP}' has no {kind} field '{name}'",
                    hint,
                )
            elif found.type != kind:
                self.diag.error(
                    found.location("type"),
                    f"'{name}' in '{REPORTS_GROUP}' is a {found.type} field; it must be a "
                    f"{kind} field",
                    f"type: {kind}",
                )
        kind_field = rows.get(REPORT_KIND)
        if not isinstance(kind_field, _ChoiceBase) or self.choices_unknown(kind_field):
            return
        values = {choice.value for choice in self.choices_of(kind_field)}
        missing = [value for value in PARENT_SHARED_REPORTS if value not in values]
        if missing:
            self.diag.error(
                kind_field.location("choices"),
                f"the choices of '{REPORT_KIND}' have no "
                + " and no ".join(f"'{value}'" for value in missing),
                "the parents are asked per medical or psychological report whether the "
                "samenwerkingsverband may see it: keep the values "
                + " and ".join(PARENT_SHARED_REPORTS)
                + " (with labels of your own)",
            )

    def check_oso(self) -> None:
        for spec in self.by_id.values():
            element = spec.element
            path = getattr(element, "oso", None)
            if not path:
                continue
            full = self._full_oso_path(spec)
            steps = [step.split("[")[0] for step in full.split("/")]
            forbidden = [s for s in steps if s in FORBIDDEN_OSO_NAMES]
            if forbidden:
                self.diag.error(
                    element.location("oso"),
                    f"OSO forbids '{forbidden[0]}' in a transfer dossier",
                    "remove the mapping (and the field, if it only exists for OSO)",
                )
                continue
            if self.oso is None:
                continue
            self._check_oso_path(spec, full)

    def _group_oso(self, group: GroupField) -> str | None:
        return group.oso

    def _full_oso_path(self, spec: FieldSpec) -> str:
        path = str(spec.element.oso)
        for group in reversed(spec.groups):
            if path.startswith("huidigeschool/") or path.startswith("/"):
                break
            if group.oso:
                path = f"{group.oso}/{path}"
        return path.lstrip("/")

    def _check_oso_path(self, spec: FieldSpec, full: str) -> None:
        assert self.oso is not None
        element = spec.element
        steps = full.split("/")
        walked: list[str] = []
        group_paths = {self._full_group_path(g, spec) for g in spec.groups if g.oso}
        for index, raw_step in enumerate(steps):
            name, _, rest = raw_step.partition("[")
            walked.append(name)
            current = "/".join(walked)
            node = self.oso.get(current)
            if node is None:
                parent = "/".join(walked[:-1])
                siblings = [
                    c.rsplit("/", 1)[-1]
                    for c in (
                        self.oso.children_of(parent) if hasattr(self.oso, "children_of") else []
                    )
                ]
                self.diag.error(
                    element.location("oso"),
                    f"'{current}' is not an element of OSO 2019.1",
                    did_you_mean(name, siblings)
                    or ("children of " + (parent or "dossier") + ": " + ", ".join(siblings[:12])),
                )
                return
            is_last = index == len(steps) - 1
            if node.repeating and not rest and not is_last and current not in group_paths:
                self.diag.error(
                    element.location("oso"),
                    f"'{current}' repeats in OSO; this field would map only one of them",
                    f"put the field in a repeating group with oso: {current}, or write "
                    f"{name}[1] to map the first one",
                )
                return
        node = self.oso.get("/".join(walked))
        if isinstance(element, GroupField):
            if not node.repeating:
                self.diag.error(
                    element.location("oso"),
                    f"a repeating group maps to a repeating OSO element; '{full}' occurs once",
                )
            return
        if not node.is_leaf:
            children = [c.rsplit("/", 1)[-1] for c in node.children]
            self.diag.error(
                element.location("oso"),
                f"'{full}' is a block, not a value",
                "map to one of its elements: " + ", ".join(children[:12]),
            )
            return
        exported = getattr(self.oso, "is_exported", None)
        if exported is not None and not exported("/".join(walked)):
            self.diag.warning(
                element.location("oso"),
                f"POPO reads '{full}' from OSO dossiers but does not write it when exporting",
                "docs/oso.md lists the elements an export holds",
            )
        kind = node.value_kind
        field_kind = self.symbols[spec.id].type.kind
        if kind in ("date", "boolean") and field_kind not in (kind, "any"):
            wanted = {"date": "a date field", "boolean": "a yes/no field"}[kind]
            self.diag.error(
                element.location("oso"),
                f"'{full}' holds a {kind}; map it from {wanted}",
            )
        limit = node.max_length
        too_long = (
            limit is not None
            and isinstance(element, _TextLike)
            and (element.max_length is None or element.max_length > limit)
        )
        if too_long:
            self.diag.error(
                element.location("oso"),
                f"OSO allows at most {node.max_length} characters in '{full}'",
                f"set max_length: {node.max_length} on this field",
            )

    def _full_group_path(self, group: GroupField, spec: FieldSpec) -> str:
        path = str(group.oso)
        index = spec.groups.index(group)
        for outer in reversed(spec.groups[:index]):
            if path.startswith("huidigeschool/"):
                break
            if outer.oso:
                path = f"{outer.oso}/{path}"
        return path


def _acyclic(graph: dict[str, set[str]]) -> bool:
    """Whether ``graph`` (node -> the nodes it depends on) has no cycle (Kahn's algorithm)."""
    waiting = dict.fromkeys(graph, 0)  # node -> how many nodes depend on it, not yet taken
    for targets in graph.values():
        for target in targets:
            waiting[target] = waiting.get(target, 0) + 1
    ready = [node for node, count in waiting.items() if count == 0]
    taken = 0
    while ready:
        node = ready.pop()
        taken += 1
        for target in graph.get(node, ()):
            waiting[target] -= 1
            if waiting[target] == 0:
                ready.append(target)
    return taken == len(waiting)


def check_definition(
    definition: FormDefinition,
    diagnostics: Diagnostics,
    oso: OsoCatalog | None = None,
    notes: LoadNotes | None = None,
) -> CheckedForm:
    return FormChecker(definition, diagnostics, oso, notes).check()


__all__ = [
    "NONE",
    "CheckedForm",
    "FieldSpec",
    "LoadNotes",
    "TypedExpression",
    "check_definition",
]
