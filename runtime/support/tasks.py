"""The SWV desk's periodic work: the alerts before a decision's due date (the procedure's
``support.alerts``, days before; once per request, due date and day, so a date that moves is
alerted again) and the retention purge (WPO art. 18a: support data go three years after the
decision, retention.py). Both are safe to run twice."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import notifications
from ..jobs.spec import task
from ..state import AppState
from . import retention
from .models import SupportRequest
from .service import SupportService

log = logging.getLogger("popo.support")


def alert_sweep(session: Session, service: SupportService) -> int:
    """Alert the SWV's staff of each running decision term on the days its procedure says
    (and once when it is overdue); the number of notifications sent."""
    today = service.clock.today()
    sent = 0
    rows = session.scalars(
        select(SupportRequest).where(
            SupportRequest.due_on.is_not(None),
            SupportRequest.closed_at.is_(None),
            SupportRequest.decided_on.is_(None),
            SupportRequest.suspended_on.is_(None),
            SupportRequest.due_on <= today + timedelta(days=61),
        )
    )
    for row in rows:
        procedure = service.registry.procedure(row.procedure_id, row.procedure_version)
        if procedure is None or procedure.support is None or row.due_on is None:
            continue
        left = (row.due_on - today).days
        days = [d for d in procedure.support.alerts if d >= left] if left >= 0 else []
        if left >= 0 and not days:
            continue
        mark = f"overdue:{row.due_on}" if left < 0 else f"{min(days)}:{row.due_on}"
        accounts = service.staff(row.swv_id, ("swv",))
        sent += notifications.notify(
            session,
            "support_due",
            accounts,
            service.link_to(row),
            ref=f"{row.id}:due:{mark}",
            reference=row.reference,
            due_on=row.due_on,
            overdue=1 if left < 0 else 0,
        )
    return sent


@task("support_alerts", queue="mail", cron="7 * * * *")
def support_alerts(state: AppState) -> None:
    with state.db.session() as session:
        service = SupportService(session, state.registry, state.settings)
        sent = alert_sweep(session, service)
    if sent:
        log.info("support alerts sent", extra={"sent": sent})


@task("support_purge", queue="default", cron="17 3 * * *")
def support_purge(state: AppState) -> None:
    """Every night: delete the support data whose three years have passed, and log what went."""
    with state.db.session() as session:
        today = SupportService(session, state.registry, state.settings).clock.today()
        report = retention.purge(session, state.files, state.archive, today, dry_run=False)
    for line in report.lines():
        log.info("support purge: %s", line)
