"""The pages of aanmeldcodes and consent.

- The sending school: the code on the advice's submission page (shown, renewed, withdrawn,
  its letter as PDF), the requests made with it, and a consent given on paper.
- The receiving school: ``/consent``, where a code is entered with the birth date and the
  school's requests are listed; a request's page, which shows nothing of the pupil until the
  parents consent and then only the sections they ticked.
- The parents: a section on their link's page with their child's codes and the schools'
  requests, to give, refuse or withdraw consent.

Every page that shows pupil data reaches it through web/scoped.reach or the parents' link
and is recorded in the audit log.
"""

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

from renderers import i18n
from renderers.pdf import CodeLetterInfo

from ..access import scope
from ..forms import files as file_types
from ..forms.models import Submission
from ..forms.service import on_submission_page, private_forms
from ..forms.settings import FormsSettings
from ..organisations.models import Organisation
from ..pupils import service as pupils
from ..pupils.models import Guardian, Pupil
from ..refusals import ReadOnly
from ..state import AppState
from ..transfers import sections
from ..transfers.parent_routes import PURPOSE_PARENTS_SEE, by_link
from ..web import guards, identity
from ..web.blocking import in_thread, in_thread_taking
from ..web.language import request_language, templates
from ..web.pages import html, language_url, message_page
from ..web.posted import Posted
from ..web.scoped import Reached, reach, record
from . import codes, letter
from .models import ConsentRecord, ConsentRequest, RegistrationCode
from .service import ConsentService, TooManyAttempts, form_view


def N_(message: str) -> str:
    return message


PURPOSE_CODE = N_("see the aanmeldcode")
PURPOSE_CODE_CHANGE = N_("renew or withdraw the aanmeldcode")
PURPOSE_REQUEST = N_("see a consent request")
PURPOSE_CONSENTED = N_("see data with the parents' consent")
PURPOSE_PAPER = N_("record a consent given on paper")
PURPOSE_ENTER = N_("enter an aanmeldcode")
PURPOSE_PARENTS_CONSENT = N_("decide on consent")
PURPOSES = (
    PURPOSE_CODE,
    PURPOSE_CODE_CHANGE,
    PURPOSE_REQUEST,
    PURPOSE_CONSENTED,
    PURPOSE_PAPER,
    PURPOSE_ENTER,
    PURPOSE_PARENTS_CONSENT,
)

ENTRY_SECONDS = 0.5  # every entry of a code is answered after this long, whatever it found

STATES = {
    "waiting": N_("Waiting for the parents' consent"),
    "given": N_("The parents gave consent"),
    "refused": N_("The parents did not give consent"),
    "withdrawn": N_("The parents withdrew their consent"),
    "lapsed": N_("No consent came: the request has lapsed"),
}
CODE_STATES = {
    "active": N_("Works"),
    "expired": N_("Expired"),
    "withdrawn": N_("Withdrawn by the school"),
    "renewed": N_("Replaced by a new code"),
    "locked": N_("Stopped after too many wrong birth dates"),
}
UNREADABLE = {
    "length": N_("An aanmeldcode has 12 characters, such as A7K2-M9QX-4TRE. Check the code."),
    "character": N_(
        "An aanmeldcode has only digits and the letters A to Z without I, L, O and U. "
        "Check the code."
    ),
    "prefix": N_("An aanmeldcode starts with the letter A. Check the code."),
    "check": N_("This code contains a typing error. Check each character with the parents."),
}
LIMITS = {
    "user": N_("You entered too many codes that did not lead anywhere. Try again in an hour."),
    "school": N_(
        "Too many codes that did not lead anywhere were entered at your school. Try again in "
        "an hour."
    ),
    "address": N_(
        "Too many codes that did not lead anywhere were entered from this network. Try again "
        "in an hour."
    ),
}
PAPER_TYPES = ("application/pdf", "image/jpeg", "image/png")


def _t(language: str, message: str, **values: str) -> str:
    text = i18n.gettext(language, message)
    return text % values if values else text


def _render(
    request: Request[Any, Any, Any], template: str, status: int = 200, **values: Any
) -> Response[str]:
    language = request_language(request)
    content = (
        templates(language)
        .get_template(template)
        .render(language_url=language_url(request), **values)
    )
    return html(content, status)


def _service(popo: AppState, session: Session) -> ConsentService:
    return ConsentService(session, popo.settings)


def _names(session: Session, ids: set[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return {
        o.id: o.name
        for o in session.scalars(select(Organisation).where(Organisation.id.in_(wanted)))
    }


def _number(popo: AppState, session: Session, pupil_id: uuid.UUID | None) -> str | None:
    pupil = session.get(Pupil, pupil_id) if pupil_id else None
    return pupils.number_of(popo.settings, pupil) if pupil is not None else None


# ---------------------------------------------------------------------- the sending school


def _code_reach(
    request: Request[Any, Any, Any],
    popo: AppState,
    session: Session,
    code_id: uuid.UUID,
    purpose: str | None,
) -> Reached[RegistrationCode]:
    """A code as its school's staff reach it (another organisation's is 404; a reading role
    may look but not change)."""
    return reach(
        request,
        session,
        popo.settings.audit_key,
        RegistrationCode,
        code_id,
        column=RegistrationCode.organisation_id,
        purpose=purpose,
        pupil=lambda code: _number(popo, session, code.pupil_id),
    )


def _panel_values(
    popo: AppState, session: Session, submission: Submission, language: str, writes: bool
) -> dict[str, Any] | None:
    service = _service(popo, session)
    code = service.current(submission.id)
    if code is None:
        return None
    state = service.state_of(code)
    requests = service.of_advice(submission.id)
    schools = _names(session, {r.request.school_id for r in requests})
    guardians = service.guardians(code.pupil_id) if code.pupil_id else []
    offered: dict[uuid.UUID, Any] = {}
    for view in requests:
        if view.state in ("waiting", "refused", "withdrawn"):
            offered[view.request.id] = service.offered(view.request, popo.registry, language)
    return {
        "code": code,
        "code_text": service.text(code) if state == "active" else None,
        "code_state": state,
        "code_state_text": i18n.gettext(language, CODE_STATES[state]),
        "writes": writes,
        "requests": requests,
        "schools": schools,
        "states": {k: i18n.gettext(language, v) for k, v in STATES.items()},
        "guardians": guardians,
        "offered": offered,
        "weeks": service.options.code_weeks,
    }


@on_submission_page
def code_panel(
    popo: AppState, session: Session, submission: Submission, language: str, writes: bool
) -> str | None:
    """The advice's aanmeldcode on its submission page, for the school that set it."""
    values = _panel_values(popo, session, submission, language, writes)
    if values is None:
        return None
    return templates(language).get_template("consent_code_panel.html").render(**values)


def _submission_page(session: Session, code: RegistrationCode) -> str:
    submission = session.get(Submission, code.submission_id)
    assert submission is not None
    return f"/drafts/{submission.draft_id}/submission#aanmeldcode"


@post("/consent/codes/{code_id:uuid}/renew")
@in_thread
def renew_code(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], code_id: FromPath[uuid.UUID]
) -> Redirect:
    with popo.db.session() as session:
        code = _code_reach(request, popo, session, code_id, PURPOSE_CODE_CHANGE).obj
        who = guards.logged_in(request, session)
        _service(popo, session).renew(code, who.user_id)
        back = _submission_page(session, code)
    return Redirect(back, status_code=303)


@get("/consent/codes/{code_id:uuid}/withdraw")
@in_thread
def withdraw_code_question(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], code_id: FromPath[uuid.UUID]
) -> Response[str]:
    with popo.db.session() as session:
        reached = _code_reach(request, popo, session, code_id, None)
        if not reached.writes:
            raise ReadOnly()
        back = _submission_page(session, reached.obj)
    return _render(request, "consent_code_withdraw.html", code_id=code_id, back=back)


@post("/consent/codes/{code_id:uuid}/withdraw")
@in_thread
def withdraw_code(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], code_id: FromPath[uuid.UUID]
) -> Redirect:
    with popo.db.session() as session:
        code = _code_reach(request, popo, session, code_id, PURPOSE_CODE_CHANGE).obj
        who = guards.logged_in(request, session)
        _service(popo, session).withdraw(code, who.user_id)
        back = _submission_page(session, code)
    return Redirect(back, status_code=303)


def _letter_of(
    popo: AppState, session: Session, code: RegistrationCode, language: str
) -> CodeLetterInfo:
    """What the letter of a working code says (404 for a code that no longer works)."""
    service = _service(popo, session)
    if service.state_of(code) != "active":
        raise NotFoundException()
    pupil = session.get(Pupil, code.pupil_id) if code.pupil_id else None
    school = session.get(Organisation, code.organisation_id)
    return letter.info(
        language,
        code=service.text(code),
        expires_on=code.expires_at,
        child=(pupil.roepnaam or pupil.voornamen) if pupil is not None else "",
        school=school.name if school is not None else "",
        now=service.clock.now(),
    )


def _letter_response(popo: AppState, info: CodeLetterInfo) -> Response[Any]:
    """The letter, rendered after the request's transaction is done."""
    return Response(
        letter.render(popo, info),
        media_type="application/pdf",
        headers={
            "Content-Disposition": 'attachment; filename="aanmeldcode.pdf"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "Referrer-Policy": "no-referrer",
        },
    )


@get("/consent/codes/{code_id:uuid}/letter.pdf")
@in_thread
def code_letter(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], code_id: FromPath[uuid.UUID]
) -> Response[Any]:
    """The letter with the code for the parents, made when asked: the code is not stored, so
    neither is a letter that shows it."""
    with popo.db.session() as session:
        code = _code_reach(request, popo, session, code_id, PURPOSE_CODE).obj
        info = _letter_of(popo, session, code, request_language(request))
    return _letter_response(popo, info)


def _scope_of(posted: Posted) -> dict[str, list[str]]:
    """The ticked sections, posted as ``section`` values ``<submission id>:<section id>``."""
    scope: dict[str, list[str]] = {}
    for value in posted.values.get("section", []):
        submission_id, _, section_id = value.partition(":")
        if submission_id and section_id:
            scope.setdefault(submission_id, []).append(section_id)
    return scope


@post("/consent/requests/{request_id:uuid}/paper")
@in_thread
def paper_consent(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
    request_id: FromPath[uuid.UUID],
) -> Response[str] | Redirect:
    """The sending school records a consent (or refusal) the parents signed on paper, with
    the scan; reached through the code's school."""
    language = request_language(request)
    with popo.db.session() as session:
        asked = session.get(ConsentRequest, request_id)
        if asked is None or asked.code_id is None:
            raise NotFoundException()
        reached = _code_reach(request, popo, session, asked.code_id, PURPOSE_PAPER)
        code, who = reached.obj, reached.who
        back = _submission_page(session, code)
        service = _service(popo, session)
        problem = None
        decision = posted.get("decision")
        guardian = None
        try:
            guardian_id = uuid.UUID(posted.get("guardian"))
        except ValueError:
            guardian_id = None
        if guardian_id is not None:
            guardian = session.get(Guardian, guardian_id)
        scope = _scope_of(posted)
        upload = posted.uploads.get("paper")
        paper = None
        if service.view(asked).state == "lapsed":
            problem = LAPSED
        elif decision not in ("given", "refused"):
            problem = N_("Choose whether the parents gave consent or not.")
        elif guardian is None or guardian.pupil_id != code.pupil_id or not guardian.gezag:
            problem = N_("Choose the parent with parental authority who signed.")
        elif decision == "given" and not service.narrowed(asked, scope, popo.registry, language):
            problem = N_("Tick what the parents gave consent for.")
        elif upload is None:
            problem = N_("Add the signed form (PDF, JPEG or PNG).")
        else:
            limit = FormsSettings.of(popo.settings).max_upload_mb * 2**20
            media_type = file_types.sniff(upload.data)
            if len(upload.data) > limit:
                problem = N_("The file is too large.")
            elif media_type not in PAPER_TYPES:
                problem = N_("The signed form must be a PDF, JPEG or PNG file.")
            else:
                paper = {
                    "filename": upload.filename[:255],
                    "media_type": media_type,
                    "size": len(upload.data),
                    "sha256": popo.files.put(upload.data),
                }
        if problem is not None:
            return message_page(
                request,
                language,
                i18n.gettext(language, N_("The consent was not recorded")),
                i18n.gettext(language, problem),
                400,
                back_url=back,
                back_label=i18n.gettext(language, N_("Back to the advice")),
            )
        service.decide(
            asked,
            decision,
            scope=scope,
            guardian=guardian,
            channel="paper",
            language=language,
            registry=popo.registry,
            recorded_by=who,
            paper=paper,
        )
    return Redirect(back, status_code=303)


@get("/consent/records/{record_id:int}/paper")
@in_thread
def paper_file(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], record_id: FromPath[int]
) -> Response[Any]:
    """The scan of a consent given on paper, for the school that recorded it."""
    with popo.db.session() as session:
        guards.logged_in(request, session)  # a visitor learns nothing of which records exist
        found = session.get(ConsentRecord, record_id) if 0 < record_id < 2**31 else None
        asked = session.get(ConsentRequest, found.request_id) if found is not None else None
        if found is None or asked is None or asked.code_id is None or not found.paper_sha256:
            raise NotFoundException()
        _code_reach(request, popo, session, asked.code_id, PURPOSE_PAPER)
        digest, name, media_type = found.paper_sha256, found.paper_filename, found.paper_media_type
    return Response(
        popo.files.get(digest),
        media_type=media_type or "application/octet-stream",
        headers={
            "Content-Disposition": file_types.content_disposition(name or "toestemming"),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


# ---------------------------------------------------------------------- the receiving school


def _asking_schools(
    request: Request[Any, Any, Any], session: Session
) -> tuple[Any, list[uuid.UUID]]:
    """The person and the schools they may enter codes for: their writing roles' schools."""
    who = guards.logged_in(request, session)
    schools = [
        role.organisation_id
        for role in who.roles
        if role.role in scope.WRITING_ROLES
        and role.organisation_kind == "school"
        and role.organisation_id is not None
    ]
    return who, schools


def _requests_page(
    request: Request[Any, Any, Any],
    popo: AppState,
    session: Session,
    status: int = 200,
    problem: str | None = None,
    values: dict[str, str] | None = None,
    field: str | None = None,
) -> Response[str]:
    """The school's requests with the form to enter a code; a ``problem`` is shown in the error
    summary and at its ``field`` (the html id of the code or birth date input)."""
    language = request_language(request)
    _, schools = _asking_schools(request, session)
    if not schools:
        raise NotFoundException()
    service = _service(popo, session)
    requests = service.of_school(schools)
    return _render(
        request,
        "consent_requests.html",
        status,
        requests=requests,
        states={k: i18n.gettext(language, v) for k, v in STATES.items()},
        problem=problem,
        field=field,
        values=values or {},
        schools=_names(session, set(schools)),
    )


@get("/consent")
@in_thread
def requests_page(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState]
) -> Response[str]:
    with popo.db.session() as session:
        return _requests_page(request, popo, session)


@post("/consent")
@in_thread_taking(ENTRY_SECONDS)
def enter_code(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
) -> Response[str] | Redirect:
    """A code entered with the birth date. A code that cannot be one is answered at once;
    every other entry makes a request and is sent to its page, after the same time."""
    language = request_language(request)
    values = {k: posted.get(k) for k in ("code", "birth_date", "note")}
    with popo.db.session() as session:
        who, schools = _asking_schools(request, session)
        if not schools:
            raise NotFoundException()
        school_id = schools[0]
        if len(schools) > 1:
            try:
                chosen = uuid.UUID(posted.get("school"))
            except ValueError:
                chosen = None
            if chosen in schools:
                school_id = chosen
        try:
            born = date.fromisoformat(posted.get("birth_date"))
        except ValueError:
            return _requests_page(
                request,
                popo,
                session,
                400,
                i18n.gettext(language, N_("Enter the child's date of birth.")),
                values,
                "consent-birth",
            )
        try:
            codes.normalise(posted.get("code"))
        except codes.Unreadable as unreadable:
            return _requests_page(
                request,
                popo,
                session,
                400,
                i18n.gettext(language, UNREADABLE[unreadable.why]),
                values,
                "consent-code",
            )
        service = _service(popo, session)
        try:
            made = service.enter(
                who,
                school_id,
                posted.get("code"),
                born,
                identity.address(request),
                posted.get("note"),
            )
        except TooManyAttempts as refused:
            # answered as a page; the refused entry and the platform's alert are kept
            return _requests_page(
                request, popo, session, 429, i18n.gettext(language, LIMITS[refused.which]), values
            )
        record(
            request,
            session,
            popo.settings.audit_key,
            who,
            True,
            "consent_request",
            str(made.id),
            PURPOSE_ENTER,
        )
        target = f"/consent/{made.id}"
    return Redirect(target, status_code=303)


def _request_reach(
    request: Request[Any, Any, Any],
    popo: AppState,
    session: Session,
    request_id: uuid.UUID,
    purpose: str | None,
) -> Reached[ConsentRequest]:
    """A request as its school's staff reach it: 404 for anyone else."""
    reached = reach(
        request,
        session,
        popo.settings.audit_key,
        ConsentRequest,
        request_id,
        column=ConsentRequest.school_id,
        purpose=purpose,
    )
    if not reached.writes:  # only the school's own staff, not its board or SWV
        raise NotFoundException()
    return reached


@get("/consent/{request_id:uuid}")
@in_thread
def request_page(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    request_id: FromPath[uuid.UUID],
) -> Response[str]:
    """A request: its state and, with the parents' consent, what they let the school see."""
    language = request_language(request)
    with popo.db.session() as session:
        reached = _request_reach(request, popo, session, request_id, None)
        asked = reached.obj
        service = _service(popo, session)
        view = service.view(asked)
        consented = service.consented(asked)
        if consented:  # the page names the child and its forms: a look at its data
            record(
                request,
                session,
                popo.settings.audit_key,
                reached.who,
                False,
                "consent_request",
                str(asked.id),
                f"{PURPOSE_REQUEST}: {asked.reference}",
                _number(popo, session, asked.pupil_id),
            )
        forms = []
        if consented:
            for offered in service.offered(asked, popo.registry, language):
                chosen = consented.get(str(offered.submission.id))
                if chosen:
                    forms.append(
                        {
                            "submission": offered.submission,
                            "title": offered.title,
                            "sections": [s for s in offered.sections if s.id in chosen],
                            "whole": chosen >= {s.id for s in offered.sections},
                        }
                    )
        names = service.names(asked) if consented else {}
        return _render(
            request,
            "consent_request.html",
            view=view,
            state_text=i18n.gettext(language, STATES[view.state]),
            forms=forms,
            child=names.get("child", ""),
            from_school=names.get("from_school", ""),
        )


class NotConsented(NotFoundException):
    """A form of the school's own request that the parents' consent does not (or no longer)
    cover: "page not found", with the way back to the request."""

    def __init__(self, request_id: uuid.UUID) -> None:
        super().__init__()
        self.request_id = request_id


def not_consented(request: Request[Any, Any, Any], exc: NotConsented) -> Response[str]:
    language = request_language(request)
    return message_page(
        request,
        language,
        i18n.gettext(language, N_("Not visible")),
        i18n.gettext(
            language,
            N_(
                "The parents' consent does not cover this form (or no longer: they may have "
                "withdrawn it). The request's page says what you may see."
            ),
        ),
        404,
        back_url=f"/consent/{exc.request_id}",
        back_label=i18n.gettext(language, N_("Back to the request")),
    )


def _consented_submission(
    request: Request[Any, Any, Any],
    popo: AppState,
    session: Session,
    request_id: uuid.UUID,
    submission_id: uuid.UUID,
) -> tuple[ConsentRequest, Submission, set[str]]:
    """A sent form the parents let the request's school see, and the sections; 404 for any
    other, and from the moment consent is withdrawn."""
    asked = _request_reach(request, popo, session, request_id, None).obj
    chosen = _service(popo, session).consented(asked).get(str(submission_id))
    submission = session.get(Submission, submission_id) if chosen else None
    if submission is None or chosen is None or submission.form_id in private_forms(popo.registry):
        raise NotConsented(asked.id)  # a support request is never the new school's
    who = guards.logged_in(request, session)
    record(
        request,
        session,
        popo.settings.audit_key,
        who,
        False,
        "draft",  # a sent form is named by its draft, as everywhere in the log
        str(submission.draft_id),
        f"{PURPOSE_CONSENTED}: {submission.form_id}",
        _number(popo, session, asked.pupil_id),
    )
    return asked, submission, chosen


@get("/consent/{request_id:uuid}/forms/{submission_id:uuid}")
@in_thread
def consented_form(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    request_id: FromPath[uuid.UUID],
    submission_id: FromPath[uuid.UUID],
) -> Response[str]:
    language = request_language(request)
    with popo.db.session() as session:
        asked, submission, chosen = _consented_submission(
            request, popo, session, request_id, submission_id
        )
        view = form_view(popo.registry, submission, language)
        if view is None:
            raise NotFoundException()
        whole = set(chosen) >= {s for s, _ in view.sections_with_answers()}
        return _render(
            request,
            "consent_form.html",
            asked=asked,
            submission=submission,
            title=view.t(view.form.definition.title),
            answers=view.answers(sections=chosen),
            school=_names(session, {submission.organisation_id}).get(
                submission.organisation_id, ""
            ),  # type: ignore[arg-type]
            pdf=whole and submission.pdf_sha256 is not None,
        )


@get("/consent/{request_id:uuid}/forms/{submission_id:uuid}/archive.pdf")
@in_thread
def consented_pdf(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    request_id: FromPath[uuid.UUID],
    submission_id: FromPath[uuid.UUID],
) -> Response[Any]:
    """The archived PDF, only when the parents consented to the whole form (the archive shows
    every section)."""
    with popo.db.session() as session:
        _, submission, chosen = _consented_submission(
            request, popo, session, request_id, submission_id
        )
        view = form_view(popo.registry, submission, "nl")
        if view is None or not set(chosen) >= {s for s, _ in view.sections_with_answers()}:
            raise NotFoundException()
        digest = submission.pdf_sha256
        if digest is None or not popo.archive.exists(digest):
            raise NotFoundException()
    return Response(
        popo.archive.get(digest),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{submission.form_id}.pdf"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


# ---------------------------------------------------------------------- the parents


def _parents_values(context: sections.PageContext) -> dict[str, Any] | None:
    session = context.session
    transfer = context.transfer
    service = ConsentService(session, context.popo.settings)
    language = context.language
    active_codes = [
        c
        for c in session.scalars(
            select(RegistrationCode)
            .where(RegistrationCode.pupil_id == transfer.pupil_id)
            .order_by(RegistrationCode.created_at.desc())
        )
        if service.state_of(c) == "active"
    ]
    requests = service.of_pupil(transfer.pupil_id)
    if not active_codes and not requests:
        return None
    guardian = session.get(Guardian, context.guardian_id) if context.guardian_id else None
    if guardian is None or not guardian.gezag or guardian.pupil_id != transfer.pupil_id:
        # a link a school handed over (or of a parent without gezag): whoever holds it is
        # not known to POPO, so it shows no code and no school's request, and decides nothing
        return {
            "mine": False,
            "asked": bool(requests),
            "not_yours": i18n.gettext(language, NOT_YOURS),
        }
    schools = _names(
        session,
        {r.request.school_id for r in requests} | {c.organisation_id for c in active_codes},
    )
    offered = {
        r.request.id: service.offered(r.request, context.popo.registry, language) for r in requests
    }
    return {
        "mine": True,
        "codes": [
            {"code": c, "text": service.text(c), "school": schools.get(c.organisation_id, "")}
            for c in active_codes
        ],
        "requests": requests,
        "schools": schools,
        "offered": offered,
        "wording": {r.request.id: service.wording_text(r.request, language) for r in requests},
        "states": {k: i18n.gettext(language, v) for k, v in STATES.items()},
        "guardian": guardian,
        "base": context.base,
        "values": context.values or {},
    }


@sections.parents_section
def parents_section(context: sections.PageContext) -> str | None:
    values = _parents_values(context)
    if values is None:
        return None
    return templates(context.language).get_template("consent_parents.html").render(**values)


def _parents_request(session: Session, link: Any, request_id: uuid.UUID) -> ConsentRequest:
    """A request about the link's child that reached the parents; 404 for any other."""
    asked = session.get(ConsentRequest, request_id)
    if asked is None or asked.code_id is None or asked.pupil_id != link.transfer.pupil_id:
        raise NotFoundException()
    return asked


def _deciding_guardian(session: Session, link: Any) -> Guardian | None:
    """Who decides: the guardian with gezag the link belongs to (POPO mailed it to them). A
    link a school handed over belongs to no one POPO knows: it decides nothing."""
    if link.access.guardian_id is None:
        return None
    guardian = session.get(Guardian, link.access.guardian_id)
    if guardian is None or guardian.pupil_id != link.transfer.pupil_id or not guardian.gezag:
        return None
    return guardian


NOT_YOURS = N_(
    "Only a parent with parental authority decides, with the link POPO e-mailed to them "
    "personally. Ask the school to e-mail you a link of your own, or to give you the consent "
    "form on paper."
)
LAPSED = N_(
    "This request has lapsed: the school did not get an answer in time. The school can enter "
    "the code again."
)


def _not_recorded(
    request: Request[Any, Any, Any], link: Any, problem: str, status: int
) -> Response[str]:
    """The parents' decision was not recorded: why (a msgid), and the way back to their page."""
    language = link.language
    return message_page(
        request,
        language,
        i18n.gettext(language, N_("Your choice was not recorded")),
        i18n.gettext(language, problem),
        status,
        back_url=f"{link.base}#consent",
        back_label=i18n.gettext(language, N_("Back to the page of your child")),
    )


def _back_to_parents(link: Any, done: str) -> Redirect:
    """Back to the parents' page, whose notice at the top (focused, role status) says what
    was recorded; the section shows the new state."""
    return Redirect(f"{link.base}?done={done}", status_code=303)


@post("/p/{token:str}/consent/{request_id:uuid}")
@in_thread
def parents_decide(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
    token: FromPath[str],
    request_id: FromPath[uuid.UUID],
) -> Response[str] | Redirect:
    with popo.db.session() as session:
        link = by_link(request, popo, session, token, PURPOSE_PARENTS_CONSENT, changed=True)
        language = link.language
        asked = _parents_request(session, link, request_id)
        decision = (
            "given" if posted.action == "give" else "refused" if posted.action == "refuse" else ""
        )
        guardian = _deciding_guardian(session, link)
        scope = _scope_of(posted)
        problem = None
        if guardian is None:
            problem = NOT_YOURS
        elif _service(popo, session).view(asked).state == "lapsed":
            problem = LAPSED
        elif not decision:
            problem = N_("Choose whether you give consent or not.")
        elif decision == "given" and not _service(popo, session).narrowed(
            asked, scope, popo.registry, language
        ):
            problem = N_("Tick what the school may see, or choose not to give consent.")
        if problem is not None:
            return _not_recorded(request, link, problem, 400)
        _service(popo, session).decide(
            asked,
            decision,
            scope=scope,
            guardian=guardian,
            channel="link",
            language=language,
            registry=popo.registry,
            access=link.access,
        )
    return _back_to_parents(link, "consent")


@get("/p/{token:str}/consent/{request_id:uuid}/withdraw")
@in_thread
def parents_withdraw_question(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    token: FromPath[str],
    request_id: FromPath[uuid.UUID],
) -> Response[str]:
    with popo.db.session() as session:
        link = by_link(request, popo, session, token, PURPOSE_PARENTS_SEE)
        asked = _parents_request(session, link, request_id)
        if _deciding_guardian(session, link) is None:
            return _not_recorded(request, link, NOT_YOURS, 403)
        school = _names(session, {asked.school_id}).get(asked.school_id, "")
        content = (
            templates(link.language)
            .get_template("consent_withdraw.html")
            .render(
                language_url=language_url(request),
                base=link.base,
                asked=asked,
                school=school,
            )
        )
    response = html(content)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@post("/p/{token:str}/consent/{request_id:uuid}/withdraw")
@in_thread
def parents_withdraw(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
    token: FromPath[str],
    request_id: FromPath[uuid.UUID],
) -> Response[str] | Redirect:
    """Withdraw at once: from this moment the school's pages of the request show nothing."""
    with popo.db.session() as session:
        link = by_link(request, popo, session, token, PURPOSE_PARENTS_CONSENT, changed=True)
        language = link.language
        asked = _parents_request(session, link, request_id)
        service = _service(popo, session)
        guardian = _deciding_guardian(session, link)
        if guardian is None:
            return _not_recorded(request, link, NOT_YOURS, 403)
        if service.view(asked).state == "given":
            service.decide(
                asked,
                "withdrawn",
                guardian=guardian,
                channel="link",
                language=language,
                registry=popo.registry,
                access=link.access,
            )
    return _back_to_parents(link, "withdrawn")


@get("/p/{token:str}/consent/codes/{code_id:uuid}/letter.pdf")
@in_thread
def parents_code_letter(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    token: FromPath[str],
    code_id: FromPath[uuid.UUID],
) -> Response[Any]:
    with popo.db.session() as session:
        link = by_link(request, popo, session, token, PURPOSE_CODE)
        code = session.get(RegistrationCode, code_id)
        if (
            code is None
            or code.pupil_id != link.transfer.pupil_id
            or _deciding_guardian(session, link) is None  # the code is for its parents only
        ):
            raise NotFoundException()
        info = _letter_of(popo, session, code, link.language)
    return _letter_response(popo, info)


ROUTES = [
    renew_code,
    withdraw_code_question,
    withdraw_code,
    code_letter,
    paper_consent,
    paper_file,
    requests_page,
    enter_code,
    request_page,
    consented_form,
    consented_pdf,
    parents_decide,
    parents_withdraw_question,
    parents_withdraw,
    parents_code_letter,
]
