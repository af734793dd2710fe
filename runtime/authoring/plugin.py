"""Authoring: the consultant's commands (check, test, diff, publish, translations, new-region)
and the live preview of the forms on disk (its own small application, runtime/authoring/
preview.py). Nothing of it is part of the running application's pages."""

from __future__ import annotations

from pathlib import Path

from ..domain import Domain
from . import cli

DOMAIN = Domain(
    name="authoring",
    templates=Path(__file__).parent / "templates",
    commands=cli.add_commands,
)
