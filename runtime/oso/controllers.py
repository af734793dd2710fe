"""Routes: start an onderwijskundig rapport from an OSO dossier; download a submission as one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromPath
from litestar.response import Redirect

from oso_mapping.dossier import MAX_DOSSIER_BYTES, N_, DossierError
from renderers import i18n

from ..definitions import FormEntry
from ..forms.controllers import not_yet_page, reach_draft
from ..forms.models import Draft
from ..forms.service import FormsService, NotFound, service_for
from ..forms.status import DraftStatus
from ..state import AppState
from ..web import guards, scoped
from ..web.blocking import in_thread
from ..web.language import asked_language, request_language, templates
from ..web.pages import html, language_url, message_page
from ..web.posted import Posted
from .service import UPLOAD_LIMIT, OsoExchange, answered_text


def translated(language: str, message: str, params: dict[str, Any]) -> str:
    return i18n.gettext(language, message).format(**params)


def too_large(request: Request[Any, Any, Any], exc: RequestEntityTooLarge) -> Response[str]:
    """A dossier beyond the limit: a page in the reader's language (the limit is hit while the
    body is read, also by the CSRF check before the route, so it is handled here)."""
    language = request_language(request)
    return refused(
        request,
        language,
        translated(
            language,
            N_("the file is larger than {limit} MB; an OSO dossier may be at most {limit} MB"),
            {"limit": MAX_DOSSIER_BYTES // (1024 * 1024)},
        ),
        413,
    )


def refused(
    request: Request[Any, Any, Any], language: str, message: str, status: int
) -> Response[str]:
    title = i18n.gettext(language, "The OSO dossier was not read")
    return message_page(request, language, title, message, status)


@contextmanager
def staff_draft(
    request: Request[Any, Any, Any],
    popo: AppState,
    ref: str,
    purpose: str,
    grantable: bool = False,
) -> Iterator[tuple[FormsService, Draft, FormEntry]]:
    """The draft a member of staff reaches at ``/drafts/{ref}`` (web/scoped.py: 404 outside
    their scope; a ``grantable`` read of a sent form also one granted to them, see
    forms/controllers.reach_draft), with its service and definition, in one transaction;
    audited."""
    with popo.db.session() as session:
        service = service_for(popo, session)
        try:
            draft = reach_draft(request, popo, service, ref, purpose, grantable).obj
            entry = service.entry(draft)
        except NotFound as exc:
            raise NotFoundException() from exc
        language = asked_language(request)
        if language is not None:
            service.set_language(draft, language)
        yield service, draft, entry


@post(
    "/forms/{form_id:str}/oso",
    request_max_body_size=UPLOAD_LIMIT,
    exception_handlers={RequestEntityTooLarge: too_large},
)
@in_thread
def upload_dossier(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
    form_id: FromPath[str],
) -> Response[str] | Redirect:
    """A school uploads the OSO dossier its administration system exported: a new draft of the
    form starts with what the dossier holds, and the school sees what it did not carry."""
    language = request_language(request)
    upload = posted.uploads.get("dossier")
    data = upload.data if upload is not None else b""
    filename = upload.filename if upload is not None else ""
    with popo.db.session() as session:
        who, school = guards.school_staff(request, session)
        exchange = OsoExchange(service_for(popo, session))
        try:
            with session.begin_nested():  # a refused dossier leaves nothing behind
                draft, _ = exchange.start_from_dossier(form_id, data, filename, language, school)
        except NotFound as exc:
            raise NotFoundException() from exc
        except DossierError as exc:
            return refused(request, language, translated(language, exc.message, exc.params), 400)
        scoped.record(
            request,
            session,
            popo.audit_key,
            who,
            True,
            "draft",
            str(draft.id),
            f"start from an OSO dossier: {draft.form_id}",
            pupil=exchange.forms.pupil(draft),
        )
        target = f"/drafts/{draft.id}/oso-import"
    return Redirect(target, status_code=303)


@get("/drafts/{ref:str}/oso-import")
@in_thread
def import_report(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], ref: FromPath[str]
) -> Response[str]:
    """What an OSO import carried into the draft, and every element it did not."""
    with staff_draft(request, popo, ref, "see what an OSO import carried") as (_, draft, entry):
        report = draft.oso_import
        if not report:
            raise NotFoundException()
        language = draft.language
        unmapped = [
            {**item, "text": translated(language, item["reason"], item.get("params") or {})}
            for item in report["unmapped"]
        ]
        page = (
            templates(language)
            .get_template("oso_import.html")
            .render(
                report=report,
                answered=[
                    answered_text(entry.form, item, language) for item in report.get("answered", [])
                ],
                unmapped=unmapped,
                draft_url=f"/drafts/{draft.id}",
                language_url=language_url(request),
            )
        )
        return html(page)


@get("/drafts/{ref:str}/submission.oso.xml")
@not_yet_page
@in_thread
def download_dossier(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], ref: FromPath[str]
) -> Response[Any]:
    """The submitted rapport as an OSO 2019.1 dossier, validated the official way first."""
    with staff_draft(request, popo, ref, "download the OSO export", grantable=True) as (
        service,
        draft,
        entry,
    ):
        if draft.status != DraftStatus.SUBMITTED or not entry.exports_oso:
            raise NotFoundException()
        result = OsoExchange(service).export_submission(service.submitted(draft))
        language = draft.language
        if result.validation.findings:
            translate = partial(i18n.gettext, language)
            findings = [
                {"message": f.text(translate), "location": f.where(translate), "rule": f.stage}
                for f in result.validation.findings
            ]
            page = (
                templates(language)
                .get_template("oso_findings.html")
                .render(
                    findings=findings,
                    in_dutch=language != "nl" and any(f["rule"] == "rules" for f in findings),
                    draft_url=f"/drafts/{draft.id}",
                    language_url=language_url(request),
                )
            )
            return html(page, 422)
        headers = {
            "Content-Disposition": f'attachment; filename="{result.filename}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "X-POPO-OSO-Validation": "skipped" if result.validation.skipped else "passed",
        }
        return Response(result.export.xml, media_type="application/xml", headers=headers)


ROUTES = [upload_dossier, import_report, download_dossier]
