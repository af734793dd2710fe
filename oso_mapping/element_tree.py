"""The OSO 2019.1 element tree: which element paths exist, which repeat, and their value types.

Read from the element tree published with the reference data (one element per line, indented by
two spaces per level, ``(choice …)`` lines grouping alternatives without adding a path step).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .layout import layout
from .settings import ELEMENT_TREE_FILE, oso_dir

_LINE = re.compile(
    r"^(?P<indent> *)(?P<name>[A-Za-z0-9_\-]+) \[(?P<min>\d+)\.\.(?P<max>\d+|n)\] : (?P<type>.*?)"
    r"\s*(?:\{codelijst (?P<codelist>\d+)\})?\s*(?:  -- .*)?$"
)
_CHOICE = re.compile(r"^(?P<indent> *)\(choice ")
_MAXLEN = re.compile(r"maxLength=(\d+)")

# Elements that the OSO business rules forbid in a transfer dossier.
FORBIDDEN_IN_TRANSFER = frozenset(
    {
        "huidigeschool/leerling/geboorteplaats",
        "huidigeschool/leerling/nationaliteit",
        "huidigeschool/leerling/geboortemaand",
        "huidigeschool/leerling/adreslijst/adres/postcode4adres",
        "huidigeschool/leerling/postcode4adres",
    }
)
FORBIDDEN_NAMES = frozenset({"geboorteplaats", "nationaliteit", "geboortemaand", "postcode4adres"})


@dataclass
class OsoElement:
    path: str
    name: str
    repeating: bool
    required: bool
    xsd_type: str
    codelist: int | None
    max_length: int | None
    children: list[str] = field(default_factory=list)

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @property
    def value_kind(self) -> str:
        """date, boolean, integer or string."""
        if "xs:date" in self.xsd_type:
            return "date"
        if "xs:boolean" in self.xsd_type:
            return "boolean"
        if "xs:integer" in self.xsd_type:
            return "integer"
        return "string"


class ElementTree:
    def __init__(self, elements: dict[str, OsoElement], source: Path) -> None:
        self.elements = elements
        self.source = source

    def get(self, path: str) -> OsoElement | None:
        return self.elements.get(path)

    def children_of(self, path: str) -> list[str]:
        element = self.elements.get(path)
        return element.children if element else []

    def is_exported(self, path: str) -> bool:
        """Whether POPO writes this element when it exports a dossier (layout.py)."""
        return path in layout()

    def is_forbidden(self, path: str) -> bool:
        return any(step in FORBIDDEN_NAMES for step in path.split("/"))

    @classmethod
    def parse(cls, path: Path) -> ElementTree:
        elements: dict[str, OsoElement] = {}
        stack: list[tuple[int, str]] = []  # (indent, path); choice lines push the parent path
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.lstrip().startswith("@"):
                continue
            choice = _CHOICE.match(line)
            if choice:
                indent = len(choice.group("indent"))
                while stack and stack[-1][0] >= indent:
                    stack.pop()
                stack.append((indent, stack[-1][1] if stack else ""))
                continue
            match = _LINE.match(line)
            if not match:
                continue
            indent = len(match.group("indent"))
            while stack and stack[-1][0] >= indent:
                stack.pop()
            parent = stack[-1][1] if stack else ""
            name = match.group("name")
            if not parent and name == "dossier":
                stack.append((indent, ""))
                continue
            full = f"{parent}/{name}" if parent else name
            max_length = _MAXLEN.search(match.group("type"))
            elements[full] = OsoElement(
                path=full,
                name=name,
                repeating=match.group("max") == "n",
                required=match.group("min") != "0",
                xsd_type=match.group("type").strip(),
                codelist=int(match.group("codelist")) if match.group("codelist") else None,
                max_length=int(max_length.group(1)) if max_length else None,
            )
            if parent in elements:
                elements[parent].children.append(full)
            stack.append((indent, full))
        return cls(elements, path)


@lru_cache(maxsize=4)
def load_element_tree(path: Path | None = None) -> ElementTree | None:
    """The element tree from ``path`` or from the configured OSO folder; None when absent."""
    if path is None:
        folder = oso_dir()
        if folder is None:
            return None
        path = folder / ELEMENT_TREE_FILE
    if not path.exists():
        return None
    return ElementTree.parse(path)
