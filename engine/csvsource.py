"""Choice lists read from CSV files, located like YAML so every check points at the CSV line.

A named choice list may be written as ``{csv: gemeenten.csv}`` (in a form's, variant's or
fragment's ``choices:``, or as the ``replace:`` of a variant's choices change). The path is
relative to the YAML file and must stay inside the definitions folder (the folder holding
``popo.lock``; without one, the YAML file's own folder).

The first line names the columns:

* ``value``: the stored value (required);
* ``label``, or one column per language ``label_nl``, ``label_en`` …: the label (required);
* ``hint`` or ``hint_nl``, ``hint_en`` …: an optional hint;
* every other column is an attribute of the choice, read as ``@name`` in a choice_filter.

Columns are separated by ``;`` (as Dutch spreadsheets write them) or ``,``; the separator is
read from the first line. The file is UTF-8 (a byte-order mark is allowed) and at most
:data:`engine.yamlsource.MAX_BYTES` large. The rows become the same located data
(:class:`LocDict`, :class:`LocList`) an inline list gives, with the CSV's file, line and column,
so duplicate values, missing translations and filter checks report at the CSV cell. An empty
cell is left out: an empty ``label_en`` is then reported as a missing translation at that cell.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import Diagnostics, Location, did_you_mean
from .versions import LockFile
from .yamlsource import MAX_BYTES, MAX_NODES, LocDict, LocList

CSV_KEY = "csv"
BOM = b"\xef\xbb\xbf"
_LANGUAGE_COLUMN = re.compile(r"^(label|hint)_([a-z]{2})$")
_ATTRIBUTE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DELIMITERS = (";", ",", "\t")
_COLUMN_HINT = (
    "the first line names the columns, e.g. value;label_nl;label_en;provincie "
    "(value and label are required; other columns become attributes)"
)


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    line: int
    column: int  # 1-based; for a quoted cell the first character inside the quotes


class CsvProblem(Exception):
    def __init__(self, line: int, column: int, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.message = message
        self.hint = hint


def read_rows(text: str, delimiter: str) -> list[list[Cell]]:
    """The rows of a CSV text with the line and column of every cell (RFC 4180 quoting:
    a cell in double quotes may hold the delimiter, line breaks and "" for a quote)."""
    rows: list[list[Cell]] = []
    row: list[Cell] = []
    i = 0
    n = len(text)
    line, line_start = 1, 0
    while i <= n:
        column = i - line_start + 1
        if i < n and text[i] == '"':
            open_line, open_column = line, column
            i += 1
            start_line, start_column = line, i - line_start + 1
            chars: list[str] = []
            while True:
                if i >= n:
                    raise CsvProblem(
                        open_line,
                        open_column,
                        "this quote is never closed",
                        'end the cell with a double quote ("), and write a quote inside '
                        'a cell as ""',
                    )
                ch = text[i]
                if ch == '"':
                    if i + 1 < n and text[i + 1] == '"':
                        chars.append('"')
                        i += 2
                        continue
                    i += 1
                    break
                if ch == "\n" or (ch == "\r" and not text.startswith("\r\n", i)):
                    line, line_start = line + 1, i + 1
                chars.append(ch)
                i += 1
            if i < n and text[i] != delimiter and text[i] not in "\r\n":
                raise CsvProblem(
                    line,
                    i - line_start + 1,
                    "there is text after the closing quote of this cell",
                    'put the whole cell in quotes, and write a quote inside it as ""',
                )
            row.append(Cell("".join(chars), start_line, start_column))
        else:
            start = i
            while i < n and text[i] != delimiter and text[i] not in "\r\n":
                i += 1
            row.append(Cell(text[start:i], line, column))
        if i < n and text[i] == delimiter:
            i += 1
            continue
        # the end of a line or of the text
        if i >= n:
            if not (len(row) == 1 and row[0].text == "" and row[0].column == 1):
                rows.append(row)  # a last line without its line break
            break
        i += 2 if text.startswith("\r\n", i) else 1
        rows.append(row)
        row = []
        line, line_start = line + 1, i
    return rows


def detect_delimiter(text: str) -> str | None:
    """The delimiter of the header line (outside quotes): ';' before ',' before a tab."""
    header: list[str] = []
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in "\r\n":
            break
        elif not quoted:
            header.append(ch)
    first = "".join(header)
    for delimiter in _DELIMITERS:
        if delimiter in first:
            return delimiter
    return None


def decode(data: bytes) -> str:
    """The text of a CSV file: UTF-8 with or without a byte-order mark, else refused."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CsvProblem(
            1,
            1,
            "the file is UTF-16, not UTF-8",
            "save it as 'CSV UTF-8' (in Excel: Save as → CSV UTF-8 (comma delimited))",
        )
    if data.startswith(BOM):
        data = data[len(BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", errors="replace")) + 1
        raise CsvProblem(
            line,
            column,
            f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02X})",
            "save it as 'CSV UTF-8' (in Excel: Save as → CSV UTF-8); files in Windows-1252, "
            "such as DUO's open data, must be converted first",
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise CsvProblem(line, 1, "the file holds a null character: it is not a text file")
    return text


class ChoiceCsv:
    """Reads one CSV file into a located choice list; problems go to ``diagnostics``."""

    def __init__(self, diagnostics: Diagnostics, file: str, list_id: str) -> None:
        self.diagnostics = diagnostics
        self.file = file
        self.list_id = list_id

    def at(self, line: int, column: int, path: str = "") -> Location:
        return Location(self.file, line, column, path)

    def error(self, cell: Cell, message: str, hint: str = "", path: str = "") -> None:
        self.diagnostics.error(self.at(cell.line, cell.column, path), message, hint)

    def read(self, data: bytes) -> LocList:
        choices = LocList(self.at(1, 1, f"choices.{self.list_id}"))
        try:
            text = decode(data)
            delimiter = detect_delimiter(text) or ";"
            rows = read_rows(text, delimiter)
        except CsvProblem as problem:
            self.diagnostics.error(
                self.at(problem.line, problem.column), problem.message, problem.hint
            )
            return choices
        if not rows or all(cell.text.strip() == "" for cell in rows[0]):
            self.diagnostics.error(self.at(1, 1), "the CSV file has no header line", _COLUMN_HINT)
            return choices
        header = rows[0]
        columns = self.columns(header, delimiter)
        if columns is None:
            return choices
        cells = sum(len(row) for row in rows)
        if cells > MAX_NODES:
            self.diagnostics.error(
                self.at(1, 1),
                f"the CSV file has more than {MAX_NODES} cells",
                "keep only the columns the form needs",
            )
            return choices
        if len(rows) == 1:
            self.error(header[0], "the CSV file has a header line but no choices")
        for row in rows[1:]:
            choice = self.choice(row, header, columns, len(choices), delimiter)
            if choice is not None:
                choices.append(choice)
                choices.item_locs.append(choice.loc)
        return choices

    def columns(self, header: list[Cell], delimiter: str) -> dict[str, Any] | None:
        """What each column holds: {'value': i, 'label': {lang|'': i}, 'hint': …, 'attrs': …}."""
        names = [cell.text.strip() for cell in header]
        ok = True
        seen: dict[str, Cell] = {}
        for cell, name in zip(header, names):
            if not name:
                self.error(cell, "this column has no name", _COLUMN_HINT)
                ok = False
            elif name in seen:
                self.error(
                    cell,
                    f"the column '{name}' appears twice",
                    f"the first is at column {seen[name].column}",
                )
                ok = False
            else:
                seen[name] = cell
        layout: dict[str, Any] = {"label": {}, "hint": {}, "attrs": {}}
        for index, name in enumerate(names):
            matched = _LANGUAGE_COLUMN.match(name)
            if name == "value":
                layout["value"] = index
            elif name in ("label", "hint"):
                layout[name][""] = index
            elif matched:
                layout[matched.group(1)][matched.group(2)] = index
            elif name and not _ATTRIBUTE_NAME.match(name):
                self.error(
                    header[index],
                    f"'{name}' cannot be an attribute name",
                    "other columns are choice attributes, read as @name in a choice_filter: "
                    "use letters, digits and _ (e.g. gemeente_code)",
                )
                ok = False
            elif name:
                layout["attrs"][name] = index
        single = len(header) == 1
        if "value" not in layout:
            hint = did_you_mean("value", names) or did_you_mean("value", names[0].split())
            if single and len(names[0].split()) == 1 and any(c in names[0] for c in "|:"):
                hint = "separate the columns with ';' or ','"
            self.error(header[0], "the CSV file has no 'value' column", hint or _COLUMN_HINT)
            ok = False
        if not layout["label"]:
            hint = did_you_mean("label", names)
            if single:
                hint = (
                    f"the first line has one column '{names[0]}': separate columns with ';' or ','"
                )
            self.error(header[0], "the CSV file has no 'label' column", hint or _COLUMN_HINT)
            ok = False
        for kind in ("label", "hint"):
            if "" in layout[kind] and len(layout[kind]) > 1:
                self.error(
                    header[layout[kind][""]],
                    f"write '{kind}' or one column per language ('{kind}_nl', '{kind}_en'), "
                    "not both",
                )
                ok = False
        return layout if ok else None

    def choice(
        self,
        row: list[Cell],
        header: list[Cell],
        columns: dict[str, Any],
        index: int,
        delimiter: str,
    ) -> LocDict | None:
        first = row[0]
        path = f"choices.{self.list_id}[{index}]"
        if all(cell.text.strip() == "" for cell in row):
            self.error(first, "this row of the CSV file is empty", "remove the empty line")
            return None
        if len(row) != len(header):
            shown = {";": "';'", ",": "','", "\t": "a tab"}[delimiter]
            self.error(
                first,
                f"this row has {len(row)} cells, the header line has {len(header)}",
                f"the columns are separated by {shown} (read from the first line); put a cell "
                f"that contains {shown} in double quotes",
            )
            return None
        choice = LocDict(self.at(first.line, first.column, path))
        value_cell = row[columns["value"]]
        if not value_cell.text.strip():
            self.error(value_cell, "this choice has no value", "fill in the value column")
            return None

        def put(target: LocDict, key: str, value: Any, cell: Cell, name_cell: Cell) -> None:
            target[key] = value
            target.key_locs[key] = self.at(name_cell.line, name_cell.column, f"{path}.{key}")
            target.value_locs[key] = self.at(cell.line, cell.column, f"{path}.{key}")
            if "\n" not in cell.text and '"' not in cell.text:
                target.exact.add(key)

        put(choice, "value", value_cell.text.strip(), value_cell, header[columns["value"]])
        for kind in ("label", "hint"):
            positions: dict[str, int] = columns[kind]
            if not positions:
                continue
            if "" in positions:
                cell = row[positions[""]]
                if cell.text.strip():
                    put(choice, kind, cell.text.strip(), cell, header[positions[""]])
                elif kind == "label":
                    self.error(cell, f"the choice '{value_cell.text.strip()}' has no label")
                    return None
                continue
            texts = LocDict(self.at(row[0].line, row[0].column, f"{path}.{kind}"))
            empty: Cell | None = None
            for language, position in positions.items():
                cell = row[position]
                if cell.text.strip():
                    put(texts, language, cell.text.strip(), cell, header[position])
                elif empty is None:
                    empty = cell
            if not texts:
                if kind == "label":
                    assert empty is not None
                    self.error(empty, f"the choice '{value_cell.text.strip()}' has no label")
                    return None
                continue
            # an empty language cell is where a missing translation is reported
            where = empty or row[next(iter(positions.values()))]
            texts.loc = self.at(where.line, where.column, f"{path}.{kind}")
            put(choice, kind, texts, where, header[next(iter(positions.values()))])
        attributes = LocDict(self.at(first.line, first.column, f"{path}.attributes"))
        for name, position in columns["attrs"].items():
            cell = row[position]
            if cell.text.strip():
                put(attributes, name, cell.text.strip(), cell, header[position])
        if attributes:
            put(choice, "attributes", attributes, first, header[0])
        return choice


def csv_content(path: Path) -> list[list[str]]:
    """The cells of a CSV file row by row (its quoting and line ends do not count); raises
    :class:`CsvProblem` when it is not a readable CSV file."""
    text = decode(path.read_bytes())
    return [[cell.text for cell in row] for row in read_rows(text, detect_delimiter(text) or ";")]


def definitions_root(yaml_path: Path) -> Path:
    """The folder a CSV file must stay inside: the one holding popo.lock, else the YAML's."""
    lock = LockFile.find(yaml_path)
    return (lock.path.parent if lock is not None else yaml_path.parent).resolve()


def load_choice_csv(
    spec: LocDict,
    yaml_path: Path,
    list_id: str,
    diagnostics: Diagnostics,
    display: Callable[[Path], str],
) -> tuple[LocList, Path | None]:
    """The choice list that ``{csv: PATH}`` names, and the CSV file read (if any)."""
    empty = LocList(spec.loc)
    if CSV_KEY not in spec and "value" in spec:  # one choice, its '- ' forgotten
        diagnostics.error(
            spec.loc,
            f"the choice list '{list_id}' needs a list; start each choice with '- '",
            "e.g.  - {value: school, label: Schoolkeuze}",
        )
        return empty, None
    unknown = sorted(set(spec) - {CSV_KEY})
    for key in unknown:
        diagnostics.error(
            spec.key_locs[key],
            f"unknown key '{key}' in the choice list '{list_id}'",
            did_you_mean(key, [CSV_KEY])
            or "a choice list is a list of choices, or {csv: file.csv} to read them from a file",
        )
    target = spec.get(CSV_KEY)
    where = spec.location_of(CSV_KEY)
    if CSV_KEY not in spec and unknown:
        return empty, None
    if not isinstance(target, str) or not target.strip():
        diagnostics.error(where, "csv must be the path of a CSV file", "e.g. {csv: gemeenten.csv}")
        return empty, None
    folder = yaml_path.parent
    path = (folder / target).resolve()
    root = definitions_root(yaml_path)
    if not path.is_relative_to(root):
        diagnostics.error(
            where,
            f"the CSV file '{target}' is outside the definitions folder {display(root)}/",
            "put the CSV file in the definitions folder (the folder of popo.lock) or below it",
        )
        return empty, None
    if not path.is_file():
        nearby = [p.name for p in folder.glob("*.csv")]
        diagnostics.error(
            where,
            f"the CSV file '{target}' does not exist",
            did_you_mean(Path(target).name, nearby) or f"paths are relative to {display(folder)}/",
        )
        return empty, None
    name = display(path)
    if path.stat().st_size > MAX_BYTES:
        diagnostics.error(
            Location(name, 1, 1),
            f"the CSV file is larger than {MAX_BYTES // 1000} kB",
            "keep only the columns the form needs (value, label and the attributes a "
            "choice_filter uses)",
        )
        return empty, path
    choices = ChoiceCsv(diagnostics, name, list_id).read(path.read_bytes())
    return choices, path


def expand_csv_choices(
    data: Any, yaml_path: Path, assembler: Any, display: Callable[[Path], str]
) -> None:
    """Replace every ``{csv: …}`` choice list of one file's data by its rows, in place.

    Looks at the file's ``choices:`` and at ``replace:`` in its choices changes. The CSV files
    read join the assembler's ``files`` (they belong to the definition like its YAML files). A
    list that could not be read (the reason is reported) is left out and named in the
    assembler's ``unreadable_lists``, so the checker does not report its absence again."""
    if not isinstance(data, LocDict):
        return
    places: list[tuple[LocDict, str, str]] = []
    lists = data.get("choices")
    if isinstance(lists, LocDict):
        places.extend((lists, list_id, list_id) for list_id in lists)
    changes = data.get("changes")
    if isinstance(changes, LocList):
        for change in changes:
            if isinstance(change, LocDict) and "choices" in change and "replace" in change:
                places.append((change, "replace", str(change.get("choices"))))
    for holder, key, list_id in places:
        spec = holder[key]
        if not isinstance(spec, LocDict):  # a list written as a mapping can only be {csv: …}
            continue
        choices, path = load_choice_csv(spec, yaml_path, list_id, assembler.diagnostics, display)
        if path is not None:
            assembler.files.add(path)
        if choices:
            holder[key] = choices
            continue
        del holder[key]  # a replace: that cannot be read leaves the base's list as it is
        if key != "replace":
            assembler.unreadable_lists.add(list_id)
