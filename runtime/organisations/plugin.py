"""The organisations domain: SWVs, school boards and school locations (from DUO's open data),
and the processing agreements between them; on the API, the token's organisation and those it
may read."""

from __future__ import annotations

from ..domain import Domain
from . import api_routes, cli, models

DOMAIN = Domain(
    name="organisations", routes=[api_routes.ROUTER], models=models, commands=cli.add_commands
)
