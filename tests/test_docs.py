"""The YAML examples of docs/*.md load as popo loads definitions; the complete ones check.

A consultant copies these examples, so they must not rot: every ```yaml block is read with the
engine's own loader (the error names the page and the line), a scenario file is checked against
the scenario language, and a whole form or variant without placeholders (… or ...) is checked by
the engine as if it were in definitions/.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from engine.api import check_file
from engine.errors import DefinitionError, Diagnostic, Location
from engine.procedures import PARTY_ROLES, PROCEDURE_SUFFIX, check_procedure_file
from engine.procedures.scenarios import ProcedureScenarioFile
from engine.scenarios import ScenarioFile
from engine.yamlsource import MAX_BYTES, load_text, read_text, to_plain

from .conftest import REPOSITORY

DOCS = REPOSITORY / "docs"
FENCE = re.compile(r"^```ya?ml\n(.*?)^```", re.DOTALL | re.MULTILINE)


def yaml_blocks(page: Path) -> list[tuple[int, str]]:
    """The ```yaml blocks of a page, each with the line its text starts on."""
    text = page.read_text(encoding="utf-8")
    return [(text[: m.start()].count("\n") + 2, m.group(1)) for m in FENCE.finditer(text)]


BLOCKS = [
    (page, line, text) for page in sorted(DOCS.glob("*.md")) for line, text in yaml_blocks(page)
]


def _has_placeholder(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has_placeholder(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_placeholder(v) for v in value)
    return isinstance(value, str) and ("…" in value or "..." in value)


def _load(page: Path, line: int, text: str) -> Any:
    try:
        return load_text(text, f"{page.relative_to(REPOSITORY)}:{line}")
    except DefinitionError as exc:
        pytest.fail("\n".join(d.render() for d in exc.diagnostics))


@pytest.mark.parametrize(
    ("page", "line", "text"), BLOCKS, ids=[f"{p.name}:{line}" for p, line, _ in BLOCKS]
)
def test_every_yaml_example_in_the_docs_loads(page: Path, line: int, text: str) -> None:
    data = _load(page, line, text)
    if isinstance(data, dict) and "scenarios" in data and "form" in data:
        ScenarioFile.model_validate(to_plain(data))
    if isinstance(data, dict) and "scenarios" in data and "procedure" in data:
        ProcedureScenarioFile.model_validate(to_plain(data))


def _is_procedure(data: Any) -> bool:
    extends = data.get("extends") if isinstance(data, dict) else None
    return isinstance(data, dict) and (
        "statuses" in data or (isinstance(extends, str) and extends.endswith(PROCEDURE_SUFFIX))
    )


def _is_complete_form(text: str) -> bool:
    """A whole definition (id and pages) or variant (extends), with no … to fill in."""
    data = to_plain(load_text(text, "example"))
    whole = isinstance(data, dict) and ("extends" in data or {"id", "pages"} <= set(data))
    return whole and not _has_placeholder(data) and not _is_procedure(data)


def _is_complete_procedure(text: str) -> bool:
    data = to_plain(load_text(text, "example"))
    return _is_procedure(data) and not _has_placeholder(data)


COMPLETE = [(page, line, text) for page, line, text in BLOCKS if _is_complete_form(text)]
PROCEDURES = [(page, line, text) for page, line, text in BLOCKS if _is_complete_procedure(text)]


def test_the_docs_have_complete_examples_to_check() -> None:
    assert {page.name for page, _, _ in COMPLETE} >= {"definitions.md", "regions.md"}


@pytest.mark.parametrize(
    ("page", "line", "text"), COMPLETE, ids=[f"{p.name}:{line}" for p, line, _ in COMPLETE]
)
def test_complete_form_examples_check_clean(
    page: Path, line: int, text: str, tmp_path: Path
) -> None:
    """A whole form or variant of the docs, saved in a region folder beside base/, checks."""
    definitions = tmp_path / "definitions"
    shutil.copytree(REPOSITORY / "definitions", definitions)
    example = definitions / "docs-example" / "example.form.yaml"
    example.parent.mkdir()
    example.write_text(text, encoding="utf-8")
    result = check_file(example)
    problems = [d.render() for d in result.diagnostics]
    assert result.ok and problems == [], f"{page.name}:{line}:\n" + "\n".join(problems)


def test_the_docs_have_complete_procedures_to_check() -> None:
    assert {page.name for page, _, _ in PROCEDURES} == {"procedures.md", "support-definitions.md"}
    assert len(PROCEDURES) == 5


@pytest.mark.parametrize(
    ("page", "line", "text"), PROCEDURES, ids=[f"{p.name}:{line}" for p, line, _ in PROCEDURES]
)
def test_complete_procedure_examples_check_clean(
    page: Path, line: int, text: str, tmp_path: Path
) -> None:
    """A whole procedure or variant of the docs, saved in a region folder beside base/, checks."""
    definitions = tmp_path / "definitions"
    shutil.copytree(REPOSITORY / "definitions", definitions)
    example = definitions / "docs-example" / f"example{PROCEDURE_SUFFIX}"
    example.parent.mkdir()
    example.write_text(text, encoding="utf-8")
    result = check_procedure_file(example)
    problems = [d.render() for d in result.diagnostics]
    assert result.ok and problems == [], f"{page.name}:{line}:\n" + "\n".join(problems)


def test_the_procedure_docs_list_every_party_and_role() -> None:
    page = (DOCS / "procedures.md").read_text(encoding="utf-8")
    for party, roles in PARTY_ROLES.items():
        row = next(line for line in page.splitlines() if line.startswith(f"| `{party}` |"))
        assert row.endswith("| " + ", ".join(f"`{role}`" for role in roles) + " |"), row


def test_the_size_limit_is_the_same_in_the_docs_and_the_tool(tmp_path: Path) -> None:
    big = tmp_path / "big.form.yaml"
    big.write_text("#" * (MAX_BYTES + 1))
    with pytest.raises(DefinitionError) as refused:
        read_text(big, "big.form.yaml")
    (diagnostic,) = refused.value.diagnostics
    assert diagnostic == Diagnostic(
        Location("big.form.yaml", 1, 1),
        "the file is larger than 1000 kB",
        "split the definition into fragments",
    )
    definitions_page = (DOCS / "definitions.md").read_text(encoding="utf-8")
    assert f"files are at most {MAX_BYTES // 1000} kB\n  ({MAX_BYTES:,} bytes)" in definitions_page
    assert "1 MB" not in definitions_page


def test_the_scenario_example_writes_a_row_key_in_quotes() -> None:
    """`toetsen[0].score` unquoted in a [ ] list is a YAML error; the example shows the quotes."""
    page = DOCS / "authoring.md"
    examples = [_load(page, line, text) for line, text in yaml_blocks(page)]
    data = next(e for e in examples if isinstance(e, dict) and e.get("scenarios"))
    expect = data["scenarios"][0]["expect"]
    assert "toetsen[0].score" in expect["visible"]
    assert '"toetsen[0].score"' in (page.read_text(encoding="utf-8"))
