"""The pages of admissions: a registration's section on the transfer's page (the parents'
list, the legal dates with how they were counted, who holds the zorgplicht, the letters, and
the school's actions: ask the parents for information, record that it came, extend), the
fields of a refusal (WPO art. 40 lid 4, 5), the parents' section on their link, and the
letters as PDF for the school and the parents."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.procedures.compile import CompiledTransition
from renderers import i18n

from ..organisations.models import Organisation
from ..state import AppState
from ..statuses.workflow import TransitionRefused
from ..transfers import sections
from ..transfers.models import Transfer
from ..transfers.parent_routes import PURPOSE_PARENTS_SEE, by_link
from ..transfers.routes import PURPOSE_SEE, PURPOSE_STEP, _transfer_page, reach_transfer
from ..transfers.service import actors_for
from ..web.blocking import in_thread
from ..web.language import request_language, templates
from ..web.posted import Posted
from . import duty, letters
from .clock import N_
from .models import EXCEPTIONS
from .service import AdmissionService

STATE_TEXTS = {
    "waiting": N_("Waits for its turn"),
    "active": N_("Handles the registration now"),
    "admitted": N_("Admitted"),
    "refused": N_("Refused"),
    "not_handled": N_("Did not handle the registration"),
    "withdrawn": N_("Withdrawn by the parents"),
    "closed": N_("No longer needed"),
}
EXCEPTION_TEXTS = {
    "no_place": N_("The school has no place (WPO art. 40 lid 5a)"),
    "grondslag": N_("The parents will not respect the school's grondslag (WPO art. 40 lid 5b)"),
}


def _view(context: sections.PageContext, *, as_parents: bool) -> dict[str, Any] | None:
    """What the section shows, or None when the transfer is no registration."""
    service = AdmissionService(context.session, context.popo.registry)
    transfer = context.transfer
    procedure = service.procedure(transfer)
    if procedure is None or procedure.admission is None:
        return None
    language = context.language
    current = service.current(transfer)
    today = service.clock.today()
    derived = service.clock_of(transfer, current) if current is not None else None
    deadlines = []
    if derived is not None:
        for name, due in (
            ("decision_due", derived.decision_due),
            ("not_handled_due", derived.not_handled_due),
            ("ten_weeks", derived.ten_weeks),
        ):
            if name == "not_handled_due" and derived.decision is not None:
                continue
            if due is None:
                continue
            deadlines.append(
                {
                    "name": name,
                    "due": due,
                    "explanation": derived.explain(name, language),
                    "overdue": derived.decision is None
                    and current is not None
                    and current.state == "active"
                    and due < today,
                }
            )
    may_act = (
        not as_parents
        and current is not None
        and current.state == "active"
        and transfer.closed_at is None
        and any(procedure.admission.allows(*_parts(a)) for a in context.actors)
    )
    care = service.duty(transfer)
    periods = [
        {
            "school": period.school,
            "start": period.start,
            "until": period.until,
            "why": i18n.gettext(language, duty.WHY[period.why]),
        }
        for period in care.periods
    ]
    holder = care.period_on(today)
    school_names = _names(context.session, {uuid.UUID(p.school) for p in care.periods if p.school})
    return {
        "schools": [
            {
                **vars(view),
                "text": i18n.gettext(language, STATE_TEXTS[view.state]) if view.state else "",
            }
            for view in service.schools(transfer, as_parents=as_parents)
        ],
        "current": current,
        "clock": derived,
        "deadlines": deadlines,
        "today": today,
        "may_act": may_act,
        "open_request": derived.standing_still_since if derived else None,
        "extended": bool(derived and derived.extended_weeks),
        "letters": letters.letters(context.session, transfer),
        "holder": holder,
        "periods": periods,
        "school_names": school_names,
        "temporary": current.temporary_flagged_on if current is not None else None,
        "base": context.base,
        "values": context.values or {},
    }


def _names(session: Session, ids: set[uuid.UUID]) -> dict[str, str]:
    if not ids:
        return {}
    return {
        str(o.id): o.name
        for o in session.scalars(select(Organisation).where(Organisation.id.in_(list(ids))))
    }


def _parts(actor: str) -> tuple[str, str | None]:
    party, _, role = actor.partition(".")
    return party, role or None


@sections.staff_section
def staff_section(context: sections.PageContext) -> str | None:
    view = _view(context, as_parents=False)
    if view is None:
        return None
    return templates(context.language).get_template("admission_section.html").render(view)


@sections.parents_section
def parents_section(context: sections.PageContext) -> str | None:
    view = _view(context, as_parents=True)
    if view is None:
        return None
    return templates(context.language).get_template("admission_parents.html").render(view)


@sections.step_fields
def refusal_fields(context: sections.PageContext, step: CompiledTransition) -> str | None:
    """A refusal asks whether the child needs extra support and, if so, which school agreed
    to admit it or which exception applies (WPO art. 40 lid 4, 5)."""
    if step.records != "refusal":
        return None
    transfer = context.transfer
    region_schools = list(
        context.session.scalars(
            select(Organisation)
            .where(
                Organisation.kind == "school",
                Organisation.id != transfer.receiving_school_id,
            )
            .order_by(Organisation.name)
            .limit(500)
        )
    )
    values = context.values or {}
    return (
        templates(context.language)
        .get_template("admission_refusal_fields.html")
        .render(
            step_id=step.id,
            schools=region_schools,
            exceptions=[
                (e, i18n.gettext(context.language, EXCEPTION_TEXTS[e])) for e in EXCEPTIONS
            ],
            values=values if values.get("step") == step.id else {},
            today=AdmissionService(context.session, context.popo.registry).clock.today(),
        )
    )


# ------------------------------------------------------------------ the school's actions


def _act(
    request: Request[Any, Any, Any],
    popo: AppState,
    transfer_id: uuid.UUID,
    posted: Posted,
    action: str,
) -> Response[str] | Redirect:
    language = request_language(request)
    with popo.db.session() as session:
        reached = reach_transfer(request, popo, session, transfer_id, PURPOSE_STEP)
        transfer, who = reached.obj, reached.who
        service = AdmissionService(session, popo.registry, popo.settings.base_url)
        procedure = service.transfers().procedure(transfer)
        actors = actors_for(procedure, transfer, who.roles)
        version = posted.get("version")
        try:
            with session.begin_nested():
                if version and version != str(transfer.version):
                    raise _stale(service, transfer)
                person = {"actors": actors, "actor_id": who.user_id, "actor_name": who.name}
                if action == "information":
                    service.request_information(
                        transfer,
                        until=_date(posted.get("until")),
                        note=posted.get("note"),
                        **person,
                    )
                elif action == "received":
                    service.information_received(transfer, on=_date(posted.get("date")), **person)
                else:
                    weeks = posted.get("weeks")
                    service.extend(
                        transfer,
                        weeks=int(weeks) if weeks.isdigit() else None,
                        reason=posted.get("reason")[:2000],
                        **person,
                    )
        except TransitionRefused as refused:
            session.refresh(transfer)
            code = 409 if refused.code == "stale" else 403 if refused.code == "guard:who" else 400
            return _transfer_page(
                request,
                popo,
                session,
                transfer,
                who,
                code,
                refusal=refused.text(language),
                section_values={"action": action, **{k: posted.get(k) for k in posted.values}},
            )
    return Redirect(f"/transfers/{transfer_id}?done=1#registration", status_code=303)


def _stale(service: AdmissionService, transfer: Transfer) -> TransitionRefused:
    from ..transfers.service import REFUSALS, Refused

    run = service.transfers().running(transfer)
    status = transfer.status
    return Refused("stale", REFUSALS["stale"], status=lambda language: run.label(status, language))


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@post("/transfers/{transfer_id:uuid}/admission/information")
@in_thread
def request_information(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
    transfer_id: FromPath[uuid.UUID],
) -> Response[str] | Redirect:
    return _act(request, popo, transfer_id, posted, "information")


@post("/transfers/{transfer_id:uuid}/admission/received")
@in_thread
def information_received(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
    transfer_id: FromPath[uuid.UUID],
) -> Response[str] | Redirect:
    return _act(request, popo, transfer_id, posted, "received")


@post("/transfers/{transfer_id:uuid}/admission/extension")
@in_thread
def extend(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
    transfer_id: FromPath[uuid.UUID],
) -> Response[str] | Redirect:
    return _act(request, popo, transfer_id, posted, "extension")


# ------------------------------------------------------------------ the letters


def _letter_response(popo: AppState, digest: str, reference: str, event_id: int) -> Response[Any]:
    return Response(
        popo.archive.get(digest),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="brief-{reference}-{event_id}.pdf"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "Referrer-Policy": "no-referrer",
        },
    )


@get("/transfers/{transfer_id:uuid}/admission/letters/{event_id:int}/brief.pdf")
@in_thread
def staff_letter(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    transfer_id: FromPath[uuid.UUID],
    event_id: FromPath[int],
) -> Response[Any]:
    language = request_language(request)
    with popo.db.session() as session:
        transfer = reach_transfer(request, popo, session, transfer_id, PURPOSE_SEE).obj
        digest = letters.ready(popo, session, transfer, event_id, language)
        if digest is None:
            raise NotFoundException()
        reference = transfer.reference
    return _letter_response(popo, digest, reference, event_id)


@get("/p/{token:str}/letters/{event_id:int}/brief.pdf")
@in_thread
def parents_letter(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    token: FromPath[str],
    event_id: FromPath[int],
) -> Response[Any]:
    with popo.db.session() as session:
        link = by_link(request, popo, session, token, PURPOSE_PARENTS_SEE)
        digest = letters.ready(popo, session, link.transfer, event_id, link.language)
        if digest is None:
            raise NotFoundException()
        reference = link.transfer.reference
    return _letter_response(popo, digest, reference, event_id)


ROUTES = [request_information, information_received, extend, staff_letter, parents_letter]
