"""JSON Schema of the definition language, for editors that complete and check YAML."""

from __future__ import annotations

from typing import Any

from .assemble import CHANGE_KINDS
from .model import FormDefinition
from .scenarios import ScenarioFile

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def definition_schema() -> dict[str, Any]:
    """Schema for ``*.form.yaml`` (a definition, or a variant with extends) and fragments."""
    form = FormDefinition.model_json_schema(by_alias=True)
    defs = form.pop("$defs", {})
    defs["FormDefinition"] = form
    defs["Variant"] = {
        "type": "object",
        "description": "A regional variant: a base definition plus changes.",
        "required": ["extends", "id", "version"],
        "properties": {
            "extends": {"type": "string", "description": "path of the base definition"},
            **{
                key: {"$ref": f"#/$defs/FormDefinition/properties/{key}"}
                for key in form["properties"]
                if key != "pages"
            },
            "changes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "description": "one of: " + ", ".join(CHANGE_KINDS),
                    "properties": {
                        "modify": {"type": "string"},
                        "set": {"type": "object"},
                        "remove": {"anyOf": [{"type": "string"}, {"type": "array"}]},
                        "hide": {"type": "string"},
                        "add": {"type": "array"},
                        "after": {"type": "string"},
                        "before": {"type": "string"},
                        "into": {"type": "string"},
                        "choices": {"type": "string"},
                        "replace": {"anyOf": [{"type": "array"}, _CSV_LIST]},
                    },
                    "additionalProperties": False,
                },
            },
        },
        "additionalProperties": False,
    }
    defs["Fragment"] = {
        "type": "object",
        "description": "Shared pages, sections or fields, included with {include: path}.",
        "required": ["fragment"],
        "properties": {
            "fragment": {"type": "string"},
            "description": {"type": "string"},
            "choices": {"$ref": "#/$defs/FormDefinition/properties/choices"},
            "pages": {"$ref": "#/$defs/FormDefinition/properties/pages"},
            "sections": {"type": "array", "items": {"$ref": "#/$defs/Section"}},
            "fields": {"$ref": "#/$defs/Section/properties/fields"},
        },
        "additionalProperties": False,
    }
    _allow_includes(defs)
    lists = form["properties"]["choices"]
    lists["additionalProperties"] = {"anyOf": [lists["additionalProperties"], _CSV_LIST]}
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": "https://popo.example/schema/definition.json",
        "title": "POPO form definition",
        "anyOf": [
            {"$ref": "#/$defs/FormDefinition"},
            {"$ref": "#/$defs/Variant"},
            {"$ref": "#/$defs/Fragment"},
        ],
        "$defs": defs,
    }


def scenario_schema() -> dict[str, Any]:
    schema = ScenarioFile.model_json_schema()
    schema["$schema"] = SCHEMA_DIALECT
    schema["title"] = "POPO author test scenarios"
    return schema


_CSV_LIST = {
    "type": "object",
    "description": "the choices read from a CSV file (columns value, label …; see definitions.md)",
    "properties": {"csv": {"type": "string", "description": "path relative to this file"}},
    "required": ["csv"],
    "additionalProperties": False,
}

_INCLUDE = {
    "type": "object",
    "description": "the items of a fragment file",
    "properties": {"include": {"type": "string"}},
    "required": ["include"],
    "additionalProperties": False,
}


def _allow_includes(node: Any) -> None:
    """Let every pages, sections and fields list hold {include: path} items too."""
    if isinstance(node, dict):
        for key, value in node.items():
            if (
                key in ("pages", "sections", "fields")
                and isinstance(value, dict)
                and value.get("type") == "array"
                and "items" in value
            ):
                value["items"] = {"anyOf": [value["items"], _INCLUDE]}
            _allow_includes(value)
    elif isinstance(node, list):
        for item in node:
            _allow_includes(item)
