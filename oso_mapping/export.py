"""Writing an OSO 2019.1 ``overstapdossier`` (profile POPO) from a submitted form.

The answers give what the form's ``oso`` mappings cover; the rest of what OSO requires comes from
:class:`ExportContext` (who writes the dossier, the school) and from fixed choices documented in
docs/oso.md (the categories, the transfer kind). Elements are written in the schema's order (see
layout.py); empty values are left out, never written as empty elements.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from lxml import etree

from engine.compiler import CompiledForm
from engine.evaluate import FormState, evaluate

from .attachments import File, pack
from .dossier import NAMESPACE_2019
from .layout import layout
from .mapping import Binding, Step, bindings

STANDARD_VERSION = "2019.1"
VALIDATION_VERSION = "2019.1.1"

# categorie_uitlevering: what a POPO transfer dossier always holds, and what it never holds.
REQUIRED_CATEGORIES = (
    "metadata", "ouderinzage", "school", "leerling", "oudersverzorgers", "schoolloopbaan",
    "overstapadvies",
)  # fmt: skip
FORBIDDEN_CATEGORIES = ("vombo",)
CATEGORIES = (
    "metadata", "ouderinzage", "school", "leerling", "oudersverzorgers", "vve", "schoolloopbaan",
    "overstapadvies", "onderwijsondersteuning", "verzuim", "eindtoetsbo", "toetsresultaten",
    "handelingsplannen", "cijferlijsten", "vombo", "bijlagedocs",
)  # fmt: skip


@dataclass
class School:
    """The sending school as the register knows it (DUO); used where the form holds less."""

    name: str | None = None
    brin: str | None = None
    location: str | None = None  # vestigingscode
    street: str | None = None
    house_number: str | None = None
    postcode: str | None = None
    city: str | None = None
    municipality: str | None = None
    phone: str | None = None
    website: str | None = None


@dataclass
class ExportContext:
    package_version: str
    today: date
    school: School = field(default_factory=School)
    delivery_point: str = "1"  # aanleverpunt: POPO delivers each school's dossiers as one point
    read_file: Callable[[dict[str, Any]], bytes | None] = lambda meta: None


@dataclass
class Export:
    xml: bytes
    not_exported: list[str] = field(default_factory=list)  # mapped paths POPO cannot write


class _Node:
    def __init__(self, name: str, path: str) -> None:
        self.name = name
        self.path = path  # without positions
        self.text: str | None = None
        self.children: list[_Node] = []

    def child(
        self, name: str, position: int | None = None, new: bool = False, soort: str | None = None
    ) -> _Node:
        """The child at ``position`` (1-based) among those named ``name`` (and, for a
        communicatie, of that ``soort``), made when it is not there yet."""
        same = [c for c in self.children if c.name == name and (soort is None or c.soort == soort)]
        wanted = position or (len(same) + 1 if new else 1)
        while len(same) < wanted:
            node = _Node(name, f"{self.path}/{name}" if self.path else name)
            if soort is not None:
                node.child("soort").text = soort
            self.children.append(node)
            same.append(node)
        return same[wanted - 1]

    @property
    def soort(self) -> str | None:
        return next((c.text for c in self.children if c.name == "soort"), None)

    def has_content(self) -> bool:
        return bool(self.text) or any(c.has_content() for c in self.children)


def export_dossier(form: CompiledForm, answers: dict[str, Any], context: ExportContext) -> Export:
    state = evaluate(form, answers, context.today)
    root = _Node("dossier", "")
    writer = _Writer(state, context)
    writer.write(root, bindings(form), "")
    _complete(root, context)
    return Export(_serialise(root), writer.not_exported)


class _Writer:
    def __init__(self, state: FormState, context: ExportContext) -> None:
        self.state = state
        self.context = context
        self.not_exported: list[str] = []

    def write(self, start: _Node, items: list[Binding], prefix: str) -> None:
        for binding in items:
            if binding.kind == "group":
                self.group(start, binding, prefix)
                continue
            key = prefix + binding.key
            if not self.state.visible.get(key, False):
                continue
            value = self.state.value.get(key)
            if value is None or value == "" or value == []:
                continue
            if not self.allowed(start, binding.steps):
                continue
            values = _texts(binding, value)
            parent = self.walk(start, binding.steps[:-1])
            last = binding.steps[-1]
            if len(values) > 1:
                for text in values:
                    parent.child(last.name, new=True).text = text
            else:
                node = parent.child(last.name, last.position)
                node.text = values[0]
                _fill_required_sibling(parent, binding)

    def group(self, start: _Node, binding: Binding, prefix: str) -> None:
        count = _row_count(self.state, prefix + binding.key)
        if not count or not self.allowed(start, binding.steps):
            return
        parent = self.walk(start, binding.steps[:-1])
        for index in range(count):
            row_prefix = f"{prefix}{binding.key}[{index}]."
            node = parent.child(binding.steps[-1].name, new=True)
            self.write(node, binding.children, row_prefix)
            if binding.file_field and not self.document(node, row_prefix + binding.file_field):
                parent.children.remove(node)  # OSO has no document without its file

    def document(self, node: _Node, key: str) -> bool:
        """Write the row's file into its OSO document; False when there is no file to write."""
        meta = self.state.value.get(key)
        items = meta if isinstance(meta, list) else [meta] if isinstance(meta, dict) else []
        for item in items[:1]:  # an OSO document holds one file
            data = self.context.read_file(item)
            if data is None:
                continue
            name = str(item.get("name") or "bijlage")
            node.child("bestandsnaam").text = name
            node.child("bestandsinhoud").text = pack(File(name, data))
            return True
        return False

    def walk(self, start: _Node, steps: tuple[Step, ...]) -> _Node:
        node = start
        for step in steps:
            node = node.child(step.name, step.position, soort=step.soort)
        return node

    def allowed(self, start: _Node, steps: tuple[Step, ...]) -> bool:
        plain = "/".join(filter(None, [start.path, *(s.name for s in steps)]))
        if plain in layout():
            return True
        if plain not in self.not_exported:
            self.not_exported.append(plain)
        return False


def _row_count(state: FormState, key: str) -> int:
    prefix = key + "["
    indexes = {
        int(k[len(prefix) :].split("]", 1)[0])
        for k, shown in state.visible.items()
        if shown and k.startswith(prefix)
    }
    return len(indexes)


def _texts(binding: Binding, value: Any) -> list[str]:
    """The element texts for one answer: a list (a multichoice) gives one element per item.

    A text field mapped to a repeating element (``voornaam``) gives one element with the text
    as typed: a person's "Jan Peter" may be one name or two, and only they know, so POPO never
    splits it (each ``voornaam`` of a dossier is one first name; the import joins them with
    spaces). A choice is written as the OSO code it is, or for an element that holds a text
    (``leergebied``) as that text: ``technisch_lezen`` as "technisch lezen"."""
    if isinstance(value, list):
        return [_choice_text(binding, _text(v)) for v in value if v not in (None, "")]
    text = _text(value)
    if binding.kind == "postcode":
        return [text.replace(" ", "")]  # OSO writes 1234AB
    if binding.kind == "choice":
        return [_choice_text(binding, text)]
    return [text]


def _choice_text(binding: Binding, value: str) -> str:
    """OSO codes never hold an underscore; a choice value with one stands for a text."""
    return value.replace("_", " ") if binding.kind in ("choice", "multichoice") else value


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value).strip()


def _fill_required_sibling(parent: _Node, binding: Binding) -> None:
    """OSO requires a kind for every address and phone number or e-mail address."""
    if parent.name == "communicatie" and binding.steps[-1].name == "nummer":
        soort = parent.child("soort")
        soort.text = soort.text or ("e-mail" if binding.kind == "email" else "telefoon")
    if parent.name == "adres":
        soort = parent.child("soortadres")
        soort.text = soort.text or "bezoek"


def _complete(root: _Node, context: ExportContext) -> None:
    """What OSO requires of every POPO transfer dossier beyond the form's answers."""
    metadata = root.child("metadata")
    for name, text in (
        ("deeldossier", "LAS"),
        ("pakketnaam", "POPO"),
        ("pakketversie", context.package_version),
        ("datum", context.today.isoformat()),
        ("standaardversie", STANDARD_VERSION),
        ("validatieversie", VALIDATION_VERSION),
        ("overstap", "POPO"),
    ):
        metadata.child(name).text = text
    categories = metadata.child("categorie_uitlevering")
    for category in CATEGORIES:
        flag = (
            "VERPLICHT"
            if category in REQUIRED_CATEGORIES
            else "VERBODEN"
            if category in FORBIDDEN_CATEGORIES
            else "OPTIONEEL"
        )
        categories.child(f"cat_{category}").text = flag
    root.child("overdrachtsoort").text = "overstapdossier"
    inzage = root.child("inzage")
    inzage.child("voorlopigdossier").text = "false"
    school = root.child("huidigeschool")
    known = context.school
    form_values: dict[str, str | None] = {}
    if known.name:
        # The register is the truth about the sending school: its name, codes, address and
        # phone all come from there, never partly from the form and partly from the register
        # (the form's value only stands in for a code the register lacks).
        form_values = {c.name: c.text for c in school.children if c.name != "leerling"}
        school.children = [c for c in school.children if c.name == "leerling"]
    for name, fallback in (
        ("naam", known.name),
        ("brincode", known.brin),
        ("vestigingscode", known.location),
        ("aanleverpunt", context.delivery_point),
        ("website", known.website),
    ):
        node = school.child(name)
        node.text = fallback or node.text or form_values.get(name)
    if not school.child("adreslijst").has_content() and known.street and known.postcode:
        address = school.child("adreslijst").child("adres")
        for name, text in (
            ("soortadres", "bezoek"),
            ("straat", known.street),
            ("nummer", known.house_number or "-"),
            ("postcode", (known.postcode or "").replace(" ", "")),
            ("plaats", known.city),
            ("gemeente", known.municipality),
        ):
            address.child(name).text = text
    if not school.child("communicatielijst").has_content() and known.phone:
        phone = school.child("communicatielijst").child("communicatie")
        phone.child("soort").text = "telefoon"
        phone.child("aanduiding").text = "werk"
        phone.child("nummer").text = known.phone
    school.child("leerling")


def _serialise(root: _Node) -> bytes:
    shape = layout()
    element = etree.Element(f"{{{NAMESPACE_2019}}}dossier", nsmap={None: NAMESPACE_2019})

    def add(parent: etree._Element, node: _Node) -> None:
        for name in shape.children.get(node.path, []):  # blocks required even when empty
            path = f"{node.path}/{name}" if node.path else name
            if path in shape.required_blocks:
                node.child(name)
        ordered = sorted(
            (c for c in node.children if c.has_content() or c.path in shape.required_blocks),
            key=lambda c: shape.order(node.path, c.name),
        )
        for child in ordered:
            sub = etree.SubElement(parent, f"{{{NAMESPACE_2019}}}{child.name}")
            if child.text:
                sub.text = child.text
            add(sub, child)

    add(element, root)
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8", pretty_print=True)
