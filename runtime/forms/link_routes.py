"""A school's links for parents: the staff of a school make a public link to its
aanmeldformulier (valid for a number of days, with a note to tell links apart), see which of
their links work, and switch one off after a confirmation. A link's secret is shown once, when
it is made: only its hash is stored."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from renderers import i18n

from ..state import AppState
from ..web import guards
from ..web.blocking import in_thread
from ..web.language import request_language, templates
from ..web.pages import html, language_url
from ..web.posted import Posted
from .models import PublicLink
from .service import FormsService, NotFound, service_for

MAX_DAYS = 365
DEFAULT_DAYS = 30
MAX_NOTE = 200


def _title(entry: Any, language: str) -> str:
    title = entry.form.definition.title
    return title if isinstance(title, str) else title.get(language) or entry.id


def _page(
    request: Request[Any, Any, Any],
    service: FormsService,
    school: uuid.UUID,
    status: int = 200,
    **values: Any,
) -> Response[str]:
    language = request_language(request)
    forms = {entry.id: _title(entry, language) for entry in service.parents_forms(school)}
    rows = [
        {
            "link": link,
            "form": forms.get(link.form_id, link.form_id),
            "state": service.link_state(link),
        }
        for link in service.start_links(school)
    ]
    content = (
        templates(language)
        .get_template("links.html")
        .render(
            school=service.organisation_name(school),
            forms=forms,
            rows=rows,
            default_days=DEFAULT_DAYS,
            max_days=MAX_DAYS,
            language_url=language_url(request),
            **{"errors": {}, "values": {}, "created": None, "notice": None, **values},
        )
    )
    return html(content, status)


@get("/links")
@in_thread
def links_page(request: Request[Any, Any, Any], popo: NamedDependency[AppState]) -> Response[str]:
    with popo.db.session() as session:
        _, school = guards.school_staff(request, session)
        return _page(request, service_for(popo, session), school)


@post("/links")
@in_thread
def create_link(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
) -> Response[str]:
    """A new link; a wrong value is named on the page, with what was typed kept."""
    language = request_language(request)
    values = {
        "form": posted.get("form") or "",
        "days": (posted.get("days") or "").strip(),
        "note": (posted.get("note") or "").strip(),
        "language": posted.get("link_language") or language,
    }
    with popo.db.session() as session:
        _, school = guards.school_staff(request, session)
        service = service_for(popo, session)
        errors: dict[str, str] = {}
        if values["form"] not in {entry.id for entry in service.parents_forms(school)}:
            errors["form"] = i18n.gettext(language, "Choose the form the link opens.")
        digits = values["days"]
        days = int(digits) if digits.isascii() and digits.isdigit() and len(digits) < 6 else 0
        if not 1 <= days <= MAX_DAYS:
            errors["days"] = i18n.gettext(language, "Give a number of days from 1 to %(max)s.") % {
                "max": MAX_DAYS
            }
        if len(values["note"]) > MAX_NOTE:
            errors["note"] = i18n.gettext(language, "Keep the note under %(max)s characters.") % {
                "max": MAX_NOTE
            }
        if values["language"] not in i18n.LANGUAGES:
            values["language"] = language
        if errors:
            return _page(request, service, school, 400, errors=errors, values=values)
        link, token = service.create_link(
            values["form"], "start", values["language"], organisation_id=school, days=days
        )
        link.note = values["note"] or None
        base = popo.settings.base_url.rstrip("/")
        created = {"url": f"{base}/start/{token}?lang={values['language']}", "link": link}
        return _page(request, service, school, 201, created=created)


def _school_link(service: FormsService, school: uuid.UUID, link_id: uuid.UUID) -> PublicLink:
    """One of the school's own start links; any other id is a page not found."""
    try:
        return service.start_link_of(school, link_id)
    except NotFound as exc:
        raise NotFoundException() from exc


def _question(
    request: Request[Any, Any, Any], service: FormsService, link: PublicLink
) -> Response[str]:
    content = (
        templates(request_language(request))
        .get_template("link_revoke.html")
        .render(link=link, state=service.link_state(link), language_url=language_url(request))
    )
    return html(content)


@get("/links/{link_id:uuid}/revoke")
@in_thread
def revoke_question(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], link_id: FromPath[uuid.UUID]
) -> Response[str]:
    """What switching a link off means, and a button to confirm."""
    with popo.db.session() as session:
        _, school = guards.school_staff(request, session)
        service = service_for(popo, session)
        return _question(request, service, _school_link(service, school, link_id))


@post("/links/{link_id:uuid}/revoke")
@in_thread
def revoke(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
    link_id: FromPath[uuid.UUID],
) -> Response[str]:
    """Switches the link off when confirmed; without the confirmation it asks first."""
    language = request_language(request)
    with popo.db.session() as session:
        _, school = guards.school_staff(request, session)
        service = service_for(popo, session)
        link = _school_link(service, school, link_id)
        if posted.get("confirm") != "yes":
            return _question(request, service, link)
        if link.revoked_at is None:
            service.revoke(link)
        message = i18n.gettext(
            language,
            "The link is switched off: nobody can start the form with it any more. Parents who "
            "started already go on with their own link.",
        )
        return _page(request, service, school, notice=message)


ROUTES = [links_page, create_link, revoke_question, revoke]
