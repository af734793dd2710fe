"""Safe YAML loading that keeps the line and column of every node.

Definitions are YAML written by people, so the loader is strict where PyYAML is lenient:

* only ``true``/``false`` are booleans (``yes``, ``no``, ``on`` stay strings: a choice value
  ``no`` must not turn into ``False``);
* duplicate keys are errors (PyYAML keeps the last one silently);
* custom tags (``!!python/object`` and friends) are refused;
* aliases (``*name``) are refused, which rules out "billion laughs" alias bombs; reuse is done with
  fragments and ``extends`` instead;
* documents over :data:`MAX_BYTES`, deeper than :data:`MAX_DEPTH` or with more than
  :data:`MAX_NODES` nodes are refused with a message.

The result is plain Python data in which mappings are :class:`LocDict` and sequences
:class:`LocList`; both remember where they and their children were written, so later stages can
point at the author's text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from .errors import DefinitionError, Diagnostic, Location

MAX_BYTES = 1_000_000
MAX_NODES = 200_000
MAX_DEPTH = 64

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
# first characters with which a plain scalar may be something other than text
_SPECIAL_STARTS = frozenset("0123456789+-.~<=")
_SPECIAL_WORDS = frozenset({"true", "false", "null", "Null", "NULL"})
_BAD_KEY = "\x00"  # stands in for a key that was reported as invalid
_ALLOWED_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}


class LocDict(dict[str, Any]):
    """A mapping that knows where it and each of its values were written.

    ``key_locs`` and ``value_locs`` give the place of each key and of its value, ``exact`` the
    keys whose value is a single-line scalar (offsets inside it map to exact columns). A
    mapping read from YAML makes them when they are first asked for: most mappings of a valid
    definition are never asked where they were written."""

    __slots__ = ("_exact", "_key_locs", "_places", "_value_locs", "loc")

    def __init__(self, loc: Location) -> None:  # empty: dict.__init__ would add nothing
        self.loc = loc
        self._places: list[Any] | None = None
        self._key_locs: dict[str, Location] = {}
        self._value_locs: dict[str, Location] = {}
        self._exact: set[str] = set()

    @classmethod
    def _read(cls, loc: Location, places: list[Any]) -> LocDict:
        """A mapping being read from YAML: ``places`` starts with the file and the start of its
        keys' paths, then one entry per key (see :meth:`_make_locations`)."""
        mapping = cls.__new__(cls)
        mapping.loc = loc
        mapping._places = places
        return mapping

    def _make_locations(self) -> None:
        places = self._places
        assert places is not None
        self._places = None
        (file, prefix), *entries = places
        make = tuple.__new__  # Location(...) without the Python-level __new__
        key_locs: dict[str, Location] = {}
        value_locs: dict[str, Location] = {}
        exact: set[str] = set()
        # key, its line and column, and its value's: a located container's own place, or a
        # scalar's line and column and whether it is exact
        for key, key_line, key_column, value_loc, line, column, is_exact in entries:
            path = prefix + key
            key_locs[key] = make(Location, (file, key_line, key_column, path))
            if value_loc is None:
                value_loc = make(Location, (file, line, column, path))
                if is_exact:
                    exact.add(key)
            value_locs[key] = value_loc
        self._key_locs, self._value_locs, self._exact = key_locs, value_locs, exact

    @property
    def key_locs(self) -> dict[str, Location]:
        if self._places is not None:
            self._make_locations()
        return self._key_locs

    @key_locs.setter
    def key_locs(self, value: dict[str, Location]) -> None:
        if self._places is not None:
            self._make_locations()
        self._key_locs = value

    @property
    def value_locs(self) -> dict[str, Location]:
        if self._places is not None:
            self._make_locations()
        return self._value_locs

    @value_locs.setter
    def value_locs(self, value: dict[str, Location]) -> None:
        if self._places is not None:
            self._make_locations()
        self._value_locs = value

    @property
    def exact(self) -> set[str]:
        if self._places is not None:
            self._make_locations()
        return self._exact

    @exact.setter
    def exact(self, value: set[str]) -> None:
        if self._places is not None:
            self._make_locations()
        self._exact = value

    def location_of(self, key: str) -> Location:
        if self._places is not None:
            self._make_locations()
        return self._value_locs.get(key) or self._key_locs.get(key) or self.loc


class LocList(list[Any]):
    """A sequence that knows where it and each of its items were written."""

    __slots__ = ("item_locs", "loc")

    def __init__(self, loc: Location) -> None:  # empty: list.__init__ would add nothing
        self.loc = loc
        self.item_locs: list[Location] = []

    def location_of(self, index: int) -> Location:
        if 0 <= index < len(self.item_locs):
            return self.item_locs[index]
        return self.loc


class _StrictResolver(Resolver):
    """YAML 1.2-like implicit typing: only true/false are booleans."""


_StrictResolver.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in Resolver.yaml_implicit_resolvers.items()
}
_StrictResolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf")
)


class _LoadRefused(Exception):
    def __init__(self, message: str, hint: str, mark: Any = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.mark = mark


class _PyParser(Reader, Scanner, Parser, _StrictResolver):
    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        _StrictResolver.__init__(self)


try:  # LibYAML scans and parses about ten times faster than pure Python
    from yaml._yaml import CParser

    class _CParser(CParser, _StrictResolver):
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _StrictResolver.__init__(self)

    _Parser: type = _CParser
except ImportError:  # pragma: no cover - PyYAML built without LibYAML
    _Parser = _PyParser

_CONSTRUCTOR = SafeConstructor()


def _scalar_value(tag: str, value: str) -> Any:
    if tag == _STR:
        return value
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool":
        return value == "true"
    if tag == _INT and value.isdigit() and value.isascii() and (value[0] != "0" or value == "0"):
        return int(value)  # a plain decimal number: what the constructor would make of it
    return _CONSTRUCTOR.construct_object(ScalarNode(tag, value), deep=True)


class _Builder:
    """Builds located data straight from the parser's events, with the loader's guards.

    No YAML node graph is made: one pass, no recursion (so no depth can overflow the stack),
    and an alias is refused the moment it appears.
    """

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Diagnostic] = []

    def build(self, parser: Any) -> Any:
        # The hot loop of loading (see benchmarks/engine.py): the open container's state is
        # held in local variables, the enclosing ones' on a stack of tuples, and the common
        # steps are inlined. A mapping's places are kept as numbers (LocDict._read); a list's
        # items get their Location at once.
        file = self.file
        make = tuple.__new__  # Location(...) without the Python-level __new__
        read_mapping = LocDict._read
        problems = self.problems
        resolve = parser.resolve
        get_event = parser.get_event
        # the enclosing containers' states, one tuple for each open container
        stack: list[tuple[Any, ...]] = []
        push, pop = stack.append, stack.pop
        # the open mapping or sequence (None: at the top), and its state
        container: Any = None
        in_list = False
        path = ""  # its YAML path
        prefix = ""  # the start of its keys' paths
        places: Any = None  # a mapping's places of its keys and values (LocDict._read)
        key: str | None = None  # the key whose value comes next in a mapping
        named: str | None = None  # the last key that was a plain name
        key_line = key_column = 0  # where that key was written
        repeated: Location | None = None  # where a key of this mapping first came again
        root: Any = None
        nodes = 0
        documents = 0
        while True:
            event = get_event()
            kind = type(event)
            if kind is ScalarEvent:
                nodes += 1
                value: Any = event.value
                tag = event.tag
                mark = event.start_mark
                if tag is None or tag == "!":
                    if (
                        event.implicit[0]
                        and value
                        and value[0] not in _SPECIAL_STARTS
                        and value not in _SPECIAL_WORDS
                    ):
                        tag = _STR
                    elif (
                        event.implicit[0]
                        and value.isdigit()
                        and value.isascii()
                        and (value[0] != "0" or value == "0")
                    ):
                        tag = _INT  # a plain decimal number, as the resolver would say
                    else:
                        tag = resolve(ScalarNode, value, event.implicit)
                elif tag not in _ALLOWED_TAGS:
                    problems.append(self.tag_problem(tag, mark, ""))
                if tag != _STR:
                    value = _scalar_value(tag, value) if tag in _ALLOWED_TAGS else None
                if container is None:
                    root = value
                    continue
                if in_list:
                    container.item_locs.append(
                        make(
                            Location,
                            (file, mark.line + 1, mark.column + 1, f"{path}[{len(container)}]"),
                        )
                    )
                    container.append(value)
                    continue
                if key is None:  # this scalar is a key
                    if type(value) is not str and (
                        value is None or not isinstance(value, str | int | float | bool)
                    ):
                        problems.append(
                            Diagnostic(
                                Location(file, mark.line + 1, mark.column + 1, path),
                                "a mapping key must be a plain name",
                            )
                        )
                        key = _BAD_KEY
                        continue
                    key = named = str(value)
                    key_line = mark.line + 1
                    key_column = mark.column + 1
                    continue
                style = event.style
                column = mark.column + 1
                if style == "'" or style == '"':
                    column += 1
                    exact = (
                        mark.line == event.end_mark.line
                        and "\\" not in event.value
                        and "'" not in event.value
                    )
                else:
                    exact = not style and mark.line == event.end_mark.line
                if key is not _BAD_KEY:
                    assert named is not None
                    if key in container:
                        repeated = self.repeated_key(
                            places,
                            key,
                            make(Location, (file, key_line, key_column, prefix + key)),
                            path,
                            repeated,
                        )
                    else:
                        container[key] = value
                        places.append(
                            (key, key_line, key_column, None, mark.line + 1, column, exact)
                        )
                key = None
                continue
            if kind is MappingEndEvent or kind is SequenceEndEvent:
                done = container
                (
                    container,
                    in_list,
                    path,
                    prefix,
                    places,
                    key,
                    named,
                    key_line,
                    key_column,
                    repeated,
                ) = pop()
                if container is None:
                    root = done
                elif in_list:
                    container.append(done)
                    container.item_locs.append(done.loc)
                elif key is not None:
                    if key is not _BAD_KEY:
                        assert named is not None
                        if key in container:
                            repeated = self.repeated_key(
                                places,
                                key,
                                make(Location, (file, key_line, key_column, prefix + key)),
                                path,
                                repeated,
                            )
                        else:
                            container[key] = done
                            places.append((key, key_line, key_column, done.loc, 0, 0, False))
                    key = None
                continue
            if kind is MappingStartEvent or kind is SequenceStartEvent:
                nodes += 1
                mark = event.start_mark
                if len(stack) >= MAX_DEPTH:
                    raise _LoadRefused(
                        f"the document nests deeper than {MAX_DEPTH} levels",
                        "flatten the structure",
                        mark,
                    )
                if container is None:
                    inner = ""
                elif in_list:
                    inner = f"{path}[{len(container)}]"
                elif key is None:
                    problems.append(
                        Diagnostic(
                            Location(file, mark.line + 1, mark.column + 1, path),
                            "a mapping key must be a plain name",
                            "write keys as simple words, e.g. 'label:'",
                        )
                    )
                    key = _BAD_KEY
                    inner = path
                else:
                    assert named is not None
                    inner = prefix + named
                if event.tag is not None and event.tag not in _ALLOWED_TAGS:
                    problems.append(self.tag_problem(event.tag, mark, inner))
                push(
                    (
                        container,
                        in_list,
                        path,
                        prefix,
                        places,
                        key,
                        named,
                        key_line,
                        key_column,
                        repeated,
                    )
                )
                location = make(Location, (file, mark.line + 1, mark.column + 1, inner))
                path = inner
                prefix = f"{inner}." if inner else ""
                if kind is MappingStartEvent:
                    places = [(file, prefix)]
                    container = read_mapping(location, places)
                    in_list = False
                else:
                    places = None
                    container = LocList(location)
                    in_list = True
                key = named = repeated = None
                continue
            if kind is StreamEndEvent:
                break
            if kind is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise _LoadRefused(
                        "a definition file holds one YAML document",
                        "remove the '---' separator and what follows, or split the file",
                        event.start_mark,
                    )
                continue
            if kind is AliasEvent:
                raise _LoadRefused(
                    "YAML aliases (*name) are not allowed in definitions",
                    "write the value out, or share it with a fragment (include:) or extends:",
                    event.start_mark,
                )
            if nodes > MAX_NODES:
                raise _LoadRefused(
                    f"the document has more than {MAX_NODES} nodes",
                    "split the definition into fragments",
                    event.start_mark,
                )
        if nodes > MAX_NODES:
            raise _LoadRefused(
                f"the document has more than {MAX_NODES} nodes",
                "split the definition into fragments",
            )
        return root

    def tag_problem(self, tag: str, mark: Any, path: str) -> Diagnostic:
        return Diagnostic(
            Location(self.file, mark.line + 1, mark.column + 1, path),
            f"the YAML tag '{tag}' is not allowed",
            "remove the tag; definitions use plain YAML values only",
        )

    def repeated_key(
        self,
        places: Any,
        key: str,
        key_loc: Location,
        path: str,
        repeated: Location | None,
    ) -> Location | None:
        """Report ``key`` written again (at ``key_loc``) in the mapping at ``path``, whose
        ``places`` tell where it came first; returns where a key of this mapping first came
        again."""
        first_line = next(entry[1] for entry in places[1:] if entry[0] == key)
        hint = f"remove one of them (the first is at line {first_line})"
        if path.endswith("]"):  # a list item: likely the next item's '- ' is missing
            again = repeated = repeated or key_loc
            name = again.yaml_path.rpartition(".")[2]
            hint = (
                f"did you forget '- ' before '{name}' at line {again.line}? each list item "
                f"starts with '- '; else {hint}"
            )
        self.problems.append(
            Diagnostic(key_loc, f"the key '{key}' appears twice in this mapping", hint)
        )
        return repeated


def load_text(text: str, file: str) -> Any:
    """Parse YAML text into located data; raises :class:`DefinitionError` with all problems."""
    if len(text.encode("utf-8", errors="replace")) > MAX_BYTES:
        raise DefinitionError(
            [
                Diagnostic(
                    Location(file, 1, 1),
                    f"the file is larger than {MAX_BYTES // 1000} kB",
                    "split the definition into fragments",
                )
            ]
        )
    builder = _Builder(file)
    parser = _Parser(text)
    try:
        data = builder.build(parser)
    except _LoadRefused as refused:
        mark = refused.mark
        loc = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file, 1, 1)
        raise DefinitionError([Diagnostic(loc, refused.message, refused.hint)]) from None
    except yaml.MarkedYAMLError as exc:
        raise DefinitionError([syntax_diagnostic(text, file, exc)]) from None
    except yaml.YAMLError as exc:
        raise DefinitionError([Diagnostic(Location(file, 1, 1), f"YAML error: {exc}")]) from None
    except (ValueError, TypeError) as exc:  # a scalar that its tag cannot hold
        raise DefinitionError(
            [Diagnostic(Location(file, 1, 1), f"invalid YAML value: {exc}")]
        ) from None
    if builder.problems:
        raise LoadedWithProblems(builder.problems, data)
    return data


class LoadedWithProblems(DefinitionError):
    """The file parsed, but with problems (such as a repeated key); ``data`` is what was read,
    for callers that only need a part of it (a scenario file's form:)."""

    def __init__(self, diagnostics: Iterable[Diagnostic], data: Any) -> None:
        super().__init__(diagnostics)
        self.data = data


def read_text(path: Path, name: str) -> str:
    """The text of a definition file, refused with a message when too large or not UTF-8."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DefinitionError(
            [Diagnostic(Location(name), f"cannot read the file: {exc.strerror}")]
        ) from None
    if size > MAX_BYTES:
        raise DefinitionError(
            [
                Diagnostic(
                    Location(name, 1, 1),
                    f"the file is larger than {MAX_BYTES // 1000} kB",
                    "split the definition into fragments",
                )
            ]
        )
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DefinitionError(
            [
                Diagnostic(
                    Location(name, 1, 1),
                    f"the file is not valid UTF-8 (byte {exc.start})",
                    "save the file as UTF-8",
                )
            ]
        ) from None


def load_file(path: Path | str, display_name: str | None = None) -> Any:
    """Read and parse one YAML file (see :func:`load_text`)."""
    path = Path(path)
    name = display_name or str(path)
    return load_text(read_text(path, name), name)


# ---------------------------------------------------------------------- syntax errors

_KEY_AT_START = re.compile(r"\s*(?:-\s+)?([^\s:#'\"{}\[\],][^:#]*?):(?:\s|$)")
# characters with which a text cannot start unquoted, in the author's words
_INDICATOR_NAMES = {
    "?": "a question mark",
    "@": "'@'",
    "`": "a backtick",
    "%": "'%'",
    "*": "'*'",
    "&": "'&'",
    "|": "'|'",
    ">": "'>'",
    "!": "'!'",
    "-": "a dash and a space",
    ",": "a comma",
    "[": "'['",
    "]": "']'",
    "{": "'{'",
    "}": "'}'",
}
_STARTS_A_VALUE = (
    "mapping keys are not allowed",
    "found character that cannot start any token",
    "while scanning an alias",
    "while scanning an anchor",
    "while scanning a block scalar",
    "block sequence entries are not allowed",
)


class _Marked:
    """A place in the text: 0-based line and column, and the text of that line."""

    def __init__(self, lines: list[str], mark: Any) -> None:
        self.line = min(mark.line, len(lines) - 1) if mark is not None else 0
        self.column = mark.column if mark is not None else 0
        self.source = lines[self.line] if lines else ""
        if mark is not None and mark.line >= len(lines):  # the end of the text
            self.column = len(self.source)


def syntax_diagnostic(text: str, file: str, exc: yaml.MarkedYAMLError) -> Diagnostic:
    """A YAML syntax error explained for an author: the line, a caret under the place and a
    hint about the usual cause (a tab, a missing dash, an unquoted colon or indicator, an
    unclosed quote or bracket, an indentation slip)."""
    lines = text.splitlines() or [""]
    problem = exc.problem or ""
    context = exc.context or ""
    at = _Marked(lines, exc.problem_mark or exc.context_mark)
    opened = _Marked(lines, exc.context_mark) if exc.context_mark is not None else at
    message, hint, place = _explain_syntax(problem, context, at, opened, lines)
    source = place.source.replace("\t", " ")  # one column per character, so the caret fits
    return Diagnostic(
        Location(file, place.line + 1, place.column + 1),
        message,
        hint,
        expression=source.rstrip(),
        offset=min(place.column, len(source.rstrip())),
    )


def _explain_syntax(
    problem: str, context: str, at: _Marked, opened: _Marked, lines: list[str]
) -> tuple[str, str, _Marked]:
    indent = at.source[: len(at.source) - len(at.source.lstrip())]
    if "tab" in problem or "\t" in indent or at.source[at.column : at.column + 1] == "\t":
        if "\t" in at.source:
            at.column = at.source.index("\t")
        return (
            "a tab is used for indentation",
            "YAML indents with spaces only: replace the tab by spaces "
            "(most editors can show tabs and turn them into spaces)",
            at,
        )
    if "while scanning a quoted scalar" in context:
        quote = opened.source[opened.column : opened.column + 1] or '"'
        return (
            "this quote is never closed",
            f"end the text with {quote} on the same line"
            + (" (write '' for a ' inside the text)" if quote == "'" else ""),
            opened,
        )
    if "flow mapping" in context or "flow sequence" in context:
        bracket, closing = ("{", "}") if "mapping" in context else ("[", "]")
        if at.line > opened.line:
            return (
                f"this '{bracket}' is not closed",
                f"close it with '{closing}' on the same line; put texts that contain "
                ", : # or brackets in quotes",
                opened,
            )
        return (
            f"unexpected text inside {bracket} {closing}",
            f"inside {bracket} {closing}, put texts that contain ? : , # or brackets in quotes, "
            'e.g. {nl: "2 cijfers, zoals 12AB", en: "…"}',
            at,
        )
    key = _key_of(at.source)
    if "mapping values are not allowed" in problem:
        first_colon = _first_colon(at.source)
        if first_colon is not None and at.column > first_colon and key:
            value = at.source[first_colon + 1 :].strip()
            return (
                f"the text after '{key}:' contains ': '",
                f"put the whole text in quotes: {key}: {_quoted(value)}",
                at,
            )
        above = _line_above(lines, at.line)
        at.column = len(indent)
        return (
            "this line is indented further than the line above",
            "keys of one mapping start in the same column"
            + (
                f"; line {above + 1} ('{lines[above].strip()}') already has a value, so this "
                "line cannot be inside it"
                if above is not None
                else ""
            ),
            at,
        )
    if "expected '-' indicator" in problem:
        return (
            "a dash is missing: this line is not an item of the list that starts at line "
            f"{opened.line + 1}",
            "start every item of a list with '- ' "
            f"(e.g. '- {at.source.strip()}'), or indent the line like the keys of the item above",
            at,
        )
    if any(part in problem or part in context for part in _STARTS_A_VALUE):
        start = opened if context.startswith("while scanning a") and "token" not in context else at
        char = start.source[start.column : start.column + 1]
        name = _INDICATOR_NAMES.get(char)
        if name:
            value = _quoted(start.source[start.column :].strip())
            example = f"{key}: {value}" if key else value
            extra = " or start the list on a new line" if char == "-" else ""
            return (
                f"a text cannot start with {name} unless it is in quotes",
                f"put the whole text in quotes: {example}{extra}",
                start,
            )
    if "did not find expected key" in problem:
        before = at.source[: at.column].rstrip()
        if before.endswith(('"', "'")) and key:
            value = at.source[(_first_colon(at.source) or 0) + 1 :].strip()
            return (
                "text follows the closing quote",
                "a quoted text ends at its closing quote: quote the whole text, "
                f"e.g. {key}: {_quoted(value)}",
                at,
            )
        return (
            "this line does not fit the mapping above it",
            "check the indentation: keys of one mapping start in the same column",
            at,
        )
    if "could not find expected ':'" in problem:
        return (
            "a key without ':'",
            "end each key with ':'; a text that goes on over more lines must be in quotes",
            opened,
        )
    return (
        f"YAML syntax error: {problem or context or 'invalid YAML'}",
        "check the indentation and quoting around this place",
        at,
    )


def _quoted(value: str) -> str:
    """``value`` as a quoted YAML text, in double quotes unless it holds one."""
    if '"' not in value and "\\" not in value:
        return f'"{value}"'
    return "'" + value.replace("'", "''") + "'"


def _key_of(line: str) -> str:
    found = _KEY_AT_START.match(line)
    return found.group(1).strip() if found else ""


def _first_colon(line: str) -> int | None:
    found = _KEY_AT_START.match(line)
    return found.end(1) if found else None


def _line_above(lines: list[str], line: int) -> int | None:
    for index in range(line - 1, -1, -1):
        stripped = lines[index].strip()
        if stripped and not stripped.startswith("#"):
            return index
    return None


def to_plain(value: Any) -> Any:
    """Strip location wrappers (for hashing and serialising)."""
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    return value
