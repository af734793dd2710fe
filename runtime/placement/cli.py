"""The commands of placement: ``popo placement run POLICY`` asks for a round of a region's
placement policy (and runs it at once, or leaves it to the workers with ``--queue``);
``popo placement verify LOG`` reruns a round from its log and says whether it holds."""

from __future__ import annotations

import argparse
from typing import TextIO

CLI_ACTOR = "command line"  # who asked for a round from `popo placement run`


def _policy_ref(text: str) -> tuple[str, int | None]:
    name, sep, version = text.partition("@")
    if sep and not version.isdigit():
        raise argparse.ArgumentTypeError(f"'{text}' is not POLICY or POLICY@VERSION")
    return name, int(version) if sep else None


def cmd_run(args: argparse.Namespace, out: TextIO) -> int:
    from engine.placement.roundlog import dump_log
    from runtime.db.migrate import upgrade
    from runtime.placement.models import PlacementRound, RoundStatus
    from runtime.placement.service import PlacementService, RoundRefused, run_round
    from runtime.settings import load_settings
    from runtime.state import AppState

    try:
        policy_id, version = _policy_ref(args.policy)
    except argparse.ArgumentTypeError as problem:
        print(f"error: {problem}", file=out)
        return 2
    settings = load_settings()
    upgrade(settings)
    state = AppState.create(settings)
    try:
        entry = state.registry.placement(policy_id, version)
        if entry is None:
            known = ", ".join(
                f"{e.policy.id}@{e.policy.version}" for e in state.registry.placement_policies()
            )
            print(
                f"error: no placement policy {args.policy} in {settings.definitions_dir}"
                + (f" (there are: {known})" if known else ""),
                file=out,
            )
            return 2
        try:
            with state.db.session() as session:
                round_ = PlacementService(session, state.registry, settings).queue(
                    entry, requested_by=CLI_ACTOR, seed=args.seed, early=args.early
                )
                round_id = round_.id
        except RoundRefused as refused:
            for line in refused.problems:
                print(line, file=out)
            print(
                f"error: {refused.message}" + (f" ({refused.hint})" if refused.hint else ""),
                file=out,
            )
            return 1
        name = f"{entry.policy.id}@{entry.policy.version}"
        if args.queue:
            print(f"round {round_id} of {name} queued: a worker runs it", file=out)
            return 0
        run_round(state, round_id)
        with state.db.session() as session:
            done = session.get(PlacementRound, round_id)
            assert done is not None
            if done.status is not RoundStatus.FINISHED:
                print(f"error: round {round_id} of {name} {done.status}: {done.problem}", file=out)
                return 1
            print(
                f"round {round_id} of {name} finished: {done.children} children, "
                f"{done.placed} placed, {done.children - done.placed} without a place",
                file=out,
            )
            print(f"seed: {done.seed}", file=out)
            print(f"input sha256: {done.input_hash}", file=out)
            log = PlacementService(session, state.registry, settings).log_of(done)
        if args.log and log is not None:
            dump_log(log, args.log)
            print(
                f"log written to {args.log}; check it with: popo placement verify {args.log}",
                file=out,
            )
        return 0
    finally:
        state.stop_workers()


def cmd_verify(args: argparse.Namespace, out: TextIO) -> int:
    from engine.placement.roundlog import RoundLogError, load_log, verify

    try:
        log = load_log(args.log)
    except RoundLogError as problem:
        print(f"error: {problem}", file=out)
        return 2
    checked = verify(log)
    named = log.get("policy")
    policy = named if isinstance(named, dict) else {}
    name = f"{policy.get('id')}@{policy.get('version')}"
    if checked.ok:
        placed = (log.get("result") or {}).get("placed") or {}
        count = sum(1 for school in placed.values() if school is not None)
        print(
            f"OK: the round of {name} follows from its input and seed: {len(placed)} children, "
            f"{count} placed (input sha256 {log.get('input_sha256')})",
            file=out,
        )
        return 0
    for line in checked.problems:
        print(f"problem: {line}", file=out)
    print(
        f"FAILED: the log of {name} does not verify ({len(checked.problems)} "
        f"problem{'s' if len(checked.problems) != 1 else ''})",
        file=out,
    )
    return 1


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    placement = commands.add_parser(
        "placement", help="placement rounds: run a region's round, verify a round's log"
    )
    sub = placement.add_subparsers(dest="placement_command", required=True, metavar="COMMAND")
    run = sub.add_parser(
        "run", help="run a round of a placement policy (the newest published version)"
    )
    run.add_argument("policy", help="the policy's id, or ID@VERSION (e.g. plaatsing-noord)")
    run.add_argument(
        "--seed", help="the lottery's seed (default: drawn from the secrets module at run time)"
    )
    run.add_argument("--queue", action="store_true", help="only queue the round: a worker runs it")
    run.add_argument(
        "--early",
        action="store_true",
        help="run before the policy's day for the round (a trial round)",
    )
    run.add_argument("--log", help="write the round's log to this file")
    run.set_defaults(handler=cmd_run)
    check = sub.add_parser(
        "verify", help="rerun a round from its log: OK, or every problem (exit 1)"
    )
    check.add_argument("log", help="the round's log (JSON), e.g. from the round's page")
    check.set_defaults(handler=cmd_verify)
