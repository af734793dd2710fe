"""The alerts before a registration's deadlines, and the temporary placement after ten weeks.

A periodic job (``admission_sweep``) looks at every registration a school is handling: for each
open deadline (the decision, the decision not to handle it, the ten weeks) and each of the
procedure's ``alerts`` (days before), an alert is due from its day on; it is sent once (a row in
``admission_alert`` under a key naming the deadline, the days before and the due date), and
again when the date moves (a new key). An overdue deadline is alerted once as well. The alert is
a notification in the application and an e-mail through the outbox to the school's staff who
handle the registration (the procedure's ``admission.who``); it holds no pupil data.

A child not enrolled at another school, without a decision after ten weeks, is placed at the
school temporarily from the next day (not before the admission age, WPO art. 40 lid 7): the
sweep records it on the timeline once and tells the school's staff, whose task it is to enrol
the child; a later refusal ends it (service.after_step)."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from .. import notifications
from ..definitions import Registry
from ..jobs.spec import task
from ..state import AppState
from ..transfers.models import Transfer
from . import clock as law
from .models import Admission, AdmissionAlert
from .service import TEMPORARY, AdmissionService

log = logging.getLogger("popo.admissions")

DEADLINES: dict[str, dict[str, str]] = {
    "decision_due": {"nl": "het besluit over de toelating", "en": "the decision on admission"},
    "not_handled_due": {
        "nl": "het besluit om de aanmelding niet in behandeling te nemen",
        "en": "the decision not to handle the registration",
    },
    "temporary_placement_from": {
        "nl": "de tijdelijke plaatsing (tien weken zonder besluit)",
        "en": "the temporary placement (ten weeks without a decision)",
    },
    "ten_weeks": {
        "nl": "tien weken na de aanmelding (daarna tijdelijke plaatsing)",
        "en": "ten weeks after the registration (then a temporary placement)",
    },
}
HORIZON = timedelta(days=61)  # the earliest alert is 60 days before its deadline


def sweep(session: Session, registry: Registry, base_url: str) -> int:
    """Send the alerts due today and flag the temporary placements; the number sent."""
    service = AdmissionService(session, registry, base_url)
    today = service.clock.today()
    soon = today + HORIZON
    rows = session.scalars(
        select(Admission)
        .where(
            Admission.state == "active",
            or_(
                Admission.decision_due_on <= soon,
                Admission.not_handled_due_on <= soon,
                Admission.ten_weeks_on <= soon,
            ),
        )
        .order_by(Admission.decision_due_on)
        .limit(5000)
    )
    sent = 0
    for admission in list(rows):
        transfer = session.get(Transfer, admission.transfer_id, with_for_update=True)
        procedure = service.procedure(transfer) if transfer is not None else None
        if transfer is None or procedure is None or procedure.admission is None:
            continue
        if transfer.closed_at is not None:
            continue
        derived = service.clock_of(transfer, admission)
        staff = service.transfers().staff(
            admission.school_id, sorted({a.role for a in procedure.admission.who if a.role})
        )
        link = f"{base_url.rstrip('/')}/transfers/{transfer.id}"
        for alert in law.alerts(derived, today, before=procedure.admission.alerts):
            if alert.send_on > today:
                continue
            if session.scalar(
                select(AdmissionAlert.id).where(
                    AdmissionAlert.admission_id == admission.id, AdmissionAlert.key == alert.key
                )
            ):
                continue
            session.add(AdmissionAlert(admission_id=admission.id, key=alert.key))
            session.flush()
            notifications.notify(
                session,
                "admission_alert",
                staff,
                link,
                ref=f"{admission.id}:{alert.key}",
                reference=transfer.reference,
                deadline=DEADLINES.get(alert.deadline, {"en": alert.deadline}),
                due=alert.due,
                overdue=1 if alert.due < today else 0,
            )
            sent += 1
        start = derived.temporary_placement_from
        if start is not None and start <= today and admission.temporary_flagged_on is None:
            admission.temporary_flagged_on = today
            service.record(
                transfer,
                admission,
                TEMPORARY,
                (None, "POPO", None),
                on=start,
                subject=start.isoformat(),
            )
            service.transfers().touch(transfer)
            notifications.notify(
                session,
                "admission_temporary_placement",
                service.transfers().staff(admission.school_id, ["medewerker", "directeur"]),
                link,
                ref=f"{admission.id}:temporary",
                reference=transfer.reference,
                since=start,
            )
            sent += 1
    session.flush()
    return sent


@task("admission_sweep", queue="mail", cron="*/15 * * * *")
def admission_sweep(state: AppState) -> None:
    with state.db.session() as session:
        sent = sweep(session, state.registry, state.settings.base_url)
    if sent:
        log.info("admission alerts sent", extra={"sent": sent})
