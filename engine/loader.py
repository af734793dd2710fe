"""Load a definition file into the model: read and assemble the YAML, then validate its shape.

Shape errors from pydantic are translated into author diagnostics at the exact YAML node, with a
"did you mean" for misspelt keys and field types.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from .assemble import Assembler, _index, copy_located
from .checker import LoadNotes, _layout
from .errors import Diagnostics, Location, did_you_mean
from .model import FIELD_TYPES, REGION_RULE, Element, FormDefinition
from .yamlsource import LocDict, LocList, to_plain

M = TypeVar("M", bound=Element)
P = TypeVar("P", bound=BaseModel)


@dataclass
class LoadedDefinition:
    path: Path
    data: LocDict | None
    model: FormDefinition | None
    diagnostics: Diagnostics
    files: set[Path] = field(default_factory=set)
    notes: LoadNotes = field(default_factory=LoadNotes)
    # when there is no model because of errors: the rest of the form, to check it all the same
    partial: FormDefinition | None = None


def load_definition(path: Path | str) -> LoadedDefinition:
    path = Path(path)
    diagnostics = Diagnostics()
    assembler = Assembler(diagnostics)
    data = assembler.assemble(path)
    notes = LoadNotes(assembler.removed_choices, assembler.removed_elements)
    notes.incomplete = assembler.incomplete
    notes.left_out_lists |= assembler.unreadable_lists
    model = partial = None
    if data is not None:
        assembled = not diagnostics.errors
        model = build_model(data, diagnostics)
        if model is None:
            partial = partial_model(data, notes)
        elif not assembled:  # checked like a partial model, never compiled
            model, partial = None, model
    loaded = LoadedDefinition(path, data, model, diagnostics, set(assembler.files), notes)
    loaded.partial = partial
    return loaded


def build_model(
    data: LocDict,
    diagnostics: Diagnostics,
    root: type[M] = FormDefinition,  # type: ignore[assignment]
) -> M | None:
    """``data`` validated as a ``root`` (a form, by default), or None with every shape error
    reported at its YAML node."""
    try:
        model = root.model_validate(data)
    except ValidationError as exc:
        seen: set[tuple[str, int, int, str]] = set()
        for error in _merge_text_errors(exc.errors()):
            location, node, parent, key = _locate(data, error["loc"])
            if error["type"] == "extra_forbidden" and isinstance(parent, LocDict):
                location = parent.key_locs.get(key, location)
            elif error["type"] == "union_tag_invalid" and isinstance(node, LocDict):
                location = node.location_of("type")
            # union alternatives (e.g. text or per-language map) fail at the same place: one report
            detail = (
                str(error["loc"][-1]) if error["type"] in ("missing", "extra_forbidden") else ""
            )
            marker = (location.file, location.line, location.column, detail)
            if marker in seen:
                continue
            seen.add(marker)
            message, hint = _explain(error, root)
            diagnostics.error(location, message, hint)
        return None
    attach_sources(model, data)
    return model


# keys without which the form itself cannot be checked get a stand-in (their error is reported)
_STAND_INS: dict[str, Any] = {"id": "form", "version": 1, "title": "", "kind": "custom"}
MAX_PRUNING_ROUNDS = 20


def partial_model(data: LocDict, notes: LoadNotes) -> FormDefinition | None:
    """The form without its broken parts, so that one run reports every independent problem.

    The shape errors were reported by :func:`build_model`. Here a copy of the data loses what
    does not validate: a wrong optional key is removed, an element missing a required key (or
    with a wrong one) is left out of its list. ``notes`` records what went, so that the checker
    does not report the consequences (an unknown field for a field left out, a missing label
    for a misspelt label key, ...). None when the form as a whole cannot be read."""
    work = copy_located(data)
    for _ in range(MAX_PRUNING_ROUNDS):
        try:
            model = FormDefinition.model_validate(work)
        except ValidationError as exc:
            if not all(_prune(work, error["loc"], error["type"], notes) for error in exc.errors()):
                return None
            continue
        attach_sources(model, work)
        return model
    return None


def _prune(root: LocDict, loc: tuple[Any, ...], kind: str, notes: LoadNotes) -> bool:
    """Take out the smallest part of ``root`` that holds the error at ``loc``; False when that
    part is the form itself and has no stand-in."""
    # the path through the data: (node, the list or mapping holding it, its key or index), and
    # how many parts of loc lead to each node
    path: list[tuple[Any, Any, Any]] = [(root, None, None)]
    reached = [0]
    rest: Any = None  # the last part of loc when it is not in the data (a missing or extra key)
    for index, part in enumerate(loc):
        node = path[-1][0]
        in_dict = isinstance(node, LocDict) and isinstance(part, str) and part in node
        in_list = isinstance(node, LocList) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            path.append((node[part], node, part))
            reached.append(index + 1)
        elif index == len(loc) - 1:
            rest = part
        # other parts are the tags of unions (a field's type, 'str', 'list[Choice]', ...)
    # the elements are the form and the mappings in lists (pages, sections, fields, choices, ...)
    at = max(
        i
        for i, (node, holder, _) in enumerate(path)
        if i == 0 or (isinstance(node, LocDict) and isinstance(holder, LocList))
    )
    key = path[at + 1][2] if at + 1 < len(path) else rest
    if at == 0:
        return _prune_form(root, path, key, kind, notes)
    element = path[at][0]
    start = reached[at]
    owner = model_at(FormDefinition, tuple(loc[:start])) or model_at(
        FormDefinition,
        tuple(loc[: start + 1]),  # a field: its type tag follows
    )
    if isinstance(key, str) and key not in ("id", "type") and _optional(owner, key):
        _remove_key(element, key, notes)
    else:
        _leave_out(path, at, notes)
    return True


def _optional(owner: type[Element] | None, key: str) -> bool:
    """Whether ``key`` may be left out of an element of class ``owner`` (it has a default)."""
    if owner is None:
        return False
    info = next((i for n, i in owner.model_fields.items() if key in (n, i.alias)), None)
    return info is None or not info.is_required()  # an unknown key, or one with a default


def _prune_form(root: LocDict, path: list[Any], key: Any, kind: str, notes: LoadNotes) -> bool:
    if key == "choices" and len(path) > 2 and isinstance(path[2][2], str):
        lists = root["choices"]  # one shared list is broken: leave it out, keep the others
        list_id = path[2][2]
        lists.pop(list_id, None)
        notes.left_out_lists.add(list_id)
        return True
    if not isinstance(key, str) or key == "pages":
        return False
    notes.left_out_keys.add((root.loc, key))
    if key in _STAND_INS:
        root[key] = _STAND_INS[key]
        return True
    if key in FormDefinition.model_fields and not FormDefinition.model_fields[key].is_required():
        root.pop(key, None)
        return True
    if kind == "extra_forbidden":
        root.pop(key, None)
        return True
    return False


def _remove_key(element: LocDict, key: str, notes: LoadNotes) -> None:
    element.pop(key, None)
    element.exact.discard(key)
    notes.left_out_keys.add((element.loc, key))


def _leave_out(path: list[Any], at: int, notes: LoadNotes) -> None:
    element, items, position = path[at]
    for gone in [element, *(entry[2] for entry in _index(element).values())]:
        if isinstance(gone.get("id"), str | int):
            notes.left_out.add(str(gone["id"]))
    if "value" in element:  # a choice
        notes.left_out_values.add(str(element["value"]))
        attributes = element.get("attributes")
        if isinstance(attributes, dict):
            notes.left_out_values.update(str(v) for v in attributes.values())
    holder, list_key = path[at - 1][1], path[at - 1][2]
    if isinstance(holder, LocDict) and isinstance(list_key, str):
        notes.left_out_keys.add((holder.loc, list_key))
        if at >= 2 and path[at - 2][2] == "choices" and at - 2 == 1:
            notes.shortened_lists.add(list_key)  # a shared list lost a choice
    del items[position]
    del items.item_locs[position]


_TEXT_TAGS = ("str", "dict[str,str]")


def _merge_text_errors(errors: list[Any]) -> list[Any]:
    """A text is a string or a map per language; pydantic reports a failure for each of the two.
    Keep one error per text, phrased for authors."""
    merged: list[Any] = []
    texts: dict[tuple[Any, ...], list[Any]] = {}
    for error in errors:
        loc = tuple(error["loc"])
        tag_at = next((i for i, part in enumerate(loc) if part in _TEXT_TAGS), None)
        if tag_at is None:
            merged.append(error)
            continue
        prefix = loc[:tag_at]
        if prefix not in texts:
            texts[prefix] = []
            merged.append({"loc": prefix, "type": "popo_text", "parts": texts[prefix]})
        texts[prefix].append(error)
    return merged


def attach_sources(element: Element, raw: Any) -> None:
    """Give every model element the located mapping it was validated from."""
    stack: list[tuple[Any, Any]] = [(element, raw)]
    pop, push, extend = stack.pop, stack.append, stack.extend
    known = _SOURCE_KEYS
    while stack:
        element, raw = pop()
        if not isinstance(raw, LocDict) or not isinstance(element, Element):
            continue
        _set_private(element, "__pydantic_private__", {"_src": raw})  # see Element._src
        values = element.__dict__
        keys = known.get(type(element)) or _source_keys(type(element))
        for name, key in keys:
            child = values[name]
            source = raw.get(key)
            if isinstance(child, list):
                if isinstance(source, list):
                    extend(zip(child, source))
            elif isinstance(child, Element):
                push((child, source))
            elif isinstance(child, dict) and isinstance(source, dict):
                for entry, value in child.items():
                    value_source = source.get(entry)
                    if isinstance(value, list) and isinstance(value_source, list):
                        extend(zip(value, value_source))


_set_private = object.__setattr__  # a frozen model's own __setattr__ refuses
_SOURCE_KEYS: dict[type, tuple[tuple[str, str], ...]] = {}


def _source_keys(cls: type[Element]) -> tuple[tuple[str, str], ...]:
    """The keys of a model class that may hold elements, each with its key in the YAML."""
    keys = _SOURCE_KEYS.get(cls)
    if keys is None:
        fields = cls.model_fields
        keys = tuple((name, fields[name].alias or name) for name in _layout(cls)[1])
        _SOURCE_KEYS[cls] = keys
    return keys


def model_at(root: type[Element], loc: tuple[Any, ...]) -> type[Element] | None:
    """The model class found by following a pydantic error path from ``root``."""
    current: Any = root
    for part in loc:
        current = _step(current, part)
        if current is None:
            return None
    while not (isinstance(current, type) and issubclass(current, Element)):
        args = [a for a in get_args(current) if a is not type(None)]
        if len(args) != 1:
            return None
        current = args[0]
    return current


def _step(current: Any, part: Any) -> Any:
    while True:
        if isinstance(current, type) and issubclass(current, Element):
            for name, info in current.model_fields.items():
                if part in (name, info.alias):
                    return info.annotation
            return None
        origin = get_origin(current)
        args = get_args(current)
        if origin is Annotated:
            current = args[0]
            continue
        if origin is list and isinstance(part, int):
            return args[0]
        if origin is dict:
            return args[1]
        if origin in (Union, UnionType):
            for member in args:
                if isinstance(member, type) and issubclass(member, Element):
                    tag = member.model_fields.get("type")
                    if tag is not None and get_args(tag.annotation) == (part,):
                        return member
            elements = [m for m in args if _contains_element(m)]
            if len(elements) == 1:
                current = elements[0]
                continue
            return None
        return None


def _contains_element(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, Element):
        return True
    return any(_contains_element(arg) for arg in get_args(annotation))


def _locate(root: Any, loc: tuple[Any, ...]) -> tuple[Location, Any, Any, Any]:
    """Follow a pydantic error path through located data, skipping union tags."""
    node = root
    parent: Any = None
    key: Any = None
    location: Location = root.loc
    for part in loc:
        in_dict = isinstance(node, LocDict) and isinstance(part, str) and part in node
        in_list = isinstance(node, LocList) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            parent, key = node, part
            location = node.location_of(part)
            node = node[part]
        elif isinstance(node, LocDict) and isinstance(part, str) and part.startswith("from"):
            continue
        elif isinstance(node, LocDict) and part not in node and isinstance(part, str):
            # a missing or extra key, or a union tag such as 'text' or 'str'
            if part == loc[-1]:
                parent, key = node, part
                location = node.key_locs.get(part, node.loc)
            continue
    return location, node, parent, key


_TYPE_WORDS = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "decimal_parsing": "a number",
    "decimal_type": "a number",
    "date_type": "a date (YYYY-MM-DD)",
}


def _explain(error: Any, root: Any) -> tuple[str, str]:
    kind = error["type"]
    loc = error["loc"]
    name = str(loc[-1]) if loc else ""
    if kind == "popo_text":
        keys = [
            str(part["loc"][-1])
            for part in error["parts"]
            if "dict[str,str]" in part["loc"] and part["loc"][-1] != "dict[str,str]"
        ]
        if keys:
            return (
                f"'{keys[0]}' is not a language code with a text",
                "a comma inside { } ends a text: put texts with commas in quotes, "
                'e.g. {nl: "2 cijfers, zoals 12AB", en: "…"}',
            )
        return (
            f"'{name}' must be a text, or a map from language to text",
            "write e.g. label: Naam, or label: {nl: Naam, en: Name}",
        )
    if kind == "extra_forbidden":
        owner = model_at(root, tuple(loc[:-1])) if isinstance(root, type) else None
        known = sorted(owner.model_fields) if owner is not None else []
        hint = did_you_mean(name, known)
        if not hint and known:
            hint = "allowed here: " + ", ".join(k for k in known if not k.startswith("_"))
        return f"unknown key '{name}'", hint
    if kind == "missing":
        return f"'{name}' is missing", f"add '{name}:' here"
    if kind == "union_tag_invalid":
        tag = error.get("ctx", {}).get("tag", "")
        hint = did_you_mean(str(tag), FIELD_TYPES) or "types: " + ", ".join(FIELD_TYPES)
        return f"unknown field type '{tag}'", hint
    if kind == "union_tag_not_found":
        return "this field has no 'type'", "types: " + ", ".join(FIELD_TYPES)
    if kind in ("enum", "literal_error"):
        expected = error.get("ctx", {}).get("expected", "")
        return f"'{error.get('input')}' is not allowed here", f"use one of {expected}"
    if kind == "string_pattern_mismatch":
        if name == "id":
            return (
                f"'{error.get('input')}' is not a valid id",
                "ids start with a lower-case letter and contain only a-z, 0-9 and _",
            )
        if name == "region":
            return f"'{error.get('input')}' is not a valid region name", REGION_RULE
        return f"'{error.get('input')}' has the wrong form", error["msg"]
    if kind in _TYPE_WORDS:
        return f"'{name}' must be {_TYPE_WORDS[kind]}", ""
    if kind in ("too_short", "too_long"):
        return f"'{name}': {error['msg'].lower()}", ""
    return f"'{name}': {error['msg']}", ""


def validate_plain(
    model: type[P],
    data: LocDict,
    diagnostics: Diagnostics,
    allowed: Callable[[tuple[Any, ...]], list[str]],
) -> P | None:
    """``data`` (plain, without its locations) validated as ``model``, or None with every
    error reported at its YAML node: an unknown key with the keys ``allowed`` there (by the
    error's location). For the files that are not definitions: scenario files."""
    try:
        return model.model_validate(to_plain(data))
    except ValidationError as exc:
        for error in exc.errors():
            location, _node, parent, key = _locate(data, error["loc"])
            if error["type"] == "extra_forbidden" and isinstance(parent, LocDict):
                location = parent.key_locs.get(key, location)
                keys = allowed(error["loc"])
                diagnostics.error(
                    location,
                    f"unknown key '{key}'",
                    did_you_mean(str(key), keys) or "allowed: " + ", ".join(keys),
                )
                continue
            message, hint = _explain(error, None)
            diagnostics.error(location, message, hint)
        return None
