"""``popo``: the one command-line entry point."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TextIO

from engine.errors import Severity
from engine.workspace import (
    FORM_SUFFIX,
    SCENARIO_SUFFIX,
    discover,
    lock_for_publish,
    open_workspace,
)

DEFAULT_DEFINITIONS = Path("definitions")


def _oso_catalog(out: TextIO):  # type: ignore[no-untyped-def]
    from oso_mapping.element_tree import load_element_tree

    tree = load_element_tree()
    if tree is None:
        print(
            "note: the OSO element tree was not found, so OSO paths are not checked "
            "(set POPO_OSO_DIR to the folder with element_tree_OSO_gegevensset_2019.1.txt)",
            file=out,
        )
    return tree


def cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    from engine.scenarios import no_scenarios, scenarios_naming

    paths = [Path(p) for p in args.paths] or [DEFAULT_DEFINITIONS]
    workspace = open_workspace(paths, _oso_catalog(out))
    diagnostics = workspace.all_diagnostics()
    # a form that no scenario file names is untested: a warning (so --strict fails)
    named = scenarios_naming([r.path for r in workspace.results], paths)
    untested = [no_scenarios(r.path) for r in workspace.results if not named[r.path.resolve()]]
    diagnostics = sorted(
        [*diagnostics, *untested],
        key=lambda d: (d.location.file, d.location.line, d.location.column),
    )
    errors = [d for d in diagnostics if d.severity is Severity.ERROR]
    warnings = [d for d in diagnostics if d.severity is Severity.WARNING]
    for diagnostic in diagnostics:
        if diagnostic.severity is Severity.WARNING and args.quiet:
            continue
        print(diagnostic.render(), file=out)
    failed = bool(errors) or (args.strict and bool(warnings))
    forms = len(workspace.results)
    print(
        f"{'FAILED' if failed else 'OK'}: {forms} form{'s' if forms != 1 else ''} checked, "
        f"{len(errors)} error{'s' if len(errors) != 1 else ''}, "
        f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}",
        file=out,
    )
    return 1 if failed else 0


def cmd_test(args: argparse.Namespace, out: TextIO) -> int:
    from engine.scenarios import run_suite

    paths = [Path(p) for p in args.paths] or [DEFAULT_DEFINITIONS]
    suite = run_suite(
        discover(paths, FORM_SUFFIX),
        discover(paths, SCENARIO_SUFFIX),
        paths,
        _oso_catalog(out),
        date.fromisoformat(args.today) if args.today else None,
        coverage=args.coverage or args.require_coverage,
    )
    for line in suite.lines(args.require_coverage):
        print(line, file=out)
    return 0 if suite.ok(args.require_coverage) else 1


def _parse_ref(text: str) -> tuple[str, int]:
    form, sep, version = text.partition("@")
    if not sep or not version.isdigit():
        raise argparse.ArgumentTypeError(
            f"'{text}' is not FORM@VERSION (a form id and a version number), "
            "e.g. onderwijskundig-rapport@2"
        )
    return form, int(version)


DIFF_USAGE = (
    "popo diff [FOLDER] FORM@A FORM@B, e.g. "
    "popo diff definitions onderwijskundig-rapport@1 onderwijskundig-rapport@2"
)


def cmd_diff(args: argparse.Namespace, out: TextIO) -> int:
    from engine.versions import diff, group_changes

    refs = list(args.refs)
    if len(refs) == 3:
        args.dir = refs.pop(0)
    if len(refs) != 2:
        print(f"error: {DIFF_USAGE}", file=out)
        return 2
    workspace = open_workspace([Path(args.dir)])
    found = []
    for ref in refs:
        try:
            form, version = _parse_ref(ref)
        except argparse.ArgumentTypeError as problem:
            print(f"error: {problem}\nusage: {DIFF_USAGE}", file=out)
            return 2
        result = workspace.find(form, version)
        if result is None or result.checked is None:
            versions = workspace.versions(form)
            hint = (
                f"versions of '{form}': {', '.join(map(str, versions))}"
                if versions
                else (f"no form '{form}' in {args.dir}/")
            )
            print(f"error: {ref} not found or not valid ({hint})", file=out)
            return 2
        found.append(result)
    old, new = found
    assert old.checked is not None and new.checked is not None
    assert old.definition is not None and new.definition is not None
    migration = next(
        (m for m in new.definition.migrations if m.from_version == old.definition.version),
        None,
    )
    title = f"{refs[0]} → {refs[1]}"
    if migration is not None and migration.drafts == "finish":
        title += f" (drafts of version {migration.from_version} finish on that version)"
        migration = None
    elif migration is not None and args.ignore_migration:
        title += " (as if there were no migration)"
        migration = None
    elif migration is not None:
        title += f" (with the migration from version {migration.from_version})"
    changes = diff(old.checked, new.checked, migration)
    print(title, file=out)
    for heading, items in group_changes(changes):
        print(heading, file=out)
        for change in items:
            print(f"  {change.label:<10}  {change.description}", file=out)
    breaking = [c for c in changes if c.breaking]
    migrated = [c for c in changes if c.migrated]
    print(
        f"{len(changes)} change{'s' if len(changes) != 1 else ''}: {len(breaking)} breaking, "
        f"{len(migrated)} handled by the migration, "
        f"{len(changes) - len(breaking) - len(migrated)} compatible",
        file=out,
    )
    return 1 if breaking and args.exit_code else 0


def cmd_schema(args: argparse.Namespace, out: TextIO) -> int:
    from engine.schema import definition_schema, scenario_schema

    schema = scenario_schema() if args.scenarios else definition_schema()
    text = json.dumps(schema, indent=2, ensure_ascii=False)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    else:
        print(text, file=out)
    return 0


def cmd_publish(args: argparse.Namespace, out: TextIO) -> int:
    """Publish one form version: only when it checks clean, its scenarios pass and cover it."""
    from engine.scenarios import run_suite

    path = Path(args.file)
    root = Path(args.dir) if args.dir else None
    oso = _oso_catalog(out)
    workspace = open_workspace([root or path.parent], oso)
    result = next((r for r in workspace.results if r.path.resolve() == path.resolve()), None)
    if result is None:
        print(f"error: {path} is not a form file (*.form.yaml) in {root or path.parent}", file=out)
        return 2
    diagnostics = workspace.all_diagnostics()
    errors = [d for d in diagnostics if d.severity is Severity.ERROR]
    warnings = [d for d in result.diagnostics.sorted() if d.severity is Severity.WARNING]
    for diagnostic in [*errors, *warnings]:
        print(diagnostic.render(), file=out)
    if errors or result.definition is None or result.content_hash is None:
        print("not published: fix the errors first (popo check)", file=out)
        return 1
    model = result.definition
    name = f"{model.id}@{model.version}"
    lock = lock_for_publish(path, root)
    entry = lock.get(model.id, model.version)
    if entry is not None:
        if entry.sha256 == result.content_hash:
            print(f"{name} is already published", file=out)
            return 0
        print(f"error: {name} was published before with other content", file=out)
        return 1
    # the scenarios of this form and of the forms it builds on, with coverage of this form
    today = date.fromisoformat(args.today) if args.today else None
    suite = run_suite([path], (), [root or path.parent], oso, today, coverage=True)
    for line in suite.lines(require_coverage=True):
        print(line, file=out)
    reasons = suite.reasons(require_coverage=True)
    if reasons:
        print(f"not published: {name}", file=out)
        for reason in reasons:
            print(f"  - {reason}", file=out)
        print(f"fix these first; popo test --require-coverage {path} shows the same", file=out)
        return 1
    lock.publish(model.id, model.version, result.content_hash, path, result.loaded.files)
    lock.write()
    noted = f", {len(warnings)} warning{'s' if len(warnings) != 1 else ''}" if warnings else ""
    print(
        f"published {name} ({result.content_hash[:12]}) in {lock.path}: "
        f"{suite.passed} scenario{'s' if suite.passed != 1 else ''} passed, fully covered{noted}",
        file=out,
    )
    return 0


def cmd_translations(args: argparse.Namespace, out: TextIO) -> int:
    """Every text of every form to a CSV or XLIFF file, and the translations back into YAML."""
    from engine.translations import (
        TranslationError,
        collect,
        common_folder,
        export_csv,
        export_xliff,
        import_translations,
        read_export,
    )

    try:
        if args.translations_command == "export":
            collection = collect(
                Path(args.dir), args.language, args.source, inherited=args.with_inherited
            )
            fmt = args.format or (
                "xliff" if str(args.output).endswith((".xlf", ".xliff")) else "csv"
            )
            data = export_xliff(collection) if fmt == "xliff" else export_csv(collection)
            notes = out if args.output else sys.stderr  # printed, the export itself is output
            for form in collection.broken:
                print(f"not exported: {form} has errors (run popo check)", file=notes)
            for form in collection.skipped:
                print(f"not exported: {form}, not {args.language}", file=notes)
            if collection.inherited:
                files = {entry.file for entry in collection.inherited}
                try:
                    where = os.path.commonpath([str(Path(file).parent) for file in files]) or "."
                except ValueError:  # relative and absolute paths: no folder in common
                    where = "other folders"
                count = len(collection.inherited)
                print(
                    f"not exported: {count} text{'s' if count != 1 else ''} that the forms in "
                    f"{args.dir} inherit from {where} ({len(files)} "
                    f"file{'s' if len(files) != 1 else ''}): they belong to the translation of "
                    f"{where}; --with-inherited exports them too, marked inherited",
                    file=notes,
                )
            if not args.output:
                out.write(data.decode("utf-8-sig"))
                return 1 if collection.broken else 0
            Path(args.output).write_bytes(data)
            missing = sum(1 for e in collection.entries if e.status == "missing")
            print(
                f"wrote {args.output}: {len(collection.entries)} texts "
                f"({missing} without {args.language}) of "
                f"{len({f for e in collection.entries for f in e.forms})} forms",
                file=out,
            )
            return 1 if collection.broken else 0
        export = read_export(Path(args.file))
        folder = Path(args.dir) if args.dir else common_folder(export)
        report = import_translations(export, folder)
    except (TranslationError, OSError) as exc:
        print(f"error: {exc}", file=out)
        return 2
    for change in report.changed:
        print(f"changed {change}", file=out)
    for stale in report.stale:
        print(f"stale {stale}", file=out)
    for entry in report.missing:
        print(
            f"missing {entry.location}: {entry.element} {entry.key} "
            f"has no {report.target} text ({entry.source!r})",
            file=out,
        )
    for refused in report.refused:
        print(f"refused {refused}", file=out)
    for form in report.skipped:
        print(f"not translated: {form}, not {report.target}", file=out)
    refused = (
        f"{len(report.refused)} refused (in files of published versions; the other rows were "
        "imported), "
        if report.refused
        else ""
    )
    print(
        f"translations ({report.target}): {len(report.changed)} changed, "
        f"{report.unchanged} unchanged, {len(report.stale)} stale, {refused}"
        f"{len(report.missing)} still missing",
        file=out,
    )
    return 1 if report.stale or report.refused else 0


def cmd_new_region(args: argparse.Namespace, out: TextIO) -> int:
    """Scaffold a region's folder (engine/scaffold.py), write it and check what was written."""
    from engine.scaffold import ScaffoldRefused, plan_region

    definitions = Path(args.dir)
    oso = _oso_catalog(out)
    try:
        plan = plan_region(definitions, args.name, args.source, oso)
    except ScaffoldRefused as refused:
        print(f"error: {refused}; nothing was written", file=out)
        return 2
    plan.write()
    for path in plan.files:
        print(f"created {path}", file=out)
    for note in plan.notes:
        print(f"note: {note}", file=out)
    workspace = open_workspace([plan.folder], oso)
    diagnostics = workspace.all_diagnostics()
    for diagnostic in diagnostics:
        print(diagnostic.render(), file=out)
    forms = len(workspace.results)
    print(
        f"{'OK' if not diagnostics else 'CHECK'}: {forms} forms in {plan.folder}, "
        f"{len(diagnostics)} problem{'s' if len(diagnostics) != 1 else ''}",
        file=out,
    )
    print(
        f"next: describe the region's changes in each form, then run popo check --strict "
        f"{plan.folder} and popo test --require-coverage {definitions} (docs/regions.md)",
        file=out,
    )
    return 1 if diagnostics else 0


def cmd_db(args: argparse.Namespace, out: TextIO) -> int:
    from runtime.db.migrate import upgrade
    from runtime.settings import Settings

    settings = Settings()
    upgrade(settings, args.revision)
    print(f"database at revision {args.revision}: {_redacted(settings.database_url)}", file=out)
    return 0


def cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    from runtime import demo
    from runtime.db.migrate import upgrade
    from runtime.db.session import Database
    from runtime.definitions import Registry
    from runtime.settings import Settings

    settings = Settings()
    upgrade(settings)
    registry = Registry.load(settings.definitions_dir)
    database = Database(settings)
    with database.session() as session:
        created = demo.seed(session, registry, settings)
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


def cmd_preview(args: argparse.Namespace, out: TextIO) -> int:
    import uvicorn

    from runtime.preview import create_preview_app

    folder = Path(args.folder)
    if not folder.is_dir():
        print(f"error: {folder} is not a folder", file=out)
        return 2
    hosts = preview_hosts(args.host)
    if hosts is None:
        print(
            f"warning: --host {args.host} lets other machines fill in and save scenarios in "
            f"{folder}; the default 127.0.0.1 keeps the preview on this machine",
            file=out,
        )
    print(f"preview of {folder} on http://{args.host}:{args.port} (reloads on change)", file=out)
    uvicorn.run(
        create_preview_app(folder, hosts=hosts),
        host=args.host,
        port=args.port,
        log_level="warning",
    )
    return 0


def preview_hosts(host: str) -> tuple[str, ...] | None:
    """The host names the preview answers to: this machine's, unless it listens elsewhere."""
    from runtime.preview import LOOPBACK

    if host in LOOPBACK:
        return LOOPBACK
    return None


def cmd_import_duo(args: argparse.Namespace, out: TextIO) -> int:
    from runtime.db.migrate import upgrade
    from runtime.db.session import Database
    from runtime.organisations.duo import ImportRefused, import_file
    from runtime.settings import Settings

    settings = Settings()
    upgrade(settings)
    database = Database(settings)

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


def cmd_audit(args: argparse.Namespace, out: TextIO) -> int:
    from runtime.access import audit
    from runtime.db.session import Database
    from runtime.settings import Settings

    settings = Settings()
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


def cmd_archive(args: argparse.Namespace, out: TextIO) -> int:

    from runtime import logs
    from runtime.forms import archive
    from runtime.settings import Settings
    from runtime.state import AppState

    settings = Settings()
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


def cmd_worker(args: argparse.Namespace, out: TextIO) -> int:
    """Run background jobs (runtime/jobs) in the foreground until SIGINT/SIGTERM: on
    PostgreSQL on as many machines as needed, on SQLite beside or instead of the web
    process's own worker (POPO_INPROCESS_WORKER=0)."""
    from runtime import jobs, logs
    from runtime.settings import Settings
    from runtime.state import AppState

    settings = Settings()
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
    from runtime.settings import Settings

    settings = Settings()
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


def cmd_oso(args: argparse.Namespace, out: TextIO) -> int:
    """OSO dossiers: validate a file, show what it gives a form, export a submission."""
    if args.oso_command == "validate":
        return _oso_validate(Path(args.file).read_bytes(), out, args.language)
    if args.oso_command == "import":
        return _oso_import(args, out)
    return _oso_export(args, out)


def _translator(language: str):  # type: ignore[no-untyped-def]
    from renderers import i18n

    return lambda message: i18n.gettext(language, message)


def _oso_validate(data: bytes, out: TextIO, language: str = "nl") -> int:
    from oso_mapping.validate import validate

    validation = validate(data)
    if validation.skipped:
        print(f"not validated: {validation.skipped}", file=out)
        return 2
    for finding in validation.findings:
        print(finding.describe(_translator(language)), file=out)
    if validation.findings:
        print(f"INVALID: {len(validation.findings)} finding(s)", file=out)
        return 1
    print("VALID: the XSD and the business rules report nothing", file=out)
    return 0


def _oso_import(args: argparse.Namespace, out: TextIO) -> int:
    from oso_mapping.dossier import DossierError, read_dossier
    from oso_mapping.mapping import import_dossier
    from runtime.forms.answers import to_json

    workspace = open_workspace([Path(args.definitions)])
    versions = workspace.versions(args.form)
    result = workspace.find(args.form, versions[-1]) if versions else None
    if result is None or result.compiled is None:
        print(f"error: no valid form '{args.form}' in {args.definitions}", file=out)
        return 2
    try:
        imported = import_dossier(read_dossier(Path(args.file).read_bytes()), result.compiled)
    except DossierError as exc:
        print(f"refused: {_translator('nl')(exc.message).format(**exc.params)}", file=out)
        return 1
    print(json.dumps(to_json(imported.answers), indent=2, ensure_ascii=False), file=out)
    for item in imported.files:
        print(f"file {item.key}: {item.file.name} ({len(item.file.data)} bytes)", file=out)
    for key in imported.inferred:
        print(
            f"answered: {key} = {imported.answers.get(key)} (the dossier holds what this "
            "question leads to)",
            file=out,
        )
    for item in imported.unmapped:
        reason = _translator("nl")(item.reason).format(**item.params)
        print(f"not carried: line {item.line}: {item.path} = {item.value!r}: {reason}", file=out)
    print(
        f"{args.form}@{versions[-1]}: {len(imported.files)} file(s), "
        f"{len(imported.unmapped)} element(s) not carried",
        file=out,
    )
    return 0


def _oso_export(args: argparse.Namespace, out: TextIO) -> int:
    import uuid

    from runtime.db.session import Database
    from runtime.definitions import Registry
    from runtime.forms.service import FormsService, NotFound
    from runtime.oso.service import OsoExchange
    from runtime.settings import Settings
    from runtime.storage import BlobStore

    settings = Settings()
    registry = Registry.load(settings.definitions_dir)
    with Database(settings).session() as session:
        forms = FormsService(session, registry, settings, BlobStore(settings.files_dir))
        try:
            submission = forms.submission(uuid.UUID(args.submission))
            result = OsoExchange(forms).export_submission(submission)
        except (NotFound, ValueError):
            print(f"error: no OSO-exportable submission {args.submission}", file=out)
            return 2
    for path in result.export.not_exported:
        print(f"not exported: {path} (POPO does not write this OSO element)", file=out)
    for finding in result.validation.findings:
        print(finding.describe(_translator("nl")), file=out)
    if result.validation.findings:
        print("not written: the export does not pass the official validation", file=out)
        return 1
    target = Path(args.output or result.filename)
    target.write_bytes(result.export.xml)
    status = result.validation.skipped or "valid (XSD and business rules)"
    print(f"wrote {target}: {status}", file=out)
    return 0


def cmd_admin(args: argparse.Namespace, out: TextIO) -> int:
    import getpass

    from runtime.db.migrate import upgrade
    from runtime.db.session import Database
    from runtime.organisations import admin
    from runtime.settings import Settings

    settings = Settings()
    upgrade(settings)
    database = Database(settings)
    try:
        with database.session() as session:
            if args.handler_name == "user-add":
                password = args.password or getpass.getpass("password: ")
                language = args.language or settings.default_language
                admin.add_user(session, args.email, args.name, password, args.role, language)
                print(f"created {args.email}", file=out)
            elif args.handler_name == "user-grant":
                admin.grant(session, args.email, args.role)
                print(f"{args.email}: {args.role}", file=out)
            elif args.handler_name == "swv":
                admin.set_swv(session, args.school, args.swv)
                print(f"{args.school} belongs to {args.swv}", file=out)
            elif args.handler_name == "agreement":
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


def _redacted(url: str) -> str:
    from runtime.settings import redacted_url

    return redacted_url(url)


def cmd_settings(args: argparse.Namespace, out: TextIO) -> int:
    """Every setting, its value (secrets hidden) and where it came from."""
    from oso_mapping.settings import oso_dir, schema_dir
    from runtime.settings import Settings, describe, markdown_table, unknown_variables

    if args.markdown:
        print(markdown_table(), end="", file=out)
        return 0
    rows = [(s.variable, s.value, s.origin) for s in describe(Settings())]
    for variable, found in (("POPO_OSO_DIR", oso_dir()), ("POPO_OSO_SCHEMA_DIR", schema_dir())):
        origin = "env" if os.environ.get(variable) else "default"
        rows.append((variable, str(found) if found else "(not found)", origin))
    width = max(len(variable) for variable, _, _ in rows)
    for variable, value, origin in rows:
        print(f"{variable:<{width}}  {value}  ({origin})", file=out)
    for line in unknown_variables():
        print(f"warning: {line}", file=out)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="popo", description="POPO: transfers of pupils between primary schools."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="check definitions: every error with file:line:col")
    check.add_argument("paths", nargs="*", help="files or folders (default: definitions/)")
    check.add_argument("--strict", action="store_true", help="warnings fail too")
    check.add_argument("--quiet", action="store_true", help="do not print warnings")
    check.set_defaults(handler=cmd_check)

    test = commands.add_parser(
        "test", help="run the author test scenarios (*.scenarios.yaml), migrations included"
    )
    test.add_argument("paths", nargs="*", help="files or folders (default: definitions/)")
    test.add_argument("--today", help="date for scenarios without one (YYYY-MM-DD)")
    test.add_argument(
        "--coverage", action="store_true", help="list conditions and constraints not seen both ways"
    )
    test.add_argument(
        "--require-coverage",
        action="store_true",
        help="like --coverage, and fail when any is missing or a form has no scenarios",
    )
    test.set_defaults(handler=cmd_test)

    diff = commands.add_parser(
        "diff", help="what changes between two versions: [FOLDER] FORM@A FORM@B"
    )
    diff.add_argument("refs", nargs="+", metavar="[FOLDER] FORM@A FORM@B")
    diff.add_argument("--dir", default=str(DEFAULT_DEFINITIONS), help="definitions folder")
    diff.add_argument("--exit-code", action="store_true", help="exit 1 when a change is breaking")
    diff.add_argument(
        "--ignore-migration", action="store_true", help="classify as if no migration were declared"
    )
    diff.set_defaults(handler=cmd_diff)

    schema = commands.add_parser("schema", help="print the JSON Schema of the definition language")
    schema.add_argument("--scenarios", action="store_true", help="the schema of scenario files")
    schema.add_argument("-o", "--output", help="write to this file")
    schema.set_defaults(handler=cmd_schema)

    publish = commands.add_parser(
        "publish",
        help="record a version as published in popo.lock, once it checks clean and its "
        "scenarios pass and cover it",
    )
    publish.add_argument("file", help="the *.form.yaml to publish")
    publish.add_argument("--dir", help="definitions folder holding popo.lock (default: nearest)")
    publish.add_argument("--today", help="date for scenarios without one (YYYY-MM-DD)")
    publish.set_defaults(handler=cmd_publish)

    translations = commands.add_parser(
        "translations", help="texts to translate as CSV or XLIFF, and translations back"
    )
    translations_commands = translations.add_subparsers(
        dest="translations_command", required=True, metavar="COMMAND"
    )
    translations_export = translations_commands.add_parser(
        "export", help="every text of every form with its place and current translation"
    )
    translations_export.add_argument("dir", nargs="?", default=str(DEFAULT_DEFINITIONS))
    translations_export.add_argument(
        "--language", required=True, help="the language to translate into, e.g. en"
    )
    translations_export.add_argument("--source", default="nl", help="the source language")
    translations_export.add_argument(
        "--format", choices=["csv", "xliff"], help="default: from -o's name, else csv"
    )
    translations_export.add_argument("-o", "--output", help="the file to write (default: print)")
    translations_export.add_argument(
        "--with-inherited",
        action="store_true",
        help="also the texts the forms inherit from files outside the folder (marked inherited)",
    )
    translations_import = translations_commands.add_parser(
        "import", help="write the translations of an export into the definition files"
    )
    translations_import.add_argument("file", help="the CSV or XLIFF file, filled in")
    translations_import.add_argument(
        "--dir", help="the definitions folder (default: the folder of the files it names)"
    )
    translations.set_defaults(handler=cmd_translations)

    new_region = commands.add_parser(
        "new-region",
        help="start a region: a variant of each of the four forms, scenarios and a README",
    )
    new_region.add_argument("name", help="the region, in lower case: west, noord-holland")
    new_region.add_argument(
        "--from",
        dest="source",
        default="base",
        help="the folder to start from: base (default), or a region whose variants to copy",
    )
    new_region.add_argument(
        "--dir", default=str(DEFAULT_DEFINITIONS), help="definitions folder (default: definitions)"
    )
    new_region.set_defaults(handler=cmd_new_region)

    db = commands.add_parser("db", help="database migrations")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    db_upgrade = db_commands.add_parser("upgrade", help="migrate the database to the newest schema")
    db_upgrade.add_argument("revision", nargs="?", default="head")
    db_upgrade.set_defaults(handler=cmd_db)

    demo = commands.add_parser("demo", help="create the demo region, schools and parent links")
    demo.set_defaults(handler=cmd_demo)

    duo = commands.add_parser(
        "import-duo", help="import DUO's open data of school locations (idempotent)"
    )
    duo.add_argument("file", help="DUO's CSV of school locations (Windows-1252, ';')")
    duo.add_argument(
        "--swv-map", help="PC4 → PO SWV table: derive each school's samenwerkingsverband"
    )
    duo.add_argument("--quiet", action="store_true", help="no progress")
    duo.set_defaults(handler=cmd_import_duo)

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
    user_add.set_defaults(handler=cmd_admin, handler_name="user-add")
    grant = commands.add_parser("user-grant", help="give an account another role")
    grant.add_argument("email")
    grant.add_argument("role", help="ROLE@CODE")
    grant.set_defaults(handler=cmd_admin, handler_name="user-grant")
    swv = commands.add_parser("swv", help="set a school's samenwerkingsverband by hand")
    swv.add_argument("school", help="BRIN + vestigingscode, e.g. 12AB00")
    swv.add_argument("swv", help="SWV code, e.g. PO2001")
    swv.set_defaults(handler=cmd_admin, handler_name="swv")
    agreement = commands.add_parser("agreement", help="record a processing agreement")
    agreement.add_argument("bestuur", help="school board number")
    agreement.add_argument("processor", help="the board itself or an SWV code")
    agreement.add_argument("--from", dest="starts", required=True, help="YYYY-MM-DD")
    agreement.add_argument("--until", dest="ends", help="YYYY-MM-DD (inclusive)")
    agreement.set_defaults(handler=cmd_admin, handler_name="agreement")

    archive_parser = commands.add_parser("archive", help="the PDF archive of submissions")
    archive_commands = archive_parser.add_subparsers(dest="archive_command", required=True)
    archive_commands.add_parser(
        "sweep", help="render every missing PDF archive and report the counts"
    )
    archive_parser.set_defaults(handler=cmd_archive)

    worker = commands.add_parser(
        "worker", help="run background jobs (PDF archives, mail, sweeps) until stopped"
    )
    worker.add_argument(
        "--concurrency", type=int, default=0, help="jobs at a time (default POPO_JOB_WORKERS)"
    )
    worker.set_defaults(handler=cmd_worker)

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
    pupil = audit_commands.add_parser(
        "pupil", help="every access to one pupil's data (AVG art. 15)"
    )
    pupil.add_argument("number", help="the pupil's BSN or onderwijsnummer")
    pupil.add_argument(
        "--all", action="store_true", help="every access on its own line, not grouped per day"
    )
    audit_parser.set_defaults(handler=cmd_audit)

    mail_parser = commands.add_parser("mail", help="the outbox of e-mail POPO sends")
    mail_commands = mail_parser.add_subparsers(dest="mail_command", required=True)
    mail_commands.add_parser("pending", help="list the messages waiting to be sent")
    mail_commands.add_parser("send-pending", help="send every waiting message now")
    mail_parser.set_defaults(handler=cmd_mail)

    oso = commands.add_parser("oso", help="OSO dossiers: validate, import, export")
    oso_commands = oso.add_subparsers(dest="oso_command", required=True)
    oso_validate = oso_commands.add_parser(
        "validate", help="check a dossier against the OSO 2019.1 XSD and business rules"
    )
    oso_validate.add_argument("file")
    oso_validate.add_argument(
        "--language", choices=["nl", "en"], default="nl", help="the findings' language"
    )
    oso_import = oso_commands.add_parser(
        "import", help="the answers a dossier gives a form, and what it does not carry"
    )
    oso_import.add_argument("file")
    oso_import.add_argument("--form", default="onderwijskundig-rapport")
    oso_import.add_argument("--definitions", default=str(DEFAULT_DEFINITIONS))
    oso_export = oso_commands.add_parser("export", help="write a submission as an OSO dossier")
    oso_export.add_argument("submission", help="the submission's id")
    oso_export.add_argument("-o", "--output", help="the file to write (default: oso-….xml)")
    oso.set_defaults(handler=cmd_oso)

    preview = commands.add_parser(
        "preview", help="fill in the forms on disk; save what you typed as a scenario"
    )
    preview.add_argument("folder", nargs="?", default=str(DEFAULT_DEFINITIONS))
    preview.add_argument(
        "--host", default="127.0.0.1", help="listen on this address (default: this machine only)"
    )
    preview.add_argument("--port", type=int, default=8001)
    preview.set_defaults(handler=cmd_preview)

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
