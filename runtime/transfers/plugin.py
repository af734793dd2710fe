"""The transfers domain: the register of transfers, each run by the region's procedure, with
its page, steps, forms and timeline, and the notifications its steps send."""

from __future__ import annotations

from pathlib import Path

from ..audit import Subject
from ..domain import Domain
from ..forms.service import on_submit
from ..notifications import Event
from . import message_routes, models, queries, routes
from .service import TransferService

on_submit(
    lambda session, registry, submission: TransferService(session, registry).form_sent(submission)
)

DOMAIN = Domain(
    name="transfers",
    routes=[*routes.ROUTES, *message_routes.ROUTES],
    models=models,
    templates=Path(__file__).parent / "templates",
    events=(
        # a step of a transfer's procedure was taken: which, and where the transfer now is
        Event(
            "transfer_step",
            frozenset({"reference", "step", "status"}),
            texts=frozenset({"step", "status"}),
        ),
        # a new message on a transfer's thread: for whom (a school's role), never its text
        Event(
            "transfer_message",
            frozenset({"reference", "recipient_role"}),
            texts=frozenset({"recipient_role"}),
        ),
    ),
    audited=(
        Subject(
            "transfer",
            models.Transfer.id,
            queries.COLUMNS,
            purposes=routes.PURPOSES + message_routes.PURPOSES,
        ),
    ),
)
