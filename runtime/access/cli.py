"""The commands of access: accounts and roles, and the audit log (verify, anchor, a pupil's
accesses)."""

from __future__ import annotations

import argparse
from typing import TextIO


def cmd_audit(args: argparse.Namespace, out: TextIO) -> int:
    from runtime import audit
    from runtime.db.session import Database
    from runtime.settings import load_settings

    settings = load_settings()
    key = settings.audit_key
    database = Database(settings)
    with database.session() as session:
        if args.audit_command == "verify":
            result = audit.verify(session, key, heads=args.head or ())
            if result.problem is not None:
                print(f"BROKEN: {result.problem} ({result.checked} checked)", file=out)
                return 1
            print(f"OK: {result.checked} audit events, the chain is intact", file=out)
            if result.head is not None:
                print(f"head: event {result.head[0]} {result.head[1]}", file=out)
            if result.unchained:
                since = f"{result.unchained_since:%Y-%m-%d %H:%M:%S} UTC"
                print(
                    f"unchained: {result.unchained} events written since {since} are not on "
                    "the chain yet (the job audit_chain chains them every minute; "
                    "`popo audit chain` does it now)",
                    file=out,
                )
            return 0
        if args.audit_command == "chain":
            print(f"chained: {audit.chain(session, key)} events", file=out)
            return 0
        if args.audit_command == "anchor":
            recorded = audit.anchor(session, key)
            if recorded is None:
                print("the audit log is empty: nothing to anchor", file=out)
                return 0
            print(
                f"anchor: event {recorded.event_id} {recorded.event_hash} "
                f"({recorded.at:%Y-%m-%d %H:%M} UTC)",
                file=out,
            )
            print(
                "keep this line outside POPO; `popo audit verify --head HASH` checks it", file=out
            )
            return 0
        events = audit.for_pupil(session, key, "".join(c for c in args.number if c.isdigit()))
        if args.all:
            for event in events:
                print(
                    f"{event.at:%Y-%m-%d %H:%M} {event.actor} ({event.role or '-'}) "
                    f"{event.action} {event.object_type} {event.object_id}: {event.purpose} "
                    f"[{event.address or '-'}]",
                    file=out,
                )
        else:  # per person, object, action, purpose and day
            for group in audit.grouped(events):
                times = f"{group.first:%H:%M}" + (
                    f"-{group.last:%H:%M} {group.count}x" if group.count > 1 else ""
                )
                print(
                    f"{group.day} {times} {group.actor} ({group.role or '-'}) {group.action} "
                    f"{group.object_type} {group.object_id}: {group.purpose} "
                    f"[{', '.join(group.addresses) or '-'}]",
                    file=out,
                )
        print(f"{len(events)} access(es) to this pupil's data", file=out)
    return 0


def cmd_user(args: argparse.Namespace, out: TextIO) -> int:
    import getpass

    from runtime.access import admin
    from runtime.db.migrate import upgraded
    from runtime.settings import load_settings

    settings = load_settings()
    database = upgraded(settings)
    try:
        with database.session() as session:
            if args.command == "user-add":
                password = args.password or getpass.getpass("password: ")
                language = args.language or settings.default_language
                admin.add_user(session, args.email, args.name, password, args.role, language)
                print(f"created {args.email}", file=out)
            else:
                admin.grant(session, args.email, args.role)
                print(f"{args.email}: {args.role}", file=out)
    except admin.AdminError as exc:
        print(f"error: {exc}", file=out)
        return 1
    return 0


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user_add = commands.add_parser("user-add", help="create an account with roles")
    user_add.add_argument("email")
    user_add.add_argument("--name", required=True)
    user_add.add_argument(
        "--role", action="append", default=[], help="ROLE@CODE, e.g. intern_begeleider@12AB00"
    )
    user_add.add_argument("--password", help="(asked when left out)")
    user_add.add_argument(
        "--language",
        choices=("nl", "en"),
        help="the language of the person's mail (default: POPO_LANGUAGE); they change it "
        "with the language switch once logged in",
    )
    user_add.set_defaults(handler=cmd_user)
    grant = commands.add_parser("user-grant", help="give an account another role")
    grant.add_argument("email")
    grant.add_argument("role", help="ROLE@CODE")
    grant.set_defaults(handler=cmd_user)

    audit_parser = commands.add_parser("audit", help="the audit log of access to pupil data")
    audit_commands = audit_parser.add_subparsers(dest="audit_command", required=True)
    audit_verify = audit_commands.add_parser(
        "verify", help="check that no audit event was changed or removed"
    )
    audit_verify.add_argument(
        "--head",
        action="append",
        metavar="HASH",
        help="a head printed by `popo audit anchor` and kept elsewhere: it must be on the chain",
    )
    audit_commands.add_parser(
        "anchor", help="record the chain's head now and print it, to keep outside POPO"
    )
    audit_commands.add_parser(
        "chain", help="give the events written since the last run their place on the chain now"
    )
    pupil = audit_commands.add_parser(
        "pupil", help="every access to one pupil's data (AVG art. 15)"
    )
    pupil.add_argument("number", help="the pupil's BSN or onderwijsnummer")
    pupil.add_argument(
        "--all", action="store_true", help="every access on its own line, not grouped per day"
    )
    audit_parser.set_defaults(handler=cmd_audit)
