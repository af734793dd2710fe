"""The placement round's match: what parents and a region can check of its result.

On random small rounds (hypothesis): the result is stable (no child and school that would both
rather have each other), wastes no place, cannot be beaten by a parent who misstates the list,
and is the result the ``matching`` package's deferred acceptance gives. The lottery follows
from the seed as the docs say (recomputed here with hashlib), and an explanation says in Dutch
and English why a child has its place.
"""

from __future__ import annotations

import hashlib
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.placement import matching_input, matching_placement
from engine.placement.lottery import MODES, Lottery, LotteryError, Mode, draw, draw_for, ticket
from engine.placement.match import (
    Child,
    Instance,
    PlacementError,
    Priority,
    Result,
    School,
    describe,
    ordinal,
    place,
)

# a seed is any text without a zero byte (the zero byte separates a ticket's parts)
seeds = st.text(
    st.characters(blacklist_characters="\0", blacklist_categories=["Cs"]), min_size=1, max_size=12
)
modes = st.sampled_from(MODES)


@st.composite
def rounds(
    draw_: st.DrawFn, max_children: int = 7, max_schools: int = 4
) -> tuple[Instance, dict[tuple[str, str], int]]:
    """A small round, and every child's true priority group rank at every school (also at
    schools it does not list: what it would have if it listed them)."""
    school_count = draw_(st.integers(1, max_schools))
    schools = tuple(School(f"s{i}", draw_(st.integers(0, 3))) for i in range(school_count))
    groups = tuple(f"g{i}" for i in range(draw_(st.integers(0, 2))))
    children = []
    ranks: dict[tuple[str, str], int] = {}
    for c in range(draw_(st.integers(0, max_children))):
        child = f"c{c}"
        for school in schools:
            ranks[child, school.id] = draw_(st.integers(0, len(groups)))
        order = draw_(st.permutations([school.id for school in schools]))
        listed = order[: draw_(st.integers(0, school_count))]
        children.append(Child(child, tuple((s, ranks[child, s]) for s in listed)))
    return Instance(tuple(children), schools, groups), ranks


def run(instance: Instance, seed: str, mode: Mode) -> Result:
    return place(instance, draw_for(instance, seed, mode))


def check_feasible(result: Result) -> None:
    """Each child at most at one school it listed; no school over its capacity."""
    instance = result.instance
    for child in instance.children:
        school = result.placed[child.id]
        assert school is None or school in dict(child.preferences)
    for school in instance.schools:
        admitted = result.admitted[school.id]
        assert len(admitted) <= school.capacity
        assert all(result.placed[child] == school.id for child in admitted)
        if admitted:
            worst = max(result.priority(child, school.id) for child in admitted)
            assert result.cutoffs[school.id] == worst
        else:
            assert result.cutoffs[school.id] is None
    assert sum(len(a) for a in result.admitted.values()) == sum(
        school is not None for school in result.placed.values()
    )


def schools_above(child: Child, result: Result) -> list[str]:
    """The schools the child listed above its place (all of them if unplaced)."""
    listed = [school for school, _ in child.preferences]
    school = result.placed[child.id]
    return listed if school is None else listed[: listed.index(school)]


@settings(max_examples=150, deadline=None)
@given(rounds(), seeds, modes)
def test_no_child_and_school_would_both_rather_have_each_other(
    generated: tuple[Instance, dict[tuple[str, str], int]], seed: str, mode: Mode
) -> None:
    instance, _ = generated
    result = run(instance, seed, mode)
    check_feasible(result)
    capacity = {school.id: school.capacity for school in instance.schools}
    for child in instance.children:
        for school in schools_above(child, result):
            own = result.priority(child.id, school)
            admitted = result.admitted[school]
            # the child wants this school more than its place: the school must be full with
            # children it ranks higher
            assert len(admitted) == capacity[school], "a place was wasted"
            assert all(result.priority(other, school) < own for other in admitted), (
                f"{child.id} and {school} block"
            )


@settings(max_examples=150, deadline=None)
@given(rounds(), seeds, modes)
def test_no_child_is_placed_below_a_school_with_room(
    generated: tuple[Instance, dict[tuple[str, str], int]], seed: str, mode: Mode
) -> None:
    instance, _ = generated
    result = run(instance, seed, mode)
    for child in instance.children:
        for school in schools_above(child, result):
            assert result.full(school), f"{child.id} is placed below {school}, which had room"


def outcome_for(true_list: list[str], school: str | None) -> int:
    """How good ``school`` is for a child whose true order is ``true_list``: its position on
    it (0 best); no place, or a school not on the true list, counts as the worst."""
    return true_list.index(school) if school in true_list else len(true_list)


@settings(max_examples=60, deadline=None)
@given(rounds(max_children=5, max_schools=3), seeds, modes)
def test_no_child_gains_by_misstating_its_list(
    generated: tuple[Instance, dict[tuple[str, str], int]], seed: str, mode: Mode
) -> None:
    instance, ranks = generated
    truthful = run(instance, seed, mode)
    every_school = [school.id for school in instance.schools]
    lists = [
        order
        for length in range(len(every_school) + 1)
        for order in itertools.permutations(every_school, length)
    ]
    for position, child in enumerate(instance.children):
        true_list = [school for school, _ in child.preferences]
        honest = outcome_for(true_list, truthful.placed[child.id])
        for stated in lists:
            # the priority group at a school is a fact about the child, not something stated
            liar = Child(child.id, tuple((school, ranks[child.id, school]) for school in stated))
            children = list(instance.children)
            children[position] = liar
            lied = run(Instance(tuple(children), instance.schools, instance.groups), seed, mode)
            assert outcome_for(true_list, lied.placed[child.id]) >= honest, (
                f"{child.id} gains by stating {stated} instead of {true_list}"
            )


@settings(max_examples=100, deadline=None)
@given(rounds(), seeds, modes)
def test_the_result_is_the_matching_packages_deferred_acceptance(
    generated: tuple[Instance, dict[tuple[str, str], int]], seed: str, mode: Mode
) -> None:
    instance, _ = generated
    lottery = draw_for(instance, seed, mode)
    residents, hospitals, capacities = matching_input(instance, lottery)
    ids = [child.id for child in instance.children]
    assert place(instance, lottery).placed == matching_placement(
        residents, hospitals, capacities, ids
    )


@settings(max_examples=100, deadline=None)
@given(rounds(), seeds, modes)
def test_the_order_of_the_children_does_not_change_the_result(
    generated: tuple[Instance, dict[tuple[str, str], int]], seed: str, mode: Mode
) -> None:
    instance, _ = generated
    turned = Instance(instance.children[::-1], instance.schools[::-1], instance.groups)
    first, second = run(instance, seed, mode), run(turned, seed, mode)
    assert first.placed == {child: second.placed[child] for child in first.placed}
    assert first.cutoffs == second.cutoffs


@settings(max_examples=100, deadline=None)
@given(rounds(), seeds, modes)
def test_every_explanation_agrees_with_the_result(
    generated: tuple[Instance, dict[tuple[str, str], int]], seed: str, mode: Mode
) -> None:
    instance, _ = generated
    result = run(instance, seed, mode)
    for child in instance.children:
        explanation = result.explain(child.id)
        assert explanation.school == result.placed[child.id]
        assert [r.school for r in explanation.refusals] == schools_above(child, result)
        for refusal in explanation.refusals:
            assert refusal.cutoff is None or refusal.cutoff < refusal.own
        for language in ("nl", "en"):
            assert describe(explanation, language)


# The lottery


def recomputed(seed: str, children: list[str], school: str | None = None) -> dict[str, int]:
    """The numbers as docs/placement-algorithm.md tells anyone to compute them."""
    text = (lambda c: f"{seed}\0{c}") if school is None else (lambda c: f"{seed}\0{c}\0{school}")
    tickets = {c: hashlib.sha256(text(c).encode("utf-8")).hexdigest() for c in children}
    return {c: n for n, c in enumerate(sorted(children, key=lambda c: (tickets[c], c)), 1)}


@settings(max_examples=100, deadline=None)
@given(rounds(), seeds)
def test_the_lottery_numbers_follow_from_the_seed_as_documented(
    generated: tuple[Instance, dict[tuple[str, str], int]], seed: str
) -> None:
    instance, _ = generated
    ids = [child.id for child in instance.children]
    single = draw_for(instance, seed, "single")
    assert single.to_json() == recomputed(seed, ids)
    per_school = draw_for(instance, seed, "per_school")
    for school, applicants in instance.applicants().items():
        assert per_school.to_json()[school] == recomputed(seed, applicants, school)
        for child in applicants:
            assert per_school.number(child, school) == per_school.numbers_at(school)[child]


def test_a_ticket_is_the_sha256_of_the_seed_and_the_ids_between_zero_bytes() -> None:
    # printf 'ronde-2026\0k1' | sha256sum
    assert ticket("ronde-2026", "k1") == hashlib.sha256(b"ronde-2026\x00k1").hexdigest()
    assert ticket("ronde-2026", "k1", "s1") == hashlib.sha256(b"ronde-2026\x00k1\x00s1").hexdigest()
    numbers = draw("ronde-2026", ["k1", "k2", "k3"], ["s1"], "single")
    assert sorted(numbers.to_json().values()) == [1, 2, 3]
    assert draw("ronde-2026", ["k1", "k2", "k3"], ["s1"], "single") == numbers


def test_a_lottery_refuses_what_cannot_be_drawn() -> None:
    with pytest.raises(LotteryError, match="'tombola' is not a lottery mode"):
        draw("seed", ["k1"], ["s1"], "tombola")  # type: ignore[arg-type]
    with pytest.raises(LotteryError, match="a lottery's seed is a non-empty text"):
        draw("", ["k1"], ["s1"], "single")
    with pytest.raises(LotteryError, match="zero byte"):
        draw("seed", ["k\0"], ["s1"], "single")
    with pytest.raises(LotteryError, match="not text that UTF-8 can write"):
        draw("\ud800", ["k1"], ["s1"], "single")
    with pytest.raises(LotteryError, match="the child 'k1' occurs twice"):
        draw("seed", ["k1", "k1"], ["s1"], "single")
    with pytest.raises(LotteryError, match="two children share a lottery number"):
        Lottery("seed", "single", {"k1": 1, "k2": 1}, {})
    with pytest.raises(LotteryError, match="child 'k9' has no lottery number at school 's1'"):
        draw("seed", ["k1"], ["s1"], "per_school").number("k9", "s1")


# Explanations: one round worked out by hand


def worked_round() -> Result:
    """Two schools of one place and one of two; a sibling at De Linde; the lottery decides
    the rest. The numbers are fixed here, as a round's log would hold them."""
    instance = Instance(
        children=(
            Child("anna", (("linde", 0), ("es", 2))),  # a sibling at De Linde
            Child("bram", (("linde", 2), ("es", 2), ("eik", 2))),
            Child("cor", (("linde", 2), ("es", 2), ("eik", 3))),
            Child("dina", (("linde", 3), ("es", 3))),
        ),
        schools=(School("linde", 1), School("es", 1), School("eik", 2)),
        groups=("sibling", "ve", "neighbourhood"),
    )
    lottery = Lottery("seed", "single", {"anna": 4, "bram": 2, "cor": 1, "dina": 3}, {})
    return place(instance, lottery)


def test_a_worked_round_places_by_group_then_lottery_number() -> None:
    result = worked_round()
    assert result.placed == {"anna": "linde", "cor": "es", "bram": "eik", "dina": None}
    assert result.cutoffs == {
        "linde": Priority(0, 4),
        "es": Priority(2, 1),
        "eik": Priority(2, 2),
    }
    assert result.unplaced == ("dina",)
    assert result.full("linde") and not result.full("eik")


def test_an_explanation_says_why_in_dutch_and_english() -> None:
    result = worked_round()
    names = {"linde": "De Linde", "es": "De Es", "eik": "De Eik"}
    groups = {"sibling": "broer of zus", "neighbourhood": "buurt"}
    bram = result.explain("bram")
    assert (bram.school, bram.choice, bram.listed) == ("eik", 3, 3)
    assert [(r.school, r.reason) for r in bram.refusals] == [
        ("linde", "better_group"),
        ("es", "better_number"),
    ]
    assert describe(bram, "nl", school_names=names, group_names=groups) == (
        "Uw kind heeft een plaats op De Eik (uw 3e keuze). "
        "De Linde (uw 1e keuze) was vol met kinderen uit een hogere voorrangsgroep: het laatst "
        "toegelaten kind viel in de groep ‘broer of zus’, uw kind in de groep ‘buurt’. "
        "De Es (uw 2e keuze) was vol met kinderen uit een hogere voorrangsgroep of met een "
        "beter lotnummer in de groep van uw kind (‘buurt’): het laatst toegelaten kind had "
        "lotnummer 1, uw kind lotnummer 2."
    )
    assert describe(bram, "en", school_names=names) == (
        "Your child has a place at De Eik (your 3rd choice). "
        "De Linde (your 1st choice) was full with children of a higher priority group: the "
        "last child admitted was in the group ‘sibling’, your child in the group "
        "‘neighbourhood’. "
        "De Es (your 2nd choice) was full with children of a higher priority group or with a "
        "better lottery number in your child's group (‘neighbourhood’): the last child "
        "admitted had lottery number 1, your child number 2."
    )
    assert describe(result.explain("anna"), "en") == (
        "Your child has a place at linde (your 1st choice)."
    )


def test_an_unplaced_child_hears_about_every_school_on_its_list() -> None:
    dina = worked_round().explain("dina")
    assert dina.school is None and dina.choice is None and dina.priority is None
    assert describe(dina, "nl") == (
        "Uw kind heeft in deze ronde geen plaats gekregen op een van de 2 scholen op uw lijst. "
        "linde (uw 1e keuze) was vol met kinderen uit een hogere voorrangsgroep: het laatst "
        "toegelaten kind viel in de groep ‘sibling’, uw kind in geen voorrangsgroep. "
        "es (uw 2e keuze) was vol met kinderen uit een hogere voorrangsgroep: het laatst "
        "toegelaten kind viel in de groep ‘neighbourhood’, uw kind in geen voorrangsgroep."
    )
    # other languages get Dutch
    assert describe(dina, "fy") == describe(dina, "nl")


def test_a_school_without_places_and_a_child_without_a_list_are_explained() -> None:
    instance = Instance(
        children=(Child("k1", (("dicht", 0), ("open", 0))), Child("k2", ())),
        schools=(School("dicht", 0), School("open", 3)),
        groups=(),
    )
    result = place(instance, draw_for(instance, "seed", "single"))
    assert result.placed == {"k1": "open", "k2": None}
    assert describe(result.explain("k1"), "en") == (
        "Your child has a place at open (your 2nd choice). dicht (your 1st choice) had no "
        "places in this round."
    )
    assert describe(result.explain("k2"), "nl") == (
        "Uw lijst noemt geen scholen, dus uw kind heeft in deze ronde geen plaats."
    )


def test_the_same_group_with_no_priority_is_explained_by_the_lottery_number() -> None:
    instance = Instance(
        children=(Child("k1", (("a", 1), ("b", 1))), Child("k2", (("a", 1),))),
        schools=(School("a", 1), School("b", 1)),
        groups=("sibling",),
    )
    lottery = Lottery("seed", "single", {"k1": 2, "k2": 1}, {})
    explanation = place(instance, lottery).explain("k1")
    assert describe(explanation, "en") == (
        "Your child has a place at b (your 2nd choice). a (your 1st choice) was full with "
        "children of a priority group or with a better lottery number among the children "
        "without priority: the last child admitted had lottery number 1, your child number 2."
    )


@pytest.mark.parametrize(
    ("number", "en", "nl"),
    [
        (1, "1st", "1e"),
        (2, "2nd", "2e"),
        (3, "3rd", "3e"),
        (4, "4th", "4e"),
        (11, "11th", "11e"),
        (12, "12th", "12e"),
        (21, "21st", "21e"),
        (112, "112th", "112e"),
    ],
)
def test_choices_are_counted_as_people_write_them(number: int, en: str, nl: str) -> None:
    assert (ordinal(number, "en"), ordinal(number, "nl")) == (en, nl)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Child("k1", (("a", 0), ("a", 1))), "child 'k1' lists school 'a' twice"),
        (lambda: Child("k1", (("a", -1),)), "priority group rank -1 at school 'a'"),
        (lambda: School("a", -2), "school 'a' has capacity -2"),
        (
            lambda: Instance((Child("k1", (("x", 0),)),), (School("a", 1),), ()),
            "child 'k1' lists school 'x', which is not in the round",
        ),
        (
            lambda: Instance((Child("k1", (("a", 2),)),), (School("a", 1),), ("sibling",)),
            "child 'k1' has priority group rank 2 at school 'a'",
        ),
        (
            lambda: Instance((Child("k1", ()), Child("k1", ())), (School("a", 1),), ()),
            "child 'k1' occurs twice in the round",
        ),
        (lambda: Instance((), (School("a", 1), School("a", 2)), ()), "a school occurs twice"),
    ],
)
def test_a_round_that_cannot_be_placed_is_refused(build: object, message: str) -> None:
    with pytest.raises(PlacementError, match=message):
        build()  # type: ignore[operator]
