"""The pydantic models of a ``*.scenarios.yaml`` file: what an author may write in it."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Expectations(_Strict):
    visible: list[str] = Field(default_factory=list, description="fields shown")
    hidden: list[str] = Field(default_factory=list, description="fields not shown")
    required: list[str] = Field(default_factory=list, description="fields required now")
    optional: list[str] = Field(default_factory=list, description="fields not required now")
    enabled: list[str] = Field(default_factory=list, description="fields a person can change")
    disabled: list[str] = Field(default_factory=list, description="fields shown read-only")
    values: dict[str, Any] = Field(
        default_factory=dict, description="values of fields (calculated ones too); null: blank"
    )
    errors: dict[str, str | list[str]] = Field(
        default_factory=dict,
        description="messages expected at a field: a message key (docs/messages.md), or the "
        "text in the scenario language; a list for several",
    )
    no_errors: list[str] | bool = Field(
        default_factory=list, description="fields without errors, or true for the whole form"
    )
    valid: bool | None = Field(default=None, description="whether the form can be submitted")
    options: dict[str, list[str]] = Field(
        default_factory=dict, description="the choices a choice_filter leaves"
    )
    pages_complete: list[str] = Field(
        default_factory=list, description="pages (by id) shown with every required answer given"
    )
    pages_incomplete: list[str] = Field(
        default_factory=list, description="pages (by id) that still miss an answer or have errors"
    )
    pages_hidden: list[str] = Field(
        default_factory=list, description="pages (by id) not shown, their visible_if being false"
    )


class Scenario(_Strict):
    name: str = Field(description="what the scenario shows, in a few words; unique in the file")
    language: str = Field(
        default="nl", description="the language of the expected message texts (nl or en)"
    )
    today: date | None = Field(
        default=None,
        description="the date the form is filled on (YYYY-MM-DD), for age and deadline rules; "
        "popo test --today or the real date when left out",
    )
    answers: dict[str, Any] = Field(
        default_factory=dict, description="field id: answer; a repeating group: a list of rows"
    )
    expect: Expectations = Field(description="what the form must show with these answers")


class MigrationExpectations(Expectations):
    answers: dict[str, Any] = Field(
        default_factory=dict,
        description="answers after the migration, by the new version's field ids (only those "
        "listed are compared; null: no answer)",
    )
    dropped: list[str] = Field(
        default_factory=list,
        description="every answer of the old version the migration leaves behind",
    )


class MigrationScenario(_Strict):
    name: str = Field(description="what the migration scenario shows; unique in the file")
    from_version: int = Field(
        alias="from", ge=1, description="the version the draft was started on"
    )
    language: str = Field(
        default="nl", description="the language of the expected message texts (nl or en)"
    )
    today: date | None = Field(
        default=None, description="the date the new version is filled on (YYYY-MM-DD)"
    )
    answers: dict[str, Any] = Field(
        default_factory=dict, description="the draft's answers, on the old version"
    )
    expect: MigrationExpectations = Field(
        description="the answers on the new version, and what it then shows"
    )


class ScenarioFile(_Strict):
    form: str = Field(description="path of the definition, relative to this file")
    scenarios: list[Scenario] = Field(
        default_factory=list, description="given answers, what the form must show"
    )
    migrations: list[MigrationScenario] = Field(
        default_factory=list,
        description="answers of a draft on an earlier version, and what they become on this one",
    )


def allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed where a validation error at ``loc`` (pydantic's) found an unknown one."""
    model: type[BaseModel] = ScenarioFile
    if len(loc) >= 3 and loc[0] in ("scenarios", "migrations"):
        migration = loc[0] == "migrations"
        model = MigrationScenario if migration else Scenario
        if len(loc) >= 4 and loc[2] == "expect":
            model = MigrationExpectations if migration else Expectations
    return sorted(info.alias or name for name, info in model.model_fields.items())
