"""Composition of definition files before they become a model.

Two reuse mechanisms work on the located YAML data, so that every error still points at the file
and line where the text was written:

* ``include``: an item ``{include: path}`` in a ``pages``, ``sections`` or ``fields`` list is
  replaced by the items of a fragment file (``*.fragment.yaml``: ``fragment: ID`` plus one of those
  lists, and optionally shared ``choices``).
* ``extends``: a regional variant names a base definition and lists ``changes`` (modify, remove,
  hide, add, choices); top-level keys it sets (id, version, title, ...) replace the base's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .csvsource import expand_csv_choices
from .errors import DefinitionError, Diagnostics, Location, did_you_mean
from .yamlsource import LocDict, LocList, load_text, read_text, to_plain

LIST_KEYS = ("pages", "sections", "fields")
CHANGE_KINDS = ("modify", "remove", "hide", "add", "choices")
CHANGE_KEYS = {  # the keys each kind of change may have
    "modify": {"modify", "set"},
    "remove": {"remove"},
    "hide": {"hide"},
    "add": {"add", "after", "before", "into"},
    "choices": {"choices", "add", "remove", "replace"},
}
FRAGMENT_KEYS = {"fragment", "description", "choices", *LIST_KEYS}
VARIANT_FORBIDDEN = {"pages"}


@dataclass(frozen=True)
class Composition:
    """What ``extends`` and ``changes`` work on in one kind of definition (forms, procedures):
    the lists whose items (with an id) a change names, what an author calls those items, the
    kinds of change allowed, and the keys a variant changes only through ``changes``."""

    list_keys: tuple[str, ...]
    elements: str  # one of them, e.g. "page, section or field"
    plural: str  # several, e.g. "fields, sections or pages"
    change_kinds: tuple[str, ...]
    forbidden: frozenset[str]
    places: tuple[str, ...] = ("after", "before", "into")  # where an add puts its items

    def change_keys(self, kind: str) -> set[str]:
        """The keys a change of ``kind`` may have."""
        if kind != "add":
            return CHANGE_KEYS[kind]
        return {"add", *self.places}


FORMS = Composition(
    LIST_KEYS,
    "page, section or field",
    "fields, sections or pages",
    CHANGE_KINDS,
    frozenset(VARIANT_FORBIDDEN),
)


def _shallow(value: Any) -> Any:
    """A copy of one located mapping or sequence; its children are shared."""
    if isinstance(value, LocDict):
        result = LocDict(value.loc)
        result.key_locs = dict(value.key_locs)
        result.value_locs = dict(value.value_locs)
        result.exact = set(value.exact)
        result.update(value)
        return result
    seq = LocList(value.loc)
    seq.item_locs = list(value.item_locs)
    seq.extend(value)
    return seq


def copy_located(value: Any) -> Any:
    """Deep copy of located data that keeps every location."""
    if isinstance(value, LocDict):
        result = _shallow(value)
        for key, item in value.items():
            result[key] = copy_located(item)
        return result
    if isinstance(value, LocList):
        seq = _shallow(value)
        for index, item in enumerate(value):
            seq[index] = copy_located(item)
        return seq
    return value


class Assembler:
    """Loads definition files with their fragments and bases; caches each file once per run."""

    def __init__(self, diagnostics: Diagnostics, composition: Composition = FORMS) -> None:
        self.diagnostics = diagnostics
        self.composition = composition
        self._cache: dict[Path, Any] = {}
        self._mentions_include: dict[Path, bool] = {}
        self.files: set[Path] = set()
        # what a variant's changes took away, and where: (list id, value) or ("field:ID", value)
        # for choices, the element id for pages, sections and fields
        self.removed_choices: dict[tuple[str, str], Location] = {}
        self.removed_elements: dict[str, Location] = {}
        # an include or an added item could not be read: names used elsewhere may be missing
        self.incomplete = False
        # shared choice lists whose CSV file could not be read (and was reported)
        self.unreadable_lists: set[str] = set()

    def read(self, path: Path) -> Any:
        path = path.resolve()
        if path not in self._cache:
            try:
                text = read_text(path, _display(path))
                self._mentions_include[path] = "include" in text
                self._cache[path] = load_text(text, _display(path))
                # choice lists written as {csv: file.csv} become located rows of that file
                expand_csv_choices(self._cache[path], path, self, _display)
            except DefinitionError as exc:
                self.diagnostics.extend(exc.diagnostics)
                self._cache[path] = None
            self.files.add(path)
        return self._cache[path]

    # ------------------------------------------------------------------ definitions

    def definition(
        self, path: Path, chain: tuple[Path, ...] = (), via: Location | None = None
    ) -> LocDict | None:
        """The fully assembled data of a definition file, or None when it cannot be read.
        ``via`` is the ``extends:`` that names the file, where an extends cycle is reported."""
        path = path.resolve()
        if path in chain:
            names = " → ".join(_display(p) for p in (*chain, path))
            self.diagnostics.error(
                via or Location(_display(path), 1, 1),
                f"extends forms a cycle: {names}",
                "a variant cannot (indirectly) extend itself",
            )
            return None
        data = self.read(path)
        if data is None:
            return None
        if not isinstance(data, LocDict):
            self.diagnostics.error(
                Location(_display(path), 1, 1),
                "a definition must be a mapping with keys such as id, version, title and pages",
            )
            return None
        if "extends" in data:
            return self._variant(path, copy_located(data), (*chain, path))
        if not self._mentions_include.get(path, True):
            return data  # nothing to expand: the cached data is shared, never changed
        root: LocDict = _shallow(data)
        if isinstance(root.get("choices"), LocDict):
            root["choices"] = _shallow(root["choices"])  # fragments add their choice lists
        for key, value in list(root.items()):
            if key in LIST_KEYS and isinstance(value, LocList):  # a form's pages: [include: …]
                value = self._expand_list(path, key, value, root, 0)
            if key != "choices":
                root[key] = self._resolve_includes(path, value, root)
        return root

    def _variant(self, path: Path, data: LocDict, chain: tuple[Path, ...]) -> LocDict | None:
        target = data["extends"]
        if not isinstance(target, str):
            self.diagnostics.error(
                data.location_of("extends"), "extends must be the path of a base definition"
            )
            return None
        base_path = (path.parent / target).resolve()
        if not base_path.exists():
            self.diagnostics.error(
                data.location_of("extends"),
                f"the base definition '{target}' does not exist",
                f"paths are relative to {_display(path.parent)}/",
            )
            return None
        shared_base = self.definition(base_path, chain, data.location_of("extends"))
        if shared_base is None:
            return None
        base: LocDict = copy_located(shared_base)  # the changes below edit it in place
        # migrations belong to one version's history: a variant or later version states its own
        base.pop("migrations", None)
        composition = self.composition
        for key in composition.forbidden & set(data):
            self.diagnostics.error(
                data.key_locs[key],
                f"a variant cannot redefine '{key}'",
                f"change the base's {key} with 'changes' ({', '.join(composition.change_kinds)})",
            )
        for key, value in data.items():
            if key in ("extends", "changes", *composition.forbidden):
                continue
            if (
                key == "choices"
                and isinstance(value, LocDict)
                and isinstance(base.get("choices"), LocDict)
            ):
                merged = base["choices"]
                for list_id, choices in value.items():
                    merged[list_id] = choices
                    merged.key_locs[list_id] = value.key_locs[list_id]
                    merged.value_locs[list_id] = value.value_locs[list_id]
                continue
            base[key] = value
            base.key_locs[key] = data.key_locs[key]
            base.value_locs[key] = data.value_locs[key]
            if key in data.exact:
                base.exact.add(key)
        changes = data.get("changes", [])
        if not isinstance(changes, list):
            self.diagnostics.error(
                data.location_of("changes"),
                "changes must be a list",
                "start each change with '- ', e.g.  - remove: field_id",
            )
            return base
        for index, change in enumerate(changes):
            loc = changes.location_of(index) if isinstance(changes, LocList) else data.loc
            apply_change(base, change, loc, path, self)
        return base

    # ------------------------------------------------------------------ includes

    def _resolve_includes(self, path: Path, node: Any, root: LocDict, depth: int = 0) -> Any:
        """``node`` with every include expanded. Parts without includes are shared, not copied,
        so the cached file data is never changed."""
        if depth > 8:
            self.diagnostics.error(
                getattr(node, "loc", Location(_display(path))),
                "includes nest more than 8 levels deep",
                "check for a fragment that includes itself",
            )
            return node
        if isinstance(node, LocDict):
            result = node
            for key, value in node.items():
                new = value
                if key in LIST_KEYS and isinstance(value, LocList):
                    new = self._expand_list(path, key, value, root, depth)
                new = self._resolve_includes(path, new, root, depth)
                if new is not value:
                    if result is node:
                        result = _shallow(node)
                    result[key] = new
            return result
        if isinstance(node, LocList):
            items = node
            for index, item in enumerate(node):
                new = self._resolve_includes(path, item, root, depth)
                if new is not item:
                    if items is node:
                        items = _shallow(node)
                    items[index] = new
            return items
        return node

    def _expand_list(
        self, path: Path, key: str, items: LocList, root: LocDict, depth: int
    ) -> LocList:
        if not any(isinstance(item, LocDict) and "include" in item for item in items):
            return items
        result = LocList(items.loc)
        for index, item in enumerate(items):
            if isinstance(item, LocDict) and "include" in item:
                extra = set(item) - {"include"}
                for name in extra:
                    self.diagnostics.error(
                        item.key_locs[name],
                        f"unknown key '{name}' next to include",
                        "an include item has only the key 'include'",
                    )
                fragment_items = self._fragment(path, item, key, root, depth)
                for fragment_item in fragment_items:
                    result.append(fragment_item)
                    result.item_locs.append(getattr(fragment_item, "loc", item.loc))
                continue
            result.append(item)
            result.item_locs.append(items.location_of(index))
        return result

    def _fragment(
        self, path: Path, item: LocDict, key: str, root: LocDict, depth: int
    ) -> list[Any]:
        target = item["include"]
        loc = item.location_of("include")
        if not isinstance(target, str):
            self.diagnostics.error(loc, "include must be the path of a fragment file")
            self.incomplete = True
            return []
        fragment_path = (path.parent / target).resolve()
        if not fragment_path.exists():
            self.diagnostics.error(
                loc,
                f"the fragment '{target}' does not exist",
                f"paths are relative to {_display(path.parent)}/",
            )
            self.incomplete = True
            return []
        data = self.read(fragment_path)
        if data is None:
            self.incomplete = True
            return []
        if not isinstance(data, LocDict) or "fragment" not in data:
            self.diagnostics.error(
                loc,
                f"'{target}' is not a fragment",
                "a fragment file starts with 'fragment: <id>' and holds fields, sections or pages",
            )
            self.incomplete = True
            return []
        for name in set(data) - FRAGMENT_KEYS:
            hint = did_you_mean(name, FRAGMENT_KEYS)
            self.diagnostics.error(data.key_locs[name], f"unknown key '{name}' in a fragment", hint)
        if key not in data:
            present = [k for k in LIST_KEYS if k in data]
            self.diagnostics.error(
                loc,
                f"the fragment '{target}' has no {key} to include here",
                f"it has {', '.join(present) or 'nothing to include'}; include it in a "
                f"{present[0] if present else key} list"
                if present
                else "",
            )
            self.incomplete = True
            return []
        data = self._resolve_includes(fragment_path, copy_located(data), root, depth + 1)
        choices = data.get("choices")
        if isinstance(choices, LocDict):
            self._merge_fragment_choices(choices, root)
        items = data[key]
        return list(items) if isinstance(items, list) else []

    def _merge_fragment_choices(self, choices: LocDict, root: LocDict) -> None:
        """Choice lists of a fragment become shared lists of the including form."""
        target = root.get("choices")
        if target is None:
            target = LocDict(choices.loc)
            root["choices"] = target
            root.key_locs["choices"] = choices.loc
            root.value_locs["choices"] = choices.loc
        if not isinstance(target, LocDict):
            return
        for list_id, value in choices.items():
            if list_id in target:
                if to_plain(target[list_id]) != to_plain(value):
                    self.diagnostics.error(
                        choices.key_locs[list_id],
                        f"the fragment's choice list '{list_id}' differs from the form's list "
                        "of the same name",
                        "rename one of them",
                    )
                continue
            target[list_id] = value
            target.key_locs[list_id] = choices.key_locs[list_id]
            target.value_locs[list_id] = choices.value_locs[list_id]

    def assemble(self, path: Path) -> LocDict | None:
        """Entry point: the assembled data of one definition file."""
        return self.definition(path)


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# ---------------------------------------------------------------------- changes


def _index(
    data: LocDict, list_keys: tuple[str, ...] = LIST_KEYS
) -> dict[str, tuple[LocList, int, LocDict]]:
    """Every element with an id: its containing list, position and mapping."""
    found: dict[str, tuple[LocList, int, LocDict]] = {}

    def visit(node: Any) -> None:
        if isinstance(node, LocDict):
            for key in list_keys:
                items = node.get(key)
                if isinstance(items, LocList):
                    for index, item in enumerate(items):
                        if isinstance(item, LocDict) and isinstance(item.get("id"), str):
                            found.setdefault(item["id"], (items, index, item))
                        visit(item)

    visit(data)
    return found


def apply_change(data: LocDict, change: Any, loc: Location, path: Path, asm: Assembler) -> None:
    diags = asm.diagnostics
    composition = asm.composition
    change_kinds = composition.change_kinds
    if not isinstance(change, LocDict):
        diags.error(loc, "a change must be a mapping", "e.g. '- remove: an_id'")
        return
    # 'choices' changes have add/remove keys of their own
    if "choices" in change and "choices" in change_kinds:
        kinds = ["choices"]
    else:
        kinds = [k for k in change if k in change_kinds]
    if len(kinds) > 1:  # the next change's '- ' is missing: its key landed in this one
        diags.error(change.key_locs[kinds[1]], _forgotten_dash(kinds[1]))
        return
    if not kinds:
        hint = next(filter(None, (did_you_mean(str(k), change_kinds) for k in change)), None)
        diags.error(
            change.loc,
            "a change names exactly one of: " + ", ".join(change_kinds),
            hint or "write one change per list item",
        )
        return
    kind = kinds[0]
    allowed = composition.change_keys(kind)
    unknown = [k for k in change if k not in allowed]
    # a key of another kind of change: the '- ' before it is missing, and the keys that
    # belong to that change are no mistakes of their own
    stray = next((k for k in unknown if k in change_kinds), None)
    for key in unknown:
        if stray is not None and key in CHANGE_KEYS[stray]:
            if key == stray:
                diags.error(change.key_locs[key], _forgotten_dash(key))
            continue
        hint = did_you_mean(key, allowed)
        diags.error(change.key_locs[key], f"unknown key '{key}' in a '{kind}' change", hint)
    if kind == "choices":
        _change_choices(data, change, diags, asm.removed_choices)
        return
    index = _index(data, composition.list_keys)

    def lookup(key: str) -> tuple[LocList, int, LocDict] | None:
        target = change.get(key)
        if isinstance(target, (list, dict)):
            diags.error(
                change.location_of(key),
                f"{key} needs the id of one {composition.elements}",
                "write one change per element, each starting with '- '",
            )
            return None
        if not isinstance(target, str) or target not in index:
            hint = did_you_mean(str(target), index)
            diags.error(
                change.location_of(key),
                f"the base has no {composition.elements} '{target}'",
                hint,
            )
            return None
        return index[target]

    if kind == "remove":
        found = lookup("remove")
        if found:
            items, position, element = found
            for removed in [change["remove"], *_index(element, composition.list_keys)]:
                asm.removed_elements.setdefault(removed, change.location_of("remove"))
            del items[position]
            del items.item_locs[position]
        return
    if kind == "hide":
        found = lookup("hide")
        if found:
            element = found[2]
            element["hidden"] = True
            element.key_locs["hidden"] = change.key_locs["hide"]
            element.value_locs["hidden"] = change.value_locs["hide"]
        return
    if kind == "modify":
        found = lookup("modify")
        updates = change.get("set")
        if not isinstance(updates, LocDict):
            diags.error(change.location_of("set"), "modify needs 'set:' with the keys to change")
            return
        if found:
            element = found[2]
            for key, value in updates.items():
                if key == "id":
                    diags.error(
                        updates.key_locs[key],
                        "a change cannot rename an element",
                        "remove it and add a new one",
                    )
                    continue
                if key == "choices":
                    for gone in _choice_values(data, element.get(key)) - _choice_values(
                        data, value
                    ):
                        where = updates.location_of(key)
                        asm.removed_choices.setdefault((f"field:{element.get('id')}", gone), where)
                element[key] = value
                element.key_locs[key] = updates.key_locs[key]
                element.value_locs[key] = updates.value_locs[key]
                if key in updates.exact:
                    element.exact.add(key)
                else:
                    element.exact.discard(key)
        return
    # add
    new_items = change.get("add")
    complete, asm.incomplete = not asm.incomplete, True  # until the items are added
    if not isinstance(new_items, LocList):
        diags.error(change.location_of("add"), f"add needs a list of {composition.plural}")
        return
    places = composition.places
    anchors = [k for k in places if k in change]
    if len(anchors) != 1:
        diags.error(
            change.loc,
            "add needs exactly one of "
            + ", ".join(f"{k}:" for k in places[:-1])
            + f" or {places[-1]}:",
        )
        return
    anchor = anchors[0]
    found = lookup(anchor)
    if not found:
        return
    items, position, element = found
    if anchor == "into":
        list_key = next((k for k in ("fields", "sections", "pages") if k in element), None)
        if list_key is None or not isinstance(element[list_key], LocList):
            diags.error(change.location_of("into"), f"'{change['into']}' holds no items")
            return
        items = element[list_key]
        position = len(items)
    else:
        list_key = _list_key_of(element)
        if anchor == "after":
            position += 1
    asm.incomplete = not complete
    new_items = asm._expand_list(path, list_key, new_items, data, 0)
    new_items = asm._resolve_includes(path, new_items, data)
    for offset, item in enumerate(new_items):
        items.insert(position + offset, item)
        items.item_locs.insert(position + offset, new_items.location_of(offset))


def _forgotten_dash(key: str) -> str:
    return f"did you forget '- ' before '{key}'? each change is its own list item"


def _list_key_of(element: LocDict) -> str:
    """The name of the list an element sits in: pages hold sections, sections hold fields."""
    if "sections" in element:
        return "pages"
    if "fields" in element and "type" not in element:
        return "sections"
    return "fields"


def _choice_values(data: LocDict, choices: Any) -> set[str]:
    """The values of a choices: entry, written out or the name of a shared list."""
    if isinstance(choices, str) and isinstance(data.get("choices"), dict):
        choices = data["choices"].get(choices)
    if not isinstance(choices, list):
        return set()
    return {str(c.get("value")) for c in choices if isinstance(c, dict)}


def _change_choices(
    data: LocDict,
    change: LocDict,
    diags: Diagnostics,
    removed: dict[tuple[str, str], Location],
) -> None:
    lists = data.get("choices")
    list_id = str(change.get("choices"))
    if not isinstance(lists, LocDict) or list_id not in lists:
        hint = did_you_mean(str(list_id), lists or {})
        diags.error(change.location_of("choices"), f"the base has no choice list '{list_id}'", hint)
        return
    choices = lists[list_id]
    if not isinstance(choices, LocList):
        return
    for key in ("add", "replace"):
        if key in change and not isinstance(change[key], LocList):
            diags.error(
                change.location_of(key),
                f"{key} needs a list; start each choice with '- '",
                "e.g.  - {value: school, label: Schoolkeuze}",
            )
            return
    if "replace" in change:
        replacement = change["replace"]
        for gone in _choice_values(data, choices) - _choice_values(data, replacement):
            removed.setdefault((list_id, gone), change.location_of("replace"))
        lists[list_id] = replacement
        return
    removals = change.get("remove", LocList(change.loc))
    if not isinstance(removals, LocList):  # one value: remove: conflict
        single = removals
        removals = LocList(change.location_of("remove"))
        removals.append(single)
        removals.item_locs.append(change.location_of("remove"))
    gone_values: set[str] = set()
    values = {str(c.get("value")): i for i, c in enumerate(choices) if isinstance(c, dict)}
    for index, value in enumerate(removals):
        where = removals.location_of(index)
        if isinstance(value, (dict, list)):
            diags.error(
                where,
                "remove needs the values of the choices to remove",
                "e.g.  remove: [conflict]",
            )
            continue
        if str(value) not in values:
            diags.error(
                where,
                f"the list '{list_id}' has no choice '{value}'",
                did_you_mean(str(value), values),
            )
            continue
        removed.setdefault((list_id, str(value)), where)
        gone_values.add(str(value))
    if gone_values:
        new = LocList(choices.loc)
        for i, c in enumerate(choices):
            if not (isinstance(c, dict) and str(c.get("value")) in gone_values):
                new.append(c)
                new.item_locs.append(choices.location_of(i))
        lists[list_id] = choices = new
    additions = change.get("add", LocList(change.loc))
    for index, item in enumerate(additions):
        choices.append(item)
        choices.item_locs.append(additions.location_of(index))
