"""Reading an OSO dossier: refuse hostile or broken input, then a model of its elements.

A dossier is read whole or not at all: any problem raises :class:`DossierError` with a message
for the person who uploaded it, and nothing of the file is used.

The model keeps every element with its path, line and text, so that an import can say exactly
which elements it carried into a form and which it did not. Values are typed when a mapping reads
them (a date element into a date field), by the helpers at the end of this module.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from lxml import etree

MAX_DOSSIER_BYTES = 64 * 1024 * 1024  # a dossier with many scanned attachments stays far below
MAX_ELEMENTS = 200_000
MAX_DEPTH = 40

NAMESPACE_PREFIX = "http://www.edustandaard.nl/oso_gegevensset/"
# The namespaces an import accepts, by the year in them, and the standaardversie each may carry.
SUPPORTED = {
    "2017": "http://www.edustandaard.nl/oso_gegevensset/2017/dossier",
    "2018": "http://www.edustandaard.nl/oso_gegevensset/2018/dossier",
    "2019": "http://www.edustandaard.nl/oso_gegevensset/2019/dossier",
}
NAMESPACE_2019 = SUPPORTED["2019"]
# Elements the 2019 standard renamed: older dossiers are read as if written in 2019, so that one
# set of mappings serves all three (support was "zorg" until 2019).
RENAMED_IN_2019 = {
    "zorg": "onderwijsondersteuning",
    "cat_zorgenbegeleiding": "cat_onderwijsondersteuning",
}


def N_(message: str) -> str:
    """Marks a message for translation (Babel extracts it); the application translates it."""
    return message


class DossierError(Exception):
    """The file is not an OSO dossier POPO can read; the message says why and what to do.

    ``message`` is an English template (msgid) and ``params`` fill it, so that the application
    can show the message in the reader's language."""

    def __init__(self, message: str, **params: object) -> None:
        self.message = message
        self.params = params
        super().__init__(message.format(**params))


@dataclass
class Element:
    name: str
    path: str  # from the dossier root, with positions where an element repeats: a/b[2]/c
    text: str
    line: int
    attributes: dict[str, str] = field(default_factory=dict)
    children: list[Element] = field(default_factory=list)

    def find(self, name: str) -> list[Element]:
        return [child for child in self.children if child.name == name]

    def walk(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def is_leaf(self) -> bool:
        return not self.children


@dataclass
class Dossier:
    namespace: str
    year: str  # 2017, 2018 or 2019
    standard_version: str  # metadata/standaardversie, e.g. 2019.1
    root: Element

    def first(self, path: str) -> Element | None:
        current: Element | None = self.root
        for step in path.split("/"):
            if current is None:
                return None
            found = current.find(step)
            current = found[0] if found else None
        return current

    def value(self, path: str) -> str | None:
        element = self.first(path)
        return element.text if element is not None and element.text else None


def read_dossier(data: bytes) -> Dossier:
    """Parse the bytes of an uploaded dossier, refusing anything but a plain OSO XML file."""
    if len(data) > MAX_DOSSIER_BYTES:
        raise DossierError(
            N_("the file is {size} MB; an OSO dossier may be at most {limit} MB"),
            size=len(data) // (1024 * 1024),
            limit=MAX_DOSSIER_BYTES // (1024 * 1024),
        )
    if not data.strip():
        raise DossierError(N_("the file is empty"))
    head = data[:4096].lstrip()
    if head.startswith(b"PK"):
        raise DossierError(
            N_("this is a ZIP file, not an OSO dossier: upload the XML file inside it")
        )
    if declares_entities(data):
        raise DossierError(
            N_(
                "the file declares a DOCTYPE or entities, which an OSO dossier never does; it is "
                "refused for safety (export the dossier again from the school administration)"
            )
        )
    try:
        root = _parse(data)
    except etree.XMLSyntaxError as exc:
        if "Excessive depth" in str(exc):
            # libxml2 stopped it first (lxml 6.2 parses a chunk before it yields its events)
            raise DossierError(
                N_("the dossier nests elements more than {limit} levels deep"), limit=MAX_DEPTH
            ) from exc
        line, column = exc.position if exc.position else (0, 0)
        raise DossierError(
            N_("this is not a well-formed XML file (line {line}, column {column}: {problem})"),
            line=line,
            column=column,
            problem=exc.msg,
        ) from None
    if root.getroottree().docinfo.doctype:
        raise DossierError(
            N_(
                "the file declares a DOCTYPE or entities, which an OSO dossier never does; it is "
                "refused for safety (export the dossier again from the school administration)"
            )
        )
    namespace = etree.QName(root).namespace or ""
    if etree.QName(root).localname != "dossier":
        raise DossierError(
            N_("the file's root element is <{name}>, not an OSO <dossier>"),
            name=etree.QName(root).localname,
        )
    year = next((y for y, ns in SUPPORTED.items() if ns == namespace), None)
    if year is None:
        if namespace.startswith(NAMESPACE_PREFIX):
            raise DossierError(
                N_(
                    "this dossier uses the OSO namespace {namespace}; POPO reads OSO 2017, 2018 "
                    "and 2019 dossiers: export it again from the school administration in a newer "
                    "version"
                ),
                namespace=namespace,
            )
        raise DossierError(
            N_("the namespace {namespace} is not an OSO dossier namespace"),
            namespace=namespace or "(none)",
        )
    renames = RENAMED_IN_2019 if year != "2019" else {}
    model = _element(root, "", 0, [0], renames)
    standard = _text_at(model, "metadata/standaardversie")
    if not standard:
        raise DossierError(N_("the dossier has no metadata/standaardversie, which OSO requires"))
    if not standard.startswith(year):
        raise DossierError(
            N_(
                "the dossier says standaardversie {version} but uses the {year} namespace; the "
                "file is inconsistent: export it again"
            ),
            version=standard,
            year=year,
        )
    return Dossier(namespace, year, standard, model)


# "<!DOCTYPE" and "<!ENTITY" as they appear in every encoding libxml2 reads: ASCII-compatible
# ones (UTF-8, ISO-8859-1, windows-1252) share the ASCII bytes; UTF-16 and UTF-32 spell them out.
_DECLARATIONS = tuple(
    word.encode(codec)
    for word in ("<!DOCTYPE", "<!ENTITY")
    for codec in ("ascii", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
)


def declares_entities(data: bytes) -> bool:
    """Whether the file declares a DOCTYPE or entities anywhere, in any encoding.

    Checked before parsing, on the raw bytes: a DOCTYPE is the only way to declare entities,
    and entity references expand even in attribute values, so a file with one is never
    parsed. (An OSO dossier never has one; the whole file is searched, not just its start.)"""
    return any(needle in data for needle in _DECLARATIONS)


def parser(**options: object) -> etree.XMLParser:
    """The one XML parser configuration for dossiers (reading and validating).

    ``huge_tree`` lifts libxml2's 10 MB limit on one text node, which a Base64 attachment of
    7.5 MB already reaches (OSO allows 25 MB per attachment and POPO 64 MB per dossier). What
    that option also lifts is kept off by other means: no DTD is loaded and no entity is
    resolved or fetched, a file that declares any is refused before parsing
    (:func:`declares_entities`), the file's size is bounded, and :func:`read_dossier` stops
    at MAX_ELEMENTS elements and MAX_DEPTH levels while it parses."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=True,
        **options,  # type: ignore[arg-type]
    )


def _parse(data: bytes) -> etree._Element:
    """Parse while counting: a file with too many elements or levels is refused as soon as it
    passes the limit, before the rest is built in memory. The parser reads the bytes, so the
    encoding the XML declaration (or a byte-order mark) names is honoured."""
    events = etree.iterparse(
        io.BytesIO(data),
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=True,
        remove_comments=True,
        remove_pis=True,
    )
    depth = 0
    count = 0
    for event, _node in events:
        if event == "end":
            depth -= 1
            continue
        depth += 1
        count += 1
        if count > MAX_ELEMENTS:
            raise DossierError(N_("the dossier has more than {limit} elements"), limit=MAX_ELEMENTS)
        if depth > MAX_DEPTH + 1:
            raise DossierError(
                N_("the dossier nests elements more than {limit} levels deep"), limit=MAX_DEPTH
            )
    root = events.root
    assert root is not None
    return root


def _element(
    node: etree._Element, path: str, depth: int, count: list[int], renames: dict[str, str]
) -> Element:
    count[0] += 1
    if count[0] > MAX_ELEMENTS:
        raise DossierError(N_("the dossier has more than {limit} elements"), limit=MAX_ELEMENTS)
    if depth > MAX_DEPTH:
        raise DossierError(
            N_("the dossier nests elements more than {limit} levels deep"), limit=MAX_DEPTH
        )
    qname = etree.QName(node)
    element = Element(
        name=renames.get(qname.localname, qname.localname),
        path=path,
        text=(node.text or "").strip(),
        line=node.sourceline or 0,
        attributes={etree.QName(k).localname: v for k, v in node.attrib.items()},
    )
    seen: dict[str, int] = {}
    children = [child for child in node if isinstance(child.tag, str)]
    totals: dict[str, int] = {}
    names = [renames.get(etree.QName(c).localname, etree.QName(c).localname) for c in children]
    for name in names:
        totals[name] = totals.get(name, 0) + 1
    for child, name in zip(children, names):
        seen[name] = seen.get(name, 0) + 1
        step = f"{name}[{seen[name]}]" if totals[name] > 1 else name
        child_path = f"{path}/{step}" if path else step
        element.children.append(_element(child, child_path, depth + 1, count, renames))
    if element.children:
        element.text = ""
    return element


def _text_at(root: Element, path: str) -> str:
    current: Element | None = root
    for step in path.split("/"):
        found = current.find(step) if current else []
        current = found[0] if found else None
    return current.text if current else ""


# ---------------------------------------------------------------- typed values


def as_date(text: str) -> date:
    return date.fromisoformat(text[:10])


def as_bool(text: str) -> bool:
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise ValueError(f"'{text}' is not a boolean")
