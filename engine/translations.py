"""Translations without editing YAML: export every text of every form, import the translations.

:func:`collect` finds every text a person sees (the texts :func:`engine.checker.iter_texts`
yields) in the assembled forms of a folder, each once at the place where it is written: a
fragment's text in the fragment, a variant's own text in the variant, a choice label of a CSV
list in the CSV. A text is known by its file, its element (``field:reden``, ``page:leerling``,
``choices.reden[verhuizing]``, ``form`` …) and its key (``label``, ``hint``, ``labels.yes`` …).

:func:`export_csv` and :func:`export_xliff` (XLIFF 1.2) write them with the source text and the
current translation. Texts written outside the exported folder (a region's variant inherits them
from the base) belong to the base's translation: they are left out unless asked for, and then
marked as inherited. :func:`import_translations` writes filled-in translations back by editing
the located text spans (comments, order and formatting stay as they are) and reports what
changed, what is still missing, rows that no longer match (stale), and rows it refuses because
their file went into a published version (``popo.lock``): such a file never changes.
"""

from __future__ import annotations

import bisect
import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree
from xml.parsers import expat

import yaml

from .checker import _layout
from .csvsource import BOM, CsvProblem, decode, detect_delimiter, read_rows
from .errors import DefinitionError, Location
from .loader import load_definition
from .model import Element, FormDefinition, GroupField, _ChoiceBase
from .procedures.model import ProcedureDefinition, Term
from .versions import LockEntry, LockFile
from .yamlsource import LocDict, load_text

XLIFF_NS = "urn:oasis:names:tc:xliff:document:1.2"
CSV_COLUMNS = ("file", "forms", "element", "key", "status")
INHERITED_COLUMN = "inherited"  # only in an export of a folder with its inherited texts
MISSING, TRANSLATED, SAME = "missing", "translated", "same"
_LANGUAGE = re.compile(r"^[a-z]{2}$")
# the parser the loader uses (LibYAML when present): both must read a file the same way
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class TranslationError(Exception):
    """An export or import that cannot be done; the message is for the person running it."""


# ---------------------------------------------------------------------- collecting


@dataclass
class Entry:
    """One text, once, where it is written."""

    file: str  # as shown in messages (relative to the working folder when inside it)
    element: str
    key: str
    source: str
    target: str
    status: str
    location: Location
    holder: Any  # the located mapping that holds the text (a LocDict), or None
    holder_key: str
    forms: list[str] = field(default_factory=list)
    inherited: bool = False  # written outside the collected folder (in the base, say)

    @property
    def ident(self) -> tuple[str, str, str]:
        return (self.file, self.element, self.key)


@dataclass
class Collection:
    source: str
    target: str
    entries: list[Entry] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # forms not translated, with the reason
    broken: list[str] = field(default_factory=list)  # forms that do not load
    # texts written outside the folder, left out of ``entries`` (collect(inherited=False))
    inherited: list[Entry] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)  # id@version → "form" or "procedure"

    def counted(self) -> str:
        """``3 forms and 2 procedures``: the definitions whose texts were collected."""
        names = {name for entry in self.entries for name in entry.forms}
        forms = sum(1 for name in names if self.kinds.get(name) != "procedure")
        procedures = len(names) - forms
        parts = [f"{forms} form{'s' if forms != 1 else ''}"] if forms or not procedures else []
        if procedures:
            parts.append(f"{procedures} procedure{'s' if procedures != 1 else ''}")
        return " and ".join(parts)

    def by_ident(self) -> dict[tuple[str, str, str], Entry]:
        """Every text found, the inherited ones left out included."""
        return {entry.ident: entry for entry in [*self.entries, *self.inherited]}


def _procedure_elements(procedure: ProcedureDefinition) -> Iterator[tuple[Element, str]]:
    """Every element of a procedure that may hold texts: ``procedure``, ``party:parents``,
    ``status:aangemeld``, ``transition:toelaten``, ``term:beslistermijn``, ``task:besluiten``."""
    yield procedure, "procedure"
    for kind, items in (
        ("party", procedure.parties),
        ("status", procedure.statuses),
        ("transition", procedure.transitions),
        ("term", procedure.terms),
        ("task", procedure.tasks),
    ):
        for item in items:
            yield item, f"{kind}:{item.id}"


def _elements(form: FormDefinition) -> Iterator[tuple[Element, str]]:
    """Every element that may hold texts, with the name of its place in the form."""
    yield form, "form"
    for list_id, choices in form.choices.items():
        for choice in choices:
            yield choice, f"choices.{list_id}[{choice.value}]"
    for page in form.pages:
        yield page, f"page:{page.id}"
        for section in page.sections:
            yield section, f"section:{section.id}"
            stack: list[Any] = list(reversed(section.fields))
            while stack:
                element = stack.pop()
                name = f"field:{element.id}"
                yield element, name
                for index, constraint in enumerate(getattr(element, "constraints", ())):
                    yield constraint, f"{name}.constraints[{index}]"
                if isinstance(element, _ChoiceBase) and isinstance(element.choices, list):
                    for choice in element.choices:
                        yield choice, f"{name}.choices[{choice.value}]"
                if isinstance(element, GroupField):
                    stack.extend(reversed(element.fields))


def _texts(element: Element) -> Iterator[tuple[str, Any, str, Any]]:
    """(key, located holder, key in the holder, text) for each text of one element."""
    src = element._src
    if not isinstance(src, LocDict):
        return
    for key in _layout(type(element))[0]:
        if key == "unit" and isinstance(element, Term):  # days, weeks: a value, not a text
            continue
        value = getattr(element, key)
        if value is None:
            continue
        if key == "labels" and isinstance(value, dict):
            holder = src.get("labels")
            for which, text in value.items():
                yield f"labels.{which}", holder, which, text
        else:
            yield key, src, key, value


def _status(text: Any, source: str, target: str) -> tuple[str, str, str]:
    if isinstance(text, dict):
        written = text.get(target) or ""
        return text.get(source) or "", written, TRANSLATED if written else MISSING
    return text, "", SAME if len(text.split()) <= 1 else MISSING


def _definitions(
    folder: Path, collection: Collection
) -> Iterator[tuple[FormDefinition | ProcedureDefinition, Iterator[tuple[Element, str]]]]:
    """The forms and the procedures under ``folder`` in both languages of ``collection``, each
    with its elements; those that do not load or lack a language are noted in ``collection``."""
    from .procedures import PROCEDURE_SUFFIX, load_procedure
    from .workspace import FORM_SUFFIX, discover

    for suffix in (FORM_SUFFIX, PROCEDURE_SUFFIX):
        for path in discover([folder], suffix):
            model = (
                load_definition(path).model if suffix == FORM_SUFFIX else load_procedure(path).model
            )
            if model is None:
                collection.broken.append(str(path))
                continue
            if collection.target not in model.languages or collection.source not in model.languages:
                collection.skipped.append(
                    f"{model.id} ({path}): its languages are {', '.join(model.languages)}"
                )
                continue
            collection.kinds[f"{model.id}@{model.version}"] = (
                "form" if suffix == FORM_SUFFIX else "procedure"
            )
            if isinstance(model, ProcedureDefinition):
                yield model, _procedure_elements(model)
            else:
                yield model, _elements(model)


def collect(folder: Path, target: str, source: str = "nl", inherited: bool = True) -> Collection:
    """Every text of every form and procedure under ``folder`` that is shown in ``target``.
    Texts written in files outside ``folder`` (a variant's base, a shared fragment) are marked
    ``inherited``; ``inherited=False`` moves them from ``entries`` to ``Collection.inherited``."""
    if target == source:
        raise TranslationError(f"the language to translate into is the source language {source}")
    collection = Collection(source, target)
    root = (folder if folder.is_dir() else folder.parent).resolve()
    seen: dict[tuple[str, str, str], Entry] = {}
    for form, elements in _definitions(folder, collection):
        for element, name in elements:
            for key, holder, holder_key, text in _texts(element):
                location = (
                    holder.location_of(holder_key)
                    if isinstance(holder, LocDict)
                    else element.location(key)
                )
                ident = (location.file, name, key)
                entry = seen.get(ident)
                if entry is None:
                    source_text, written, status = _status(text, source, target)
                    entry = Entry(
                        location.file,
                        name,
                        key,
                        source_text,
                        written,
                        status,
                        location,
                        holder,
                        holder_key,
                        inherited=not Path(location.file).resolve().is_relative_to(root),
                    )
                    seen[ident] = entry
                    collection.entries.append(entry)
                name_of_form = f"{form.id}@{form.version}"
                if name_of_form not in entry.forms:
                    entry.forms.append(name_of_form)
    if not inherited:
        collection.inherited = [entry for entry in collection.entries if entry.inherited]
        collection.entries = [entry for entry in collection.entries if not entry.inherited]
    return collection


def inherited_from(entry: Entry) -> str:
    """The marker of an inherited text in an export."""
    return f"inherited from {entry.file}" if entry.inherited else ""


# ---------------------------------------------------------------------- export


def export_csv(collection: Collection) -> bytes:
    """A spreadsheet: one row per text; a translator fills in the target language column.
    ';'-separated UTF-8 with a byte-order mark, as Dutch Excel opens it."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    marked = any(entry.inherited for entry in collection.entries)
    extra = [INHERITED_COLUMN] if marked else []
    writer.writerow([*CSV_COLUMNS, *extra, collection.source, collection.target])
    for entry in collection.entries:
        writer.writerow(
            [
                entry.file,
                ", ".join(entry.forms),
                entry.element,
                entry.key,
                entry.status,
                *([inherited_from(entry)] if marked else []),
                entry.source,
                entry.target,
            ]
        )
    return BOM + out.getvalue().encode("utf-8")


def export_xliff(collection: Collection) -> bytes:
    """XLIFF 1.2: one <file> per definition file, one <trans-unit> per text."""
    ElementTree.register_namespace("", XLIFF_NS)

    def tag(name: str) -> str:
        return f"{{{XLIFF_NS}}}{name}"

    root = ElementTree.Element(tag("xliff"), {"version": "1.2"})
    bodies: dict[str, ElementTree.Element] = {}
    for entry in collection.entries:
        body = bodies.get(entry.file)
        if body is None:
            file_node = ElementTree.SubElement(
                root,
                tag("file"),
                {
                    "original": entry.file,
                    "source-language": collection.source,
                    "target-language": collection.target,
                    "datatype": "plaintext",
                },
            )
            body = bodies[entry.file] = ElementTree.SubElement(file_node, tag("body"))
        unit = ElementTree.SubElement(
            body,
            tag("trans-unit"),
            {
                "id": f"{entry.element}|{entry.key}",
                "resname": entry.element,
                "{http://www.w3.org/XML/1998/namespace}space": "preserve",
            },
        )
        ElementTree.SubElement(unit, tag("source")).text = entry.source
        state = "translated" if entry.status == TRANSLATED else "needs-translation"
        ElementTree.SubElement(unit, tag("target"), {"state": state}).text = entry.target
        note = f"{entry.key} of {entry.element} in {', '.join(entry.forms)}"
        if entry.status == SAME:
            note += "; now shown the same in every language"
        if entry.inherited:
            note += f"; {inherited_from(entry)}"
        ElementTree.SubElement(unit, tag("note")).text = note
    ElementTree.indent(root)
    text = ElementTree.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n").encode("utf-8")


# ---------------------------------------------------------------------- reading an export


@dataclass
class Row:
    file: str
    element: str
    key: str
    source: str
    target: str
    where: str  # the row's place in the export file, for messages


@dataclass
class Export:
    source: str
    target: str
    rows: list[Row]


def read_export(path: Path) -> Export:
    data = path.read_bytes()
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return _read_xliff(data, path)
    return _read_csv(data, path)


def _read_csv(data: bytes, path: Path) -> Export:
    try:
        text = decode(data)
        rows = read_rows(text, detect_delimiter(text) or ";")
    except CsvProblem as problem:
        raise TranslationError(
            f"{path}:{problem.line}:{problem.column}: {problem.message}"
            + (f" ({problem.hint})" if problem.hint else "")
        ) from None
    if not rows:
        raise TranslationError(f"{path} is empty")
    header = [cell.text.strip() for cell in rows[0]]
    missing = [name for name in ("file", "element", "key") if name not in header]
    languages = [name for name in header if _LANGUAGE.match(name)]
    if missing or len(languages) != 2:
        raise TranslationError(
            f"{path}:1: the first line must name the columns "
            f"{';'.join(CSV_COLUMNS)};<source language>;<language>, as popo translations "
            "export writes them"
        )
    source, target = languages
    column = {name: header.index(name) for name in (*missing, "file", "element", "key")}
    found: list[Row] = []
    for row in rows[1:]:
        cells = [cell.text for cell in row]
        if not any(c.strip() for c in cells):
            continue
        cells += [""] * (len(header) - len(cells))
        found.append(
            Row(
                cells[column["file"]].strip(),
                cells[column["element"]].strip(),
                cells[column["key"]].strip(),
                cells[header.index(source)],
                cells[header.index(target)],
                f"{path}:{row[0].line}",
            )
        )
    return Export(source, target, found)


def _parse_xml(data: bytes, path: Path) -> ElementTree.Element:
    """Parse XML with the standard library, refusing any DTD (so no entity is ever expanded)."""
    builder = ElementTree.TreeBuilder()
    parser = expat.ParserCreate(namespace_separator="}")

    def name(raw: str) -> str:
        return "{" + raw if "}" in raw else raw

    def refuse(*_: Any) -> None:
        raise TranslationError(f"{path}: a DOCTYPE or entity declaration is not allowed")

    def start(raw: str, attributes: dict[str, str]) -> None:
        builder.start(name(raw), {name(k): v for k, v in attributes.items()})

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = lambda raw: builder.end(name(raw))
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise TranslationError(f"{path}:{exc.lineno}:{exc.offset + 1}: not valid XML") from None
    return builder.close()


def _read_xliff(data: bytes, path: Path) -> Export:
    root = _parse_xml(data, path)

    def tag(local: str) -> str:
        return f"{{{XLIFF_NS}}}{local}"

    if root.tag != tag("xliff"):
        raise TranslationError(f"{path}: not an XLIFF 1.2 file (the root is not <xliff>)")
    source = target = ""
    found: list[Row] = []
    for file_node in root.iter(tag("file")):
        source = file_node.get("source-language", source)
        target = file_node.get("target-language", target)
        original = file_node.get("original", "")
        for unit in file_node.iter(tag("trans-unit")):
            element, _, key = unit.get("id", "").rpartition("|")
            source_node = unit.find(tag("source"))
            target_node = unit.find(tag("target"))
            found.append(
                Row(
                    original,
                    element,
                    key,
                    "".join(source_node.itertext()) if source_node is not None else "",
                    "".join(target_node.itertext()) if target_node is not None else "",
                    f"{path}: trans-unit {unit.get('id', '')!r}",
                )
            )
    if not source or not target:
        raise TranslationError(f"{path}: <file> needs source-language and target-language")
    return Export(source, target, found)


# ---------------------------------------------------------------------- writing YAML


@dataclass
class _Scalar:
    start: int
    end: int
    style: str | None
    flow: bool
    value: str


@dataclass
class _Mapping:
    start: int
    end: int
    flow: bool
    column: int  # 0-based column of the keys (block mappings)
    value_ends: list[int] = field(default_factory=list)


def _index_spans(
    text: str,
) -> tuple[dict[tuple[int, int], _Scalar], dict[tuple[int, int], _Mapping]]:
    """Scalars and mappings of a YAML text by the (line, column) the loader reports for them."""
    scalars: dict[tuple[int, int], _Scalar] = {}
    mappings: dict[tuple[int, int], _Mapping] = {}
    # one frame per open collection: [its _Mapping or None, flow style, expecting a key]
    stack: list[list[Any]] = []

    def done(end: int) -> None:
        """A node ended: it was a key or a value of the mapping around it."""
        if not stack or not isinstance(stack[-1][0], _Mapping):
            return
        frame = stack[-1]
        if frame[2]:
            frame[2] = False
        else:
            frame[0].value_ends.append(end)
            frame[2] = True

    for event in yaml.parse(text, Loader=_LOADER):
        mark: Any = event.start_mark
        end: Any = event.end_mark
        in_flow = any(frame[1] for frame in stack)
        if isinstance(event, yaml.ScalarEvent):
            quoted = event.style in ("'", '"')
            place = (mark.line + 1, mark.column + 1 + (1 if quoted else 0))
            scalars[place] = _Scalar(mark.index, end.index, event.style, in_flow, event.value)
            done(end.index)
        elif isinstance(event, yaml.MappingStartEvent):
            mapping = _Mapping(mark.index, mark.index, bool(event.flow_style), mark.column)
            mappings[(mark.line + 1, mark.column + 1)] = mapping
            stack.append([mapping, bool(event.flow_style), True])
        elif isinstance(event, yaml.SequenceStartEvent):
            stack.append([None, bool(event.flow_style), True])
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            frame = stack.pop()
            if frame[0] is not None:
                frame[0].end = end.index
            done(end.index)
    return scalars, mappings


def _fits_plain(text: str, flow: bool) -> bool:
    """Whether ``text`` reads back as the same text when written without quotes here."""
    if not text or text != text.strip() or "\n" in text or "#" in text or text[0] in "'\"":
        return False
    probe = f"k: {{a: {text}}}\n" if flow else f"k: {text}\n"
    try:
        data = load_text(probe, "<probe>")
    except DefinitionError:
        return False
    value = data["k"]["a"] if flow and isinstance(data.get("k"), dict) else data.get("k")
    return bool(value == text)


def _block_literal(text: str, indent: int) -> str | None:
    """``|`` followed by the lines at ``indent`` spaces, or None when a literal cannot hold it."""
    body = text.rstrip("\n")
    trailing = len(text) - len(body)
    if not body or body[0] in " \t" or "\t" in body or "\r" in body:
        return None
    chomp = {0: "-", 1: ""}.get(trailing, "+")
    pad = " " * indent
    lines = [pad + line if line else "" for line in body.split("\n")]
    return f"|{chomp}\n" + "\n".join(lines) + "\n" * max(trailing, 1)


def _scalar(text: str, flow: bool, style: str | None = None, indent: int = 0) -> str:
    """``text`` written as a YAML scalar that reads back as exactly ``text`` in this context."""
    if "\n" in text and not flow and indent:
        literal = _block_literal(text, indent)
        if literal is not None:
            return literal
    if style == "'" and "\n" not in text:
        return "'" + text.replace("'", "''") + "'"
    if style != '"' and _fits_plain(text, flow):
        return text
    return json.dumps(text, ensure_ascii=False)


class _YamlEdits:
    """Text edits of one YAML file, applied together from the end."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.raw = path.read_bytes()
        self.text = self.raw.decode("utf-8-sig")
        self.scalars, self.mappings = _index_spans(self.text)
        self.edits: list[tuple[int, int, str]] = []

    def set(self, entry: Entry, language: str, source: str, translation: str) -> None:
        holder = entry.holder
        current = holder[entry.holder_key]
        key_column = holder.key_locs[entry.holder_key].column - 1
        if isinstance(current, LocDict):
            if language in current:
                span = self.scalar(current.value_locs[language])
                block = key_column + 4 if not span.flow else 0
                style = span.style if span.value else None  # keep the author's quotes
                new = _scalar(translation, span.flow, style, block)
                self.edits.append((span.start, span.end, new))
                return
            mapping = self.mapping(current.loc)
            end = mapping.value_ends[-1]
            if mapping.flow:
                self.edits.append((end, end, f", {language}: {_scalar(translation, True)}"))
                return
            pad = " " * mapping.column
            new = f"{language}: {_scalar(translation, False, None, mapping.column + 2)}"
            if self.text[end - 1] == "\n":  # after a block scalar: a new line of its own
                self.edits.append((end, end, f"{pad}{new.rstrip(chr(10))}\n"))
            else:
                line_end = self._line_end(end)
                self.edits.append((line_end, line_end, f"\n{pad}{new.rstrip(chr(10))}"))
            return
        span = self.scalar(holder.location_of(entry.holder_key))
        if span.style in ("|", ">") and not span.flow:  # a block text becomes a block map
            pad = " " * (key_column + 2)
            parts = [
                f"{pad}{lang}: {_scalar(text, False, None, key_column + 4)}".rstrip("\n")
                for lang, text in ((source, span.value), (language, translation))
            ]
            start = span.start
            while self.text[start - 1] == " ":  # no space left behind after the key's colon
                start -= 1
            self.edits.append((start, span.end, "\n" + "\n".join(parts) + "\n"))
            return
        written = self.text[span.start : span.end]
        if span.style not in ("'", '"') and not _fits_plain(span.value, True):
            written = _scalar(span.value, True)
        new = f"{{{source}: {written}, {language}: {_scalar(translation, True)}}}"
        self.edits.append((span.start, span.end, new))

    def scalar(self, location: Location) -> _Scalar:
        span = self.scalars.get((location.line, location.column))
        if span is None:
            raise TranslationError(f"{location}: the text was not found in the file")
        return span

    def mapping(self, location: Location) -> _Mapping:
        found = self.mappings.get((location.line, location.column))
        if found is None or not found.value_ends:
            raise TranslationError(f"{location}: the language map was not found in the file")
        return found

    def _line_end(self, index: int) -> int:
        """The end of the line at ``index``, before a comment that follows the value."""
        end = self.text.find("\n", index)
        end = len(self.text) if end < 0 else end
        if self.text[end - 1 : end] == "\r":
            end -= 1
        return end

    def apply(self) -> str:
        text = self.text
        for start, end, new in sorted(self.edits, key=lambda e: (e[0], e[1]), reverse=True):
            text = text[:start] + new + text[end:]
        if "\r\n" in self.text:
            text = re.sub(r"(?<!\r)\n", "\r\n", text)
        return text

    def content_hash(self) -> str | None:
        """The content hash of the file with the edits (as popo.lock records it)."""
        from .api import content_hash

        try:
            return content_hash(load_text(self.apply(), str(self.path)))
        except DefinitionError:
            return None

    def write(self) -> None:
        text = self.apply()
        load_text(text, str(self.path))  # never write a file the loader cannot read
        bom = b"\xef\xbb\xbf" if self.raw.startswith(b"\xef\xbb\xbf") else b""
        self.path.write_bytes(bom + text.encode("utf-8"))


# ---------------------------------------------------------------------- writing CSV lists


class _CsvEdits:
    """Label and hint translations of a CSV choice list (see :mod:`engine.csvsource`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.raw = path.read_bytes()
        text = decode(self.raw)
        self.delimiter = detect_delimiter(text) or ";"
        self.newline = "\r\n" if "\r\n" in text else "\n"
        rows = read_rows(text, self.delimiter)
        self.rows = [[cell.text for cell in row] for row in rows]
        self.lines = [row[0].line for row in rows]
        self.changed = False

    def set(self, entry: Entry, language: str, source: str, translation: str) -> None:
        kind = entry.key
        header = [name.strip() for name in self.rows[0]]
        column = f"{kind}_{language}"
        if kind in header:
            # one column for every language becomes the source's, and the other rows keep
            # showing their text in every language (as they did)
            at = header.index(kind)
            self.rows[0][at] = f"{kind}_{source}"
            for row in self.rows[1:]:
                row.insert(at + 1, row[at] if at < len(row) else "")
            self.rows[0].insert(at + 1, column)
            header = [name.strip() for name in self.rows[0]]
        elif column not in header:
            after = max(i for i, name in enumerate(header) if name.startswith(f"{kind}_"))
            for row in self.rows:
                row.insert(after + 1, "")
            self.rows[0][after + 1] = column
            header.insert(after + 1, column)
        index = bisect.bisect_right(self.lines, entry.location.line) - 1  # the row of the cell
        self.rows[index][header.index(column)] = translation
        self.changed = True

    def render(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, delimiter=self.delimiter, lineterminator=self.newline)
        writer.writerows(self.rows)
        return out.getvalue()

    def content_hash(self) -> str | None:
        """The content hash of the list with the edits: its cells (as popo.lock records it)."""
        from .api import content_hash

        rows = read_rows(self.render(), self.delimiter)
        return content_hash([[cell.text for cell in row] for row in rows])

    def write(self) -> None:
        bom = BOM if self.raw.startswith(BOM) else b""
        self.path.write_bytes(bom + self.render().encode("utf-8"))


# ---------------------------------------------------------------------- import


@dataclass
class Change:
    entry: Entry
    old: str
    new: str

    def __str__(self) -> str:
        old = repr(self.old) if self.old else "(none)"
        return f"{self.entry.location}: {self.entry.element} {self.entry.key}: {old} → {self.new!r}"


@dataclass
class ImportReport:
    source: str
    target: str
    changed: list[Change] = field(default_factory=list)
    unchanged: int = 0
    stale: list[str] = field(default_factory=list)
    missing: list[Entry] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # rows in files of published versions


def common_folder(export: Export) -> Path:
    """The folder that holds every file an export names (where to look for the forms)."""
    folders = [Path(row.file).resolve().parent for row in export.rows if row.file]
    if not folders:
        return Path.cwd()
    common = folders[0]
    for folder in folders[1:]:
        while not folder.is_relative_to(common):
            common = common.parent
    return common


def import_translations(export: Export, folder: Path) -> ImportReport:
    """Write the filled-in translations of ``export`` into the files of the forms in ``folder``."""
    collection = collect(folder, export.target, export.source)
    report = ImportReport(export.source, export.target, skipped=collection.skipped)
    current = collection.by_ident()
    by_file: dict[str, list[tuple[Entry, str]]] = {}
    for row in export.rows:
        if not row.target.strip():
            continue
        entry = current.get((row.file, row.element, row.key))
        if entry is None:
            report.stale.append(
                f"{row.where}: {row.file} has no text {row.element} {row.key} any more "
                "(removed or renamed since the export): not imported"
            )
            continue
        if entry.source != row.source:
            report.stale.append(
                f"{row.where}: the {export.source} text of {row.element} {row.key} changed "
                f"since the export ({row.source!r} → {entry.source!r}): translate it again"
            )
            continue
        if entry.target == row.target or (entry.status == SAME and row.target == entry.source):
            report.unchanged += 1
            continue
        by_file.setdefault(entry.file, []).append((entry, row.target))
        report.changed.append(Change(entry, entry.target, row.target))
    refused: set[int] = set()
    for file, edits in by_file.items():
        path = Path(file)
        editor: _YamlEdits | _CsvEdits = (
            _CsvEdits(path) if path.suffix.lower() == ".csv" else _YamlEdits(path)
        )
        for entry, translation in edits:
            editor.set(entry, export.target, export.source, translation)
        versions = _published_with(path, edits[0][0], editor.content_hash())
        if versions:
            names = ", ".join(versions)
            for entry, _ in edits:
                refused.add(id(entry))
                report.refused.append(
                    f"{entry.location}: {entry.element} {entry.key}: this file is part of the "
                    f"published {names}; translate it in a new version"
                )
            continue
        editor.write()
    report.changed = [change for change in report.changed if id(change.entry) not in refused]
    # what is still missing in the folder's own texts (not those it inherits)
    after = collect(folder, export.target, export.source, inherited=False)
    report.missing = [entry for entry in after.entries if entry.status == MISSING]
    return report


def _published_with(path: Path, entry: Entry, new_hash: str | None) -> list[str]:
    """The published versions (per ``popo.lock``) made from ``path`` whose recorded hash of it
    differs from ``new_hash``, the hash of the file with the edits: those the edit would change.
    A version from a lock that records no source files counts when it shows ``entry``."""
    lock = LockFile.find(path)
    if lock is None:
        return []
    name = lock.relative(path)

    def changed_by_edit(version: LockEntry) -> bool:
        if version.sources:
            return name in version.sources and version.sources[name] != new_hash
        return version.file == name or version.name in entry.forms

    found = [version for version in lock.entries.values() if changed_by_edit(version)]
    found.sort(key=lambda version: (version.form, version.version))
    return [version.name for version in found]
