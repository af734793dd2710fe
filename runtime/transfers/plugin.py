"""The transfers domain: the register of transfers, each run by the region's procedure, with
its page, steps, forms and timeline, and the notifications its steps send."""

from __future__ import annotations

from pathlib import Path

from ..audit import Subject
from ..domain import Domain
from ..forms.service import on_submit
from ..notifications import Event
from . import api_routes, models, queries, routes
from .service import TransferService

on_submit(
    lambda session, registry, submission: TransferService(session, registry).form_sent(submission)
)

DOMAIN = Domain(
    name="transfers",
    routes=[*routes.ROUTES, api_routes.ROUTER],
    models=models,
    templates=Path(__file__).parent / "templates",
    events=(
        # a step of a transfer's procedure was taken: which, and where the transfer now is
        Event(
            "transfer_step",
            frozenset({"reference", "step", "status"}),
            texts=frozenset({"step", "status"}),
        ),
    ),
    audited=(Subject("transfer", models.Transfer.id, queries.COLUMNS, purposes=routes.PURPOSES),),
)
