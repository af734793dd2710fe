"""The placement language as a typed model: what a ``*.placement.yaml`` may contain.

A placement policy is how a region that places children centrally runs its placement round
(centrale loting en matching): the schools taking part with the places they offer, the
priority groups (voorrangsgroepen) in order, how the lottery breaks ties within a group, the
most schools a child may list, and the dates of the round. Cross-references (schools,
groups, dates, the aanmeldformulier's questions) are checked in :mod:`.check`.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from ..model import (
    FORM_ID_PATTERN,
    ID_PATTERN,
    REGION_PATTERN,
    Element,
    Languages,
    Text,
    languages_field,
)

RULES: dict[str, str] = {
    "sibling": "a brother or sister (a pupil with a parent or guardian in common) is enrolled "
    "at the school",
    "neighbourhood": "the child's 4-digit postcode is one of the school's postcodes",
    "answer": "the parents answered yes to a yes/no question of the aanmeldformulier "
    "(named by field:)",
}
"""The rules a priority group can have: a closed list, because the runtime evaluates each from
POPO's own data (runtime/placement/priority.py). Named here once; the checker, the JSON schema
and docs/placement.md read it."""

LOTTERY_MODES: dict[str, str] = {
    "single": "one lottery number per child, used at every school (single tie-break)",
    "per_school": "a lottery number per child and school (multiple tie-break)",
}

SCHOOL_CODE_PATTERN = r"^[0-9]{2}[A-Z]{2}[0-9]{2}$"
"""A school location as DUO identifies it: BRIN (2 digits, 2 letters) and vestiging (2 digits)."""

_ID = "the name of this item: lower-case letters, digits and _; unique among the groups"
_LABEL = "the name a person sees: one text, or one per language {nl: …, en: …}"


class RoundDates(Element):
    registration_opens: date = Field(
        description="the first day parents can register for the round (YYYY-MM-DD)"
    )
    registration_closes: date = Field(
        description="the last day a registration counts for the round (YYYY-MM-DD)"
    )
    runs_on: date = Field(
        description="the day the round is run, after registration has closed (YYYY-MM-DD)"
    )
    results_published: date = Field(
        description="the day schools and parents see the result, on or after the round (YYYY-MM-DD)"
    )


class PriorityGroup(Element):
    id: str = Field(pattern=ID_PATTERN, description=_ID + ", e.g. broer_zus")
    label: Text = Field(description=_LABEL)
    description: Text | None = Field(
        default=None, description="optional: what the group means, for parents and schools"
    )
    rule: str = Field(
        description="when a child is in this group at a school: "
        + "; ".join(f"{name} ({text})" for name, text in RULES.items()),
        json_schema_extra={"enum": list(RULES)},
    )
    field: str | None = Field(
        default=None,
        description="with rule: answer, the id of the yes/no question of the region's "
        "aanmeldformulier, e.g. broer_zus",
    )
    first_choice_only: bool = Field(
        default=False,
        description="true: the group counts only at the school the parents list first (for a "
        "question about the school of first choice)",
    )
    schools: list[str] | None = Field(
        default=None,
        description="optional: the schools (BRIN and vestiging, e.g. 12AB00) where this group "
        "counts; every school of the policy when left out",
    )


class PlacementSchool(Element):
    school: str = Field(
        description="the school location: BRIN and vestiging as DUO writes them, e.g. 12AB00",
        json_schema_extra={"pattern": SCHOOL_CODE_PATTERN},
    )
    capacity: int = Field(description="the places the school offers in this round: 1 or more")
    postcodes: list[int | str] = Field(
        default_factory=list,
        description="for the neighbourhood rule: the 4-digit postcodes of the school's "
        "neighbourhood, e.g. [9711, 9712]",
    )


class PlacementPolicy(Element):
    id: str = Field(
        pattern=FORM_ID_PATTERN,
        description="the policy's name: lower-case letters, digits, _ and -, e.g. "
        "plaatsing-noord-2027",
    )
    version: int = Field(ge=1, description="a whole number from 1")
    title: Text = Field(description="the title a person sees: one text, or {nl: …, en: …}")
    languages: Languages = languages_field()
    description: Text | None = Field(
        default=None, description="a short explanation of the round, for parents and schools"
    )
    region: str = Field(
        pattern=REGION_PATTERN,
        description="the region whose round this is, in lower case (e.g. noord): its "
        "schools and its parents' registrations take part",
    )
    round: RoundDates = Field(description="the dates of the round")
    lottery: Literal["single", "per_school"] = Field(
        description="how ties within a priority group are broken: "
        + "; ".join(f"{name}: {text}" for name, text in LOTTERY_MODES.items())
    )
    max_preferences: int = Field(
        description="the most schools a child's registration lists that take part in the "
        "round (the parents' first choices); 1 or more"
    )
    groups: list[PriorityGroup] = Field(
        default_factory=list,
        description="the priority groups (voorrangsgroepen), the first the highest; a child "
        "in no group comes after every group",
    )
    schools: list[PlacementSchool] = Field(
        min_length=1, description="the schools taking part, with their places"
    )
