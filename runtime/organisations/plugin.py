"""The organisations domain: SWVs, school boards and school locations (from DUO's open data),
and the processing agreements between them."""

from __future__ import annotations

from ..domain import Domain
from . import cli, models

DOMAIN = Domain(name="organisations", models=models, commands=cli.add_commands)
