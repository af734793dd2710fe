"""The placement round's match: child-proposing deferred acceptance with priorities and a lottery.

A round has children, each with the schools the parents listed in their order of preference,
and schools, each with a number of places. At every school a child belongs to one of the
policy's priority groups (sibling, pre-school with VE, neighbourhood, ...) or to none; rank 0
is the best group and rank ``len(groups)`` is "no priority group". A school orders the
children who list it by their **priority**: (group rank, lottery number), lower first
(:mod:`engine.placement.lottery` draws the numbers).

:func:`place` runs deferred acceptance (Gale and Shapley; the version for schools with several
places): every child applies to the first school on its list; a school holds on to its best
applicants up to its capacity and turns away the rest; a child turned away applies to the next
school on its list; this repeats until no child is turned away by a school it has not yet
applied to. A school's hold is provisional: a better applicant later on takes the place of
the worst one held, who then applies further down the list.

Because every school orders children strictly (a lottery number breaks every tie), the result:

* is **stable**: no child and school would both rather have each other: a school a child
  prefers to its place is full with children of a better priority;
* wastes no place: no child is placed below (or left without) a school with a free place
  that it listed;
* is **strategy-proof** for the parents: no list other than their true order of preference
  gives their child a place they like better;
* does not depend on the order in which children apply, and is the best stable result for
  every child at once.

:meth:`Result.explain` says for one child why it got its place (and not one higher on its
list); :func:`describe` writes that as sentences in Dutch or English. A school's **cutoff** is
the priority of the last (worst) child it admitted.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from ..errors import HintedError
from .lottery import Lottery

DEFAULT_LANGUAGE = "nl"


class PlacementError(HintedError):
    """A round's input that cannot be placed: a school listed twice, an unknown school, ..."""


@dataclass(frozen=True, slots=True)
class Child:
    """A child in a round: an opaque token (no names in a round) and the parents' list of
    (school id, priority group rank at that school), most wanted school first."""

    id: str
    preferences: tuple[tuple[str, int], ...]

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise PlacementError(f"a child's id is a non-empty text, not {self.id!r}")
        seen: set[str] = set()
        for entry in self.preferences:
            school, rank = entry
            if school in seen:
                raise PlacementError(
                    f"child '{self.id}' lists school '{school}' twice",
                    "a list names every school once, in the parents' order of preference",
                )
            seen.add(school)
            if isinstance(rank, bool) or not isinstance(rank, int) or rank < 0:
                raise PlacementError(
                    f"child '{self.id}' has priority group rank {rank!r} at school '{school}'",
                    "a rank is a whole number from 0 (the best group)",
                )

    def choice(self, school: str) -> int | None:
        """The position (1 for the first choice) of ``school`` on the list, or None."""
        for position, (listed, _rank) in enumerate(self.preferences, 1):
            if listed == school:
                return position
        return None


@dataclass(frozen=True, slots=True)
class School:
    id: str
    capacity: int

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise PlacementError(f"a school's id is a non-empty text, not {self.id!r}")
        if isinstance(self.capacity, bool) or not isinstance(self.capacity, int):
            raise PlacementError(f"school '{self.id}' has capacity {self.capacity!r}")
        if self.capacity < 0:
            raise PlacementError(
                f"school '{self.id}' has capacity {self.capacity}", "0 or more places"
            )


@dataclass(frozen=True, slots=True)
class Instance:
    """A round's input. ``groups``: the priority groups' ids in order (rank i = groups[i]);
    rank ``len(groups)`` is "no priority group"."""

    children: tuple[Child, ...]
    schools: tuple[School, ...]
    groups: tuple[str, ...]

    def __post_init__(self) -> None:
        schools = {school.id for school in self.schools}
        if len(schools) != len(self.schools):
            raise PlacementError("a school occurs twice in the round", _twice(self.schools))
        if len(set(self.groups)) != len(self.groups):
            raise PlacementError("a priority group occurs twice in the round's groups")
        none = len(self.groups)
        ids: set[str] = set()
        for child in self.children:
            if child.id in ids:
                raise PlacementError(f"child '{child.id}' occurs twice in the round")
            ids.add(child.id)
            for school, rank in child.preferences:
                if school not in schools:
                    raise PlacementError(
                        f"child '{child.id}' lists school '{school}', which is not in the round"
                    )
                if rank > none:
                    raise PlacementError(
                        f"child '{child.id}' has priority group rank {rank} at school '{school}'",
                        (
                            f"the round has {none} priority groups: ranks 0 to {none - 1}, "
                            f"and {none} for no priority group"
                        )
                        if none
                        else "the round has no priority groups: every rank is 0",
                    )

    def applicants(self) -> dict[str, list[str]]:
        """school -> the children who list it (in the order of ``children``), every school."""
        result: dict[str, list[str]] = {school.id: [] for school in self.schools}
        for child in self.children:
            for school, _rank in child.preferences:
                result[school].append(child.id)
        return result

    def group(self, rank: int) -> str | None:
        """The id of the priority group of ``rank``; None for "no priority group"."""
        return self.groups[rank] if rank < len(self.groups) else None


def _twice(schools: tuple[School, ...]) -> str:
    seen: set[str] = set()
    for school in schools:
        if school.id in seen:
            return f"'{school.id}' is named twice"
        seen.add(school.id)
    return ""


@dataclass(frozen=True, slots=True, order=True)
class Priority:
    """A child's place in a school's order: (group rank, lottery number); lower is better."""

    rank: int
    number: int


Reason = Literal["no_places", "better_group", "better_number"]


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a child has no place at a school higher on its list than its place.

    * ``no_places``: the school had no places in the round;
    * ``better_group``: the school was full with children of a better priority group: its
      cutoff's group is better than the child's;
    * ``better_number``: the school was full, and the last child admitted was of the child's
      own group with a better lottery number (so every child admitted was of a better group,
      or of the same group with a better number).
    """

    school: str
    choice: int  # the school's position on the child's list, 1 for the first choice
    reason: Reason
    own: Priority  # the child's priority at the school
    cutoff: Priority | None  # the last admitted child's priority (None: no places)
    own_group: str | None  # None: no priority group
    cutoff_group: str | None


@dataclass(frozen=True, slots=True)
class Explanation:
    """A child's outcome: the school placed at (None: no place) and its position on the list,
    and for every school above it (every listed school if unplaced) why not."""

    child: str
    school: str | None
    choice: int | None
    listed: int  # how many schools the list names
    priority: Priority | None  # the child's priority at its school
    group: str | None  # its priority group there (None: no group, or no place)
    refusals: tuple[Refusal, ...]


@dataclass(frozen=True)
class Result:
    """The outcome of :func:`place`. ``placed``: child -> school id or None (unplaced), in the
    instance's order; ``admitted``: school -> its children, best priority first; ``cutoffs``:
    school -> the priority of its last (worst) admitted child, None if it admitted none."""

    instance: Instance
    lottery: Lottery
    placed: dict[str, str | None]
    admitted: dict[str, tuple[str, ...]]
    cutoffs: dict[str, Priority | None]
    _children: dict[str, Child] = field(init=False, repr=False, compare=False)
    _capacities: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_children", {c.id: c for c in self.instance.children})
        object.__setattr__(self, "_capacities", {s.id: s.capacity for s in self.instance.schools})

    @property
    def unplaced(self) -> tuple[str, ...]:
        """The children without a place, in the instance's order."""
        return tuple(child for child, school in self.placed.items() if school is None)

    def full(self, school: str) -> bool:
        """Whether ``school`` filled all its places (a school without places is full)."""
        return len(self.admitted[school]) >= self._capacities[school]

    def priority(self, child: str, school: str) -> Priority:
        """The priority of ``child`` at ``school`` (a school on its list)."""
        rank = dict(self._child(child).preferences).get(school)
        if rank is None:
            raise PlacementError(f"child '{child}' does not list school '{school}'")
        return Priority(rank, self.lottery.number(child, school))

    def explain(self, child_id: str) -> Explanation:
        """Why ``child_id`` got its place: see :class:`Explanation`."""
        child = self._child(child_id)
        school = self.placed.get(child_id)
        listed = len(child.preferences)
        choice = child.choice(school) if school is not None else None
        above = child.preferences[: choice - 1] if choice is not None else child.preferences
        capacities = self._capacities
        refusals = []
        for position, (other, rank) in enumerate(above, 1):
            own = Priority(rank, self.lottery.number(child_id, other))
            cutoff = self.cutoffs[other]
            if capacities[other] == 0:
                reason: Reason = "no_places"
            elif cutoff is None or not self.full(other) or not cutoff < own:
                raise AssertionError(f"unstable result: {child_id} and {other}")  # not DA's
            else:
                reason = "better_group" if cutoff.rank < own.rank else "better_number"
            refusals.append(
                Refusal(
                    school=other,
                    choice=position,
                    reason=reason,
                    own=own,
                    cutoff=cutoff,
                    own_group=self.instance.group(own.rank),
                    cutoff_group=None if cutoff is None else self.instance.group(cutoff.rank),
                )
            )
        priority = None if school is None else self.priority(child_id, school)
        return Explanation(
            child=child_id,
            school=school,
            choice=choice,
            listed=listed,
            priority=priority,
            group=None if priority is None else self.instance.group(priority.rank),
            refusals=tuple(refusals),
        )

    def _child(self, child_id: str) -> Child:
        try:
            return self._children[child_id]
        except KeyError:
            raise PlacementError(f"child '{child_id}' is not in the round") from None


def place(instance: Instance, lottery: Lottery) -> Result:
    """Child-proposing deferred acceptance (see the module): every school orders the
    children who list it by (group rank, lottery number), lower first."""
    schools = instance.schools
    children = instance.children
    count = len(children)
    index = {school.id: i for i, school in enumerate(schools)}
    capacity = [school.capacity for school in schools]
    tables = [lottery.numbers_at(school.id) for school in schools]
    # A child's priority at a school as one integer, lower is better, with the child's index
    # in the last digits: (rank * stride + number) * count + child. Every school's numbers
    # differ, so two children never compare equal and the child can be read back (% count).
    stride = lottery.largest() + 1
    targets: list[list[int]] = []
    codes: list[list[int]] = []
    for c, child in enumerate(children):
        wanted = []
        keys = []
        for school_id, rank in child.preferences:
            s = index[school_id]
            try:
                number = tables[s][child.id]
            except KeyError:
                lottery.number(child.id, school_id)  # raises the error that names both
                raise
            wanted.append(s)
            keys.append((rank * stride + number) * count + c)
        targets.append(wanted)
        codes.append(keys)

    held: list[list[int]] = [[] for _ in schools]  # per school: a max-heap (negated codes)
    following = [0] * count  # per child: the position on its list of its next application
    free = list(range(count - 1, -1, -1))
    heappush, heapreplace = heapq.heappush, heapq.heapreplace
    while free:
        c = free.pop()
        wanted = targets[c]
        keys = codes[c]
        k = following[c]
        end = len(wanted)
        while k < end:
            s = wanted[k]
            code = keys[k]
            k += 1
            heap = held[s]
            if len(heap) < capacity[s]:
                heappush(heap, -code)
                break
            if heap and -heap[0] > code:  # better than the worst child the school holds
                free.append(-heapreplace(heap, -code) % count)
                break
        following[c] = k

    placed: dict[str, str | None] = {child.id: None for child in children}
    admitted: dict[str, tuple[str, ...]] = {}
    cutoffs: dict[str, Priority | None] = {}
    for s, school in enumerate(schools):
        ordered = sorted(-code for code in held[s])
        names = tuple(children[code % count].id for code in ordered)
        for name in names:
            placed[name] = school.id
        admitted[school.id] = names
        if ordered:
            rank, number = divmod(ordered[-1] // count, stride)
            cutoffs[school.id] = Priority(rank, number)
        else:
            cutoffs[school.id] = None
    return Result(instance, lottery, placed, admitted, cutoffs)


# One place for the words of an explanation: describe() writes them. Other languages: Dutch.
_WORDS: dict[str, dict[str, str]] = {
    "placed": {
        "nl": "Uw kind heeft een plaats op {school} ({choice}).",
        "en": "Your child has a place at {school} ({choice}).",
    },
    "unplaced": {
        "nl": "Uw kind heeft in deze ronde geen plaats gekregen op een van de {count} "
        "scholen op uw lijst.",
        "en": "Your child has no place in this round at any of the {count} schools on your list.",
    },
    "unplaced_one": {
        "nl": "Uw kind heeft in deze ronde geen plaats gekregen op de school op uw lijst.",
        "en": "Your child has no place in this round at the school on your list.",
    },
    "nothing_listed": {
        "nl": "Uw lijst noemt geen scholen, dus uw kind heeft in deze ronde geen plaats.",
        "en": "Your list names no schools, so your child has no place in this round.",
    },
    "no_places": {
        "nl": "{school} ({choice}) had in deze ronde geen plaatsen.",
        "en": "{school} ({choice}) had no places in this round.",
    },
    "better_group": {
        "nl": "{school} ({choice}) was vol met kinderen uit een hogere voorrangsgroep: het "
        "laatst toegelaten kind viel in {cutoff_group}, uw kind {own_group}.",
        "en": "{school} ({choice}) was full with children of a higher priority group: the "
        "last child admitted was in {cutoff_group}, your child {own_group}.",
    },
    "better_number": {
        "nl": "{school} ({choice}) was vol met kinderen uit een hogere voorrangsgroep of met "
        "een beter lotnummer in de groep van uw kind ({own_group}): het laatst toegelaten "
        "kind had lotnummer {cutoff_number}, uw kind lotnummer {own_number}.",
        "en": "{school} ({choice}) was full with children of a higher priority group or with "
        "a better lottery number in your child's group ({own_group}): the last child "
        "admitted had lottery number {cutoff_number}, your child number {own_number}.",
    },
    "better_number_no_group": {
        "nl": "{school} ({choice}) was vol met kinderen uit een voorrangsgroep of met een beter "
        "lotnummer onder de kinderen zonder voorrang: het laatst toegelaten kind had lotnummer "
        "{cutoff_number}, uw kind lotnummer {own_number}.",
        "en": "{school} ({choice}) was full with children of a priority group or with a better "
        "lottery number among the children without priority: the last child admitted had "
        "lottery number {cutoff_number}, your child number {own_number}.",
    },
    "choice": {"nl": "uw {ordinal} keuze", "en": "your {ordinal} choice"},
    "in_group": {"nl": "de groep {group}", "en": "the group {group}"},
    "own_in_group": {"nl": "in de groep {group}", "en": "in the group {group}"},
    "own_no_group": {"nl": "in geen voorrangsgroep", "en": "in no priority group"},
}


def _word(key: str, language: str) -> str:
    words = _WORDS[key]
    return words.get(language, words[DEFAULT_LANGUAGE])


def ordinal(number: int, language: str) -> str:
    """``1e``, ``2e`` (nl); ``1st``, ``2nd``, ``3rd``, ``11th`` (en)."""
    if language != "en":
        return f"{number}e"
    if number % 100 in (11, 12, 13):
        return f"{number}th"
    return f"{number}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(number % 10, 'th') }"


def describe(
    explanation: Explanation,
    language: str,
    *,
    school_names: Mapping[str, str] | None = None,
    group_names: Mapping[str, str] | None = None,
) -> str:
    """The explanation as sentences for the parents, in ``language`` (nl, en; other
    languages get Dutch). ``school_names`` and ``group_names`` map ids to the names to show
    (in that language); an id without a name is shown as it is."""
    schools = school_names or {}
    groups = group_names or {}

    def choice(position: int) -> str:
        return _word("choice", language).format(ordinal=ordinal(position, language))

    def group(name: str) -> str:
        return _word("in_group", language).format(group=f"‘{groups.get(name, name)}’")

    def own_group(name: str | None) -> str:
        if name is None:
            return _word("own_no_group", language)
        return _word("own_in_group", language).format(group=f"‘{groups.get(name, name)}’")

    if explanation.school is not None and explanation.choice is not None:
        head = _word("placed", language).format(
            school=schools.get(explanation.school, explanation.school),
            choice=choice(explanation.choice),
        )
    elif explanation.listed == 0:
        head = _word("nothing_listed", language)
    elif explanation.listed == 1:
        head = _word("unplaced_one", language)
    else:
        head = _word("unplaced", language).format(count=explanation.listed)
    sentences = [head]
    for refusal in explanation.refusals:
        name = schools.get(refusal.school, refusal.school)
        if refusal.reason == "no_places" or refusal.cutoff is None:
            sentences.append(
                _word("no_places", language).format(school=name, choice=choice(refusal.choice))
            )
        elif refusal.reason == "better_group":
            sentences.append(
                _word("better_group", language).format(
                    school=name,
                    choice=choice(refusal.choice),
                    cutoff_group=group(refusal.cutoff_group or ""),
                    own_group=own_group(refusal.own_group),
                )
            )
        else:
            own = refusal.own_group
            sentences.append(
                _word("better_number" if own else "better_number_no_group", language).format(
                    school=name,
                    choice=choice(refusal.choice),
                    own_group=f"‘{groups.get(own, own)}’" if own else "",
                    cutoff_number=refusal.cutoff.number,
                    own_number=refusal.own.number,
                )
            )
    return " ".join(sentences)


__all__ = [
    "Child",
    "Explanation",
    "Instance",
    "PlacementError",
    "Priority",
    "Reason",
    "Refusal",
    "Result",
    "School",
    "describe",
    "ordinal",
    "place",
]
