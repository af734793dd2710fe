"""The pages of 1Loket: the requests of a school and the SWV's desk (/support), starting a
request for a pupil (/support/new), a request's page with its steps, its form as the reader may
see it, its reports and timeline (/support/<id>), the SWV's own terms (/support/desk), the
parents' page on their link (/ol/<secret>), and the TLV on the receiving school's transfer
page. Thin: the rules are in service.py."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromPath
from litestar.response import Redirect
from sqlalchemy import and_, case, func, not_, null, or_, select
from sqlalchemy.orm import Session

from engine.evaluate import evaluate
from engine.messages import localize
from oso_mapping.dossier import MAX_DOSSIER_BYTES, DossierError
from renderers import i18n
from renderers.html import FormView

from .. import audit
from ..access import scope
from ..access.accounts import Principal
from ..clock import dutch_date
from ..forms.files import content_disposition
from ..forms.models import Attachment, Submission
from ..organisations.models import Organisation
from ..oso.service import UPLOAD_LIMIT
from ..pupils import service as pupils
from ..pupils.models import Pupil
from ..state import AppState
from ..statuses.workflow import TransitionRefused
from ..transfers import sections
from ..transfers.models import Transfer
from ..web import guards
from ..web.blocking import in_thread
from ..web.identity import actor
from ..web.language import request_language, templates
from ..web.pages import message_page, page
from ..web.posted import Posted
from ..web.scoped import Reached, reach, record
from . import rules
from .models import SupportParentLink, SupportRequest
from .service import (
    REFUSALS,
    LinkGone,
    NoSwv,
    SupportService,
    actors_for,
)

PURPOSE_SEE = audit.N_("see a support request")
PURPOSE_STEP = audit.N_("take a step on a support request")
PURPOSE_REPORT = audit.N_("download a report of a support request")
PURPOSE_START = audit.N_("start a support request")
PURPOSE_PARENTS = audit.N_("see the support request as a parent")
PURPOSE_TLV = audit.N_("see the TLV on a transfer")
PURPOSES = (PURPOSE_SEE, PURPOSE_STEP, PURPOSE_REPORT, PURPOSE_START, PURPOSE_PARENTS, PURPOSE_TLV)
# who reaches a request: its school's population (the school, its board, the SWV of its area
# under their agreements) and the SWV it is made to; one still being prepared (not submitted)
# only its school's own staff (PREPARING is read only by those who may change it)
PREPARING = SupportRequest.submitted_at.is_(None)
COLUMNS = (
    SupportRequest.school_id,
    case((PREPARING, null()), else_=SupportRequest.swv_id),  # the SWV's once submitted
)
PAGE_SIZE = 50
SEEN_WORDING = {
    "nl": "Ik heb deze aanvraag gelezen en teken haar voor gezien. Dat betekent dat ik weet wat "
    "de school aan het samenwerkingsverband vraagt; het betekent niet dat ik het met alles eens "
    "ben. Mijn eigen mening kan ik aan de school geven.",
    "en": "I have read this request and sign it as seen. This means that I know what the school "
    "asks of the samenwerkingsverband; it does not mean that I agree with everything. I can give "
    "my own view to the school.",
}
SHARE_WORDING = {
    "nl": "Dit rapport ({name}) mag het samenwerkingsverband {choice} voor deze aanvraag.",
    "en": "The samenwerkingsverband {choice} this report ({name}) for this request.",
}
CHOICE_WORDING = {
    "shared": {"nl": "inzien", "en": "may see"},
    "withheld": {"nl": "niet inzien", "en": "may not see"},
}


def _service(popo: AppState, session: Session) -> SupportService:
    return SupportService(session, popo.registry, popo.settings, popo.files, popo.settings.base_url)


def _number(popo: AppState, session: Session, pupil_id: uuid.UUID) -> str | None:
    """The pupil's number, which the audit log keys its lines by (the parents' access list
    finds them by it)."""
    pupil = session.get(Pupil, pupil_id)
    return pupils.number_of(popo.settings, pupil) if pupil is not None else None


def _record(
    request: Request[Any, Any, Any],
    popo: AppState,
    session: Session,
    who: Principal | None,
    changed: bool,
    row: SupportRequest,
    purpose: str,
) -> None:
    """Record a look at (or a change of) the request in the audit log, with its pupil (``who``
    None: a parent on their link)."""
    record(
        request, session, popo.audit_key, who, changed, "support_request", str(row.id),
        purpose, _number(popo, session, row.pupil_id),
    )  # fmt: skip


def reach_request(
    request: Request[Any, Any, Any],
    popo: AppState,
    session: Session,
    request_id: uuid.UUID,
    purpose: str | None,
) -> Reached[SupportRequest]:
    """The request this person may read (its school's population, or the SWV it is made to;
    while it is being prepared, only its school's own staff); 404 otherwise, never its data."""
    return reach(
        request,
        session,
        popo.audit_key,
        SupportRequest,
        request_id,
        column=COLUMNS,
        purpose=purpose,
        detail=lambda r: r.reference,
        pupil=lambda r: _number(popo, session, r.pupil_id),
        writers_only=PREPARING,
    )


def _writes_at_school(who: Principal, request_row: SupportRequest) -> bool:
    return any(
        r.organisation_id == request_row.school_id and r.role in scope.WRITING_ROLES
        for r in who.roles
    )


def _is_swv(who: Principal, request_row: SupportRequest) -> bool:
    return any(r.role == "swv" and r.organisation_id == request_row.swv_id for r in who.roles)


def _names(session: Session, ids: set[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return dict(
        session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(wanted))
        ).all()
    )  # type: ignore[arg-type]


def _pupil_name(pupil: Pupil | None) -> str:
    if pupil is None:
        return ""
    first = pupil.roepnaam or pupil.voornamen.split(" ")[0]
    return " ".join(p for p in (first, pupil.tussenvoegsel, pupil.achternaam) if p)


# ---------------------------------------------------------------------- lists


@get("/support")
@in_thread
def support_list(request: Request[Any, Any, Any], popo: NamedDependency[AppState]) -> Response[str]:
    """A school's requests, or the SWV's desk: the requests made to it, with the status, the
    decision's due date (overdue first) and the decision; filtered by kind and status."""
    language = request_language(request)
    kind = (request.query_params.get("kind") or "")[:30]
    state = (request.query_params.get("state") or "open")[:10]
    with popo.db.session() as session:
        who = guards.logged_in(request, session)
        service = _service(popo, session)
        today = service.clock.today()
        visible = and_(
            or_(*(scope.readable(c, who, today) for c in COLUMNS)),
            or_(not_(PREPARING), scope.writable(SupportRequest.school_id, who)),
        )
        query = select(SupportRequest).where(visible)
        desk = [r.organisation_id for r in who.roles if r.role == "swv" and r.organisation_id]
        if desk:  # the SWV's desk: what was submitted to it
            query = query.where(SupportRequest.submitted_at.is_not(None))
        if kind in rules.KINDS:
            query = query.where(SupportRequest.kind == kind)
        if state == "open":
            query = query.where(SupportRequest.closed_at.is_(None))
        elif state == "closed":
            query = query.where(SupportRequest.closed_at.is_not(None))
        total = int(session.scalar(scope.count(query)) or 0)
        overdue = int(
            session.scalar(
                scope.count(
                    query.where(SupportRequest.due_on < today, SupportRequest.closed_at.is_(None))
                )
            )
            or 0
        )
        rows = list(
            session.scalars(
                query.order_by(
                    SupportRequest.due_on.is_(None),
                    SupportRequest.due_on,
                    SupportRequest.updated_at.desc(),
                ).limit(PAGE_SIZE)
            )
        )
        pupil_rows = {
            p.id: p
            for p in session.scalars(
                select(Pupil).where(Pupil.id.in_([r.pupil_id for r in rows] or [uuid.uuid4()]))
            )
        }
        names = _names(session, {r.school_id for r in rows})
        for row in rows:
            _record(
                request, popo, session, who, False, row, f"{PURPOSE_SEE}: {row.reference} (list)"
            )
        items = [
            {
                "id": r.id,
                "reference": r.reference,
                "kind": service.kind_label(r, language),
                "pupil": _pupil_name(pupil_rows.get(r.pupil_id)),
                "school": names.get(r.school_id, ""),
                "status": service.status_label(r, language),
                "due_on": r.due_on,
                "overdue": r.due_on is not None and r.due_on < today and r.closed_at is None,
                "decision_number": r.decision_number,
                "submitted": r.submitted_at,
            }
            for r in rows
        ]
        can_start = scope.home_school(who) is not None
        return page(
            request,
            "support_list.html",
            items=items,
            total=total,
            overdue=overdue,
            kind=kind,
            state=state,
            kinds=[(k, localize(v, language)) for k, v in rules.KINDS.items()],
            desk=bool(desk),
            can_start=can_start,
        )


# ---------------------------------------------------------------------- starting


@get("/support/new")
@in_thread
def new_request(request: Request[Any, Any, Any], popo: NamedDependency[AppState]) -> Response[str]:
    """Choose the kind of request and the pupil (the school's own pupils, found by name)."""
    language = request_language(request)
    search = (request.query_params.get("q") or "").strip()[:100]
    with popo.db.session() as session:
        who, home = guards.school_staff(request, session)
        return _new_page(request, popo, session, who, home, language, search, {}, {})


def _new_page(
    request: Request[Any, Any, Any],
    popo: AppState,
    session: Session,
    who: Principal,
    home: uuid.UUID,
    language: str,
    search: str,
    errors: dict[str, str],
    values: dict[str, str],
    status: int = 200,
) -> Response[str]:
    service = _service(popo, session)
    school = session.get(Organisation, home)
    offered = service.offered(school.region if school else None)
    query = select(Pupil).where(Pupil.current_school_id == home)
    if search:
        like = f"%{search.lower()}%"
        query = query.where(
            or_(func.lower(Pupil.achternaam).like(like), func.lower(Pupil.voornamen).like(like))
        )
    pupils_found = list(
        session.scalars(query.order_by(Pupil.achternaam, Pupil.voornamen).limit(50))
    )
    transfers = list(
        session.scalars(
            select(Transfer)
            .where(
                Transfer.sending_school_id == home,
                Transfer.closed_at.is_(None),
                Transfer.pupil_id.in_([p.id for p in pupils_found] or [uuid.uuid4()]),
            )
            .order_by(Transfer.created_at.desc())
        )
    )
    names = _names(session, {t.receiving_school_id for t in transfers})
    return page(
        request,
        "support_new.html",
        status=status,
        kinds=[
            {
                "id": p.id,
                "title": localize(p.title, language),
                "kind": p.support.kind if p.support else "",
            }
            for p in offered
        ],
        pupils=[
            {"id": p.id, "name": _pupil_name(p), "born": p.geboortedatum} for p in pupils_found
        ],
        transfers=[
            {
                "id": t.id,
                "pupil_id": t.pupil_id,
                "reference": t.reference,
                "school": names.get(t.receiving_school_id, ""),
            }
            for t in transfers
        ],
        search=search,
        errors=errors,
        values=values,
        swv=school is not None and school.swv_id is not None,
    )


def _dossier_too_large(
    request: Request[Any, Any, Any], exc: RequestEntityTooLarge
) -> Response[str]:
    language = request_language(request)
    return message_page(
        request,
        language,
        i18n.gettext(language, "The dossier is too large"),
        i18n.gettext(language, "An OSO dossier may be at most %(limit)d MB.")
        % {"limit": MAX_DOSSIER_BYTES // (1024 * 1024)},
        status=413,
    )


@post(
    "/support/new",
    request_max_body_size=UPLOAD_LIMIT,
    exception_handlers={RequestEntityTooLarge: _dossier_too_large},
)
@in_thread
def start_request(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
) -> Response[str] | Redirect:
    """Start the request: a draft of its form, begun with what POPO holds of the pupil (its
    latest OKR included), opens for the school to complete."""
    language = request_language(request)
    values = {k: (posted.get(k) or "").strip()[:100] for k in ("procedure", "pupil", "transfer")}
    _ = lambda text: i18n.gettext(language, text)  # noqa: E731
    with popo.db.session() as session:
        who, home = guards.school_staff(request, session)
        service = _service(popo, session)
        school = session.get(Organisation, home)
        offered = {p.id: p for p in service.offered(school.region if school else None)}
        errors: dict[str, str] = {}
        procedure = offered.get(values["procedure"])
        if procedure is None:
            errors["procedure"] = _("Choose the kind of request.")
        pupil = None
        try:
            pupil = session.get(Pupil, uuid.UUID(values["pupil"])) if values["pupil"] else None
        except ValueError:
            pupil = None
        if pupil is None or pupil.current_school_id != home:
            errors["pupil"] = _("Choose a pupil of your school.")
        transfer = None
        if values["transfer"] and pupil is not None:
            try:
                transfer = session.get(Transfer, uuid.UUID(values["transfer"]))
            except ValueError:
                transfer = None
            if (
                transfer is None
                or transfer.pupil_id != pupil.id
                or transfer.sending_school_id != home
            ):
                transfer = None
                errors["transfer"] = _("Choose a transfer of this pupil from your school, or none.")
        if errors or procedure is None or pupil is None or school is None:
            return _new_page(request, popo, session, who, home, language, "", errors, values, 400)
        upload = posted.uploads.get("dossier")
        dossier = (upload.data, upload.filename) if upload is not None and upload.data else None
        number = pupils.readable_number(session, popo.settings, pupil, who, actor(request, who))
        try:
            with session.begin_nested():  # a refused dossier leaves nothing behind
                created = service.start(
                    procedure,
                    pupil,
                    school,
                    number=number,
                    actor_id=who.user_id,
                    actor_name=who.name,
                    role=next(
                        (r.role for r in who.roles if r.organisation_id == home), "medewerker"
                    ),
                    language=language,
                    transfer=transfer,
                    dossier=dossier,
                )
        except DossierError as refused:
            errors["dossier"] = i18n.gettext(language, refused.message).format(**refused.params)
            return _new_page(request, popo, session, who, home, language, "", errors, values, 400)
        except NoSwv:
            errors["procedure"] = _(
                "Your school belongs to no samenwerkingsverband in POPO; ask the administrator."
            )
            return _new_page(request, popo, session, who, home, language, "", errors, values, 400)
        _record(request, popo, session, who, True, created, f"{PURPOSE_START}: {created.reference}")
        draft_id = created.draft_id
    target = f"/drafts/{draft_id}/oso-import" if dossier is not None else f"/drafts/{draft_id}"
    return Redirect(target, status_code=303)


# ---------------------------------------------------------------------- a request


def _request_page(
    request: Request[Any, Any, Any],
    popo: AppState,
    session: Session,
    row: SupportRequest,
    who: Principal,
    *,
    refusal: str | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response[str]:
    language = request_language(request)
    service = _service(popo, session)
    procedure = service.procedure(row)
    actors = actors_for(procedure, row, who.roles)
    writes = _writes_at_school(who, row)
    swv = _is_swv(who, row)
    actions = service.actions(row, actors)
    pupil = session.get(Pupil, row.pupil_id)
    names = _names(session, {row.school_id, row.swv_id, row.receiving_school_id})
    submission = session.get(Submission, row.submission_id) if row.submission_id else None
    answers: list[Any] = []
    if submission is not None:
        entry = popo.registry.get(submission.form_id, submission.form_version)
        if entry is not None:
            shown = service.shown_answers(row, submission, whole=writes)
            state = evaluate(entry.form, shown, dutch_date(submission.submitted_at))
            answers = FormView(entry.form, state, language, sent=True).answers()
    reports = service.reports(row)
    decisions = service.report_decisions(row)
    shared = service.shared_reports(row)
    seen = service.seen(row)
    blocked = []
    for step, why in actions.blocked:
        if why.startswith("form:"):
            text = i18n.gettext(language, "Send the request's form first.")
        else:
            text = localize(REFUSALS["not_signed"], language)
        blocked.append({"label": localize(step.label, language), "why": text})
    transfer = session.get(Transfer, row.transfer_id) if row.transfer_id else None
    return page(
        request,
        "support_request.html",
        status=status,
        row=row,
        kind=service.kind_label(row, language),
        status_label=service.status_label(row, language),
        pupil=_pupil_name(pupil),
        born=pupil.geboortedatum if pupil else None,
        school=names.get(row.school_id, ""),
        swv_name=names.get(row.swv_id, ""),
        receiving=names.get(row.receiving_school_id, "") if row.receiving_school_id else "",
        transfer=transfer,
        steps=[
            {"id": s.id, "label": localize(s.label, language), "records": s.records}
            for s in actions.possible
        ],
        blocked=blocked,
        tasks=service.tasks(row, language),
        weeks=service.weeks(row, procedure),
        overdue=service.overdue(row),
        today=service.clock.today(),
        draft_open=row.submission_id is None and writes,
        submission=submission,
        answers=answers,
        reports=[
            {
                "id": r.id,
                "kind": r.kind,
                "description": r.description,
                "name": r.name,
                "sensitive": r.sensitive,
                "decision": decisions[r.id].decision if r.id in decisions else None,
                "shown": writes or r.id in shared,
            }
            for r in reports
        ],
        seen=seen,
        writes=writes,
        swv=swv,
        guardians=service.guardians(row),
        parents_sign=bool(procedure.support and procedure.support.parents_sign),
        timeline=service.timeline(row, language),
        refusal=refusal,
        values=values or {},
        tlv_kinds=[(k, localize(v, language)) for k, v in rules.TLV_KINDS.items()],
        tlv_categories=[(k, localize(v, language)) for k, v in rules.TLV_CATEGORIES.items()],
        asked_tlv_kind=service._asked(row, "tlv_soort") or "",
        asked_tlv_category=service._asked(row, "tlv_categorie") or "",
        swv_staff=service.staff(row.swv_id, ("swv",)) if swv else [],
    )


@get("/support/{request_id:uuid}")
@in_thread
def request_page(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    request_id: FromPath[uuid.UUID],
) -> Response[str]:
    with popo.db.session() as session:
        reached = reach_request(request, popo, session, request_id, PURPOSE_SEE)
        return _request_page(request, popo, session, reached.obj, reached.who)


DETAIL_KEYS = (
    "on",
    "meeting_on",
    "professionals",
    "content",
    "scope",
    "starts_on",
    "ends_on",
    "tlv_kind",
    "tlv_category",
    "reasons",
    "text",
)


@post("/support/{request_id:uuid}/steps/{step_id:str}")
@in_thread
def take_step(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
    request_id: FromPath[uuid.UUID],
    step_id: FromPath[str],
) -> Response[str] | Redirect:
    """Take a step; a refusal (a stale page, not now, not by this role, the parents did not
    sign yet, a date or text to correct) is told on the request's page, nothing changed and
    what was typed kept."""
    language = request_language(request)
    version_text = posted.get("version") or ""
    # a step names the version its page showed; without one it is as out of date as an old one
    version = int(version_text) if version_text.isdigit() and len(version_text) < 10 else -1
    limits = {"professionals": 2000, "content": 4000, "scope": 1000, "reasons": 4000, "text": 4000}
    typed = {key: posted.get(key) or "" for key in DETAIL_KEYS}
    too_long = next((k for k, v in typed.items() if len(v) > limits.get(k, 40)), None)
    details = {key: value[: limits.get(key, 40)] for key, value in typed.items()}
    with popo.db.session() as session:
        reached = reach_request(request, popo, session, request_id, PURPOSE_STEP)
        row, who = reached.obj, reached.who
        service = _service(popo, session)
        if too_long is not None:  # refused, not cut: nothing of what was typed is lost
            text = i18n.gettext(language, "A text is too long: at most %(max)d characters.")
            return _request_page(
                request, popo, session, row, who,
                refusal=text % {"max": limits.get(too_long, 40)},
                values={**typed, "step": step_id[:60]}, status=400,
            )  # fmt: skip
        actors = actors_for(service.procedure(row), row, who.roles)
        try:
            with session.begin_nested():
                service.take(
                    row,
                    step_id[:60],
                    actors=actors,
                    version=version,
                    actor_id=who.user_id,
                    actor_name=who.name,
                    details=details,
                )
        except TransitionRefused as refused:
            session.refresh(row)
            code = 409 if refused.code == "stale" else 403 if refused.code == "guard:who" else 400
            return _request_page(
                request,
                popo,
                session,
                row,
                who,
                refusal=refused.text(language),
                values={**details, "step": step_id[:60]},
                status=code,
            )
    return Redirect(f"/support/{request_id}", status_code=303)


@post("/support/{request_id:uuid}/parents")
@in_thread
def ask_parents(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
    request_id: FromPath[uuid.UUID],
) -> Response[str] | Redirect:
    """The school mails each guardian with gezag a link of their own to read the request,
    sign it and decide on its reports."""
    language = request_language(request)
    with popo.db.session() as session:
        reached = reach_request(request, popo, session, request_id, PURPOSE_STEP)
        row, who = reached.obj, reached.who
        if not _writes_at_school(who, row):
            raise NotFoundException()
        service = _service(popo, session)
        if row.submission_id is None or row.submitted_at is not None:
            text = i18n.gettext(
                language,
                "The parents read the request once its form is sent, before it goes to the SWV.",
            )
            return _request_page(request, popo, session, row, who, refusal=text, status=400)
        mailed = service.invite_parents(row, created_by=who.user_id, language=language)
        if not mailed:
            text = i18n.gettext(
                language,
                "POPO knows no e-mail address of a parent with gezag of this pupil. "
                "Add it to the pupil's data and ask again.",
            )
            return _request_page(request, popo, session, row, who, refusal=text, status=400)
    return Redirect(f"/support/{request_id}?asked=1", status_code=303)


@get("/support/{request_id:uuid}/reports/{report_id:uuid}")
@in_thread
def download_report(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    request_id: FromPath[uuid.UUID],
    report_id: FromPath[uuid.UUID],
) -> Response[bytes]:
    """A report of the request: for the school that wrote it; for the SWV only a report that
    is not medical or psychological, or one the parents shared. Anything else is 404."""
    with popo.db.session() as session:
        reached = reach_request(request, popo, session, request_id, None)
        row, who = reached.obj, reached.who
        service = _service(popo, session)
        allowed = (
            {r.id for r in service.reports(row)}
            if _writes_at_school(who, row)
            else service.shared_reports(row)
        )
        if str(report_id) not in allowed:
            raise NotFoundException()
        attachment = session.get(Attachment, report_id)
        if attachment is None or attachment.draft_id != row.draft_id:
            raise NotFoundException()
        _record(request, popo, session, who, False, row, f"{PURPOSE_REPORT}: {row.reference}")
        data = popo.files.get(attachment.sha256)
        media_type, filename = attachment.media_type, attachment.filename
    return Response(
        data,
        media_type=media_type,
        headers={
            "Content-Disposition": content_disposition(filename),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


# ---------------------------------------------------------------------- the SWV's desk


def _desk_of(who: Principal) -> uuid.UUID:
    for role in who.roles:
        if role.role == "swv" and role.organisation_id is not None:
            return role.organisation_id
    raise NotFoundException()


@get("/support/desk")
@in_thread
def desk_page(request: Request[Any, Any, Any], popo: NamedDependency[AppState]) -> Response[str]:
    """The SWV's own terms per kind of request (weeks after the request is complete)."""
    with popo.db.session() as session:
        who = guards.logged_in(request, session)
        return _desk_page(request, popo, session, _desk_of(who), {}, {})


def _desk_page(
    request: Request[Any, Any, Any],
    popo: AppState,
    session: Session,
    swv_id: uuid.UUID,
    errors: dict[str, str],
    values: dict[str, str],
    status: int = 200,
) -> Response[str]:
    language = request_language(request)
    service = _service(popo, session)
    swv = session.get(Organisation, swv_id)
    own = service.desk(swv_id).decision_weeks or {}
    rows = []
    for procedure in service.offered(swv.region if swv else None):
        kind = procedure.support.kind if procedure.support else ""
        rows.append(
            {
                "kind": kind,
                "title": localize(procedure.title, language),
                "default": procedure.support.decision_weeks if procedure.support else 6,
                "own": values.get(kind, str(own.get(kind, ""))),
            }
        )
    return page(
        request,
        "support_desk.html",
        status=status,
        rows=rows,
        errors=errors,
        swv=swv,
        saved=request.query_params.get("saved"),
    )


@post("/support/desk")
@in_thread
def save_desk(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
) -> Response[str] | Redirect:
    language = request_language(request)
    with popo.db.session() as session:
        who = guards.logged_in(request, session)
        swv_id = _desk_of(who)
        service = _service(popo, session)
        values = {k: (posted.get(k) or "").strip()[:4] for k in rules.KINDS}
        errors = {}
        for kind, text in values.items():
            if text and not (text.isdigit() and 1 <= int(text) <= 52):
                errors[kind] = localize(rules.MESSAGES["weeks_range"], language)
        if errors:
            return _desk_page(request, popo, session, swv_id, errors, values, 400)
        for kind, text in values.items():
            service.set_weeks(swv_id, kind, int(text) if text else None)
    return Redirect("/support/desk?saved=1", status_code=303)


# ---------------------------------------------------------------------- the parents


def _by_link(
    popo: AppState, session: Session, token: str
) -> tuple[SupportService, SupportParentLink, SupportRequest]:
    service = _service(popo, session)
    try:
        link = service.link(token[:100])
    except LookupError as exc:
        raise NotFoundException() from exc
    row = session.get(SupportRequest, link.request_id)
    if row is None:
        raise NotFoundException()
    return service, link, row


def _parents_page(
    request: Request[Any, Any, Any],
    popo: AppState,
    session: Session,
    service: SupportService,
    link: SupportParentLink,
    row: SupportRequest,
    token: str,
    *,
    message: str | None = None,
    status: int = 200,
) -> Response[str]:
    language = request_language(request)
    submission = session.get(Submission, row.submission_id) if row.submission_id else None
    answers: list[Any] = []
    if submission is not None:
        entry = popo.registry.get(submission.form_id, submission.form_version)
        if entry is not None:
            state = evaluate(entry.form, submission.answers, dutch_date(submission.submitted_at))
            answers = FormView(entry.form, state, language, sent=True).answers()
    decisions = service.report_decisions(row)
    names = _names(session, {row.school_id, row.swv_id})
    return page(
        request,
        "support_parents.html",
        status=status,
        row=row,
        token=token,
        kind=service.kind_label(row, language),
        status_label=service.status_label(row, language),
        school=names.get(row.school_id, ""),
        swv_name=names.get(row.swv_id, ""),
        answers=answers,
        reports=[
            {
                "id": r.id,
                "kind": r.kind,
                "description": r.description,
                "name": r.name,
                "decision": decisions[r.id].decision if r.id in decisions else None,
            }
            for r in service.reports(row)
            if r.sensitive
        ],
        seen=service.seen(row),
        seen_wording=localize(SEEN_WORDING, language),
        submitted=row.submitted_at is not None,
        message=message,
    )


@get("/ol/{token:str}")
@in_thread
def parents_page(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], token: FromPath[str]
) -> Response[str]:
    """The request as the parents read it: what the school asks, its form, each medical or
    psychological report with their choice (none made for them), and "voor gezien"."""
    language = request_language(request)
    with popo.db.session() as session:
        try:
            service, link, row = _by_link(popo, session, token)
        except LinkGone:
            return _gone(request, language)
        _record(request, popo, session, None, False, row, PURPOSE_PARENTS)
        return _parents_page(
            request, popo, session, service, link, row, token, message=_done(request, language)
        )


def _done(request: Request[Any, Any, Any], language: str) -> str | None:
    done = request.query_params.get("done")
    if done == "seen":
        return i18n.gettext(
            language, "Thank you: you signed the request as seen. The school can now submit it."
        )
    if done == "reports":
        return i18n.gettext(language, "Your choice for the reports is recorded.")
    return None


def _gone(request: Request[Any, Any, Any], language: str) -> Response[str]:
    return message_page(
        request,
        language,
        i18n.gettext(language, "This link no longer works"),
        i18n.gettext(language, "Ask the school for a new link: it can mail you one again."),
        status=410,
    )


@post("/ol/{token:str}/seen")
@in_thread
def parents_seen(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
    token: FromPath[str],
) -> Response[str] | Redirect:
    language = request_language(request)
    with popo.db.session() as session:
        try:
            service, link, row = _by_link(popo, session, token)
        except LinkGone:
            return _gone(request, language)
        if posted.get("seen") != "yes":
            text = i18n.gettext(language, "Tick the box to sign the request as seen.")
            return _parents_page(
                request, popo, session, service, link, row, token, message=text, status=400
            )
        if service.seen(row) is None and row.submitted_at is None:
            service.decide(row, link, "seen", localize(SEEN_WORDING, language), language)
        _record(request, popo, session, None, True, row, PURPOSE_PARENTS)
    return Redirect(f"/ol/{token}?done=seen", status_code=303)


@post("/ol/{token:str}/reports")
@in_thread
def parents_reports(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
    token: FromPath[str],
) -> Response[str] | Redirect:
    """The parents' choice per medical or psychological report: shared or withheld. A report
    they leave open stays unseen by the SWV; they can change a choice later."""
    language = request_language(request)
    with popo.db.session() as session:
        try:
            service, link, row = _by_link(popo, session, token)
        except LinkGone:
            return _gone(request, language)
        decisions = service.report_decisions(row)
        changed = 0
        for report in service.reports(row):
            if not report.sensitive:
                continue
            choice = posted.get(f"report_{report.id}")
            if choice not in ("shared", "withheld"):
                continue
            if report.id in decisions and decisions[report.id].decision == choice:
                continue
            wording = localize(SHARE_WORDING, language).format(
                name=report.description or report.name,
                choice=localize(CHOICE_WORDING[choice], language),
            )
            service.decide(row, link, choice, wording, language, report=report.id)
            changed += 1
        if not changed:
            text = i18n.gettext(
                language, "Choose for each report whether the samenwerkingsverband may see it."
            )
            return _parents_page(
                request, popo, session, service, link, row, token, message=text, status=400
            )
        _record(request, popo, session, None, True, row, PURPOSE_PARENTS)
    return Redirect(f"/ol/{token}?done=reports", status_code=303)


# ---------------------------------------------------------------------- the transfer


@sections.staff_section
def _tlv_on_transfer(context: sections.PageContext) -> str | None:
    """On a transfer's page, for its schools: the TLV the SWV granted for it (number, kind,
    category, start and end). The request itself stays with the pupil's school and the SWV."""
    session = context.session
    rows = list(
        session.scalars(
            select(SupportRequest).where(
                SupportRequest.transfer_id == context.transfer.id,
                SupportRequest.kind == "tlv",
                SupportRequest.decision == "granted",
            )
        )
    )
    if not rows:
        return None
    language = context.language
    return (
        templates(language)
        .get_template("support_tlv_section.html")
        .render(
            tlvs=[
                {
                    "number": r.decision_number,
                    "kind": localize(rules.TLV_KINDS.get(r.tlv_kind or "", {"en": ""}), language),
                    "category": localize(rules.TLV_CATEGORIES[r.tlv_category], language)
                    if r.tlv_category in rules.TLV_CATEGORIES
                    else "",
                    "starts_on": r.starts_on,
                    "ends_on": r.ends_on,
                    "decided_on": r.decided_on,
                }
                for r in rows
            ]
        )
    )


ROUTES = [
    support_list,
    new_request,
    start_request,
    desk_page,
    save_desk,
    request_page,
    take_step,
    ask_parents,
    download_report,
    parents_page,
    parents_seen,
    parents_reports,
]
