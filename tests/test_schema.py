"""`popo schema`: a JSON Schema that accepts the shipped definitions and rejects typos."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from engine.schema import calendar_schema, definition_schema, scenario_schema
from runtime.cli import main

from .conftest import REPOSITORY

DEFINITIONS = (
    sorted((REPOSITORY / "definitions").rglob("*.form.yaml"))
    + sorted((REPOSITORY / "definitions").rglob("*.fragment.yaml"))
    + sorted((REPOSITORY / "definitions").rglob("*.procedure.yaml"))
)


def _load(path: Path) -> object:
    return json.loads(json.dumps(yaml.load(path.read_text(), Loader=yaml.CSafeLoader), default=str))


@pytest.mark.parametrize("path", DEFINITIONS, ids=lambda p: p.name)
def test_shipped_definitions_match_the_schema(path: Path) -> None:
    jsonschema.validate(_load(path), definition_schema())


def test_scenarios_match_their_schema() -> None:
    for path in (REPOSITORY / "definitions").rglob("*.scenarios.yaml"):
        jsonschema.validate(_load(path), scenario_schema())


def test_calendars_match_their_schema() -> None:
    calendars = sorted((REPOSITORY / "definitions").rglob("*.calendar.yaml"))
    assert calendars
    for path in calendars:
        jsonschema.validate(_load(path), calendar_schema())


def test_the_calendar_schema_offers_the_regions_and_holidays() -> None:
    data = _load(REPOSITORY / "definitions" / "calendars" / "schoolvakanties.calendar.yaml")
    assert isinstance(data, dict)
    data["years"][1]["holidays"][0]["regions"] = ["nord"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, calendar_schema())


def test_the_schema_rejects_an_unknown_key() -> None:
    path = DEFINITIONS[0]
    data = _load(path)
    assert isinstance(data, dict)
    data["titel"] = "x"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, definition_schema())


def test_the_schema_rejects_an_unknown_key_in_a_procedure_transition() -> None:
    path = REPOSITORY / "definitions" / "base" / "tussentijdse-overstap.procedure.yaml"
    data = _load(path)
    assert isinstance(data, dict)
    jsonschema.validate(data, definition_schema())
    data["transitions"][0]["nedds"] = ["overstapformulier"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, definition_schema())


def test_popo_schema_writes_the_file(tmp_path: Path) -> None:
    target = tmp_path / "schema.json"
    assert main(["schema", "-o", str(target)]) == 0
    assert json.loads(target.read_text())["title"] == "POPO form definition"


def test_committed_schema_files_are_current() -> None:
    committed = REPOSITORY / "docs" / "schema"
    assert json.loads((committed / "definition.json").read_text()) == definition_schema(), (
        "run: popo schema -o docs/schema/definition.json"
    )
    assert json.loads((committed / "scenarios.json").read_text()) == scenario_schema(), (
        "run: popo schema --scenarios -o docs/schema/scenarios.json"
    )
    assert json.loads((committed / "calendar.json").read_text()) == calendar_schema(), (
        "run: popo schema --calendar -o docs/schema/calendar.json"
    )


def _properties(node: object, path: str = "") -> list[tuple[str, dict[str, object]]]:
    """Every property schema in a JSON Schema, with where it is."""
    found: list[tuple[str, dict[str, object]]] = []
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict):
            found.extend((f"{path}.{key}", value) for key, value in properties.items())
        for key, value in node.items():
            found.extend(_properties(value, f"{path}/{key}"))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            found.extend(_properties(item, f"{path}[{index}]"))
    return found


def test_every_property_of_the_definition_schema_has_a_description() -> None:
    properties = _properties(definition_schema())
    assert len(properties) > 300
    missing = [path for path, schema in properties if not schema.get("description")]
    assert missing == []


def test_every_property_of_the_scenario_schema_has_a_description() -> None:
    from engine.schema import scenario_schema

    properties = _properties(scenario_schema())
    assert len(properties) > 20
    missing = [path for path, schema in properties if not schema.get("description")]
    assert missing == []


def test_every_property_of_the_calendar_schema_has_a_description() -> None:
    properties = _properties(calendar_schema())
    assert len(properties) > 15
    missing = [path for path, schema in properties if not schema.get("description")]
    assert missing == []


def _prop(schema: dict, definition: str, key: str) -> dict:  # type: ignore[type-arg]
    return schema["$defs"][definition]["properties"][key]  # type: ignore[no-any-return]


def test_closed_values_are_enums_taken_from_the_engine() -> None:
    from engine.fieldtypes import FIELD_TYPES, MEDIA_TYPES
    from engine.messages import CATALOG
    from engine.model import Category, FormKind

    schema = definition_schema()
    defs = schema["$defs"]
    # the file types an upload may have: exactly the ones popo check accepts
    assert _prop(schema, "FileField", "accept")["items"]["enum"] == sorted(MEDIA_TYPES)
    # a form's languages and the keys of a text per language: the languages of POPO's messages
    languages = set.intersection(*(set(texts) for texts in CATALOG.values()))
    assert set(_prop(schema, "FormDefinition", "languages")["items"]["enum"]) == languages
    label = _prop(schema, "TextField", "label")
    per_language = next(option for option in label["anyOf"] if option.get("type") == "object")
    assert set(per_language["propertyNames"]["enum"]) == languages
    assert defs["FormKind"]["enum"] == [kind.value for kind in FormKind]
    assert defs["Category"]["enum"] == [category.value for category in Category]
    types = {
        definition["properties"]["type"]["const"]
        for name, definition in defs.items()
        if name.endswith("Field") and "type" in definition.get("properties", {})
    }
    assert types == set(FIELD_TYPES)
    assert _prop(schema, "ChoiceField", "appearance")["enum"] == ["radios", "select"]
    assert _prop(schema, "NoteField", "style")["enum"] == ["info", "warning"]
    labels = _prop(schema, "YesNoField", "labels")["anyOf"][0]
    assert labels["propertyNames"]["enum"] == ["yes", "no"]


def test_the_schema_flags_a_file_type_and_a_language_popo_does_not_know() -> None:
    base = _load(REPOSITORY / "definitions" / "base" / "overstapformulier.form.yaml")
    assert isinstance(base, dict)
    for mistake in ({"languages": ["nl", "fy"]}, {"title": {"nl": "Overstap", "fy": "Oerstap"}}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**base, **mistake}, definition_schema())
    fields = base["pages"][0]["sections"][0]["fields"]
    fields.append({"id": "bijlage", "type": "file", "label": "Bijlage", "accept": ["image/gif"]})
    with pytest.raises(jsonschema.ValidationError, match="image/gif"):
        jsonschema.validate(base, definition_schema())
