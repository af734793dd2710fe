"""The transfers domain: the register of transfers, each run by the region's procedure, with
its page, steps, forms and timeline, and the notifications its steps send."""

from __future__ import annotations

from pathlib import Path

from ..audit import Subject
from ..domain import Domain
from ..forms.service import on_grant, on_submit
from ..notifications import Event
from . import models, okr, queries, routes, tasks
from .service import TransferService

on_submit(
    lambda session, registry, submission: TransferService(session, registry).form_sent(submission)
)

# the new school reads the transfer's OKR once the pupil is enrolled and it is klaargezet
on_grant(okr.grant)

DOMAIN = Domain(
    name="transfers",
    routes=routes.ROUTES,
    models=models,
    templates=Path(__file__).parent / "templates",
    tasks=tasks.TASKS,
    events=(
        # a step of a transfer's procedure was taken: which, and where the transfer now is
        Event(
            "transfer_step",
            frozenset({"reference", "step", "status"}),
            texts=frozenset({"step", "status"}),
        ),
        # the new school recorded the enrolment: the previous school deregisters the day before
        Event(
            "transfer_enrolled",
            frozenset({"reference", "enrolled_on", "deregistered_on"}),
            dates=frozenset({"enrolled_on", "deregistered_on"}),
        ),
    ),
    audited=(Subject("transfer", models.Transfer.id, queries.COLUMNS, purposes=routes.PURPOSES),),
)
