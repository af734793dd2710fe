"""A form's ``oso`` mappings as bindings, and the import of a dossier into a form's answers.

A binding ties a field (or a repeating group) of a compiled form to an OSO element path. Paths
are absolute from the dossier root at the top level and relative to the row's element inside a
repeating group; a step may name a position (``adres[1]``, 1-based).

Import rules (docs/oso.md explains them to consultants):
- a value is converted to what a person would type: dates as dd-mm-jjjj, yes/no as true/false;
- a choice takes the OSO code when it is one of the field's choices, else it is reported;
- a text field mapped to a repeating element (voornaam) joins the occurrences with spaces;
- a repeating group gets one row per occurrence of its element;
- a file field without its own mapping, in a group mapped to an OSO ``document``, receives the
  files in that document's Base64 ZIP, one row per file;
- every element with a value that no binding carried is reported with its path and value;
- a value the form would not show (a row of a group behind a question the dossier answers "no",
  a field a regional variant hides, a follow-up whose condition is false) is not carried: it is
  taken out of the answers and reported, so that nothing counts as imported that a person
  never sees, submits or exports. An unanswered question that imported values wait behind is
  answered first when one answer shows them (:func:`answer_gates`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from engine.compiler import CompiledForm
from engine.evaluate import evaluate, template_of

from .attachments import File, Unreadable, unpack
from .codelists import code_list
from .dossier import N_, Dossier, Element, as_bool, as_date

_STEP = re.compile(r"^([A-Za-z0-9_\-]+)(?:\[(\d+)\])?$")


# OSO says what a communicatie holds in its ``soort``: the field types that hold one of them.
CONTACT_KINDS = {"phone": "telefoon", "email": "e-mail"}


@dataclass(frozen=True)
class Step:
    name: str
    position: int | None = None  # 1-based, as in XPath
    soort: str | None = None  # a communicatie of this kind only (position counts among those)

    def __str__(self) -> str:
        kind = f"[soort={self.soort}]" if self.soort else ""
        return f"{self.name}{kind}[{self.position}]" if self.position else f"{self.name}{kind}"


def parse_path(path: str) -> tuple[Step, ...]:
    steps = []
    for raw in path.strip("/").split("/"):
        match = _STEP.match(raw)
        if not match:
            raise ValueError(f"not an OSO path step: {raw!r}")
        steps.append(Step(match.group(1), int(match.group(2)) if match.group(2) else None))
    return tuple(steps)


@dataclass
class Binding:
    key: str  # the field's id (its key inside a row for fields in a group)
    kind: str  # the field type, or "group"
    steps: tuple[Step, ...]
    choices: frozenset[str] = frozenset()
    children: list[Binding] = field(default_factory=list)
    file_field: str | None = None  # a group bound to an OSO document: the field for its files
    labels: dict[str, tuple[str, ...]] = field(default_factory=dict)  # choice value: its labels
    keeps_secret: bool = False  # in a communicatie whose ``geheim`` the form maps too

    @property
    def path(self) -> str:
        return "/".join(str(s) for s in self.steps)

    @property
    def plain(self) -> str:
        """The path without positions, as the layout and the element tree name it."""
        return "/".join(s.name for s in self.steps)


def bindings(form: CompiledForm) -> list[Binding]:
    """The top-level bindings of a form, groups holding the bindings of their rows."""
    by_group: dict[str, list[Binding]] = {}
    top: list[Binding] = []
    groups: dict[str, Binding] = {}
    for node in form.nodes:
        element = node.element
        if element is None or node.kind in ("page", "section", "note"):
            continue
        oso = getattr(element, "oso", None)
        parent = node.repeat_path[-1] if node.repeat_path else None
        if node.kind == "group":
            binding = Binding(node.key, "group", parse_path(oso) if oso else ())
            groups[node.key] = binding
            (by_group.setdefault(parent, []) if parent else top).append(binding)
            continue
        if node.kind == "file" and not oso and parent:
            by_group.setdefault(parent, []).append(Binding(node.key, "file", ()))
            continue
        if not oso:
            continue
        labels = {
            choice.value: tuple(
                choice.label.values() if isinstance(choice.label, dict) else [choice.label]
            )
            for choice in node.choices
        }
        binding = Binding(
            node.key, node.kind, parse_path(oso), frozenset(node.choice_values), labels=labels
        )
        (by_group.setdefault(parent, []) if parent else top).append(binding)
    for key, group in groups.items():
        children = by_group.get(key, [])
        files = [b for b in children if b.kind == "file" and not b.steps]
        group.children = [b for b in children if b.steps]
        if files and group.steps and group.steps[-1].name == "document":
            group.file_field = files[0].key
        _by_kind(group.children)
    result = [b for b in top if b.steps]
    _by_kind(result)
    return result


def _by_kind(items: list[Binding]) -> None:
    """Phone numbers and e-mail addresses by their kind, not by their place in the list.

    A definition writes ``communicatielijst/communicatie[1]/nummer`` for a phone field and
    ``communicatie[2]/nummer`` for an e-mail field; a dossier lists its communicatie in any
    order, each with its ``soort``. So the phone field takes the first communicatie whose soort
    is telefoon, the e-mail field the first whose soort is e-mail (the second phone field of a
    list the second telefoon, and so on); other fields mapped into the same ``communicatie[N]``
    (``geheim``, ``aanduiding``) go with the number mapped there."""
    anchors: dict[tuple[tuple[Step, ...], str], int] = {}  # (path to communicatie, soort): count
    kinds: dict[tuple[Step, ...], Step] = {}  # the path to a communicatie[N]: its kind step
    for binding in items:
        soort = CONTACT_KINDS.get(binding.kind)
        index = _communicatie(binding.steps)
        if soort is None or index is None:
            continue
        prefix = binding.steps[:index]
        rank = anchors[(prefix, soort)] = anchors.get((prefix, soort), 0) + 1
        kinds[binding.steps[: index + 1]] = Step("communicatie", rank, soort)
    for binding in items:
        index = _communicatie(binding.steps)
        kind = kinds.get(binding.steps[: index + 1]) if index is not None else None
        if kind is None or index is None:
            continue
        binding.steps = (*binding.steps[:index], kind, *binding.steps[index + 1 :])
    for binding in items:
        index = _communicatie(binding.steps)
        if index is not None:
            here = binding.steps[: index + 1]
            binding.keeps_secret = any(
                other.steps[: index + 1] == here and other.steps[-1].name == "geheim"
                for other in items
            )


def _communicatie(steps: tuple[Step, ...]) -> int | None:
    return next((i for i, step in enumerate(steps) if step.name == "communicatie"), None)


# ------------------------------------------------------------------------- import


NOT_CARRIED = N_("no field of this form carries it")
CONFIDENTIAL = N_(
    "the dossier marks this as confidential (geheim) and this form cannot keep it confidential"
)
HIDDEN_BY_FORM = N_("this form leaves the field out")
HIDDEN_BY_ANSWERS = N_(
    "the form does not ask for this with the dossier's other answers, so it would not be sent"
)
DOSSIER_LEVEL = ("metadata/", "overdrachtsoort")


@dataclass
class Unmapped:
    path: str
    value: str
    line: int
    reason: str = NOT_CARRIED  # an English template (msgid), filled from params
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.reason.format(**self.params)


@dataclass
class ImportedFile:
    key: str  # instance key of the file field, e.g. bijlagen[0].bijlage_bestand
    file: File


@dataclass
class ImportResult:
    answers: dict[str, Any]
    unmapped: list[Unmapped]
    files: list[ImportedFile]
    dossier: Dossier
    # unanswered questions the import answered because imported answers depend on them
    inferred: list[str] = field(default_factory=list)
    # each carried answer (instance key) and the paths of the dossier elements it holds
    carried: dict[str, list[str]] = field(default_factory=dict)


def import_dossier(dossier: Dossier, form: CompiledForm) -> ImportResult:
    """The answers a dossier gives a form, the files it carries, and what it could not carry."""
    importer = _Importer(dossier)
    answers: dict[str, Any] = {}
    importer.fill(dossier.root, bindings(form), answers, "")
    unmapped = importer.unmapped
    for element in dossier.root.walk():
        if element.path.startswith(DOSSIER_LEVEL):
            continue  # read to understand the dossier itself (version, sender), not pupil data
        carried = id(element) in importer.used
        if element.is_leaf and (element.text or element.attributes) and not carried:
            unmapped.append(Unmapped(element.path, element.text, element.line))
    inferred = answer_gates(form, answers, list(importer.sources))
    files = _drop_hidden(form, answers, importer)
    unmapped.sort(key=lambda u: u.line)
    carried = {key: [e.path for e in elements] for key, elements in importer.sources.items()}
    return ImportResult(answers, unmapped, files, dossier, inferred, carried)


def answer_gates(form: CompiledForm, answers: dict[str, Any], keys: list[str]) -> list[str]:
    """Answer each unanswered question that imported answers (``keys``) wait behind.

    A form asks "does the pupil have a diagnosis?" before its list of diagnoses, or "which
    number does the pupil have?" before the BSN or the onderwijsnummer; a dossier has the data
    but no such answer. Without it the imported data would stay hidden (and hidden answers are
    not submitted). A yes/no question is answered "yes", a choice with the first of its choices
    that shows imported answers, and only when that hides none of the imported answers already
    shown; the import report lists every question answered this way."""
    state = evaluate(form, answers)
    waiting = {key for key in keys if state.visible.get(key) is not True}
    candidates = [
        node
        for node in form.nodes
        if node.kind in ("yesno", "choice")
        and not node.repeat_path
        and not node.hidden
        and node.key not in answers
    ]
    inferred: list[str] = []
    for node in candidates:
        if not waiting:
            break
        shown_now = {key for key in keys if state.visible.get(key) is True}
        trials = ["true"] if node.kind == "yesno" else sorted(node.choice_values)
        for value in trials:
            trial = evaluate(form, {**answers, node.key: value})
            revealed = {k for k in waiting if trial.visible.get(k) is True}
            if revealed and all(trial.visible.get(k) is True for k in shown_now):
                answers[node.key] = value
                inferred.append(node.key)
                waiting -= revealed
                state = trial
                break
    return inferred


def _drop_hidden(
    form: CompiledForm, answers: dict[str, Any], importer: _Importer
) -> list[ImportedFile]:
    """Take every imported answer the form would not show out of the answers and report it
    (with the dossier elements it came from); the files that stay imported."""
    state = evaluate(form, answers)
    hidden = [key for key in importer.sources if state.visible.get(key) is not True]
    for key in hidden:
        reason = HIDDEN_BY_FORM if _left_out(form, key) else HIDDEN_BY_ANSWERS
        for element in importer.sources.pop(key):
            importer.unmapped.append(Unmapped(element.path, element.text, element.line, reason))
        _remove(answers, key)
    _prune(answers, form)
    gone = set(hidden)
    return [item for item in importer.files if item.key not in gone]


def _left_out(form: CompiledForm, key: str) -> bool:
    """Whether the form hides the field whatever the answers (``hidden``, as a region may)."""
    node = form.by_key.get(template_of(key))
    while node is not None:
        if node.hidden:
            return True
        parent = node.repeat_path[-1] if node.repeat_path else node.parent
        node = form.by_key.get(parent) if parent else None
    return False


def _remove(answers: dict[str, Any], key: str) -> None:
    """Remove the answer at an instance key (``verzorgers[0].verzorger_achternaam``)."""
    container: Any = answers
    parts = key.split(".")
    for part in parts[:-1]:
        name, _, index = part.partition("[")
        rows = container.get(name) if isinstance(container, dict) else None
        position = int(index.rstrip("]")) if index else -1
        if not isinstance(rows, list) or not 0 <= position < len(rows):
            return
        container = rows[position]
    if isinstance(container, dict):
        container.pop(parts[-1], None)


def _prune(answers: dict[str, Any], form: CompiledForm) -> None:
    """Drop the rows of groups the form does not show at all once their answers are gone."""
    state = evaluate(form, answers)
    for key in [
        k for k, v in answers.items() if isinstance(v, list) and v and isinstance(v[0], dict)
    ]:
        if state.visible.get(key) is not True and not any(answers[key]):
            del answers[key]


class _Importer:
    def __init__(self, dossier: Dossier) -> None:
        self.dossier = dossier
        self.used: set[int] = set()
        self.unmapped: list[Unmapped] = []
        self.files: list[ImportedFile] = []
        # each carried answer (instance key) and the elements whose values it holds
        self.sources: dict[str, list[Element]] = {}

    def resolve(self, start: Element, steps: tuple[Step, ...]) -> list[Element]:
        current = [start]
        for step in steps:
            found: list[Element] = []
            for element in current:
                matches = element.find(step.name)
                if step.soort is not None:
                    matches = [m for m in matches if _soort(m) == step.soort]
                if step.position is not None:
                    matches = matches[step.position - 1 : step.position]
                found.extend(matches)
            current = found
        return current

    def fill(
        self, start: Element, items: list[Binding], target: dict[str, Any], prefix: str
    ) -> None:
        for binding in items:
            elements = self.resolve(start, binding.steps)
            if binding.kind == "group":
                rows: list[dict[str, Any]] = []
                for element in elements:
                    if binding.file_field:
                        self.document_rows(element, binding, rows, prefix)
                        continue
                    row: dict[str, Any] = {}
                    self.fill(
                        element, binding.children, row, f"{prefix}{binding.key}[{len(rows)}]."
                    )
                    rows.append(row)
                if rows:
                    target[binding.key] = rows
                continue
            if _communicatie(binding.steps) is not None and not binding.keeps_secret:
                elements = self.not_secret(start, binding, elements)
            value, carried = self.value(binding, elements)
            if value is not None:
                target[binding.key] = value
                self.sources[prefix + binding.key] = carried

    def not_secret(
        self, start: Element, binding: Binding, elements: list[Element]
    ) -> list[Element]:
        """The numbers of ``elements`` whose communicatie is not marked ``geheim``; the others
        are reported: a form that cannot mark a number confidential must not carry it."""
        index = _communicatie(binding.steps)
        assert index is not None
        secret = {
            id(leaf)
            for contact in self.resolve(start, binding.steps[: index + 1])
            if any(g.text in ("true", "1") for g in contact.find("geheim"))
            for leaf in self.resolve(contact, binding.steps[index + 1 :])
        }
        for element in elements:
            if id(element) in secret and element.text:
                self.report(element, CONFIDENTIAL)
        return [e for e in elements if id(e) not in secret]

    def value(self, binding: Binding, elements: list[Element]) -> tuple[Any, list[Element]]:
        """The answer the elements give the field, and the elements it carries."""
        leaves = [e for e in elements if e.is_leaf and e.text]
        if not leaves:
            return None, []
        if binding.kind == "calculated":
            for leaf in leaves:
                self.report(leaf, N_("the form calculates this value from other answers"))
            return None, []
        if binding.kind == "multichoice":
            values = []
            carried = []
            for leaf in leaves:
                try:
                    values.append(convert_in(binding, leaf.text, "choice", leaf.path))
                except Unconvertible as exc:
                    self.report(leaf, exc.message, **exc.params)
                    continue
                self.used.add(id(leaf))
                carried.append(leaf)
            return (values, carried) if values else (None, [])
        if len(leaves) > 1 and binding.kind in ("text", "textarea"):
            for leaf in leaves:
                self.used.add(id(leaf))
            return " ".join(leaf.text for leaf in leaves), leaves
        leaf = leaves[0]
        for extra in leaves[1:]:
            self.report(extra, N_("the field holds only one of these"))
        try:
            converted = convert_in(binding, leaf.text, path=leaf.path)
        except Unconvertible as exc:
            self.report(leaf, exc.message, **exc.params)
            return None, []
        self.used.add(id(leaf))
        return converted, [leaf]

    def document_rows(
        self, element: Element, binding: Binding, rows: list[dict[str, Any]], prefix: str
    ) -> None:
        name = next((e for e in element.find("bestandsnaam")), None)
        content = next((e for e in element.find("bestandsinhoud")), None)
        if content is None or not content.text:
            return
        try:
            files = unpack(content.text, name.text if name else "bijlage")
        except Unreadable as exc:  # reported; a hostile archive refuses the whole dossier
            self.report(content, exc.message, **exc.params)
            if name is not None:
                self.used.add(id(name))
            return
        for file in files:
            row: dict[str, Any] = {}
            self.fill(element, binding.children, row, f"{prefix}{binding.key}[{len(rows)}].")
            key = f"{prefix}{binding.key}[{len(rows)}].{binding.file_field}"
            self.files.append(ImportedFile(key, file))
            self.sources[key] = [e for e in (content, name) if e is not None]
            rows.append(row)
        self.used.add(id(content))
        if name is not None:
            self.used.add(id(name))

    def report(self, element: Element, reason: str, **params: Any) -> None:
        self.used.add(id(element))
        self.unmapped.append(Unmapped(element.path, element.text, element.line, reason, params))


class Unconvertible(Unreadable):
    """An OSO value that does not fit the field it maps to."""


def _soort(contact: Element) -> str | None:
    found = contact.find("soort")
    return found[0].text.strip().casefold() if found else None


def _norm(text: str) -> str:
    """A value compared as a person reads it: case, spaces, ``_`` and ``-`` do not count."""
    return " ".join(re.sub(r"[_\-]", " ", text).casefold().split())


def match_choice(binding: Binding, text: str, path: str = "") -> str | None:
    """The choice a dossier's value means, or None.

    An element with an OSO code list (``akkoord``, ``relatietotkind``) holds a code: it matches
    the field's choice with that code, whatever its case or spacing. An element without one
    (``leergebied`` holds a text such as "technisch lezen") matches the choice whose value or
    label reads the same, ignoring case, spaces, underscores and hyphens."""
    if text in binding.choices:
        return text
    wanted = _norm(text)
    codes = code_list(re.sub(r"\[\d+\]", "", path)) if path else None
    if codes is not None:
        code = next((c for c in codes if _norm(c) == wanted), None)
        return code if code in binding.choices else None
    found = {
        value
        for value in binding.choices
        if _norm(value) == wanted
        or any(_norm(label) == wanted for label in binding.labels.get(value, ()))
    }
    return found.pop() if len(found) == 1 else None


def convert_in(binding: Binding, text: str, kind: str | None = None, path: str = "") -> Any:
    """An OSO value as a person would have typed it into the field."""
    kind = kind or binding.kind
    if kind == "date":
        try:
            return as_date(text).strftime("%d-%m-%Y")
        except ValueError:
            raise Unconvertible(N_("'{value}' is not a date"), value=text) from None
    if kind == "yesno":
        try:
            return "true" if as_bool(text) else "false"
        except ValueError:
            raise Unconvertible(N_("'{value}' is not true or false"), value=text) from None
    if kind in ("choice", "multichoice"):
        choice = match_choice(binding, text, path)
        if choice is None:
            raise Unconvertible(
                N_("the code '{code}' is not one of the field's choices"), code=text
            )
        return choice
    return text
