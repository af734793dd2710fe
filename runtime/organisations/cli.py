"""The commands of organisations: import DUO's school locations and their history of pupil
numbers, set a school's SWV, record a processing agreement."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import TextIO

from runtime.settings import REPOSITORY

# DUO's history of pupil numbers, where a checkout of POPO finds it beside itself
COUNTS_FILE = (
    REPOSITORY.parent
    / "shared"
    / "domain"
    / "duo-06-historisch-overzicht-aantal-leerlingen-per-schoolvestiging.csv"
)


def cmd_import_duo(args: argparse.Namespace, out: TextIO) -> int:
    from runtime.db.migrate import upgraded
    from runtime.organisations.duo import ImportRefused, import_file
    from runtime.settings import load_settings

    database = upgraded(load_settings())

    def progress(done: int, total: int) -> None:
        print(f"\r{done}/{total} locations", end="", file=sys.stderr, flush=True)

    try:
        with database.session() as session:
            report = import_file(
                session,
                Path(args.file),
                Path(args.swv_map) if args.swv_map else None,
                None if args.quiet else progress,
            )
    except ImportRefused as refused:
        print(f"\n{refused}; nothing was imported", file=out)
        return 1
    except OSError as exc:
        print(f"error: {exc}", file=out)
        return 2
    if not args.quiet:
        print(file=sys.stderr)
    for change in report.changes:
        print(f"changed {change}", file=out)
    print(report.summary(), file=out)
    return 0


def cmd_import_counts(args: argparse.Namespace, out: TextIO) -> int:
    from runtime.db.migrate import upgraded
    from runtime.organisations.counts import import_counts
    from runtime.organisations.duo import ImportRefused
    from runtime.settings import load_settings

    path = Path(args.file) if args.file else COUNTS_FILE
    if not path.exists():
        print(f"error: {path} does not exist (give DUO's file of pupil numbers)", file=out)
        return 2
    database = upgraded(load_settings())
    try:
        with database.session() as session:
            report = import_counts(session, path)
    except ImportRefused as refused:
        print(f"{refused}; nothing was imported", file=out)
        return 1
    except OSError as exc:
        print(f"error: {exc}", file=out)
        return 2
    print(report.summary(), file=out)
    return 0


def cmd_organisation(args: argparse.Namespace, out: TextIO) -> int:
    from runtime.db.migrate import upgraded
    from runtime.organisations import admin
    from runtime.settings import load_settings

    database = upgraded(load_settings())
    try:
        with database.session() as session:
            if args.command == "swv":
                admin.set_swv(session, args.school, args.swv)
                print(f"{args.school} belongs to {args.swv}", file=out)
            else:
                admin.add_agreement(
                    session,
                    args.bestuur,
                    args.processor,
                    date.fromisoformat(args.starts),
                    date.fromisoformat(args.ends) if args.ends else None,
                )
                print(f"agreement {args.bestuur} → {args.processor} from {args.starts}", file=out)
    except admin.AdminError as exc:
        print(f"error: {exc}", file=out)
        return 1
    return 0


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    duo = commands.add_parser(
        "import-duo", help="import DUO's open data of school locations (idempotent)"
    )
    duo.add_argument("file", help="DUO's CSV of school locations (Windows-1252, ';')")
    duo.add_argument(
        "--swv-map", help="PC4 → PO SWV table: derive each school's samenwerkingsverband"
    )
    duo.add_argument("--quiet", action="store_true", help="no progress")
    duo.set_defaults(handler=cmd_import_duo)

    counts = commands.add_parser(
        "import-counts",
        help="import DUO's history of pupil numbers per school location (idempotent)",
    )
    counts.add_argument(
        "file",
        nargs="?",
        help=f"DUO's CSV of pupil numbers per location (UTF-8, ';'; default {COUNTS_FILE.name} "
        "in ../shared/domain)",
    )
    counts.set_defaults(handler=cmd_import_counts)

    swv = commands.add_parser("swv", help="set a school's samenwerkingsverband by hand")
    swv.add_argument("school", help="BRIN + vestigingscode, e.g. 12AB00")
    swv.add_argument("swv", help="SWV code, e.g. PO2001")
    swv.set_defaults(handler=cmd_organisation)
    agreement = commands.add_parser("agreement", help="record a processing agreement")
    agreement.add_argument("bestuur", help="school board number")
    agreement.add_argument("processor", help="the board itself or an SWV code")
    agreement.add_argument("--from", dest="starts", required=True, help="YYYY-MM-DD")
    agreement.add_argument("--until", dest="ends", help="YYYY-MM-DD (inclusive)")
    agreement.set_defaults(handler=cmd_organisation)
