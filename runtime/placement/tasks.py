"""The background task of placement: run a round that was asked for (service.run_round)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from ..jobs.spec import task
from .service import TASK, run_round

if TYPE_CHECKING:
    from ..state import AppState


@task(TASK, attempts=1)  # a failed round is recorded as failed; ask for a new one
def placement_round(state: AppState, round_id: str) -> None:
    run_round(state, uuid.UUID(round_id))


TASKS = (placement_round,)
