"""A placement round's log: anyone holding it can rerun the round and find every change.

The log is written to a file and read back as a region would publish it; then the input, the
lottery numbers and the result are changed one at a time, and verification names each change.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from engine.placement.lottery import Mode, draw, draw_for
from engine.placement.match import Child, Instance, School, place
from engine.placement.roundlog import (
    FORMAT,
    RoundLogError,
    canonical_json,
    dump_log,
    input_sha256,
    instance_from_json,
    instance_to_json,
    load_log,
    make_log,
    verify,
)

from .test_placement_match import modes, rounds, seeds

POLICY = {"id": "noord-groep1-2026", "version": 3}


def demo_round() -> Instance:
    return Instance(
        children=(
            Child("k-7f3a", (("linde", 0), ("es", 2))),
            Child("k-19bc", (("linde", 2), ("es", 2), ("eik", 2))),
            Child("k-c002", (("linde", 2), ("es", 3), ("eik", 3))),
            Child("k-0e91", (("es", 3), ("linde", 3))),
            Child("k-55d0", (("eik", 1),)),
        ),
        schools=(School("linde", 1), School("es", 1), School("eik", 2)),
        groups=("sibling", "ve", "neighbourhood"),
    )


def logged(mode: Mode = "single", seed: str = "2026-03-01 notaris") -> dict[str, Any]:
    instance = demo_round()
    result = place(instance, draw_for(instance, seed, mode))
    return make_log(instance, mode, seed, result, POLICY)


@pytest.mark.parametrize("mode", ["single", "per_school"])
def test_a_published_log_verifies_after_a_trip_through_a_file(mode: Mode, tmp_path: Path) -> None:
    log = logged(mode)
    path = tmp_path / "ronde.json"
    dump_log(log, path)
    read = load_log(path)
    assert read == log
    checked = verify(read)
    assert checked.ok, checked.problems
    assert checked.result is not None
    assert read["result"]["placed"] == checked.result.placed
    assert read["policy"] == POLICY and read["format"] == FORMAT
    assert read["lottery"]["mode"] == mode


def test_the_input_hash_is_the_sha256_of_the_sorted_keys_json() -> None:
    log = logged()
    text = json.dumps(log["input"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert log["input_sha256"] == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert input_sha256(demo_round()) == log["input_sha256"]
    assert canonical_json(log["input"]) == text.encode("utf-8")
    # the canonical input lists schools and children by id: the order given does not count
    turned = demo_round()
    turned = Instance(turned.children[::-1], turned.schools[::-1], turned.groups)
    assert input_sha256(turned) == log["input_sha256"]
    assert [c["id"] for c in log["input"]["children"]] == sorted(c.id for c in turned.children)


def test_a_changed_preference_is_found() -> None:
    log = logged()
    log["input"]["children"][0]["preferences"].reverse()
    problems = verify(log).problems
    assert any("the input is not the input the round was logged with" in p for p in problems)


def test_a_changed_placement_and_cutoff_are_found() -> None:
    log = logged()
    placed = log["result"]["placed"]
    child = next(c for c, school in placed.items() if school == "eik")
    placed[child] = "linde"
    log["result"]["cutoffs"]["es"] = [0, 1]
    problems = verify(log).problems
    assert f"child '{child}': the log places it at school 'linde', the round at school 'eik'" in (
        problems
    )
    assert any(p.startswith("the cutoff of school 'es': the log says [0, 1]") for p in problems)
    assert len(problems) == 2


def test_wrong_lottery_numbers_are_found_one_by_one() -> None:
    log = logged()
    numbers = log["lottery"]["numbers"]
    first, second = sorted(numbers)[:2]
    numbers[first], numbers[second] = numbers[second], numbers[first]
    problems = verify(log).problems
    for child in (first, second):
        assert any(p.startswith(f"the lottery number of child '{child}'") for p in problems)


def test_wrong_per_school_numbers_name_the_school() -> None:
    log = logged("per_school")
    numbers = log["lottery"]["numbers"]["linde"]
    child = sorted(numbers)[0]
    numbers[child] += 100
    problems = verify(log).problems
    assert any(
        p.startswith(f"the lottery number of child '{child}' at school 'linde': the log says")
        for p in problems
    )


def test_another_seed_changes_every_number_it_touches() -> None:
    log = logged()
    original = copy.deepcopy(log)
    log["seed"] = "another seed"
    problems = verify(log).problems
    assert problems, "a different seed went unnoticed"
    assert verify(original).ok


def test_a_log_that_is_no_log_is_refused_plainly(tmp_path: Path) -> None:
    assert verify([]).problems == ["the log is not a JSON object"]
    assert "the log's version is 7, not 1" in verify({**logged(), "version": 7}).problems
    assert (
        "the log does not name the policy's id and version"
        in verify({**logged(), "policy": {"id": "x"}}).problems
    )
    broken = logged()
    broken["input"]["schools"][0]["capacity"] = "vol"
    assert any("has capacity 'vol'" in p for p in verify(broken).problems)
    path = tmp_path / "lijst.json"
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(RoundLogError, match="is not a JSON object"):
        load_log(path)
    path.write_text("{", encoding="utf-8")
    with pytest.raises(RoundLogError, match="cannot read the round's log"):
        load_log(path)


def test_a_log_is_only_made_of_a_round_that_verifies() -> None:
    instance = demo_round()
    result = place(instance, draw_for(instance, "seed", "single"))
    with pytest.raises(RoundLogError, match="needs its id and version"):
        make_log(instance, "single", "seed", result, {"id": "x"})
    with pytest.raises(RoundLogError, match="drawn from another seed"):
        make_log(instance, "single", "other", result, POLICY)
    with pytest.raises(RoundLogError, match="lottery mode is single, not per_school"):
        make_log(instance, "per_school", "seed", result, POLICY)
    # a per-school lottery over every child at every school is not the round's lottery

    everyone = draw(
        "seed", [c.id for c in instance.children], [s.id for s in instance.schools], "per_school"
    )
    with pytest.raises(RoundLogError, match="does not verify"):
        make_log(instance, "per_school", "seed", place(instance, everyone), POLICY)


@settings(max_examples=60, deadline=None)
@given(rounds(), seeds, modes)
def test_every_round_logs_and_verifies(
    generated: tuple[Instance, dict[tuple[str, str], int]], seed: str, mode: Mode
) -> None:
    instance, _ = generated
    result = place(instance, draw_for(instance, seed, mode))
    log = json.loads(json.dumps(make_log(instance, mode, seed, result, POLICY)))
    assert verify(log).ok
    assert instance_to_json(instance_from_json(log["input"])) == log["input"]
