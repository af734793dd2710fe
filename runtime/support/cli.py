"""The commands of 1Loket: ``popo support purge`` deletes the support data whose three years
after the decision have passed (WPO art. 18a), ``--dry-run`` lists what it would delete."""

from __future__ import annotations

import argparse
from typing import Any, TextIO


def cmd_purge(args: argparse.Namespace, out: TextIO) -> int:
    from runtime.db.migrate import upgrade
    from runtime.settings import load_settings
    from runtime.state import AppState

    settings = load_settings()
    upgrade(settings)
    state = AppState.create(settings)
    try:
        return purge(state, args.today, args.dry_run, out)
    finally:
        state.stop_workers()


def purge(state: Any, today_text: str | None, dry_run: bool, out: TextIO) -> int:
    """Run the purge (or its dry run) on ``state``'s database and print its report."""
    from datetime import date

    from runtime.support import retention
    from runtime.support.service import SupportService

    with state.db.session() as session:
        today = (
            date.fromisoformat(today_text)
            if today_text
            else SupportService(session, state.registry, state.settings).clock.today()
        )
        report = retention.purge(session, state.files, state.archive, today, dry_run=dry_run)
        if dry_run:
            session.rollback()
    for line in report.lines():
        print(line, file=out)
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
