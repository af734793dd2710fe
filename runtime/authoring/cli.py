"""The consultant's commands: check, test, diff, schema, publish, translations, new-region,
preview. They read definitions from disk; none of them needs the database."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import TextIO

from engine.errors import Severity
from engine.overviews import OVERVIEW_SUFFIX
from engine.procedures import PROCEDURE_SUFFIX, ProcedureResult
from engine.versions import FORM, OVERVIEW, PLACEMENT, PROCEDURE, Change
from engine.workspace import (
    FORM_SUFFIX,
    SCENARIO_SUFFIX,
    Versioned,
    Workspace,
    discover,
    kind_of,
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
    # a form (or procedure) that no scenario file names is untested: a warning (so --strict fails)
    tested = [
        *(r.path for r in workspace.results),
        *(p.path for p in workspace.procedures),
        *(o.path for o in workspace.overviews),
    ]
    named = scenarios_naming(tested, paths)
    untested = [no_scenarios(path) for path in tested if not named[path.resolve()]]
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
    others = [
        f"{count} {_plural(name) if count != 1 else name}"
        for count, name in (
            (len(workspace.procedures), "procedure"),
            (len(workspace.calendars), "calendar"),
            (len(workspace.placements), "placement policy"),
            (len(workspace.overviews), "overview"),
        )
        if count
    ]
    counted = [f"{forms} form{'s' if forms != 1 else ''}", *others]
    checked = ", ".join(counted[:-1]) + " and " + counted[-1] if len(counted) > 1 else counted[0]
    print(
        f"{'FAILED' if failed else 'OK'}: {checked} checked, "
        f"{len(errors)} error{'s' if len(errors) != 1 else ''}, "
        f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}",
        file=out,
    )
    return 1 if failed else 0


def _plural(noun: str) -> str:
    return noun[:-1] + "ies" if noun.endswith("y") else noun + "s"


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
        procedures=discover(paths, PROCEDURE_SUFFIX),
        overviews=discover(paths, OVERVIEW_SUFFIX),
    )
    for line in suite.lines(args.require_coverage):
        print(line, file=out)
    return 0 if suite.ok(args.require_coverage) else 1


def _parse_ref(text: str) -> tuple[str, int]:
    form, sep, version = text.partition("@")
    if not sep or not version.isdigit():
        raise argparse.ArgumentTypeError(
            f"'{text}' is not ID@VERSION (the id of a form or procedure and a version number), "
            "e.g. onderwijskundig-rapport@2"
        )
    return form, int(version)


DIFF_USAGE = (
    "popo diff [FOLDER] ID@A ID@B (two forms or two procedures), e.g. "
    "popo diff definitions onderwijskundig-rapport@1 onderwijskundig-rapport@2"
)


def _find_version(
    workspace: Workspace, ident: str, version: int, procedure_only: bool = False
) -> Versioned | str:
    """The valid form (else procedure) ``ident@version``, or why there is none; with
    ``procedure_only`` the procedure (a support request's form and procedure share an id)."""
    form = None if procedure_only else workspace.find(ident, version)
    if form is not None and form.checked is not None:
        return form
    procedure = workspace.find_procedure(ident, version)
    if procedure is not None and procedure.ok:
        return procedure
    for kind in (FORM, PROCEDURE):
        versions = workspace.versions(ident, kind)
        if versions:
            return f"versions of the {kind} '{ident}': {', '.join(map(str, versions))}"
    return f"no form or procedure '{ident}' in {workspace.paths[0]}/"


def cmd_diff(args: argparse.Namespace, out: TextIO) -> int:
    from engine.procedures.diff import diff_procedures
    from engine.versions import diff

    refs = list(args.refs)
    if len(refs) == 3:
        args.dir = refs.pop(0)
    if len(refs) != 2:
        print(f"error: {DIFF_USAGE}", file=out)
        return 2
    workspace = open_workspace([Path(args.dir)])
    found: list[Versioned] = []
    for ref in refs:
        try:
            ident, version = _parse_ref(ref)
        except argparse.ArgumentTypeError as problem:
            print(f"error: {problem}\nusage: {DIFF_USAGE}", file=out)
            return 2
        result = _find_version(workspace, ident, version, args.procedure)
        if isinstance(result, str):
            print(f"error: {ref} not found or not valid ({result})", file=out)
            return 2
        found.append(result)
    old, new = found
    title = f"{refs[0]} → {refs[1]}"
    changes: list[Change]
    if isinstance(old, ProcedureResult) or isinstance(new, ProcedureResult):
        if not isinstance(old, ProcedureResult) or not isinstance(new, ProcedureResult):
            kinds = [kind_of(old), kind_of(new)]
            print(
                f"error: {refs[0]} is a {kinds[0]} and {refs[1]} a {kinds[1]}: popo diff "
                "compares two forms or two procedures",
                file=out,
            )
            return 2
        assert old.definition is not None and new.definition is not None
        changes = diff_procedures(old.definition, new.definition)
        return _print_changes(title, changes, False, args.exit_code, out)
    assert old.checked is not None and new.checked is not None
    assert old.definition is not None and new.definition is not None
    migration = next(
        (m for m in new.definition.migrations if m.from_version == old.definition.version),
        None,
    )
    if migration is not None and migration.drafts == "finish":
        title += f" (drafts of version {migration.from_version} finish on that version)"
        migration = None
    elif migration is not None and args.ignore_migration:
        title += " (as if there were no migration)"
        migration = None
    elif migration is not None:
        title += f" (with the migration from version {migration.from_version})"
    changes = diff(old.checked, new.checked, migration)
    return _print_changes(title, changes, True, args.exit_code, out)


def _print_changes(
    title: str, changes: list[Change], migrations: bool, exit_code: bool, out: TextIO
) -> int:
    """The changes under their headings, and how many of each kind (forms have migrations)."""
    from engine.versions import group_changes

    print(title, file=out)
    for heading, items in group_changes(changes):
        print(heading, file=out)
        for change in items:
            print(f"  {change.label:<10}  {change.description}", file=out)
    breaking = [c for c in changes if c.breaking]
    migrated = [c for c in changes if c.migrated]
    handled = f"{len(migrated)} handled by the migration, " if migrations else ""
    print(
        f"{len(changes)} change{'s' if len(changes) != 1 else ''}: {len(breaking)} breaking, "
        f"{handled}{len(changes) - len(breaking) - len(migrated)} compatible",
        file=out,
    )
    return 1 if breaking and exit_code else 0


def cmd_schema(args: argparse.Namespace, out: TextIO) -> int:
    from engine.schema import calendar_schema, definition_schema, scenario_schema

    if args.calendar:
        schema = calendar_schema()
    else:
        schema = scenario_schema() if args.scenarios else definition_schema()
    text = json.dumps(schema, indent=2, ensure_ascii=False)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    else:
        print(text, file=out)
    return 0


def cmd_publish(args: argparse.Namespace, out: TextIO) -> int:
    """Publish one form or procedure version: only when it checks clean, its scenarios pass
    and cover it."""
    from engine.scenarios import run_suite

    path = Path(args.file)
    root = Path(args.dir) if args.dir else None
    oso = _oso_catalog(out)
    workspace = open_workspace([root or path.parent], oso)
    candidates: list[Versioned] = [
        *workspace.results,
        *workspace.procedures,
        *workspace.placements,
        *workspace.overviews,
    ]
    result = next((r for r in candidates if r.path.resolve() == path.resolve()), None)
    if result is None:
        print(
            f"error: {path} is not a form (*{FORM_SUFFIX}), procedure (*{PROCEDURE_SUFFIX}), "
            f"placement policy (*.placement.yaml) or overview (*{OVERVIEW_SUFFIX}) file in "
            f"{root or path.parent}",
            file=out,
        )
        return 2
    kind = kind_of(result)
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
    entry = lock.get(model.id, model.version, kind)
    if entry is not None:
        if entry.sha256 == result.content_hash:
            print(f"{name} is already published", file=out)
            return 0
        print(f"error: {name} was published before with other content", file=out)
        return 1
    if kind == PLACEMENT:  # a policy has no scenarios: checked clean, it is published
        lock.publish(model.id, model.version, result.content_hash, path, [path], kind)
        lock.write()
        print(f"published {name} ({result.content_hash[:12]}) in {lock.path}", file=out)
        return 0
    # the scenarios of this form (or procedure) and of those it builds on, with its coverage
    today = date.fromisoformat(args.today) if args.today else None
    forms, procedures, overviews = (
        ([], [path], [])
        if kind == PROCEDURE
        else ([], [], [path])
        if kind == OVERVIEW
        else ([path], [], [])
    )
    suite = run_suite(
        forms,
        (),
        [root or path.parent],
        oso,
        today,
        coverage=True,
        procedures=procedures,
        overviews=overviews,
    )
    for line in suite.lines(require_coverage=True):
        print(line, file=out)
    reasons = suite.reasons(require_coverage=True)
    if reasons:
        print(f"not published: {name}", file=out)
        for reason in reasons:
            print(f"  - {reason}", file=out)
        print(f"fix these first; popo test --require-coverage {path} shows the same", file=out)
        return 1
    lock.publish(model.id, model.version, result.content_hash, path, result.loaded.files, kind)
    lock.write()
    noted = f", {len(warnings)} warning{'s' if len(warnings) != 1 else ''}" if warnings else ""
    print(
        f"published {name} ({result.content_hash[:12]}) in {lock.path}: "
        f"{suite.passed} scenario{'s' if suite.passed != 1 else ''} passed, fully covered{noted}",
        file=out,
    )
    return 0


def cmd_translations(args: argparse.Namespace, out: TextIO) -> int:
    """Every text of every form and procedure to a CSV or XLIFF file, and the translations back
    into YAML."""
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
                which = (
                    "forms and procedures" if "procedure" in collection.kinds.values() else "forms"
                )
                print(
                    f"not exported: {count} text{'s' if count != 1 else ''} that the {which} in "
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
                f"({missing} without {args.language}) of {collection.counted()}",
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
    procedures = len(workspace.procedures)
    counted = f"{forms} forms" + (
        f" and {procedures} procedure{'s' if procedures != 1 else ''}" if procedures else ""
    )
    print(
        f"{'OK' if not diagnostics else 'CHECK'}: {counted} in {plan.folder}, "
        f"{len(diagnostics)} problem{'s' if len(diagnostics) != 1 else ''}",
        file=out,
    )
    each = "each form and procedure" if procedures else "each form"
    print(
        f"next: describe the region's changes in {each}, then run popo check --strict "
        f"{plan.folder} and popo test --require-coverage {definitions} (docs/regions.md)",
        file=out,
    )
    return 1 if diagnostics else 0


def cmd_preview(args: argparse.Namespace, out: TextIO) -> int:
    import uvicorn

    from runtime.authoring.preview import create_preview_app

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
    from runtime.authoring.preview import LOOPBACK

    if host in LOOPBACK:
        return LOOPBACK
    return None


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
        "diff",
        help="what changes between two versions of a form or procedure: [FOLDER] ID@A ID@B",
    )
    diff.add_argument("refs", nargs="+", metavar="[FOLDER] ID@A ID@B")
    diff.add_argument("--dir", default=str(DEFAULT_DEFINITIONS), help="definitions folder")
    diff.add_argument("--exit-code", action="store_true", help="exit 1 when a change is breaking")
    diff.add_argument(
        "--ignore-migration", action="store_true", help="classify as if no migration were declared"
    )
    diff.add_argument(
        "--procedure",
        action="store_true",
        help="compare the procedures of these ids (where a form has the same id)",
    )
    diff.set_defaults(handler=cmd_diff)

    schema = commands.add_parser("schema", help="print the JSON Schema of the definition language")
    schema.add_argument("--scenarios", action="store_true", help="the schema of scenario files")
    schema.add_argument(
        "--calendar", action="store_true", help="the schema of school calendar files"
    )
    schema.add_argument("-o", "--output", help="write to this file")
    schema.set_defaults(handler=cmd_schema)

    publish = commands.add_parser(
        "publish",
        help="record a version as published in popo.lock, once it checks clean and its "
        "scenarios pass and cover it",
    )
    publish.add_argument(
        "file",
        help="the *.form.yaml, *.procedure.yaml, *.placement.yaml or *.overview.yaml to publish",
    )
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
        help="start a region: a variant of each of the four forms and of each procedure, "
        "scenarios and a README",
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

    preview = commands.add_parser(
        "preview", help="fill in the forms on disk; save what you typed as a scenario"
    )
    preview.add_argument("folder", nargs="?", default=str(DEFAULT_DEFINITIONS))
    preview.add_argument(
        "--host", default="127.0.0.1", help="listen on this address (default: this machine only)"
    )
    preview.add_argument("--port", type=int, default=8001)
    preview.set_defaults(handler=cmd_preview)
