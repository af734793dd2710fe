"""Placement benchmark: our round (lottery + deferred acceptance) vs the ``matching`` package.

One random round of a realistic shape: ``--children`` children (20,000) listing
``--preferences`` schools each (6) out of ``--schools`` schools (300), a school's capacity
around children / schools × 1.1 (±30 %), some schools far more popular than others, and three
priority groups (sibling, VE, neighbourhood). In the same run:

* seconds: our round at that size, the lottery drawn from the seed and the match
  (:func:`engine.placement.lottery.draw_for` + :func:`engine.placement.match.place`), median of
  several runs; also each part, and making and verifying the round's log once;
* the ``matching`` package's HospitalResident game (``create_from_dictionaries`` + ``solve``,
  resident-optimal, which is child-proposing deferred acceptance) on growing rounds of the same
  shape (each school's order of children given by our lottery), each in a child process that
  is stopped after ``--limit`` seconds (60), until one takes longer or the full size is
  reached; on the largest it finished: its time, ours on the same round (``place``, median)
  and the ratio; the results are compared (they must be the same).

The last line printed is one JSON object. ``--quick`` (limit 8 s, fewer repetitions) takes
well under 60 s.

    .venv/bin/python -m benchmarks.placement [--quick] [--children N] [--limit S]
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import random
import statistics
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.placement.lottery import Lottery, Mode, draw_for
from engine.placement.match import Child, Instance, School, place
from engine.placement.roundlog import make_log, verify

REPOSITORY = Path(__file__).resolve().parent.parent
GROUPS = ("sibling", "ve", "neighbourhood")
SEED = "benchmark-2026"
FIRST_MATCHING_SIZE = 250


def realistic(children: int, schools: int, preferences: int = 6, seed: int = 2026) -> Instance:
    """A random round of a realistic shape (see the module); the same for the same arguments."""
    rng = random.Random(seed)
    mean = children / schools * 1.1
    capacities = [max(1, round(mean * rng.uniform(0.7, 1.3))) for _ in range(schools)]
    # popularity: a few schools are wanted by many (Zipf-like weights, in random order)
    weights = [1 / (i + 1) ** 0.8 for i in range(schools)]
    rng.shuffle(weights)
    cumulative = list(itertools.accumulate(weights))
    wanted = min(preferences, schools)
    everyone = []
    for c in range(children):
        picks: list[int] = []
        while len(picks) < wanted:
            for s in rng.choices(range(schools), cum_weights=cumulative, k=wanted * 2):
                if s not in picks and len(picks) < wanted:
                    picks.append(s)
        sibling = picks[0] if rng.random() < 0.12 else -1  # a brother or sister at school
        ve = rng.random() < 0.1  # pre-school with VE: priority at the first two choices
        listed = []
        for position, s in enumerate(picks):
            if s == sibling:
                rank = 0
            elif ve and position < 2:
                rank = 1
            elif rng.random() < 0.35:  # the school is in the child's neighbourhood
                rank = 2
            else:
                rank = len(GROUPS)
            listed.append((f"school-{s:03d}", rank))
        everyone.append(Child(f"child-{c:05d}", tuple(listed)))
    return Instance(
        tuple(everyone),
        tuple(School(f"school-{s:03d}", capacities[s]) for s in range(schools)),
        GROUPS,
    )


def scaled(children: int, full_children: int, full_schools: int, preferences: int) -> Instance:
    """A round of ``children`` children with the full round's children per school."""
    schools = max(preferences, round(children * full_schools / full_children))
    return realistic(children, schools, preferences)


def matching_input(
    instance: Instance, lottery: Lottery
) -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, int]]:
    """The round as the ``matching`` package's HospitalResident game takes it: residents'
    (children's) and hospitals' (schools') preference lists and the capacities. A school
    ranks the children who list it by (group rank, lottery number); a school without places
    and a child without schools are left out (the package refuses them; they place no one)."""
    open_schools = {school.id: school.capacity for school in instance.schools if school.capacity}
    residents: dict[str, list[str]] = {}
    entrants: dict[str, list[tuple[int, int, str]]] = {school: [] for school in open_schools}
    for child in instance.children:
        listed = [school for school, _ in child.preferences if school in open_schools]
        if listed:
            residents[child.id] = listed
        for school, rank in child.preferences:
            if school in open_schools:
                entrants[school].append((rank, lottery.number(child.id, school), child.id))
    hospitals = {school: [c for _, _, c in sorted(e)] for school, e in entrants.items() if e}
    capacities = {school: open_schools[school] for school in hospitals}
    return residents, hospitals, capacities


def matching_placement(
    residents: dict[str, list[str]],
    hospitals: dict[str, list[str]],
    capacities: dict[str, int],
    children: list[str],
) -> dict[str, str | None]:
    """child -> school by the ``matching`` package's resident-optimal HospitalResident game."""
    from matching.games import HospitalResident

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # it warns about players it leaves out
        game = HospitalResident.create_from_dictionaries(residents, hospitals, capacities)
        matching = game.solve(optimal="resident")
    placed: dict[str, str | None] = dict.fromkeys(children)
    for hospital, admitted in matching.items():
        for resident in admitted:
            placed[resident.name] = hospital.name
    return placed


def median_seconds(fn: Callable[[], Any], repeat: int) -> float:
    """Median wall time; like timeit, the garbage collector is paused while timing."""
    times = []
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        finally:
            gc.enable()
    return statistics.median(times)


def matching_run(children: int, full_children: int, full_schools: int, preferences: int) -> None:
    """In a child process: time the matching package and ours on one size; print JSON."""
    instance = scaled(children, full_children, full_schools, preferences)
    lottery = draw_for(instance, SEED, "single")
    residents, hospitals, capacities = matching_input(instance, lottery)
    ids = [child.id for child in instance.children]
    ours = median_seconds(lambda: place(instance, lottery), 5)  # first: a fresh process
    # The package deep-copies its players, which refer to each other: the copy recurses
    # deeper than Python's default limit from a few thousand children, so it runs in a thread
    # with a large stack and a raised recursion limit.
    found: dict[str, Any] = {}

    def solve() -> None:
        start = time.perf_counter()
        found["placed"] = matching_placement(residents, hospitals, capacities, ids)
        found["seconds"] = time.perf_counter() - start

    sys.setrecursionlimit(1_000_000)
    threading.stack_size(1 << 30)
    worker = threading.Thread(target=solve)
    worker.start()
    worker.join()
    theirs, matching_seconds = found["placed"], found["seconds"]
    same = place(instance, lottery).placed == theirs
    print(
        json.dumps(
            {
                "children": children,
                "schools": len(instance.schools),
                "matching_seconds": matching_seconds,
                "ours_seconds": ours,
                "same_result": same,
            }
        )
    )


def run_matching(
    full_children: int, full_schools: int, preferences: int, limit: float
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The matching package on doubling sizes, each stopped after ``limit`` seconds; the
    largest run that finished, and every run."""
    runs: list[dict[str, Any]] = []
    best: dict[str, Any] | None = None
    size = min(FIRST_MATCHING_SIZE, full_children)
    while True:
        command = [
            sys.executable,
            "-m",
            "benchmarks.placement",
            "--children",
            str(full_children),
            "--schools",
            str(full_schools),
            "--preferences",
            str(preferences),
            "--matching-run",
            str(size),
        ]
        try:
            done = subprocess.run(
                command,
                cwd=REPOSITORY,
                capture_output=True,
                text=True,
                timeout=limit * 1.2 + 5,  # building the round and timing ours take time too
                check=True,
            )
        except subprocess.TimeoutExpired:
            print(f"matching: {size:>6} children: stopped after {limit * 1.2 + 5:.0f} s")
            runs.append({"children": size, "matching_seconds": None})
            break
        except subprocess.CalledProcessError as error:
            last = (error.stderr or "").strip().splitlines()[-1:] or ["no message"]
            print(f"matching: {size:>6} children: failed: {last[0]}")
            runs.append({"children": size, "matching_seconds": None, "error": last[0]})
            break
        run = json.loads(done.stdout.strip().splitlines()[-1])
        runs.append(run)
        print(
            f"matching: {size:>6} children, {run['schools']:>3} schools: "
            f"{run['matching_seconds']:8.2f} s; ours {run['ours_seconds'] * 1000:8.1f} ms; "
            f"same result: {run['same_result']}"
        )
        if run["matching_seconds"] > limit:
            break
        best = run
        if size >= full_children:
            break
        size = min(size * 2, full_children)
    return best, runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="limit 8 s, fewer runs (< 60 s)")
    parser.add_argument("--children", type=int, default=20_000)
    parser.add_argument("--schools", type=int, default=300)
    parser.add_argument("--preferences", type=int, default=6)
    parser.add_argument("--mode", choices=["single", "per_school"], default="single")
    parser.add_argument(
        "--limit", type=float, default=None, help="seconds for one matching run (60; quick: 8)"
    )
    parser.add_argument("--matching-run", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.matching_run:
        matching_run(args.matching_run, args.children, args.schools, args.preferences)
        return 0
    limit = args.limit if args.limit is not None else (8.0 if args.quick else 60.0)
    repeat = 3 if args.quick else 7
    mode: Mode = args.mode

    instance = realistic(args.children, args.schools, args.preferences)
    lottery = draw_for(instance, SEED, mode)
    result = place(instance, lottery)
    draw_seconds = median_seconds(lambda: draw_for(instance, SEED, mode), repeat)
    place_seconds = median_seconds(lambda: place(instance, lottery), repeat)
    seconds = median_seconds(lambda: place(instance, draw_for(instance, SEED, mode)), repeat)
    start = time.perf_counter()
    log = make_log(instance, mode, SEED, result, {"id": "benchmark", "version": 1})
    log_seconds = time.perf_counter() - start
    start = time.perf_counter()
    verified = verify(log)
    verify_seconds = time.perf_counter() - start
    assert verified.ok, verified.problems[:5]
    full = sum(result.full(school.id) for school in instance.schools)
    first = sum(
        1
        for child in instance.children
        if child.preferences and result.placed[child.id] == child.preferences[0][0]
    )
    print(
        f"ours: {args.children} children × {args.preferences} preferences × {args.schools} "
        f"schools ({mode}): {seconds:.3f} s (lottery {draw_seconds:.3f} s, match "
        f"{place_seconds:.3f} s); log {log_seconds:.3f} s, verify {verify_seconds:.3f} s"
    )
    print(
        f"       {len(result.unplaced)} unplaced, {first} at their first choice, "
        f"{full} of {args.schools} schools full"
    )

    best, runs = run_matching(args.children, args.schools, args.preferences, limit)
    outcome: dict[str, Any] = {
        "children": args.children,
        "schools": args.schools,
        "preferences": args.preferences,
        "mode": mode,
        "seconds": round(seconds, 4),
        "lottery_seconds": round(draw_seconds, 4),
        "place_seconds": round(place_seconds, 4),
        "log_seconds": round(log_seconds, 4),
        "verify_seconds": round(verify_seconds, 4),
        "unplaced": len(result.unplaced),
        "first_choice": first,
        "matching_limit_seconds": limit,
        "matching_children": best["children"] if best else 0,
        "matching_schools": best["schools"] if best else 0,
        "matching_seconds": round(best["matching_seconds"], 3) if best else None,
        "ours_at_matching_size_seconds": round(best["ours_seconds"], 5) if best else None,
        "ratio": round(best["matching_seconds"] / best["ours_seconds"], 1) if best else None,
        "same_result": all(run.get("same_result", True) for run in runs),
        "matching_runs": len(runs),
        "python": sys.version.split()[0],
    }
    if best:
        print(
            f"at {best['children']} children: matching {best['matching_seconds']:.2f} s, "
            f"ours {best['ours_seconds'] * 1000:.1f} ms: {outcome['ratio']}x"
        )
    print(json.dumps(outcome))
    return 0


if __name__ == "__main__":
    sys.exit(main())
