"""The home page of staff: the forms of the regions to start (school staff only) and the
parents' demo links; later what each role can do (issue 12)."""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Response, get
from litestar.di import NamedDependency

from renderers import i18n

from .. import demo
from ..access.scope import home_school
from ..access.tokens import managed_organisation
from ..forms.service import PRIVATE_KINDS
from ..organisations.models import Organisation
from ..state import AppState
from ..web import guards
from ..web.blocking import in_thread
from ..web.language import request_language, templates
from .links import links_for


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
        if str(entry.form.definition.kind) in PRIVATE_KINDS:
            continue  # started on their domain's pages (a support request: /support/new)
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
            oso_forms={e.id for e in popo.registry.offered() if e.imports_oso},
            problems=popo.registry.problems,
            parent_links=parent_links,
            user=who,
            school=school,
            can_start=school is not None,  # only school staff start forms (see start_form)
            roles={role.role for role in who.roles},
            manages_tokens=managed_organisation(who) is not None,
            more_links=links_for(who),  # the other domains' (home/links.py)
            language_url=lambda code: f"/?lang={code}",
        )
    )
    return Response(content, media_type=MediaType.HTML)


ROUTES = [home]
