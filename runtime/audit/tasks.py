"""The chainer of the audit log as a job: every minute, the events committed since are given
their place on the chain (runtime/audit ``chain``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..jobs.spec import task
from . import chain

if TYPE_CHECKING:
    from ..state import AppState


@task("audit_chain", queue="default", cron="* * * * *")
def audit_chain(state: AppState) -> None:
    with state.db.session() as session:
        chain(session, state.audit_key)


TASKS = (audit_chain,)
