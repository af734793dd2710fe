"""Each official example imports, exports again, and passes the XSD and the business rules."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from engine.compiler import CompiledForm
from engine.evaluate import evaluate, template_of
from oso_mapping.dossier import Dossier, Element, read_dossier
from oso_mapping.element_tree import load_element_tree
from oso_mapping.export import ExportContext, School, export_dossier
from oso_mapping.layout import layout
from oso_mapping.mapping import Binding, ImportResult, bindings, import_dossier
from oso_mapping.validate import validate
from runtime.forms import answers as answer_paths

from ..support import answer_the_rest
from .test_import import workspace_form as compiled

TODAY = date(2026, 11, 29)


def with_files(result: ImportResult) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The answers as the runtime stores them: each imported file as its stored metadata."""
    store: dict[str, bytes] = {}
    for item in result.files:
        digest = hashlib.sha256(item.file.data).hexdigest()
        store[digest] = item.file.data
        meta = {
            "name": item.file.name,
            "media_type": "application/pdf",
            "size": len(item.file.data),
        }
        answer_paths.set_answer(result.answers, item.key, {**meta, "id": digest, "sha256": digest})
    return result.answers, store


def context(result: ImportResult, store: dict[str, bytes]) -> ExportContext:
    """The sending school as the register would know it (here: as the dossier describes it)."""
    dossier = result.dossier
    school = School(
        street=dossier.value("huidigeschool/adreslijst/adres/straat"),
        house_number=dossier.value("huidigeschool/adreslijst/adres/nummer"),
        postcode=dossier.value("huidigeschool/adreslijst/adres/postcode"),
        city=dossier.value("huidigeschool/adreslijst/adres/plaats"),
        phone=dossier.value("huidigeschool/communicatielijst/communicatie/nummer"),
    )
    return ExportContext("test", TODAY, school, read_file=lambda meta: store.get(meta["sha256"]))


@pytest.mark.parametrize("kind", ["POPO", "POVO", "VOVO"])
def test_each_official_example_is_valid_and_imports(
    kind: str, examples: dict[str, bytes], okr: CompiledForm
) -> None:
    assert validate(examples[kind]).ok
    result = import_dossier(read_dossier(examples[kind]), okr)
    assert result.answers["achternaam"] == "Berg"
    assert result.answers["geboortedatum"] == "17-03-2003"  # as a person types it
    assert len(result.answers["schoolloopbaan"]) >= 1
    assert result.unmapped, "what the form does not hold is reported"


def carried(form: CompiledForm, answers: dict[str, Any]) -> dict[str, Any]:
    """The values a submission holds for fields with an OSO mapping (files by name)."""
    state = evaluate(form, answers, TODAY)
    bound = {node.key for node in form.nodes if getattr(node.element, "oso", None)}
    bound |= {b.file_field for b in bindings(form) if b.file_field}
    result = {}
    for key, value in state.value.items():
        if state.visible.get(key) and template_of(key) in bound and value not in (None, "", []):
            result[key] = value["name"] if isinstance(value, dict) else value
    return result


def mapped_values(dossier: Dossier, items: list[Binding], start: Element) -> dict[str, str]:
    """Every element with a value that the form's mappings point at, by path (read here on its
    own, not through the importer)."""
    found: dict[str, str] = {}
    for binding in items:
        current = [start]
        for step in binding.steps:
            nxt = []
            for element in current:
                matches = element.find(step.name)
                if step.position is not None:
                    matches = matches[step.position - 1 : step.position]
                nxt.extend(matches)
            current = nxt
        for element in current:
            if binding.kind == "group":
                found.update(mapped_values(dossier, binding.children, element))
                if binding.file_field:
                    for part in ("bestandsnaam", "bestandsinhoud"):
                        found.update({e.path: e.text for e in element.find(part) if e.text})
            elif element.is_leaf and element.text:
                found[element.path] = element.text
    return found


FORMS = ["onderwijskundig-rapport", "onderwijskundig-rapport-noord", "onderwijskundig-rapport-zuid"]


@pytest.mark.parametrize("form_id", FORMS)
@pytest.mark.parametrize("kind", ["POPO", "POVO", "VOVO"])
def test_every_mapped_value_is_shown_in_the_form_or_listed_as_not_carried(
    kind: str, form_id: str, examples: dict[str, bytes]
) -> None:
    form = compiled(form_id)
    dossier = read_dossier(examples[kind])
    result = import_dossier(dossier, form)
    answers, _ = with_files(result)  # each file as the runtime stores it
    state = evaluate(form, answers, TODAY)
    shown: set[str] = set()
    for key, paths in result.carried.items():
        assert state.visible.get(key) is True, f"{key} is carried but the form hides it"
        assert answer_paths.get_answer(answers, key) not in (None, "", [])
        shown.update(paths)
    reported = {u.path for u in result.unmapped}
    mapped = mapped_values(dossier, bindings(form), dossier.root)
    assert mapped, "the mappings point at the dossier"
    lost = sorted(path for path in mapped if path not in shown and path not in reported)
    assert lost == [], "mapped values neither shown nor reported"
    assert not shown & reported, "a value is either carried or reported, not both"


@pytest.mark.parametrize("kind", ["POPO", "POVO"])
def test_an_import_exports_again_without_a_single_finding_and_keeps_every_value(
    kind: str, examples: dict[str, bytes], okr: CompiledForm
) -> None:
    first = import_dossier(read_dossier(examples[kind]), okr)
    assert first.inferred == ["heeft_diagnose", "opp"]  # the dossier holds diagnoses and an OPP
    answers, store = with_files(first)
    answer_the_rest(okr, answers, TODAY)  # what the school adds before it sends the rapport
    export = export_dossier(okr, answers, context(first, store))
    validation = validate(export.xml)
    assert validation.skipped is None
    assert validation.findings == []
    assert export.not_exported == []
    again = import_dossier(read_dossier(export.xml), okr)
    assert [f.file for f in again.files] == [f.file for f in first.files]  # names and bytes
    # every element the mappings cover has the same value after the round trip
    before = carried(okr, answers)
    assert carried(okr, with_files(again)[0]) == before
    assert before["achternaam"] == "Berg" and before["diagnoses[0].diagnose_door"]
    assert sum(k.endswith(".loopbaan_schooljaar") for k in before) == 10


def test_the_export_layout_follows_the_official_element_order(reference: Path) -> None:
    tree = load_element_tree(reference / "element_tree_OSO_gegevensset_2019.1.txt")
    assert tree is not None
    shape = layout()
    for path in shape.paths():
        element = tree.get(path)
        assert element is not None, f"{path} is not an OSO 2019.1 element"
        official = [child.rsplit("/", 1)[-1] for child in element.children]
        ours = shape.children[path]
        positions = [official.index(name) for name in ours]
        assert positions == sorted(positions), f"children of {path} out of order: {ours}"
        assert element.repeating == (path in shape.repeating), path
