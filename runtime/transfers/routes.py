"""The pages of transfers: the register (/transfers: the transfers of one's own population, to
filter, sort, search and page, with htmx and without JavaScript), starting a transfer, a
transfer's page (parties, status, next steps, tasks, terms, forms, timeline) and taking a step,
and "my work" (/work). Thin: the rules are in service.py, the scope in queries.py."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine.messages import localize
from engine.procedures import Actor
from oso_mapping.dossier import MAX_DOSSIER_BYTES, DossierError
from renderers import i18n

from .. import audit
from ..access import scope
from ..access.accounts import Principal
from ..clock import AMSTERDAM
from ..forms import queries as form_queries
from ..forms.models import Draft, Submission
from ..forms.service import FormsService, NotFound
from ..organisations.models import Organisation
from ..oso.service import OsoExchange
from ..pupils import service as pupils
from ..pupils.models import Pupil
from ..pupils.numbers import InvalidNumber, kind_of, valid
from ..state import AppState
from ..statuses.procedure import actor_text
from ..statuses.workflow import TransitionRefused
from ..web import guards
from ..web.blocking import in_thread
from ..web.identity import actor
from ..web.language import request_language
from ..web.pages import page
from ..web.posted import Posted
from ..web.scoped import reach, record
from . import handover, messages, okr, parents, proof, queries, sections
from .models import Transfer
from .service import FAMILIES, TransferService, actors_for

PAGE_SIZE = 25
MAX_PAGE = 10_000
SORTS = {
    "changed": (Transfer.updated_at.desc(), Transfer.id),
    "started": (Transfer.created_at.desc(), Transfer.id),
    "due": (Transfer.due_on.is_(None), Transfer.due_on, Transfer.id),
    "desired": (Transfer.desired_date.is_(None), Transfer.desired_date, Transfer.id),
}
PURPOSE_SEE = audit.N_("see the transfer")
PURPOSE_STEP = audit.N_("take a step of the transfer")
PURPOSE_FORM = audit.N_("start a form for the transfer")
PURPOSE_START = audit.N_("start a transfer")
PURPOSE_PROOF = audit.N_("download the proof of deregistration")
PURPOSE_OKR_READY = audit.N_("make the educational report ready for the new school")
PURPOSE_OSO = audit.N_("start a form for a transfer from an OSO dossier")
PURPOSES = (
    PURPOSE_SEE,
    PURPOSE_STEP,
    PURPOSE_FORM,
    PURPOSE_START,
    PURPOSE_PROOF,
    PURPOSE_OKR_READY,
    PURPOSE_OSO,
)


def _number(text: str | None, low: int = 1, high: int = MAX_PAGE) -> int:
    text = text or ""
    if text.isascii() and text.isdigit() and len(text) < 9:
        return min(max(int(text), low), high)
    return low


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip()) if text else None
    except ValueError:
        return None


def _midnight(day: date) -> datetime:
    """The start of ``day`` in the Netherlands."""
    return datetime.combine(day, time(), tzinfo=AMSTERDAM)


def _school_names(session: Session, ids: set[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(wanted))
    )
    return {row.id: row.name for row in rows}


def _pupil_name(pupil: Pupil) -> str:
    parts = [pupil.roepnaam or pupil.voornamen, pupil.tussenvoegsel, pupil.achternaam]
    return " ".join(p for p in parts if p)


# ---------------------------------------------------------------------- the register


@get("/transfers")
@in_thread
def register(request: Request[Any, Any, Any], popo: NamedDependency[AppState]) -> Response[str]:
    """The register. An htmx request (the filters changed) gets the results only."""
    language = request_language(request)
    params = request.query_params
    wanted = {
        "status": (params.get("status") or "")[:40],
        "reason": (params.get("reason") or "")[:40],
        "school": (params.get("school") or "")[:40],
        "q": (params.get("q") or "").strip()[:100],
        "from": params.get("from") or "",
        "until": params.get("until") or "",
        "overdue": "1" if params.get("overdue") == "1" else "",
        "sort": params.get("sort") if params.get("sort") in SORTS else "changed",
    }
    page_number = _number(params.get("page"))
    with popo.db.session() as session:
        who = guards.logged_in(request, session)
        service = TransferService(session, popo.registry, popo.settings.base_url)
        today = service.clock.today()
        query = queries.transfers(who, today)
        statuses, reasons = _vocabulary(popo, language)
        schools = _register_schools(session, who, today)
        problems: dict[str, str] = {}
        if wanted["status"] in statuses:
            query = query.where(Transfer.status == wanted["status"])
        if wanted["reason"] in reasons:
            query = query.where(Transfer.reason == wanted["reason"])
        if wanted["school"] in schools:
            school = uuid.UUID(wanted["school"])
            query = query.where(
                or_(Transfer.sending_school_id == school, Transfer.receiving_school_id == school)
            )
        since, until = _date(wanted["from"]), _date(wanted["until"])
        if wanted["from"] and since is None:
            problems["from"] = i18n.gettext(language, "Give a date as day-month-year.")
        if wanted["until"] and until is None:
            problems["until"] = i18n.gettext(language, "Give a date as day-month-year.")
        if since is not None:  # days in the Netherlands
            query = query.where(Transfer.created_at >= _midnight(since))
        if until is not None:
            query = query.where(Transfer.created_at < _midnight(until + timedelta(days=1)))
        if wanted["overdue"]:
            query = query.where(Transfer.due_on < today, Transfer.closed_at.is_(None))
        if wanted["q"]:
            query = _search(session, popo, query, wanted["q"])
        query = query.order_by(None).order_by(*SORTS[wanted["sort"]])
        total = int(session.scalar(scope.count(query)) or 0)
        pages = max(1, -(-total // PAGE_SIZE))
        page_number = min(page_number, pages)
        found = list(session.scalars(query.limit(PAGE_SIZE).offset((page_number - 1) * PAGE_SIZE)))
        pupil_rows = {
            p.id: p
            for p in session.scalars(select(Pupil).where(Pupil.id.in_([t.pupil_id for t in found])))
        }
        names = _school_names(
            session, {t.sending_school_id for t in found} | {t.receiving_school_id for t in found}
        )
        unread = messages.MessageService(
            session, popo.registry, popo.settings, popo.files
        ).unread_by_transfer(who, [t.id for t in found])
        rows = [
            {
                "unread": unread.get(t.id, 0),
                "transfer": t,
                "pupil": _pupil_name(pupil_rows[t.pupil_id]) if t.pupil_id in pupil_rows else "",
                "from": names.get(t.sending_school_id) if t.sending_school_id else "",
                "to": names.get(t.receiving_school_id) if t.receiving_school_id else "",
                "status": statuses.get(t.status, t.status),
                "reason": reasons.get(t.reason, t.reason),
                "overdue": t.due_on is not None and t.due_on < today and t.closed_at is None,
            }
            for t in found
        ]
        may_start = scope.home_school(who) is not None

    def address(**changes: Any) -> str:
        values = {**wanted, "page": page_number, **changes}
        if values.get("sort") == "changed":
            values["sort"] = ""
        text = "&".join(
            f"{k}={quote(str(v), safe='')}" for k, v in values.items() if v not in ("", None, 1)
        )
        return "/transfers" + (f"?{text}" if text else "")

    template = "transfers_results.html" if request.headers.get("hx-request") else "transfers.html"
    return page(
        request,
        template,
        rows=rows,
        wanted=wanted,
        statuses=statuses,
        reasons=reasons,
        schools=schools,
        total=total,
        page=page_number,
        pages=pages,
        address=address,
        problems=problems,
        may_start=may_start,
        today=today,
    )


def _vocabulary(popo: AppState, language: str) -> tuple[dict[str, str], dict[str, str]]:
    """The statuses and reasons of every procedure offered, by id, in the person's language."""
    statuses: dict[str, str] = {}
    reasons: dict[str, str] = {}
    for entry in popo.registry.procedures.values():
        for status in entry.procedure.statuses.values():
            statuses.setdefault(status.id, localize(status.label, language))
        for rid, label in entry.procedure.reasons:
            reasons.setdefault(rid, localize(label, language))
    return statuses, reasons


def _register_schools(session: Session, who: Principal, today: date) -> dict[str, str]:
    """The schools of the person's population (for the school filter), by name; at most 500."""
    rows = session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.kind == "school", scope.readable(Organisation.id, who, today))
        .order_by(Organisation.name)
        .limit(500)
    )
    return {str(row.id): row.name for row in rows}


def _search(session: Session, popo: AppState, query: Any, text: str) -> Any:
    """By reference, by the pupil's number (its keyed hash: one lookup), or by name."""
    if text.upper().startswith("OV-"):
        return query.where(Transfer.reference == text.upper())
    digits = text.replace(" ", "").replace(".", "")
    if digits.isdigit():
        try:
            pupil = pupils.find(session, popo.settings, digits)
        except InvalidNumber:
            pupil = None
        return query.where(Transfer.pupil_id == (pupil.id if pupil else None))
    # the names of the pupils of the transfers in scope only: the scope's indexes go first
    pattern = f"%{text.lower()}%"
    return query.join(Pupil, Pupil.id == Transfer.pupil_id).where(
        or_(
            func.lower(Pupil.achternaam).like(pattern),
            func.lower(Pupil.voornamen).like(pattern),
            func.lower(func.coalesce(Pupil.roepnaam, "")).like(pattern),
        )
    )


# ---------------------------------------------------------------------- starting one


@get("/transfers/new")
@in_thread
def new_transfer(request: Request[Any, Any, Any], popo: NamedDependency[AppState]) -> Response[str]:
    with popo.db.session() as session:
        guards.school_staff(request, session)
        return _new_page(request, popo, session, {}, {})


def _new_page(
    request: Request[Any, Any, Any],
    popo: AppState,
    session: Session,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
    candidates: list[Organisation] | None = None,
) -> Response[str]:
    language = request_language(request)
    procedure = popo.registry.procedure_for(FAMILIES[0], None)
    reasons = (
        TransferService(session, popo.registry, popo.settings.base_url).reasons(procedure, language)
        if procedure
        else []
    )
    return page(
        request,
        "transfer_new.html",
        status,
        values=values,
        errors=errors,
        reasons=reasons,
        candidates=candidates or [],
    )


def _same_child(pupil: Pupil, surname: str, born: date) -> bool:
    """Whether a typed surname and date of birth are the recorded child's."""
    return pupil.geboortedatum == born and pupil.achternaam.casefold() == surname.strip().casefold()


def find_school(session: Session, text: str) -> tuple[Organisation | None, list[Organisation]]:
    """A school by its BRIN and vestiging (``12AB00``), or by a part of its name or city when
    one school has it; else the candidates (at most 10) to choose from."""
    text = text.strip()
    if not text:
        return None, []
    by_code = session.scalar(
        select(Organisation).where(Organisation.kind == "school", Organisation.code == text.upper())
    )
    if by_code is not None:
        return by_code, []
    pattern = f"%{text.lower()}%"
    found = list(
        session.scalars(
            select(Organisation)
            .where(
                Organisation.kind == "school",
                or_(
                    func.lower(Organisation.name).like(pattern),
                    func.lower(Organisation.city).like(pattern),
                ),
            )
            .order_by(Organisation.name)
            .limit(11)
        )
    )
    if len(found) == 1:
        return found[0], []
    return None, found[:10]


@post("/transfers")
@in_thread
def start_transfer(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
) -> Response[str] | Redirect:
    """A school starts a transfer of one of its pupils; every wrong value is named on the
    page, with what was typed kept."""
    language = request_language(request)
    keys = (
        "number",
        "voornamen",
        "tussenvoegsel",
        "achternaam",
        "geboortedatum",
        "school",
        "reason",
        "note",
        "desired_date",
    )
    values = {key: (posted.get(key) or "").strip()[:200] for key in keys}
    _ = lambda text: i18n.gettext(language, text)  # noqa: E731
    with popo.db.session() as session:
        who, home = guards.school_staff(request, session)
        service = TransferService(session, popo.registry, popo.settings.base_url)
        errors: dict[str, str] = {}
        school, candidates = find_school(session, values["school"])
        if school is None:
            errors["school"] = (
                _("Choose one of the schools below, or type its BRIN and vestiging code.")
                if candidates
                else _("Give the new school's name, city, or BRIN and vestiging code.")
            )
        elif school.id == home:
            errors["school"] = _("The new school is another school than your own.")
        procedure = service.procedure_for(FAMILIES[0], school.id if school else home)
        if procedure is None:
            errors["school"] = _("There is no procedure for transfers in this region yet.")
        number = values["number"].replace(" ", "").replace(".", "")
        try:
            valid(kind_of(number), number)
        except InvalidNumber:
            errors["number"] = _(
                "Give a BSN or onderwijsnummer of 9 digits that passes the 11-test."
            )
        for key, message in (
            ("voornamen", _("Give the pupil's first names.")),
            ("achternaam", _("Give the pupil's surname.")),
        ):
            if not values[key]:
                errors[key] = message
        birth = _date(values["geboortedatum"])
        if birth is None or not date(2005, 1, 1) <= birth <= service.clock.today():
            errors["geboortedatum"] = _("Give the date of birth as day-month-year.")
        desired = _date(values["desired_date"])
        if values["desired_date"] and desired is None:
            errors["desired_date"] = _("Give the date as day-month-year.")
        reasons = {rid for rid, _label in procedure.reasons} if procedure else set()
        if values["reason"] not in reasons:
            errors["reason"] = _("Choose the reason of the transfer.")
        if errors:
            return _new_page(request, popo, session, values, errors, 400, candidates)
        assert school is not None and procedure is not None and birth is not None
        existing = pupils.find(session, popo.settings, number)
        if existing is not None and existing.current_school_id not in (home, None):
            errors["number"] = _(
                "This pupil is registered at another school: that school starts the transfer."
            )
            return _new_page(request, popo, session, values, errors, 400, candidates)
        if existing is not None and not _same_child(existing, values["achternaam"], birth):
            # a number POPO knows (at no school yet, e.g. from a parents' registration) is the
            # school's only with the child's own surname and date of birth: a typed number
            # alone neither claims a child nor renames one
            errors["number"] = _(
                "POPO knows this number with another surname or date of birth. Check the "
                "number, or ask the helpdesk."
            )
            return _new_page(request, popo, session, values, errors, 400, candidates)
        if existing is None:
            names = pupils.Names(
                values["voornamen"], values["achternaam"], None, values["tussenvoegsel"] or None
            )
            pupil = pupils.register(session, popo.settings, number, names, birth, home)
        else:
            pupil = existing  # as the record holds it: this form renames no one
        if pupil.current_school_id is None:
            pupils.change_school(session, pupil, home)
        role = next((r.role for r in who.roles if r.organisation_id == home), None)
        transfer = service.start(
            procedure,
            pupil,
            sending_school_id=home,
            schools=[school.id],
            reason=values["reason"],
            reason_note=values["note"],
            desired_date=desired,
            started_by_party="sending_school",
            started_by=who.user_id,
            actor_name=who.name,
            role=role,
        )
        record(
            request,
            session,
            popo.settings.audit_key,
            who,
            True,
            "transfer",
            str(transfer.id),
            PURPOSE_START,
            number,
        )
        target = f"/transfers/{transfer.id}"
    return Redirect(target, status_code=303)


# ---------------------------------------------------------------------- one transfer


def reach_transfer(
    request: Request[Any, Any, Any],
    popo: AppState,
    session: Session,
    transfer_id: uuid.UUID,
    purpose: str | None,
) -> Any:
    """The transfer ``transfer_id`` as the request's person (or API token) may reach it: by
    either school's population, locked when the request changes it, recorded in the audit log
    with ``purpose`` against its pupil (web/scoped.reach); 404 for any other."""

    def number(transfer: Transfer) -> str | None:
        pupil = session.get(Pupil, transfer.pupil_id)
        return pupils.number_of(popo.settings, pupil) if pupil is not None else None

    return reach(
        request,
        session,
        popo.settings.audit_key,
        Transfer,
        transfer_id,
        column=queries.COLUMNS,
        purpose=purpose,
        detail=lambda t: t.reference,
        pupil=number,
    )


def _transfer_page(
    request: Request[Any, Any, Any],
    popo: AppState,
    session: Session,
    transfer: Transfer,
    who: Principal,
    status: int = 200,
    refusal: str | None = None,
    notice: str | None = None,
    thread_values: dict[str, str] | None = None,
    thread_problems: dict[str, str] | None = None,
    section_values: dict[str, Any] | None = None,
) -> Response[str]:
    language = request_language(request)
    service = TransferService(session, popo.registry, popo.settings.base_url)
    run = service.running(transfer)
    actors = actors_for(run.procedure, transfer, who.roles)
    state = service.state(transfer)
    actions = service.actions(transfer, actors)
    pupil = session.get(Pupil, transfer.pupil_id)
    names = _school_names(session, {transfer.sending_school_id, transfer.receiving_school_id})
    choices = _school_names(session, {c.school_id for c in transfer.choices})
    party = actors[0].split(".")[0] if actors else None
    mine = set(actors)
    tasks = [
        {
            "label": localize(
                next(t.label for t in run.procedure.tasks if t.id == task.id), language
            ),
            "who": ", ".join(actor_text(a, language) for a in task.who),
            "form": task.form,
            "mine": any(a.includes(*_pp(m)) for a in task.who for m in mine),
        }
        for task in state.tasks
    ]
    terms = [
        {
            "label": localize(
                next(t.label for t in run.procedure.terms if t.id == term.id), language
            ),
            "due": term.due,
            "state": term.state,
            "met_on": term.met_on,
        }
        for term in state.terms.values()
    ]
    sent = service.forms_sent(transfer)
    drafts = list(
        session.scalars(
            select(Draft)
            .where(Draft.transfer_id == transfer.id, Draft.status == "open")
            .order_by(Draft.created_at)
        )
    )
    startable = _startable_forms(
        popo,
        run.procedure,
        transfer,
        actors,
        {s.form_id for s in sent} | {d.form_id for d in drafts},
    )
    number = (
        pupils.shown_number(session, popo.settings, pupil, who, actor(request, who))
        if pupil
        else ""
    )
    context = sections.PageContext(
        session,
        popo,
        transfer,
        language,
        actors,
        who.user_id,
        base=f"/transfers/{transfer.id}",
        values=section_values,
    )
    return page(
        request,
        "transfer.html",
        status,
        transfer=transfer,
        pupil=pupil,
        pupil_name=_pupil_name(pupil) if pupil else "",
        number=number,
        sending=names.get(transfer.sending_school_id) if transfer.sending_school_id else None,
        receiving=names.get(transfer.receiving_school_id) if transfer.receiving_school_id else None,
        choices=[choices.get(c.school_id, "") for c in transfer.choices],
        status_label=run.label(transfer.status, language),
        final=run.final(transfer.status),
        procedure_title=localize(run.procedure.title, language),
        reason=service.reason_label(transfer, language),
        possible=[(step.id, localize(step.label, language)) for step in actions.possible],
        records={
            step.id: (
                step.records,
                handover.proposed(step.records, transfer.enrolled_on, service.clock.today()),
            )
            for step in actions.possible
            if step.records in (handover.ENROLMENT, handover.DEREGISTRATION)
        },
        blocked=[
            (localize(step.label, language), popo.registry.form_title(form, language))
            for step, form in actions.blocked
        ],
        acting=[_actor_text_of(a, language) for a in actors],
        tasks=tasks,
        terms=terms,
        sent=[(s, popo.registry.form_title(s.form_id, language)) for s in sent],
        drafts=[(d, popo.registry.form_title(d.form_id, language)) for d in drafts],
        startable=[(form, popo.registry.form_title(form, language)) for form in startable],
        oso_forms={
            form
            for form in startable
            if (entry := popo.registry.latest(form)) is not None and entry.imports_oso
        },
        timeline=service.timeline(transfer, party, language),
        parents=parents.staff_section(
            session,
            transfer,
            session.scalar(
                select(Transfer.id).where(Transfer.id == transfer.id, queries.changeable(who))
            )
            is not None,
        ),
        parents_notice=request.query_params.get("parents") or "",
        thread=messages.MessageService(session, popo.registry, popo.settings, popo.files).view(
            transfer,
            messages.reader_of(run.procedure, transfer, who),
            language,
            action=f"/transfers/{transfer.id}/messages",
            files_url=f"/transfers/{transfer.id}/messages",
            values=thread_values,
            problems=thread_problems,
        ),
        okr=_okr_view(session, transfer, party, who),
        sections=sections.staff(context),
        step_fields=sections.fields_of(context, actions.possible),
        refusal=refusal,
        notice=notice,
        today=service.clock.today(),
    )


def _okr_view(
    session: Session, transfer: Transfer, party: str | None, who: Principal
) -> dict[str, Any] | None:
    """What the transfer's page says of the OKR hand-over, for the party reading it."""
    sent = okr.sent(session, transfer)
    if sent is None:
        return None
    ready = okr.ready(session, transfer, sent)
    sending_staff = transfer.sending_school_id is not None and any(
        r.organisation_id == transfer.sending_school_id and r.role in scope.WRITING_ROLES
        for r in who.roles
    )
    return {
        "submission": sent,
        "ready": ready,
        "parents_view": okr.event(session, transfer, "parents_view"),
        "retrievals": okr.retrievals(session, transfer),
        "available": okr.available(session, transfer, sent),
        "may_ready": sending_staff and ready is None,
        "party": party,
    }


def _pp(text: str) -> tuple[str, str | None]:
    party, _, role = text.partition(".")
    return party, role or None


def _actor_text_of(text: str, language: str) -> str:
    return actor_text(Actor.parse(text), language)


def _startable_forms(
    popo: AppState, procedure: Any, transfer: Transfer, actors: list[str], present: set[str]
) -> list[str]:
    """The forms this person may start for the transfer: those a step of their party needs or
    a task of theirs names, not yet started or sent, and published."""
    wanted: list[str] = []
    parties = {a.split(".")[0] for a in actors}
    for step in procedure.transitions.values():
        if any(actor.party in parties for actor in step.who):
            wanted.extend(step.needs)
    for task in procedure.tasks:
        if task.form and any(actor.party in parties for actor in task.who):
            wanted.append(task.form)
    wanted.extend(sections.forms_of(popo, transfer, procedure, parties))
    result = []
    for form in dict.fromkeys(wanted):
        entry = popo.registry.latest(form)
        if form not in present and entry is not None and entry.published:
            result.append(form)
    return result


@get("/transfers/{transfer_id:uuid}")
@in_thread
def transfer_page(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    transfer_id: FromPath[uuid.UUID],
) -> Response[str]:
    with popo.db.session() as session:
        reached = reach_transfer(request, popo, session, transfer_id, PURPOSE_SEE)
        notice = None
        if request.query_params.get("done"):
            notice = i18n.gettext(
                request_language(request), "Done: the transfer is now at the status shown below."
            )
        elif request.query_params.get("sent"):
            notice = i18n.gettext(request_language(request), "Your message was sent.")
        return _transfer_page(request, popo, session, reached.obj, reached.who, notice=notice)


@post("/transfers/{transfer_id:uuid}/steps/{step_id:str}")
@in_thread
def take_step(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
    transfer_id: FromPath[uuid.UUID],
    step_id: FromPath[str],
) -> Response[str] | Redirect:
    """Take a step; a refusal (stale page, not now, not by this role, a form first) is told on
    the transfer's page, with nothing changed."""
    language = request_language(request)
    version = _number(posted.get("version"), 0, 2**31) if posted.get("version") else None
    on = _date(posted.get("date"))  # a step that records a date (handover.py) checks it
    # what a step's extra fields posted (sections.step_fields): a refusal's grounds, ...
    details = {
        key[len("detail_") :]: posted.get(key)[:200]
        for key in posted.values
        if key.startswith("detail_")
    }
    with popo.db.session() as session:
        reached = reach_transfer(request, popo, session, transfer_id, PURPOSE_STEP)
        transfer, who = reached.obj, reached.who
        service = TransferService(session, popo.registry, popo.settings.base_url)
        actors = actors_for(service.procedure(transfer), transfer, who.roles)
        try:
            with session.begin_nested():
                service.take(
                    transfer,
                    step_id[:60],
                    actors=actors,
                    version=version,
                    actor_id=who.user_id,
                    actor_name=who.name,
                    on=on,
                    details=details,
                )
        except TransitionRefused as refused:  # nothing written: the savepoint is rolled back
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
                section_values={"step": step_id, **details},
            )
        target = f"/transfers/{transfer.id}?done=1"
    return Redirect(target, status_code=303)


@get("/transfers/{transfer_id:uuid}/bewijs-van-uitschrijving.pdf")
@in_thread
def deregistration_proof(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    transfer_id: FromPath[uuid.UUID],
) -> Response[Any]:
    """The bewijs van uitschrijving, for both schools (reach scopes and audits), in the
    reader's language; while the job is making it, the transfer's page says so (202)."""
    language = request_language(request)
    with popo.db.session() as session:
        reached = reach_transfer(request, popo, session, transfer_id, PURPOSE_PROOF)
        transfer = reached.obj
        if transfer.deregistered_on is None:
            raise NotFoundException()
        digest = proof.ready(popo, session, transfer.id, language)
        if digest is None:
            proof.queue(session, transfer)
            notice = i18n.gettext(
                language,
                "The proof of deregistration is being made; it can be downloaded here in a minute.",
            )
            return _transfer_page(request, popo, session, transfer, reached.who, 202, notice=notice)
        name = f"bewijs-van-uitschrijving-{transfer.reference}.pdf"
    return Response(
        popo.archive.get(digest),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@post("/transfers/{transfer_id:uuid}/okr-ready")
@in_thread
def okr_ready(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
    transfer_id: FromPath[uuid.UUID],
) -> Response[str] | Redirect:
    """Klaarzetten: the sending school makes the sent OKR ready for the new school (once)."""
    language = request_language(request)
    with popo.db.session() as session:
        reached = reach_transfer(request, popo, session, transfer_id, PURPOSE_OKR_READY)
        transfer, who = reached.obj, reached.who
        roles = [
            r
            for r in who.roles
            if r.organisation_id == transfer.sending_school_id and r.role in scope.WRITING_ROLES
        ]
        report = okr.sent(session, transfer)
        version = _number(posted.get("version"), 0, 2**31) if posted.get("version") else None
        refusal = None
        if not roles:
            refusal = i18n.gettext(
                language, "Only the previous school makes the educational report ready."
            )
        elif report is None:
            refusal = i18n.gettext(
                language,
                "The educational report can be made ready once it has been sent; nothing "
                "was changed.",
            )
        elif version is not None and version != transfer.version:
            refusal = i18n.gettext(
                language,
                "This transfer was changed in the meantime: look at the report shown now and "
                "make it ready again; nothing was changed.",
            )
        elif okr.ready(session, transfer, report) is not None:
            refusal = i18n.gettext(language, "The educational report is ready already.")
        if refusal is not None:
            return _transfer_page(request, popo, session, transfer, who, 400, refusal=refusal)
        assert report is not None
        service = TransferService(session, popo.registry, popo.settings.base_url)
        service.record(
            transfer,
            "okr_ready",
            subject=str(report.id),
            actor_id=who.user_id,
            actor_name=who.name,
            party="sending_school",
            role=roles[0].role,
            organisation_id=transfer.sending_school_id,
            visible_to=okr.EVERYONE,
        )
        service.touch(transfer)
        target = f"/transfers/{transfer.id}?done=1"
    return Redirect(target, status_code=303)


OSO_UPLOAD_LIMIT = MAX_DOSSIER_BYTES + 1024 * 1024  # as the OSO upload of a new form


@dataclass(frozen=True)
class _Start:
    organisation: uuid.UUID | None
    pupil: Pupil
    prefill: dict[str, Any]


def _may_start(
    request: Request[Any, Any, Any],
    popo: AppState,
    session: Session,
    transfer: Transfer,
    who: Principal,
    form_id: str,
) -> _Start | Redirect | Response[str]:
    """What a form started for the transfer begins with, or where to go instead: the open
    draft of that form, or the page saying it cannot be started by this person now."""
    language = request_language(request)
    service = TransferService(session, popo.registry, popo.settings.base_url)
    run = service.running(transfer)
    actors = actors_for(run.procedure, transfer, who.roles)
    present = {s.form_id for s in service.forms_sent(transfer)}
    open_drafts = {
        d.form_id: d.id
        for d in session.scalars(
            select(Draft).where(Draft.transfer_id == transfer.id, Draft.status == "open")
        )
    }
    if form_id in open_drafts:
        return Redirect(f"/drafts/{open_drafts[form_id]}", status_code=303)
    if form_id not in _startable_forms(popo, run.procedure, transfer, actors, present):
        return _transfer_page(
            request,
            popo,
            session,
            transfer,
            who,
            400,
            refusal=i18n.gettext(
                language, "This form cannot be started for this transfer by you now."
            ),
        )
    organisation = next(
        (
            s
            for s in (transfer.sending_school_id, transfer.receiving_school_id)
            if any(r.organisation_id == s and r.role in scope.WRITING_ROLES for r in who.roles)
        ),
        None,
    )
    pupil = session.get(Pupil, transfer.pupil_id)
    assert pupil is not None
    number = pupils.readable_number(session, popo.settings, pupil, who, actor(request, who))
    service = TransferService(session, popo.registry, popo.settings.base_url)
    return _Start(
        organisation, pupil, {**service.prefill(transfer), **pupils.prefill(pupil, number)}
    )


@post("/transfers/{transfer_id:uuid}/forms/{form_id:str}")
@in_thread
def start_form(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    transfer_id: FromPath[uuid.UUID],
    form_id: FromPath[str],
) -> Redirect | Response[str]:
    """Start a form for the transfer, prefilled from what POPO holds (pupil and transfer)."""
    language = request_language(request)
    with popo.db.session() as session:
        reached = reach_transfer(request, popo, session, transfer_id, PURPOSE_FORM)
        transfer, who = reached.obj, reached.who
        start = _may_start(request, popo, session, transfer, who, form_id)
        if not isinstance(start, _Start):
            return start
        forms = FormsService(session, popo.registry, popo.settings, popo.files)
        try:
            draft = forms.start(
                form_id,
                language,
                start.organisation,
                pupil_id=start.pupil.id,
                transfer_id=transfer.id,
                prefill=start.prefill,
            )
        except NotFound as exc:
            raise NotFoundException() from exc
        target = f"/drafts/{draft.id}"
    return Redirect(target, status_code=303)


@post(
    "/transfers/{transfer_id:uuid}/forms/{form_id:str}/oso",
    request_max_body_size=OSO_UPLOAD_LIMIT,
)
@in_thread
def start_form_from_oso(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
    transfer_id: FromPath[uuid.UUID],
    form_id: FromPath[str],
) -> Redirect | Response[str]:
    """Start the OKR for the transfer from the OSO dossier the school's administration system
    exported: linked to the transfer and the pupil, what the dossier does not hold prefilled
    from the pupil; the school then sees what the dossier did not carry."""
    language = request_language(request)
    upload = posted.uploads.get("dossier")
    with popo.db.session() as session:
        reached = reach_transfer(request, popo, session, transfer_id, PURPOSE_OSO)
        transfer, who = reached.obj, reached.who
        start = _may_start(request, popo, session, transfer, who, form_id)
        if not isinstance(start, _Start):
            return start
        forms = FormsService(session, popo.registry, popo.settings, popo.files)
        exchange = OsoExchange(forms)
        try:
            with session.begin_nested():  # a refused dossier leaves nothing behind
                draft, _ = exchange.start_from_dossier(
                    form_id,
                    upload.data if upload is not None else b"",
                    upload.filename if upload is not None else "",
                    language,
                    start.organisation,
                    pupil_id=start.pupil.id,
                    transfer_id=transfer.id,
                    prefill=start.prefill,
                )
        except NotFound as exc:
            raise NotFoundException() from exc
        except DossierError as exc:
            message = i18n.gettext(language, exc.message).format(**exc.params)
            return _transfer_page(request, popo, session, transfer, who, 400, refusal=message)
        target = f"/drafts/{draft.id}/oso-import"
    return Redirect(target, status_code=303)


# ---------------------------------------------------------------------- my work

MAX_WORK = 100  # open transfers looked at for one person's tasks, the first due first


@get("/work")
@in_thread
def my_work(request: Request[Any, Any, Any], popo: NamedDependency[AppState]) -> Response[str]:
    """What waits for this person: their tasks on open transfers, the drafts of their school
    being filled in, and the forms sent and received for transfers, newest first."""
    language = request_language(request)
    with popo.db.session() as session:
        who = guards.logged_in(request, session)
        service = TransferService(session, popo.registry, popo.settings.base_url)
        today = service.clock.today()
        open_transfers = list(
            session.scalars(
                queries.transfers(who, today)
                .where(Transfer.closed_at.is_(None), queries.changeable(who))
                .order_by(None)
                .order_by(*SORTS["due"])  # the first due first: the overdue are never cut off
                .limit(MAX_WORK)
            )
        )
        pupil_rows = {
            p.id: p
            for p in session.scalars(
                select(Pupil).where(Pupil.id.in_([t.pupil_id for t in open_transfers]))
            )
        }
        tasks = []
        for transfer in open_transfers:
            procedure = popo.registry.procedure(transfer.procedure_id, transfer.procedure_version)
            if procedure is None:
                continue
            actors = actors_for(procedure, transfer, who.roles)
            state = service.state(transfer)
            for task in state.tasks:
                if any(a.includes(*_pp(m)) for a in task.who for m in actors):
                    label = next(t.label for t in procedure.tasks if t.id == task.id)
                    pupil = pupil_rows.get(transfer.pupil_id)
                    tasks.append(
                        {
                            "transfer": transfer,
                            "pupil": _pupil_name(pupil) if pupil else "",
                            "label": localize(label, language),
                            "form": popo.registry.form_title(task.form, language)
                            if task.form
                            else None,
                        }
                    )
        unread = messages.MessageService(
            session, popo.registry, popo.settings, popo.files
        ).unread_by_transfer(who)
        with_messages = (
            list(
                session.scalars(
                    queries.transfers(who, today)
                    .where(Transfer.id.in_(list(unread)))
                    .limit(MAX_WORK)
                )
            )
            if unread
            else []
        )
        pupil_rows.update(
            (p.id, p)
            for p in session.scalars(
                select(Pupil).where(Pupil.id.in_([t.pupil_id for t in with_messages]))
            )
        )
        new_messages = [
            {
                "transfer": t,
                "pupil": _pupil_name(pupil_rows[t.pupil_id]) if t.pupil_id in pupil_rows else "",
                "count": unread[t.id],
            }
            for t in with_messages
        ]
        drafts = list(
            session.scalars(
                form_queries.drafts(who, "write", today).where(Draft.status == "open").limit(20)
            )
        )
        mine = [r.organisation_id for r in who.roles if r.role in scope.WRITING_ROLES]
        submissions = list(
            session.scalars(
                select(Submission, Transfer)
                .join(Transfer, Transfer.id == Submission.transfer_id)
                .where(queries.visible(who, today))
                .order_by(Submission.submitted_at.desc(), Submission.id)
                .limit(40)
            )
        )
        sent = [s for s in submissions if s.organisation_id in mine]
        received = [s for s in submissions if s.organisation_id not in mine]
        return page(
            request,
            "work.html",
            tasks=tasks,
            new_messages=new_messages,
            drafts=[(d, popo.registry.form_title(d.form_id, language)) for d in drafts],
            sent=[(s, popo.registry.form_title(s.form_id, language)) for s in sent],
            received=[(s, popo.registry.form_title(s.form_id, language)) for s in received],
        )


ROUTES = [
    register,
    new_transfer,
    start_transfer,
    transfer_page,
    take_step,
    start_form,
    my_work,
    deregistration_proof,
    okr_ready,
    start_form_from_oso,
]
