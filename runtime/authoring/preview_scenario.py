"""What ``popo preview`` saves: the answers typed in a preview as a scenario of the form.

A scenario (engine/scenarios.py) holds answers as an author writes them (numbers, dates and
yes/no as YAML values, the rest as typed) and an ``expect:`` block with what the form shows now:
the fields visible and hidden, required and optional (where that depends on answers), disabled
(where it depends), calculated values, filtered choices, hidden pages and every error message
in the scenario's language. Such a scenario passes ``popo test`` until the form changes what a
person would see.

It is written to ``<name>.scenarios.yaml`` next to the form: a new file, or the end of an
existing file of the same form, whose text (comments and layout included) stays as it was.
The name of the file is checked so that nothing is written outside the form's folder.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain
from pathlib import Path
from typing import Any

import yaml

from engine.compiler import CompiledForm
from engine.errors import DefinitionError
from engine.evaluate import FormState, template_of
from engine.scenarios import ScenarioFile
from engine.workspace import SCENARIO_SUFFIX
from engine.yamlsource import LocDict, LocList, load_file, load_text, to_plain
from oso_mapping.dossier import N_

from ..settings import REPOSITORY

# a file name without folders: letters, digits, '-', '_' and '.', not starting with a dot
_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
_NUMBERS = ("integer", "decimal")
_TYPED = (*_NUMBERS, "date", "yesno")  # kinds whose answer is written as a YAML value


class Refused(Exception):
    """The scenario was not written: why, in a sentence for the consultant (its English text
    is the message id; the preview translates it)."""

    def __init__(self, message: str, **values: str) -> None:
        super().__init__(message % values if values else message)
        self.message = message
        self.values = values


# ---------------------------------------------------------------------- the scenario


def scenario_from(
    form: CompiledForm, state: FormState, answers: dict[str, Any], name: str, language: str
) -> dict[str, Any]:
    """A scenario named ``name`` with these answers that expects what ``state`` shows."""
    order = _document_order(form)
    return {
        "name": name,
        "language": language,
        "today": state.today,
        "answers": _answers(form, state, answers, "", order),
        "expect": expectations(form, state, language, order),
    }


def _document_order(form: CompiledForm) -> dict[str, int]:
    return {
        field: index for index, field in enumerate(dict.fromkeys(chain(*form.page_fields.values())))
    }


def _sort_key(order: dict[str, int]) -> Any:
    """Instance keys in the order of the form: by field, row after row."""

    def key(instance: str) -> list[tuple[int, int]]:
        steps = []
        for part in instance.split("."):
            name, _, index = part.partition("[")
            steps.append((order.get(name, len(order)), int(index[:-1]) if index else -1))
        return steps

    return key


def _answers(
    form: CompiledForm,
    state: FormState,
    answers: dict[str, Any],
    prefix: str,
    order: dict[str, int],
) -> dict[str, Any]:
    """The answers of visible fields, as an author writes them; rows stay rows (an empty row
    is ``{}``)."""
    written: dict[str, Any] = {}
    for name in sorted(answers, key=lambda n: order.get(n, len(order))):
        node = form.by_key.get(name)
        key = prefix + name
        raw = answers[name]
        if node is None or not state.visible.get(key):
            continue
        if node.kind == "group":
            rows = raw if isinstance(raw, list) else []
            written[name] = [
                _answers(form, state, row if isinstance(row, dict) else {}, f"{key}[{i}].", order)
                for i, row in enumerate(rows)
            ]
            continue
        if not node.is_input or node.read_only or _blank(raw):
            continue
        written[name] = _author_value(node.kind, raw, state, key)
    return written


def _blank(raw: Any) -> bool:
    return raw is None or raw == [] or (isinstance(raw, str) and not raw.strip())


def _author_value(kind: str, raw: Any, state: FormState, key: str) -> Any:
    clean = state.value.get(key)
    if kind in _TYPED and key not in state.raw and clean is not None:
        return plain(clean)
    if kind == "file":  # what the engine checks (name, type, size); no stored file
        items = raw if isinstance(raw, list) else [raw]
        kept = [
            {k: v for k, v in item.items() if k in ("name", "media_type", "size")}
            for item in items
            if isinstance(item, dict)
        ]
        return kept if isinstance(raw, list) else (kept[0] if kept else None)
    return raw


def plain(value: Any) -> Any:
    """A clean value as YAML writes it: numbers as numbers, dates as dates."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def expectations(
    form: CompiledForm, state: FormState, language: str, order: dict[str, int] | None = None
) -> dict[str, Any]:
    """What the form shows now, as a scenario's ``expect:`` block (empty lists left out)."""
    by = _sort_key(order or _document_order(form))
    fields = sorted((k for k in state.visible if not k.startswith(("page:", "section:"))), key=by)
    shown = [k for k in fields if state.visible[k]]

    def node(key: str) -> Any:
        return form.by_key[template_of(key)]

    expect: dict[str, Any] = {
        "visible": shown,
        "hidden": [k for k in fields if not state.visible[k]],
        "required": [k for k in shown if state.is_required(k)],
        "optional": [k for k in shown if node(k).required is not None and not state.is_required(k)],
        "disabled": [k for k in shown if node(k).enabled is not None and not state.is_enabled(k)],
        "values": {
            k: plain(state.value[k])
            for k in shown
            if node(k).kind == "calculated" and state.value.get(k) is not None
        },
        "options": {k: list(state.options[k]) for k in shown if k in state.options},
        "pages_hidden": [p for p in form.pages if not state.pages[p].visible],
    }
    errors = Block()
    for key in sorted(state.errors, key=by):
        texts = [m.text(language) for m in state.errors[key]]
        errors[key] = texts[0] if len(texts) == 1 else texts
    expect["errors"] = errors
    if not errors:
        expect["no_errors"] = True
    expect["valid"] = state.valid
    return {k: v for k, v in expect.items() if v != [] and v != {}}


# ---------------------------------------------------------------------- YAML


class _Dumper(yaml.SafeDumper):
    """Block lists indented under their key, as the shipped scenario files are written."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        return True  # POPO's loader refuses aliases

    # long lists break between their items, never inside a message
    def write_plain(self, text: str, split: bool = True) -> None:
        super().write_plain(text, False)

    def write_single_quoted(self, text: str, split: bool = True) -> None:
        super().write_single_quoted(text, False)

    def write_double_quoted(self, text: str, split: bool = True) -> None:
        super().write_double_quoted(text, False)


class Block(dict[str, Any]):
    """A mapping written one entry a line (error messages are long)."""


_Dumper.add_representer(
    Block, lambda dumper, data: dumper.represent_mapping("tag:yaml.org,2002:map", data, False)
)


def dump(data: Any) -> str:
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=None,
        width=96,
    )


# ---------------------------------------------------------------------- the file


@dataclass
class Written:
    path: Path
    appended: bool  # to an existing file of the form (else a new file)


def target(folder: Path, form_path: Path, file_name: str) -> Path:
    """``<file_name>.scenarios.yaml`` next to the form; Refused for any name that is not a
    plain file name or would lead outside ``folder`` (the previewed folder)."""
    name = file_name.strip()
    for suffix in (SCENARIO_SUFFIX, ".yaml", ".yml"):
        name = name.removesuffix(suffix)
    if not _FILE_NAME.fullmatch(name) or ".." in name:
        raise Refused(
            N_(
                "'%(name)s' cannot be the name of a scenario file: use letters, digits, '-', '_' "
                "and '.', without folders"
            ),
            name=file_name.strip(),
        )
    path = form_path.parent / f"{name}{SCENARIO_SUFFIX}"
    resolved = path.resolve()
    if resolved.parent != form_path.parent.resolve() or not resolved.is_relative_to(
        folder.resolve()
    ):
        raise Refused(N_("'%(name)s' leads outside the previewed folder"), name=file_name.strip())
    return path


def default_file_name(form_path: Path, existing: list[Path]) -> str:
    """The name a save offers: the form's own scenario file, else one after the form."""
    if existing:
        return existing[0].name.removesuffix(SCENARIO_SUFFIX)
    return form_path.name.split(".")[0]


def save(folder: Path, form_path: Path, file_name: str, scenario: dict[str, Any]) -> Written:
    """Write ``scenario`` to its file (see :func:`target`): a new file for the form, or at the
    end of the form's existing file, whose text is kept as it was."""
    path = target(folder, form_path, file_name)
    if not str(scenario.get("name", "")).strip():
        raise Refused(N_("Give the scenario a name"))
    if path.exists():
        text = _appended(path, form_path, scenario)
        appended = True
    else:
        text = _new_file(path, form_path, scenario)
        appended = False
    _write(path, text)
    return Written(path, appended)


def _new_file(path: Path, form_path: Path, scenario: dict[str, Any]) -> str:
    header = ""
    schema = REPOSITORY / "docs" / "schema" / "scenarios.json"
    if path.resolve().is_relative_to(REPOSITORY) and schema.exists():
        relative = os.path.relpath(schema, path.resolve().parent)
        header = f"# yaml-language-server: $schema={Path(relative).as_posix()}\n"
    text = header + dump({"form": form_path.name, "scenarios": [scenario]})
    _verify(text, path, [], scenario)
    return text


def _appended(path: Path, form_path: Path, scenario: dict[str, Any]) -> str:
    try:
        data = load_file(path)
        parsed = ScenarioFile.model_validate(to_plain(data))
    except (DefinitionError, ValueError) as exc:
        raise Refused(
            N_("%(file)s has errors (run popo test on it); choose another file name"),
            file=path.name,
        ) from exc
    if (path.parent / parsed.form).resolve() != form_path.resolve():
        raise Refused(
            N_("%(file)s holds the scenarios of another form (%(form)s); choose another file name"),
            file=path.name,
            form=parsed.form,
        )
    if any(s.name == scenario["name"] for s in parsed.scenarios):
        raise Refused(
            N_("%(file)s already has a scenario named '%(name)s'"),
            file=path.name,
            name=str(scenario["name"]),
        )
    items = data["scenarios"]
    text = path.read_text(encoding="utf-8")
    dash = _dash_column(text, items)
    if not isinstance(data, LocDict) or list(data)[-1] != "scenarios" or dash is None:
        raise Refused(
            N_(
                "%(file)s is not written as a list of scenarios at its end, so the scenario cannot "
                "be added without rewriting it; choose another file name"
            ),
            file=path.name,
        )
    item = "".join(" " * dash + line if line.strip() else line for line in _lines(dump([scenario])))
    joined = text.rstrip("\n") + "\n\n" + item
    _verify(joined, path, to_plain(items), scenario)
    return joined


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _dash_column(text: str, items: Any) -> int | None:
    """The column (from 0) of the dash before the last scenario: new ones line up with it."""
    if not isinstance(items, LocList) or not items.item_locs:
        return None
    location = items.item_locs[-1]
    lines = text.splitlines()
    if location.line > len(lines):
        return None
    before = lines[location.line - 1][: location.column - 1].rstrip()
    if not before.endswith("-") or before[:-1].strip():
        return None  # a flow list ([...]) or a line with more than the dash before the item
    return len(before) - 1


def _verify(text: str, path: Path, before: list[Any], scenario: dict[str, Any]) -> None:
    """The text reads back as the scenarios it had plus this one (else nothing is written)."""
    wanted = to_plain(load_text(dump([scenario]), str(path)))[0]
    try:
        data = to_plain(load_text(text, str(path)))
        ScenarioFile.model_validate(data)
    except (DefinitionError, ValueError) as exc:
        raise Refused(N_("The scenario could not be written to %(file)s"), file=path.name) from exc
    if data["scenarios"] != [*before, wanted]:
        raise Refused(N_("The scenario could not be written to %(file)s"), file=path.name)


def _write(path: Path, text: str) -> None:
    """All or nothing: a file is replaced only by its complete new text."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".popo-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


__all__ = ["Refused", "Written", "default_file_name", "expectations", "save", "scenario_from"]
