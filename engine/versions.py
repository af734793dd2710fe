"""Published versions: the lock file, diffs between versions, and migrations of answers.

A published version never changes. ``popo publish`` records its content hash in ``popo.lock``
(found in the folder of the definition or the nearest folder above it), with the hash of each
source file that went into it (the form, its fragments, its base); ``popo check`` fails when a
published version's content no longer matches, and names the file that was edited. Procedures
are locked alike, in the lock's ``procedures:`` section (their diff is
:mod:`engine.procedures.diff`), and placement policies in ``placements:``. ``popo diff``
lists what a person filling the form would notice, each change classified as compatible or
breaking, and a definition's ``migrations`` tell how answers of an earlier version carry over
(renames, value maps, knowingly dropped fields) or that drafts finish on the earlier version.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import yaml

from .checker import CheckedForm, FieldSpec
from .display import shorten_pair, show_yaml
from .errors import DefinitionError, Diagnostics, Location, did_you_mean
from .model import Choice, Constraint, Element, FieldBase, FormDefinition, Migration, _ChoiceBase
from .yamlsource import LocDict, load_file

LOCK_NAME = "popo.lock"
LOCK_HEADER = (
    "# Published form and procedure versions: the content hash of each, and of each source\n"
    "# file in it. Written by `popo publish`; `popo check` fails when a published version is\n"
    "# edited.\n"
)
FORM, PROCEDURE, PLACEMENT, OVERVIEW = "form", "procedure", "placement", "overview"
"""The kinds of definition a lock records, each in its own section (``forms:``,
``procedures:``, ``placements:``, ``overviews:``)."""
_SECTIONS = {
    FORM: "forms",
    PROCEDURE: "procedures",
    PLACEMENT: "placements",
    OVERVIEW: "overviews",
}


# ---------------------------------------------------------------------- lock file


@dataclass
class LockEntry:
    form: str
    version: int
    sha256: str
    file: str
    published: str
    # each source file (relative to the lock's folder) → the hash of its content; empty in lock
    # files written before sources were recorded
    sources: dict[str, str] = dataclass_field(default_factory=dict)
    kind: str = FORM  # FORM (``form`` is a form id), PROCEDURE or PLACEMENT (their id)

    @property
    def name(self) -> str:
        """``id@version``, as messages name a version."""
        return f"{self.form}@{self.version}"


class LockFile:
    def __init__(self, path: Path, entries: dict[str, LockEntry]) -> None:
        self.path = path
        self.entries = entries

    @staticmethod
    def key(form: str, version: int, kind: str = FORM) -> str:
        """The entry's key: ``id@version`` for a form, ``procedure:id@version`` for a procedure
        (a form and a procedure may share an id; each has its own section in the file)."""
        name = f"{form}@{version}"
        return name if kind == FORM else f"{kind}:{name}"

    def get(self, form: str, version: int, kind: str = FORM) -> LockEntry | None:
        return self.entries.get(self.key(form, version, kind))

    @classmethod
    def find(cls, start: Path) -> LockFile | None:
        """The lock file in ``start``'s folder or the nearest folder above it."""
        folder = start if start.is_dir() else start.parent
        for candidate in [folder.resolve(), *folder.resolve().parents]:
            lock = candidate / LOCK_NAME
            if lock.exists():
                return cls.read(lock)
            if (candidate / ".git").exists() or (candidate / "pyproject.toml").exists():
                break
        return None

    @classmethod
    def read(cls, path: Path) -> LockFile:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        entries: dict[str, LockEntry] = {}
        for kind, section in _SECTIONS.items():
            for key, item in (data.get(section) or {}).items():
                form, _, version = str(key).partition("@")
                entries[cls.key(form, int(version), kind)] = LockEntry(
                    form,
                    int(version),
                    item["sha256"],
                    item.get("file", ""),
                    str(item.get("published", "")),
                    {str(k): str(v) for k, v in (item.get("sources") or {}).items()},
                    kind,
                )
        return cls(path, entries)

    def write(self) -> None:
        sections: dict[str, dict[str, Any]] = {section: {} for section in _SECTIONS.values()}
        for e in sorted(self.entries.values(), key=lambda e: e.name):
            item: dict[str, Any] = {"sha256": e.sha256, "file": e.file, "published": e.published}
            if e.sources:
                item["sources"] = dict(sorted(e.sources.items()))
            sections[_SECTIONS[e.kind]][e.name] = item
        content = {"forms": sections["forms"]}
        for section in ("procedures", "placements", "overviews"):
            if sections[section]:
                content[section] = sections[section]
        text = LOCK_HEADER + yaml.safe_dump(content, sort_keys=False, allow_unicode=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(self.path)

    def relative(self, file: Path) -> str:
        """How the lock names a file: relative to its folder, with forward slashes."""
        try:
            return file.resolve().relative_to(self.path.parent.resolve()).as_posix()
        except ValueError:
            return str(file)

    def resolve(self, name: str) -> Path:
        return (self.path.parent / name).resolve()

    def publish(
        self,
        form: str,
        version: int,
        sha256: str,
        file: Path,
        sources: Iterable[Path] | None = None,
        kind: str = FORM,
    ) -> LockEntry:
        """Record a version of a form (or, with ``kind=PROCEDURE``, a procedure) as published,
        with the hash of each file that went into it (``sources``; found by assembling
        ``file`` when not given)."""
        if sources is None and kind in (PLACEMENT, OVERVIEW):
            sources = [file]  # a policy, an overview is one file
        elif sources is None and kind == PROCEDURE:
            from .procedures import load_procedure

            sources = load_procedure(file).files
        elif sources is None:
            from .loader import load_definition

            sources = load_definition(file).files
        entry = LockEntry(
            form, version, sha256, self.relative(file), date.today().isoformat(), kind=kind
        )
        entry.sources = self.source_hashes(sources)
        self.entries[self.key(form, version, kind)] = entry
        return entry

    def source_hashes(self, sources: Iterable[Path]) -> dict[str, str]:
        hashes = SourceHashes()
        found = {self.relative(path): hashes.get(path) for path in sources}
        return {name: digest for name, digest in sorted(found.items()) if digest is not None}


class SourceHashes:
    """The content hash of each source file (comments and layout do not count), read once."""

    def __init__(self) -> None:
        self._found: dict[Path, tuple[str | None, Any]] = {}

    def _load(self, path: Path) -> tuple[str | None, Any]:
        path = path.resolve()
        if path not in self._found:
            from .api import content_hash
            from .csvsource import CsvProblem, csv_content

            try:
                if path.suffix.lower() == ".csv":  # a choice list: its cells, not their quoting
                    self._found[path] = (content_hash(csv_content(path)), None)
                else:
                    data = load_file(path, _display(path))
                    self._found[path] = (content_hash(data), data)
            except (DefinitionError, OSError, CsvProblem):
                self._found[path] = (None, None)
        return self._found[path]

    def get(self, path: Path) -> str | None:
        return self._load(path)[0]

    def data(self, path: Path) -> Any:
        return self._load(path)[1]


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# ---------------------------------------------------------------------- diff

# changes that lose or garble a draft's answers unless the migration says what happens to them
LOSES_ANSWERS = frozenset({"removed", "type", "repeat", "hidden", "choice_removed"})


@dataclass(frozen=True)
class Change:
    """One difference between two versions, read under its heading (``field 'naam'``).

    ``breaking`` changes can invalidate or lose a draft's answers; ``migrated`` ones would, but
    the new version's migration handles them; the rest are compatible. ``kind`` names the sort
    of change for tools (``removed``, ``type``, ``choice_removed``, ``text``, ...);
    ``location`` is where the new version writes what changed (None when it is gone).
    """

    breaking: bool
    field: str
    description: str
    migrated: bool = False
    subject: str = "field"
    kind: str = ""
    location: Location | None = dataclass_field(default=None, compare=False)

    @property
    def label(self) -> str:
        if self.breaking:
            return "BREAKING"
        return "migrated" if self.migrated else "compatible"

    @property
    def heading(self) -> str:
        return f"{self.subject} '{self.field}'" if self.field else self.subject

    def __str__(self) -> str:
        return f"{self.label:<10}  {self.heading}: {self.description}"


def group_changes(changes: list[Change]) -> list[tuple[str, list[Change]]]:
    """The changes per heading, in the order the headings first appear."""
    groups: dict[str, list[Change]] = {}
    for change in changes:
        groups.setdefault(change.heading, []).append(change)
    return list(groups.items())


def _show(value: Any) -> str:
    """A value as an author writes it (``(none)`` when there is none)."""
    return "(none)" if value is None else show_yaml(value)


def _pair(old: Any, new: Any, quote: bool = False) -> str:
    """``old → new``, texts shortened to where they differ."""
    if isinstance(old, str) and isinstance(new, str):
        a, b = shorten_pair(old, new)
    else:
        a = shorten_pair(old, "")[0] if isinstance(old, str) else _show(old)
        b = shorten_pair(new, "")[0] if isinstance(new, str) else _show(new)
    if quote:
        a = f'"{a}"' if isinstance(old, str) else a
        b = f'"{b}"' if isinstance(new, str) else b
    return f"{a} → {b}"


def _per_language(value: Any, languages: list[str]) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    return {language: str(value) for language in languages}


def text_changes(name: str, old: Any, new: Any, languages: list[str]) -> list[str]:
    """``name (nl): "old" → "new"`` for each language whose text differs."""
    if old == new:
        return []
    if not isinstance(old, dict) and not isinstance(new, dict):
        return [f"{name}: {_pair(old, new, quote=True)}"]
    before, after = _per_language(old, languages), _per_language(new, languages)
    order = [*languages, *sorted((set(before) | set(after)) - set(languages))]
    return [
        f"{name} ({language}): {_pair(before.get(language), after.get(language), quote=True)}"
        for language in order
        if before.get(language) != after.get(language)
    ]


_TEXTS = (
    "title",
    "label",
    "hint",
    "description",
    "text",
    "placeholder",
    "unit",
    "add_label",
    "submit_label",
)
_EXPRESSIONS = ("visible_if", "enabled_if", "default_expression", "calculate", "choice_filter")
_LOWER_BOUNDS = ("min", "min_length", "min_rows", "min_selected")
_UPPER_BOUNDS = ("max", "max_length", "max_rows", "max_selected", "max_size_mb")
# compared elsewhere (or not something a person filling the form sees change)
_NOT_COMPARED = {"id", "type", "fields", "sections", "pages", "choices", "required", "hidden"}
_FORM_NOT_COMPARED = {"id", "version", "pages", "choices", "migrations"}


def _subject(element: Element) -> str:
    kind = getattr(element, "type", None)
    if kind == "note":
        return "note"
    if kind == "group":
        return "group"
    return "field"


def _required(element: Any) -> str:
    if not isinstance(element, FieldBase):
        return "no"
    if element.required is True:
        # a required field behind a condition is only required while it is shown
        return "when shown" if getattr(element, "visible_if", None) else "always"
    if isinstance(element.required, str):
        return "when " + element.required
    return "no"


def _holds_answers(element: Element) -> bool:
    return getattr(element, "type", None) not in ("note", "calculated")


def _tighter(attr: str, old: Any, new: Any) -> bool:
    """Whether a changed bound may refuse an answer the old bound allowed."""
    if new is None:
        return False
    if old is None or isinstance(old, str) or isinstance(new, str):
        return True  # a new bound, or a date expression that cannot be compared
    try:
        return bool(new > old) if attr in _LOWER_BOUNDS else bool(new < old)
    except TypeError:
        return True


@dataclass
class _Placed:
    element: Element
    key: tuple[str, str]  # ("page" | "section" | "field", id)
    parent: tuple[str, str] | None
    siblings: list[str]
    repeat: tuple[str, ...]


def _place(definition: FormDefinition, renames: dict[str, str]) -> dict[tuple[str, str], _Placed]:
    """Every page, section and field by key, with its container and siblings; field ids are
    renamed as the migration says, so that old and new elements line up."""
    found: dict[tuple[str, str], _Placed] = {}

    def fields(items: list[Any], parent: tuple[str, str], repeat: tuple[str, ...]) -> None:
        ids = [renames.get(f.id, f.id) for f in items]
        for item, item_id in zip(items, ids):
            key = ("field", item_id)
            found.setdefault(key, _Placed(item, key, parent, ids, repeat))
            if getattr(item, "type", None) == "group":
                fields(item.fields, key, (*repeat, item_id))

    page_ids = [p.id for p in definition.pages]
    for page in definition.pages:
        found.setdefault(("page", page.id), _Placed(page, ("page", page.id), None, page_ids, ()))
        section_ids = [s.id for s in page.sections]
        for section in page.sections:
            key = ("section", section.id)
            found.setdefault(key, _Placed(section, key, ("page", page.id), section_ids, ()))
            fields(section.fields, key, ())
    return found


def _moved_in_order(old_ids: list[str], new_ids: list[str]) -> set[str]:
    """Ids common to both lists that are not in their longest common order."""
    common = set(old_ids) & set(new_ids)
    before = [i for i in old_ids if i in common]
    after = [i for i in new_ids if i in common]
    matcher = SequenceMatcher(a=before, b=after, autojunk=False)
    kept = {
        i for block in matcher.get_matching_blocks() for i in after[block.b : block.b + block.size]
    }
    return common - kept


class _Differ:
    def __init__(self, old: CheckedForm, new: CheckedForm, migration: Migration | None) -> None:
        self.old, self.new = old, new
        self.renames = dict(migration.rename) if migration else {}
        self.value_maps = dict(migration.values) if migration else {}
        self.dropped = set(migration.drop) if migration else set()
        self.languages = list(dict.fromkeys([*new.definition.languages, *old.definition.languages]))
        self.changes: list[Change] = []

    def add(
        self,
        placed: _Placed | tuple[str, str],
        description: str,
        *,
        breaking: bool = False,
        migrated: bool = False,
        kind: str = "",
        location: Location | None = None,
        subject: str | None = None,
    ) -> None:
        if isinstance(placed, _Placed):
            key, element = placed.key, placed.element
            subject = subject or (_subject(element) if key[0] == "field" else key[0])
            ident = key[1]
        else:
            subject, ident = placed
        self.changes.append(Change(breaking, ident, description, migrated, subject, kind, location))

    # ------------------------------------------------------------------ the whole form

    def run(self) -> list[Change]:
        self.form_attributes()
        old_placed = _place(self.old.definition, self.renames)
        new_placed = _place(self.new.definition, {})
        inverse = {new_id: old_id for old_id, new_id in self.renames.items()}
        for key, target in new_placed.items():
            source = old_placed.get(key)
            if source is None:
                self.added(target)
                continue
            if key[0] == "field" and key[1] in inverse:
                old_id = inverse[key[1]]
                if old_id in self.old.by_id:
                    self.add(target, f"renamed from '{old_id}'", migrated=True, kind="renamed")
            self.compare(source, target)
            self.position(source, target, old_placed, new_placed)
        for key, source in old_placed.items():
            if key not in new_placed:
                self.removed(source)
        self.choice_lists()
        return self.changes

    def form_attributes(self) -> None:
        old, new = self.old.definition, self.new.definition
        for attr in type(new).model_fields:
            if attr in _FORM_NOT_COMPARED:
                continue
            before, after = getattr(old, attr), getattr(new, attr)
            if before == after:
                continue
            location = new.location(attr)
            if attr in _TEXTS:
                for line in text_changes(attr, before, after, self.languages):
                    self.add(("form", ""), line, kind="text", location=location)
            else:
                self.add(("form", ""), f"{attr}: {_pair(before, after)}", location=location)

    # ------------------------------------------------------------------ new and removed

    def added(self, target: _Placed) -> None:
        element = target.element
        location = element.location()
        if target.key[0] != "field":
            where = f" on page '{target.parent[1]}'" if target.parent else ""
            self.add(target, f"new {target.key[0]}{where}", kind="added", location=location)
            return
        kind = getattr(element, "type", "")
        if kind == "note":
            text = text_changes("text", None, getattr(element, "text", None), self.languages)
            self.add(target, "new note" + (f", {text[0]}" if text else ""), location=location)
            return
        if kind == "calculated":
            self.add(target, f"new calculation: {element.calculate}", location=location)  # type: ignore[attr-defined]
            return
        if kind == "group":
            rows = getattr(element, "min_rows", 0)
            if rows:
                self.add(
                    target,
                    f"new group with at least {rows} row{'s' if rows != 1 else ''}",
                    breaking=True,
                    kind="added",
                    location=location,
                )
            else:
                self.add(target, "new group", kind="added", location=location)
            return
        required = _required(element)
        if required != "no":
            self.add(
                target,
                f"new required field ({required})",
                breaking=True,
                kind="added",
                location=location,
            )
        else:
            self.add(target, "new field", kind="added", location=location)

    def removed(self, source: _Placed) -> None:
        element = source.element
        if source.key[0] != "field" or not _holds_answers(element):
            self.add(source, "removed", kind="removed_display")
            return
        old_id = str(element.id)  # type: ignore[attr-defined]
        if old_id in self.dropped:
            self.add(source, "removed (answers dropped)", migrated=True, kind="removed")
        else:
            self.add(source, "removed", breaking=True, kind="removed")

    # ------------------------------------------------------------------ one element

    def compare(self, source: _Placed, target: _Placed) -> None:
        before, after = source.element, target.element
        answers = source.key[0] == "field" and _holds_answers(before)
        old_id = str(getattr(before, "id", ""))
        dropped = old_id in self.dropped
        old_type, new_type = getattr(before, "type", None), getattr(after, "type", None)
        if old_type != new_type:
            text = f"type {old_type} → {new_type}"
            self.loss(target, text, "type", answers, dropped, after.location("type"))
        if answers and source.repeat != target.repeat:
            where_old = f"group '{source.repeat[-1]}'" if source.repeat else "the top level"
            where_new = f"group '{target.repeat[-1]}'" if target.repeat else "the top level"
            self.loss(target, f"moved from {where_old} into {where_new}", "repeat", True, dropped)
        if getattr(before, "hidden", False) != getattr(after, "hidden", False):
            if getattr(after, "hidden", False):
                text = "now hidden: never shown or submitted"
                self.loss(target, text, "hidden", answers, dropped, after.location("hidden"))
            else:
                self.add(target, "shown again (no longer hidden)", location=after.location())
        old_required, new_required = _required(before), _required(after)
        if old_required != new_required:
            self.add(
                target,
                f"required: {_pair(old_required, new_required)}",
                breaking=new_required != "no",
                kind="required",
                location=after.location("required"),
            )
        if isinstance(before, _ChoiceBase) and isinstance(after, _ChoiceBase):
            self.field_choices(target, before, after)
        common = [a for a in type(after).model_fields if a in type(before).model_fields]
        for attr in common:
            if attr in _NOT_COMPARED:
                continue
            old_value, new_value = getattr(before, attr), getattr(after, attr)
            if old_value == new_value:
                continue
            self.attribute(target, attr, old_value, new_value)

    def loss(
        self,
        target: _Placed,
        description: str,
        kind: str,
        answers: bool,
        dropped: bool,
        location: Location | None = None,
    ) -> None:
        """A change that loses or garbles answers, unless the migration drops them."""
        location = location or target.element.location()
        if answers and dropped:
            self.add(
                target,
                description + " (answers dropped)",
                migrated=True,
                kind=kind,
                location=location,
            )
        else:
            self.add(target, description, breaking=answers, kind=kind, location=location)

    def attribute(self, target: _Placed, attr: str, before: Any, after: Any) -> None:
        element = target.element
        location = element.location(attr)
        if attr in _TEXTS:
            for line in text_changes(attr, before, after, self.languages):
                self.add(target, line, kind="text", location=location)
            return
        if attr == "labels":
            for answer in ("yes", "no"):
                old_text = (before or {}).get(answer)
                new_text = (after or {}).get(answer)
                for line in text_changes(f"label of {answer}", old_text, new_text, self.languages):
                    self.add(target, line, kind="text", location=location)
            return
        if attr == "constraints":
            self.constraints(target, before, after, location)
            return
        if attr in _EXPRESSIONS:
            # a new or changed choice filter may take away the choice a draft holds
            breaking = attr == "choice_filter" and after is not None
            self.add(
                target,
                f"{attr}: {_pair(before, after)}",
                breaking=breaking,
                kind=attr,
                location=location,
            )
            return
        if attr in _LOWER_BOUNDS or attr in _UPPER_BOUNDS:
            self.add(
                target,
                f"{attr}: {_pair(before, after)}",
                breaking=_tighter(attr, before, after),
                kind="bound",
                location=location,
            )
            return
        if attr == "accept":
            gone = [t for t in before if t not in after]
            self.add(
                target,
                f"accept: {_pair(before, after)}",
                breaking=bool(gone),
                kind="accept",
                location=location,
            )
            return
        if attr == "multiple":
            self.add(
                target,
                f"multiple: {_pair(before, after)}",
                breaking=not after,
                kind="multiple",
                location=location,
            )
            return
        if attr == "step":
            self.add(
                target,
                f"step: {_pair(before, after)}",
                breaking=after is not None,
                kind="step",
                location=location,
            )
            return
        self.add(target, f"{attr}: {_pair(before, after)}", kind=attr, location=location)

    def constraints(
        self, target: _Placed, before: list[Constraint], after: list[Constraint], location: Location
    ) -> None:
        old_rules = {c.rule: c for c in before}
        new_rules = {c.rule: c for c in after}
        for rule, constraint in new_rules.items():
            where = constraint.location("rule")
            if rule not in old_rules:
                self.add(
                    target,
                    f"new constraint: {shorten_pair(rule, '')[0]}",
                    breaking=True,
                    kind="constraint",
                    location=where,
                )
                continue
            for line in text_changes(
                f"message of constraint {shorten_pair(rule, '')[0]}",
                old_rules[rule].message,
                constraint.message,
                self.languages,
            ):
                self.add(target, line, kind="text", location=constraint.location("message"))
        for rule in old_rules:
            if rule not in new_rules:
                self.add(
                    target,
                    f"constraint removed: {shorten_pair(rule, '')[0]}",
                    kind="constraint",
                    location=location,
                )

    # ------------------------------------------------------------------ where it sits

    def position(
        self,
        source: _Placed,
        target: _Placed,
        old_placed: dict[tuple[str, str], _Placed],
        new_placed: dict[tuple[str, str], _Placed],
    ) -> None:
        location = target.element.location()
        if source.parent != target.parent:
            if source.repeat != target.repeat and _holds_answers(target.element):
                return  # reported as a breaking move
            old_where = _where(old_placed, source.parent)
            new_where = _where(new_placed, target.parent)
            self.add(
                target, f"moved from {old_where} to {new_where}", kind="moved", location=location
            )
            return
        ident = target.key[1]
        if ident in _moved_in_order(source.siblings, target.siblings):
            index = target.siblings.index(ident)
            if index == 0:
                text = f"moved: now first, before '{target.siblings[1]}'"
            else:
                text = f"moved: now after '{target.siblings[index - 1]}'"
            self.add(target, text, kind="moved", location=location)

    # ------------------------------------------------------------------ choices

    def field_choices(self, target: _Placed, before: _ChoiceBase, after: _ChoiceBase) -> None:
        new_id = str(after.id)
        location = after.location("choices")
        old_choices = self._choices(self.old, before)
        new_choices = self._choices(self.new, after)
        old_values = [c.value for c in old_choices]
        new_values = [c.value for c in new_choices]
        if isinstance(after.choices, str):
            location = _list_location(self.new.definition, after.choices) or location
        old_source = _choice_source(before)
        new_source = _choice_source(after)
        if old_source != new_source:
            self.add(
                target,
                f"choices: {old_source} → {new_source}",
                kind="choices",
                location=after.location("choices"),
            )
        mapped = self.value_maps.get(new_id, {})
        for value in old_values:
            if value in new_values:
                continue
            if value in mapped:
                into = mapped[value]
                target_text = repr(into) if into is not None else "blank"
                self.add(
                    target,
                    f"choice '{value}' removed (answers become {target_text})",
                    migrated=True,
                    kind="choice_removed",
                    location=location,
                )
            else:
                self.add(
                    target,
                    f"choice '{value}' removed",
                    breaking=True,
                    kind="choice_removed",
                    location=location,
                )
        for value in new_values:
            if value not in old_values:
                self.add(target, f"choice '{value}' added", kind="choice_added", location=location)
        shared = isinstance(before.choices, str) and before.choices == after.choices
        if not shared:  # texts of a shared list are listed once, under the list
            for description in self.choice_texts(old_choices, new_choices):
                self.add(target, description, kind="text", location=after.location("choices"))

    @staticmethod
    def _choices(form: CheckedForm, element: _ChoiceBase) -> list[Choice]:
        if isinstance(element.choices, str):
            return list(form.choice_lists.get(element.choices, []))
        return list(element.choices)

    def choice_texts(self, before: list[Choice], after: list[Choice]) -> list[str]:
        old = {c.value: c for c in before}
        lines: list[str] = []
        for choice in after:
            previous = old.get(choice.value)
            if previous is None:
                continue
            name = f"choice '{choice.value}'"
            lines += text_changes(f"{name} label", previous.label, choice.label, self.languages)
            lines += text_changes(f"{name} hint", previous.hint, choice.hint, self.languages)
            if previous.attributes != choice.attributes:
                lines.append(f"{name} attributes: {_pair(previous.attributes, choice.attributes)}")
        old_order = [c.value for c in before if c.value in {n.value for n in after}]
        new_order = [c.value for c in after if c.value in old]
        if old_order != new_order:
            lines.append(f"order: {_pair(', '.join(old_order), ', '.join(new_order))}")
        return lines

    def choice_lists(self) -> None:
        old_lists, new_lists = self.old.choice_lists, self.new.choice_lists
        for list_id, choices in new_lists.items():
            if list_id not in old_lists:
                continue
            location = _list_location(self.new.definition, list_id)
            for line in self.choice_texts(old_lists[list_id], choices):
                self.add(("choice list", list_id), line, kind="text", location=location)


def _where(placed: dict[tuple[str, str], _Placed], key: tuple[str, str] | None) -> str:
    if key is None:
        return "the form"
    item = placed.get(key)
    subject = _subject(item.element) if item and key[0] == "field" else key[0]
    return f"{subject} '{key[1]}'"


def _choice_source(element: _ChoiceBase) -> str:
    return f"list '{element.choices}'" if isinstance(element.choices, str) else "written out"


def _list_location(definition: FormDefinition, list_id: str) -> Location | None:
    source = getattr(definition, "_src", None)
    lists = source.get("choices") if isinstance(source, LocDict) else None
    if isinstance(lists, LocDict) and list_id in lists:
        return lists.key_locs.get(list_id) or lists.loc
    return None


def diff(old: CheckedForm, new: CheckedForm, migration: Migration | None = None) -> list[Change]:
    """What changes from ``old`` to ``new`` for a person filling the form, each change
    classified as compatible or breaking (or migrated, when ``migration`` handles it)."""
    return _Differ(old, new, migration).run()


def _choice_values(checked: CheckedForm, spec: FieldSpec) -> list[str]:
    element = spec.element
    if not isinstance(element, _ChoiceBase):
        return []
    return [c.value for c in _Differ._choices(checked, element)]


# ---------------------------------------------------------------------- migrations

_LOSS_HINTS = {
    "removed": "add it to drop: (or rename: it) so that drafts carry over knowingly",
    "type": "add it to drop: (its answers do not fit the new type)",
    "repeat": "add it to drop: (its answers do not fit the new place)",
    "hidden": "add it to drop: (a hidden field's answers are never submitted)",
    "choice_removed": "map the value in values: (to another choice, or null for blank)",
}


def check_migration(
    migration: Migration, old: CheckedForm, new: CheckedForm, diagnostics: Diagnostics
) -> None:
    """Every name and value a migration uses must exist; every data loss must be declared."""
    if migration.drafts == "finish":
        for key in ("rename", "values", "drop"):
            if getattr(migration, key):
                diagnostics.error(
                    migration.location(key),
                    f"drafts of version {migration.from_version} finish on version "
                    f"{migration.from_version}: no answers carry over to rename, map or drop",
                    f"remove '{key}:', or remove 'drafts: finish' to move drafts forward",
                )
        return
    for old_id, new_id in migration.rename.items():
        if old_id not in old.by_id:
            diagnostics.error(
                migration.location("rename"),
                f"version {migration.from_version} has no field '{old_id}' to rename",
                did_you_mean(old_id, old.by_id),
            )
        if new_id not in new.by_id:
            diagnostics.error(
                migration.location("rename"),
                f"this version has no field '{new_id}' to rename '{old_id}' to",
                did_you_mean(new_id, new.by_id),
            )
        elif old_id in old.by_id and old.by_id[old_id].type != new.by_id[new_id].type:
            diagnostics.error(
                migration.location("rename"),
                f"'{old_id}' ({old.by_id[old_id].type}) cannot become '{new_id}' "
                f"({new.by_id[new_id].type})",
                "a rename keeps the field type; map values of a new field instead",
            )
    inverse = {new_id: old_id for old_id, new_id in migration.rename.items()}
    for new_id, mapping in migration.values.items():
        if new_id not in new.by_id:
            diagnostics.error(
                migration.location("values"),
                f"this version has no field '{new_id}' (values are keyed by the new field id)",
                did_you_mean(new_id, new.by_id),
            )
            continue
        old_id = inverse.get(new_id, new_id)
        old_spec = old.by_id.get(old_id)
        old_values = set(_choice_values(old, old_spec)) if old_spec else set()
        new_values = set(_choice_values(new, new.by_id[new_id]))
        for source, target in mapping.items():
            if old_spec and source not in old_values:
                diagnostics.error(
                    migration.location("values"),
                    f"'{source}' is not a choice of '{old_id}' in version {migration.from_version}",
                    did_you_mean(source, old_values),
                )
            if target is not None and target not in new_values:
                diagnostics.error(
                    migration.location("values"),
                    f"'{target}' is not a choice of '{new_id}' in this version",
                    did_you_mean(target, new_values),
                )
    for old_id in migration.drop:
        if old_id not in old.by_id:
            diagnostics.error(
                migration.location("drop"),
                f"version {migration.from_version} has no field '{old_id}' to drop",
                did_you_mean(old_id, old.by_id),
            )
    for change in diff(old, new, migration):
        if change.breaking and change.kind in LOSES_ANSWERS:
            diagnostics.error(
                migration.location(),
                f"the migration from version {migration.from_version} loses answers: "
                f"{change.heading} {change.description}",
                _LOSS_HINTS[change.kind],
            )


def check_breaking_without_migration(
    old: CheckedForm, new: CheckedForm, diagnostics: Diagnostics
) -> None:
    """A new version that breaks drafts of the previous one must say what happens to them:
    a migration that carries them over, or ``drafts: finish``."""
    model = new.definition
    previous = old.definition.version
    own_file = model.location("version").file
    for change in diff(old, new):
        if not change.breaking:
            continue
        # a change the new version inherits (from its base or a fragment) is reported in the
        # new version's file, at its version: that is the file to fix, not the base
        location = change.location
        if location is None or location.file != own_file:
            location = model.location("version")
        diagnostics.error(
            location,
            f"version {model.version} of '{model.id}' breaks drafts of version {previous} "
            f"and has no migration from it: {change.heading} {change.description}",
            f"add 'migrations: [{{from: {previous}}}]' with rename:, values: or drop: to "
            f"carry drafts over, or 'migrations: [{{from: {previous}, drafts: finish}}]' "
            f"when drafts of version {previous} are finished on version {previous}",
        )


@dataclass
class MigrationReport:
    renamed: list[tuple[str, str]]
    mapped: list[tuple[str, str, str | None]]
    dropped: list[str]


def migrate_answers(
    answers: dict[str, Any], migration: Migration, new: CheckedForm
) -> tuple[dict[str, Any], MigrationReport]:
    """Carry a draft's answers from ``migration.from_version`` to the version of ``new``."""
    report = MigrationReport([], [], [])

    def convert(values: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in values.items():
            if key in migration.drop:
                report.dropped.append(key)
                continue
            new_key = migration.rename.get(key, key)
            if new_key != key:
                report.renamed.append((key, new_key))
            if new_key not in new.by_id:
                report.dropped.append(key)
                continue
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                result[new_key] = [convert(row) for row in value]
                continue
            mapping = migration.values.get(new_key)
            if mapping:
                if isinstance(value, list):
                    mapped = [mapping.get(v, v) for v in value]
                    value = [v for v in mapped if v is not None]
                elif isinstance(value, str) and value in mapping:
                    report.mapped.append((new_key, value, mapping[value]))
                    value = mapping[value]
            result[new_key] = value
        return result

    return convert(answers), report


__all__ = [
    "FORM",
    "LOCK_NAME",
    "PROCEDURE",
    "Change",
    "LockEntry",
    "LockFile",
    "SourceHashes",
    "check_breaking_without_migration",
    "check_migration",
    "diff",
    "group_changes",
    "migrate_answers",
    "text_changes",
]
