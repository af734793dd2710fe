"""The commands of forms: the PDF archive of submissions."""

from __future__ import annotations

import argparse
from typing import TextIO


def cmd_archive(args: argparse.Namespace, out: TextIO) -> int:

    from runtime import logs
    from runtime.forms import archive
    from runtime.settings import load_settings
    from runtime.state import AppState

    settings = load_settings()
    logs.configure(settings.log_level, settings.log_format)
    state = AppState.create(settings)
    try:
        result = archive.sweep(state)
    finally:
        state.stop_workers()
    print(
        f"{result.missing} missing, {result.rendered} rendered, {result.failed} failed",
        file=out,
    )
    return 1 if result.failed else 0


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    archive_parser = commands.add_parser("archive", help="the PDF archive of submissions")
    archive_commands = archive_parser.add_subparsers(dest="archive_command", required=True)
    archive_commands.add_parser(
        "sweep", help="render every missing PDF archive and report the counts"
    )
    archive_parser.set_defaults(handler=cmd_archive)
