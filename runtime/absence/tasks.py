"""The daily sweep of absence: a relative case that passed four weeks is long-term from that
day (derived, rules.py); the sweep tells the samenwerkingsverband once per case that the child
is now a thuiszitter (service.tell_if_thuiszitter, which records that it did)."""

from __future__ import annotations

import logging

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..jobs.spec import task
from ..settings import Settings
from ..state import AppState
from .models import AbsenceCase
from .queries import of_kind
from .rules import Kind
from .service import AbsenceService
from .status import CaseStatus

log = logging.getLogger("popo.absence")


def sweep(session: Session, settings: Settings) -> int:
    """Tell the SWVs of the thuiszitters they were not told of yet; how many cases."""
    service = AbsenceService(session, settings)
    today = service.clock.today()
    due = session.scalars(
        select(AbsenceCase)
        .where(
            AbsenceCase.status == CaseStatus.OPEN,
            AbsenceCase.thuiszitter_told_on.is_(None),
            or_(of_kind(Kind.LONG_TERM, today), of_kind(Kind.NOT_ENROLLED, today)),
        )
        .order_by(AbsenceCase.first_absent_on)
        .limit(5000)
        .with_for_update(skip_locked=True)
    )
    told = sum(1 for case in list(due) if service.tell_if_thuiszitter(case))
    session.flush()
    return told


@task("absence_sweep", queue="mail", cron="15 6 * * *")  # every morning
def absence_sweep(state: AppState) -> None:
    with state.db.session() as session:
        told = sweep(session, state.settings)
    if told:
        log.info("thuiszitters told to their SWV", extra={"cases": told})


TASKS = (absence_sweep,)
