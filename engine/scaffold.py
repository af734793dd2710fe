"""A new region's folder: a variant of each of the four instruments and of each procedure,
scenarios and a README.

``popo new-region west --from base`` plans ``definitions/west/``: for every instrument of the
source folder (the newest version of each kind) a ``*.form.yaml`` that ``extends:`` it with no
changes yet, a ``*.scenarios.yaml`` whose scenarios the engine derived from that form (so they
pass, and fail once the region changes what they describe), and a README stub.

When the source is a region (``--from noord``), the new region starts as a copy of that region's
variants: each copy extends the same base form as the original, keeps its ``choices`` and
``changes`` (and their comments), and gets its own id, version 1, region and title; the source
region's scenarios come along, pointed at the copies.

Procedures (``*.procedure.yaml``) come along alike: from the base, a variant that ``extends:``
the newest version of each, with ``changes: []`` and an example of changes in a comment, and
scenarios derived from it (where a new case starts, where the first step takes it); from a
region, a copy of its variant and scenarios, naming the new region's forms where the source
named its own.

The plan is computed in memory (:func:`plan_region`); writing it is the caller's business, so
the engine stays free of side effects.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .api import CheckResult, check_file
from .checker import OsoCatalog
from .errors import did_you_mean
from .evaluate import evaluate
from .model import REGION_PATTERN, REGION_RULE, FormKind, Text
from .procedures import PROCEDURE_SUFFIX, ProcedureResult, check_procedure_file, school_calendar
from .procedures import evaluate as evaluate_procedure
from .procedures.evaluate import CaseState, Event
from .terms import TermError
from .workspace import FORM_SUFFIX, SCENARIO_SUFFIX
from .yamlsource import load_file

INSTRUMENTS: tuple[FormKind, ...] = (
    FormKind.OVERSTAPFORMULIER,
    FormKind.ONDERWIJSKUNDIG_RAPPORT,
    FormKind.ADVIESFORMULIER,
    FormKind.AANMELDFORMULIER,
)
"""The four instruments every region has (custom forms are not scaffolded)."""

RESERVED_NAMES = frozenset({"base", "fragments"})
_REGION_WORD = {"nl": "Regio", "en": "Region"}
_MODELINE = re.compile(r"^#\s*yaml-language-server:\s*\$schema=(\S+)\s*$")
_HEADER_KEYS = ("extends", "id", "version", "region", "title")
_SHOWN_ERRORS = 4
_SHOWN_HIDDEN = 3


class ScaffoldRefused(Exception):
    """The region cannot be made as asked; the message says why and what to do."""


@dataclass
class RegionPlan:
    """The files of a new region (path → text), and notes for the consultant."""

    folder: Path
    files: dict[Path, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def write(self) -> None:
        self.folder.mkdir(parents=True)
        for path, text in self.files.items():
            path.write_text(text, encoding="utf-8")


def display_name(region: str) -> str:
    """``noord-holland`` → ``Noord-Holland``: the region as people read it in titles."""
    return "-".join(part.capitalize() for part in region.split("-"))


def plan_region(
    definitions: Path,
    name: str,
    source: str = "base",
    oso: OsoCatalog | None = None,
    today: date | None = None,
) -> RegionPlan:
    """Plan ``definitions/name`` from the instruments in ``definitions/source``."""
    today = today or date.today()
    if not re.fullmatch(REGION_PATTERN, name) or name in RESERVED_NAMES:
        raise ScaffoldRefused(
            f"'{name}' is not a valid region name: {REGION_RULE}"
            + (f"; '{name}' is reserved" if name in RESERVED_NAMES else "")
        )
    if not definitions.is_dir():
        raise ScaffoldRefused(f"there is no definitions folder {definitions}")
    target = definitions / name
    if target.exists():
        raise ScaffoldRefused(
            f"{target} already exists: choose another name, or remove the folder first"
        )
    source_dir = definitions / source
    if not source_dir.is_dir():
        folders = sorted(p.name for p in definitions.iterdir() if p.is_dir())
        hint = did_you_mean(source, folders) or "folders: " + ", ".join(folders)
        raise ScaffoldRefused(f"there is no folder {source_dir} to start from ({hint})")
    chosen = _instruments(source_dir, oso)
    procedures = _procedures(source_dir)
    plan = RegionPlan(target)
    # the base id of each instrument → its variant in the new region (what procedures name)
    variants: dict[str, str] = {}
    for kind in INSTRUMENTS:
        result = chosen[kind]
        definition = result.definition
        assert definition is not None
        if definition.region is None:
            _plan_from_base(plan, result, name, today)
            variants[definition.id] = f"{definition.id}-{name}"
        else:
            _plan_from_region(plan, result, name, definition.region, today)
            variants[_base_id(definition.id, definition.region)] = (
                f"{_base_id(definition.id, definition.region)}-{name}"
            )
    for procedure in [*procedures, *_base_procedures_without_variant(chosen, procedures, plan)]:
        flow = procedure.definition
        assert flow is not None
        if flow.region is None:
            _plan_procedure_from_base(plan, procedure, name, variants, today)
        else:
            _plan_from_region(plan, procedure, name, flow.region, today, variants)
    plan.files[target / "README.md"] = _readme(plan, name, source_dir, today)
    return plan


def _base_id(variant_id: str, region: str) -> str:
    """``overstapformulier-noord`` → ``overstapformulier``: a variant's id without its region."""
    suffix = f"-{region}"
    return variant_id[: -len(suffix)] if variant_id.endswith(suffix) else variant_id


def _procedures(source_dir: Path) -> list[ProcedureResult]:
    """The newest valid version of each procedure in the folder (not in its subfolders)."""
    found: dict[str, ProcedureResult] = {}
    broken: list[str] = []
    for path in sorted(source_dir.glob(f"*{PROCEDURE_SUFFIX}")):
        result = check_procedure_file(path)
        flow = result.definition
        if not result.ok or flow is None:
            broken.append(path.name)
            continue
        current = found.get(flow.id)
        if current is None or current.definition.version < flow.version:  # type: ignore[union-attr]
            found[flow.id] = result
    if broken:
        raise ScaffoldRefused(
            f"{source_dir} has procedures with errors ({', '.join(broken)}): "
            f"run popo check {source_dir} and fix them first"
        )
    return list(found.values())


def _base_procedures_without_variant(
    chosen: dict[FormKind, CheckResult], procedures: list[ProcedureResult], plan: RegionPlan
) -> list[ProcedureResult]:
    """For a region made from a region: the procedures of the base folder (the one its forms
    extend) that the source region has no variant of; the new region starts them from the base."""
    bases = {
        (result.path.parent / str(load_file(result.path)["extends"])).resolve().parent
        for result in chosen.values()
        if result.definition is not None and result.definition.region is not None
    }
    if len(bases) != 1:
        return []  # made from the base, or from forms on several bases: nothing to add
    have = {
        _base_id(p.definition.id, p.definition.region or "") for p in procedures if p.definition
    }
    missing = [
        procedure
        for procedure in _procedures(bases.pop())
        if procedure.definition is not None
        and procedure.definition.region is None
        and procedure.definition.id not in have
    ]
    for procedure in missing:
        flow = procedure.definition
        assert flow is not None
        plan.notes.append(
            f"the folder you started from has no variant of the procedure '{flow.id}': "
            f"{flow.id}{PROCEDURE_SUFFIX} starts from the base's {procedure.path.name}"
        )
    return missing


def _instruments(source_dir: Path, oso: OsoCatalog | None) -> dict[FormKind, CheckResult]:
    """The newest valid version of each instrument in the folder (not in its subfolders)."""
    found: dict[FormKind, CheckResult] = {}
    broken: list[str] = []
    for path in sorted(source_dir.glob(f"*{FORM_SUFFIX}")):
        result = check_file(path, oso)
        definition = result.definition
        if not result.ok or definition is None:
            broken.append(path.name)
            continue
        kind = definition.kind
        if kind not in INSTRUMENTS:
            continue
        current = found.get(kind)
        if current is None or current.definition.version < definition.version:  # type: ignore[union-attr]
            found[kind] = result
    if broken:
        raise ScaffoldRefused(
            f"{source_dir} has forms with errors ({', '.join(broken)}): "
            f"run popo check {source_dir} and fix them first"
        )
    missing = [kind.value for kind in INSTRUMENTS if kind not in found]
    if missing:
        raise ScaffoldRefused(
            f"{source_dir} has no {' and no '.join(missing)} "
            "(a form with that kind:); a region starts from a folder with all four instruments"
        )
    return found


def _relative(path: Path, folder: Path) -> str:
    return Path(os.path.relpath(path.resolve(), folder.resolve())).as_posix()


def _modeline(source: Path, target_folder: Path) -> str | None:
    """The editor's schema line of ``source``, rewritten for a file in ``target_folder``."""
    first = source.read_text(encoding="utf-8").split("\n", 1)[0]
    match = _MODELINE.match(first)
    if match is None:
        return None
    schema = (source.parent / match.group(1)).resolve()
    return f"# yaml-language-server: $schema={_relative(schema, target_folder)}"


def _quoted(text: str) -> str:
    """A YAML scalar for ``text`` that reads back as the same text, also inside { }."""
    plain_ok = (
        text
        and text == text.strip()
        and not re.search(r"[,:?#\[\]{}&*!|>'\"%@`]", text)
        and text not in ("true", "false", "null")
        and not text[0].isdigit()
        and text[0] not in "-.~<=+"
    )
    return text if plain_ok else json.dumps(text, ensure_ascii=False)


def _text_map(text: Text, languages: list[str]) -> dict[str, str]:
    if isinstance(text, str):
        return {language: text for language in languages}
    return {language: text.get(language, next(iter(text.values()), "")) for language in languages}


def _title(base_title: Text, languages: list[str], region: str) -> str:
    texts = _text_map(base_title, languages)
    shown = display_name(region)
    parts = []
    for language, text in texts.items():
        word = _REGION_WORD.get(language, _REGION_WORD["nl"])
        parts.append(f"{language}: {_quoted(f'{text} – {word} {shown}')}")
    return "{" + ", ".join(parts) + "}"


def _whose(region: str, kind: FormKind | str) -> str:
    """``Regio West's overstapformulier`` (or ``… procedure aanmelding``): how a file's first
    comment names it."""
    what = kind.value.replace("_", " ") if isinstance(kind, FormKind) else kind
    return f"{_REGION_WORD['nl']} {display_name(region)}'s {what}"


def _header(
    base: CheckResult | ProcedureResult, variant_id: str, folder: Path, region: str
) -> list[str]:
    definition = base.definition
    assert definition is not None
    return [
        f"extends: {_relative(base.path, folder)}",
        f"id: {variant_id}",
        "version: 1",
        f"region: {region}",
        f"title: {_title(definition.title, definition.languages, region)}",
    ]


def _plan_from_base(plan: RegionPlan, base: CheckResult, region: str, today: date) -> None:
    definition = base.definition
    assert definition is not None
    folder = plan.folder
    form_name = f"{definition.id}{FORM_SUFFIX}"
    lines = [line for line in [_modeline(base.path, folder)] if line]
    lines += [
        f"# {_whose(region, definition.kind)}: the base form {_relative(base.path, folder)}",
        "# with this region's changes. Write each change under changes: (see docs/regions.md),",
        "# run popo check after each, and test it in the scenarios file next to this one.",
        *_header(base, f"{definition.id}-{region}", folder, region),
        "changes: []",
    ]
    plan.files[folder / form_name] = "\n".join(lines) + "\n"
    plan.files[folder / f"{definition.id}{SCENARIO_SUFFIX}"] = _starter_scenarios(
        base, folder, form_name, today
    )


def _plan_from_region(
    plan: RegionPlan,
    source: CheckResult | ProcedureResult,
    region: str,
    source_region: str,
    today: date,
    variants: dict[str, str] | None = None,
) -> None:
    """Copy a region's variant: same base, same changes, this region's id, version and title.

    A procedure's copy (``variants`` given) names the new region's forms where the source
    named its own region's: ``overstapformulier-noord`` becomes ``overstapformulier-west``, in
    the procedure and in its copied scenarios."""
    definition = source.definition
    assert definition is not None
    folder = plan.folder
    data = load_file(source.path)
    base_path = (source.path.parent / str(data["extends"])).resolve()
    is_procedure = isinstance(source, ProcedureResult)
    base: CheckResult | ProcedureResult = (
        check_procedure_file(base_path) if is_procedure else check_file(base_path)
    )
    base_definition = base.definition
    assert base_definition is not None  # the source checked clean, so its base loads
    suffix = f"-{source_region}"
    base_id = (
        definition.id[: -len(suffix)] if definition.id.endswith(suffix) else base_definition.id
    )
    header = _header(base, f"{base_id}-{region}", folder, region)
    # keep the title of the base form the source extends, as for a region made from the base
    text = source.path.read_text(encoding="utf-8")
    body = _without_header(text.split("\n"))
    renamed = {f"{old}-{source_region}": new for old, new in (variants or {}).items()}
    if is_procedure:
        body = [_renamed(line, renamed) for line in body]
    what = (
        f"procedure {base_id}" if is_procedure else definition.kind.value.replace("_", " ")  # type: ignore[union-attr]
    )
    lines = [line for line in [_modeline(source.path, folder)] if line]
    lines += [
        f"# {_whose(region, what)}, started as a copy of {source_region}'s "
        f"({_relative(source.path, folder)}).",
        "# Review every change below: it is now this region's, and its scenarios are copied too.",
        *header,
        *body,
    ]
    form_text = "\n".join(lines).rstrip("\n") + "\n"
    form_name = source.path.name
    plan.files[folder / form_name] = form_text
    noun = "procedure" if is_procedure else "form"
    if base_path.parent == source.path.parent.resolve():
        plan.notes.append(
            f"{form_name} extends {_relative(base_path, folder)}, a {noun} of {source_region} "
            f"itself: your region inherits what that {noun} changes too"
        )
    mentions = [
        number
        for number, line in enumerate(form_text.split("\n"), start=1)
        if source_region in line.lower() and not line.startswith("#")
    ]
    if mentions:
        plan.notes.append(
            f"{form_name} still mentions '{source_region}' on line "
            + ", ".join(map(str, mentions))
            + ": review those texts"
        )
    scenarios = _scenario_files_of(source.path)
    if not scenarios:
        if isinstance(source, ProcedureResult):
            name = form_name[: -len(PROCEDURE_SUFFIX)]
            plan.files[folder / f"{name}{SCENARIO_SUFFIX}"] = _starter_procedure_scenarios(
                source, folder, form_name, today
            )
        else:
            name = form_name[: -len(FORM_SUFFIX)]
            plan.files[folder / f"{name}{SCENARIO_SUFFIX}"] = _starter_scenarios(
                source, folder, form_name, today
            )
        return
    for scenario_path in scenarios:
        copied = _retarget(scenario_path, form_name, folder, source_region)
        if is_procedure:
            copied = "\n".join(_renamed(line, renamed) for line in copied.split("\n"))
        plan.files[folder / scenario_path.name] = copied


def _renamed(line: str, ids: dict[str, str]) -> str:
    """``line`` with each of ``ids`` (a whole id, not a part of a longer one) replaced."""
    if not ids or line.lstrip().startswith("#"):
        return line
    pattern = re.compile(
        r"(?<![\w-])("
        + "|".join(re.escape(old) for old in sorted(ids, key=len, reverse=True))
        + r")(?![\w-])"
    )
    return pattern.sub(lambda match: ids[match.group(1)], line)


def _plan_procedure_from_base(
    plan: RegionPlan, base: ProcedureResult, region: str, variants: dict[str, str], today: date
) -> None:
    """A variant of a base procedure without changes yet, with an example of changes in a
    comment (the region's own forms, a term of its own), and scenarios derived from it."""
    flow = base.definition
    assert flow is not None
    folder = plan.folder
    name = f"{flow.id}{PROCEDURE_SUFFIX}"
    lines = [line for line in [_modeline(base.path, folder)] if line]
    lines += [
        f"# {_whose(region, f'procedure {flow.id}')}: the base procedure "
        f"{_relative(base.path, folder)}",
        "# with this region's changes. Write each change under changes: (see the regional",
        "# variants in docs/procedures.md), run popo check after each, and test it in the",
        "# scenarios file next to this one. For example (without the # in front):",
        *_example_changes(base, variants),
        *_header(base, f"{flow.id}-{region}", folder, region),
        "changes: []",
    ]
    plan.files[folder / name] = "\n".join(lines) + "\n"
    plan.files[folder / f"{flow.id}{SCENARIO_SUFFIX}"] = _starter_procedure_scenarios(
        base, folder, name, today
    )
    named = sorted(
        {form for transition in flow.transitions for form in transition.needs if form in variants}
        | {task.form for task in flow.tasks if task.form in variants}
        | {term.expects.form for term in flow.terms if term.expects.form in variants}
    )
    if named:
        plan.notes.append(
            f"{name} still names the base's {', '.join(named)}, not the region's "
            f"{', '.join(variants[form] for form in named)}: the comment in it shows how to "
            "change that"
        )


def _example_changes(base: ProcedureResult, variants: dict[str, str]) -> list[str]:
    """Commented-out ``changes`` for a procedure: a transition that needs the region's form
    instead of the base's, and a term of another length."""
    flow = base.definition
    assert flow is not None
    lines = ["# changes:"]
    needing = next((t for t in flow.transitions if any(f in variants for f in t.needs)), None)
    if needing is not None:
        needs = ", ".join(variants.get(form, form) for form in needing.needs)
        lines += [
            f"#   - modify: {needing.id}      # needs the region's form, not the base's",
            "#     set:",
            f"#       needs: [{needs}]",
        ]
    else:
        transition = flow.transitions[0]
        who = ", ".join(transition.who)
        lines += [
            f"#   - modify: {transition.id}      # who may make it in this region",
            "#     set:",
            f"#       who: [{who}]",
        ]
    if flow.terms:
        term = flow.terms[0]
        unit = term.unit.replace("_", " ")
        lines += [
            f"#   - modify: {term.id}      # shorter than the base's {term.amount} {unit}",
            f"#     set: {{amount: {max(term.amount - 1, 1)}}}",
        ]
    return lines


def _actor(flow: Any, who: str) -> str:
    """``party.role`` for an entry of ``who``: a whole party acts in its first role."""
    if "." in who:
        return who
    party = next((p for p in flow.parties if p.id == who), None)
    return f"{who}.{party.roles[0]}" if party is not None else who


def _starter_procedure_scenarios(
    base: ProcedureResult, folder: Path, name: str, today: date
) -> str:
    """Scenarios the engine derives from the procedure as it is: where a new case starts, and
    where the first step from there takes it (with the forms it needs sent). They pass for a
    variant without changes and fail once the region changes what they describe."""
    compiled = base.compiled
    flow = base.definition
    assert compiled is not None and flow is not None
    calendar = school_calendar(base.path)
    start = evaluate_procedure(compiled, [], None, calendar)
    scenarios: list[tuple[str, list[Event], CaseState]] = [
        (f"een nieuwe zaak begint in {compiled.initial}", [], start)
    ]
    first = next(
        (t for t in flow.transitions if compiled.initial in t.sources and t.who),
        None,
    )
    if first is not None:
        by = _actor(flow, first.who[0])
        events = [Event(today, form=form, by=by) for form in first.needs]
        events.append(Event(today, first.id, by=by))
        try:
            state = evaluate_procedure(compiled, events, None, calendar)
        except TermError:  # school days without a readable calendar: popo check says so
            state = None
        if state is not None and not state.refusals:
            scenarios.append((f"de eerste stap: {first.id}", events, state))
    base_scenarios = _scenario_files_of(base.path)
    modeline = _modeline(base_scenarios[0], folder) if base_scenarios else None
    lines = [line for line in [modeline] if line]
    lines += [
        "# Scenarios for this region's procedure: given what happened to a case, where it must",
        "# stand. The first ones were derived from the procedure as it is; they fail when the",
        "# region changes what they describe (then change them with it). Add one for every",
        "# change you make: see docs/procedures.md. What the region inherits unchanged, the",
        "# base's scenarios test.",
        f"procedure: {name}",
        "scenarios:",
    ]
    for title, happened, state in scenarios:
        lines.append(f"  - name: {_quoted(title)}")
        if happened:
            lines.append("    events:")
            for event in happened:
                what = (
                    f"transition: {event.transition}" if event.transition else f"form: {event.form}"
                )
                lines.append(f"      - {{{what}, date: {event.on.isoformat()}, by: {event.by}}}")
        else:
            lines.append("    events: []")
        lines += [
            "    expect:",
            f"      status: {state.status}",
            f"      tasks: [{', '.join(task.id for task in state.tasks)}]",
        ]
        notified = [notification.event for notification in state.notifications]
        if notified:
            lines.append(f"      notified: [{', '.join(notified)}]")
        if happened:
            lines.append("      refused: []")
    return "\n".join(lines) + "\n"


def _without_header(lines: list[str]) -> list[str]:
    """The lines of a variant after its leading comments, without the header keys it replaces.

    A header key's value may go on over more lines (a title written as a block mapping); those
    indented lines go with it.
    """
    start = 0
    while start < len(lines) and (not lines[start].strip() or lines[start].startswith("#")):
        start += 1
    kept: list[str] = []
    skipping = False
    for line in lines[start:]:
        key = line.split(":", 1)[0]
        if line and not line[0].isspace() and not line.startswith("#"):
            skipping = key in _HEADER_KEYS
        elif skipping and line.startswith((" ", "\t")):
            continue
        if not skipping:
            kept.append(line)
    return kept


def _scenario_files_of(form_path: Path) -> list[Path]:
    """Scenario files beside a form (or procedure) whose ``form:`` (``procedure:``) names it."""
    key = "procedure" if form_path.name.endswith(PROCEDURE_SUFFIX) else "form"
    found = []
    for path in sorted(form_path.parent.glob(f"*{SCENARIO_SUFFIX}")):
        data = load_file(path)
        named = data.get(key) if isinstance(data, dict) else None
        if isinstance(named, str) and (path.parent / named).resolve() == form_path.resolve():
            found.append(path)
    return found


def _retarget(scenario_path: Path, form_name: str, folder: Path, source_region: str) -> str:
    """A region's scenario file for the copy: its ``form:`` (or ``procedure:``) names
    ``form_name``.

    The leading comments described the source region, so a line saying where the scenarios
    came from takes their place; the editor's schema line is kept (pointed from ``folder``).
    """
    lines = scenario_path.read_text(encoding="utf-8").split("\n")
    start = 0
    while start < len(lines) and lines[start].startswith("#"):
        start += 1
    key = "procedure" if form_name.endswith(PROCEDURE_SUFFIX) else "form"
    head = [line for line in [_modeline(scenario_path, folder)] if line]
    head.append(
        f"# Copied from {source_region}'s scenarios ({_relative(scenario_path, folder)}): "
        f"they test the changes copied with the {key}."
    )
    body = [f"{key}: {form_name}" if line.startswith(f"{key}:") else line for line in lines[start:]]
    return "\n".join(head + body)


def _starter_scenarios(base: CheckResult, folder: Path, form_name: str, today: date) -> str:
    """Scenarios the engine derives from the form as it is: what an empty form shows.

    They pass for a variant without changes, and they are about this form's own questions: the
    first missing answer of each page (with its message, in each language) and the first
    conditional questions (hidden until the question they depend on is answered).
    """
    compiled = base.compiled
    definition = base.definition
    assert compiled is not None and definition is not None
    state = evaluate(compiled, {}, today)
    # the first missing answer of each page: the form's own questions, not only the pupil's
    errors = []
    for page in compiled.pages:
        first = next((key for key in compiled.page_fields[page] if key in state.errors), None)
        if first is not None:
            errors.append(first)
    errors = errors[:_SHOWN_ERRORS]
    hidden = [
        key
        for key, visible in state.visible.items()
        if not visible and ":" not in key and "[" not in key and key not in errors
    ][:_SHOWN_HIDDEN]
    base_scenarios = _scenario_files_of(base.path)
    modeline = _modeline(base_scenarios[0], folder) if base_scenarios else None
    lines = [line for line in [modeline] if line]
    lines += [
        "# Scenarios for this region's form: given answers, what the form must show.",
        "# The first ones were derived from the form as it is; they fail when the region changes",
        "# what they describe (then change them with it). Add one for every change you make:",
        "# see docs/regions.md. What the region inherits unchanged, the base's scenarios test.",
        f"form: {form_name}",
        "scenarios:",
    ]
    for index, language in enumerate(definition.languages):
        lines += [
            f"  - name: {_quoted(_EMPTY_NAME.get(language, _EMPTY_NAME['en']))}",
            f"    today: {today.isoformat()}",
            f"    language: {language}",
            "    answers: {}",
            "    expect:",
            "      valid: false",
        ]
        if errors:
            lines.append("      errors:")
            for key in errors:
                texts = [message.text(language) for message in state.errors[key]]
                shown = _quoted(texts[0]) if len(texts) == 1 else json.dumps(texts)
                lines.append(f"        {key}: {shown}")
        if hidden and index == 0:
            lines.append(f"      hidden: [{', '.join(hidden)}]")
    return "\n".join(lines) + "\n"


_EMPTY_NAME = {
    "nl": "een leeg formulier is nog niet af",
    "en": "an empty form is not complete (English)",
}


def _readme(plan: RegionPlan, region: str, source_dir: Path, today: date) -> str:
    shown = display_name(region)
    forms = sorted(p.name for p in plan.files if p.name.endswith(FORM_SUFFIX))
    procedures = sorted(p.name for p in plan.files if p.name.endswith(PROCEDURE_SUFFIX))
    rows = "\n".join(f"| `{name}` | — |" for name in [*forms, *procedures])
    title = f"{_REGION_WORD['nl']} {shown}"
    what = "forms and procedures" if procedures else "forms"
    each = "a form or procedure" if procedures else "a form"
    publish_procedure = (
        f"    popo diff PROCEDURE@1 PROCEDURE-{region}@1\n"
        f"    popo publish definitions/{region}/PROCEDURE.procedure.yaml --dir definitions\n"
        if procedures
        else ""
    )
    return f"""# {title}

The {what} of {title}, each a variant of {each} in `{source_dir.name}/`
(made with `popo new-region {region} --from {source_dir.name}` on {today.isoformat()}).
The guide is docs/regions.md in the POPO repository.

## What {shown} does differently, and why

Write one line per change, so that a colleague can tell a choice of the region from a mistake.

| {"form or procedure" if procedures else "form"} | changes |
| --- | --- |
{rows}

## Who decides

- samenwerkingsverband (SWV, the schools' cooperative for passend onderwijs): …
- contact for these forms: …

## Before publishing

    popo check --strict definitions/{region}
    popo test --require-coverage definitions
    popo diff FORM@1 FORM-{region}@1
    popo publish definitions/{region}/FORM.form.yaml --dir definitions
{publish_procedure}"""
