"""``popo oso``: validate a dossier, show what it gives a form, export a submission."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TextIO

from engine.workspace import open_workspace

DEFAULT_DEFINITIONS = Path("definitions")


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
    from runtime.settings import load_settings
    from runtime.storage import BlobStore

    settings = load_settings()
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


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
