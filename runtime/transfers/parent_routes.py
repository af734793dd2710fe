"""The parents' side of a transfer, and the schools' part in it.

Parents follow their child's transfer through their own link, ``/p/{secret}``, without an
account: where it stands and what comes next in plain words, the schools, the timeline as
parents may see it, the steps the procedure lets parents take (withdrawing, with a
confirmation), and the onderwijskundig rapport (OKR) with a form for their view (zienswijze).
A wrong secret is a 404 page, an expired or switched off link the Gone page (410); every
access is recorded in the audit log as a parent's.

The schools make a link on the transfer's page (shown once, or mailed to a guardian with
gezag), see their links, and switch one off after a confirmation: only staff who may change
the transfer (web/scoped.reach on a POST; another school's transfer is a 404).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect
from sqlalchemy.orm import Session

from engine.evaluate import evaluate
from engine.messages import localize
from engine.procedures import CaseState
from renderers import i18n
from renderers.html import FormView

from .. import audit
from ..clock import dutch_date
from ..forms.models import Submission
from ..pupils import service as pupils
from ..pupils.models import Guardian, Pupil
from ..refusals import ReadOnly
from ..state import AppState
from ..statuses.procedure import RunningProcedure
from ..statuses.workflow import TransitionRefused
from ..web.blocking import in_thread
from ..web.language import chosen_language, request_language, templates
from ..web.pages import html, language_url, message_page
from ..web.posted import Posted
from ..web.scoped import record
from . import okr, own_view, parents, sections
from .message_routes import FILE_FIELDS, download
from .messages import MAX_CHARS, MessageRefused, MessageService, parents_reader
from .models import ParentAccess, Transfer
from .routes import _school_names, reach_transfer
from .service import PARENT_NAME, TransferService

PURPOSE_PARENTS_SEE = audit.N_("see the transfer as a parent")
PURPOSE_PARENTS_STEP = audit.N_("take a step of the transfer as a parent")
PURPOSE_PARENTS_OKR = audit.N_("read the educational report as a parent")
PURPOSE_PARENTS_VIEW = audit.N_("add the parents' view")
PURPOSE_LINK_MAKE = audit.N_("make a parents' link for the transfer")
PURPOSE_LINK_OFF = audit.N_("switch off a parents' link for the transfer")
PURPOSE_PARENTS_WRITE = audit.N_("write a message on the transfer as a parent")
PURPOSE_PARENTS_FILE = audit.N_("download a file of a message as a parent")
PURPOSE_PARENTS_FORM = audit.N_("download a form as a parent")
PURPOSE_PARENTS_ACCESSES = audit.N_("download the list of accesses as a parent")
PURPOSE_PARENTS_RENEW = audit.N_("mail a new link to a parent on their request")
PURPOSES = (
    PURPOSE_PARENTS_FORM,
    PURPOSE_PARENTS_ACCESSES,
    PURPOSE_PARENTS_RENEW,
    PURPOSE_PARENTS_WRITE,
    PURPOSE_PARENTS_FILE,
    PURPOSE_PARENTS_SEE,
    PURPOSE_PARENTS_STEP,
    PURPOSE_PARENTS_OKR,
    PURPOSE_PARENTS_VIEW,
    PURPOSE_LINK_MAKE,
    PURPOSE_LINK_OFF,
)
PARENT_ACTORS = ["parents.ouder"]
STORED_PARENT_NAME = PARENT_NAME["nl"]  # as the history keeps it; shown in the reader's language
MAX_VIEW = 4000

# the parties as parents read them
PARTY_WORDS: dict[str, dict[str, str]] = {
    "sending_school": {"nl": "de huidige school", "en": "the current school"},
    "receiving_school": {"nl": "de nieuwe school", "en": "the new school"},
    "parents": {"nl": "u", "en": "you"},
    "swv": {"nl": "het samenwerkingsverband", "en": "the samenwerkingsverband"},
}
SENTENCES: dict[str, dict[str, str]] = {
    "holder": {"nl": "Aan zet: {who}.", "en": "Whose turn it is: {who}."},
    "next": {"nl": "De volgende stap: {steps}.", "en": "The next step: {steps}."},
    "form_first": {
        "nl": "Daarvoor stuurt {who} eerst het formulier '{form}'.",
        "en": "For that, {who} first sends the form '{form}'.",
    },
    "due": {"nl": "{term}: uiterlijk {date}.", "en": "{term}: by {date} at the latest."},
    "overdue": {
        "nl": "{term}: dat had uiterlijk {date} moeten gebeuren.",
        "en": "{term}: this should have happened by {date}.",
    },
    "final": {
        "nl": "De overstap is afgesloten ({status}). Er volgt geen stap meer.",
        "en": "The transfer is closed ({status}). No step follows.",
    },
    "waiting": {
        "nl": "Er is nu geen stap te zetten. De school neemt contact met u op als dat nodig is.",
        "en": "There is no step to take now. The school will contact you when needed.",
    },
    "or": {"nl": " of ", "en": " or "},
}


def _say(key: str, language: str, **values: str) -> str:
    return localize(SENTENCES[key], language).format(**values)


def _party_text(party: str, names: dict[str, str], language: str) -> str:
    words = localize(PARTY_WORDS.get(party, {"en": party}), language)
    name = names.get(party)
    return f"{words}, {name}" if name else words


def _is_any(run: RunningProcedure, sources: tuple[str, ...]) -> bool:
    """A step from every open status (``from: any``, such as withdrawing): never "next"."""
    open_statuses = {s for s in run.procedure.statuses if not run.final(s)}
    return len(sources) > 1 and open_statuses <= set(sources)


def progress(
    service: TransferService,
    transfer: Transfer,
    run: RunningProcedure,
    state: CaseState,
    names: dict[str, str],
    language: str,
) -> list[str]:
    """Where the transfer stands for parents, in plain sentences: who holds it, the next step
    (the procedure's steps from the current status, and a form one needs first), and the terms
    with their due dates. Derived from the procedure and the open tasks, not written per
    status."""
    if run.final(transfer.status):
        return [_say("final", language, status=run.label(transfer.status, language))]
    sent = {s.form_id for s in service.forms_sent(transfer)}
    steps = [
        step
        for step in run.procedure.transitions.values()
        if transfer.status in step.sources
        and not _is_any(run, step.sources)
        and not step.allows("parents", "ouder")
    ]
    holders: list[str] = []
    for task in state.tasks:
        holders.extend(actor.party for actor in task.who)
    for step in steps:
        holders.extend(actor.party for actor in step.who)
    holders = [p for p in dict.fromkeys(holders) if p != "parents"]
    result: list[str] = []
    if holders:
        who = ", ".join(_party_text(p, names, language) for p in holders)
        result.append(_say("holder", language, who=who))
    if steps:
        labels = localize(SENTENCES["or"], language).join(
            localize(step.label, language).lower() for step in steps
        )
        result.append(_say("next", language, steps=labels))
        for step in steps:
            missing = [form for form in step.needs if not _sent(form, sent)]
            if missing:
                who = _party_text(step.who[0].party, {}, language)
                form = service.registry.form_title(missing[0], language)
                result.append(_say("form_first", language, who=who, form=form))
                break
    for term_id, term in state.terms.items():
        if term.state not in ("running", "overdue"):
            continue
        label = next(t.label for t in run.procedure.terms if t.id == term_id)
        key = "overdue" if term.state == "overdue" else "due"
        when = i18n.format_date(term.due, language)
        result.append(_say(key, language, term=localize(label, language), date=when))
    if not result:
        result.append(_say("waiting", language))
    return result


def _sent(form: str, sent: set[str]) -> bool:
    return form in sent or any(s.startswith(f"{form}-") for s in sent)


# ---------------------------------------------------------------------- reaching a link


@dataclass
class ByLink:
    """A transfer as a parent's link reaches it."""

    access: ParentAccess
    transfer: Transfer
    language: str
    token: str

    @property
    def base(self) -> str:
        return f"/p/{self.token}"


def by_link(
    request: Request[Any, Any, Any],
    popo: AppState,
    session: Session,
    token: str,
    purpose: str,
    *,
    changed: bool = False,
    detail: str = "",
    audited: bool = True,
) -> ByLink:
    """The transfer of the link ``token`` (404 when no link has it, Gone when it expired or
    was switched off), recorded in the audit log as a parent's access (a route that records
    the object it reaches itself, :func:`record_parents`, passes ``audited=False``)."""
    try:
        access = parents.reached(session, token)
    except parents.UnknownLink as exc:
        raise NotFoundException() from exc
    transfer = session.get(Transfer, access.transfer_id, with_for_update=changed)
    if transfer is None:
        raise NotFoundException()
    if audited:
        record_parents(
            request,
            popo,
            session,
            transfer,
            changed,
            "transfer",
            str(transfer.id),
            f"{purpose}: {detail or transfer.reference}",
        )
    language = chosen_language(request) or i18n.normalize(access.language)
    return ByLink(access, transfer, language, token)


def record_parents(
    request: Request[Any, Any, Any],
    popo: AppState,
    session: Session,
    transfer: Transfer,
    changed: bool,
    object_type: str,
    object_id: str,
    purpose: str,
) -> None:
    """Record a parent's access through a link to an object about the transfer's pupil."""
    pupil = session.get(Pupil, transfer.pupil_id)
    number = pupils.number_of(popo.settings, pupil) if pupil is not None else None
    record(
        request,
        session,
        popo.settings.audit_key,
        None,
        changed,
        object_type,
        object_id,
        purpose,
        number,
    )


def _render(
    request: Request[Any, Any, Any], language: str, template: str, status: int = 200, **values: Any
) -> Response[str]:
    content = (
        templates(language)
        .get_template(template)
        .render(language_url=language_url(request), **values)
    )
    response = html(content, status)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the address is the secret
    return response


def okr_of(service: TransferService, transfer: Transfer) -> Submission | None:
    """The latest onderwijskundig rapport sent for the transfer (a corrected one is a new
    submission: a new version of the report)."""
    return okr.sent(service.session, transfer)


def _okr_answers(popo: AppState, submission: Submission, language: str) -> Any:
    entry = popo.registry.get(submission.form_id, submission.form_version)
    if entry is None or entry.form.content_hash != submission.definition_hash:
        return None
    state = evaluate(entry.form, submission.answers, dutch_date(submission.submitted_at))
    view = FormView(entry.form, state, language)
    return view.t(entry.form.definition.title), view.answers()


def _pdf_ready(popo: AppState, submission: Submission) -> bool:
    return submission.pdf_sha256 is not None and popo.archive.exists(submission.pdf_sha256)


def _parents_page(
    request: Request[Any, Any, Any],
    popo: AppState,
    session: Session,
    link: ByLink,
    status: int = 200,
    refusal: str | None = None,
    notice: str | None = None,
    view_error: str | None = None,
    view_text: str = "",
    thread_values: dict[str, str] | None = None,
    thread_problems: dict[str, str] | None = None,
) -> Response[str]:
    language = link.language
    transfer = link.transfer
    service = TransferService(session, popo.registry, popo.settings.base_url)
    run = service.running(transfer)
    state = service.state(transfer)
    schools = _school_names(session, {transfer.sending_school_id, transfer.receiving_school_id})
    names = {
        party: schools[school_id]
        for party, school_id in (
            ("sending_school", transfer.sending_school_id),
            ("receiving_school", transfer.receiving_school_id),
        )
        if school_id in schools
    }
    actions = service.actions(transfer, PARENT_ACTORS)
    okr = okr_of(service, transfer)
    views = parents.views_of(session, transfer)
    counting = parents.current_views(views)
    okr_title, okr_answers = (None, [])
    if okr is not None:
        rendered = _okr_answers(popo, okr, language)
        if rendered is not None:
            okr_title, okr_answers = rendered
    return _render(
        request,
        language,
        "parent_transfer.html",
        status,
        link=link,
        transfer=transfer,
        status_label=run.label(transfer.status, language),
        final=run.final(transfer.status),
        procedure_title=localize(run.procedure.title, language),
        progress=progress(service, transfer, run, state, names, language),
        sending=names.get("sending_school"),
        receiving=names.get("receiving_school"),
        steps=[(step.id, localize(step.label, language)) for step in actions.possible],
        timeline=service.timeline(transfer, "parents", language),
        okr=okr,
        okr_title=okr_title,
        okr_answers=okr_answers,
        okr_pdf=okr is not None and _pdf_ready(popo, okr),
        my_views=[v for v in views if okr is not None and v.subject == str(okr.id)],
        counting=counting,
        max_view=MAX_VIEW,
        view_error=view_error,
        view_text=view_text,
        refusal=refusal,
        notice=notice,
        thread=_thread(popo, session, link, thread_values, thread_problems),
        sections=sections.parents(
            sections.PageContext(
                session,
                popo,
                transfer,
                language,
                ["parents"],
                None,
                base=link.base,
                guardian_id=link.access.guardian_id,
            )
        ),
        **_own_view(request, popo, session, link),
    )


def _own_view(
    request: Request[Any, Any, Any], popo: AppState, session: Session, link: ByLink
) -> dict[str, Any]:
    """The parents' own view beside the transfer (own_view.py): the child's transfers and
    registrations (a guardian's link only), the forms about the child with their PDF copies,
    and who saw the child's data, at most ``ACCESS_GROUPS`` lines unless all are asked for."""
    guardian = own_view.guardian_of(session, link.access, link.transfer)
    pupil = session.get(Pupil, link.transfer.pupil_id)
    lines = (
        own_view.accesses(
            session,
            popo.settings,
            popo.registry,
            pupil,
            link.language,
            only=None if guardian is not None else link.transfer,
        )
        if pupil is not None
        else []
    )
    every = request.query_params.get("accesses") == "all"
    return {
        "child": _child(popo, session, link) if guardian is not None else [],
        "forms": _forms(popo, session, link, guardian),
        "accesses": lines if every else lines[: own_view.ACCESS_GROUPS],
        "accesses_total": len(lines),
        "accesses_all": every,
    }


def _child(popo: AppState, session: Session, link: ByLink) -> list[dict[str, Any]]:
    """Every transfer and registration of the link's pupil, newest first, each with where it
    stands in the parents' sentences (:func:`progress`)."""
    language = link.language
    service = TransferService(session, popo.registry, popo.settings.base_url)
    found = own_view.transfers_of(session, link.transfer)
    schools = _school_names(
        session, {t.sending_school_id for t in found} | {t.receiving_school_id for t in found}
    )
    rows = []
    for transfer in found:
        names = {
            party: schools[school_id]
            for party, school_id in (
                ("sending_school", transfer.sending_school_id),
                ("receiving_school", transfer.receiving_school_id),
            )
            if school_id in schools
        }
        try:
            run = service.running(transfer)
            state = service.state(transfer)
        except TransitionRefused:  # its procedure is no longer known: said, not failed
            status, title, sentences = transfer.status, "", []
        else:
            status = run.label(transfer.status, language)
            title = localize(run.procedure.title, language)
            sentences = progress(service, transfer, run, state, names, language)
        rows.append(
            {
                "transfer": transfer,
                "title": title,
                "sending": names.get("sending_school"),
                "receiving": names.get("receiving_school"),
                "status": status,
                "progress": sentences,
                "shown": transfer.id == link.transfer.id,
            }
        )
    return rows


def _forms(
    popo: AppState, session: Session, link: ByLink, guardian: Guardian | None
) -> list[dict[str, Any]]:
    """The sent forms the link shows (own_view.forms_of), with their PDF copies."""
    found = own_view.forms_of(session, link.transfer, guardian)
    schools = _school_names(session, {s.organisation_id for s in found})
    return [
        {
            "submission": submission,
            "title": popo.registry.form_title(submission.form_id, link.language),
            "school": schools.get(submission.organisation_id) if submission.organisation_id else "",
            "pdf": _pdf_ready(popo, submission),
        }
        for submission in found
    ]


def _thread(
    popo: AppState,
    session: Session,
    link: ByLink,
    values: dict[str, str] | None = None,
    problems: dict[str, str] | None = None,
    posted: bool = False,
) -> Any:
    """The messages to and from the parents, with the form to write to a school."""
    return MessageService(session, popo.registry, popo.settings, popo.files).view(
        link.transfer,
        parents_reader(link.access),
        link.language,
        action=f"{link.base}/messages",
        files_url=f"{link.base}/messages",
        values=values,
        problems=problems,
        posted=posted,
    )


NOTICES = {
    "view": audit.N_("Thank you: your view has been added. Both schools see it."),
    "step": audit.N_("Done: the transfer is now at the status shown below."),
    "sent": audit.N_("Your message was sent."),
    "consent": audit.N_("Your choice has been recorded. The school sees it at once."),
    "withdrawn": audit.N_(
        "Your consent has been withdrawn: from now on the school no longer sees the data."
    ),
}


@get("/p/{token:str}")
@in_thread
def parents_page(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], token: FromPath[str]
) -> Response[str]:
    with popo.db.session() as session:
        link = by_link(request, popo, session, token, PURPOSE_PARENTS_SEE)
        done = request.query_params.get("done") or ""
        notice = i18n.gettext(link.language, NOTICES[done]) if done in NOTICES else None
        return _parents_page(request, popo, session, link, notice=notice)


@get("/p/{token:str}/steps/{step_id:str}")
@in_thread
def parents_step_question(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    token: FromPath[str],
    step_id: FromPath[str],
) -> Response[str]:
    """Asks before a parents' step (withdrawing cannot be undone)."""
    with popo.db.session() as session:
        link = by_link(request, popo, session, token, PURPOSE_PARENTS_SEE)
        service = TransferService(session, popo.registry, popo.settings.base_url)
        step = next(
            (s for s in service.actions(link.transfer, PARENT_ACTORS).possible if s.id == step_id),
            None,
        )
        if step is None:
            raise NotFoundException()
        run = service.running(link.transfer)
        return _render(
            request,
            link.language,
            "parent_step.html",
            link=link,
            transfer=link.transfer,
            step_id=step.id,
            step_label=localize(step.label, link.language),
            target_label=run.label(step.target, link.language),
        )


@post("/p/{token:str}/steps/{step_id:str}")
@in_thread
def parents_step(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
    token: FromPath[str],
    step_id: FromPath[str],
) -> Response[str] | Redirect:
    """A parents' step (withdrawing), confirmed; refused like a school's (a stale page, not
    now), with nothing changed and the reason on the parents' page."""
    version_text = posted.get("version")
    version = int(version_text) if version_text.isdigit() and len(version_text) < 9 else None
    with popo.db.session() as session:
        link = by_link(
            request, popo, session, token, PURPOSE_PARENTS_STEP, changed=True, detail=step_id[:60]
        )
        service = TransferService(session, popo.registry, popo.settings.base_url)
        try:
            with session.begin_nested():
                service.take(
                    link.transfer,
                    step_id[:60],
                    actors=PARENT_ACTORS,
                    version=version,
                    actor_id=None,
                    actor_name=STORED_PARENT_NAME,
                )
        except TransitionRefused as refused:
            session.refresh(link.transfer)
            code = 409 if refused.code == "stale" else 403 if refused.code == "guard:who" else 400
            return _parents_page(
                request, popo, session, link, code, refusal=refused.text(link.language)
            )
        target = f"{link.base}?done=step"
    return Redirect(target, status_code=303)


@post("/p/{token:str}/okr/{submission_id:uuid}/view")
@in_thread
def parents_view(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
    token: FromPath[str],
    submission_id: FromPath[uuid.UUID],
) -> Response[str] | Redirect:
    """The parents' view on a version of the OKR: free text, required, at most 4000
    characters. A second view on the same version supersedes the first (both stay on the
    timeline)."""
    text = (posted.get("view") or "").replace("\r\n", "\n").strip()
    with popo.db.session() as session:
        link = by_link(request, popo, session, token, PURPOSE_PARENTS_VIEW, changed=True)
        service = TransferService(session, popo.registry, popo.settings.base_url)
        okr = okr_of(service, link.transfer)
        if okr is None or okr.id != submission_id:
            # not this transfer's report, or no longer its latest version
            raise NotFoundException()
        error = None
        if not text:
            error = audit.N_("Write your view before you send it.")
        elif len(text) > MAX_VIEW:
            error = audit.N_("Your view is longer than 4000 characters; shorten it.")
        if error is not None:
            return _parents_page(
                request,
                popo,
                session,
                link,
                400,
                view_error=i18n.gettext(link.language, error),
                view_text=text[: MAX_VIEW * 2],
            )
        service.record(
            link.transfer,
            "parents_view",
            actor_id=None,
            actor_name=STORED_PARENT_NAME,
            party="parents",
            role="ouder",
            subject=str(okr.id),
            detail=text,
        )
        service.touch(link.transfer)
        target = f"{link.base}?done=view"
    return Redirect(target, status_code=303)


@get("/p/{token:str}/okr/{submission_id:uuid}/report.pdf")
@in_thread
def parents_okr_pdf(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    token: FromPath[str],
    submission_id: FromPath[uuid.UUID],
) -> Response[Any]:
    """The archived PDF of the transfer's OKR, once the archive made it."""
    with popo.db.session() as session:
        link = by_link(request, popo, session, token, PURPOSE_PARENTS_OKR)
        service = TransferService(session, popo.registry, popo.settings.base_url)
        okr = okr_of(service, link.transfer)
        if okr is None or okr.id != submission_id or not _pdf_ready(popo, okr):
            raise NotFoundException()
        digest, name = okr.pdf_sha256, f"{okr.form_id}-{str(okr.id)[:8]}.pdf"
    assert digest is not None
    return Response(
        popo.archive.get(digest),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "Referrer-Policy": "no-referrer",
        },
    )


@get("/p/{token:str}/forms/{submission_id:uuid}/copy.pdf")
@in_thread
def parents_form_pdf(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    token: FromPath[str],
    submission_id: FromPath[uuid.UUID],
) -> Response[Any]:
    """The archived PDF of a form the parents' page lists (own_view.forms_of; any other is a
    404), recorded as the parents' download of that form; a page that says so while the PDF is
    still being made."""
    with popo.db.session() as session:
        link = by_link(request, popo, session, token, PURPOSE_PARENTS_FORM, audited=False)
        guardian = own_view.guardian_of(session, link.access, link.transfer)
        submission = own_view.form_of(session, link.transfer, guardian, submission_id)
        if submission is None:
            raise NotFoundException()
        if not _pdf_ready(popo, submission):
            response = message_page(
                request,
                link.language,
                i18n.gettext(link.language, "The PDF is not ready yet"),
                i18n.gettext(
                    link.language,
                    "POPO is still making the PDF copy of this form. Try again in a minute.",
                ),
                202,
                back_url=f"{link.base}#forms",
                back_label=i18n.gettext(link.language, "Back to your child's transfer"),
            )
            response.headers["Retry-After"] = "10"
            response.headers["Cache-Control"] = "private, no-store"
            response.headers["Referrer-Policy"] = "no-referrer"
            return response
        record_parents(
            request,
            popo,
            session,
            link.transfer,
            False,
            "draft",
            str(submission.draft_id),
            f"{PURPOSE_PARENTS_FORM}: {submission.form_id}",
        )
        digest = submission.pdf_sha256
        name = f"{submission.form_id}-{str(submission.id)[:8]}.pdf"
    assert digest is not None
    return Response(
        popo.archive.get(digest),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "Referrer-Policy": "no-referrer",
        },
    )


@get("/p/{token:str}/accesses.csv")
@in_thread
def parents_accesses_csv(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], token: FromPath[str]
) -> Response[str]:
    """Every line of the page's "who saw your child's data" as CSV, in the page's language."""
    with popo.db.session() as session:
        link = by_link(request, popo, session, token, PURPOSE_PARENTS_ACCESSES)
        guardian = own_view.guardian_of(session, link.access, link.transfer)
        pupil = session.get(Pupil, link.transfer.pupil_id)
        lines = (
            own_view.accesses(
                session,
                popo.settings,
                popo.registry,
                pupil,
                link.language,
                only=None if guardian is not None else link.transfer,
            )
            if pupil is not None
            else []
        )
        name = f"{link.transfer.reference}-accesses.csv"
    return Response(
        own_view.accesses_csv(lines, link.language),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "Referrer-Policy": "no-referrer",
        },
    )


def link_gone(request: Request[Any, Any, Any], exc: parents.LinkGone) -> Response[str]:
    """A parents' link that no longer works (410). One that expired and belongs to a guardian
    POPO may mail (parents.renewable) offers "Send me a new link"; one a school switched off,
    or one handed over without a guardian, says to ask the school."""
    language = chosen_language(request) or i18n.normalize(exc.language)
    token = str(request.path_params.get("token", ""))
    return _render(
        request,
        language,
        "parent_link_gone.html",
        410,
        renew_url=f"/p/{token}/renew" if exc.renewable and token else None,
    )


@post("/p/{token:str}/renew")
@in_thread
def parents_renew(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], token: FromPath[str]
) -> Response[str]:
    """ "Send me a new link" from an expired link's page: a new link for the same transfer,
    mailed to the link's guardian (parents.renew, limited per day). The same answer whether a
    mail was sent or not, for any link that exists; a wrong secret is a 404."""
    with popo.db.session() as session:
        access = parents.by_secret(session, token)
        if access is None:
            raise NotFoundException()
        language = chosen_language(request) or i18n.normalize(access.language)
        made = parents.renew(session, access, popo.settings.base_url)
        transfer = session.get(Transfer, access.transfer_id)
        if made is not None and transfer is not None:
            record_parents(
                request,
                popo,
                session,
                transfer,
                True,
                "transfer",
                str(transfer.id),
                f"{PURPOSE_PARENTS_RENEW}: {transfer.reference}",
            )
            TransferService(session, popo.registry, popo.settings.base_url).record(
                transfer,
                "parents_link",
                actor_id=None,
                actor_name=STORED_PARENT_NAME,
                party="parents",
                role="ouder",
                visible_to=("sending_school", "receiving_school"),
            )
    response = message_page(
        request,
        language,
        i18n.gettext(language, "Look in your e-mail"),
        i18n.gettext(
            language,
            "If POPO can send you a new link, it is on its way to the e-mail address the "
            "school has of you. It can take a few minutes. No e-mail? Ask the school for a "
            "new link.",
        ),
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@post("/p/{token:str}/messages")
@in_thread
def parents_message(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
    token: FromPath[str],
) -> Response[str] | Redirect:
    """The parents write to one of the schools; refused (no text, a file not accepted) with the
    text kept and nothing written, as a school's message is."""
    values = {"to": posted.get("to")[:80], "body": posted.get("body")[: MAX_CHARS * 10]}
    uploads = [posted.uploads[name] for name in FILE_FIELDS if name in posted.uploads]
    with popo.db.session() as session:
        link = by_link(request, popo, session, token, PURPOSE_PARENTS_WRITE, changed=True)
        service = MessageService(session, popo.registry, popo.settings, popo.files)
        try:
            with session.begin_nested():
                service.post(
                    link.transfer,
                    parents_reader(link.access),
                    values["to"],
                    values["body"],
                    uploads,
                )
        except MessageRefused as refused:
            problems = refused.texts(link.language)
            if request.headers.get("hx-request"):
                thread = _thread(popo, session, link, values, problems)
                return _render(request, link.language, "transfer_thread.html", thread=thread)
            return _parents_page(
                request, popo, session, link, 400, thread_values=values, thread_problems=problems
            )
        if request.headers.get("hx-request"):
            thread = _thread(popo, session, link, posted=True)
            return _render(request, link.language, "transfer_thread.html", thread=thread)
        target = f"{link.base}?done=sent#messages"
    return Redirect(target, status_code=303)


@get("/p/{token:str}/messages/{message_id:uuid}/files/{attachment_id:uuid}")
@in_thread
def parents_message_file(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    token: FromPath[str],
    message_id: FromPath[uuid.UUID],
    attachment_id: FromPath[uuid.UUID],
) -> Response[bytes]:
    """A file of a message the parents see, always as a download; 404 for any other."""
    with popo.db.session() as session:
        link = by_link(request, popo, session, token, PURPOSE_PARENTS_FILE)
        service = MessageService(session, popo.registry, popo.settings, popo.files)
        found = service.attachment(
            link.transfer, parents_reader(link.access), message_id, attachment_id
        )
        if found is None:
            raise NotFoundException()
        return download(popo, found)


@get("/ouders")
@in_thread
def parents_help(request: Request[Any, Any, Any]) -> Response[str]:
    """Where the parents' mails point (they carry no secret): how to follow a transfer."""
    language = request_language(request)
    return message_page(
        request,
        language,
        i18n.gettext(language, "Following your child's transfer"),
        i18n.gettext(
            language,
            "You follow your child's transfer with the personal link POPO e-mailed you "
            "earlier, or that the school gave you. Have you lost it, or does it no longer "
            "work? Ask the school for a new link.",
        ),
    )


# ---------------------------------------------------------------------- the schools' part


def _guardian(session: Session, transfer: Transfer, text: str) -> Guardian | None:
    try:
        wanted = uuid.UUID(text)
    except ValueError:
        return None
    return next((g for g in parents.guardians_to_mail(session, transfer) if g.id == wanted), None)


@post("/transfers/{transfer_id:uuid}/parents")
@in_thread
def make_link(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
    transfer_id: FromPath[uuid.UUID],
) -> Response[str] | Redirect:
    """A school makes a parents' link: shown once on the page that answers, or mailed to a
    guardian with gezag (then never shown)."""
    language = i18n.normalize(posted.get("language"))
    with popo.db.session() as session:
        reached = reach_transfer(request, popo, session, transfer_id, PURPOSE_LINK_MAKE)
        transfer, who = reached.obj, reached.who
        service = TransferService(session, popo.registry, popo.settings.base_url)
        wanted = (posted.get("guardian") or "").strip()
        guardian = _guardian(session, transfer, wanted) if wanted else None
        if wanted and guardian is None:
            raise NotFoundException()
        if guardian is not None:
            access = parents.mail_link(
                session,
                transfer,
                guardian,
                popo.settings.base_url,
                language=language,
                created_by=who.user_id,
            )
            token = None
        else:
            access, token = parents.create_link(
                session, transfer, language=language, created_by=who.user_id
            )
        service.record(
            transfer,
            "parents_link",
            actor_id=who.user_id,
            actor_name=who.name,
            party=None,
            role=None,
            visible_to=("sending_school", "receiving_school"),
        )
        if token is None:
            target = f"/transfers/{transfer.id}?parents=mailed#ouders"
        else:
            address = f"{popo.settings.base_url.rstrip('/')}/p/{token}"
            ui = request_language(request)
            content = (
                templates(ui)
                .get_template("transfer_parent_link.html")
                .render(
                    language_url=language_url(request),
                    transfer=transfer,
                    address=address,
                    link_language=language,
                    expires_at=access.expires_at,
                )
            )
            response = html(content)
            response.headers["Cache-Control"] = "private, no-store"
            return response
    return Redirect(target, status_code=303)


def _link_for(
    request: Request[Any, Any, Any],
    popo: AppState,
    session: Session,
    transfer_id: uuid.UUID,
    access_id: uuid.UUID,
) -> tuple[Transfer, Any, ParentAccess]:
    reached = reach_transfer(request, popo, session, transfer_id, PURPOSE_LINK_OFF)
    if not reached.writes:
        raise ReadOnly()
    access = parents.link_of(session, reached.obj, access_id)
    if access is None:
        raise NotFoundException()
    return reached.obj, reached.who, access


@get("/transfers/{transfer_id:uuid}/parents/{access_id:uuid}/off")
@in_thread
def link_off_question(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    transfer_id: FromPath[uuid.UUID],
    access_id: FromPath[uuid.UUID],
) -> Response[str]:
    with popo.db.session() as session:
        transfer, _, access = _link_for(request, popo, session, transfer_id, access_id)
        content = (
            templates(request_language(request))
            .get_template("transfer_parent_link_off.html")
            .render(language_url=language_url(request), transfer=transfer, access=access)
        )
        return html(content)


@post("/transfers/{transfer_id:uuid}/parents/{access_id:uuid}/off")
@in_thread
def link_off(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    transfer_id: FromPath[uuid.UUID],
    access_id: FromPath[uuid.UUID],
) -> Redirect:
    with popo.db.session() as session:
        transfer, who, access = _link_for(request, popo, session, transfer_id, access_id)
        if access.revoked_at is None:
            parents.revoke(session, access)
            TransferService(session, popo.registry, popo.settings.base_url).record(
                transfer,
                "parents_link_off",
                actor_id=who.user_id,
                actor_name=who.name,
                party=None,
                role=None,
                visible_to=("sending_school", "receiving_school"),
            )
        target = f"/transfers/{transfer.id}?parents=off#ouders"
    return Redirect(target, status_code=303)


ROUTES = [
    parents_help,
    parents_page,
    parents_step_question,
    parents_step,
    parents_view,
    parents_okr_pdf,
    parents_form_pdf,
    parents_accesses_csv,
    parents_renew,
    parents_message,
    parents_message_file,
    make_link,
    link_off_question,
    link_off,
]
