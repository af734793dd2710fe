"""Large exports: an overview's view of more rows than ``POPO_MONITORING_EXPORT_INLINE_ROWS``
is not made in the request but by the job ``monitoring_export``, which writes the file a step
at a time and says how far it is, so that the person's page shows a progress bar and then
the download (routes.py, ``/monitoring/exports/{id}``).

- :func:`ask` records what was asked (``MonitoringExport``: the person, the perspective, the
  overview, the view's query parameters, the format and language) and defers the job in the
  request's transaction; the same export asked again while it is being made is that one.
- :func:`make` is the job's body. It reads the person's roles again, as they are when it
  runs: the perspective must still be theirs and the overview still offered to it, or the
  export fails with a message, never with figures they may no longer see. Then the view is
  read as the request reads it (exports.result_of) and written by the request's writers, so
  that the file is the one an inline export would have given. Its progress (``rows_done`` of
  ``rows_total``) is committed in short transactions of its own every few hundred rows; no
  transaction stays open while the file is written. The file goes into the archive's store.
- huey takes a job off its table when a worker starts it (at most once), and procrastinate
  runs again the job of a worker that stopped: :func:`sweep`, every ten minutes, defers again
  an export whose progress stood still for ``STALLED_AFTER`` (after ``MAX_ATTEMPTS`` runs it
  fails), and a run that was given up on stops at its next step (``attempt``).

An export holds the figures the page shows, suppressed as there, and no pupil: like the
request's export it is not an access to a pupil's data in the audit log; its row says who
asked for what and when."""

from __future__ import annotations

import logging
import os
import tempfile
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import jobs
from ..access.accounts import Principal, Role
from ..access.models import RoleAssignment, UserAccount
from ..clock import clock_of
from ..jobs.spec import task
from ..organisations.models import Organisation
from ..state import AppState
from ..statuses.db import move
from . import exports, queries
from .models import EXPORT, ExportStatus, MonitoringExport
from .results import Perspective, Result

log = logging.getLogger("popo.monitoring")
TASK = "monitoring_export"
SWEEP = "monitoring_export_sweep"
STALLED_AFTER = timedelta(minutes=10)  # no progress for this long: its worker stopped
MAX_ATTEMPTS = 3
UNFINISHED = (ExportStatus.WAITING, ExportStatus.RUNNING)


def N_(message: str) -> str:
    return message


# why an export failed, by the key kept in ``MonitoringExport.problem``; shown translated
PROBLEMS = {
    "no_access": N_(
        "You no longer look at the figures of this organisation, so the file was not made."
    ),
    "not_offered": N_("This overview is no longer offered, so the file was not made."),
    "stalled": N_("Making the file was stopped several times. Please ask for it again later."),
    "error": N_("Something went wrong while making the file. Please ask for it again."),
}


class Refused(Exception):
    """The export may not be made now (the key of its message)."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


class Superseded(Exception):
    """This run is no longer the export's latest (the sweep deferred it again)."""


# ---------------------------------------------------------------------- asking


def ask(
    session: Session,
    who: Principal,
    perspective: Perspective,
    overview_id: str,
    params: Mapping[str, Sequence[str]],
    language: str,
    format: str,
) -> MonitoringExport:
    """The export of this view for ``who``: a new one, its job deferred in this transaction,
    or the same one they asked for before that is still being made (a second click)."""
    assert format in exports.FORMATS, format
    wanted = {name: list(values) for name, values in sorted(params.items())}
    for known in session.scalars(
        select(MonitoringExport).where(
            MonitoringExport.user_id == who.user_id,
            MonitoringExport.organisation_id == perspective.organisation_id,
            MonitoringExport.overview_id == overview_id,
            MonitoringExport.format == format,
            MonitoringExport.language == language,
            MonitoringExport.status.in_(UNFINISHED),
        )
    ):
        if known.params == wanted:
            return known
    export = MonitoringExport(
        user_id=who.user_id,
        organisation_id=perspective.organisation_id,
        audience=perspective.audience,
        overview_id=overview_id,
        params=wanted,
        language=language,
        format=format,
        status=ExportStatus.WAITING,
        progressed_at=clock_of(session).now(),
    )
    session.add(export)
    session.flush()
    jobs.defer(session, TASK, export_id=str(export.id))
    return export


def mine(session: Session, who: Principal, export_id: uuid.UUID) -> MonitoringExport | None:
    """The export if ``who`` asked for it; None for anyone else (its pages answer 404)."""
    export = session.get(MonitoringExport, export_id)
    if export is None or export.user_id != who.user_id:
        return None
    return export


# ---------------------------------------------------------------------- the job


def principal_at_job_time(session: Session, user_id: uuid.UUID) -> Principal | None:
    """The person with the roles they have now (not those of the request that asked)."""
    user = session.get(UserAccount, user_id)
    if user is None:
        return None
    rows = session.execute(
        select(RoleAssignment.role, RoleAssignment.organisation_id, Organisation.kind)
        .outerjoin(Organisation, Organisation.id == RoleAssignment.organisation_id)
        .where(RoleAssignment.user_id == user_id)
    ).all()
    return Principal(
        user.id, user.email, user.name, tuple(Role(*row) for row in rows), uuid.UUID(int=0)
    )


@dataclass(frozen=True)
class _Asked:
    """What a run reads of its export, taken out of the transaction that started it."""

    id: uuid.UUID
    attempt: int
    user_id: uuid.UUID
    organisation_id: uuid.UUID
    overview_id: str
    params: dict[str, list[str]]
    language: str
    format: str


def _start(popo: AppState, export_id: uuid.UUID) -> _Asked | None:
    """Move a waiting export to running (once: one running or finished is left alone)."""
    with popo.db.session() as session:
        export = session.get(MonitoringExport, export_id, with_for_update=True)
        if export is None or export.status is not ExportStatus.WAITING:
            return None
        move(session, export, ExportStatus.RUNNING, workflow=EXPORT)
        export.attempt += 1
        export.rows_done = 0
        export.progressed_at = clock_of(session).now()
        asked = _Asked(
            export.id,
            export.attempt,
            export.user_id,
            export.organisation_id,
            export.overview_id,
            {name: list(values) for name, values in export.params.items()},
            export.language,
            export.format,
        )
        session.commit()
    return asked


def _result(popo: AppState, session: Session, asked: _Asked) -> Result:
    """The view, read with the person's rights of now; :class:`Refused` if they lost them."""
    who = principal_at_job_time(session, asked.user_id)
    found = queries.perspectives(session, who) if who is not None else []
    perspective = next((p for p in found if p.organisation_id == asked.organisation_id), None)
    if perspective is None:
        raise Refused("no_access")
    overview = popo.registry.overview(asked.overview_id)
    if overview is None or perspective.audience not in overview.audiences:
        raise Refused("not_offered")
    return exports.result_of(popo, session, overview, perspective, asked.params, asked.language)


def progress(popo: AppState, asked: _Asked, rows_done: int, rows_total: int | None = None) -> None:
    """Record how far the run is, in a short transaction of its own; :class:`Superseded` when
    the export is no longer this run's (the sweep deferred it again, or it was finished)."""
    with popo.db.session() as session:
        values: dict[str, object] = {
            "rows_done": rows_done,
            "progressed_at": clock_of(session).now(),
        }
        if rows_total is not None:
            values["rows_total"] = rows_total
        changed = session.execute(
            update(MonitoringExport)
            .where(
                MonitoringExport.id == asked.id,
                MonitoringExport.attempt == asked.attempt,
                MonitoringExport.status == ExportStatus.RUNNING,
            )
            .values(**values)
        )
        mine = changed.rowcount == 1  # type: ignore[attr-defined]
        session.commit()
    if not mine:
        raise Superseded()


def _write(popo: AppState, asked: _Asked, result: Result) -> bytes:
    """The file, written a step at a time to a temporary file beside the data."""
    step = exports.PROGRESS_EVERY

    def told(rows: int) -> None:
        progress(popo, asked, rows)

    popo.settings.data_dir.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(suffix=f".{asked.format}", dir=popo.settings.data_dir)
    path = Path(name)
    try:
        if asked.format == "csv":
            with os.fdopen(handle, "wb") as out:
                for chunk in exports.csv_chunks(result, told, step):
                    out.write(chunk)
        else:
            os.close(handle)
            exports.write_xlsx(result, path, told, step)
        return path.read_bytes()
    finally:
        path.unlink(missing_ok=True)


def _finish(
    popo: AppState,
    asked: _Asked,
    status: ExportStatus,
    *,
    sha256: str | None = None,
    file_name: str | None = None,
    rows: int | None = None,
    problem: str | None = None,
) -> None:
    with popo.db.session() as session:
        export = session.get(MonitoringExport, asked.id, with_for_update=True)
        if (
            export is None
            or export.attempt != asked.attempt
            or export.status is not ExportStatus.RUNNING
        ):
            return  # a later run has it
        move(session, export, status, workflow=EXPORT, reason=problem)
        export.sha256, export.file_name, export.problem = sha256, file_name, problem
        if rows is not None:
            export.rows_done = export.rows_total = rows
        export.finished_at = export.progressed_at = clock_of(session).now()
        session.commit()


def make(popo: AppState, export_id: uuid.UUID) -> ExportStatus | None:
    """The job's body: make a waiting export's file (see the module). What it came to; None
    when there was nothing to do (not waiting, or this run was superseded)."""
    asked = _start(popo, export_id)
    if asked is None:
        return None
    try:
        with popo.db.session() as session:
            result = _result(popo, session, asked)
            session.rollback()  # read only; nothing stays open while the file is written
        progress(popo, asked, 0, result.total_rows)
        data = _write(popo, asked, result)
        digest = popo.archive.put(data)
        name = exports.file_name(result, asked.format)
        rows = len(result.rows)
        _finish(popo, asked, ExportStatus.DONE, sha256=digest, file_name=name, rows=rows)
    except Superseded:
        log.info("monitoring export superseded", extra={"export": str(export_id)})
        return None
    except Refused as refused:
        log.info(
            "monitoring export refused (%s)", refused.problem, extra={"export": str(export_id)}
        )
        _finish(popo, asked, ExportStatus.FAILED, problem=refused.problem)
        return ExportStatus.FAILED
    except Exception as exc:
        # the name of the error only: its text may hold what the figures hold
        log.error(
            "monitoring export failed (%s)", type(exc).__name__, extra={"export": str(export_id)}
        )
        _finish(popo, asked, ExportStatus.FAILED, problem="error")
        return ExportStatus.FAILED
    log.info(
        "monitoring export made",
        extra={"export": str(export_id), "rows": len(result.rows), "format": asked.format},
    )
    return ExportStatus.DONE


def sweep(popo: AppState) -> int:
    """Defer again the exports whose progress stood still for ``STALLED_AFTER`` (a running
    one waits again first); fail those that were run ``MAX_ATTEMPTS`` times. How many."""
    count = 0
    with popo.db.session() as session:
        before = clock_of(session).now() - STALLED_AFTER
        stalled = session.scalars(
            select(MonitoringExport)
            .where(
                MonitoringExport.status.in_(UNFINISHED),
                MonitoringExport.progressed_at < before,
            )
            .order_by(MonitoringExport.created_at)
            .limit(500)
        ).all()
        for export in stalled:
            if export.attempt >= MAX_ATTEMPTS:
                move(session, export, ExportStatus.FAILED, workflow=EXPORT, reason="stalled")
                export.problem = "stalled"
                export.finished_at = clock_of(session).now()
            elif export.status is ExportStatus.RUNNING:
                move(session, export, ExportStatus.WAITING, workflow=EXPORT, reason="stalled")
                export.progressed_at = clock_of(session).now()
                jobs.defer(session, TASK, export_id=str(export.id))
            elif not jobs.defer_once(session, TASK, export_id=str(export.id)):
                continue
            count += 1
        session.commit()
    if count:
        log.warning("monitoring exports deferred again", extra={"exports": count})
    return count


@task(TASK, attempts=1)  # a failure is recorded on the export; the sweep finds a lost run
def monitoring_export(state: AppState, export_id: str) -> None:
    make(state, uuid.UUID(export_id))


@task(SWEEP, cron="*/10 * * * *")
def monitoring_export_sweep(state: AppState) -> None:
    sweep(state)


TASKS = (monitoring_export, monitoring_export_sweep)
