"""Compile a checked placement policy into plain, frozen data that the round reads: no
pydantic, no YAML, school codes and postcodes normalised, and the one pure rule the round
needs besides the match: a child's priority group at a school, from the facts about the child
that the runtime gathers (:class:`ChildFacts`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from ..model import Text
from .check import school_code
from .model import PlacementPolicy

LotteryMode = Literal["single", "per_school"]


@dataclass(frozen=True)
class CompiledGroup:
    id: str
    label: Text
    description: Text | None
    rule: str  # one of model.RULES
    field: str | None = None  # rule answer: the aanmeldformulier's yes/no question
    first_choice_only: bool = False
    schools: frozenset[str] | None = None  # None: every school of the policy

    def counts_at(self, school: str, position: int) -> bool:
        """Whether the group can hold a child at ``school``, listed at ``position`` (1 first)."""
        if self.schools is not None and school not in self.schools:
            return False
        return not self.first_choice_only or position == 1


@dataclass(frozen=True)
class CompiledSchool:
    code: str  # BRIN + vestiging, e.g. 12AB00
    capacity: int
    postcodes: frozenset[str] = frozenset()  # 4 digits each


@dataclass(frozen=True)
class ChildFacts:
    """What the rules ask about one child, gathered by the runtime from POPO's data:
    the schools where a brother or sister is enrolled, the child's 4-digit postcode, and the
    yes/no questions of the aanmeldformulier the parents answered yes."""

    siblings_at: frozenset[str] = frozenset()
    postcode: str | None = None
    yes: frozenset[str] = frozenset()

    def holds(self, group: CompiledGroup, school: CompiledSchool) -> bool:
        if group.rule == "sibling":
            return school.code in self.siblings_at
        if group.rule == "neighbourhood":
            return self.postcode is not None and self.postcode in school.postcodes
        if group.rule == "answer":
            return group.field is not None and group.field in self.yes
        raise ValueError(f"no rule {group.rule!r}")  # the checker refuses it


@dataclass(frozen=True)
class CompiledPolicy:
    id: str
    version: int
    title: Text
    description: Text | None
    region: str
    registration_opens: date
    registration_closes: date
    runs_on: date
    results_published: date
    lottery: LotteryMode
    max_preferences: int
    groups: tuple[CompiledGroup, ...]
    schools: dict[str, CompiledSchool]  # by code, in the author's order
    content_hash: str = ""
    languages: tuple[str, ...] = field(default=("nl",))

    @property
    def group_ids(self) -> tuple[str, ...]:
        """The priority groups' ids in order: rank i is ``group_ids[i]``; rank
        ``len(group_ids)`` is no priority group."""
        return tuple(group.id for group in self.groups)

    @property
    def no_group(self) -> int:
        """The rank of a child in no priority group at a school."""
        return len(self.groups)

    def rank(self, facts: ChildFacts, school: str, position: int) -> int:
        """The child's priority group at ``school`` (listed at ``position``, 1 first): the
        first group whose rule holds there, as its index; :attr:`no_group` when none does."""
        found = self.schools[school]
        for index, group in enumerate(self.groups):
            if group.counts_at(school, position) and facts.holds(group, found):
                return index
        return self.no_group

    def group(self, rank: int) -> CompiledGroup | None:
        return self.groups[rank] if 0 <= rank < len(self.groups) else None

    def registration_window(self, day: date) -> bool:
        """Whether a registration received on ``day`` counts for the round."""
        return self.registration_opens <= day <= self.registration_closes

    def summary(self) -> dict[str, Any]:
        """The policy as a round's log names it (JSON-able)."""
        return {
            "id": self.id,
            "version": self.version,
            "region": self.region,
            "content_hash": self.content_hash,
            "lottery": self.lottery,
            "max_preferences": self.max_preferences,
            "groups": [
                {"id": group.id, "rule": group.rule, "field": group.field} for group in self.groups
            ],
            "schools": {code: school.capacity for code, school in self.schools.items()},
        }


def postcode4(text: object) -> str | None:
    """The four digits of a Dutch postcode (``9711 AB``, ``9711ab``, 9711), or None."""
    digits = str(text or "").strip()[:4]
    return digits if len(digits) == 4 and digits.isdigit() and digits[0] != "0" else None


def compile_policy(policy: PlacementPolicy, digest: str = "") -> CompiledPolicy:
    """The compiled form of a policy that passed :func:`.check.check_policy`."""
    schools = {
        school_code(school.school): CompiledSchool(
            school_code(school.school),
            school.capacity,
            frozenset(code for code in map(postcode4, school.postcodes) if code is not None),
        )
        for school in policy.schools
    }
    groups = tuple(
        CompiledGroup(
            group.id,
            group.label,
            group.description,
            group.rule,
            group.field,
            group.first_choice_only,
            frozenset(map(school_code, group.schools)) if group.schools is not None else None,
        )
        for group in policy.groups
    )
    dates = policy.round
    return CompiledPolicy(
        policy.id,
        policy.version,
        policy.title,
        policy.description,
        policy.region,
        dates.registration_opens,
        dates.registration_closes,
        dates.runs_on,
        dates.results_published,
        policy.lottery,
        policy.max_preferences,
        groups,
        schools,
        digest,
        tuple(policy.languages),
    )
