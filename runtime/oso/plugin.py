"""The OSO domain: start an onderwijskundig rapport from a dossier of a school administration
system, see what it did not carry, and download a sent rapport as an OSO dossier."""

from __future__ import annotations

from pathlib import Path

from ..domain import Domain
from . import cli, controllers

DOMAIN = Domain(
    name="oso",
    routes=controllers.ROUTES,
    templates=Path(__file__).parent / "templates",
    commands=cli.add_commands,
)
