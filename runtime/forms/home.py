"""The home page of staff: the forms of the regions to start (school staff only), the parents'
demo links, and starting a form."""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect

from renderers import i18n

from .. import demo
from ..access.scope import home_school
from ..organisations.models import Organisation
from ..state import AppState
from ..web import guards
from ..web.blocking import in_thread
from ..web.language import request_language, templates
from .service import FormsService, NotFound


def region_name(language: str, region: str | None) -> str:
    """A region's heading on the home page, in the person's language."""
    if region is None:
        return i18n.gettext(language, "Base forms")
    names = {
        "noord": i18n.gettext(language, "Region North"),
        "zuid": i18n.gettext(language, "Region South"),
    }
    return names.get(region, region)


@get("/")
@in_thread
def home(request: Request[Any, Any, Any], popo: NamedDependency[AppState]) -> Response[str]:
    language = request_language(request)
    with popo.db.session() as session:
        who = guards.logged_in(request, session)
    regions: dict[str, list[dict[str, Any]]] = {}
    for entry in popo.registry.offered():
        if entry.form.definition.kind == "custom":
            continue  # language examples, not instruments
        label = region_name(language, entry.form.definition.region)
        title = entry.form.definition.title
        regions.setdefault(label, []).append(
            {
                "id": entry.id,
                "version": entry.version,
                "title": title if isinstance(title, str) else title.get(language, ""),
            }
        )
    with popo.db.session() as session:
        parent_links = demo.parent_links(session, language)
        school = session.get(Organisation, home_school(who)) if home_school(who) else None
    content = (
        templates(language)
        .get_template("home.html")
        .render(
            regions=sorted(regions.items()),
            oso_forms={e.id for e in popo.registry.offered() if e.exchanges_oso},
            problems=popo.registry.problems,
            parent_links=parent_links,
            user=who,
            school=school,
            can_start=school is not None,  # only school staff start forms (see start_form)
            roles={role.role for role in who.roles},
            language_url=lambda code: f"/?lang={code}",
        )
    )
    return Response(content, media_type=MediaType.HTML)


@post("/forms/{form_id:str}/start")
@in_thread
def start_form(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], form_id: FromPath[str]
) -> Redirect | Response[str]:
    with popo.db.session() as session:
        _, school = guards.school_staff(request, session)
        service = FormsService(session, popo.registry, popo.settings, popo.files)
        try:
            draft = service.start(form_id, request_language(request), school)
        except NotFound as exc:
            raise NotFoundException() from exc
        target = f"/drafts/{draft.id}"
    return Redirect(target, status_code=303)


ROUTES = [home, start_form]
