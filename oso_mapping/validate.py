"""Validating a dossier the official way: the XSD, then the business rules (XSLT 2.0).

Both come from the schema folder (settings.schema_dir). Without it, validation is skipped and
says so; it never pretends. A finding carries the rules' own Dutch text and where it applies.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree

from .dossier import N_, DossierError, parser, read_dossier
from .settings import RULES_FILE, SCHEMA_FILE, schema_dir

MELDINGEN = "{http://www.edustandaard.nl/oso_gegevensset/2019/schemas/Meldingen}"


Translate = Callable[[str], str]
LINE = N_("line {line}")
SKIPPED = N_(
    "the official OSO schema was not found (set POPO_OSO_SCHEMA_DIR): the dossier was written "
    "but not validated"
)


def _same(message: str) -> str:
    return message


@dataclass(frozen=True)
class Finding:
    """One problem the validation found.

    For the stages "read" and "xsd", ``message`` is an English template (a msgid, marked for
    Babel) filled from ``params``: :meth:`text` gives it in the reader's language. For "rules" it
    is the business rules' own text, which Edustandaard publishes in Dutch only."""

    stage: str  # "read", "xsd" or "rules"
    message: str
    location: str = ""  # the rules' XPath of the element
    params: dict[str, Any] = field(default_factory=dict)
    line: int | None = None  # the line in the file (xsd)

    def text(self, translate: Translate = _same) -> str:
        if self.stage == "rules":
            return self.message
        return translate(self.message).format(**self.params)

    def where(self, translate: Translate = _same) -> str:
        return translate(LINE).format(line=self.line) if self.line else self.location

    def describe(self, translate: Translate = _same) -> str:
        where = self.where(translate)
        return f"[{self.stage}] {self.text(translate)}" + (f" ({where})" if where else "")

    def __str__(self) -> str:
        return self.describe()


@dataclass
class Validation:
    findings: list[Finding] = field(default_factory=list)
    skipped: str | None = None  # why official validation did not run (an English msgid)

    @property
    def ok(self) -> bool:
        return not self.findings


def validate(data: bytes, folder: Path | None = None) -> Validation:
    """Both official stages; the rules run only on a dossier the XSD accepts."""
    try:
        read_dossier(data)
    except DossierError as exc:
        return Validation([Finding("read", exc.message, params=exc.params)])
    folder = folder or schema_dir()
    if folder is None:
        return Validation(skipped=SKIPPED)
    findings = xsd_findings(data, folder)
    if not findings:
        findings = rule_findings(data, folder)
    return Validation(findings)


@lru_cache(maxsize=2)
def _schema(folder: Path) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(folder / SCHEMA_FILE), parser))


def xsd_findings(data: bytes, folder: Path) -> list[Finding]:
    schema = _schema(folder)
    document = etree.fromstring(data, parser()).getroottree()
    if schema.validate(document):
        return []
    return [
        Finding("xsd", template, params=params, line=error.line)
        for error in schema.error_log  # type: ignore[attr-defined]
        for template, params in [xsd_message(error.message)]
    ]


_NAMESPACE = re.compile(r"\{[^}]*\}")
# libxml2's English schema messages, rewritten for the people who read them (namespaces left out)
_XSD_MESSAGES = [
    (
        re.compile(
            r"^Element '(?P<element>.+?)': This element is not expected\. "
            r"Expected is (?:one of )?\( (?P<expected>.+?) \)\.?$"
        ),
        N_("Element '{element}' does not belong here; expected: {expected}."),
    ),
    (
        re.compile(r"^Element '(?P<element>.+?)': This element is not expected\.?$"),
        N_("Element '{element}' does not belong here."),
    ),
    (
        re.compile(
            r"^Element '(?P<element>.+?)': Missing child element\(s\)\. "
            r"Expected is (?:one of )?\( (?P<expected>.+?) \)\.?$"
        ),
        N_("Element '{element}' lacks a required element: {expected}."),
    ),
    (
        re.compile(
            r"^Element '(?P<element>.+?)': \[facet 'pattern'\] The value '(?P<value>.*?)' "
            r"is not accepted by the pattern '(?P<pattern>.+?)'\.?$"
        ),
        N_("Element '{element}': the value '{value}' does not have the required form ({pattern})."),
    ),
    (
        re.compile(r"^Element '(?P<element>.+?)': \[facet 'minLength'\].*$"),
        N_("Element '{element}' is empty; leave an empty element out."),
    ),
    (
        re.compile(
            r"^Element '(?P<element>.+?)': '(?P<value>.*?)' is not a valid value of the atomic "
            r"type '(?P<type>.+?)'\.?$"
        ),
        N_("Element '{element}': '{value}' is not a valid value of the type {type}."),
    ),
    (
        re.compile(
            r"^Element '(?P<element>.+?)': No matching global declaration available "
            r"for the validation root\.?$"
        ),
        N_("The root element '{element}' is not an OSO 2019.1 dossier."),
    ),
]
UNKNOWN_XSD = N_("The schema reports (in English): {problem}")


def xsd_message(message: str) -> tuple[str, dict[str, str]]:
    """A libxml2 schema message as a translatable template and its values; a message POPO does
    not know is passed on as libxml2 worded it."""
    text = _NAMESPACE.sub("", message.strip())
    for pattern, template in _XSD_MESSAGES:
        match = pattern.match(text)
        if match:
            return template, match.groupdict()
    return UNKNOWN_XSD, {"problem": text}


_RULES_LOCK = threading.Lock()


class _Rules:
    """The compiled business rules; Saxon's processor is kept for the life of the process."""

    def __init__(self, folder: Path) -> None:
        from saxonche import PySaxonProcessor

        self.processor: Any = PySaxonProcessor(license=False)
        compiler = self.processor.new_xslt30_processor()
        self.executable: Any = compiler.compile_stylesheet(stylesheet_file=str(folder / RULES_FILE))

    def run(self, data: bytes) -> str:
        # Saxon takes text: the dossier as lxml read it (in the encoding it declares), as UTF-8
        text = etree.tostring(etree.fromstring(data, parser()), encoding="unicode")
        document = self.processor.parse_xml(xml_text=text)
        return str(self.executable.transform_to_string(xdm_node=document))


@lru_cache(maxsize=2)
def _rules(folder: Path) -> _Rules:
    return _Rules(folder)


def rule_findings(data: bytes, folder: Path) -> list[Finding]:
    with _RULES_LOCK:
        output = _rules(folder).run(data)
    result = etree.fromstring(output.encode("utf-8"))
    findings = []
    for melding in result.iter(f"{MELDINGEN}melding"):
        text = " ".join((melding.findtext(f"{MELDINGEN}tekst") or "").split())
        location = " ".join((melding.findtext(f"{MELDINGEN}locatie") or "").split())
        findings.append(Finding("rules", text, location))
    return findings
