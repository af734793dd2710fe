"""The commands of monitoring: ``popo monitoring report`` makes the periodic reports now (of
last month, or ``--month YYYY-MM``; every organisation, or ``--organisation CODE``), as the
monthly job does, and tells each organisation's staff."""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from typing import TextIO


def _month(text: str) -> tuple[date, date]:
    try:
        first = date.fromisoformat(f"{text}-01")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{text}' is not a month (YYYY-MM)") from exc
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following - timedelta(days=1)


def cmd_report(args: argparse.Namespace, out: TextIO) -> int:
    from sqlalchemy import select

    from runtime.db.migrate import upgrade
    from runtime.monitoring import reports
    from runtime.organisations.models import Organisation
    from runtime.settings import load_settings
    from runtime.state import AppState

    settings = load_settings()
    upgrade(settings)
    state = AppState.create(settings)
    try:
        if args.organisation:
            with state.db.session() as session:
                found = session.scalar(
                    select(Organisation).where(Organisation.code == args.organisation)
                )
                if found is None:
                    print(f"error: no organisation with the code {args.organisation}", file=out)
                    return 2
                period = args.month or reports.last_month(state.clock.today())
                organisation_id = found.id
            made = reports.make(state, organisation_id, period)
            if made is None:
                print(f"error: {args.organisation} has no monitoring", file=out)
                return 2
            everything = [made]
        else:
            everything = reports.make_all(state, args.month)
        for item in everything:
            report = item.report
            state_text = "made" if item.new else "already made"
            print(
                f"{state_text}: {report.period_from.isoformat()[:7]} "
                f"{report.organisation_id} ({report.overviews} overviews)",
                file=out,
            )
        print(f"reports: {sum(m.new for m in everything)} new, {len(everything)} in all", file=out)
        return 0
    finally:
        state.stop_workers()


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    monitoring = commands.add_parser("monitoring", help="the dashboards' periodic reports")
    sub = monitoring.add_subparsers(dest="monitoring_command", required=True, metavar="COMMAND")
    report = sub.add_parser(
        "report", help="make the monthly reports now (each organisation's staff is told)"
    )
    report.add_argument("--month", type=_month, help="the month to report (YYYY-MM); last month")
    report.add_argument("--organisation", help="only this organisation (its code: BRIN, number)")
    report.set_defaults(handler=cmd_report)
