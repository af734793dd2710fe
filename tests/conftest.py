from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent
SHARED = REPOSITORY.parent / "shared"


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a dedented text file under tmp_path and return its path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return _write


def form_yaml(
    fields: str, *, kind: str = "custom", languages: str = "[nl]", extra: str = ""
) -> str:
    """A one-page definition around the given (already indented at 0) field list."""
    body = textwrap.indent(textwrap.dedent(fields).strip("\n"), " " * 10)
    return (
        "id: probe\n"
        "version: 1\n"
        "title: Probe\n"
        f"kind: {kind}\n"
        f"languages: {languages}\n"
        f"{textwrap.dedent(extra)}"
        "pages:\n"
        "  - id: p\n"
        "    title: Pagina\n"
        "    sections:\n"
        "      - id: s\n"
        "        fields:\n"
        f"{body}\n"
    )
