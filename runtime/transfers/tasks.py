"""The background tasks of transfers: render the bewijs van uitschrijving (proof of
deregistration) once the deregistration is recorded, through the same PDF workers, store and
queue as the submissions' archives (runtime/forms/archive.py); and register a parent's
aanmeldformulier again when it could not be at once (registration.py)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from ..jobs.spec import task
from . import proof
from .registration import register_again

if TYPE_CHECKING:
    from ..state import AppState


@task("render_deregistration_proof", queue="pdf", attempts=5, delay=10, backoff=3)
def render_deregistration_proof(state: AppState, transfer_id: str) -> None:
    proof.render(state, uuid.UUID(transfer_id))


TASKS = (render_deregistration_proof, register_again)
