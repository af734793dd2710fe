"""`popo schema`: a JSON Schema that accepts the shipped definitions and rejects typos."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from engine.schema import definition_schema, scenario_schema
from runtime.cli import main

from .conftest import REPOSITORY

DEFINITIONS = sorted((REPOSITORY / "definitions").rglob("*.form.yaml")) + sorted(
    (REPOSITORY / "definitions").rglob("*.fragment.yaml")
)


def _load(path: Path) -> object:
    return json.loads(json.dumps(yaml.load(path.read_text(), Loader=yaml.CSafeLoader), default=str))


@pytest.mark.parametrize("path", DEFINITIONS, ids=lambda p: p.name)
def test_shipped_definitions_match_the_schema(path: Path) -> None:
    jsonschema.validate(_load(path), definition_schema())


def test_scenarios_match_their_schema() -> None:
    for path in (REPOSITORY / "definitions").rglob("*.scenarios.yaml"):
        jsonschema.validate(_load(path), scenario_schema())


def test_the_schema_rejects_an_unknown_key() -> None:
    path = DEFINITIONS[0]
    data = _load(path)
    assert isinstance(data, dict)
    data["titel"] = "x"
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
