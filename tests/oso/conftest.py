"""OSO tests read the official schema, rules and examples from ../shared/oso (never copied)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.compiler import CompiledForm
from engine.workspace import open_workspace
from oso_mapping.settings import oso_dir, schema_dir

DEFINITIONS = Path(__file__).resolve().parents[2] / "definitions"


@pytest.fixture(scope="session")
def schema() -> Path:
    folder = schema_dir()
    if folder is None:
        pytest.skip("the official OSO 2019.1 schema (../shared/oso/2019.1) is not here")
    return folder


@pytest.fixture(scope="session")
def examples(schema: Path) -> dict[str, bytes]:
    folder = schema / "examples"
    return {
        kind: (folder / f"Voorbeelddossier_OV_{kind}_full.xml").read_bytes()
        for kind in ("POPO", "POVO", "VOVO")
    }


@pytest.fixture(scope="session")
def okr() -> CompiledForm:
    workspace = open_workspace([DEFINITIONS])
    result = workspace.find(
        "onderwijskundig-rapport", max(workspace.versions("onderwijskundig-rapport"))
    )
    assert result is not None and result.compiled is not None
    return result.compiled


@pytest.fixture(scope="session")
def reference() -> Path:
    folder = oso_dir()
    if folder is None:
        pytest.skip("the OSO reference data (../shared/oso) is not here")
    return folder
