"""``popo``: the one command-line entry point. It holds the commands of the application as a
whole (serve, worker, db, demo, mail, settings); every domain adds its own (runtime/domains.py).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TextIO


def cmd_db(args: argparse.Namespace, out: TextIO) -> int:
    from runtime.db.migrate import upgrade
    from runtime.domains import AppSettings

    settings = AppSettings()
    upgrade(settings, args.revision)
    print(f"database at revision {args.revision}: {_redacted(settings.database_url)}", file=out)
    return 0


def cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    from runtime import demo
    from runtime.db.migrate import upgraded
    from runtime.definitions import Registry
    from runtime.domains import AppSettings

    settings = AppSettings()
    database = upgraded(settings)
    registry = Registry.load(settings.definitions_dir)
    with database.session() as session:
        created = demo.seed(session, registry, settings, history=True)
    for line in created:
        print(f"created {line}", file=out)
    print(f"demo data ready ({len(created)} new)", file=out)
    return 0


def cmd_serve(args: argparse.Namespace, out: TextIO) -> int:
    import uvicorn

    from runtime.app import create_app

    print(f"POPO on http://{args.host}:{args.port}", file=out)
    # POPO's logging (runtime/logs.py) stays in charge: uvicorn adds no handlers of its own and
    # no access log (every request is logged by the application, without its query string)
    uvicorn.run(create_app(), host=args.host, port=args.port, log_config=None, access_log=False)
    return 0


def cmd_worker(args: argparse.Namespace, out: TextIO) -> int:
    """Run background jobs (runtime/jobs) in the foreground until SIGINT/SIGTERM: on
    PostgreSQL on as many machines as needed, on SQLite beside or instead of the web
    process's own worker (POPO_INPROCESS_WORKER=0)."""
    from runtime import jobs, logs
    from runtime.domains import AppSettings
    from runtime.state import AppState

    settings = AppSettings()
    logs.configure(settings.log_level, settings.log_format)
    state = AppState.create(settings)
    concurrency = args.concurrency or settings.job_workers
    print(f"POPO worker: {concurrency} at a time", file=out, flush=True)
    try:
        jobs.run_worker(state, concurrency)
    finally:
        state.stop_workers()
    return 0


def cmd_mail(args: argparse.Namespace, out: TextIO) -> int:
    """The outbox (runtime/outbox.py): what is waiting to be sent, and sending it now."""
    from runtime import outbox
    from runtime.db.session import Database
    from runtime.domains import AppSettings

    settings = AppSettings()
    database = Database(settings)
    if args.mail_command == "send-pending":
        done = outbox.deliver_due(database, settings, everything=True)
        print(f"sent {done.sent}, failed {done.failed}, expired {done.expired}", file=out)
        return 1 if done.failed else 0
    with database.session() as session:
        waiting = outbox.pending(session)
        for message in waiting:
            print(
                f"{message.created_at:%Y-%m-%d %H:%M} {message.recipient}: {message.subject} "
                f"({message.attempts} attempt(s), next {message.next_attempt_at:%H:%M:%S}) "
                f"{message.last_error or ''}".rstrip(),
                file=out,
            )
        print(f"{len(waiting)} message(s) waiting", file=out)
    return 0


def _redacted(url: str) -> str:
    from runtime.settings import redacted_url

    return redacted_url(url)


def cmd_settings(args: argparse.Namespace, out: TextIO) -> int:
    """Every setting, its value (secrets hidden) and where it came from."""
    from oso_mapping.settings import oso_dir, schema_dir
    from runtime.domains import AppSettings
    from runtime.settings import describe, markdown_table, unknown_variables

    if args.markdown:
        print(markdown_table(AppSettings), end="", file=out)
        return 0
    rows = [(s.variable, s.value, s.origin) for s in describe(AppSettings())]
    for variable, found in (("POPO_OSO_DIR", oso_dir()), ("POPO_OSO_SCHEMA_DIR", schema_dir())):
        origin = "env" if os.environ.get(variable) else "default"
        rows.append((variable, str(found) if found else "(not found)", origin))
    width = max(len(variable) for variable, _, _ in rows)
    for variable, value, origin in rows:
        print(f"{variable:<{width}}  {value}  ({origin})", file=out)
    for line in unknown_variables(AppSettings):
        print(f"warning: {line}", file=out)
    return 0


def build_parser() -> argparse.ArgumentParser:
    from runtime.domains import DOMAINS

    parser = argparse.ArgumentParser(
        prog="popo", description="POPO: transfers of pupils between primary schools."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for domain in DOMAINS:
        if domain.commands is not None:
            domain.commands(commands)
    db = commands.add_parser("db", help="database migrations")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    db_upgrade = db_commands.add_parser("upgrade", help="migrate the database to the newest schema")
    db_upgrade.add_argument("revision", nargs="?", default="head")
    db_upgrade.set_defaults(handler=cmd_db)

    demo = commands.add_parser("demo", help="create the demo region, schools and parent links")
    demo.set_defaults(handler=cmd_demo)

    worker = commands.add_parser(
        "worker", help="run background jobs (PDF archives, mail, sweeps) until stopped"
    )
    worker.add_argument(
        "--concurrency", type=int, default=0, help="jobs at a time (default POPO_JOB_WORKERS)"
    )
    worker.set_defaults(handler=cmd_worker)

    mail_parser = commands.add_parser("mail", help="the outbox of e-mail POPO sends")
    mail_commands = mail_parser.add_subparsers(dest="mail_command", required=True)
    mail_commands.add_parser("pending", help="list the messages waiting to be sent")
    mail_commands.add_parser("send-pending", help="send every waiting message now")
    mail_parser.set_defaults(handler=cmd_mail)

    settings_parser = commands.add_parser(
        "settings", help="show every setting, its value and where it came from (secrets hidden)"
    )
    settings_parser.add_argument(
        "--markdown",
        action="store_true",
        help="print the table of settings of docs/operations.md instead",
    )
    settings_parser.set_defaults(handler=cmd_settings)

    serve = commands.add_parser("serve", help="run the web application")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(handler=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    from runtime.settings import SettingsError

    parser = build_parser()
    args = parser.parse_args(argv)
    out = out or sys.stdout
    try:
        return int(args.handler(args, out))
    except SettingsError as problem:  # one line per wrong setting, no traceback
        for line in problem.problems:
            print(f"error: {line}", file=out)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
