"""The commands of pupils: find a pupil by their number."""

from __future__ import annotations

import argparse
from typing import TextIO

CLI_ACTOR = "command line"  # the audit log's name of whoever runs `popo pupil`


def cmd_pupil(args: argparse.Namespace, out: TextIO) -> int:
    from runtime import audit
    from runtime.db.migrate import upgraded
    from runtime.pupils import service
    from runtime.pupils.numbers import InvalidNumber, KeyChanged
    from runtime.settings import load_settings

    settings = load_settings()
    database = upgraded(settings)
    actor = audit.Actor(None, CLI_ACTOR, None, None, None)
    try:
        with database.session() as session:
            pupil = service.find(session, settings, args.number)
            if pupil is None:
                print("no pupil with this number", file=out)
                return 1
            # the command line has no school role: it sees the number masked
            number = service.shown_number(session, settings, pupil, None, actor)
            name = " ".join(
                p for p in (pupil.voornamen, pupil.tussenvoegsel, pupil.achternaam) if p
            )
            print(f"{name} ({pupil.roepnaam or pupil.voornamen.split()[0]})", file=out)
            print(f"{pupil.number_kind}: {number}", file=out)
            print(f"born: {pupil.geboortedatum.isoformat()}", file=out)
            print(f"school: {pupil.current_school_id or '-'}", file=out)
            for guardian in pupil.guardians:
                gezag = "gezag" if guardian.gezag else "no gezag"
                secret = ", secret address" if guardian.address_secret else ""
                print(f"guardian: {guardian.naam} ({guardian.relatie}, {gezag}{secret})", file=out)
    except InvalidNumber as exc:
        print(f"error: {exc}", file=out)
        return 2
    except KeyChanged as exc:
        print(f"error: {exc}", file=out)
        return 2
    return 0


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    pupil = commands.add_parser("pupil", help="pupils: find one by their BSN or onderwijsnummer")
    pupil_commands = pupil.add_subparsers(dest="pupil_command", required=True)
    find = pupil_commands.add_parser(
        "find", help="show the pupil with this number (the number masked)"
    )
    find.add_argument("number", help="a BSN or onderwijsnummer (9 digits)")
    pupil.set_defaults(handler=cmd_pupil)
