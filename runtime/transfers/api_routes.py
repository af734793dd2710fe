"""Transfers on the API (docs/api.md): the register of the token's population and one
transfer with its timeline, tasks and terms, for school administration systems. Scoped like a
person in the token's role (access/scope.py), every call audited (web/api.py), one transfer's
read recorded against its pupil like a page's (web/scoped.reach)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.params import FromPath, FromQuery, JSONBody
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.messages import localize

from ..access import scope
from ..clock import clock_of
from ..organisations.models import Organisation
from ..pupils import service as pupils
from ..pupils.models import Pupil
from ..state import AppState
from ..statuses.workflow import TransitionRefused
from ..web import api
from ..web.blocking import in_thread
from ..web.identity import actor
from . import handover, queries
from .models import Transfer
from .routes import PURPOSE_SEE, PURPOSE_STEP, reach_transfer
from .service import TransferService, actors_for

MAX_PAGE_SIZE = 100


class SchoolOut(msgspec.Struct):
    id: uuid.UUID
    code: str  # BRIN and vestiging, e.g. 12AB00
    name: str


class PupilOut(msgspec.Struct):
    voornamen: str
    achternaam: str
    geboortedatum: date
    tussenvoegsel: str | None
    # in full for the pupil's own school only; masked (*****6782) for every other
    number: str
    number_kind: str  # bsn | onderwijsnummer


class TransferOut(msgspec.Struct):
    """A transfer as the register holds it."""

    id: uuid.UUID
    reference: str  # OV-2026-…
    status: str  # the procedure's status id
    status_label: str  # in the language of Accept-Language
    procedure: str
    procedure_version: int
    reason: str
    sending_school: SchoolOut | None
    receiving_school: SchoolOut | None
    desired_date: date | None
    enrolled_on: date | None
    deregistered_on: date | None
    next_due: date | None
    version: int  # changes with every change of the transfer
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class RegisterPage(msgspec.Struct):
    items: list[TransferOut]
    page: int
    pages: int
    total: int


class EventOut(msgspec.Struct):
    at: datetime
    kind: str  # status | form | started | …
    text: str
    actor: str
    party: str | None
    role: str | None


class TaskOut(msgspec.Struct):
    id: str
    label: str
    who: list[str]  # party.role, or a party
    form: str | None


class TermOut(msgspec.Struct):
    id: str
    label: str
    started: date
    due: date
    state: str  # running | met | overdue | stopped
    met_on: date | None


class TransferDetailOut(msgspec.Struct):
    transfer: TransferOut
    pupil: PupilOut
    timeline: list[EventOut]
    tasks: list[TaskOut]
    terms: list[TermOut]


def _schools(session: Session, ids: set[uuid.UUID | None]) -> dict[uuid.UUID, SchoolOut]:
    wanted = [i for i in ids if i is not None]
    rows = (
        session.scalars(select(Organisation).where(Organisation.id.in_(wanted))) if wanted else []
    )
    return {o.id: SchoolOut(o.id, o.code, o.name) for o in rows}


def _out(
    transfer: Transfer, schools: dict[uuid.UUID, SchoolOut], popo: AppState, language: str
) -> TransferOut:
    procedure = popo.registry.procedure(transfer.procedure_id, transfer.procedure_version)
    status = procedure.statuses.get(transfer.status) if procedure else None
    return TransferOut(
        id=transfer.id,
        reference=transfer.reference,
        status=transfer.status,
        status_label=localize(status.label, language) if status else transfer.status,
        procedure=transfer.procedure_id,
        procedure_version=transfer.procedure_version,
        reason=transfer.reason,
        sending_school=schools.get(transfer.sending_school_id)
        if transfer.sending_school_id
        else None,
        receiving_school=(
            schools.get(transfer.receiving_school_id) if transfer.receiving_school_id else None
        ),
        desired_date=transfer.desired_date,
        enrolled_on=transfer.enrolled_on,
        deregistered_on=transfer.deregistered_on,
        next_due=transfer.due_on,
        version=transfer.version,
        created_at=transfer.created_at,
        updated_at=transfer.updated_at,
        closed_at=transfer.closed_at,
    )


@get(
    "/transfers",
    summary="The register: the transfers from and to the token's population",
    responses=api.ERRORS,
    tags=["transfers"],
)
@in_thread
def list_transfers(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    status: FromQuery[str | None] = None,
    school: FromQuery[str | None] = None,
    updated_since: FromQuery[datetime | None] = None,
    page: FromQuery[int] = 1,
    page_size: FromQuery[int] = 25,
) -> RegisterPage:
    """Last changed first. ``status``: a status id; ``school``: a school's BRIN and vestiging
    (from or to it); ``updated_since``: changed at or after this moment (ISO 8601 with a time
    zone), to pick up changes since the last call; ``page`` from 1, ``page_size`` up to 100."""
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise HTTPException(status_code=400)
    who = api.principal(request)
    language = api.language(request)
    with popo.db.session() as session:
        query = queries.transfers(who, clock_of(session).today())
        if status:
            query = query.where(Transfer.status == status[:40])
        if school:
            code = select(Organisation.id).where(
                Organisation.kind == "school", Organisation.code == school.upper()[:20]
            )
            query = query.where(
                (Transfer.sending_school_id.in_(code)) | (Transfer.receiving_school_id.in_(code))
            )
        if updated_since is not None:
            if updated_since.tzinfo is None:
                raise HTTPException(status_code=400)
            query = query.where(Transfer.updated_at >= updated_since)
        total = int(session.scalar(scope.count(query)) or 0)
        found = list(session.scalars(query.limit(page_size).offset((page - 1) * page_size)))
        schools = _schools(
            session, {t.sending_school_id for t in found} | {t.receiving_school_id for t in found}
        )
        return RegisterPage(
            items=[_out(t, schools, popo, language) for t in found],
            page=page,
            pages=max(1, -(-total // page_size)),
            total=total,
        )


@get(
    "/transfers/{transfer_id:uuid}",
    summary="One transfer: its pupil, timeline, open tasks and terms",
    responses=api.ERRORS,
    tags=["transfers"],
)
@in_thread
def one_transfer(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    transfer_id: FromPath[uuid.UUID],
) -> TransferDetailOut:
    """404 for a transfer outside the token's population, exactly as for one that does not
    exist. The read is recorded in the audit log against the pupil."""
    language = api.language(request)
    with popo.db.session() as session:
        reached = reach_transfer(request, popo, session, transfer_id, PURPOSE_SEE)
        transfer, who = reached.obj, reached.who
        service = TransferService(session, popo.registry, popo.settings.base_url)
        pupil = session.get(Pupil, transfer.pupil_id)
        assert pupil is not None
        state = service.state(transfer)
        procedure = service.procedure(transfer)
        labels = {task.id: task.label for task in procedure.tasks}
        term_labels = {term.id: term.label for term in procedure.terms}
        schools = _schools(session, {transfer.sending_school_id, transfer.receiving_school_id})
        return TransferDetailOut(
            transfer=_out(transfer, schools, popo, language),
            pupil=PupilOut(
                voornamen=pupil.voornamen,
                achternaam=pupil.achternaam,
                geboortedatum=pupil.geboortedatum,
                tussenvoegsel=pupil.tussenvoegsel,
                number=pupils.shown_number(session, popo.settings, pupil, who, actor(request, who)),
                number_kind=pupil.number_kind,
            ),
            timeline=[
                EventOut(e.at, e.kind, e.text, e.actor, e.party, e.role)
                for e in service.timeline(transfer, None, language)
            ],
            tasks=[
                TaskOut(t.id, localize(labels[t.id], language), [str(a) for a in t.who], t.form)
                for t in state.tasks
            ],
            terms=[
                TermOut(
                    t.id, localize(term_labels[t.id], language), t.started, t.due, t.state, t.met_on
                )
                for t in state.terms.values()
            ],
        )


class DateEvent(msgspec.Struct):
    """An enrolment or a deregistration reported by a school administration system."""

    date: date  # the first day on the new school's register, or the last day on the old one
    version: int | None = None  # the transfer's version the system last read (optional)


def _record(
    request: Request[Any, Any, Any],
    popo: AppState,
    transfer_id: uuid.UUID,
    records: str,
    event: DateEvent,
) -> Response[TransferOut] | Response[api.Problem]:
    """Take the step of the transfer's procedure that records ``records`` (enrolment or
    deregistration) on ``event.date``, as the token's role may: the same step, checks and
    notifications as on the transfer's page."""
    language = api.language(request)
    with popo.db.session() as session:
        reached = reach_transfer(request, popo, session, transfer_id, PURPOSE_STEP)
        transfer, who = reached.obj, reached.who
        service = TransferService(session, popo.registry, popo.settings.base_url)
        run = service.running(transfer)
        actors = actors_for(run.procedure, transfer, who.roles)
        step = next(
            (
                s
                for s in run.procedure.transitions.values()
                if s.records == records and transfer.status in s.sources
            ),
            None,
        )
        try:
            if step is None:
                raise TransitionRefused(
                    "not_from_here",
                    NOT_NOW,
                    status=lambda lang: run.label(transfer.status, lang),
                )
            with session.begin_nested():
                service.take(
                    transfer,
                    step.id,
                    actors=actors,
                    version=event.version,
                    actor_id=who.user_id,
                    actor_name=who.name,
                    on=event.date,
                )
        except TransitionRefused as refused:
            session.refresh(transfer)
            code = 409 if refused.code == "stale" else 403 if refused.code == "guard:who" else 422
            return api.refused(request, code, refused.code, refused.text(language))
        schools = _schools(session, {transfer.sending_school_id, transfer.receiving_school_id})
        return Response(_out(transfer, schools, popo, language), status_code=200)


NOT_NOW = {
    "nl": "Dat kan nu niet: de overstap staat op '{status}'.",
    "en": "That cannot be done now: the transfer is at '{status}'.",
}


@post(
    "/transfers/{transfer_id:uuid}/enrolment",
    summary="Report the pupil's enrolment at the new school",
    tags=["transfers"],
    responses=api.ERRORS,
    status_code=200,
)
@in_thread
def report_enrolment(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    transfer_id: FromPath[uuid.UUID],
    data: JSONBody[DateEvent],
) -> Response[TransferOut] | Response[api.Problem]:
    """The new school's system reports the enrolment date: the previous school is told at
    once and deregisters the pupil on the day before. 403 for a role the procedure does not
    let enrol, 409 when ``version`` is not the transfer's, 422 when the transfer is not at the
    step or the date is refused (the ``detail`` says why)."""
    return _record(request, popo, transfer_id, handover.ENROLMENT, data)


@post(
    "/transfers/{transfer_id:uuid}/deregistration",
    summary="Report the pupil's deregistration at the previous school",
    tags=["transfers"],
    responses=api.ERRORS,
    status_code=200,
)
@in_thread
def report_deregistration(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    transfer_id: FromPath[uuid.UUID],
    data: JSONBody[DateEvent],
) -> Response[TransferOut] | Response[api.Problem]:
    """The previous school's system reports the deregistration: the date must be the day
    before the enrolment (no gap, no overlap); the bewijs van uitschrijving is made."""
    return _record(request, popo, transfer_id, handover.DEREGISTRATION, data)


ROUTER = api.router(list_transfers, one_transfer, report_enrolment, report_deregistration)
