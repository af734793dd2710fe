"""The admissions domain: a registration at the schools of the parents' list under WPO art.
40 (the legal terms derived from events, the cascade over the list, the zorgplicht), its
alerts and letters. It gives meaning to the procedure steps that ``records:`` a receipt, a
decision or the next school (runtime/transfers/service.py step hooks) and adds its sections to
the transfer's pages (runtime/transfers/sections.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ..domain import Domain
from ..notifications import Event
from ..transfers.models import Transfer
from ..transfers.service import (
    StepTaken,
    TransferService,
    after_step,
    after_told,
    before_step,
    timeline_hides,
)
from ..transfers.service import due_dates as transfer_due_dates
from . import alerts, letters, models, routes
from .service import AdmissionService


def _service(transfers: TransferService) -> AdmissionService:
    return AdmissionService(transfers.session, transfers.registry, transfers.base_url)


@before_step
def _before(transfers: TransferService, transfer: Transfer, taken: StepTaken) -> None:
    _service(transfers).before_step(transfer, taken)


@after_step
def _after(transfers: TransferService, transfer: Transfer, taken: StepTaken) -> None:
    _service(transfers).after_step(transfer, taken)


@after_told
def _next_school(transfers: TransferService, transfer: Transfer, taken: StepTaken) -> None:
    _service(transfers).after_told(transfer, taken)


@transfer_due_dates
def _due(transfers: TransferService, transfer: Transfer) -> list[date]:
    service = _service(transfers)
    return service.open_due_dates(transfer) if service.procedure(transfer) else []


@timeline_hides
def _hidden(
    transfers: TransferService, transfer: Transfer, party: str | None
) -> tuple[set[int], set[int]]:
    return _service(transfers).hidden(transfer, party)


DOMAIN = Domain(
    name="admissions",
    routes=routes.ROUTES,
    models=models,
    templates=Path(__file__).parent / "templates",
    tasks=(alerts.admission_sweep, letters.render_extension_letter),
    events=(
        # a deadline of a registration comes near or passed: which, and its date; no pupil data
        Event(
            "admission_alert",
            frozenset({"reference", "deadline", "due", "overdue"}),
            dates=frozenset({"due"}),
            texts=frozenset({"deadline"}),
        ),
        # ten weeks without a decision: the child is placed at the school temporarily
        Event(
            "admission_temporary_placement",
            frozenset({"reference", "since"}),
            dates=frozenset({"since"}),
        ),
        # the parents: the school asks them to complete the registration (no link in it)
        Event(
            "admission_information_requested",
            frozenset({"reference", "until", "has_link"}),
            dates=frozenset({"until"}),
            in_app=False,
        ),
        # the parents: the term was extended; the letter is on their link
        Event(
            "admission_extended",
            frozenset({"reference", "due", "weeks", "has_link"}),
            dates=frozenset({"due"}),
            in_app=False,
        ),
    ),
)
