"""The transfers domain: the register of transfers, each run by the region's procedure, with
its page, steps, forms and timeline, and the notifications its steps send."""

from __future__ import annotations

from pathlib import Path

from ..audit import Subject
from ..domain import Domain
from ..forms.service import on_submit
from ..notifications import Event
from . import models, parent_routes, queries, routes
from .service import TransferService

on_submit(
    lambda session, registry, submission: TransferService(session, registry).form_sent(submission)
)

DOMAIN = Domain(
    name="transfers",
    routes=routes.ROUTES + parent_routes.ROUTES,
    models=models,
    templates=Path(__file__).parent / "templates",
    events=(
        # a step of a transfer's procedure was taken: which, and where the transfer now is
        Event(
            "transfer_step",
            frozenset({"reference", "step", "status"}),
            texts=frozenset({"step", "status"}),
        ),
        # a parents' link, mailed to a guardian: the link is the secret, so never in the app
        Event(
            "transfer_parents_link",
            frozenset({"reference", "expires_on"}),
            dates=frozenset({"expires_on"}),
            in_app=False,
        ),
        # the parents told of a step: no link in it (see parents.tell_parents)
        Event(
            "transfer_parents_step",
            frozenset({"reference", "step", "status", "has_link"}),
            texts=frozenset({"step", "status"}),
            in_app=False,
        ),
    ),
    audited=(
        Subject(
            "transfer",
            models.Transfer.id,
            queries.COLUMNS,
            purposes=routes.PURPOSES + parent_routes.PURPOSES,
        ),
    ),
)
