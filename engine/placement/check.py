"""Check a placement policy: every problem an error (or warning) at the author's line and
column, with a hint. Items the loader left out are not reported again.

Two checks need facts from outside the file, and are made when they are given: the schools of
the register (DUO's school locations the runtime knows, by code, with their region) for
"there is no school 12AB01", and the questions of the region's aanmeldformulier (field id →
type) for a group with ``rule: answer``."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from ..checker import check_texts
from ..errors import Diagnostics, Location, did_you_mean
from ..procedures.check import item_location
from .model import RULES, SCHOOL_CODE_PATTERN, PlacementPolicy, PlacementSchool, PriorityGroup

_SCHOOL_CODE = re.compile(SCHOOL_CODE_PATTERN)
_POSTCODE = re.compile(r"^[1-9][0-9]{3}$")
ANSWER_TYPE = "yesno"


def school_code(text: str) -> str:
    """A school location's code as DUO writes it: ``12ab 00`` is ``12AB00``."""
    return re.sub(r"\s+", "", text).upper()


class PolicyChecker:
    def __init__(
        self,
        policy: PlacementPolicy,
        diagnostics: Diagnostics,
        register: Mapping[str, str | None] | None,
        questions: Mapping[str, str] | None,
        left_out: Collection[str] = (),
        lost: Collection[str] = (),
    ) -> None:
        self.policy = policy
        self.diagnostics = diagnostics
        self.register = register
        self.questions = questions
        self.left_out = set(left_out)
        self.lost = set(lost)
        self.codes = list(dict.fromkeys(school.school for school in policy.schools))
        self.faulty: set[int] = set()  # the schools (by id()) with an error already

    def check(self) -> None:
        check_texts(self.policy, self.policy.languages, self.diagnostics)
        if "round" not in self.lost:
            self.check_dates()
        self.check_schools()
        self.check_groups()
        self.check_preferences()

    # ------------------------------------------------------------------ the round

    def check_dates(self) -> None:
        dates = self.policy.round
        order = [
            ("registration_opens", "registration opens"),
            ("registration_closes", "registration closes"),
            ("runs_on", "the round runs"),
            ("results_published", "the results are published"),
        ]
        rules = {
            # (earlier, later): whether the later may fall on the same day
            ("registration_opens", "registration_closes"): True,
            ("registration_closes", "runs_on"): False,
            ("runs_on", "results_published"): True,
        }
        words = dict(order)
        for (early, late), same_day in rules.items():
            first, then = getattr(dates, early), getattr(dates, late)
            if then > first or (same_day and then == first):
                continue
            when = "before" if then < first else "on the day"
            self.diagnostics.error(
                dates.location(late),
                f"{words[late]} ({then.isoformat()}) {when} {words[early]} ({first.isoformat()})",
                "the round's dates go in this order: registration opens, registration closes, "
                "the round runs (after registration has closed), the results are published",
            )

    def check_preferences(self) -> None:
        wanted = self.policy.max_preferences
        if "max_preferences" in self.lost:
            return
        if wanted < 1:
            self.diagnostics.error(
                self.policy.location("max_preferences"),
                f"max_preferences is {wanted}: a child must be able to list one school at least",
                "write max_preferences: 1 or more (often 3 to 6)",
            )
        elif self.policy.schools and wanted > len(self.policy.schools) and not self.left_out:
            self.diagnostics.warning(
                self.policy.location("max_preferences"),
                f"max_preferences is {wanted}, and only {len(self.policy.schools)} schools take "
                "part",
                f"a child can list at most the {len(self.policy.schools)} schools; write "
                f"max_preferences: {len(self.policy.schools)}",
            )

    # ------------------------------------------------------------------ schools

    def check_schools(self) -> None:
        first: dict[str, Location] = {}
        for school in self.policy.schools:
            where = school.location("school")
            if not _SCHOOL_CODE.match(school.school):
                fixed = school_code(school.school)
                hint = (
                    f"write {fixed}"
                    if _SCHOOL_CODE.match(fixed)
                    else "a school location is its BRIN (2 digits, 2 capital letters) and its "
                    "vestiging (2 digits), e.g. 12AB00"
                )
                self.diagnostics.error(
                    where, f"'{school.school}' is not the code of a school location", hint
                )
                self.faulty.add(id(school))
            elif school.school in first:
                self.diagnostics.error(
                    where,
                    f"the school {school.school} is listed twice",
                    f"list each school once (the first is at line {first[school.school].line}); "
                    "add up its places in one capacity",
                )
                self.faulty.add(id(school))
                continue
            else:
                self.check_registered(school, where)
            first.setdefault(school.school, where)
            if school.capacity < 1:
                self.diagnostics.error(
                    school.location("capacity"),
                    f"the school {school.school} has a capacity of {school.capacity}",
                    "a school in the round offers 1 place or more; leave out a school that "
                    "offers none",
                )
            self.check_postcodes(school)

    def check_registered(self, school: PlacementSchool, where: Location) -> None:
        if self.register is None:
            return
        if school.school not in self.register:
            self.diagnostics.error(
                where,
                f"there is no school {school.school}",
                did_you_mean(school.school, self.register)
                or "a school takes part by its code in DUO's register of school locations "
                "(import it with popo organisations import)",
            )
            return
        region = self.register[school.school]
        if region is not None and region != self.policy.region:
            self.diagnostics.error(
                where,
                f"the school {school.school} is in region {region}, and this is the policy of "
                f"region {self.policy.region}",
                "a round places children at the schools of its own region",
            )

    def check_postcodes(self, school: PlacementSchool) -> None:
        seen: dict[str, int] = {}
        for index, postcode in enumerate(school.postcodes):
            where = item_location(school, "postcodes", index)
            text = str(postcode).strip()
            if not _POSTCODE.match(text):
                self.diagnostics.error(
                    where,
                    f"'{postcode}' is not a 4-digit postcode",
                    "write the digits only (9711 for 9711 AB): the neighbourhood is the "
                    "postcode's four digits",
                )
            elif text in seen:
                self.diagnostics.warning(
                    where,
                    f"the postcode {text} is listed twice for {school.school}",
                    "remove one of them",
                )
            seen.setdefault(text, index)

    # ------------------------------------------------------------------ groups

    def check_groups(self) -> None:
        first: dict[str, Location] = {}
        for group in self.policy.groups:
            where = group.location("id")
            if group.id in first:
                self.diagnostics.error(
                    where,
                    f"the priority group '{group.id}' is defined twice",
                    f"give each group its own id (the first is at line {first[group.id].line})",
                )
            first.setdefault(group.id, where)
            self.check_rule(group)
            for index, code in enumerate(group.schools or []):
                self.check_group_school(group, index, code)
        neighbourhoods = [group for group in self.policy.groups if group.rule == "neighbourhood"]
        if neighbourhoods:
            for school in self.policy.schools:
                counts = any(
                    group.schools is None or school.school in group.schools
                    for group in neighbourhoods
                )
                if counts and not school.postcodes and id(school) not in self.faulty:
                    self.diagnostics.warning(
                        school.location("school"),
                        f"the school {school.school} has no postcodes, so no child is in the "
                        "neighbourhood group there",
                        "list the 4-digit postcodes of its neighbourhood under postcodes:",
                    )
        elif self.policy.schools and "groups" not in self.lost and not self.left_out:
            with_postcodes = [school for school in self.policy.schools if school.postcodes]
            for school in with_postcodes[:1]:
                self.diagnostics.warning(
                    school.location("postcodes"),
                    "postcodes are listed, and no priority group has rule: neighbourhood",
                    "add a group with rule: neighbourhood, or remove the postcodes",
                )

    def check_rule(self, group: PriorityGroup) -> None:
        if group.rule not in RULES:
            self.diagnostics.error(
                group.location("rule"),
                f"there is no rule '{group.rule}'",
                did_you_mean(group.rule, RULES) or "the rules are " + ", ".join(RULES),
            )
            return
        if group.rule != "answer":
            if group.field is not None:
                self.diagnostics.error(
                    group.location("field"),
                    f"field: belongs to rule: answer, and this group has rule: {group.rule}",
                    "remove field:, or write rule: answer",
                )
            return
        if group.field is None:
            self.diagnostics.error(
                group.location("rule"),
                f"the group '{group.id}' has rule: answer and names no question",
                "add field: the id of a yes/no question of the aanmeldformulier, e.g. "
                "field: broer_zus",
            )
            return
        if self.questions is None:
            return
        kind = self.questions.get(group.field)
        if kind is None:
            yes_no = sorted(name for name, kind in self.questions.items() if kind == ANSWER_TYPE)
            self.diagnostics.error(
                group.location("field"),
                f"the aanmeldformulier of region {self.policy.region} has no question "
                f"'{group.field}'",
                did_you_mean(group.field, yes_no)
                or (
                    "its yes/no questions: " + ", ".join(yes_no)
                    if yes_no
                    else "it has no yes/no question"
                ),
            )
        elif kind != ANSWER_TYPE:
            self.diagnostics.error(
                group.location("field"),
                f"the question '{group.field}' is of type {kind}, and rule: answer needs a "
                "yes/no question",
                "name a question of type yesno",
            )

    def check_group_school(self, group: PriorityGroup, index: int, code: str) -> None:
        if code in self.codes or code in self.left_out or "schools" in self.lost:
            return
        self.diagnostics.error(
            item_location(group, "schools", index),
            f"the school {code} does not take part in this round",
            did_you_mean(code, self.codes)
            or "a group counts at the schools listed under schools: " + ", ".join(self.codes),
        )


def check_policy(
    policy: PlacementPolicy,
    diagnostics: Diagnostics,
    register: Mapping[str, str | None] | None = None,
    questions: Mapping[str, str] | None = None,
    left_out: Collection[str] = (),
    lost: Collection[str] = (),
) -> None:
    """Report every problem of ``policy``. ``register``: the known school locations (code →
    region; None: not checked); ``questions``: the fields of the region's aanmeldformulier
    (id → type; None: not checked). ``left_out``: ids and codes of items the loader left out;
    ``lost``: keys it could not read at all (nothing about them is reported)."""
    PolicyChecker(policy, diagnostics, register, questions, left_out, lost).check()
