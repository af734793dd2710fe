"""The home domain: the page a member of staff lands on after logging in."""

from __future__ import annotations

from pathlib import Path

from ..domain import Domain
from . import routes

DOMAIN = Domain(name="home", routes=routes.ROUTES, templates=Path(__file__).parent / "templates")
