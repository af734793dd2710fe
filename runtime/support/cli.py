"""The commands of 1Loket: ``popo support purge`` deletes the support data whose three years
after the decision have passed (WPO art. 18a), ``--dry-run`` lists what it would delete."""

from __future__ import annotations

import argparse
from typing import TextIO


def cmd_purge(args: argparse.Namespace, out: TextIO) -> int:
    from datetime import date

    from runtime.db.migrate import upgrade
    from runtime.settings import load_settings
    from runtime.state import AppState
    from runtime.support import retention
    from runtime.support.service import SupportService

    settings = load_settings()
    upgrade(settings)
    state = AppState.create(settings)
    try:
        with state.db.session() as session:
            today = (
                date.fromisoformat(args.today)
                if args.today
                else SupportService(session, state.registry, settings).clock.today()
            )
            report = retention.purge(
                session, state.files, state.archive, today, dry_run=args.dry_run
            )
            if args.dry_run:
                session.rollback()
        for line in report.lines():
            print(line, file=out)
    finally:
        state.stop_workers()
    return 0


def _day(text: str) -> str:
    from datetime import date

    try:
        date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (YYYY-MM-DD)") from exc
    return text


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    support = commands.add_parser("support", help="1Loket: the SWV's support requests")
    sub = support.add_subparsers(dest="support_command", required=True, metavar="COMMAND")
    purge = sub.add_parser(
        "purge",
        help="delete the support data three years after the decision (WPO art. 18a)",
    )
    purge.add_argument(
        "--dry-run", action="store_true", help="only list what would be deleted; delete nothing"
    )
    purge.add_argument(
        "--today", type=_day, help="count as if it were this day (YYYY-MM-DD), e.g. to look ahead"
    )
    purge.set_defaults(handler=cmd_purge)
