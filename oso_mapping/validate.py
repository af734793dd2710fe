"""Validating a dossier the official way: the XSD, then the business rules (XSLT 2.0).

Both come from the schema folder (settings.schema_dir). Without it, validation is skipped and
says so; it never pretends. A finding carries the rules' own Dutch text and where it applies.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree

from .dossier import DossierError, parser, read_dossier
from .settings import RULES_FILE, SCHEMA_FILE, schema_dir

MELDINGEN = "{http://www.edustandaard.nl/oso_gegevensset/2019/schemas/Meldingen}"


@dataclass(frozen=True)
class Finding:
    stage: str  # "read", "xsd" or "rules"
    message: str
    location: str  # line number (xsd) or the rules' XPath of the element

    def __str__(self) -> str:
        where = f" ({self.location})" if self.location else ""
        return f"[{self.stage}] {self.message}{where}"


@dataclass
class Validation:
    findings: list[Finding] = field(default_factory=list)
    skipped: str | None = None  # why official validation did not run

    @property
    def ok(self) -> bool:
        return not self.findings


def validate(data: bytes, folder: Path | None = None) -> Validation:
    """Both official stages; the rules run only on a dossier the XSD accepts."""
    try:
        read_dossier(data)
    except DossierError as exc:
        return Validation([Finding("read", str(exc), "")])
    folder = folder or schema_dir()
    if folder is None:
        return Validation(
            skipped="the official OSO schema was not found (set POPO_OSO_SCHEMA_DIR): "
            "the dossier was written but not validated"
        )
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
        Finding("xsd", dutch_xsd_message(error.message), f"regel {error.line}")
        for error in schema.error_log  # type: ignore[attr-defined]
    ]


_NAMESPACE = re.compile(r"\{[^}]*\}")
_XSD_MESSAGES = [
    (
        re.compile(
            r"^Element '(.+?)': This element is not expected\. "
            r"Expected is (?:one of )?\( (.+?) \)\.?$"
        ),
        "Element '{0}' hoort hier niet; verwacht wordt: {1}.",
    ),
    (
        re.compile(r"^Element '(.+?)': This element is not expected\.?$"),
        "Element '{0}' hoort hier niet.",
    ),
    (
        re.compile(
            r"^Element '(.+?)': Missing child element\(s\)\. "
            r"Expected is (?:one of )?\( (.+?) \)\.?$"
        ),
        "In element '{0}' ontbreekt een verplicht element: {1}.",
    ),
    (
        re.compile(
            r"^Element '(.+?)': \[facet 'pattern'\] The value '(.*?)' "
            r"is not accepted by the pattern '(.+?)'\.?$"
        ),
        "Element '{0}': de waarde '{1}' heeft niet het vereiste formaat ({2}).",
    ),
    (
        re.compile(r"^Element '(.+?)': \[facet 'minLength'\].*$"),
        "Element '{0}' is leeg; laat een leeg element weg.",
    ),
    (
        re.compile(
            r"^Element '(.+?)': '(.*?)' is not a valid value of the atomic type '(.+?)'\.?$"
        ),
        "Element '{0}': '{1}' is geen geldige waarde van het type {2}.",
    ),
    (
        re.compile(
            r"^Element '(.+?)': No matching global declaration available "
            r"for the validation root\.?$"
        ),
        "Het hoofdelement '{0}' is geen OSO 2019.1-dossier.",
    ),
]


def dutch_xsd_message(message: str) -> str:
    """libxml2 reports schema errors in English; POPO's users read Dutch. Known messages are
    translated (namespaces left out); an unknown one is shown as it is."""
    text = _NAMESPACE.sub("", message.strip())
    for pattern, dutch in _XSD_MESSAGES:
        match = pattern.match(text)
        if match:
            return dutch.format(*match.groups())
    return text


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
