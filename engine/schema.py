"""JSON Schema of the definition language, for editors that complete and check YAML."""

from __future__ import annotations

from typing import Any

from .assemble import CHANGE_KINDS
from .calendar import CalendarFile
from .fieldtypes import MEDIA_TYPES
from .messages import CATALOG, DEFAULT_LANGUAGE
from .model import FormDefinition
from .overviews.model import OverviewDefinition
from .overviews.scenarios import OverviewScenarioFile
from .placement.model import PlacementPolicy
from .procedures.load import PROCEDURES
from .procedures.model import ProcedureDefinition
from .procedures.scenarios import ProcedureScenarioFile
from .scenarios import ScenarioFile

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

LANGUAGES: tuple[str, ...] = tuple(
    sorted(
        set.intersection(*(set(texts) for texts in CATALOG.values())),
        key=lambda language: (language != DEFAULT_LANGUAGE, language),
    )
)
"""The languages POPO's own messages are written in: the languages a form can have."""

# what each key of a variant's change does (engine/assemble.py applies them)
_CHANGE_KEYS = {
    "modify": "the id of the page, section or field to change; set: says how",
    "set": "with modify: the keys to change and their new values, e.g. {label: …, max_length: 500}",
    "remove": "the id (or a list of ids) of what this region leaves out; with choices: the "
    "values of the choices to leave out",
    "hide": "the id of a question that is never shown and never submitted in this region",
    "add": "new fields, sections or pages, placed by after:, before: or into:; with choices: "
    "the new choices",
    "after": "with add: the id after which the new items go",
    "before": "with add: the id before which the new items go",
    "into": "with add: the id of the section, group or page at whose end the new items go",
    "choices": "the id of a shared choice list to change, with add:, remove: or replace:",
    "replace": "with choices: the new choices, in place of all the list's choices",
}
_FRAGMENT_KEYS = {
    "fragment": "the fragment's name (a file that holds shared fields, sections or pages)",
    "description": "a note for authors on what the fragment holds (not shown in forms)",
    "choices": "choice lists the fragment brings; they become shared lists of every form that "
    "includes it",
    "pages": "the pages that take the place of {include: …} in a form's pages",
    "sections": "the sections that take the place of {include: …} in a page's sections",
    "fields": "the fields that take the place of {include: …} in a section's or group's fields",
}


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
            "extends": {
                "type": "string",
                "description": "the path of the form this variant starts from, relative to this "
                "file, e.g. ../base/overstapformulier.form.yaml",
            },
            **{
                key: {
                    "$ref": f"#/$defs/FormDefinition/properties/{key}",
                    "description": value["description"] + " (replaces the base's)",
                }
                for key, value in form["properties"].items()
                if key != "pages"
            },
            "changes": {
                "type": "array",
                "description": "what this variant does differently from its base, one change "
                "at a time (each starts with one of: " + ", ".join(CHANGE_KINDS) + ")",
                "items": {
                    "type": "object",
                    "description": "one of: " + ", ".join(CHANGE_KINDS),
                    "properties": _described(
                        {
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
                        _CHANGE_KEYS,
                    ),
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
        "properties": _described(
            {
                "fragment": {"type": "string"},
                "description": {"type": "string"},
                "choices": {"$ref": "#/$defs/FormDefinition/properties/choices"},
                "pages": {"$ref": "#/$defs/FormDefinition/properties/pages"},
                "sections": {"type": "array", "items": {"$ref": "#/$defs/Section"}},
                "fields": {"$ref": "#/$defs/Section/properties/fields"},
            },
            _FRAGMENT_KEYS,
        ),
        "additionalProperties": False,
    }
    _add_procedures(defs)
    _add_placements(defs)
    _add_overviews(defs)
    _allow_includes(defs)
    _close_values(defs)
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
            {"$ref": "#/$defs/ProcedureDefinition"},
            {"$ref": "#/$defs/ProcedureVariant"},
            {"$ref": "#/$defs/PlacementPolicy"},
            {"$ref": "#/$defs/OverviewDefinition"},
        ],
        "$defs": defs,
    }


_PROCEDURE_CHANGE_KEYS = {
    "modify": "the id of the party, status, transition, term or task to change; set: says how",
    "set": "with modify: the keys to change and their new values, e.g. {needs: [adviesformulier]}",
    "remove": "the id of the party, status, transition, term or task this region leaves out",
    "add": "new parties, statuses, transitions, terms or tasks, placed by after: or before:",
    "after": "with add: the id after which the new items go",
    "before": "with add: the id before which the new items go",
}


def _add_procedures(defs: dict[str, Any]) -> None:
    """``*.procedure.yaml``: a procedure, or a regional variant of one (engine/procedures)."""
    procedure = ProcedureDefinition.model_json_schema(by_alias=True)
    for name, schema in procedure.pop("$defs", {}).items():
        if name in defs and defs[name] != schema:
            raise ValueError(f"two schema definitions are named {name}")
        defs[name] = schema
    defs["ProcedureDefinition"] = procedure
    kinds = PROCEDURES.change_kinds
    defs["ProcedureVariant"] = {
        "type": "object",
        "description": "A regional variant of a procedure: a base procedure plus changes.",
        "required": ["extends", "id", "version"],
        "properties": {
            "extends": {
                "type": "string",
                "description": "the path of the procedure this variant starts from, relative "
                "to this file, e.g. ../base/tussentijdse-overstap.procedure.yaml",
            },
            **{
                key: {
                    "$ref": f"#/$defs/ProcedureDefinition/properties/{key}",
                    "description": value["description"] + " (replaces the base's)",
                }
                for key, value in procedure["properties"].items()
                if key not in PROCEDURES.forbidden
            },
            "changes": {
                "type": "array",
                "description": "what this variant does differently from its base, one change "
                "at a time (each starts with one of: " + ", ".join(kinds) + ")",
                "items": {
                    "type": "object",
                    "description": "one of: " + ", ".join(kinds),
                    "properties": _described(
                        {
                            "modify": {"type": "string"},
                            "set": {"type": "object"},
                            "remove": {"type": "string"},
                            "add": {"type": "array"},
                            "after": {"type": "string"},
                            "before": {"type": "string"},
                        },
                        _PROCEDURE_CHANGE_KEYS,
                    ),
                    "additionalProperties": False,
                },
            },
        },
        "additionalProperties": False,
    }


def _add_placements(defs: dict[str, Any]) -> None:
    """``*.placement.yaml``: a region's placement policy (engine/placement)."""
    policy = PlacementPolicy.model_json_schema(by_alias=True)
    for name, schema in policy.pop("$defs", {}).items():
        if name in defs and defs[name] != schema:
            raise ValueError(f"two schema definitions are named {name}")
        defs[name] = schema
    defs["PlacementPolicy"] = policy


def _add_overviews(defs: dict[str, Any]) -> None:
    """``*.overview.yaml``: an overview of monitoring (engine/overviews)."""
    overview = OverviewDefinition.model_json_schema(by_alias=True)
    for name, schema in overview.pop("$defs", {}).items():
        if name in defs and defs[name] != schema:
            raise ValueError(f"two schema definitions are named {name}")
        defs[name] = schema
    defs["OverviewDefinition"] = overview


def _described(
    properties: dict[str, dict[str, Any]], descriptions: dict[str, str]
) -> dict[str, dict[str, Any]]:
    return {key: {**schema, "description": descriptions[key]} for key, schema in properties.items()}


def scenario_schema() -> dict[str, Any]:
    """Schema for ``*.scenarios.yaml``: the scenarios of a form, or of a procedure."""
    schema = ScenarioFile.model_json_schema()
    procedure = ProcedureScenarioFile.model_json_schema()
    overview = OverviewScenarioFile.model_json_schema(by_alias=True)
    defs = {**overview.pop("$defs", {}), **procedure.pop("$defs", {}), **schema.pop("$defs", {})}
    defs["ScenarioFile"] = schema
    defs["ProcedureScenarioFile"] = procedure
    defs["OverviewScenarioFile"] = overview
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "POPO author test scenarios",
        "anyOf": [
            {"$ref": "#/$defs/ScenarioFile"},
            {"$ref": "#/$defs/ProcedureScenarioFile"},
            {"$ref": "#/$defs/OverviewScenarioFile"},
        ],
        "$defs": defs,
    }


def calendar_schema() -> dict[str, Any]:
    schema = CalendarFile.model_json_schema()
    schema["$schema"] = SCHEMA_DIALECT
    schema["title"] = "POPO school calendar (school holidays per vakantieregio)"
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
    "properties": {
        "include": {
            "type": "string",
            "description": "the path of a *.fragment.yaml file, relative to this file: its items "
            "go here",
        }
    },
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


def _close_values(defs: dict[str, Any]) -> None:
    """Values the engine accepts from a fixed set become enums, so an editor offers them.

    The sets come from where the engine checks them: the file types from
    :data:`engine.fieldtypes.MEDIA_TYPES`, the languages from the engine's own messages. (Field
    types, kinds, categories and the other fixed words are enums of the model already.)
    """
    accept = defs["FileField"]["properties"]["accept"]
    accept["items"] = {**accept["items"], "enum": sorted(MEDIA_TYPES)}
    languages = defs["FormDefinition"]["properties"]["languages"]
    languages["items"] = {**languages["items"], "enum": list(LANGUAGES)}
    _close_text_languages(defs)


def _close_text_languages(node: Any) -> None:
    """A text per language ({nl: …, en: …}) has only the known languages as keys."""
    if isinstance(node, dict):
        options = node.get("anyOf")
        if isinstance(options, list) and {"type": "string"} in options:
            for option in options:
                if (
                    isinstance(option, dict)
                    and option.get("type") == "object"
                    and option.get("additionalProperties") == {"type": "string"}
                ):
                    option["propertyNames"] = {"enum": list(LANGUAGES)}
        for value in node.values():
            _close_text_languages(value)
    elif isinstance(node, list):
        for item in node:
            _close_text_languages(item)
