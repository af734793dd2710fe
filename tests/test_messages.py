"""The standard messages are documented in docs/messages.md, which cannot go stale."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from engine.messages import CATALOG, WHEN, catalog_markdown, update_document

from .conftest import REPOSITORY

DOC = REPOSITORY / "docs" / "messages.md"


def test_docs_list_every_standard_message_in_every_language() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert update_document(text) == text, (
        "docs/messages.md is out of date: run scripts/update-messages"
    )
    for key, texts in CATALOG.items():
        row = next(line for line in text.splitlines() if line.startswith(f"| `{key}` |"))
        assert texts["nl"] in row and texts["en"] in row


def test_scripts_update_messages_regenerates_the_page_without_warnings(tmp_path: Path) -> None:
    text = DOC.read_text(encoding="utf-8")
    stale = tmp_path / "messages.md"
    stale.write_text(text.replace("| `required` |", "| `verplicht` |"), encoding="utf-8")
    done = subprocess.run(
        ["bash", str(REPOSITORY / "scripts" / "update-messages"), str(stale)],
        env={**os.environ, "PYTHON": sys.executable, "PYTHONWARNINGS": "error"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert done.stdout.strip() == f"updated {stale}"
    assert stale.read_text(encoding="utf-8") == text
    # the page says how it is made, and the way it says is the one that works
    assert "scripts/update-messages" in text and "python -m engine.messages" not in text


def test_a_message_added_in_code_fails_until_documented(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(CATALOG, "brand_new", {"nl": "Nieuw.", "en": "New."})
    monkeypatch.setitem(WHEN, "brand_new", "a test")
    text = DOC.read_text(encoding="utf-8")
    assert update_document(text) != text
    assert "| `brand_new` | a test | Nieuw. | New. |" in catalog_markdown()


def test_every_message_the_code_produces_is_in_the_catalog_and_described() -> None:
    used: set[str] = set()
    for folder in ("engine", "runtime", "renderers"):
        for path in (REPOSITORY / folder).rglob("*.py"):
            used.update(re.findall(r"\bmessage\(\"(\w+)\"", path.read_text(encoding="utf-8")))
    assert used, "no message(...) calls found"
    assert used <= set(CATALOG), used - set(CATALOG)
    assert set(WHEN) == set(CATALOG)
    for texts in CATALOG.values():
        assert set(texts) >= {"nl", "en"}
