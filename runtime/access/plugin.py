"""The access domain: accounts, login sessions, roles and scopes, the audit log and the pages
that show it to parents and staff."""

from __future__ import annotations

from pathlib import Path

from ..domain import Domain
from ..notifications import Event
from . import cli, controllers, models
from .settings import AccessSettings

DOMAIN = Domain(
    name="access",
    routes=controllers.ROUTES,
    models=models,
    templates=Path(__file__).parent / "templates",
    commands=cli.add_commands,
    # the link is the secret: it is mailed, never stored where another could read it
    events=(Event("password_reset", frozenset(), in_app=False),),
    settings=AccessSettings,
)
